"""`/churn` arguments: from the text a person typed to a query, or to what was wrong.

    /churn                              summary of the last 30 days
    /churn summary [period]             period: 7d | 30d | 90d | YYYY-MM-DD..YYYY-MM-DD
    /churn at-risk [N] [plan:NAME]      N: 1-1000, default 10; plan:"Two words" is quoted
    /churn reasons [period]
    /churn customer <external id | email | part of a name>
    /churn help

Every query also has a canonical text (`canonical`), with the period written out as dates
and the moment it was asked, which "Share in channel" carries in its button and runs
again, so what is shared is what the person saw.
"""

from __future__ import annotations

import shlex
from dataclasses import dataclass
from datetime import UTC, datetime, tzinfo

from insights.metrics import Period
from insights.periods import EXAMPLES, PeriodError, last_days, parse_period, period_text

DEFAULT_DAYS = 30
DEFAULT_AT_RISK = 10
MAX_AT_RISK = 1000
_AT_RISK_NAMES = ("at-risk", "atrisk", "at_risk", "risk")


class UsageError(ValueError):
    """What was wrong with the arguments, in words for the person who typed them."""


@dataclass(frozen=True)
class Summary:
    period: Period


@dataclass(frozen=True)
class AtRisk:
    limit: int = DEFAULT_AT_RISK
    plan: str | None = None


@dataclass(frozen=True)
class Reasons:
    period: Period


@dataclass(frozen=True)
class CustomerLookup:
    term: str


@dataclass(frozen=True)
class Help:
    pass


Query = Summary | AtRisk | Reasons | CustomerLookup | Help


def _period(args: list[str], tz: tzinfo, now: datetime, name: str) -> Period:
    if not args:
        return last_days(DEFAULT_DAYS, tz, now)
    if len(args) > 1:
        raise UsageError(f"`{name}` takes one period ({EXAMPLES}), not {' '.join(args)!r}")
    try:
        return parse_period(args[0], tz, now)
    except PeriodError as error:
        raise UsageError(str(error)) from None


def _at_risk(args: list[str]) -> AtRisk:
    limit, plan = None, None
    for arg in args:
        if arg.lower().startswith("plan:"):
            if plan is not None:
                raise UsageError("give `plan:NAME` once")
            plan = arg[5:].strip()
            if not plan:
                raise UsageError('`plan:` needs a plan name, e.g. plan:pro or plan:"Pro Plus"')
        elif arg.isdigit():
            if limit is not None:
                raise UsageError("give the number of customers once")
            limit = int(arg)
            if not 1 <= limit <= MAX_AT_RISK:
                raise UsageError(f"the number of customers must be 1 to {MAX_AT_RISK}")
        else:
            raise UsageError(f"`at-risk` takes a number and plan:NAME, not {arg!r}")
    return AtRisk(limit or DEFAULT_AT_RISK, plan)


def parse(text: str, tz: tzinfo, now: datetime) -> Query:
    """The query `text` asks for; UsageError says what is wrong otherwise."""
    parts = text.strip().split(None, 1)
    if not parts:
        return Summary(last_days(DEFAULT_DAYS, tz, now))
    name, rest = parts[0].lower(), parts[1] if len(parts) > 1 else ""
    if name == "customer":  # the rest as typed: names hold spaces and apostrophes
        term = rest.strip().strip("\"'“”").strip()
        if not term:
            raise UsageError("`customer` needs an external id, an email or part of a name")
        return CustomerLookup(term)
    try:
        args = shlex.split(rest)
    except ValueError:
        raise UsageError("a quote is not closed") from None
    if name == "summary":
        return Summary(_period(args, tz, now, "summary"))
    if name in _AT_RISK_NAMES:
        return _at_risk(args)
    if name == "reasons":
        return Reasons(_period(args, tz, now, "reasons"))
    if name in ("help", "?"):
        return Help()
    if not args:  # `/churn 7d` reads as the summary of that period
        try:
            return Summary(parse_period(name, tz, now))
        except PeriodError:
            pass
    raise UsageError(f"unknown subcommand {parts[0]!r}")


@dataclass(frozen=True)
class Frozen:
    """A query with the moment it was answered: what "Share in channel" runs again."""

    query: Query
    as_of: datetime


def canonical(query: Query, tz: tzinfo) -> str:
    """The query as text that `parse` reads back to the same query."""
    if isinstance(query, Summary):
        return f"summary {period_text(query.period, tz)}"
    if isinstance(query, Reasons):
        return f"reasons {period_text(query.period, tz)}"
    if isinstance(query, AtRisk):
        plan = f' plan:"{query.plan}"' if query.plan else ""
        return f"at-risk {query.limit}{plan}"
    if isinstance(query, CustomerLookup):
        return f"customer {query.term}"
    return "help"


def freeze(query: Query, as_of: datetime, tz: tzinfo) -> str:
    """`<unix seconds> <canonical text>`: short enough for a button value."""
    return f"{int(as_of.timestamp())} {canonical(query, tz)}"


def thaw(value: str, tz: tzinfo) -> Frozen:
    stamp, _, text = value.partition(" ")
    if not stamp.isdigit():
        raise UsageError("this button is from an older version of the bot")
    as_of = datetime.fromtimestamp(int(stamp), UTC)
    return Frozen(parse(text, tz, as_of), as_of)
