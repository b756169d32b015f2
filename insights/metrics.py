"""Retention metrics for a period [start, end), by the standard definitions.

- customers at start S: signed up before `start` and not inside a churn episode at `start`;
  at end E likewise at `end`; new N: signed up in the period; lost: churned in the period.
- customer retention rate CRR = (E − N) / S × 100; churn rate = lost / S × 100, split into
  voluntary (cancelled) and involuntary (failed payments).
- NPS = % promoters (9-10) − % detractors (0-6); CSAT = % of 4-5 answers on 1-5.
- response rate = surveys answered / surveys sent in the period.
- ARPU = MRR of the customers active at `end` / E; CLTV = ARPU / monthly churn rate, with
  the period's churn rate scaled to a 30.44-day month. MRR is the MRR in force just
  before `end` (`insights.revenue.mrr`: the newest subscription event's amount, else the
  customer's mrr column).

Every figure is computed by an aggregate query: nothing loads customers into Python, so a
million customers cost a few index scans. A rate whose denominator is zero is `None`
("undefined"), never 0: "no customers at start" is not "no churn".
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import and_, case, exists, func, or_, select
from sqlalchemy.orm import Session

from insights.revenue.mrr import just_before, total_mrr
from insights.scales import CSAT_SATISFIED_MIN, DETRACTOR_MAX, PROMOTER_MIN
from storage.models import EVENT_TYPES, SURVEY_KINDS, Answer, Churn, Customer, Event, SurveySession

DAYS_PER_MONTH = 30.4375


@dataclass(frozen=True)
class Period:
    start: datetime
    end: datetime

    def __post_init__(self) -> None:
        if self.start.tzinfo is None or self.end.tzinfo is None:
            raise ValueError("period bounds must be timezone-aware")
        if self.end <= self.start:
            raise ValueError("the period must end after it starts")

    @property
    def days(self) -> float:
        return (self.end - self.start).total_seconds() / 86_400

    def previous(self) -> Period:
        """The period of the same length just before this one."""
        return Period(self.start - (self.end - self.start), self.start)


@dataclass(frozen=True)
class RetentionMetrics:
    period_from: datetime
    period_to: datetime
    customers_start: int
    customers_end: int
    new_customers: int
    lost_customers: int
    lost_voluntary: int
    lost_involuntary: int
    reactivated_customers: int
    retention_rate: float | None
    churn_rate: float | None
    voluntary_churn_rate: float | None
    involuntary_churn_rate: float | None
    nps: float | None
    nps_responses: int
    promoters: int
    passives: int
    detractors: int
    csat: float | None
    csat_responses: int
    csat_satisfied: int
    surveys_sent: int
    surveys_answered: int
    response_rate: float | None
    mrr_end: Decimal
    arpu: Decimal | None
    cltv: Decimal | None

    def as_json(self) -> dict[str, Any]:
        """Flat, JSON-ready: times as ISO 8601, money as strings with two decimals."""
        data = asdict(self)
        for key, value in data.items():
            if isinstance(value, datetime):
                data[key] = value.isoformat()
            elif isinstance(value, Decimal):
                data[key] = f"{value:.2f}"
        return data


def percent(part: int, whole: int) -> float | None:
    """part / whole × 100 rounded to 2 decimals; undefined (None) when whole is 0."""
    if whole == 0:
        return None
    return round(part * 100 / whole, 2)


def _active_at(session: Session, moment: datetime) -> tuple[int, Decimal]:
    """Customers (and their MRR) active just before `moment`.

    Everyone who had signed up, minus those inside a churn episode that started before
    `moment` and had not ended by it. Episodes never overlap, so a subtraction is exact.
    """
    signed = session.execute(
        select(func.count(), func.coalesce(func.sum(Customer.mrr), 0)).where(
            Customer.signed_up_at < moment
        )
    ).one()
    gone = session.execute(
        select(func.count(), func.coalesce(func.sum(Customer.mrr), 0))
        .select_from(Churn)
        .join(Customer, Customer.id == Churn.customer_id)
        .where(
            Churn.churned_at < moment,
            or_(Churn.reactivated_at.is_(None), Churn.reactivated_at >= moment),
            Customer.signed_up_at < moment,
        )
    ).one()
    return int(signed[0]) - int(gone[0]), Decimal(signed[1]) - Decimal(gone[1])


def _count_if(condition: Any) -> Any:
    return func.coalesce(func.sum(case((condition, 1), else_=0)), 0)


def _scores(session: Session, survey: str, period: Period) -> Any:
    return session.execute(
        select(
            func.count(),
            _count_if(Answer.score >= PROMOTER_MIN),
            _count_if(Answer.score <= DETRACTOR_MAX),
            _count_if(Answer.score >= CSAT_SATISFIED_MIN),
        ).where(
            Answer.survey == survey,
            Answer.question == "score",
            Answer.score.is_not(None),
            Answer.answered_at >= period.start,
            Answer.answered_at < period.end,
        )
    ).one()


def _new_customers(session: Session, period: Period) -> int:
    new = session.scalar(
        select(func.count()).where(
            Customer.signed_up_at >= period.start, Customer.signed_up_at < period.end
        )
    )
    return int(new or 0)


def _lost(session: Session, period: Period) -> tuple[int, int, int]:
    """Customers who churned in the period: (all, voluntarily, involuntarily), each once."""
    in_period = and_(Churn.churned_at >= period.start, Churn.churned_at < period.end)
    lost = session.execute(
        select(
            func.count(func.distinct(Churn.customer_id)),
            func.count(func.distinct(case((Churn.churn_type == "voluntary", Churn.customer_id)))),
            func.count(func.distinct(case((Churn.churn_type == "involuntary", Churn.customer_id)))),
        ).where(in_period)
    ).one()
    lost_total, lost_vol, lost_invol = (int(x) for x in lost)
    return lost_total, lost_vol, lost_invol


def _reactivated(session: Session, period: Period) -> int:
    reactivated = session.scalar(
        select(func.count()).where(
            Churn.reactivated_at >= period.start, Churn.reactivated_at < period.end
        )
    )
    return int(reactivated or 0)


def _surveys_sent_and_answered(session: Session, period: Period) -> tuple[int, int]:
    """Surveys sent in the period, and how many of those have an answer."""
    sent_in_period = and_(SurveySession.sent_at >= period.start, SurveySession.sent_at < period.end)
    answered = exists().where(Answer.session_id == SurveySession.id)
    sent, responded = session.execute(
        select(func.count(), _count_if(answered)).where(sent_in_period)
    ).one()
    return int(sent), int(responded)


def _arpu_and_cltv(
    mrr_end: Decimal, end_count: int, start_count: int, lost_total: int, period: Period
) -> tuple[Decimal | None, Decimal | None]:
    """ARPU at the end of the period, and CLTV from it and the period's churn per month."""
    arpu = (mrr_end / end_count).quantize(Decimal("0.01")) if end_count else None
    cltv = None
    if arpu is not None and start_count and lost_total:
        monthly_churn = (lost_total / start_count) * (DAYS_PER_MONTH / period.days)
        cltv = (arpu / Decimal(str(monthly_churn))).quantize(Decimal("0.01"))
    return arpu, cltv


def compute(session: Session, period: Period) -> RetentionMetrics:
    start_count, _ = _active_at(session, period.start)
    end_count, _ = _active_at(session, period.end)
    (mrr_end,) = total_mrr(session, [just_before(period.end)])
    new_count = _new_customers(session, period)
    lost_total, lost_vol, lost_invol = _lost(session, period)
    reactivated = _reactivated(session, period)
    nps_count, promoters, detractors, _ = _scores(session, "nps", period)
    csat_count, _, _, satisfied = _scores(session, "csat", period)
    sent, responded = _surveys_sent_and_answered(session, period)

    arpu, cltv = _arpu_and_cltv(mrr_end, end_count, start_count, lost_total, period)
    nps_count, promoters, detractors = int(nps_count), int(promoters), int(detractors)
    nps = None
    if nps_count:
        nps = round((promoters - detractors) * 100 / nps_count, 2)
    return RetentionMetrics(
        period_from=period.start,
        period_to=period.end,
        customers_start=start_count,
        customers_end=end_count,
        new_customers=new_count,
        lost_customers=lost_total,
        lost_voluntary=lost_vol,
        lost_involuntary=lost_invol,
        reactivated_customers=reactivated,
        retention_rate=percent(end_count - new_count, start_count),
        churn_rate=percent(lost_total, start_count),
        voluntary_churn_rate=percent(lost_vol, start_count),
        involuntary_churn_rate=percent(lost_invol, start_count),
        nps=nps,
        nps_responses=nps_count,
        promoters=promoters,
        passives=nps_count - promoters - detractors,
        detractors=detractors,
        csat=percent(int(satisfied), int(csat_count)),
        csat_responses=int(csat_count),
        csat_satisfied=int(satisfied),
        surveys_sent=sent,
        surveys_answered=responded,
        response_rate=percent(responded, sent),
        mrr_end=mrr_end.quantize(Decimal("0.01")),
        arpu=arpu,
        cltv=cltv,
    )


def first_data_at(session: Session) -> datetime | None:
    """When the records begin: the first event (other than a subscription start), survey
    sent, answer or churn; the first sign-up when there is nothing else.

    A period ending by then has no data. Sign-up dates alone are not records: a company
    that imports its customers with sign-ups going back years, and events from this year,
    would otherwise see "retention 100%" for every month nobody was watching.
    """
    # One MIN per event type and survey kind: each is a seek on an index that leads with
    # the type (kind), where "type != ..." or a bare MIN(answered_at) reads the whole index.
    firsts = [
        *(
            select(func.min(Event.occurred_at)).where(Event.type == kind)
            for kind in EVENT_TYPES
            if kind != "subscription_started"
        ),
        *(
            select(func.min(Answer.answered_at)).where(Answer.survey == kind)
            for kind in SURVEY_KINDS
        ),
        select(func.min(SurveySession.sent_at)),
        select(func.min(Churn.churned_at)),
    ]
    found = [moment for query in firsts if (moment := session.scalar(query)) is not None]
    if found:
        return min(found)
    return session.scalar(select(func.min(Customer.signed_up_at)))
