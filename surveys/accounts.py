"""What a customer controls about themselves: chat binding, opt-out, language, erasure.

Plain functions over an open SQLAlchemy session; the caller owns the transaction. Each
takes `now` from the caller so a test can fix the clock.
"""

from __future__ import annotations

import logging
from datetime import datetime
from enum import StrEnum

from sqlalchemy import delete, select, update
from sqlalchemy.orm import Session

from storage.models import Answer, Customer, SurveySession
from surveys import sessions
from surveys._sql import affected
from surveys.errors import UnknownCustomer
from surveys.linking import LinkClaim

log = logging.getLogger(__name__)


class Binding(StrEnum):
    LINKED = "linked"  # this chat now belongs to the customer
    ALREADY = "already"  # it already did
    SUPERSEDED = "superseded"  # the customer is bound elsewhere since after this link
    REVOKED = "revoked"  # the customer used /forget after this link was issued
    UNKNOWN = "unknown"  # the token names no customer (deleted since it was issued)


def customer_by_chat(session: Session, chat_id: int, lock: bool = False) -> Customer | None:
    query = select(Customer).where(Customer.telegram_chat_id == chat_id)
    if lock:
        query = query.with_for_update()
    return session.execute(query).scalar_one_or_none()


def bind_chat(
    session: Session,
    claim: LinkClaim,
    chat_id: int,
    user_id: int | None,
    language: str | None,
    now: datetime,
) -> tuple[Binding, Customer | None]:
    """Bind `chat_id` to the customer a verified link names.

    A link binds once: after a customer is bound, only a link issued later can move them to
    another chat, so a forwarded old link cannot take over someone's surveys. /forget ends
    every link issued before it (`REVOKED`): it clears the binding, and an old link in a
    mail box must not bind the erased customer to whoever holds it. A chat holds one
    customer; binding it to another one releases the previous binding. `language` (the
    chat's, supported and normalised) fills in a customer without an imported language.
    """
    customer = session.execute(
        select(Customer).where(Customer.id == claim.customer_id).with_for_update()
    ).scalar_one_or_none()
    if customer is None:
        return Binding.UNKNOWN, None
    if customer.telegram_chat_id == chat_id:
        return Binding.ALREADY, customer
    if _issued_before_forget(claim, customer):
        log.info("refused a link issued before customer %s used /forget", customer.id)
        return Binding.REVOKED, customer
    if customer.telegram_chat_id is not None and customer.telegram_linked_at is not None:
        bound_at = customer.telegram_linked_at.replace(microsecond=0)
        if claim.issued_at < bound_at:
            return Binding.SUPERSEDED, customer
    previous = customer_by_chat(session, chat_id, lock=True)
    if previous is not None:
        log.info("chat moves from customer %s to customer %s", previous.id, customer.id)
        previous.telegram_chat_id = None
        previous.telegram_user_id = None
        previous.telegram_linked_at = None
        previous.updated_at = now
        session.flush()  # release the unique chat id before taking it
    customer.telegram_chat_id = chat_id
    customer.telegram_user_id = user_id
    customer.telegram_linked_at = now
    customer.unreachable = False
    customer.unreachable_at = None
    if customer.language is None and language is not None:
        customer.language = language
    customer.updated_at = now
    session.flush()
    return Binding.LINKED, customer


def _issued_before_forget(claim: LinkClaim, customer: Customer) -> bool:
    """Was the link issued before (or in the same second as) the customer's last /forget?

    Tokens carry their issue time in whole seconds, so a link from the second of the
    /forget cannot be told apart from one issued just before it; it is refused too (a
    link issued a second later works), since /forget is the customer asking to be gone.
    """
    if customer.forgotten_at is None:
        return False
    return claim.issued_at <= customer.forgotten_at.replace(microsecond=0)


def opt_out(session: Session, customer: Customer, now: datetime) -> bool:
    """Stop all surveys (and close the open one); False if already opted out."""
    if customer.opted_out:
        return False
    customer.opted_out = True
    customer.opted_out_at = now
    customer.updated_at = now
    sessions.cancel_open(session, customer.id, now)
    return True


def opt_in(customer: Customer, now: datetime) -> bool:
    """Surveys again after /stop; False if they were not off."""
    if not customer.opted_out:
        return False
    customer.opted_out = False
    customer.opted_out_at = None
    customer.updated_at = now
    return True


def set_language(customer: Customer, language: str, now: datetime) -> None:
    customer.language = language
    customer.updated_at = now


def forget(session: Session, customer: Customer, now: datetime) -> int:
    """Erase what the customer told us and who they are; keep an anonymous row.

    Deletes every answer (their tags and tag corrections go with them by foreign-key
    cascade), closes the open survey, and clears name, email and the Telegram binding.
    Records when (`forgotten_at`), so every /start link issued before now stops working
    (`bind_chat`). The customer row stays, anonymised, so churn counts and revenue
    metrics of past periods do not change. Returns the number of answers deleted.
    """
    deleted = affected(session.execute(delete(Answer).where(Answer.customer_id == customer.id)))
    sessions.cancel_open(session, customer.id, now)
    session.execute(
        update(SurveySession)
        .where(SurveySession.customer_id == customer.id)
        .values(telegram_message_id=None)
    )
    customer.name = None
    customer.email = None
    customer.telegram_chat_id = None
    customer.telegram_user_id = None
    customer.telegram_linked_at = None
    customer.forgotten_at = now
    customer.updated_at = now
    return deleted


def set_reachable(session: Session, chat_id: int, reachable: bool, now: datetime) -> bool:
    """Record that a chat blocked (or unblocked) the bot; False if no customer has it."""
    customer = customer_by_chat(session, chat_id)
    if customer is None:
        return False
    if customer.unreachable == (not reachable):
        return True
    customer.unreachable = not reachable
    customer.unreachable_at = None if reachable else now
    customer.updated_at = now
    return True


def customer_id(session: Session, external_id: str) -> int:
    """The customer's database id for the company's own id; UnknownCustomer when none."""
    found = session.execute(
        select(Customer.id).where(Customer.external_id == external_id)
    ).scalar_one_or_none()
    if found is None:
        raise UnknownCustomer(f"no customer with external id {external_id!r}")
    return int(found)
