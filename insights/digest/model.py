"""The digest as plain data: what happened last week, before anyone decides how it looks.

Composition (`compose`) fills these frozen dataclasses from the database; every renderer
(text, Markdown, JSON, the chart, Slack Block Kit, Telegram HTML) reads them and nothing
else, so the figures a manager sees in Slack are the ones `--dry-run` prints.

"No data" is `None`, never 0: a week without NPS answers has `nps=None`, a week before the
first customer has `customers_start=0` and undefined rates, and renderers say so in words.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import datetime
from decimal import Decimal

from insights.cohorts import CohortTable
from insights.digest.months import Month
from insights.digest.weeks import IsoWeek
from insights.margins import csat_margin, nps_margin
from insights.revenue.movements import Leaver, MrrMovements

Number = int | float


@dataclass(frozen=True)
class WeekFigures:
    """One week's retention, churn and survey figures (definitions: `insights.metrics`)."""

    week: IsoWeek
    customers_start: int
    customers_end: int
    new_customers: int
    lost_customers: int
    lost_voluntary: int
    lost_involuntary: int
    churn_rate: float | None
    voluntary_churn_rate: float | None
    involuntary_churn_rate: float | None
    retention_rate: float | None
    nps: float | None
    nps_responses: int
    promoters: int
    detractors: int
    csat: float | None
    csat_responses: int
    answers: int
    """Survey responses received in the week (survey sessions with an answer given in it)."""
    surveys_sent: int
    response_rate: float | None
    surveys_answered: int = 0
    """Of the `surveys_sent` in the week, how many were answered (at any time): the
    response rate is surveys_answered / surveys_sent."""
    before_records: bool = False
    """The week ended before the records begin: its figures (customers by sign-up date
    alone, nobody lost) are not data, and it reads as "no data"."""

    @property
    def nps_margin(self) -> float | None:
        """± NPS points at 95% (`insights.margins`); None without NPS answers."""
        return nps_margin(self.promoters, self.detractors, self.nps_responses)

    @property
    def csat_margin(self) -> float | None:
        """± percentage points at 95% (`insights.margins`); None without CSAT answers."""
        return csat_margin(self.csat, self.csat_responses)

    def small_sample(self, score: str, min_sample: int) -> bool:
        """True when `score` ("nps" or "csat") has answers, but fewer than `min_sample`.

        Judged per score, since each has its own n: a week with 40 NPS answers and 6
        CSAT answers has a usable NPS and a CSAT to read with care. No answers at all is
        "no data", not a small sample.
        """
        answers = self.nps_responses if score == "nps" else self.csat_responses
        return 0 < answers < min_sample

    @property
    def has_customers(self) -> bool:
        return self.customers_start > 0 or self.customers_end > 0

    @property
    def has_data(self) -> bool:
        """False for a week with no customers and no answers, or one that ended before the
        records begin (`insights.metrics.first_data_at`): nothing to report at all."""
        if self.before_records:
            return False
        return self.has_customers or self.answers > 0 or self.lost_customers > 0

    def value(self, name: str) -> Number | None:
        """A figure by name; "no data" (None) rather than a 0 that was never measured.

        Everything is None in a week with no data at all; lost-customer counts are None
        in a week that had no customers to lose.
        """
        if not self.has_data:
            return None
        if name in COUNTS_NEEDING_CUSTOMERS and not self.has_customers and not self.lost_customers:
            return None
        value: Number | None = getattr(self, name)
        return value


# Lost customers are only meaningful when there were customers to lose.
COUNTS_NEEDING_CUSTOMERS = frozenset({"lost_customers", "lost_voluntary", "lost_involuntary"})


@dataclass(frozen=True)
class Figure:
    """A figure this week, the week before, and over the trend window (oldest first)."""

    name: str
    value: Number | None
    previous: Number | None
    trend: tuple[Number | None, ...]

    @property
    def change(self) -> Number | None:
        if self.value is None or self.previous is None:
            return None
        change = self.value - self.previous
        return round(change, 2) if isinstance(change, float) else change


@dataclass(frozen=True)
class ReasonCount:
    """A reason heard from `customers` distinct customers in the week, with a quote.

    Used twice in the digest: for the week's leavers (`Digest.leaving_reasons`, each
    count at most the customers lost) and for the complaints of customers still active
    (`Digest.feedback_reasons`). The quote is one customer's own words, in their language.
    """

    key: str
    label: str
    customers: int
    quote: str | None = None
    quote_language: str | None = None


@dataclass(frozen=True)
class RiskEntry:
    """One line of the at-risk list, as of the end of the week."""

    external_id: str
    name: str | None
    plan: str | None
    probability: float  # of churning within horizon_days
    horizon_days: int
    mrr: Decimal
    revenue_at_risk: Decimal  # MRR x probability
    reasons: tuple[str, ...]
    new_to_list: bool = False  # not on the list at the end of the week before
    owner: str | None = None  # the open follow-up's assignee
    last_contacted_at: datetime | None = None


@dataclass(frozen=True)
class FollowUps:
    """Staff follow-ups opened, contacted and resolved in the week (each by its own date)."""

    opened: int
    contacted: int
    resolved: int


@dataclass(frozen=True)
class Benchmark:
    """Our retention, annualised from the trend weeks, against an industry's annual rate."""

    industry: str
    label: str
    annual_rate: float
    annualised_rate: float | None
    weeks_used: int


@dataclass(frozen=True)
class Revenue:
    """The week's MRR movements, GRR and NRR (definitions: `insights.revenue.movements`),
    the customers behind the MRR lost (largest first), last week's NRR for the change, and
    the CURRENCY money is written with."""

    movements: MrrMovements
    leavers: tuple[Leaver, ...] = ()
    previous_nrr: float | None = None
    currency: str | None = None

    @property
    def nrr_change(self) -> float | None:
        nrr = self.movements.net_revenue_retention
        if nrr is None or self.previous_nrr is None:
            return None
        return round(nrr - self.previous_nrr, 2)


@dataclass(frozen=True)
class TaggingModel:
    """The company tagger models in use when the period ended (``insights.tagger_models``):
    what staff corrections taught the tagging. Absent while the shipped models are in use."""

    languages: tuple[str, ...]
    versions: tuple[str, ...]  # one per language, in the same order
    labels: int  # labelled texts the models were trained on, all languages
    corrections: int | None  # of them staff corrections (None: a model from before this count)
    trained_at: datetime  # the newest of the models

    @property
    def other_labels(self) -> int:
        """Labels that were no staff correction (rows of a labelled CSV)."""
        return self.labels - (self.corrections or 0)


@dataclass(frozen=True)
class Digest:
    week: IsoWeek
    timezone: str
    period_start: datetime
    period_end: datetime
    generated_at: datetime
    weeks: tuple[WeekFigures, ...]
    """The trend window, oldest first; the last one is `week` itself."""
    leaving_reasons: tuple[ReasonCount, ...] = ()
    """Why the week's leavers left: exit interviews and their last feedback before leaving."""
    leavers_without_reason: int = 0
    """Customers lost in the week who gave no reason at all (no exit reason, no tags)."""
    feedback_reasons: tuple[ReasonCount, ...] = ()
    """What customers still active at the end of the week complained about in it."""
    min_sample: int = 30
    """A score from fewer answers than this is shown as a small sample (`MIN_SAMPLE`)."""
    at_risk: tuple[RiskEntry, ...] = ()
    at_risk_as_of: datetime | None = None
    # The risk model's horizon and one line on how it did in its backtest
    # ("backtest AUC 0.81, 30-day calibration 1.05").
    risk_horizon_days: int | None = None
    risk_model_note: str | None = None
    follow_ups: FollowUps = field(default_factory=lambda: FollowUps(0, 0, 0))
    saves_accepted: int = 0
    benchmark: Benchmark | None = None
    # The monthly edition (`week` is then a `Month`): retention by sign-up month.
    cohorts: CohortTable | None = None

    @property
    def monthly(self) -> bool:
        return isinstance(self.week, Month)

    # A week still under way: its figures run up to `covered_until`, not to its end.
    covered_until: datetime | None = None
    # When the records begin (`insights.metrics.first_data_at`; None: no customers at
    # all): a week that ends by then has no data and no call list.
    first_data_at: datetime | None = None
    currency: str | None = None  # written after money amounts (CURRENCY)

    @property
    def so_far(self) -> bool:
        return self.covered_until is not None

    @property
    def before_first_data(self) -> bool:
        return self.first_data_at is None or self.period_end <= self.first_data_at

    revenue: Revenue | None = None
    tagging_model: TaggingModel | None = None  # None: the shipped tagging models are in use

    def without_comparison(self) -> Digest:
        """This digest without the period before, so its lines carry no change against it.

        A week or month under way set against a whole one is not like with like: two days'
        lost customers "▼ 9 vs last week" would only show the calendar.
        """
        revenue = self.revenue
        return replace(
            self,
            weeks=self.weeks[-1:],
            revenue=None if revenue is None else replace(revenue, previous_nrr=None),
        )

    @property
    def current(self) -> WeekFigures:
        return self.weeks[-1]

    @property
    def previous(self) -> WeekFigures | None:
        return self.weeks[-2] if len(self.weeks) > 1 else None

    @property
    def has_data(self) -> bool:
        return self.current.has_data

    @property
    def revenue_at_risk(self) -> Decimal:
        """Expected MRR loss over the horizon from the listed customers (Σ MRR × probability)."""
        return sum((entry.revenue_at_risk for entry in self.at_risk), Decimal("0"))

    def figure(self, name: str) -> Figure:
        previous = self.previous
        return Figure(
            name=name,
            value=self.current.value(name),
            previous=previous.value(name) if previous is not None else None,
            trend=tuple(week.value(name) for week in self.weeks),
        )
