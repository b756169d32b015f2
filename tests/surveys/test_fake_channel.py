"""The survey core end to end on a channel that is not Telegram.

A "fake" channel (think e-mail or a web page) is an edge of a dozen lines: a sender that
records prompts at an address and returns its own message references, and inputs the
test feeds in as that channel's customer would. Linking, sending an NPS survey, a tapped
score, a typed comment, tagging and alerting then run through the very service,
dispatcher and conversation the Telegram bot uses, with no Telegram anywhere: the core
knows customers by (channel, address) only.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from builders import binding, customer, link
from insights import feedback
from insights.tagging import Tagger
from storage.database import transaction
from storage.models import Answer, AnswerTag, SurveySession
from surveys.dispatch import Dispatcher
from surveys.engine import Typed
from surveys.hooks import AnswerHooks, StoredAnswer
from surveys.i18n import builtin_catalog
from surveys.linking import issue_token
from surveys.prompts import AnswerAction, Prompt
from surveys.service import SurveyReply, SurveyService, Who

NOW = datetime(2026, 5, 10, 9, tzinfo=UTC)
SECRET = "fake-channel-link-secret-0123456789abcdef"
T = builtin_catalog().text
CHANNEL = "fake"
ADDRESS = "ada@example.com"


@dataclass
class FakeChannel:
    """The whole edge: delivers prompts to addresses, hands a customer's inputs to the core."""

    service: SurveyService
    channel: str = CHANNEL
    outbox: list[tuple[str, Prompt, str]] = field(default_factory=list)

    async def send(self, address: str, prompt: Prompt) -> str:
        """`surveys.dispatch.Sender`: the message reference is the channel's own."""
        ref = f"msg-{len(self.outbox) + 1}"
        self.outbox.append((address, prompt, ref))
        return ref

    async def render(self, address: str, reply: SurveyReply) -> None:
        for prompt in reply.messages:
            ref = await self.send(address, prompt)
            if prompt.session_id is not None:
                await self.service.prompt_sent(prompt.session_id, ref)

    def who(self, address: str) -> Who:
        return Who(CHANNEL, address, user_ref="user-ada", language_code="en")

    def texts(self, address: str) -> list[str]:
        return [prompt.text for to, prompt, _ in self.outbox if to == address]

    def last(self, address: str) -> Prompt:
        return [prompt for to, prompt, _ in self.outbox if to == address][-1]


def _tap_value(prompt: Prompt, value: str) -> AnswerAction:
    for row in prompt.rows:
        for button in row:
            if isinstance(button.action, AnswerAction) and button.action.value == value:
                return button.action
    raise AssertionError(f"no button {value!r} in {prompt.text!r}")


async def test_an_nps_survey_runs_on_a_channel_that_is_not_telegram(
    factory: sessionmaker[Session],
) -> None:
    with factory() as session, session.begin():
        ada = customer(session, NOW - timedelta(days=200), external_id="ada", language="en")
        # Someone else already reached on Telegram: the fake channel must not touch them.
        other = customer(session, NOW - timedelta(days=200), external_id="bob", language="en")
        link(session, other.id, 4242)
        ada_id = ada.id

    tagger = Tagger.default()
    hooks = AnswerHooks()
    tagged: list[int] = []
    completed: list[int] = []

    def tag(answer: StoredAnswer) -> None:
        if feedback.is_taggable(answer.text, answer.question, answer.choice):
            with transaction(factory) as session:
                feedback.tag_answer(session, tagger, answer.answer_id)
            tagged.append(answer.answer_id)

    hooks.on_answer(tag)
    hooks.on_completed(lambda survey: completed.append(survey.session_id))
    service = SurveyService(factory, hooks=hooks, link_secret=SECRET, clock=lambda: NOW)
    edge = FakeChannel(service)
    dispatcher = Dispatcher(factory, edge, clock=lambda: NOW)

    # Before linking, the address is nobody's and surveys refuse.
    await edge.render(ADDRESS, await service.message(edge.who(ADDRESS), Typed("hello")))
    assert edge.texts(ADDRESS) == [T("en", "help.not_linked")]

    # Link: the customer opens a link carrying a signed token on this channel.
    token = issue_token(SECRET, ada_id, NOW - timedelta(minutes=1), timedelta(days=30))
    await edge.render(ADDRESS, await service.start(edge.who(ADDRESS), token))
    assert edge.texts(ADDRESS)[-1] == T("en", "start.linked")
    bound = binding(factory, ada_id, CHANNEL)
    assert bound is not None
    assert (bound.address, bound.user_ref, bound.reachable) == (ADDRESS, "user-ada", True)
    assert binding(factory, ada_id, "telegram") is None

    # Send: the dispatcher reaches the customer at their address on the sender's channel.
    sent = await dispatcher.send_now("nps", "ada")
    assert edge.last(ADDRESS).text == T("en", "nps.score")
    assert sent.message_ref == edge.outbox[-1][2]
    report = await dispatcher.send_due()  # bob is on Telegram only: not this sender's
    assert report.total_sent == 0

    # Answer: a tapped score, then a typed comment.
    score = _tap_value(edge.last(ADDRESS), "3")
    reply = await service.tap(edge.who(ADDRESS), score)
    assert reply.close_keyboard
    await edge.render(ADDRESS, reply)
    assert edge.texts(ADDRESS)[-1] == T("en", "nps.comment")
    comment_ref = edge.outbox[-1][2]

    reply = await service.message(
        edge.who(ADDRESS), Typed("Way too expensive, we are moving to a competitor")
    )
    assert reply.clear_keyboard_of == comment_ref  # the channel's own reference comes back
    await edge.render(ADDRESS, reply)
    await hooks.drain()

    with factory() as session:
        row = session.get_one(SurveySession, sent.session_id)
        assert (row.status, row.channel) == ("completed", CHANNEL)
        answers = {
            a.question: a
            for a in session.scalars(select(Answer).where(Answer.session_id == row.id))
        }
        assert answers["score"].score == 3 and answers["score"].channel == CHANNEL
        comment = next(a for a in answers.values() if a.text)
        assert comment.channel == CHANNEL
        assert comment.sentiment_label == "negative"
        reasons = set(
            session.scalars(select(AnswerTag.reason).where(AnswerTag.answer_id == comment.id))
        )
    assert {"price", "competitor"} <= reasons
    assert tagged == [comment.id] and completed == [sent.session_id]
    assert edge.texts(ADDRESS)[-1] == T("en", "nps.thanks")
    assert len(edge.texts(ADDRESS)) == 5  # help, linked, score, comment, thanks
