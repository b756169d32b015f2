"""Reading an API request body: JSON, one record or a list of them, within size limits.

Numbers are read as `Decimal` so an MRR of 19.99 reaches the validator as 19.99, not as
the float 19.989999...; integers too, so that one record's 5,000-digit number is refused
with that record (Python's int parser would refuse the whole body). Every record is then
checked by `insights.records`, the same parser the CSV import uses. Problems with the body
as a whole (not JSON, too big, not an object or a list) are `BodyError`s, answered before
any record is looked at.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from decimal import Decimal
from typing import Any

from starlette.requests import Request

from handlers.body_limit import BodyTooLarge, read_limited

BYTES_PER_RECORD = 4096  # generous: a customer or event is a few hundred bytes


class BodyError(Exception):
    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.message = message


async def read_records(request: Request, max_records: int) -> list[Any]:
    """The request's records, a single object being a batch of one."""
    content_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if content_type != "application/json":
        raise BodyError(415, "send JSON with Content-Type: application/json")
    limit = max(1 << 20, max_records * BYTES_PER_RECORD)
    try:
        body = await read_limited(request, limit)
    except BodyTooLarge:
        message = f"the body is larger than {limit} bytes; send smaller batches"
        raise BodyError(413, message) from None
    try:
        data = json.loads(body, parse_float=Decimal, parse_int=Decimal)
    except (ValueError, RecursionError) as error:
        raise BodyError(400, f"the body is not valid JSON: {error}") from None
    if isinstance(data, Mapping):
        return [data]
    if not isinstance(data, list):
        raise BodyError(400, "the body must be a JSON object (one record) or an array of them")
    if not data:
        raise BodyError(400, "the batch is empty")
    if len(data) > max_records:
        raise BodyError(
            413, f"the batch has {len(data)} records; at most {max_records} per request"
        )
    return data


def unknown_fields(records: Sequence[Any], known: Sequence[str]) -> list[str]:
    """Field names no record type has, sorted: reported once per request, then ignored."""
    names = {name for record in records if isinstance(record, Mapping) for name in record}
    return sorted(str(name) for name in names - set(known))
