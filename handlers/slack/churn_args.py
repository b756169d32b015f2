"""`/churn` arguments: from the text a person typed to a query, or to what was wrong.

    /churn                              summary of the last 30 days
    /churn summary [period]             period: 7d | 30d | 90d | YYYY-MM-DD..YYYY-MM-DD
    /churn at-risk [N] [plan:NAME]      N: 1-1000, default 10; plan:"Two words" is quoted
    /churn reasons [period]
    /churn customer <external id | email | part of a name>
    /churn help

At most MAX_TEXT_CHARS (200) characters of text: more is refused with one line.

Every query also has a canonical text (`canonical`), with the period written out as dates
and the moment it was asked, which "Share in channel" carries in its button and runs
again, so what is shared is what the person saw.
"""

from __future__ import annotations

import re
import shlex
from dataclasses import dataclass
from datetime import UTC, datetime, tzinfo

from insights.metrics import Period
from insights.periods import EXAMPLES, PeriodError, last_days, parse_period, period_text

DEFAULT_DAYS = 30
MAX_TEXT_CHARS = 200  # every query fits; Slack itself allows 4,000 characters of text
EARLIEST_YEAR, LATEST_YEAR = 1900, 2999
MAX_FROZEN_CHARS = 300  # a query's canonical text (dates written out, plan quoted) is longer
DEFAULT_AT_RISK = 10
MAX_AT_RISK = 1000
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
_STAMP = re.compile(r"[0-9]{1,11}")  # unix seconds, as `freeze` writes them
_AT_RISK_NAMES = ("at-risk", "atrisk", "at_risk", "risk")


class UsageError(ValueError):
    """What was wrong with the arguments, in words for the person who typed them."""


class TextTooLong(UsageError):
    """More text than any query needs: refused before it is parsed or searched for."""

    def __init__(self, length: int) -> None:
        super().__init__(
            f"`/churn` takes at most {MAX_TEXT_CHARS} characters; that was {length:,}. "
            "Try `/churn help`."
        )
        self.length = length


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
    return _parsed_period(args[0], tz, now)


def _parsed_period(text: str, tz: tzinfo, now: datetime) -> Period:
    """`parse_period`, within EARLIEST_YEAR..LATEST_YEAR so the period before it exists too
    (year 1 or 9999 would overflow a date when the comparison period is computed)."""
    try:
        period = parse_period(text, tz, now)
    except PeriodError as error:
        raise UsageError(str(error)) from None
    except OverflowError:
        period = None
    if period is not None and period.start >= now:
        raise UsageError(f"{text.strip()} has not happened yet")
    if period is None or not (
        period.start.year >= EARLIEST_YEAR and period.end.year <= LATEST_YEAR
    ):
        raise UsageError(f"periods must lie between the years {EARLIEST_YEAR} and {LATEST_YEAR}")
    return period


def _at_risk(args: list[str]) -> AtRisk:
    limit, plan = None, None
    for arg in args:
        if arg.lower().startswith("plan:"):
            if plan is not None:
                raise UsageError("give `plan:NAME` once")
            plan = arg[5:].strip()
            if not plan:
                raise UsageError('`plan:` needs a plan name, e.g. plan:pro or plan:"Pro Plus"')
        elif arg.isascii() and arg.isdigit():
            if limit is not None:
                raise UsageError("give the number of customers once")
            limit = int(arg)
            if not 1 <= limit <= MAX_AT_RISK:
                raise UsageError(f"the number of customers must be 1 to {MAX_AT_RISK}")
        else:
            raise UsageError(f"`at-risk` takes a number and plan:NAME, not {arg!r}")
    return AtRisk(limit or DEFAULT_AT_RISK, plan)


def parse(text: str, tz: tzinfo, now: datetime, limit: int = MAX_TEXT_CHARS) -> Query:
    """The query `text` asks for; UsageError says what is wrong otherwise.

    Text over `limit` characters is refused first (TextTooLong): a megabyte of "customer"
    text would otherwise become a LIKE pattern the database refuses as too complex.
    """
    if len(text) > limit:
        raise TextTooLong(len(text))
    if _CONTROL.search(text):  # a NUL, for one, is refused by PostgreSQL in any string
        raise UsageError("the text holds a control character; type the command again")
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
            return Summary(_parsed_period(name, tz, now))
        except UsageError:
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


def thaw(value: object, tz: tzinfo) -> Frozen:
    """The query a button froze; UsageError when the value is not one `freeze` makes."""
    stamp, _, text = value.partition(" ") if isinstance(value, str) else ("", "", "")
    try:
        if not _STAMP.fullmatch(stamp):
            raise ValueError(stamp)
        as_of = datetime.fromtimestamp(int(stamp), UTC)
    except (ValueError, OverflowError, OSError):
        raise UsageError("this button is from an older version of the bot") from None
    return Frozen(parse(text, tz, as_of, MAX_FROZEN_CHARS), as_of)
