"""Real customer texts by stable id, read from ../shared/data (never copied into the repo).

Each labelled text is stored in `benchmarks/labels/*.jsonl` by its id only; this module turns
an id back into its text, so anyone with the shared data can rebuild the labelled sets. Ids
are stable under row removal: a data set's own id column where it has one, otherwise the
first 12 hex digits of the SHA-1 of the row's text (with its date, where rows can repeat).
"""

from __future__ import annotations

import csv
import hashlib
import os
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path


def _default_data() -> Path:
    """``shared/data`` beside the repository (a checkout or a worktree one level deeper)."""
    here = Path(__file__).resolve()
    for parent in here.parents[2:5]:
        if (parent / "shared" / "data").is_dir():
            return parent / "shared" / "data"
    return here.parents[3] / "shared" / "data"


DATA = Path(os.environ.get("SHARED_DATA") or os.environ.get("SHARED_DATA_DIR") or _default_data())
LANGS = ("en", "ru", "uk", "zh")


@dataclass(frozen=True)
class SourceText:
    id: str
    lang: str
    text: str
    source_label: str  # the data set's own label (score, polarity); never shown to annotators


def text_key(text: str) -> str:
    """Texts that differ only in spacing and case are the same text ("0", "see above")."""
    return " ".join(text.split()).lower()


def _digest(*parts: str) -> str:
    return hashlib.sha1("\x1f".join(parts).encode("utf-8")).hexdigest()[:12]


def _rows(path: Path) -> Iterator[dict[str, str]]:
    with path.open(encoding="utf-8-sig", newline="") as handle:
        yield from csv.DictReader(handle)


def english() -> Iterator[SourceText]:
    for row in _rows(DATA / "nps-verbatims-telecom" / "nps_verbatims.csv"):
        text = (row.get("text") or "").strip()
        if text:
            key = _digest(row["CUSTOMER_RESPONSE_DATE"], text)
            yield SourceText(f"nps:{key}", "en", text, row.get("NPS_SCORE") or "")


def russian() -> Iterator[SourceText]:
    folder = DATA / "ru-sentirueval2016-telecom-banks"
    for name, prefix in (("tkk_test_etalon.csv", "tkk"), ("banks_test_etalon.csv", "banks")):
        for row in _rows(folder / name):
            text = (row.get("text") or "").strip()
            if not text:
                continue
            skip = {"id", "twitid", "date", "text"}
            marks = {v for k, v in row.items() if k not in skip and v != "NULL"}
            yield SourceText(f"{prefix}:{row['id']}", "ru", text, ",".join(sorted(marks)))


def ukrainian() -> Iterator[SourceText]:
    for row in _rows(DATA / "uk-online-store-reviews" / "uk_online_store_reviews.csv"):
        text = (row.get("text") or "").strip()
        if text:
            yield SourceText(f"uk:{row['file']}", "uk", text, row["label"])


def chinese() -> Iterator[SourceText]:
    for row in _rows(DATA / "zh-chnsenticorp-hotel" / "ChnSentiCorp_htl_all.csv"):
        text = (row.get("review") or "").strip()
        if text:
            yield SourceText(f"htl:{_digest(text)}", "zh", text, row["label"])


READERS = {"en": english, "ru": russian, "uk": ukrainian, "zh": chinese}


def texts(lang: str) -> dict[str, SourceText]:
    """Every text of a language's source set by id (the first of exact duplicates wins)."""
    found: dict[str, SourceText] = {}
    for item in READERS[lang]():
        found.setdefault(item.id, item)
    return found
