"""Company models of the learned tagging layer, in the database.

Training data per language: staff corrections (`tag_corrections`: the answer's text and the
reasons staff set; its sentiment stays unlabelled) and rows of a labelled CSV (columns
`text`, `lang`, `reasons` — comma- or semicolon-separated keys, empty = none — and `label`
— the sentiment, optional), plus a sample of the company's other answers labelled by the
shipped tagger. The model (``insights.tagging.company``) is stored as JSON with its version
and cross-validated scores (with `corrections`: how many of its labels were staff
corrections, the digest's "learned from"); the newest model of a language is the one
``tagger_with_company_models`` puts in the tagger. With no corrections and no CSV, nothing is
trained and nothing changes.
"""

from __future__ import annotations

import csv
import json
import logging
import random
import threading
import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import func, select
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session, sessionmaker

from insights.tagging import LANGUAGES, REASON_KEYS, Tagger
from insights.tagging.company import CompanyScores, Labelled, from_json, to_json, train
from insights.tagging.model import SENTIMENT_CLASSES, TextModel
from storage.models import Answer, TagCorrection, TaggerModel

log = logging.getLogger(__name__)

PSEUDO_SAMPLE = 2000
"""How many of the company's other answers (per language), labelled by the shipped tagger,
train beside the corrections."""
MIN_LABELS = 20
"""A language needs this many labelled texts before a company model is trained for it."""


class LabelsError(ValueError):
    """A labelled CSV that cannot be used (named column missing, unknown reason or label)."""


@dataclass(frozen=True)
class StoredTaggerModel:
    """A company tagger model as listed from the database (its arrays stay there)."""

    id: int
    lang: str
    version: str
    base_version: str | None
    n_labels: int
    scores: dict
    created_at: datetime

    @property
    def corrections(self) -> int | None:
        """How many of its labels were staff corrections (None: stored before this was kept)."""
        value = self.scores.get("corrections")
        return value if isinstance(value, int) else None


def read_labels_csv(path: str | Path) -> dict[str, list[Labelled]]:
    """Labelled texts per language from a CSV with columns text, lang, reasons, label."""
    out: dict[str, list[Labelled]] = {}
    with Path(path).open(encoding="utf-8-sig", newline="") as fh:
        reader = csv.DictReader(fh)
        missing = {"text", "lang"} - set(reader.fieldnames or ())
        if missing:
            raise LabelsError(f"{path}: missing column(s) {', '.join(sorted(missing))}")
        for n, row in enumerate(reader, start=2):
            text = (row.get("text") or "").strip()
            lang = (row.get("lang") or "").strip().lower()
            if not text:
                continue
            if lang not in LANGUAGES:
                raise LabelsError(f"{path}:{n}: unknown lang {lang!r}")
            reasons: frozenset[str] | None = None
            if "reasons" in row and row["reasons"] is not None:
                keys = [k.strip() for k in row["reasons"].replace(";", ",").split(",") if k.strip()]
                bad = [k for k in keys if k not in REASON_KEYS]
                if bad:
                    raise LabelsError(f"{path}:{n}: unknown reason(s) {', '.join(bad)}")
                reasons = frozenset(keys)
            label = (row.get("label") or "").strip().lower() or None
            if label is not None and label not in SENTIMENT_CLASSES:
                raise LabelsError(f"{path}:{n}: label must be negative, neutral or positive")
            out.setdefault(lang, []).append(Labelled(text, reasons, label))
    return out


def correction_labels(session: Session, tagger: Tagger) -> dict[str, list[Labelled]]:
    """The latest staff correction of each answer, as labelled texts per language."""
    latest = (
        select(TagCorrection.answer_id, func.max(TagCorrection.id).label("last"))
        .group_by(TagCorrection.answer_id)
        .subquery()
    )
    rows = session.execute(
        select(Answer.text, Answer.language, TagCorrection.reasons_after)
        .join(latest, latest.c.answer_id == Answer.id)
        .join(TagCorrection, TagCorrection.id == latest.c.last)
        .where(Answer.text.is_not(None))
    )
    out: dict[str, list[Labelled]] = {}
    for text, language, after in rows:
        if not text or not text.strip():
            continue
        lang = language if language in LANGUAGES else tagger.tag(text).lang
        if lang not in LANGUAGES:
            continue
        reasons = frozenset(k for k in (after or "").split(",") if k in REASON_KEYS)
        out.setdefault(lang, []).append(Labelled(text, reasons, None))
    return out


def pseudo_labels(
    session: Session, tagger: Tagger, lang: str, exclude: set[str], n: int = PSEUDO_SAMPLE
) -> list[Labelled]:
    """A seeded sample of the company's uncorrected answers in ``lang``, labelled by the
    shipped tagger (reasons and sentiment)."""
    texts = [
        t
        for t, language in session.execute(
            select(Answer.text, Answer.language).where(
                Answer.text.is_not(None), Answer.tags_corrected.is_(False)
            )
        )
        if t and t.strip() and t not in exclude and (language == lang or language is None)
    ]
    random.Random(0).shuffle(texts)
    out = []
    for t in texts:
        r = tagger.tag(t, lang=lang)
        if r.lang == lang:
            out.append(Labelled(t, frozenset(r.reasons), r.label))
        if len(out) >= n:
            break
    return out


def train_company_models(
    session: Session,
    shipped: Tagger,
    extra: Mapping[str, Sequence[Labelled]] | None = None,
    langs: Iterable[str] | None = None,
) -> list[tuple[str, TextModel | None, CompanyScores | None, str]]:
    """Train and store a company model per language with enough labels; returns
    (lang, model or None, scores or None, what happened) per language considered."""
    labels = correction_labels(session, shipped)
    corrections = {lang: len(rows) for lang, rows in labels.items()}
    for lang, rows in (extra or {}).items():
        labels.setdefault(lang, []).extend(rows)
    results: list[tuple[str, TextModel | None, CompanyScores | None, str]] = []
    for lang in sorted(set(labels) if langs is None else set(langs)):
        rows = labels.get(lang, [])
        if len(rows) < MIN_LABELS:
            results.append(
                (lang, None, None, f"{len(rows)} labelled texts (< {MIN_LABELS}): skipped")
            )
            continue
        pseudo = pseudo_labels(session, shipped, lang, {r.text for r in rows})
        base = shipped.model(lang)
        model, scores = train(
            lang,
            rows,
            pseudo,
            shipped=base,
            rule_reasons=lambda t, lang=lang: shipped.tag(t, lang=lang, use_model=False).reasons,
            shipped_reasons=lambda t, lang=lang: shipped.tag(t, lang=lang).reasons,
            baseline_sentiment=lambda t, lang=lang: shipped.tag(t, lang=lang).label,
        )
        session.add(
            TaggerModel(
                lang=lang,
                version=model.version,
                base_version=base.version if base else None,
                n_labels=len(rows),
                scores=json.dumps({**scores.to_json(), "corrections": corrections.get(lang, 0)}),
                model=to_json(model),
                created_at=datetime.now(UTC),
            )
        )
        session.flush()
        results.append((lang, model, scores, "trained"))
    return results


def stored_models(session: Session) -> list[StoredTaggerModel]:
    """Every stored company model, newest first (without the arrays)."""
    rows = session.execute(
        select(
            TaggerModel.id,
            TaggerModel.lang,
            TaggerModel.version,
            TaggerModel.base_version,
            TaggerModel.n_labels,
            TaggerModel.scores,
            TaggerModel.created_at,
        ).order_by(TaggerModel.id.desc())
    )
    return [
        StoredTaggerModel(i, lang, v, b, n, json.loads(s), c) for i, lang, v, b, n, s, c in rows
    ]


def current_models(session: Session) -> dict[str, TextModel]:
    """The newest company model per language (parsed from JSON)."""
    newest = select(func.max(TaggerModel.id)).group_by(TaggerModel.lang).scalar_subquery()
    out: dict[str, TextModel] = {}
    for lang, text in session.execute(
        select(TaggerModel.lang, TaggerModel.model).where(TaggerModel.id.in_(newest))
    ):
        out[lang] = from_json(text)
    return out


def tagger_with_company_models(session: Session, shipped: Tagger) -> Tagger:
    """``shipped`` itself when no company model is stored; otherwise a tagger with the same
    rules whose models are the company's where it has one."""
    company = current_models(session)
    if not company:
        return shipped
    return Tagger(shipped.rules, models=company)


COMPANY_MODEL_CHECK_SECONDS = 60.0
"""How often a running process looks for a newer company model (one MAX(id) query)."""


class LiveTagger:
    """The tagger for answers as they arrive: the shipped one (or the rules file's) with
    the company's newest models, re-read once a newer one is stored.

    Why: `retention-bot tagger train` runs in its own process while the bot keeps tagging;
    without this, new answers were tagged by the shipped models until the bot restarted,
    and only `retag` used what staff had taught. Checked at most every
    COMPANY_MODEL_CHECK_SECONDS; a failed check keeps the tagger in use (tagging must not
    stop because the model table could not be read)."""

    def __init__(
        self,
        factory: Callable[[], sessionmaker[Session]],
        base: Callable[[], Tagger],
        interval: float = COMPANY_MODEL_CHECK_SECONDS,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._factory = factory
        self._base = base
        self._interval = interval
        self._clock = clock
        self._lock = threading.Lock()
        self._tagger: Tagger | None = None
        self._newest: int | None = None
        self._checked = 0.0

    def get(self) -> Tagger:
        tagger = self._tagger
        if tagger is not None and self._clock() - self._checked < self._interval:
            return tagger
        with self._lock:
            if self._tagger is None or self._clock() - self._checked >= self._interval:
                self._refresh()
            assert self._tagger is not None
            return self._tagger

    def _refresh(self) -> None:
        base = self._base()
        try:
            with self._factory()() as session:
                newest = session.scalar(select(func.max(TaggerModel.id)))
                if self._tagger is None or newest != self._newest:
                    self._tagger = tagger_with_company_models(session, base)
                    self._newest = newest
                    if newest is not None:
                        log.info("tagging with company model(s) up to id %s", newest)
        except (SQLAlchemyError, ValueError, KeyError, TypeError):
            # an unreadable table or a stored model this version cannot parse: keep tagging
            log.exception("could not read the company models; tagging with the models in use")
            if self._tagger is None:
                self._tagger = base
        self._checked = self._clock()
