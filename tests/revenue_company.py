"""A small company whose March 2026 MRR movements were worked out by hand.

Period [1 March, 1 April) 2026. MRR just before 1 March, and just before 1 April:

customer  plan        what happens                                        start  end  movement
ann       pro         100, upgraded to 150 on 10 March                      100  150  expansion 50
bob       pro         200, downgraded to 120 on 15 March                    200  120  contraction 80
cat       pro         300, cancelled 20 March                               300    0  churned 300
dan       basic       cancelled 10 Feb, back at 90 on 12 March                0   90  back 90
eve       basic       signed up 5 March at 60                                 0   60  new 60
fay       basic       no amount on any event: the mrr column (50)            50   50  none
gus       basic       40, cancelled 3 March, back at 70 on 25 March          40   70  expansion 30
hal       enterprise  500, to 600 at 00:00 on 1 April (next period)         500  500  none
ivy       basic       25, payment failed 25 March, never paid (grace 14d)    25    0  churned 25
kim       basic       30, cancelled in January                                0    0  none
joe       pro         signs up 5 April at 1000                                –    –  outside

start 1215 + new 60 + expansion 80 + reactivation 90 − contraction 80 − churned 325 = end 1040.
GRR = (1215 − 80 − 325) / 1215 = 66.67%; NRR = (1215 + 80 − 80 − 325) / 1215 = 73.25%;
revenue churn = (325 + 80) / 1215 = 33.33%; MRR lost 325 (cat 300, ivy 25).

Purchases in March: eve 30 and 50, fay 20 and one without an amount (fay 15 in February
is outside): AOV (30 + 50 + 20) / 3 = 33.33, frequency 4 purchases / 2 customers = 2.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal

from sqlalchemy.orm import Session

from builders import customer, event
from insights import lifecycle
from insights.metrics import Period
from storage.models import Customer

START = datetime(2026, 3, 1, tzinfo=UTC)
END = datetime(2026, 4, 1, tzinfo=UTC)
PERIOD = Period(START, END)
GRACE = timedelta(days=14)
NOW = datetime(2026, 6, 1, tzinfo=UTC)

EXPECTED = {
    "start": Decimal("1215.00"),
    "end": Decimal("1040.00"),
    "new": Decimal("60.00"),
    "expansion": Decimal("80.00"),
    "contraction": Decimal("80.00"),
    "churned": Decimal("325.00"),
    "reactivation": Decimal("90.00"),
}
GRR, NRR, REVENUE_CHURN = 66.67, 73.25, 33.33


def march(day: int, hour: int = 12) -> datetime:
    return datetime(2026, 3, day, hour, tzinfo=UTC)


def _signed(session: Session, name: str, plan: str, mrr: str = "10", when=None) -> Customer:
    return customer(
        session,
        when or datetime(2026, 1, 5, 9, tzinfo=UTC),
        mrr=mrr,
        external_id=name,
        name=name.title(),
        plan=plan,
    )


def build(session: Session) -> dict[str, Customer]:
    """The company above; then replay churn (cancellations, failed payments) as of NOW."""
    jan = datetime(2026, 1, 5, 9, tzinfo=UTC)
    c = {name: _signed(session, name, plan) for name, plan in (
        ("ann", "pro"), ("bob", "pro"), ("cat", "pro"), ("dan", "basic"), ("gus", "basic"),
        ("hal", "enterprise"), ("ivy", "basic"), ("kim", "basic"),
    )}  # fmt: skip
    for name, amount in (("ann", "100"), ("bob", "200"), ("cat", "300"), ("dan", "80"),
                         ("gus", "40"), ("hal", "500"), ("ivy", "25"), ("kim", "30")):  # fmt: skip
        event(session, c[name], "subscription_started", jan, amount)
    c["eve"] = _signed(session, "eve", "basic", when=march(5, 9))
    event(session, c["eve"], "subscription_started", march(5, 9), "60")
    c["fay"] = _signed(session, "fay", "basic", mrr="50")
    event(session, c["fay"], "subscription_started", jan)  # no amount: mrr column
    c["joe"] = _signed(session, "joe", "pro", when=datetime(2026, 4, 5, tzinfo=UTC))
    event(session, c["joe"], "subscription_started", datetime(2026, 4, 5, tzinfo=UTC), "1000")

    event(session, c["ann"], "subscription_changed", march(10), "150")
    event(session, c["bob"], "subscription_changed", march(15), "120")
    event(session, c["cat"], "subscription_cancelled", march(20))
    event(session, c["dan"], "subscription_cancelled", datetime(2026, 2, 10, tzinfo=UTC))
    event(session, c["dan"], "subscription_started", march(12), "90")
    event(session, c["gus"], "subscription_cancelled", march(3))
    event(session, c["gus"], "subscription_started", march(25), "70")
    event(session, c["hal"], "subscription_changed", END, "600")
    event(session, c["ivy"], "payment_failed", march(25))
    event(session, c["kim"], "subscription_cancelled", datetime(2026, 1, 20, tzinfo=UTC))

    for who, amount, when in (("eve", "30", march(6)), ("eve", "50", march(20)),
                              ("fay", "20", march(7)), ("fay", None, march(8)),
                              ("fay", "15", datetime(2026, 2, 7, tzinfo=UTC))):  # fmt: skip
        event(session, c[who], "purchase", when, amount)
    lifecycle.refresh(session, NOW, GRACE)
    return c
