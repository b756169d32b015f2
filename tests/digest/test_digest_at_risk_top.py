"""The at-risk list's top N skips customers whose MRR cannot reach it, and is still exact.

`insights.at_risk` stops reading customers whose MRR is below the revenue at risk of the
list's last entry (revenue at risk never exceeds MRR). The digest relies on it to list
the top 10 of a million customers in seconds; here it must give exactly the head of the
full, unpruned list, ties included, on a company built to have many ties.
"""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta

import pytest

from builders import answer, customer, event
from insights import lifecycle
from insights.at_risk import CHUNK, at_risk
from insights.risk import default_weights, rank

NOW = datetime(2026, 11, 23, 9, tzinfo=UTC)


@pytest.mark.parametrize("limit", [1, 10])
def test_top_of_the_list_equals_the_head_of_the_full_list(factory, monkeypatch, limit):
    monkeypatch.setattr("insights.at_risk.CHUNK", 40)  # many chunks: the floor rises often
    assert CHUNK > 40
    rng = random.Random(limit)
    with factory() as session, session.begin():
        for n in range(160):
            who = customer(
                session,
                NOW - timedelta(days=rng.uniform(5, 700)),
                mrr=rng.choice(["19", "49", "49", "149", "499"]),
                external_id=f"t{n:03d}",
            )
            for _ in range(rng.randint(0, 6)):
                event(session, who, "activity", NOW - timedelta(days=rng.uniform(0, 90)))
            if rng.random() < 0.3:
                answer(
                    session,
                    who,
                    "nps",
                    rng.randint(0, 10),
                    NOW - timedelta(days=rng.uniform(1, 60)),
                )
            if rng.random() < 0.05:
                event(session, who, "payment_failed", NOW - timedelta(days=rng.uniform(1, 10)))
    with factory() as session, session.begin():
        lifecycle.refresh(session, NOW, timedelta(days=14))
    scored: list[int] = []

    def counting_rank(customers, weights, top=None, model=None):
        customers = list(customers)
        scored.append(len(customers))
        return rank(customers, weights, top=top, model=model)

    monkeypatch.setattr("insights.at_risk.rank", counting_rank)
    with factory() as session:
        top = at_risk(session, NOW, default_weights(), limit=limit)
        read_for_top = sum(scored)
        everyone = at_risk(session, NOW, default_weights(), limit=None)
    assert read_for_top < 0.7 * len(everyone)  # the MRR floor did skip customers
    assert len(everyone) > 130
    assert [(r.external_id, r.revenue_at_risk, r.probability) for r in top] == [
        (r.external_id, r.revenue_at_risk, r.probability) for r in everyone[:limit]
    ]
