"""Who may be surveyed, and when: pure rules shared by `--due`, explicit sends and reminders.

Never survey a customer who opted out, has not linked the channel, blocked the bot there,
already has a survey open, or got one within the cooldown. The exit interview is the
exception to the cooldown (it is the last chance to ask) and replaces an open survey of
another kind.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum

from surveys.model import Survey


class SendRefusal(StrEnum):
    """Why a survey is not sent to a customer now; `explain` puts it in words."""

    NOT_LINKED = "not_linked"
    OPTED_OUT = "opted_out"
    UNREACHABLE = "unreachable"
    OPEN_SURVEY = "open_survey"
    COOLDOWN = "cooldown"


@dataclass(frozen=True, slots=True)
class SurveyPolicy:
    nps_interval: timedelta = timedelta(days=90)
    cooldown: timedelta = timedelta(days=14)
    reminder_after: timedelta = timedelta(hours=48)
    expires_after: timedelta = timedelta(days=7)
    # A claimed session never marked sent this long after (the sender died mid-send) is
    # released so the next run can try again.
    stale_claim: timedelta = timedelta(minutes=15)

    @property
    def trigger_max_age(self) -> timedelta:
        """An event older than a survey's lifetime is history, not a reason to ask now."""
        return self.expires_after


@dataclass(frozen=True, slots=True)
class CustomerFacts:
    linked: bool
    opted_out: bool
    unreachable: bool
    last_surveyed_at: datetime | None  # last survey sent (or answered, for imports)
    open_survey: str | None  # the kind of the open session, if any


def refusal(
    survey: Survey, facts: CustomerFacts, now: datetime, policy: SurveyPolicy
) -> SendRefusal | None:
    """Why `survey` may not be sent now, or None when it may."""
    if not facts.linked:
        return SendRefusal.NOT_LINKED
    if facts.opted_out:
        return SendRefusal.OPTED_OUT
    if facts.unreachable:
        return SendRefusal.UNREACHABLE
    if survey.schedule.ignores_cooldown:
        return SendRefusal.OPEN_SURVEY if facts.open_survey == survey.key else None
    if facts.open_survey is not None:
        return SendRefusal.OPEN_SURVEY
    if facts.last_surveyed_at is not None and now - facts.last_surveyed_at < policy.cooldown:
        return SendRefusal.COOLDOWN
    return None


def explain(
    reason: SendRefusal,
    external_id: str,
    facts: CustomerFacts,
    policy: SurveyPolicy,
    channel: str = "the chat",
) -> str:
    """One line for the person who asked for the send; `channel` is the one surveys go to."""
    who = f"customer {external_id}"
    if reason is SendRefusal.NOT_LINKED:
        return (
            f"{who} has not linked {channel.capitalize()} yet; send them the link from "
            f"`retention-bot link {external_id}`"
        )
    if reason is SendRefusal.OPTED_OUT:
        return f"{who} opted out of surveys (/stop)"
    if reason is SendRefusal.UNREACHABLE:
        return f"{who} blocked the bot; they are unreachable until they start it again"
    if reason is SendRefusal.OPEN_SURVEY:
        return f"{who} already has an open {facts.open_survey} survey"
    last = facts.last_surveyed_at.date().isoformat() if facts.last_surveyed_at else "recently"
    return (
        f"{who} got a survey on {last}, within the {policy.cooldown.days}-day cooldown "
        "(SURVEY_COOLDOWN_DAYS)"
    )
