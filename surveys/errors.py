"""What the survey core raises on purpose; the root `UserError` lives in `storage.errors`.

UserError                    (storage.errors) the CLI prints the text on one line
├── DefinitionError          a survey, locale or save-offer file is invalid -> exit 2
├── UnknownCustomer          no customer has that external id -> exit 1
└── SurveyRefused            an explicit send is not allowed now; says why -> exit 1
InvalidLink                  a /start token is malformed, forged or expired (the bot
                             answers the customer politely; never shown as a CLI error)
DeliveryError                sending to the customer failed
├── RecipientUnreachable     the customer blocked the bot or the chat is gone
└── DeliveryDeferred         a temporary failure (network, flood control): retry later
"""

from __future__ import annotations

from storage.errors import UserError


class DefinitionError(UserError):
    """A data file that drives surveys is invalid; the message names the file and field."""

    exit_code = 2


class UnknownCustomer(UserError):
    """No customer has the external id the user typed."""


class SurveyRefused(UserError):
    """A survey may not be sent to this customer now; `reason` is a short code."""

    def __init__(self, reason: str, message: str) -> None:
        super().__init__(message)
        self.reason = reason


class NotDelivered(UserError):
    """An explicit send failed on the way (blocked bot, network, flood control)."""


class InvalidLink(Exception):
    """A deep-link token that binds nothing; `reason` is malformed, forged or expired."""

    def __init__(self, reason: str) -> None:
        super().__init__(f"link token {reason}")
        self.reason = reason


class DeliveryError(Exception):
    """A message could not be delivered."""


class RecipientUnreachable(DeliveryError):
    """The customer blocked the bot (or deleted the chat): stop writing to them."""


class DeliveryDeferred(DeliveryError):
    """A temporary failure: nothing was delivered, the next run tries again."""
