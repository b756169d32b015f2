"""Loading customers, events and survey responses: idempotent, streaming, forgiving.

Rows arrive as `(line number, mapping)` pairs from any source (CSV file, API batch). Each
is validated by `insights.records`; a bad row is reported through `on_reject` and skipped,
while the good rows around it are written. Rows are written a batch at a time, each batch in
its own transaction, so memory stays constant and a crash loses at most the batch in
flight: re-running the same file is safe, because every write is keyed on the sender's id
(`external_id`, `event_id`, `response_id`) and a row that has not changed is not touched.

A key seen twice in one run is reported as a duplicate rather than silently overwritten:
within a batch we compare directly; across batches we recognise rows this run already
wrote by their `updated_at`, which is one of the few write stamps (one per batch) the run
remembers. Only those count: a row another writer (a concurrent API request) committed
while we ran is not a duplicate, and is simply overwritten when our values differ, so the
last to commit wins.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta, tzinfo
from typing import Any, Generic, TypeVar

from sqlalchemy import delete, select, update
from sqlalchemy.orm import Session, sessionmaker

from insights import lifecycle
from insights.records import (
    CustomerRecord,
    EventRecord,
    RecordError,
    ResponseRecord,
    parse_customer,
    parse_event,
    parse_response,
)
from insights.timeparse import TimeWindow
from storage.bulk import insert_ignoring_conflicts, refresh_statistics, rows_by_key
from storage.models import Answer, Customer, Event, SurveySession

BATCH_SIZE = 5_000
ID_CACHE_SIZE = 200_000  # external id -> customer id, about 30 MB at most
R = TypeVar("R", CustomerRecord, EventRecord, ResponseRecord)


@dataclass(frozen=True, slots=True)
class Rejection:
    """A row that was not written: where it was, which field is at fault, and why.

    `line` is the CSV line or the index in an API batch; `message` is the full sentence a
    person reads (it starts with the field's name); `field` lets an API client point at it.
    """

    line: int
    field: str
    message: str


RejectHandler = Callable[[Rejection], None]


@dataclass
class ImportReport:
    """What an import did; `rejected` counts rows reported through `on_reject`."""

    kind: str
    inserted: int = 0
    updated: int = 0
    unchanged: int = 0
    rejected: int = 0

    @property
    def accepted(self) -> int:
        return self.inserted + self.updated + self.unchanged

    def summary(self) -> str:
        return (
            f"{self.kind}: {self.inserted} new, {self.updated} updated, "
            f"{self.unchanged} unchanged, {self.rejected} rejected"
        )


@dataclass(frozen=True)
class LifecycleRules:
    grace: timedelta = timedelta(days=14)
    window: timedelta | None = None


class _Batch(Generic[R]):
    """Records of one batch, first occurrence of each key wins, later ones are rejected."""

    def __init__(self, key: Callable[[R], str], key_field: str, where: str = "line") -> None:
        self.key: Callable[[R], str] = key
        self.key_field = key_field
        self.where = where
        self.items: dict[str, tuple[int, R]] = {}

    def add(self, line: int, record: R, report: ImportReport, on_reject: RejectHandler) -> None:
        key = self.key(record)
        first = self.items.get(key)
        if first is not None:
            if first[1] != record:
                report.rejected += 1
                message = f"duplicate id {key!r} (first at {self.where} {first[0]})"
                on_reject(Rejection(line, self.key_field, message))
            else:
                report.unchanged += 1
            return
        self.items[key] = (line, record)

    def __len__(self) -> int:
        return len(self.items)


class Importer(Generic[R]):
    """Shared driver: parse, batch, flush; subclasses write one kind of record."""

    kind = ""
    key_field = ""  # the field whose value identifies a record (duplicates are blamed on it)
    position = "line"  # what a row's number counts: CSV lines, or "index" in an API batch

    def __init__(
        self,
        factory: sessionmaker[Session],
        tz: tzinfo,
        on_reject: RejectHandler,
        batch_size: int = BATCH_SIZE,
        now: Callable[[], datetime] = lambda: datetime.now(UTC),
    ) -> None:
        self.factory = factory
        self.tz = tz
        self.on_reject = on_reject
        self.batch_size = batch_size
        self.now = now
        self.started = now()
        self.window = TimeWindow.until(self.started)  # the times this run accepts
        self.report = ImportReport(self.kind)
        self._ids: dict[str, int] = {}
        self._stamps: set[datetime] = set()  # the updated_at of every row this run wrote

    def parse(self, row: Mapping[str, object]) -> R:
        raise NotImplementedError

    @staticmethod
    def key(record: R) -> str:
        raise NotImplementedError

    def write(self, session: Session, batch: Sequence[tuple[int, R]]) -> None:
        raise NotImplementedError

    def finish(self) -> None:
        """Work that needs the whole run written (e.g. recomputing churn)."""

    def reject(self, line: int, message: str, field: str = "") -> None:
        """Report a row as not written; `field` defaults to the record's key field."""
        self.report.rejected += 1
        self.on_reject(Rejection(line, field or self.key_field, message))

    def run(self, rows: Iterable[tuple[int, Mapping[str, object]]]) -> ImportReport:
        batch: _Batch[R] = _Batch(self.key, self.key_field, self.position)
        for line, row in rows:
            try:
                record = self.parse(row)
            except RecordError as error:
                self.reject(line, str(error), error.field)
                continue
            batch.add(line, record, self.report, self.on_reject)
            if len(batch) >= self.batch_size:
                self._flush(batch)
                batch = _Batch(self.key, self.key_field, self.position)
        self._flush(batch)
        self.finish()
        return self.report

    def _flush(self, batch: _Batch[R]) -> None:
        if not batch.items:
            return
        with self.factory() as session, session.begin():
            self.write(session, list(batch.items.values()))

    def stamp(self) -> datetime:
        """The time a batch writes into `created_at`/`updated_at`, remembered as this run's.

        One per batch, so a run over a file of millions of rows remembers a few hundred.
        """
        now = self.now()
        self._stamps.add(now)
        return now

    def written_this_run(self, updated_at: datetime) -> bool:
        """Whether this run wrote the row: its stamp is one of ours.

        Not "written since we started": a concurrent request that committed the same id
        meanwhile also did that, and its row is no duplicate of ours.
        """
        return updated_at in self._stamps

    def _customer_ids(
        self, session: Session, batch: Sequence[tuple[int, R]]
    ) -> tuple[dict[str, int], list[tuple[int, R]]]:
        """Resolve external ids; rows naming an unknown customer are rejected here.

        Events of the same customers recur batch after batch, so resolved ids are kept in a
        bounded cache (cleared when full: memory stays constant) and only new ones queried.
        """
        wanted = {record.external_id for _, record in batch}  # type: ignore[union-attr]
        ids = {key: self._ids[key] for key in wanted if key in self._ids}
        missing = [key for key in wanted if key not in ids]
        if missing:
            found = rows_by_key(session, Customer.external_id, missing, [Customer.id])
            if len(self._ids) + len(found) > ID_CACHE_SIZE:
                self._ids.clear()
            for key, row in found.items():
                ids[key] = self._ids[key] = row.id
        known = []
        for line, record in batch:
            external_id = record.external_id
            if external_id in ids:
                known.append((line, record))
            else:
                message = f"unknown customer {external_id!r} (import customers first)"
                self.reject(line, message, "external_id")
        return ids, known


class CustomerImporter(Importer[CustomerRecord]):
    kind = "customers"
    key_field = "external_id"
    FIELDS = ("name", "email", "language", "timezone", "plan", "mrr", "signed_up_at")

    def finish(self) -> None:
        with self.factory() as session, session.begin():
            refresh_statistics(session, ["customers"], self.report.inserted)

    def parse(self, row: Mapping[str, object]) -> CustomerRecord:
        return parse_customer(row, self.tz, self.window)

    @staticmethod
    def key(record: CustomerRecord) -> str:
        return record.external_id

    def write(self, session: Session, batch: Sequence[tuple[int, CustomerRecord]]) -> None:
        columns = [getattr(Customer, name) for name in (*self.FIELDS, "id", "updated_at")]
        existing = rows_by_key(
            session, Customer.external_id, [r.external_id for _, r in batch], columns
        )
        now = self.stamp()
        inserts: list[dict[str, Any]] = []
        updates: list[dict[str, Any]] = []
        moved: list[int] = []
        for line, record in batch:
            values = {name: getattr(record, name) for name in self.FIELDS}
            old = existing.get(record.external_id)
            if old is None:
                inserts.append(
                    {
                        **values,
                        "external_id": record.external_id,
                        "status": "active",
                        "created_at": now,
                        "updated_at": now,
                    }
                )
                continue
            changed = any(getattr(old, name) != values[name] for name in self.FIELDS)
            if not changed:
                self.report.unchanged += 1
            elif self.written_this_run(old.updated_at):
                self.reject(line, f"duplicate id {record.external_id!r} (earlier in this run)")
            else:
                updates.append({**values, "id": old.id, "updated_at": now})
                if old.signed_up_at != record.signed_up_at:
                    moved.append(old.id)
        # Rows are written in key order, so two concurrent batches that share ids lock them
        # in the same order and wait for each other instead of deadlocking.
        inserts.sort(key=lambda row: row["external_id"])
        updates.sort(key=lambda row: row["id"])
        inserted = insert_ignoring_conflicts(session, Customer, inserts)
        if updates:
            session.execute(update(Customer), updates)
        lifecycle.mark_stale(session, moved)
        self.report.inserted += inserted
        self.report.updated += len(updates)
        if inserted < len(inserts):
            # Another writer (a concurrent API call) inserted some of these ids between our
            # look-up and our insert: write those again, now as changes to its rows.
            ours = rows_by_key(
                session,
                Customer.external_id,
                [row["external_id"] for row in inserts],
                [Customer.id, Customer.created_at],
            )
            # Last writer wins, as for any two updates of one customer.
            lost = [
                {**{name: row[name] for name in self.FIELDS}, "id": mine.id, "updated_at": now}
                for row in inserts
                if (mine := ours[row["external_id"]]).created_at != now
            ]
            if lost:
                session.execute(update(Customer), sorted(lost, key=lambda row: row["id"]))
            self.report.updated += len(lost)


class EventImporter(Importer[EventRecord]):
    kind = "events"
    key_field = "event_id"

    def __init__(self, *args: Any, rules: LifecycleRules | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.rules = rules or LifecycleRules()

    def parse(self, row: Mapping[str, object]) -> EventRecord:
        return parse_event(row, self.tz, self.window)

    @staticmethod
    def key(record: EventRecord) -> str:
        return record.event_id

    def write(self, session: Session, batch: Sequence[tuple[int, EventRecord]]) -> None:
        """Insert first; only when some ids already existed, look those up and compare.

        A first import of a large file is then one statement per batch, and a re-import
        costs one failed insert plus one look-up per batch.
        """
        customer_ids, known = self._customer_ids(session, batch)
        known.sort(key=lambda item: item[1].event_id)  # lock order: see CustomerImporter
        now = self.stamp()
        rows = [
            {
                "event_id": record.event_id,
                "customer_id": customer_ids[record.external_id],
                "type": record.type,
                "occurred_at": record.occurred_at,
                "amount": record.amount,
                "created_at": now,
                "updated_at": now,
            }
            for _, record in known
        ]
        inserted = insert_ignoring_conflicts(session, Event, rows)
        self.report.inserted += inserted
        if inserted == len(rows):
            lifecycle.mark_stale(session, [row["customer_id"] for row in rows])
            return
        existing = rows_by_key(
            session,
            Event.event_id,
            [row["event_id"] for row in rows],
            [Event.id, Event.customer_id, Event.type, Event.occurred_at, Event.amount,
             Event.created_at, Event.updated_at],
        )  # fmt: skip
        updates: list[dict[str, Any]] = []
        touched: list[int] = []
        compared = ("customer_id", "type", "occurred_at", "amount")
        for (line, record), row in zip(known, rows, strict=True):
            old = existing[record.event_id]
            if old.created_at == now:  # inserted by the statement above
                touched.append(row["customer_id"])
            elif all(getattr(old, name) == row[name] for name in compared):
                self.report.unchanged += 1
            elif self.written_this_run(old.updated_at):
                self.reject(line, f"duplicate id {record.event_id!r} (earlier in this run)")
            else:
                updates.append({**{n: row[n] for n in compared}, "id": old.id, "updated_at": now})
                touched.extend((row["customer_id"], old.customer_id))
        if updates:
            session.execute(update(Event), sorted(updates, key=lambda row: row["id"]))
        lifecycle.mark_stale(session, touched)
        self.report.updated += len(updates)

    def finish(self) -> None:
        with self.factory() as session, session.begin():
            written = self.report.inserted + self.report.updated
            refresh_statistics(session, ["events", "customers"], written)
            lifecycle.refresh(session, self.now(), self.rules.grace, self.rules.window)


class ResponseImporter(Importer[ResponseRecord]):
    """Responses exported from another survey tool: one completed session per response."""

    kind = "responses"
    key_field = "response_id"

    def finish(self) -> None:
        written = self.report.inserted + self.report.updated
        with self.factory() as session, session.begin():
            refresh_statistics(session, ["survey_sessions", "answers"], written)

    def parse(self, row: Mapping[str, object]) -> ResponseRecord:
        return parse_response(row, self.tz, self.window)

    @staticmethod
    def key(record: ResponseRecord) -> str:
        return record.response_id

    def write(self, session: Session, batch: Sequence[tuple[int, ResponseRecord]]) -> None:
        customer_ids, known = self._customer_ids(session, batch)
        refs = [record.response_id for _, record in known]
        sessions = rows_by_key(
            session,
            SurveySession.source_ref,
            refs,
            [
                SurveySession.id,
                SurveySession.customer_id,
                SurveySession.survey,
                SurveySession.updated_at,
            ],
        )
        answers = self._answers(session, [row.id for row in sessions.values()])
        languages = {
            row.id: row.language
            for row in session.execute(
                select(Customer.id, Customer.language).where(
                    Customer.id.in_(set(customer_ids.values()))
                )
            )
        }
        now = self.stamp()
        fresh: list[ResponseRecord] = []  # new responses, and changed ones to write anew
        new: set[str] = set()  # the response ids of `fresh` that were not stored yet
        replaced: list[int] = []
        for line, record in known:
            customer_id = customer_ids[record.external_id]
            wanted = _answer_values(record)
            old = sessions.get(record.response_id)
            if old is None:
                fresh.append(record)
                new.add(record.response_id)
                self.report.inserted += 1
                continue
            current = answers.get(old.id, {})
            same = (
                old.customer_id == customer_id
                and old.survey == record.survey
                and set(current) == set(wanted)
                and all(current[q] == v for q, v in wanted.items())
            )
            if same:
                self.report.unchanged += 1
            elif self.written_this_run(old.updated_at):
                self.reject(line, f"duplicate id {record.response_id!r} (earlier in this run)")
            else:
                replaced.append(old.id)
                fresh.append(record)
                self.report.updated += 1
        if replaced:  # their answers and tags go with them (ON DELETE CASCADE)
            session.execute(delete(SurveySession).where(SurveySession.id.in_(replaced)))
        fresh.sort(key=lambda record: record.response_id)  # lock order: see CustomerImporter
        overwritten = self._insert(session, fresh, customer_ids, languages, now)
        taken = len(overwritten & new)  # counted as new, but another writer stored them first
        self.report.inserted -= taken
        self.report.updated += taken

    @staticmethod
    def _answers(
        session: Session, session_ids: list[int]
    ) -> dict[int, dict[str, tuple[int | None, str | None, datetime]]]:
        found: dict[int, dict[str, tuple[int | None, str | None, datetime]]] = {}
        if not session_ids:
            return found
        query = select(
            Answer.session_id, Answer.question, Answer.score, Answer.text, Answer.answered_at
        ).where(Answer.session_id.in_(session_ids))
        for row in session.execute(query):
            found.setdefault(row.session_id, {})[row.question] = (
                row.score,
                row.text,
                row.answered_at,
            )
        return found

    @staticmethod
    def _insert(
        session: Session,
        records: Sequence[ResponseRecord],
        customer_ids: Mapping[str, int],
        languages: Mapping[int, str | None],
        now: datetime,
    ) -> set[str]:
        """One completed session per response and its answers, a statement per table.

        Returns the response ids another writer (a concurrent API call) stored between
        our look-up and our insert: theirs are replaced by ours, last writer wins, as for
        customers and events.
        """
        if not records:
            return set()
        sessions = _session_rows(records, customer_ids, languages, now)
        refs = list(sessions)
        columns = [SurveySession.id, SurveySession.created_at]
        overwritten: set[str] = set()
        if insert_ignoring_conflicts(session, SurveySession, list(sessions.values())) < len(refs):
            found = rows_by_key(session, SurveySession.source_ref, refs, columns)
            theirs = {ref: row.id for ref, row in found.items() if row.created_at != now}
            session.execute(delete(SurveySession).where(SurveySession.id.in_(theirs.values())))
            insert_ignoring_conflicts(session, SurveySession, [sessions[ref] for ref in theirs])
            overwritten = set(theirs)
        ids = rows_by_key(session, SurveySession.source_ref, refs, [SurveySession.id])
        session_ids = {ref: row.id for ref, row in ids.items()}
        rows = _answer_rows(records, session_ids, customer_ids, languages, now)
        insert_ignoring_conflicts(session, Answer, rows)
        return overwritten


def _session_rows(
    records: Sequence[ResponseRecord],
    customer_ids: Mapping[str, int],
    languages: Mapping[int, str | None],
    now: datetime,
) -> dict[str, dict[str, Any]]:
    """The completed survey session of each imported response, by response id."""
    return {
        record.response_id: {
            "customer_id": customer_ids[record.external_id],
            "survey": record.survey,
            "status": "completed",
            "channel": "import",
            "language": languages.get(customer_ids[record.external_id]),
            "source_ref": record.response_id,
            "save_opportunity": False,
            "created_at": now,
            "updated_at": now,
            "completed_at": record.answered_at,
        }
        for record in records
    }


def _answer_rows(
    records: Sequence[ResponseRecord],
    session_ids: Mapping[str, int],
    customer_ids: Mapping[str, int],
    languages: Mapping[int, str | None],
    now: datetime,
) -> list[dict[str, Any]]:
    """The answers of each imported response, in the session stored for it."""
    rows = []
    for record in records:
        customer_id = customer_ids[record.external_id]
        for question, (score, text, answered_at) in _answer_values(record).items():
            rows.append(
                {
                    "session_id": session_ids[record.response_id],
                    "customer_id": customer_id,
                    "survey": record.survey,
                    "question": question,
                    "score": score,
                    "text": text,
                    "answered_at": answered_at,
                    "channel": "import",
                    "language": languages.get(customer_id),
                    "tags_corrected": False,
                    "created_at": now,
                    "updated_at": now,
                }
            )
    return rows


def _answer_values(record: ResponseRecord) -> dict[str, tuple[int | None, str | None, datetime]]:
    """The answers an imported response stands for: its score and its comment."""
    values: dict[str, tuple[int | None, str | None, datetime]] = {}
    if record.score is not None:
        values["score"] = (record.score, None, record.answered_at)
    if record.comment is not None:
        values["comment"] = (None, record.comment, record.answered_at)
    return values


__all__ = [
    "CustomerImporter",
    "EventImporter",
    "ImportReport",
    "LifecycleRules",
    "ResponseImporter",
]


IMPORTERS: dict[str, type[Importer[Any]]] = {
    "customers": CustomerImporter,
    "events": EventImporter,
    "responses": ResponseImporter,
}


def importer_for(
    kind: str,
    factory: sessionmaker[Session],
    tz: tzinfo,
    on_reject: RejectHandler,
    rules: LifecycleRules | None = None,
) -> Importer[Any]:
    """The importer of one kind of record, as the CSV import and the API both build it."""
    if kind == "events":
        return EventImporter(factory, tz, on_reject, rules=rules)
    return IMPORTERS[kind](factory, tz, on_reject)
