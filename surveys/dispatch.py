"""Sending surveys: what is due, who may get one, and delivery through any `Sender`.

`Dispatcher.send_due()` is the one job behind `retention-bot survey send --due` and the
bot's scheduler: close expired surveys, pick what is due (exit interviews after a
cancellation, CSAT after a closed support ticket, NPS every NPS_INTERVAL_DAYS), send one
reminder to those who have not answered, all within the rules of `surveys.policy`.

Each send is claim -> deliver -> record. The claim inserts the session row; the database
allows one open session per customer and one session per (trigger event, survey), so two
processes (or a scheduler and a manual send) racing for the same customer cannot both win.
A delivery refused for good (the customer blocked the bot) marks their address on the
sender's channel unreachable; a temporary failure releases the claim so the next run
tries again. The pace is the sender's business (a chat platform's rate limiter).
"""

from __future__ import annotations

import asyncio
import logging
from collections import Counter
from collections.abc import Callable, Collection, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Protocol, TypeVar

from sqlalchemy import case, delete, exists, func, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker
from sqlalchemy.sql.expression import ColumnElement, Exists

from storage.clock import Clock, utcnow
from storage.models import (
    OPEN_SESSION_STATUSES,
    Answer,
    Customer,
    CustomerChannel,
    Event,
    SurveySession,
)
from surveys import accounts, prompts, sessions
from surveys._sql import affected
from surveys.definitions import builtin_surveys
from surveys.errors import (
    DeliveryDeferred,
    NotDelivered,
    RecipientUnreachable,
    SurveyRefused,
    UnknownCustomer,
)
from surveys.i18n import Catalog, builtin_catalog
from surveys.model import AnswerValue, Survey
from surveys.offers import NO_OFFERS, SaveOffers
from surveys.policy import CustomerFacts, SendRefusal, SurveyPolicy, explain, refusal
from surveys.prompts import Prompt

log = logging.getLogger(__name__)
T = TypeVar("T")
ProgressCallback = Callable[[int, int], None]
"""Called as (done, total) while `send_due` works through its list."""


class Sender(Protocol):
    """Delivers one prompt to one address on its channel; returns the channel's reference
    of the message sent (kept to retire its buttons later).

    `channel` names the channel (the `customer_channels.channel` it sends to). Raises
    `RecipientUnreachable` when the address refuses our messages for good (the customer
    blocked the bot) and `DeliveryDeferred` for anything worth retrying later.
    """

    @property
    def channel(self) -> str: ...

    async def send(self, address: str, prompt: Prompt) -> str: ...


@dataclass
class DispatchReport:
    sent: Counter[str] = field(default_factory=Counter)
    reminded: int = 0
    expired: int = 0
    unreachable: int = 0
    deferred: int = 0
    skipped: int = 0  # lost a race, or no longer eligible when claimed
    released: int = 0  # stale claims of crashed senders

    @property
    def total_sent(self) -> int:
        return sum(self.sent.values())

    def summary(self) -> str:
        kinds = ", ".join(f"{kind} {n}" for kind, n in sorted(self.sent.items()))
        return (
            f"sent {self.total_sent}"
            + (f" ({kinds})" if kinds else "")
            + f", reminded {self.reminded}, expired {self.expired}, "
            f"unreachable {self.unreachable}, deferred {self.deferred}, skipped {self.skipped}"
        )


@dataclass(frozen=True, slots=True)
class Candidate:
    customer_id: int
    survey: str
    trigger_event_id: int | None = None


@dataclass(frozen=True, slots=True)
class SendClaim:
    """A survey (or reminder) this process claimed to send: the session row, whom, what."""

    session_id: int
    customer_id: int
    address: str
    survey: str
    prompt: Prompt


@dataclass(frozen=True, slots=True)
class Sent:
    session_id: int
    survey: str
    external_id: str
    message_ref: str


def _reachable(channel: str) -> tuple[ColumnElement[bool], ...]:
    """Customers a survey can reach on `channel`: linked there, not refusing our messages
    there (blocked the bot), not opted out."""
    return (
        exists().where(
            CustomerChannel.customer_id == Customer.id,
            CustomerChannel.channel == channel,
            CustomerChannel.reachable.is_(True),
        ),
        Customer.opted_out.is_(False),
    )


def _surveyed_at() -> ColumnElement[datetime]:
    return func.coalesce(SurveySession.sent_at, SurveySession.completed_at)


def _has_open() -> Exists:
    return exists().where(
        SurveySession.customer_id == Customer.id,
        SurveySession.status.in_(OPEN_SESSION_STATUSES),
    )


def _in_cooldown(since: datetime) -> Exists:
    return exists().where(SurveySession.customer_id == Customer.id, _surveyed_at() > since)


class Dispatcher:
    def __init__(
        self,
        factory: sessionmaker[Session],
        sender: Sender,
        *,
        surveys: Mapping[str, Survey] | None = None,
        catalog: Catalog | None = None,
        offers: SaveOffers = NO_OFFERS,
        policy: SurveyPolicy | None = None,
        clock: Clock = utcnow,
        concurrency: int = 8,
    ) -> None:
        self.factory = factory
        self.sender = sender
        self.surveys = dict(surveys if surveys is not None else builtin_surveys())
        self.catalog = catalog or builtin_catalog()
        self.offers = offers
        self.policy = policy or SurveyPolicy()
        self.clock = clock
        # The channel the sender delivers on: customers are surveyed at their address there.
        self.channel = sender.channel
        # Enough sends in flight that one always waits on the rate limiter while others
        # are in the database or on the wire; the limiter, not this number, sets the pace
        # (8 sustains the full 30/s; more only adds connections).
        self.concurrency = concurrency

    async def _db(self, work: Callable[[Session], T]) -> T:
        def transaction() -> T:
            with self.factory() as session, session.begin():
                return work(session)

        return await asyncio.to_thread(transaction)

    # -- one explicit send -----------------------------------------------------------------

    async def send_now(self, survey_key: str, external_id: str) -> Sent:
        """Send `survey_key` to one customer now; SurveyRefused says why not."""
        if survey_key not in self.surveys:
            raise SurveyRefused("unknown_survey", f"unknown survey {survey_key!r}")
        customer_id = await self._db(lambda s: self._customer_id(s, external_id))
        now = self.clock()
        try:
            claim = await self._db(
                lambda s: self._claim(s, Candidate(customer_id, survey_key), now, explicit=True)
            )
        except IntegrityError:
            raise SurveyRefused(
                SendRefusal.OPEN_SURVEY,
                f"customer {external_id} was just sent a survey by another process",
            ) from None
        assert claim is not None  # explicit claims raise instead of returning None
        try:
            message_ref = await self.sender.send(claim.address, claim.prompt)
        except RecipientUnreachable:
            await self._db(lambda s: self._unreachable(s, claim, now))
            raise NotDelivered(
                f"customer {external_id} has blocked the bot; marked unreachable"
            ) from None
        except DeliveryDeferred as error:
            await self._db(lambda s: self._release(s, claim))
            raise NotDelivered(
                f"{self.channel.capitalize()} did not take the message ({error}); try again"
            ) from None
        await self._db(lambda s: self._mark_sent(s, claim, message_ref, now))
        return Sent(claim.session_id, survey_key, external_id, message_ref)

    @staticmethod
    def _customer_id(session: Session, external_id: str) -> int:
        found = session.execute(
            select(Customer.id).where(Customer.external_id == external_id)
        ).scalar_one_or_none()
        if found is None:
            raise UnknownCustomer(f"no customer with external id {external_id!r}")
        return found

    # -- everything due --------------------------------------------------------------------

    async def send_due(self, on_progress: ProgressCallback | None = None) -> DispatchReport:
        """Expire, send what is due, remind: the job `--due` and the scheduler run."""
        now = self.clock()
        report = DispatchReport()
        report.expired, report.released = await self._db(lambda s: self._housekeeping(s, now))
        candidates, reminders = await self._db(lambda s: self._due(s, now))
        total = len(candidates) + len(reminders)
        done = 0
        if on_progress:
            on_progress(0, total)
        gate = asyncio.Semaphore(self.concurrency)

        async def run(job: Any) -> None:
            nonlocal done
            async with gate:
                if isinstance(job, Candidate):
                    await self._deliver(job, now, report)
                else:
                    await self._remind(job, now, report)
            done += 1
            if on_progress:
                on_progress(done, total)

        await asyncio.gather(*(run(job) for job in [*candidates, *reminders]))
        log.info("send_due: %s", report.summary())
        return report

    async def send_triggered(self, event_ids: Collection[int]) -> DispatchReport:
        """Send now the surveys these just-stored events trigger (exit interview, CSAT).

        The same rules as `send_due` decide (one survey per trigger event, so an event
        delivered twice is surveyed once; opted-out, unlinked and unreachable customers are
        skipped); only the candidates are limited to these events, so an API caller's
        cancellation is followed by its exit interview at once, not at the next daily run.
        """
        report = DispatchReport()
        if not event_ids:
            return report
        now = self.clock()

        def candidates(session: Session) -> list[Candidate]:
            chosen: dict[int, Candidate] = {}
            triggered = [s for s in self.surveys.values() if s.schedule.trigger_event]
            for survey in sorted(triggered, key=lambda s: not s.schedule.ignores_cooldown):
                for customer_id, event_id in self._triggered(session, survey, now, event_ids):
                    chosen.setdefault(customer_id, Candidate(customer_id, survey.key, event_id))
            return list(chosen.values())

        for candidate in await self._db(candidates):
            await self._deliver(candidate, now, report)
        if report.total_sent:
            log.info("send_triggered: %s", report.summary())
        return report

    async def _deliver(self, candidate: Candidate, now: datetime, report: DispatchReport) -> None:
        try:
            claim = await self._db(lambda s: self._claim(s, candidate, now, explicit=False))
        except IntegrityError:
            claim = None  # another sender claimed this customer or trigger first
        if claim is None:
            report.skipped += 1
            return
        try:
            message_ref = await self.sender.send(claim.address, claim.prompt)
        except RecipientUnreachable:
            await self._db(lambda s: self._unreachable(s, claim, now))
            report.unreachable += 1
            return
        except DeliveryDeferred as error:
            log.warning("survey %s deferred: %s", claim.session_id, error)
            await self._db(lambda s: self._release(s, claim))
            report.deferred += 1
            return
        await self._db(lambda s: self._mark_sent(s, claim, message_ref, now))
        report.sent[claim.survey] += 1

    async def _remind(self, session_id: int, now: datetime, report: DispatchReport) -> None:
        claim = await self._db(lambda s: self._claim_reminder(s, session_id, now))
        if claim is None:
            report.skipped += 1
            return
        try:
            message_ref = await self.sender.send(claim.address, claim.prompt)
        except RecipientUnreachable:
            await self._db(lambda s: self._unreachable(s, claim, now))
            report.unreachable += 1
            return
        except DeliveryDeferred:
            await self._db(lambda s: self._unremind(s, claim))
            report.deferred += 1
            return
        await self._db(
            lambda s: s.execute(
                update(SurveySession)
                .where(SurveySession.id == claim.session_id)
                .values(message_ref=message_ref)
            )
        )
        report.reminded += 1

    # -- database steps (each runs inside one transaction) -----------------------------------

    def _housekeeping(self, session: Session, now: datetime) -> tuple[int, int]:
        expired = affected(
            session.execute(
                update(SurveySession)
                .where(
                    SurveySession.status.in_(OPEN_SESSION_STATUSES),
                    SurveySession.expires_at <= now,
                )
                .values(status="expired", updated_at=now)
            )
        )
        released = affected(
            session.execute(
                delete(SurveySession).where(
                    SurveySession.status == "scheduled",
                    SurveySession.sent_at.is_(None),
                    SurveySession.created_at <= now - self.policy.stale_claim,
                    ~exists().where(Answer.session_id == SurveySession.id),
                )
            )
        )
        return expired, released

    def _due(self, session: Session, now: datetime) -> tuple[list[Candidate], list[int]]:
        policy = self.policy
        chosen: dict[int, Candidate] = {}
        # Exit interviews first (they override the cooldown), then other triggered surveys,
        # then the periodic ones: one survey per customer per run.
        order = sorted(
            self.surveys.values(),
            key=lambda s: (not s.schedule.ignores_cooldown, s.schedule.trigger_event is None),
        )
        for survey in order:
            rows: list[tuple[int, int | None]]
            if survey.schedule.trigger_event is not None:
                rows = self._triggered(session, survey, now)
            elif survey.schedule.interval:
                recent_same = exists().where(
                    SurveySession.customer_id == Customer.id,
                    SurveySession.survey == survey.key,
                    _surveyed_at() > now - policy.nps_interval,
                )
                periodic = (
                    select(Customer.id)
                    .where(
                        *_reachable(self.channel),
                        Customer.status != "churned",
                        ~_has_open(),
                        ~_in_cooldown(now - policy.cooldown),
                        ~recent_same,
                    )
                    .order_by(Customer.id)
                )
                rows = [(row[0], None) for row in session.execute(periodic)]
            else:
                continue  # sent only on request
            for customer_id, event_id in rows:
                if customer_id not in chosen:
                    chosen[customer_id] = Candidate(customer_id, survey.key, event_id)
        reminders = list(
            session.scalars(
                select(SurveySession.id)
                .join(Customer, Customer.id == SurveySession.customer_id)
                .where(
                    SurveySession.status == "sent",
                    SurveySession.reminded_at.is_(None),
                    SurveySession.sent_at <= now - policy.reminder_after,
                    SurveySession.expires_at > now,
                    *_reachable(self.channel),
                )
                .order_by(SurveySession.id)
            )
        )
        return list(chosen.values()), reminders

    def _triggered(
        self,
        session: Session,
        survey: Survey,
        now: datetime,
        event_ids: Collection[int] | None = None,
    ) -> list[tuple[int, int | None]]:
        """(customer id, trigger event id) for recent trigger events with no survey yet."""
        policy = self.policy
        query = (
            select(Event.customer_id, Event.id)
            .join(Customer, Customer.id == Event.customer_id)
            .where(
                Event.type == survey.schedule.trigger_event,
                Event.occurred_at > now - policy.trigger_max_age,
                Event.occurred_at <= now,
                *_reachable(self.channel),
                ~exists().where(
                    SurveySession.trigger_event_id == Event.id,
                    SurveySession.survey == survey.key,
                ),
            )
            .order_by(Event.occurred_at.desc(), Event.id.desc())
        )
        if event_ids is not None:
            query = query.where(Event.id.in_(list(event_ids)))
        if survey.schedule.ignores_cooldown:
            query = query.where(
                ~exists().where(
                    SurveySession.customer_id == Customer.id,
                    SurveySession.survey == survey.key,
                    SurveySession.status.in_(OPEN_SESSION_STATUSES),
                )
            )
        else:
            query = query.where(~_has_open(), ~_in_cooldown(now - policy.cooldown))
        return [(row[0], row[1]) for row in session.execute(query)]

    def _facts(
        self, session: Session, customer: Customer, binding: CustomerChannel | None
    ) -> CustomerFacts:
        open_kind = session.execute(
            select(SurveySession.survey)
            .where(
                SurveySession.customer_id == customer.id,
                SurveySession.status.in_(OPEN_SESSION_STATUSES),
            )
            .limit(1)
        ).scalar_one_or_none()
        last = session.execute(
            select(
                func.max(func.coalesce(SurveySession.sent_at, SurveySession.completed_at))
            ).where(SurveySession.customer_id == customer.id)
        ).scalar_one_or_none()
        return CustomerFacts(
            linked=binding is not None,
            opted_out=customer.opted_out,
            unreachable=binding is not None and not binding.reachable,
            last_surveyed_at=last,
            open_survey=open_kind,
        )

    def _claim(
        self, session: Session, candidate: Candidate, now: datetime, explicit: bool
    ) -> SendClaim | None:
        """Insert the session row that reserves this send, if the customer may get it."""
        customer = session.execute(
            select(Customer).where(Customer.id == candidate.customer_id).with_for_update()
        ).scalar_one()
        survey = self.surveys[candidate.survey]
        # Close this customer's overdue sessions first, so they do not count as open.
        sessions.expire_overdue(session, customer.id, now)
        binding = accounts.channel_of(session, customer.id, self.channel)
        facts = self._facts(session, customer, binding)
        reason = refusal(survey, facts, now, self.policy)
        if reason is not None:
            if explicit:
                raise SurveyRefused(
                    reason,
                    explain(reason, customer.external_id, facts, self.policy, self.channel),
                )
            return None
        if survey.schedule.ignores_cooldown and facts.open_survey is not None:
            sessions.cancel_open(session, customer.id, now)
        language = self.catalog.resolve(customer.language)
        # IntegrityError here: someone else holds the open slot/trigger.
        row = sessions.start(
            session,
            customer.id,
            survey,
            channel=self.channel,
            language=language,
            now=now,
            expires_after=self.policy.expires_after,
            trigger_event_id=candidate.trigger_event_id,
        )
        first = row.current_step
        assert first is not None
        lead = self.catalog.text(language, survey.intro) if survey.intro else None
        prompt = prompts.question(
            survey, survey.step(first), row.id, language, self.catalog, self.offers, {}, lead
        )
        assert binding is not None
        return SendClaim(row.id, customer.id, binding.address, survey.key, prompt)

    def _claim_reminder(self, session: Session, session_id: int, now: datetime) -> SendClaim | None:
        took = affected(
            session.execute(
                update(SurveySession)
                .where(
                    SurveySession.id == session_id,
                    SurveySession.status == "sent",
                    SurveySession.reminded_at.is_(None),
                )
                .values(reminded_at=now, updated_at=now)
            )
        )
        if took != 1:
            return None
        row = session.get_one(SurveySession, session_id)
        customer = session.get_one(Customer, row.customer_id)
        binding = accounts.channel_of(session, customer.id, self.channel)
        if binding is None or row.current_step is None:
            return None
        survey = self.surveys[row.survey]
        language = self.catalog.resolve(customer.language)
        answers = {
            a.question: AnswerValue(a.question, a.score, a.choice, a.text)
            for a in session.scalars(select(Answer).where(Answer.session_id == row.id))
        }
        prompt = prompts.question(
            survey,
            survey.step(row.current_step),
            row.id,
            language,
            self.catalog,
            self.offers,
            answers,
            lead=self.catalog.text(language, "survey.reminder"),
        )
        return SendClaim(row.id, customer.id, binding.address, survey.key, prompt)

    @staticmethod
    def _mark_sent(session: Session, claim: SendClaim, message_ref: str, now: datetime) -> None:
        session.execute(
            update(SurveySession)
            .where(SurveySession.id == claim.session_id)
            .values(
                sent_at=now,
                message_ref=message_ref,
                updated_at=now,
                # The customer may have answered before we got here: keep their progress.
                status=case(
                    (SurveySession.status == "scheduled", "sent"), else_=SurveySession.status
                ),
            )
        )

    def _unreachable(self, session: Session, claim: SendClaim, now: datetime) -> None:
        log.info(
            "customer %s blocked the bot; marked unreachable on %s", claim.customer_id, self.channel
        )
        session.execute(
            update(CustomerChannel)
            .where(
                CustomerChannel.customer_id == claim.customer_id,
                CustomerChannel.channel == self.channel,
            )
            .values(reachable=False, unreachable_at=now)
        )
        session.execute(
            update(Customer).where(Customer.id == claim.customer_id).values(updated_at=now)
        )
        session.execute(
            update(SurveySession)
            .where(SurveySession.id == claim.session_id)
            .values(status="cancelled", updated_at=now)
        )

    @staticmethod
    def _release(session: Session, claim: SendClaim) -> None:
        session.execute(
            delete(SurveySession).where(
                SurveySession.id == claim.session_id, SurveySession.status == "scheduled"
            )
        )

    @staticmethod
    def _unremind(session: Session, claim: SendClaim) -> None:
        session.execute(
            update(SurveySession)
            .where(SurveySession.id == claim.session_id)
            .values(reminded_at=None)
        )
