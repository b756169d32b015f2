"""Loading and validating the taxonomy + rules data file.

The rules live in a TOML file (``data/rules.toml`` by default) so that retention
staff and companies can read and change them without touching code. A company's
own file (``TAGGING_RULES_FILE``) either extends the defaults (``[meta] mode =
"extend"``, the default) or replaces them (``mode = "replace"``). Every error
names the file, the reason, the rule and the phrase at fault, because the person
who has to fix it is editing a text file, not reading a traceback.
"""

from __future__ import annotations

import functools
import itertools
import re
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any

LANGUAGES: tuple[str, ...] = ("en", "ru", "uk", "da", "zh")
"""Languages the engine knows how to normalise, detect and score."""

DEFAULT_RULES_NAME = "rules.toml"
GAP = "..."
NUMBER = "#"
"""In word languages, a word written as '#' matches any number ("# days", "kr # mindre")."""
CONJ = "&"
"""Separates the parts of an order-free phrase: every part in one clause, in any order."""
MAX_EXPANSIONS = 2000
"""Alternation groups multiply: one phrase (or one '&' part) may stand for at most this many
plain phrases."""

_ALT_RE = re.compile(r"\(([^()]*)\)")
_HAS_LETTER = re.compile(r"\w")
_VALID_WORDS: set[str] = set()
"""Written words already checked (alternation groups repeat them thousands of times)."""

_KEY_RE = re.compile(r"^[a-z][a-z0-9_]*$")


class RulesError(ValueError):
    """A rules file is malformed; the message says where and why."""


def expand_phrase(phrase: str) -> list[str]:
    return list(_expand_cached(phrase))


@functools.lru_cache(maxsize=65536)
def _expand_cached(phrase: str) -> tuple[str, ...]:
    """Expand alternation groups: "(price|cost) went up" -> ["price went up", "cost went up"].

    An empty alternative makes the group optional ("(really |)expensive"). Regular
    expressions (``re:``) are returned as they are. Raises ValueError when the
    expansion exceeds :data:`MAX_EXPANSIONS` or a parenthesis is unbalanced.
    """
    if phrase.startswith("re:"):
        return (phrase,)
    out = [phrase]
    while _ALT_RE.search(out[0]) is not None:
        nxt: list[str] = []
        for p in out:
            m = _ALT_RE.search(p)
            assert m is not None  # every expansion has the same groups left
            for alt in m.group(1).split("|"):
                nxt.append(p[: m.start()] + alt + p[m.end() :])
        if len(nxt) > MAX_EXPANSIONS:
            raise ValueError(f"more than {MAX_EXPANSIONS} alternatives")
        out = nxt
    cleaned = []
    for p in out:
        if "(" in p or ")" in p or "|" in p:
            raise ValueError("unbalanced '(' ')' or '|' outside a group")
        cleaned.append(" ".join(p.split()))
    return tuple(dict.fromkeys(cleaned))


def conj_parts(phrase: str) -> list[str]:
    """Split an order-free phrase on '&' outside groups: "(a|b) & c" -> ["(a|b)", "c"].

    Each part is expanded on its own (:func:`expand_phrase`), so alternatives in
    different parts add up instead of multiplying.
    """
    if phrase.startswith("re:"):
        return [phrase]
    parts: list[str] = []
    depth = 0
    cur: list[str] = []
    for ch in phrase:
        if ch == "(":
            depth += 1
        elif ch == ")":
            depth -= 1
        if ch == CONJ and depth == 0:
            parts.append("".join(cur).strip())
            cur = []
        else:
            cur.append(ch)
    parts.append("".join(cur).strip())
    return parts


@dataclass(frozen=True)
class Rule:
    """One named rule: any of ``phrases`` tags ``reason`` unless an ``except`` phrase overlaps."""

    id: str
    reason: str
    lang: str
    phrases: tuple[str, ...]
    excepts: tuple[str, ...] = ()
    weak: bool = False
    """A cue rule: its hits give way to any overlapping hit of a normal rule of another reason."""


@dataclass(frozen=True)
class Reason:
    """A taxonomy entry: a stable key and its display names."""

    key: str
    names: Mapping[str, str]
    description: str = ""


@dataclass(frozen=True)
class LanguageSettings:
    """Negation cues and clause breakers for one language (used for negation scope)."""

    negations: tuple[str, ...] = ()
    pseudo_negations: tuple[str, ...] = ()
    clause_breaks: tuple[str, ...] = ()
    guards: tuple[str, ...] = ()
    resolved: tuple[str, ...] = ()
    post_negations: tuple[str, ...] = ()
    clause_joiners: tuple[str, ...] = ()


@dataclass(frozen=True)
class RuleSet:
    """Everything the matcher compiles: reasons in taxonomy order, rules, language settings."""

    reasons: tuple[Reason, ...]
    rules: tuple[Rule, ...]
    languages: Mapping[str, LanguageSettings]
    source: str

    @property
    def reason_keys(self) -> tuple[str, ...]:
        return tuple(r.key for r in self.reasons)


def default_rules_path() -> Path:
    """Path of the rules file shipped inside the package."""
    return Path(str(resources.files("insights.tagging") / "data" / DEFAULT_RULES_NAME))


def _read_toml(path: Path) -> dict[str, Any]:
    try:
        with path.open("rb") as fh:
            return tomllib.load(fh)
    except FileNotFoundError as exc:
        raise RulesError(f"{path}: rules file not found") from exc
    except tomllib.TOMLDecodeError as exc:
        raise RulesError(f"{path}: not valid TOML: {exc}") from exc


def _check_phrase(src: str, where: str, lang: str, phrase: object) -> str:
    """Validate one phrase's syntax (alternations and '&' parts included); return it stripped."""
    if not isinstance(phrase, str) or not phrase.strip():
        raise RulesError(f"{src}: {where}: pattern {phrase!r}: must be a non-empty string")
    p = phrase.strip()
    if p.startswith("re:"):
        return _check_plain(src, where, lang, p, p)
    parts = conj_parts(p)
    if len(parts) > 1 and any(not x for x in parts):
        raise RulesError(f"{src}: {where}: pattern {phrase!r}: '&' must stand between two parts")
    for part in parts:
        if part.startswith("re:"):
            raise RulesError(
                f"{src}: {where}: pattern {phrase!r}: 're:' cannot be combined with '&'"
            )
        try:
            expanded = expand_phrase(part)
        except ValueError as exc:
            raise RulesError(f"{src}: {where}: pattern {phrase!r}: {exc}") from exc
        for e in expanded:
            if not e:
                raise RulesError(f"{src}: {where}: pattern {phrase!r}: an alternative is empty")
            _check_plain(src, where, lang, e, p)
    return p


def _check_plain(src: str, where: str, lang: str, p: str, phrase: str) -> str:
    """Validate one plain phrase (no alternation, no '&'); errors quote the written phrase."""
    if p.startswith("re:"):
        try:
            re.compile(p[3:])
        except re.error as exc:
            raise RulesError(
                f"{src}: {where}: pattern {phrase!r}: bad regular expression: {exc}"
            ) from exc
        if not p[3:]:
            raise RulesError(f"{src}: {where}: pattern {phrase!r}: empty regular expression")
        return p
    if lang == "zh":
        pieces = [x for x in p.split(GAP)]
        if any(not x.strip() for x in pieces):
            raise RulesError(
                f"{src}: {where}: pattern {phrase!r}: '...' must stand between two pieces of text"
            )
        return p
    words = p.split()
    if words[0] == GAP or words[-1] == GAP:
        raise RulesError(f"{src}: {where}: pattern {phrase!r}: '...' must stand between two words")
    for a, b in itertools.pairwise(words):
        if a == GAP and b == GAP:
            raise RulesError(f"{src}: {where}: pattern {phrase!r}: two '...' in a row")
    for w in words:
        if w in (GAP, NUMBER) or w in _VALID_WORDS:
            continue
        core = w[1:] if w.startswith("=") else w
        core = core[:-1] if core.endswith("*") else core
        if core and "*" not in core and _HAS_LETTER.search(core):
            _VALID_WORDS.add(w)
        else:
            raise RulesError(
                f"{src}: {where}: pattern {phrase!r}: word {w!r} must contain letters"
                " ('=' only at the start, '*' only at the end)"
            )
    return p


def _phrase_list(
    src: str, where: str, lang: str, value: object, check: bool = True
) -> tuple[str, ...]:
    if not isinstance(value, list) or not value:
        raise RulesError(f"{src}: {where}: expected a non-empty list of phrases, got {value!r}")
    if not check:  # the shipped file: its syntax is checked by the tests, not at every start
        return tuple(p.strip() for p in value)
    return tuple(_check_phrase(src, where, lang, p) for p in value)


def _parse_reason_rules(
    src: str, key: str, lang: str, table: object, check: bool = True
) -> list[Rule]:
    if not isinstance(table, dict):
        raise RulesError(f"{src}: reason '{key}', language '{lang}': expected a table of rules")
    rules: list[Rule] = []
    for name, value in table.items():
        rule_id = f"{key}.{lang}.{name}"
        where = f"reason '{key}', rule '{rule_id}'"
        if not _KEY_RE.match(name):
            raise RulesError(f"{src}: {where}: rule name must be lowercase letters, digits, '_'")
        excepts: tuple[str, ...] = ()
        weak = False
        if isinstance(value, dict):
            unknown = set(value) - {"any", "except", "weak"}
            if unknown:
                raise RulesError(
                    f"{src}: {where}: unknown keys {sorted(unknown)} (use 'any', 'except', 'weak')"
                )
            phrases = _phrase_list(src, where, lang, value.get("any"), check)
            if "except" in value:
                excepts = _phrase_list(src, where + " (except)", lang, value["except"], check)
            weak = value.get("weak", False)
            if not isinstance(weak, bool):
                raise RulesError(f"{src}: {where}: 'weak' must be true or false")
        else:
            phrases = _phrase_list(src, where, lang, value, check)
        rules.append(
            Rule(id=rule_id, reason=key, lang=lang, phrases=phrases, excepts=excepts, weak=weak)
        )
    return rules


def _parse_languages(src: str, data: dict[str, Any]) -> dict[str, LanguageSettings]:
    out: dict[str, LanguageSettings] = {}
    raw = data.get("languages", {})
    if not isinstance(raw, dict):
        raise RulesError(f"{src}: [languages] must be a table")
    for lang, table in raw.items():
        if lang not in LANGUAGES:
            raise RulesError(
                f"{src}: [languages.{lang}]: unsupported language (use one of {LANGUAGES})"
            )
        if not isinstance(table, dict):
            raise RulesError(f"{src}: [languages.{lang}] must be a table")
        fields: dict[str, tuple[str, ...]] = {}
        for field in (
            "negations",
            "pseudo_negations",
            "clause_breaks",
            "guards",
            "resolved",
            "post_negations",
            "clause_joiners",
        ):
            vals = table.get(field, [])
            if not isinstance(vals, list) or not all(
                isinstance(v, str) and v.strip() for v in vals
            ):
                raise RulesError(f"{src}: [languages.{lang}] {field}: expected a list of strings")
            fields[field] = tuple(v.strip().lower() for v in vals)
        out[lang] = LanguageSettings(**fields)
    return out


def _parse(
    src: str, data: dict[str, Any], check: bool = True
) -> tuple[list[Reason], list[Rule], set[str], set[str]]:
    """Parse reasons and rules; also return reasons marked replace / disabled. ``check``
    False skips the phrase syntax checks (two thirds of the parse time), for the shipped
    file only: `tests/tagging/test_tagging_rules_file.py` checks it in full."""
    reasons: list[Reason] = []
    rules: list[Rule] = []
    replaced: set[str] = set()
    disabled: set[str] = set()
    raw = data.get("reasons", {})
    if not isinstance(raw, dict):
        raise RulesError(f"{src}: [reasons] must be a table")
    for key, body in raw.items():
        if not _KEY_RE.match(key):
            raise RulesError(
                f"{src}: reason '{key}': key must be lowercase letters, digits and '_'"
            )
        if not isinstance(body, dict):
            raise RulesError(f"{src}: reason '{key}': expected a table")
        names = body.get("names", {})
        if not isinstance(names, dict) or not all(isinstance(v, str) for v in names.values()):
            raise RulesError(f"{src}: reason '{key}': names must map language to text")
        if body.get("enabled", True) is False:
            disabled.add(key)
        if body.get("replace", False) is True:
            replaced.add(key)
        reasons.append(
            Reason(key=key, names=dict(names), description=str(body.get("description", "")))
        )
        for lang, table in body.items():
            if lang in ("names", "description", "enabled", "replace"):
                continue
            if lang not in LANGUAGES:
                raise RulesError(
                    f"{src}: reason '{key}': unknown key or language '{lang}'"
                    f" (languages: {', '.join(LANGUAGES)})"
                )
            rules.extend(_parse_reason_rules(src, key, lang, table, check))
    return reasons, rules, replaced, disabled


def load_rules(path: str | Path | None = None, *, check_defaults: bool = False) -> RuleSet:
    """Load and validate rules: the shipped defaults, or ``path`` merged onto them.

    ``path`` is a company's own file. With ``[meta] mode = "replace"`` it is used
    alone; otherwise (``"extend"``) its reasons are added to the defaults, a rule
    with the same id replaces the default rule, a reason with ``replace = true``
    drops all default rules of that reason first, and ``enabled = false`` removes
    a reason. Raises :class:`RulesError` naming the file, reason, rule and phrase.
    A company's file is always checked in full; the shipped one only with
    ``check_defaults`` (the tests), since it cannot change between them and a start.
    """
    default_path = default_rules_path()
    base = _read_toml(default_path)
    d_reasons, d_rules, _, _ = _parse(str(default_path), base, check_defaults)
    d_langs = _parse_languages(str(default_path), base)
    if path is None:
        return _finish(str(default_path), d_reasons, d_rules, d_langs, set())

    p = Path(path)
    data = _read_toml(p)
    src = str(p)
    meta = data.get("meta", {})
    if not isinstance(meta, dict):
        raise RulesError(f"{src}: [meta] must be a table")
    mode = meta.get("mode", "extend")
    if mode not in ("extend", "replace"):
        raise RulesError(f"{src}: [meta] mode must be 'extend' or 'replace', got {mode!r}")
    c_reasons, c_rules, replaced, disabled = _parse(src, data)
    c_langs = _parse_languages(src, data)
    if mode == "replace":
        langs = {**d_langs, **c_langs}  # negation cues are language facts: keep defaults
        return _finish(src, c_reasons, c_rules, langs, disabled)

    reasons_by_key = {r.key: r for r in d_reasons}
    for r in c_reasons:
        old = reasons_by_key.get(r.key)
        names = {**(old.names if old else {}), **r.names}
        desc = r.description or (old.description if old else "")
        reasons_by_key[r.key] = Reason(key=r.key, names=names, description=desc)
    rules_by_id = {r.id: r for r in d_rules if r.reason not in replaced}
    for rule in c_rules:
        rules_by_id[rule.id] = rule
    langs = dict(d_langs)
    for lang, s in c_langs.items():
        old_s = langs.get(lang, LanguageSettings())
        langs[lang] = LanguageSettings(
            negations=tuple(dict.fromkeys(old_s.negations + s.negations)),
            pseudo_negations=tuple(dict.fromkeys(old_s.pseudo_negations + s.pseudo_negations)),
            clause_breaks=tuple(dict.fromkeys(old_s.clause_breaks + s.clause_breaks)),
            guards=tuple(dict.fromkeys(old_s.guards + s.guards)),
            resolved=tuple(dict.fromkeys(old_s.resolved + s.resolved)),
            post_negations=tuple(dict.fromkeys(old_s.post_negations + s.post_negations)),
            clause_joiners=tuple(dict.fromkeys(old_s.clause_joiners + s.clause_joiners)),
        )
    return _finish(
        f"{default_path} + {src}",
        list(reasons_by_key.values()),
        list(rules_by_id.values()),
        langs,
        disabled,
    )


def _finish(
    src: str,
    reasons: list[Reason],
    rules: list[Rule],
    langs: dict[str, LanguageSettings],
    disabled: set[str],
) -> RuleSet:
    keys = {r.key for r in reasons}
    for r in reasons:
        if "en" not in r.names:
            raise RulesError(f"{src}: reason '{r.key}': names needs at least an 'en' entry")
    for rule in rules:
        if rule.reason not in keys:  # pragma: no cover - _parse always adds the reason
            raise RulesError(f"{src}: rule '{rule.id}': unknown reason '{rule.reason}'")
    kept = tuple(r for r in reasons if r.key not in disabled)
    if not kept:
        raise RulesError(f"{src}: no reasons defined")
    kept_keys = {r.key for r in kept}
    return RuleSet(
        reasons=kept,
        rules=tuple(r for r in rules if r.reason in kept_keys),
        languages=langs,
        source=src,
    )
