"""`retention-bot risk`: learn churn risk from the company's history, and check it.

- `risk fit`: snapshots of the history, a backtest, a fit on all of it; stored, and adopted
  unless it backtests worse than the model in use (`run` does this weekly).
- `risk backtest`: train before each cut-off, score at it, compare with what happened:
  AUC, Brier score, calibration by decile, lift in the top 10%, expected vs actual
  churners and MRR lost. Nothing is stored.
- `risk show`: the model in use and the latest fits.
"""

from __future__ import annotations

import json
from datetime import datetime
from typing import TYPE_CHECKING, Any

import click
import numpy as np

from bot.context import AppContext
from config import Settings
from insights.risk import Weights
from insights.risk_history import (
    Backtest,
    HistoryConfig,
    Refit,
    Snapshots,
    backtest,
    build_snapshots,
    refit,
)
from insights.risk_store import adopted_model, history

if TYPE_CHECKING:  # annotations only: bot/ runs no queries itself
    from sqlalchemy.orm import Session, sessionmaker


def history_config(settings: Settings, **overrides: Any) -> HistoryConfig:
    values: dict[str, Any] = {
        "horizon_days": settings.risk.horizon_days,
        "step_days": settings.risk.snapshot_days,
        "history_days": settings.risk.history_days,
        "grace_days": settings.core.payment_grace_days,
        "min_churners": settings.risk.min_churners,
        "max_rows": settings.risk.training_max_rows,
    }
    values.update({k: v for k, v in overrides.items() if v is not None})
    return HistoryConfig(**values)


def refit_now(
    settings: Settings,
    factory: sessionmaker[Session],
    weights: Weights,
    now: datetime,
    progress: Any = None,
) -> Refit:
    """One refit, committed: what `risk fit` and the weekly job do."""
    with factory() as session, session.begin():
        return refit(session, weights, now, history_config(settings), progress=progress)


def _pct(value: float | None, digits: int = 1) -> str:
    return "-" if value is None else f"{100 * value:.{digits}f}%"


def _num(value: float | None, fmt: str = ".3f") -> str:
    return "-" if value is None else format(value, fmt)


def backtest_lines(bt: Backtest, horizon_days: int) -> list[str]:
    """The backtest report as text lines (also pasted into docs/risk.md)."""
    f = bt.figures
    if not bt.cutoffs:
        return ["No backtest: the history has no snapshot with churn before a cut-off yet."]
    cutoffs = ", ".join(c.date().isoformat() for c in bt.cutoffs)
    lines = [
        f"Backtest of {horizon_days}-day churn: trained before each cut-off ({cutoffs}), "
        f"scored at it, compared with the next {horizon_days} days.",
        f"{f['rows']:,} customer-dates, {f['actual_churners']:,} churned "
        f"(base rate {_pct(f['base_rate'])}).",
        "",
        f"AUC {_num(f['auc'])} · Brier {_num(f['brier'], '.4f')} · log loss "
        f"{_num(f['log_loss'], '.4f')} · top 10% holds {_pct(f['top10_share'], 0)} of churners "
        f"(lift {_num(f['top10_lift'], '.1f')})",
        f"Expected churners {f['expected_churners']:,.1f} vs actual {f['actual_churners']:,} "
        f"(calibration {_num(f['calibration'], '.2f')})",
    ]
    if f.get("expected_mrr_lost") is not None:
        expected, actual = f["expected_mrr_lost"], f["actual_mrr_lost"]
        ratio = f" (ratio {expected / actual:.2f})" if actual else ""
        lines.append(f"Expected MRR lost {expected:,.2f} vs actual {actual:,.2f}{ratio}")
    lines += [
        "",
        "Calibration by decile of predicted probability:",
        "| decile | customers | predicted range | predicted | observed | expected | actual |",
        "| ---: | ---: | --- | ---: | ---: | ---: | ---: |",
    ]
    for n, d in enumerate(f["deciles"], start=1):
        lines.append(
            f"| {n} | {d['customers']:,} | {_pct(d['predicted_min'])}-{_pct(d['predicted_max'])} "
            f"| {_pct(d['predicted'], 2)} | {_pct(d['observed'], 2)} "
            f"| {d['expected_churners']:.1f} | {d['actual_churners']} |"
        )
    if bt.compared:
        lines += [
            "",
            "Same customers and dates, other models:",
            "| model | AUC | Brier | calibration |",
            "| --- | ---: | ---: | ---: |",
            f"| this fit (as trained at each cut-off) | {_num(f['auc'])} | "
            f"{_num(f['brier'], '.4f')} | {_num(f['calibration'], '.2f')} |",
        ]
        for name, c in bt.compared.items():
            lines.append(
                f"| {name} | {_num(c['auc'])} | {_num(c['brier'], '.4f')} | "
                f"{_num(c['calibration'], '.2f')} |"
            )
    lines += ["", bt.summary().replace("calibration", f"{horizon_days}-day calibration")]
    return lines


def gradient_boosting_reference(
    snaps: Snapshots, config: HistoryConfig, bt: Backtest
) -> dict[str, Any] | None:
    """A monotone-free gradient-boosted reference on the same snapshots and cut-offs.

    scikit-learn is only installed with the `bench` extra; without it there is no reference.
    """
    try:
        from sklearn.ensemble import HistGradientBoostingClassifier
    except ImportError:
        return None
    from insights.risk_fit import evaluate

    ys, ps = [], []
    for cutoff in bt.cutoffs:
        train = snaps.rows(snaps.before(cutoff, config.resolve))
        test = snaps.rows(snaps.at(cutoff))
        model = HistGradientBoostingClassifier(
            max_iter=300, learning_rate=0.05, max_leaf_nodes=15, l2_regularization=1.0,
            random_state=0,
        )  # fmt: skip
        model.fit(train.x.toarray(), train.y)
        ys.append(test.y)
        ps.append(model.predict_proba(test.x.toarray())[:, 1])
    if not ys:
        return None
    return evaluate(np.concatenate(ys), np.concatenate(ps))


@click.group("risk")
def risk_group() -> None:
    """Learn churn risk from this company's history, and check how well it predicts."""


@risk_group.command("fit")
@click.pass_obj
def fit_command(app: AppContext) -> None:
    """Refit the model on the history's snapshots; adopt it unless it backtests worse."""
    app.refresh_lifecycle()
    settings = app.settings
    now = app.clock()
    result = refit_now(
        settings, app.database(), app.risk_weights, now, progress=lambda m: click.echo(m, err=True)
    )
    model, trained = result.model, result.model.trained
    click.echo(
        f"Risk model v{model.version} ({model.kind}, {model.horizon_days}-day horizon): "
        f"{trained.get('snapshots')} snapshots {str(trained.get('window_start'))[:10]} to "
        f"{str(trained.get('window_end'))[:10]}, {trained.get('rows'):,} rows, "
        f"{trained.get('churners'):,} churn episodes, {trained.get('seconds')} s."
    )
    click.echo(result.backtest.summary())
    click.echo(result.note)


@risk_group.command("backtest")
@click.option("--cutoffs", type=click.IntRange(1, 24), help="How many cut-offs (default 3).")
@click.option(
    "--reference/--no-reference",
    default=True,
    help="Also a gradient-boosted reference (needs scikit-learn, the `bench` extra).",
)
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text")
@click.pass_obj
def backtest_command(app: AppContext, cutoffs: int | None, reference: bool, fmt: str) -> None:
    """Train before each cut-off, score at it, compare with what happened."""
    app.refresh_lifecycle()
    settings = app.settings
    config = history_config(settings, backtest_cutoffs=cutoffs)
    weights = app.risk_weights
    now = app.clock()
    with app.database()() as session:
        snaps = build_snapshots(session, weights, now, config)
        bt = backtest(snaps, weights, config, adopted_model(session))
    if reference and bt.cutoffs:
        gbm = gradient_boosting_reference(snaps, config, bt)
        if gbm is not None:
            bt.compared["gradient boosting (reference, not monotone)"] = gbm
    if fmt == "json":
        data = dict(bt.figures)
        data["cutoffs"] = [c.isoformat() for c in bt.cutoffs]
        data["horizon_days"] = config.horizon_days
        data["compared"] = {
            k: {m: v.get(m) for m in ("auc", "brier", "log_loss", "calibration")}
            for k, v in bt.compared.items()
        }
        click.echo(json.dumps(data, indent=2))
        return
    for line in backtest_lines(bt, config.horizon_days):
        click.echo(line)
    click.echo(
        f"({len(snaps.dates)} snapshots every {config.step_days} days, "
        f"{len(snaps.y):,} rows, built in {snaps.seconds:.1f} s)"
    )


@risk_group.command("show")
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text")
@click.pass_obj
def show_command(app: AppContext, fmt: str) -> None:
    """The model in use, its weights per signal, and the latest fits."""
    with app.database()() as session:
        fits = history(session)
    if fmt == "json":
        click.echo(
            json.dumps(
                [
                    {"version": f.version, "status": f.status, "note": f.note,
                     "created_at": f.created_at.isoformat(), "model": f.model.to_json()}
                    for f in fits
                ],
                indent=2,
            )
        )  # fmt: skip
        return
    in_use = next((f for f in fits if f.status == "adopted"), None)
    if in_use is None:
        click.echo(
            "No model fitted yet: the hand-set weights are in use, not calibrated. "
            "Run `retention-bot risk fit`."
        )
    else:
        m = in_use.model
        click.echo(f"In use: v{m.version} ({m.kind}, {m.horizon_days}-day horizon), {m.summary()}")
        click.echo(f"  intercept {m.intercept:.3f}; coefficients (log-odds per unit of feature):")
        for name, value in sorted(m.coefficients.items(), key=lambda kv: -kv[1]):
            click.echo(f"  {name:36} {value:.3f}")
    for f in fits:
        click.echo(
            f"v{f.version} {f.created_at:%Y-%m-%d %H:%M} {f.status:8} {f.model.kind:12} "
            f"{f.model.summary()}" + (f" ({f.note})" if f.note else "")
        )


def register(group: click.Group) -> None:
    group.add_command(risk_group)
