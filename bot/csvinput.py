"""Reading CSV files the way spreadsheets and other tools write them.

UTF-8 with or without a byte-order mark, any line endings, quoted fields spanning lines.
Rows come out with the line number a person would look at in an editor (the header is
line 1), and the byte position feeds a progress bar, so a file of any size streams.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

from storage.errors import UserError


class CsvFormatError(UserError):
    """The file as a whole cannot be read (missing columns, not UTF-8, not CSV)."""


@dataclass(frozen=True)
class CsvHeader:
    columns: list[str]
    unknown: list[str]


def open_rows(
    stream: BinaryIO,
    name: str,
    required: Sequence[str],
    optional: Sequence[str] = (),
    on_bytes: Callable[[int], None] | None = None,
) -> tuple[CsvHeader, Iterator[tuple[int, dict[str, str]]]]:
    """Validate the header now; return it and a lazy iterator of (line, row) pairs."""
    # The wrapper is detached, never closed, on every path: the caller owns `stream`
    # (which may be stdin), and an undetached wrapper warns when it is collected.
    text = io.TextIOWrapper(stream, encoding="utf-8-sig", newline="")
    reader = csv.reader(text)
    try:
        header = next(reader, None)
    except UnicodeDecodeError as error:
        text.detach()
        raise CsvFormatError(
            f"{name}: not UTF-8 text ({error.reason}); save the file as UTF-8"
        ) from None
    except csv.Error as error:
        text.detach()
        raise CsvFormatError(f"{name}: cannot read the header: {error}") from None
    if not header:
        text.detach()
        raise CsvFormatError(f"{name}: the file is empty (expected a header row)")
    columns = [column.strip().lower() for column in header]
    missing = [column for column in required if column not in columns]
    if missing:
        text.detach()
        raise CsvFormatError(
            f"{name}: missing column(s) {', '.join(missing)}; "
            f"expected {','.join([*required, *optional])}"
        )
    known = {*required, *optional}
    unknown = [column for column in columns if column and column not in known]

    def rows() -> Iterator[tuple[int, dict[str, str]]]:
        try:
            for count, values in enumerate(reader):
                if on_bytes is not None and count % 512 == 0:
                    on_bytes(stream.tell())
                if not any(value.strip() for value in values):
                    continue
                row = dict(zip(columns, values, strict=False))
                if len(values) > len(columns):
                    row["__extra__"] = "1"
                yield reader.line_num, row
        except UnicodeDecodeError as error:
            raise CsvFormatError(
                f"{name}: line {reader.line_num + 1}: not UTF-8 text ({error.reason}); "
                "save the file as UTF-8"
            ) from None
        except csv.Error as error:
            raise CsvFormatError(f"{name}: line {reader.line_num}: {error}") from None
        finally:
            text.detach()

    return CsvHeader(columns, unknown), rows()


def file_size(path: Path) -> int:
    try:
        return path.stat().st_size
    except OSError:
        return 0
