"""What a customer controls about themselves: channel bindings, opt-out, language, erasure.

Plain functions over an open SQLAlchemy session; the caller owns the transaction. Each
takes `now` from the caller so a test can fix the clock.
"""

from __future__ import annotations

import logging
from datetime import datetime
from enum import StrEnum

from sqlalchemy import delete, select, update
from sqlalchemy.orm import Session

from storage.models import Answer, Customer, CustomerChannel, SurveySession
from surveys import sessions
from surveys._sql import affected
from surveys.channels import Address
from surveys.errors import UnknownCustomer
from surveys.linking import LinkClaim

log = logging.getLogger(__name__)


class Binding(StrEnum):
    LINKED = "linked"  # this address now belongs to the customer
    ALREADY = "already"  # it already did
    SUPERSEDED = "superseded"  # the customer is bound elsewhere since after this link
    REVOKED = "revoked"  # the customer used /forget after this link was issued
    UNKNOWN = "unknown"  # the token names no customer (deleted since it was issued)


def channel_of(
    session: Session, customer_id: int, channel: str, lock: bool = False
) -> CustomerChannel | None:
    """The customer's binding on `channel`, if they linked one."""
    query = select(CustomerChannel).where(
        CustomerChannel.customer_id == customer_id, CustomerChannel.channel == channel
    )
    if lock:
        query = query.with_for_update()
    return session.execute(query).scalar_one_or_none()


def _binding_at(session: Session, at: Address, lock: bool = False) -> CustomerChannel | None:
    query = select(CustomerChannel).where(
        CustomerChannel.channel == at.channel, CustomerChannel.address == at.address
    )
    if lock:
        query = query.with_for_update()
    return session.execute(query).scalar_one_or_none()


def customer_at(session: Session, at: Address, lock: bool = False) -> Customer | None:
    """The customer an address belongs to, if any."""
    query = (
        select(Customer)
        .join(CustomerChannel, CustomerChannel.customer_id == Customer.id)
        .where(CustomerChannel.channel == at.channel, CustomerChannel.address == at.address)
    )
    if lock:
        query = query.with_for_update(of=Customer)
    return session.execute(query).scalar_one_or_none()


def bind(
    session: Session,
    claim: LinkClaim,
    at: Address,
    user_ref: str | None,
    language: str | None,
    now: datetime,
) -> tuple[Binding, Customer | None]:
    """Bind the address `at` to the customer a verified link names.

    A link binds once: after a customer is bound on a channel, only a link issued later
    can move them to another address there, so a forwarded old link cannot take over
    someone's surveys. /forget ends every link issued before it (`REVOKED`): it clears the
    bindings, and an old link in a mail box must not bind the erased customer to whoever
    holds it. An address holds one customer; binding it to another one releases the
    previous binding. `language` (the sender's, supported and normalised) fills in a
    customer without an imported language.
    """
    customer = session.execute(
        select(Customer).where(Customer.id == claim.customer_id).with_for_update()
    ).scalar_one_or_none()
    if customer is None:
        return Binding.UNKNOWN, None
    current = channel_of(session, customer.id, at.channel, lock=True)
    if current is not None and current.address == at.address:
        return Binding.ALREADY, customer
    if _issued_before_forget(claim, customer):
        log.info("refused a link issued before customer %s used /forget", customer.id)
        return Binding.REVOKED, customer
    if current is not None and current.linked_at is not None:
        bound_at = current.linked_at.replace(microsecond=0)
        if claim.issued_at < bound_at:
            return Binding.SUPERSEDED, customer
    previous = _binding_at(session, at, lock=True)
    if previous is not None:
        log.info("%s moves from customer %s to customer %s", at, previous.customer_id, customer.id)
        session.execute(
            update(Customer).where(Customer.id == previous.customer_id).values(updated_at=now)
        )
        session.delete(previous)
        session.flush()  # release the address before taking it
    if current is None:
        current = CustomerChannel(customer_id=customer.id, channel=at.channel)
        session.add(current)
    current.address = at.address
    current.user_ref = user_ref
    current.linked_at = now
    current.reachable = True
    current.unreachable_at = None
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
    cascade), closes the open survey, and clears name, email and every channel binding.
    Records when (`forgotten_at`), so every /start link issued before now stops working
    (`bind`). The customer row stays, anonymised, so churn counts and revenue
    metrics of past periods do not change. Returns the number of answers deleted.
    """
    deleted = affected(session.execute(delete(Answer).where(Answer.customer_id == customer.id)))
    sessions.cancel_open(session, customer.id, now)
    session.execute(
        update(SurveySession)
        .where(SurveySession.customer_id == customer.id)
        .values(message_ref=None)
    )
    session.execute(delete(CustomerChannel).where(CustomerChannel.customer_id == customer.id))
    customer.name = None
    customer.email = None
    customer.forgotten_at = now
    customer.updated_at = now
    return deleted


def set_reachable(session: Session, at: Address, reachable: bool, now: datetime) -> bool:
    """Record that an address refuses (or takes again) our messages, e.g. the customer
    blocked the bot there; False if no customer has the address."""
    binding = _binding_at(session, at, lock=True)
    if binding is None:
        return False
    if binding.reachable == reachable:
        return True
    binding.reachable = reachable
    binding.unreachable_at = None if reachable else now
    session.execute(
        update(Customer).where(Customer.id == binding.customer_id).values(updated_at=now)
    )
    return True


def customer_id(session: Session, external_id: str) -> int:
    """The customer's database id for the company's own id; UnknownCustomer when none."""
    found = session.execute(
        select(Customer.id).where(Customer.external_id == external_id)
    ).scalar_one_or_none()
    if found is None:
        raise UnknownCustomer(f"no customer with external id {external_id!r}")
    return int(found)
