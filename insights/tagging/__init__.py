"""Feedback tagging: churn reasons and sentiment for free-text answers in en, ru, uk, da, zh.

Pure and fast: rules compile once (``Tagger``), tagging does no I/O, and every
reason carries the id of the rule that fired, so people can see why.

    from insights.tagging import Tagger
    Tagger.default().tag("Support never answers and it's too expensive").reasons
    # ('support', 'price')
"""

from __future__ import annotations

from .matcher import Match
from .rules import LANGUAGES, RulesError, RuleSet, load_rules
from .stream import tag_lines
from .tagger import Tagger, TagResult

REASON_KEYS: tuple[str, ...] = (
    "price",
    "support",
    "missing_features",
    "bugs",
    "usability",
    "competitor",
    "no_need",
    "billing",
    "neglect",
    "external",
)
"""The fixed taxonomy keys of the shipped rules (custom files may add more)."""


def reason_label(key: str, lang: str = "en", tagger: Tagger | None = None) -> str:
    """Display name of a reason key in a language, from the tagger's rules (default rules)."""
    return (tagger or Tagger.default()).reason_label(key, lang)


__all__ = [
    "LANGUAGES",
    "REASON_KEYS",
    "Match",
    "RuleSet",
    "RulesError",
    "TagResult",
    "Tagger",
    "load_rules",
    "reason_label",
    "tag_lines",
]
