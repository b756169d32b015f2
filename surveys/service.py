"""The survey service: what any chat edge calls, and what it gets back to render.

Each method takes who wrote (`Who`: the channel and the address there, the channel's user
reference and language hint) and returns
a `SurveyReply` (messages to send, a short notice for a tapped button, keyboards to retire). The
database work runs in a worker thread, so the bot's event loop keeps serving other chats
while one transaction waits for a lock. Answer listeners (`AnswerHooks`) are started after
each commit.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Mapping
from dataclasses import dataclass, replace
from typing import TypeVar

from sqlalchemy import select, update
from sqlalchemy.orm import Session, sessionmaker

from storage.clock import Clock, utcnow
from storage.models import OPEN_SESSION_STATUSES, Answer, SurveySession
from surveys import accounts, prompts
from surveys.accounts import Binding
from surveys.channels import Address
from surveys.conversation import Applied, Result, apply_input
from surveys.definitions import builtin_surveys
from surveys.engine import (
    MAX_TEXT_LENGTH,
    Input,
    NonText,
    Problem,
    Skip,
    Tap,
    Typed,
    closing_text_key,
)
from surveys.errors import InvalidLink
from surveys.hooks import AnswerHooks
from surveys.i18n import Catalog, builtin_catalog, normalise_language
from surveys.linking import verify_token
from surveys.model import AnswerValue, Survey
from surveys.offers import NO_OFFERS, SaveOffers
from surveys.prompts import AnswerAction, Prompt, SkipAction

log = logging.getLogger(__name__)
T = TypeVar("T")


@dataclass(frozen=True, slots=True)
class Who:
    """The sender of an input: the channel and their address there, the channel's own
    reference of the user (kept with the binding) and its language hint."""

    channel: str
    address: str
    user_ref: str | None = None
    language_code: str | None = None

    @property
    def at(self) -> Address:
        return Address(self.channel, self.address)


@dataclass(frozen=True, slots=True)
class SurveyReply:
    """What the edge should do: send `messages`, answer the tapped button, retire buttons."""

    messages: tuple[Prompt, ...] = ()
    notice: str | None = None  # the short answer to a tapped button
    close_keyboard: bool = False  # take the buttons off the tapped message
    clear_keyboard_of: str | None = None  # ...or off this earlier message (typed answers)


class SurveyService:
    """Customer conversations (commands, taps, messages) over the database, any platform.

    Stateless between calls: everything a conversation needs is read from and written to
    the database, so any number of bot processes can serve the same customers.
    """

    def __init__(
        self,
        factory: sessionmaker[Session],
        *,
        surveys: Mapping[str, Survey] | None = None,
        catalog: Catalog | None = None,
        offers: SaveOffers = NO_OFFERS,
        hooks: AnswerHooks | None = None,
        link_secret: str | None = None,
        clock: Clock = utcnow,
    ) -> None:
        self.factory = factory
        self.surveys = dict(surveys if surveys is not None else builtin_surveys())
        self.catalog = catalog or builtin_catalog()
        self.offers = offers
        self.hooks = hooks or AnswerHooks()
        self.link_secret = link_secret
        self.clock = clock

    # -- helpers -------------------------------------------------------------------------

    def _language(self, who: Who, stored: str | None = None) -> str:
        return self.catalog.resolve(stored, who.language_code)

    def _say(self, language: str, key: str, **params: object) -> SurveyReply:
        return SurveyReply(messages=(Prompt(self.catalog.text(language, key, **params)),))

    async def _run(self, work: Callable[[Session], T]) -> T:
        """Run `work` in one transaction, in a worker thread."""

        def transaction() -> T:
            with self.factory() as session, session.begin():
                return work(session)

        return await asyncio.to_thread(transaction)

    def _linked_language(self, who: Who) -> tuple[bool, str]:
        with self.factory() as session:
            customer = accounts.customer_at(session, who.at)
            if customer is None:
                return False, self._language(who)
            return True, self._language(who, customer.language)

    # -- commands ------------------------------------------------------------------------

    async def start(self, who: Who, token: str | None) -> SurveyReply:
        """/start: bind the sender's address with a deep-link token, or explain how to get one."""
        if not token:
            linked, language = await asyncio.to_thread(self._linked_language, who)
            return self._say(language, "start.already_linked" if linked else "start.no_token")
        language = self._language(who)
        if self.link_secret is None:
            log.error("a /start link arrived but LINK_SECRET is not set; cannot verify it")
            return self._say(language, "start.bad_token")
        now = self.clock()
        try:
            claim = verify_token(self.link_secret, token, now)
        except InvalidLink as error:
            log.warning("refused /start token from %s: %s", who.at, error.reason)
            key = "start.expired_token" if error.reason == "expired" else "start.bad_token"
            return self._say(language, key)
        code = normalise_language(who.language_code)
        hint = code if self.catalog.supports(code) else None

        def bind(session: Session) -> tuple[Binding, str | None]:
            binding, customer = accounts.bind(session, claim, who.at, who.user_ref, hint, now)
            return binding, customer.language if customer else None

        binding, stored = await self._run(bind)
        language = self._language(who, stored)
        if binding is Binding.LINKED:
            log.info("%s linked to customer %s", who.at, claim.customer_id)
            return self._say(language, "start.linked")
        if binding is Binding.ALREADY:
            return self._say(language, "start.already_linked")
        if binding is Binding.SUPERSEDED:
            return self._say(language, "start.used_token")
        return self._say(language, "start.bad_token")

    async def help(self, who: Who) -> SurveyReply:
        linked, language = await asyncio.to_thread(self._linked_language, who)
        return self._say(language, "help.linked" if linked else "help.not_linked")

    async def stop(self, who: Who) -> SurveyReply:
        """/stop: opt out of every survey; the open one closes."""
        now = self.clock()

        def work(session: Session) -> tuple[bool | None, str | None]:
            customer = accounts.customer_at(session, who.at, lock=True)
            if customer is None:
                return None, None
            return accounts.opt_out(session, customer, now), customer.language

        changed, stored = await self._run(work)
        language = self._language(who, stored)
        if changed is None:
            return self._say(language, "survey.not_linked")
        return self._say(language, "stop.done" if changed else "stop.already")

    async def resume(self, who: Who) -> SurveyReply:
        """/resume: surveys again after /stop, and the open question asked again."""
        now = self.clock()

        def work(session: Session) -> tuple[bool | None, str | None, Prompt | None]:
            customer = accounts.customer_at(session, who.at, lock=True)
            if customer is None:
                return None, None, None
            changed = accounts.opt_in(customer, now)
            language = self._language(who, customer.language)
            return changed, customer.language, self._open_question(session, customer.id, language)

        changed, stored, open_question = await self._run(work)
        language = self._language(who, stored)
        if changed is None:
            return self._say(language, "survey.not_linked")
        messages = [Prompt(self.catalog.text(language, "resume.done"))] if changed else []
        if open_question is not None:
            messages.append(open_question)
        elif not changed:
            messages.append(Prompt(self.catalog.text(language, "resume.active")))
        return SurveyReply(messages=tuple(messages))

    def _open_question(self, session: Session, customer_id: int, language: str) -> Prompt | None:
        """The current question of the customer's open survey, to ask again."""
        open_session = session.execute(
            select(SurveySession).where(
                SurveySession.customer_id == customer_id,
                SurveySession.status.in_(OPEN_SESSION_STATUSES),
            )
        ).scalar_one_or_none()
        if open_session is None or open_session.current_step is None:
            return None
        if open_session.expires_at is not None and self.clock() >= open_session.expires_at:
            return None
        answers = {
            a.question: AnswerValue(a.question, a.score, a.choice, a.text)
            for a in session.scalars(select(Answer).where(Answer.session_id == open_session.id))
        }
        survey = self.surveys[open_session.survey]
        return prompts.question(
            survey,
            survey.step(open_session.current_step),
            open_session.id,
            language,
            self.catalog,
            self.offers,
            answers,
            lead=self.catalog.text(language, "resume.continue"),
        )

    async def ask_forget(self, who: Who) -> SurveyReply:
        linked, language = await asyncio.to_thread(self._linked_language, who)
        if not linked:
            return self._say(language, "survey.not_linked")
        return SurveyReply(messages=(prompts.forget_confirmation(self.catalog, language),))

    async def forget(self, who: Who, confirmed: bool) -> SurveyReply:
        """The confirmation button of /forget: erase the customer's answers and identity."""
        if not confirmed:
            _, language = await asyncio.to_thread(self._linked_language, who)
            return replace(self._say(language, "forget.cancelled"), close_keyboard=True)
        now = self.clock()

        def work(session: Session) -> tuple[int | None, str | None]:
            customer = accounts.customer_at(session, who.at, lock=True)
            if customer is None:
                return None, None
            language = customer.language
            deleted = accounts.forget(session, customer, now)
            log.info("customer %s erased their data (%d answers)", customer.id, deleted)
            return deleted, language

        deleted, stored = await self._run(work)
        language = self._language(who, stored)
        key = "survey.not_linked" if deleted is None else "forget.done"
        return replace(self._say(language, key), close_keyboard=True)

    async def choose_language(self, who: Who) -> SurveyReply:
        _, language = await asyncio.to_thread(self._linked_language, who)
        return SurveyReply(messages=(prompts.language_menu(self.catalog, language),))

    async def set_language(self, who: Who, language: str) -> SurveyReply:
        if not self.catalog.supports(language):
            log.warning("%s picked unknown language %r", who.at, language)
            _, current = await asyncio.to_thread(self._linked_language, who)
            return SurveyReply(notice=self.catalog.text(current, "survey.invalid"))
        now = self.clock()

        def work(session: Session) -> bool:
            customer = accounts.customer_at(session, who.at, lock=True)
            if customer is None:
                return False
            accounts.set_language(customer, language, now)
            return True

        key = "language.done" if await self._run(work) else "survey.not_linked"
        return replace(self._say(language, key), close_keyboard=True)

    async def invalid_button(self, who: Who) -> SurveyReply:
        """A button whose data is not one we make (forged, or from an old bot version)."""
        _, language = await asyncio.to_thread(self._linked_language, who)
        return SurveyReply(notice=self.catalog.text(language, "survey.invalid"))

    # -- answers -------------------------------------------------------------------------

    async def tap(self, who: Who, action: AnswerAction | SkipAction) -> SurveyReply:
        given: Input = Skip() if isinstance(action, SkipAction) else Tap(action.value)
        applied = await self._apply(who, given, action.session_id, action.step)
        return self._answer_reply(who, applied, tapped=True)

    async def message(self, who: Who, given: Typed | NonText) -> SurveyReply:
        applied = await self._apply(who, given, None, None)
        return self._answer_reply(who, applied, tapped=False)

    async def _apply(
        self, who: Who, given: Input, session_id: int | None, step: str | None
    ) -> Applied:
        def has_offer(language: str | None) -> Callable[[str], bool]:
            return lambda reason: self.offers.has(reason, self.catalog.resolve(language))

        applied = await asyncio.to_thread(
            apply_input,
            self.factory,
            self.surveys,
            who.at,
            given,
            self.clock(),
            has_offer,
            session_id=session_id,
            step_key=step,
        )
        if applied.stored is not None:
            self.hooks.answer_stored(applied.stored)
        if applied.completed is not None:
            self.hooks.survey_completed(applied.completed)
        return applied

    def _answer_reply(self, who: Who, applied: Applied, tapped: bool) -> SurveyReply:
        language = self._language(who, applied.language)
        text = self.catalog.text
        if applied.result is Result.NOT_LINKED:
            if tapped:
                return SurveyReply(notice=text(language, "survey.closed"), close_keyboard=True)
            return self._say(language, "help.not_linked")
        if applied.result is Result.NO_SURVEY:
            return self._say(language, "help.idle")
        if applied.result is Result.REJECTED:
            return self._rejection(language, applied, tapped)
        assert applied.survey is not None and applied.session_id is not None
        survey = self.surveys[applied.survey]
        if applied.result is Result.COMPLETED:
            message = Prompt(text(language, closing_text_key(survey, applied.flags)))
        else:
            assert applied.next_step is not None
            message = prompts.question(
                survey,
                survey.step(applied.next_step),
                applied.session_id,
                language,
                self.catalog,
                self.offers,
                applied.answers or {},
            )
        return SurveyReply(
            messages=(message,),
            close_keyboard=tapped,
            clear_keyboard_of=None if tapped else applied.prompt_ref,
        )

    def _rejection(self, language: str, applied: Applied, tapped: bool) -> SurveyReply:
        text = self.catalog.text
        problem = applied.problem
        if tapped:
            if problem is Problem.CLOSED:
                return SurveyReply(notice=text(language, "survey.closed"), close_keyboard=True)
            if problem is Problem.ANSWERED:
                return SurveyReply(notice=text(language, "survey.answered"), close_keyboard=True)
            return SurveyReply(notice=text(language, "survey.invalid"))
        if problem is Problem.OUT_OF_RANGE and applied.survey and applied.next_step:
            step = self.surveys[applied.survey].step(applied.next_step)
            return self._say(language, "survey.out_of_range", low=step.low, high=step.high)
        if problem is Problem.TOO_LONG:
            return self._say(language, "survey.too_long", limit=MAX_TEXT_LENGTH)
        keys = {
            Problem.USE_BUTTONS: "survey.use_buttons",
            Problem.WRITE_OR_SKIP: "survey.write_or_skip",
            Problem.WRITE: "survey.write",
            Problem.EMPTY: "survey.empty",
            Problem.ANSWERED: "survey.answered",
            Problem.CLOSED: "survey.closed",
        }
        return self._say(language, keys.get(problem or Problem.USE_BUTTONS, "survey.use_buttons"))

    # -- bookkeeping for the edge ----------------------------------------------------------

    async def prompt_sent(self, session_id: int, message_ref: str) -> None:
        """Remember the message that asks a session's current question (to retire its
        keyboard once the question is answered by typing)."""

        def work(session: Session) -> None:
            session.execute(
                update(SurveySession)
                .where(SurveySession.id == session_id)
                .values(message_ref=message_ref)
            )

        await self._run(work)

    async def set_reachable(self, at: Address, reachable: bool) -> None:
        """The customer blocked (or unblocked) the bot at this address."""
        now = self.clock()
        changed = await self._run(
            lambda session: accounts.set_reachable(session, at, reachable, now)
        )
        if changed:
            log.info("%s is now %s", at, "reachable" if reachable else "unreachable")
