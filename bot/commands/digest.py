"""`retention-bot digest`: the weekly digest printed (--dry-run) or posted now (--post).

    retention-bot digest --dry-run [--week 2026-W47 | --month 2026-11]
                         [--format text|markdown|json] [--chart digest.png]
    retention-bot digest --post [--week 2026-W47 | --month 2026-11]

Without --week or --month: the last full week (Monday to Sunday in TIMEZONE), or with
DIGEST_CADENCE=monthly the last full calendar month (the monthly edition, with cohorts). A
week or month that has not started is refused in one line; the current week is printed
with its figures so far, labelled so (and never posted). --post goes to every configured
destination through the same claims as the scheduled job, so a week (month) already posted
somewhere is not posted there again; one line per destination says what happened, and the
exit code is 1 if any destination failed.
"""

from __future__ import annotations

import asyncio
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING

import click

from bot.commands.outputs import check_file_target, writing
from bot.context import AppContext
from config import ConfigError
from insights.digest import (
    IsoWeek,
    Month,
    MonthFormatError,
    WeekFormatError,
    render_chart,
    render_json,
    render_markdown,
    render_text,
)
from insights.periods import PeriodNotStarted

if TYPE_CHECKING:
    from insights.digest.delivery import Outcome

RENDERERS = {"text": render_text, "markdown": render_markdown, "json": render_json}


def _week(value: str | None, month: str | None, app: AppContext, now: datetime) -> IsoWeek | Month:
    """The chosen week or month; one that has not started is refused ("2027-W10 has not
    happened yet"). Without either: the last full week, or month with DIGEST_CADENCE=monthly."""
    if value is not None and month is not None:
        raise click.UsageError("choose one of --week and --month")
    chosen: IsoWeek | Month
    if month is not None:
        try:
            chosen = Month.parse(month)
        except MonthFormatError as error:
            raise click.BadParameter(str(error), param_hint="--month") from None
    elif value is None:
        unit = Month if app.settings.digest.cadence == "monthly" else IsoWeek
        return unit.last_full(now, app.settings.tz)
    else:
        try:
            chosen = IsoWeek.parse(value)
        except WeekFormatError as error:
            raise click.BadParameter(str(error), param_hint="--week") from None
    if chosen.start(app.settings.tz) >= now:
        raise PeriodNotStarted(f"{chosen} has not happened yet")
    return chosen


def _name(period: IsoWeek | Month) -> str:
    return f"month {period}" if isinstance(period, Month) else f"week {period}"


def _describe(outcome: Outcome) -> str:
    labels = {
        "sent": "sent",
        "already_sent": "already sent, not posted again",
        "in_progress": "being posted by another process, skipped",
        "failed": f"FAILED after {outcome.attempts} attempt(s)",
    }
    return f"{outcome.destination}: {labels[outcome.status]} ({outcome.detail})"


@click.command("digest")
@click.option("--dry-run", "dry_run", is_flag=True, help="Print the digest; post nothing.")
@click.option("--post", "post", is_flag=True, help="Post it now to every destination.")
@click.option("--week", metavar="YYYY-Www", help="ISO week, e.g. 2026-W47 (default: last week).")
@click.option(
    "--month",
    metavar="YYYY-MM",
    help="A calendar month, e.g. 2026-11: the monthly edition, with the cohort table.",
)
@click.option(
    "--format",
    "fmt",
    type=click.Choice(sorted(RENDERERS)),
    default="text",
    show_default=True,
    help="How --dry-run prints it.",
)
@click.option(
    "--chart",
    type=click.Path(dir_okay=False, writable=True, path_type=Path),
    help="Also write the chart to this PNG file.",
)
@click.pass_obj
def digest_command(
    app: AppContext,
    dry_run: bool,
    post: bool,
    week: str | None,
    month: str | None,
    fmt: str,
    chart: Path | None,
) -> None:
    """The retention digest: print it (--dry-run, the default) or --post it.

    Last week's by default, last month's with DIGEST_CADENCE=monthly (or --month).

    Destinations: SLACK_DIGEST_CHANNEL (with SLACK_BOT_TOKEN) and every chat in
    TELEGRAM_MANAGER_CHAT_IDS (with TELEGRAM_BOT_TOKEN). See docs/digest.md.
    """
    if dry_run and post:
        raise click.UsageError("choose one of --dry-run (print) and --post (send)")
    if post and chart is not None:
        raise click.UsageError("--chart writes the chart of a --dry-run; leave it out of --post")
    # Imported here: the Slack and Telegram clients are slow to import and other commands
    # (and `--help`) should not pay for them.
    from bot.digest_posting import compose_week, destinations, post_week

    now = app.clock()
    settings = app.settings
    chosen = _week(week, month, app, now)
    if post:
        if not chosen.has_ended(now, settings.tz):
            raise click.BadParameter(
                f"{_name(chosen)} has not ended yet; --dry-run shows it so far",
                param_hint="--month" if isinstance(chosen, Month) else "--week",
            )
        posters = destinations(settings)
        if not posters:
            raise ConfigError(
                "nothing to post to: set SLACK_DIGEST_CHANNEL (and SLACK_BOT_TOKEN) or "
                "TELEGRAM_MANAGER_CHAT_IDS (and TELEGRAM_BOT_TOKEN)"
            )
    if chart is not None:
        if chart.suffix.lower() != ".png":
            raise click.BadParameter(f"{chart} should end in .png", param_hint="--chart")
        check_file_target(chart)  # before the digest is composed and printed
    factory = app.database()
    if not post:
        if not chosen.has_ended(now, settings.tz):
            click.echo(f"note: {_name(chosen)} is still in progress; figures so far", err=True)
        digest = compose_week(settings, factory, chosen, now)
        click.echo(RENDERERS[fmt](digest), nl=fmt == "json")
        if chart is not None:
            with writing(chart):
                chart.write_bytes(render_chart(digest))
            click.echo(f"chart written to {chart}", err=True)
        return
    outcomes = asyncio.run(post_week(settings, factory, chosen, now, posters))
    for outcome in outcomes:
        click.echo(_describe(outcome))
    if any(not outcome.ok for outcome in outcomes):
        raise click.exceptions.Exit(1)


def register(group: click.Group) -> None:
    group.add_command(digest_command)
