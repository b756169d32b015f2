"""Where the churn-risk model lives: the `risk_models` table, as plain JSON.

The model in use is the adopted row with the highest version. Until a company has one
(no refit yet), the hand-set points are used as they are, and every surface says that
their probabilities are not calibrated.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from insights.risk import RiskModel, Weights, hand_set_model
from storage.models import RiskModelRow

DEFAULT_HORIZON_DAYS = 30


@dataclass(frozen=True)
class StoredRiskModel:
    """One version of the churn-risk model with its status, as kept in the database."""

    version: int
    status: str
    note: str | None
    created_at: datetime
    model: RiskModel


def current_model(
    session: Session, weights: Weights, horizon_days: int = DEFAULT_HORIZON_DAYS
) -> RiskModel:
    """The adopted model with the highest version, or the hand-set points."""
    row = session.execute(
        select(RiskModelRow.version, RiskModelRow.model)
        .where(RiskModelRow.status == "adopted")
        .order_by(RiskModelRow.version.desc())
        .limit(1)
    ).first()
    if row is None:
        return hand_set_model(weights, horizon_days)
    return RiskModel.from_json(json.loads(row.model), version=row.version)


def adopted_model(session: Session) -> RiskModel | None:
    """The adopted model with the highest version, if any."""
    row = session.execute(
        select(RiskModelRow.version, RiskModelRow.model)
        .where(RiskModelRow.status == "adopted")
        .order_by(RiskModelRow.version.desc())
        .limit(1)
    ).first()
    return None if row is None else RiskModel.from_json(json.loads(row.model), row.version)


def save_model(
    session: Session, model: RiskModel, *, adopted: bool, note: str | None, now: datetime
) -> RiskModel:
    """Store one fit as the next version; returns the model with its version."""
    version = int(session.scalar(select(func.max(RiskModelRow.version))) or 0) + 1
    trained = model.trained
    session.add(
        RiskModelRow(
            version=version,
            kind=model.kind,
            status="adopted" if adopted else "rejected",
            horizon_days=model.horizon_days,
            training_start=_parse(trained.get("window_start")),
            training_end=_parse(trained.get("window_end")),
            model=json.dumps(model.to_json(), sort_keys=True),
            note=note,
            created_at=now,
        )
    )
    session.flush()
    return model.with_version(version)


def history(session: Session, limit: int = 20) -> list[StoredRiskModel]:
    """The latest fits, newest first."""
    rows = session.scalars(
        select(RiskModelRow).order_by(RiskModelRow.version.desc()).limit(limit)
    ).all()
    return [
        StoredRiskModel(
            r.version,
            r.status,
            r.note,
            r.created_at,
            RiskModel.from_json(json.loads(r.model), r.version),
        )
        for r in rows
    ]


def _parse(value: object) -> datetime | None:
    return datetime.fromisoformat(value) if isinstance(value, str) else None
