"""Customer surveys as data, driven by one platform-neutral engine.

    model, definitions   survey shapes and the TOML files that declare NPS, CSAT, exit
    engine              pure decisions: validate an input, pick the next step, expire
    i18n, locales/      every customer-facing text, one TOML file per language
    offers              save offers per exit reason (SAVE_OFFERS_FILE)
    linking             signed deep-link tokens that bind a chat to a customer
    policy              who may be surveyed when (opt-out, cooldown, ...)
    prompts             what to say, as text plus neutral buttons
    accounts            binding, opt-out, language, erasure (database)
    conversation        one input applied to a session in one transaction (database)
    service             the API chat edges call; returns replies to render
    dispatch            sending what is due through any `Sender`
    hooks               the seam where tagging and alerts hear about answers

Nothing here imports a chat platform; `handlers.telegram` is the Telegram edge.
"""

from __future__ import annotations

from surveys.dispatch import Dispatcher, DispatchReport, Sender
from surveys.hooks import AnswerHooks, CompletedSurvey, StoredAnswer
from surveys.policy import SurveyPolicy
from surveys.service import SurveyReply, SurveyService, Who

__all__ = [
    "AnswerHooks",
    "CompletedSurvey",
    "DispatchReport",
    "Dispatcher",
    "Sender",
    "StoredAnswer",
    "SurveyPolicy",
    "SurveyReply",
    "SurveyService",
    "Who",
]
