"""Stored answers get their churn reasons and sentiment: when they arrive, and again on demand.

`insights.tagging` is the pure tagger; this module applies it to the database:
- `tag_pending()` tags every answer that has not been tagged yet (after an import, or as a
  catch-up after a crash: an answer is never left untagged for good);
- `tag_answer()` tags one answer inside the caller's transaction (the survey hook);
- `retag()` re-runs the rules over every stored answer after the rules changed. Reasons a
  staff member corrected (`answers.tags_corrected`) are theirs and are kept; the sentiment
  is still recomputed.

Each tag keeps where it came from (`answer_tags.source`): `rules` for a rule or a picked
button, `model` for a reason only the learned model found (rule `model.<lang>.<reason>`),
`staff` for a correction. `tag_pending` and `retag` replace `rules` and `model` tags only.

An exit-interview reason picked on a button is already a reason: it becomes a tag with the
rule `choice:<survey>.<question>`, so counts of reasons include it. The survey score of the
same session (NPS or CSAT) is passed to the tagger, which uses it for sentiment.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import and_, delete, func, or_, select, update
from sqlalchemy.orm import Session, aliased, sessionmaker

from insights.tagging import LANGUAGES, REASON_KEYS, Tagger
from storage.bulk import insert_ignoring_conflicts
from storage.models import Answer, AnswerTag, TagCorrection

BATCH = 1_000
Progress = Callable[[int], None]


@dataclass
class TaggingReport:
    tagged: int = 0
    kept_corrections: int = 0


@dataclass(frozen=True)
class _Pending:
    id: int
    question: str
    survey: str
    text: str | None
    choice: str | None
    language: str | None
    score: int | None
    corrected: bool


TAGGER_SOURCES = ("rules", "model")
"""The tag sources the tagger writes (and `retag` replaces); `staff` tags are never touched."""


def stored_source(tag_source: str) -> str:
    """`answer_tags.source` of a tagger's `Tag.source`: a reason only the learned model
    (shipped or company) found is `model`, everything the rules found is `rules`."""
    return "model" if tag_source == "model" else "rules"


REASON_QUESTION = "reason"  # the exit interview's reason buttons count as reasons


def is_taggable(text: str | None, question: str, choice: str | None) -> bool:
    """An answer carries something to tag: free text, or a reason picked on a button.

    The one rule: the answer listeners (bot, terminal chat) call this, and `_taggable`
    is the same rule in SQL for the catch-up and `retag`.
    """
    return bool(text) or (question == REASON_QUESTION and choice is not None)


def _taggable() -> Any:
    """`is_taggable` as a SQL condition."""
    return or_(
        and_(Answer.text.is_not(None), Answer.text != ""),
        and_(Answer.question == REASON_QUESTION, Answer.choice.is_not(None)),
    )


def _query(where: Any, limit: int) -> Any:
    scored = aliased(Answer)
    session_score = (
        select(scored.score)
        .where(
            scored.session_id == Answer.session_id,
            scored.question == "score",
        )
        .limit(1)
        .scalar_subquery()
    )
    return (
        select(
            Answer.id,
            Answer.question,
            Answer.survey,
            Answer.text,
            Answer.choice,
            Answer.language,
            session_score,
            Answer.tags_corrected,
        )
        .where(_taggable(), where)
        .order_by(Answer.id)
        .limit(limit)
    )


def _tag_batch(session: Session, tagger: Tagger, rows: Sequence[_Pending]) -> TaggingReport:
    now = datetime.now(UTC)
    report = TaggingReport()
    updates: list[dict[str, Any]] = []
    tags: list[dict[str, Any]] = []
    retagged: list[int] = []
    for row in rows:
        sentiment: float | None = None
        label: str | None = None
        found: Iterable[tuple[str, str, str]] = ()
        if row.text:
            # A customer language the rules do not cover is detected from the text instead.
            lang = row.language if row.language in LANGUAGES else None
            # only reasons and rule ids are stored: no explanations computed
            result = tagger.tag(
                row.text, lang=lang, score=row.score, survey=row.survey, explain=False
            )
            sentiment, label = result.sentiment, result.label
            found = zip(
                result.reasons, result.rules, map(stored_source, result.sources), strict=True
            )
        if row.choice and row.question == "reason" and row.choice in REASON_KEYS:
            found = [(row.choice, f"choice:{row.survey}.{row.question}", "rules"), *found]
        updates.append(
            {"id": row.id, "sentiment": sentiment, "sentiment_label": label, "tagged_at": now}
        )
        if row.corrected:
            report.kept_corrections += 1
            continue
        retagged.append(row.id)
        seen: set[str] = set()
        for reason, rule, source in found:
            if reason not in seen:
                seen.add(reason)
                tags.append(
                    {
                        "answer_id": row.id,
                        "reason": reason,
                        "rule": rule,
                        "source": source,
                        "created_at": now,
                    }
                )
    if updates:
        session.execute(update(Answer), updates)
    if retagged:
        session.execute(
            delete(AnswerTag).where(
                AnswerTag.answer_id.in_(retagged), AnswerTag.source.in_(TAGGER_SOURCES)
            )
        )
    insert_ignoring_conflicts(session, AnswerTag, tags)
    report.tagged = len(rows)
    return report


def _run(
    factory: sessionmaker[Session],
    tagger: Tagger,
    where: Any,
    progress: Progress | None,
    batch: int,
) -> TaggingReport:
    total = TaggingReport()
    last_id = 0
    while True:
        with factory() as session, session.begin():
            rows = [
                _Pending(*row)
                for row in session.execute(_query(and_(where, Answer.id > last_id), batch))
            ]
            if not rows:
                return total
            report = _tag_batch(session, tagger, rows)
        total.tagged += report.tagged
        total.kept_corrections += report.kept_corrections
        last_id = rows[-1].id
        if progress is not None:
            progress(total.tagged)


def count_pending(session: Session) -> int:
    return int(session.scalar(select(func.count()).where(_taggable(), Answer.tagged_at.is_(None))))


def count_taggable(session: Session) -> int:
    return int(session.scalar(select(func.count()).where(_taggable())) or 0)


def tag_pending(
    factory: sessionmaker[Session],
    tagger: Tagger,
    progress: Progress | None = None,
    batch: int = BATCH,
) -> TaggingReport:
    """Tag every answer not tagged yet, a batch per transaction."""
    return _run(factory, tagger, Answer.tagged_at.is_(None), progress, batch)


def retag(
    factory: sessionmaker[Session],
    tagger: Tagger,
    progress: Progress | None = None,
    batch: int = BATCH,
) -> TaggingReport:
    """Tag every stored answer again (rules changed); staff corrections are kept."""
    return _run(factory, tagger, Answer.id > 0, progress, batch)


def tag_answer(session: Session, tagger: Tagger, answer_id: int) -> None:
    """Tag one answer in the caller's transaction (called as each answer arrives)."""
    rows = [_Pending(*row) for row in session.execute(_query(Answer.id == answer_id, 1))]
    if rows:
        _tag_batch(session, tagger, rows)


def correct_reasons(
    session: Session, answer_id: int, reasons: Sequence[str], corrected_by: str
) -> None:
    """A staff member sets an answer's reasons; kept through every later retag."""
    before = sorted(
        session.scalars(select(AnswerTag.reason).where(AnswerTag.answer_id == answer_id))
    )
    now = datetime.now(UTC)
    session.execute(delete(AnswerTag).where(AnswerTag.answer_id == answer_id))
    for reason in dict.fromkeys(reasons):
        session.add(
            AnswerTag(
                answer_id=answer_id,
                reason=reason,
                rule=f"staff:{corrected_by}",
                source="staff",
                created_at=now,
            )
        )
    session.execute(update(Answer).where(Answer.id == answer_id).values(tags_corrected=True))
    session.add(
        TagCorrection(
            answer_id=answer_id,
            corrected_by=corrected_by,
            reasons_before=",".join(before),
            reasons_after=",".join(dict.fromkeys(reasons)),
            created_at=now,
        )
    )
