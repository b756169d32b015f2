"""Who the core is talking to: a customer on a channel, never a platform's chat.

A channel is an edge that reaches customers (`handlers.telegram` is one; a terminal, an
e-mail or a web link could be others). The core knows a customer there by an `Address`:
the channel's name and the address the edge delivers to, as text. The edge converts its
own ids (a chat id, a phone number) to and from that text; nothing here interprets it.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Address:
    """Where a customer is reached on one channel, e.g. Address("telegram", "123456")."""

    channel: str
    address: str

    def __str__(self) -> str:
        return f"{self.channel}:{self.address}"


@dataclass(frozen=True, slots=True)
class KnownCustomer:
    """A customer named directly, by a channel without addresses (the terminal)."""

    customer_id: int
    channel: str

    def __str__(self) -> str:
        return f"{self.channel}:customer {self.customer_id}"


Identity = Address | KnownCustomer
"""Whose input it is: every input to a survey names its customer in one of these ways."""
