"""`bind` after `forget`: links issued before the /forget are refused, later ones bind."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy.orm import Session, sessionmaker

from builders import customer
from surveys import accounts
from surveys.accounts import Binding
from surveys.channels import Address
from surveys.linking import LinkClaim


def CHAT(chat: int) -> Address:
    return Address("telegram", str(chat))


FORGOT = datetime(2026, 6, 1, 9, 0, 0, 600_000, tzinfo=UTC)  # tokens carry whole seconds


def _claim(customer_id: int, issued: datetime) -> LinkClaim:
    return LinkClaim(customer_id, issued.replace(microsecond=0), issued + timedelta(days=30))


def _forgotten(factory: sessionmaker[Session]) -> int:
    with factory() as session, session.begin():
        who = customer(session, FORGOT - timedelta(days=90), external_id="c1")
        accounts.bind(session, _claim(who.id, FORGOT - timedelta(days=9)), CHAT(501), "1", "en",
                      FORGOT - timedelta(days=9))  # fmt: skip
        accounts.forget(session, who, FORGOT)
        assert who.forgotten_at == FORGOT
        assert accounts.channel_of(session, who.id, "telegram") is None
        return who.id


def _bind(factory: sessionmaker[Session], who: int, issued: datetime, chat: int) -> Binding:
    with factory() as session, session.begin():
        binding, _ = accounts.bind(
            session, _claim(who, issued), CHAT(chat), "2", "en", FORGOT + timedelta(minutes=1)
        )
        return binding


def test_links_up_to_the_second_of_the_forget_are_revoked(factory) -> None:
    who = _forgotten(factory)
    assert _bind(factory, who, FORGOT - timedelta(days=9), 501) is Binding.REVOKED
    assert _bind(factory, who, FORGOT - timedelta(seconds=1), 502) is Binding.REVOKED
    # issued in the same second as the /forget: it may have come before it, so it is refused
    assert _bind(factory, who, FORGOT.replace(microsecond=900_000), 502) is Binding.REVOKED
    assert _bind(factory, who, FORGOT + timedelta(seconds=1), 502) is Binding.LINKED


def test_a_customer_who_never_forgot_binds_with_any_valid_link(factory) -> None:
    with factory() as session, session.begin():
        who = customer(session, FORGOT - timedelta(days=90), external_id="c2").id
    assert _bind(factory, who, FORGOT - timedelta(days=20), 601) is Binding.LINKED
