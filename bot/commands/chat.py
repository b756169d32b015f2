"""`retention-bot chat`: take the NPS, CSAT or exit survey in the terminal.

retention-bot chat                          # NPS in English, kept in memory
retention-bot chat exit --lang ru           # the exit interview in Russian
retention-bot chat csat --customer C42      # stored as C42's answers (channel "terminal")

The questions, the validation and the branching come from the same survey engine the
Telegram bot uses (`handlers.terminal` is only the keyboard-and-screen edge). Without
--customer nothing is written: what would be stored, and the tags the feedback tagger would
give the free text, are printed at the end. With --customer the answers are stored as the
bot stores them (one transaction per answer, the session row locked and moved by
compare-and-set) and tagged as they arrive, so `retention-bot export responses` shows them.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import replace
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

import click

from bot.context import AppContext
from handlers.terminal import MemoryConversation, take_survey
from insights import feedback
from insights.tagging import Tagger
from storage.clock import Clock
from storage.database import transaction
from surveys import engine, sessions
from surveys.channels import KnownCustomer
from surveys.conversation import Applied, apply_input
from surveys.definitions import builtin_surveys
from surveys.engine import Input
from surveys.i18n import builtin_catalog
from surveys.model import AnswerValue, Survey
from surveys.offers import SaveOffers, load_save_offers

if TYPE_CHECKING:
    from sqlalchemy.orm import Session, sessionmaker

CHANNEL = "terminal"


def _save_offers(app: AppContext) -> SaveOffers:
    reasons = builtin_surveys()["exit"].step("reason").choices
    return load_save_offers(app.settings.surveys.save_offers_file, reasons)


def _read_line() -> str | None:
    """One typed line; None on Ctrl-D or Ctrl-C."""
    try:
        return click.prompt(
            ">", default="", show_default=False, prompt_suffix=" ", err=False, type=str
        )
    except (click.Abort, EOFError, KeyboardInterrupt):
        return None


class StoredConversation:
    """A survey session in the database, answered from the terminal.

    Each input goes through `surveys.conversation.apply_input`, the very transaction the
    Telegram bot uses (session row locked, step moved by compare-and-set, answer stored),
    naming the customer by id instead of by chat; then the answer is tagged, as the bot's
    answer listener does.
    """

    def __init__(
        self,
        factory: sessionmaker[Session],
        survey: Survey,
        session_id: int,
        customer_id: int,
        language: str,
        has_offer: engine.HasOffer,
        tagger: Tagger,
        clock: Clock,
    ) -> None:
        self.factory = factory
        self.clock = clock
        self.survey = survey
        self.session_id = session_id
        self.customer_id = customer_id
        self.language = language
        self.has_offer = has_offer
        self.tagger = tagger
        self.stored: list[int] = []

    def apply(self, given: Input, step_key: str | None) -> Applied:
        applied = apply_input(
            self.factory,
            {self.survey.key: self.survey},
            KnownCustomer(self.customer_id, CHANNEL),
            given,
            self.clock(),
            lambda _language: self.has_offer,
            session_id=self.session_id,
            step_key=step_key,
        )
        answer = applied.stored
        if answer is not None:
            self.stored.append(answer.answer_id)
            if feedback.is_taggable(answer.text, answer.question, answer.choice):
                with transaction(self.factory) as session:
                    feedback.tag_answer(session, self.tagger, answer.answer_id)
        # The terminal speaks the language chosen with --lang, whatever the stored one.
        return replace(applied, language=self.language)

    def cancel(self) -> None:
        """The person left half-way: close the session (answers given so far stay)."""
        with self.factory() as session, session.begin():
            sessions.cancel_open(session, self.customer_id, self.clock(), self.session_id)


def _open_session(
    factory: sessionmaker[Session],
    survey: Survey,
    external_id: str,
    language: str | None,
    expires_after: timedelta,
    now: datetime,
) -> tuple[int, int, str | None]:
    """Start a session for the customer; the session id, customer id and language come back."""
    with factory() as session, session.begin():
        return sessions.start_at_keyboard(
            session,
            external_id,
            survey,
            channel=CHANNEL,
            language=language,
            now=now,
            expires_after=expires_after,
        )


def _summary(
    survey: Survey,
    answers: Iterable[AnswerValue],
    flags: Iterable[str],
    language: str,
    tagger: Tagger,
    echo: Callable[[str], None],
) -> None:
    answers = list(answers)
    score = next((a.score for a in answers if a.score is not None), None)
    for answer in answers:
        if answer.score is not None:
            echo(f"  {answer.question}: {answer.score}")
        elif answer.choice is not None:
            echo(f"  {answer.question}: {answer.choice}")
        elif answer.text is not None:
            echo(f"  {answer.question}: {answer.text!r}")
            tags = tagger.tag(answer.text, lang=language, score=score, survey=survey.key)
            reasons = ", ".join(tags.reasons) or "none"
            echo(f"    tags: reasons {reasons}; sentiment {tags.label} ({tags.sentiment:+.2f})")
    if not answers:
        echo("  (no answers)")
    if flags:
        echo(f"  flagged: {', '.join(sorted(flags))}")


@click.command("chat")
@click.argument("kind", required=False, default="nps", type=click.Choice(sorted(builtin_surveys())))
@click.option(
    "--lang",
    type=click.Choice(builtin_catalog().languages),
    help="Language of the questions (default: the customer's language, else English).",
)
@click.option(
    "--customer",
    "external_id",
    metavar="EXTERNAL_ID",
    help="Store the answers as this customer's (default: nothing is stored).",
)
@click.pass_obj
def chat(app: AppContext, kind: str, lang: str | None, external_id: str | None) -> None:
    """Take survey KIND (nps, csat or exit; default nps) in the terminal.

    Type the number of a choice, a score, or your answer; "skip" skips an optional
    question; Ctrl-D or Ctrl-C leaves.
    """
    survey = builtin_surveys()[kind]
    catalog = builtin_catalog()
    offers = _save_offers(app)
    # a stored customer's answers are tagged as the bot tags them: with the company's models
    tagger = app.tagger if external_id is None else app.services.live_tagger
    stored: StoredConversation | None = None
    if external_id is None:
        language = catalog.resolve(lang)
        conversation: MemoryConversation | StoredConversation = MemoryConversation(
            survey, lambda reason: offers.has(reason, language), app.clock
        )
    else:
        factory = app.database()
        expires = timedelta(days=app.settings.surveys.survey_expiry_days)
        session_id, customer_id, customer_language = _open_session(
            factory, survey, external_id, lang, expires, app.clock()
        )
        language = catalog.resolve(lang, customer_language)
        stored = StoredConversation(
            factory,
            survey,
            session_id,
            customer_id,
            language,
            lambda reason: offers.has(reason, language),
            tagger,
            app.clock,
        )
        conversation = stored
    done = take_survey(
        survey,
        conversation,
        language=language,
        catalog=catalog,
        offers=offers,
        read=_read_line,
        write=click.echo,
    )
    click.echo("")
    _report(survey, done, stored, external_id, language, tagger)


def _report(
    survey: Survey,
    done: Applied | None,
    stored: StoredConversation | None,
    external_id: str | None,
    language: str,
    tagger: Tagger,
) -> None:
    """What came of the survey: left half-way, or what was (or would be) stored."""
    if done is None:
        click.echo("Survey left before the end.", err=True)
        if stored is not None:
            stored.cancel()
            click.echo(
                f"{len(stored.stored)} answer(s) stored for {external_id}; "
                "the session is cancelled."
            )
        return
    answers = (done.answers or {}).values()
    if stored is None:
        click.echo("Nothing stored. The bot would store:")
        _summary(survey, answers, done.flags, language, tagger, click.echo)
        return
    click.echo(
        f"Stored {len(stored.stored)} answer(s) for {external_id} "
        f"(session {stored.session_id}, channel {CHANNEL}):"
    )
    _summary(survey, answers, done.flags, language, tagger, click.echo)
    click.echo("See them with `retention-bot export responses`.")


def register(group: click.Group) -> None:
    group.add_command(chat)
