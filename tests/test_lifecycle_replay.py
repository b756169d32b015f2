"""Churn derived from events: voluntary, involuntary, recovered, reactivated, inactive."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from insights.lifecycle import ChurnEpisode, replay

T0 = datetime(2026, 3, 1, tzinfo=UTC)
GRACE = timedelta(days=14)


def d(days: float) -> datetime:
    return T0 + timedelta(days=days)


def episodes(events, as_of_day=365, window=None):
    state = replay(T0, [(k, d(t)) for k, t in events], d(as_of_day), GRACE, window)
    return state.episodes


def test_no_events_means_active():
    assert episodes([]) == []


def test_cancellation_is_voluntary_churn_at_that_time():
    assert episodes([("subscription_cancelled", 10)]) == [
        ChurnEpisode(d(10), "voluntary", "cancelled")
    ]


def test_unrecovered_failed_payment_churns_as_of_the_failure():
    assert episodes([("payment_failed", 20)]) == [
        ChurnEpisode(d(20), "involuntary", "payment_failed")
    ]


def test_failed_payment_still_in_grace_is_not_churn_yet():
    state = replay(T0, [("payment_failed", d(20))], d(30), GRACE)
    assert state.episodes == []
    assert state.payment_failed_since == d(20)


@pytest.mark.parametrize("recovered_after", [1, 13.9, 14])
def test_payment_recovered_within_grace_is_not_churn(recovered_after):
    assert episodes([("payment_failed", 20), ("payment_succeeded", 20 + recovered_after)]) == []


def test_payment_recovered_after_grace_is_churn_then_return():
    assert episodes([("payment_failed", 20), ("payment_succeeded", 40)]) == [
        ChurnEpisode(d(20), "involuntary", "payment_failed", reactivated_at=d(40))
    ]


def test_repeated_failures_count_from_the_first():
    assert episodes([("payment_failed", 20), ("payment_failed", 27)]) == [
        ChurnEpisode(d(20), "involuntary", "payment_failed")
    ]


def test_cancel_during_grace_is_voluntary():
    assert episodes([("payment_failed", 20), ("subscription_cancelled", 25)]) == [
        ChurnEpisode(d(25), "voluntary", "cancelled")
    ]


def test_subscription_started_reactivates_and_history_is_kept():
    result = episodes(
        [("subscription_cancelled", 10), ("subscription_started", 50), ("payment_failed", 80)]
    )
    assert result == [
        ChurnEpisode(d(10), "voluntary", "cancelled", reactivated_at=d(50)),
        ChurnEpisode(d(80), "involuntary", "payment_failed"),
    ]


def test_cancel_while_already_churned_adds_nothing():
    assert episodes([("subscription_cancelled", 10), ("subscription_cancelled", 12)]) == [
        ChurnEpisode(d(10), "voluntary", "cancelled")
    ]


def test_inactivity_off_by_default():
    assert episodes([("activity", 1)], as_of_day=300) == []


def test_inactivity_window_churns_when_it_runs_out_and_activity_returns():
    window = timedelta(days=30)
    result = episodes([("activity", 5), ("purchase", 100)], as_of_day=110, window=window)
    assert result == [ChurnEpisode(d(35), "voluntary", "inactivity", reactivated_at=d(100))]


def test_inactivity_counts_from_signup_without_activity():
    window = timedelta(days=30)
    assert episodes([], as_of_day=31, window=window) == [
        ChurnEpisode(d(30), "voluntary", "inactivity")
    ]


def test_last_activity_is_tracked():
    state = replay(T0, [("activity", d(3)), ("purchase", d(9))], d(10), GRACE)
    assert state.last_activity_at == d(9)
