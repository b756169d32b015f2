"""Customers answering surveys through the real survey service, as the Telegram edge calls it.

The Telegram transport is not needed to show the Slack side: `SurveyService.tap` and
`.message` are what `handlers.telegram` calls for a button and a typed answer, and they
fire the same `AnswerHooks` after each commit.
"""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

from slack_seed import NOW
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from builders import at, customer, link
from storage.models import FollowUp, SurveySession
from surveys.definitions import builtin_surveys
from surveys.engine import Typed
from surveys.hooks import AnswerHooks
from surveys.offers import NO_OFFERS, SaveOffers, load_save_offers
from surveys.prompts import AnswerAction
from surveys.service import SurveyService, Who

OFFERS = """
[price]
en = "We can take 30% off your next three months."
"""


def offers(folder: Path) -> SaveOffers:
    path = folder / "offers.toml"
    path.write_text(OFFERS, encoding="utf-8")
    return load_save_offers(path, builtin_surveys()["exit"].step("reason").choices)


class Respondent:
    """One customer with a linked chat and an open survey."""

    def __init__(
        self,
        factory: sessionmaker[Session],
        hooks: AnswerHooks,
        chat_id: int,
        name: str = "Northwind",
        mrr: str = "250",
        save_offers: SaveOffers = NO_OFFERS,
    ) -> None:
        self.factory = factory
        self.hooks = hooks
        self.chat_id = chat_id
        self.who = Who("telegram", str(chat_id), str(chat_id), "en")
        self.service = SurveyService(factory, hooks=hooks, offers=save_offers, clock=lambda: NOW)
        with factory() as session, session.begin():
            row = customer(
                session,
                at(10),
                mrr=mrr,
                external_id=f"tg-{chat_id}",
                name=name,
                plan="pro",
                language="en",
            )
            link(session, row.id, chat_id)
            self.customer_id = row.id

    def open_survey(self, survey: str) -> int:
        first = builtin_surveys()[survey].first
        with self.factory() as session, session.begin():
            row = SurveySession(
                customer_id=self.customer_id,
                survey=survey,
                status="sent",
                channel="telegram",
                language="en",
                current_step=first,
                created_at=NOW - timedelta(hours=1),
                updated_at=NOW - timedelta(hours=1),
                sent_at=NOW - timedelta(hours=1),
                expires_at=NOW + timedelta(days=7),
            )
            session.add(row)
            session.flush()
            return row.id

    async def tap(self, session_id: int, step: str, value: str) -> None:
        await self.service.tap(self.who, AnswerAction(session_id, step, value))
        await self.hooks.drain()

    async def write(self, text: str) -> None:
        await self.service.message(self.who, Typed(text))
        await self.hooks.drain()

    def follow_ups(self) -> list[FollowUp]:
        with self.factory() as session:
            return list(
                session.scalars(select(FollowUp).where(FollowUp.customer_id == self.customer_id))
            )
