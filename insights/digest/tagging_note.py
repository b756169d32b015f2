"""Which company tagger models the digest's week was tagged with, and what they learned from.

A company model (``insights.tagger_models``) is trained on staff corrections ("Wrong tags")
and labelled CSV rows; the digest says so in one line of its team section, so that the
corrections staff make are seen to count. The models are the ones in use when the period
ended (the newest per language stored before it), like the at-risk list "as of the end of
the week": a digest composed again later describes the same week the same way. Read here
with one query on `tagger_models`, without loading the models' arrays or the tagger.
"""

from __future__ import annotations

import json
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from insights.digest.model import TaggingModel
from storage.models import TaggerModel


def _corrections(scores: str) -> int | None:
    """The staff corrections a model's stored scores count (None: not counted then)."""
    try:
        value = json.loads(scores).get("corrections")
    except (ValueError, AttributeError):
        return None
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def tagging_model(session: Session, until: datetime) -> TaggingModel | None:
    """The company models in use at `until`; None when there is none (shipped models)."""
    rows = session.execute(
        select(
            TaggerModel.lang,
            TaggerModel.version,
            TaggerModel.n_labels,
            TaggerModel.scores,
            TaggerModel.created_at,
        )
        .where(TaggerModel.created_at < until)
        .order_by(TaggerModel.id.desc())
    )
    newest: dict[str, tuple[str, int, int | None, datetime]] = {}
    for lang, version, n_labels, scores, created_at in rows:
        if lang not in newest:
            newest[lang] = (version, n_labels, _corrections(scores), created_at)
    if not newest:
        return None
    langs = tuple(sorted(newest))
    counts = [newest[lang][2] for lang in langs]
    return TaggingModel(
        languages=langs,
        versions=tuple(newest[lang][0] for lang in langs),
        labels=sum(newest[lang][1] for lang in langs),
        corrections=None if None in counts else sum(c or 0 for c in counts),
        trained_at=max(newest[lang][3] for lang in langs),
    )
