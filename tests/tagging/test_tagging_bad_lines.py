"""`tag_lines` and `retention-bot tag` on lines nobody should send, and do.

The contract (docs/tagging.md): exactly one JSON object per input line, in order; a bad
line gives {"error", "line"} and the run continues. An attacker-style review broke it:
a line of deeply nested JSON raised RecursionError (every later line lost), a lone CR cut
an answer in two, a 1,000,000-character line never finished. Property tests then feed
arbitrary text, JSON and bytes through the function and through the CLI.
"""

from __future__ import annotations

import json
import string
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bot.cli import main
from insights.tagging import Tagger, tag_lines
from insights.tagging.stream import MAX_JSON_DEPTH, json_depth_exceeds
from insights.tagging.tagger import MAX_TEXT_CHARS

KEYS = {"text", "lang", "sentiment", "label", "reasons", "rules"}


@pytest.fixture(scope="module")
def tagger() -> Tagger:
    return Tagger.default()


def _tag(lines: list[str], tagger: Tagger) -> list[dict[str, Any]]:
    return list(tag_lines(lines, tagger))


# --- length ---------------------------------------------------------------------------


def test_a_million_character_line_is_tagged_on_its_first_ten_thousand(tagger: Tagger) -> None:
    line = "Way too expensive, support never answers! " * 24_000  # 1,008,000 characters
    (plain, as_json) = _tag([line + "\n", json.dumps({"text": line}) + "\n"], tagger)
    for out in (plain, as_json):
        assert out["truncated"] is True
        assert out["text"] == line[:MAX_TEXT_CHARS]
        assert out["reasons"] == ["price", "support"]
        assert set(out) == KEYS | {"truncated"}


def test_only_the_first_ten_thousand_characters_count(tagger: Tagger) -> None:
    text = "The service is okay. " * 500 + "Support never replied."  # the complaint past the cap
    assert len(text) > MAX_TEXT_CHARS
    (out,) = _tag([text], tagger)
    assert out["truncated"] is True and out["reasons"] == []


def test_a_text_of_exactly_the_cap_keeps_the_usual_shape(tagger: Tagger) -> None:
    text = ("Support never replied. " * 500)[:MAX_TEXT_CHARS]
    (out,) = _tag([text], tagger)
    assert set(out) == KEYS and out["text"] == text


# --- JSON nesting and numbers -----------------------------------------------------------


def _nested(depth: int) -> str:
    """A JSON line whose deepest value sits `depth` levels down (the object is level 1)."""
    inner = depth - 1
    return '{"text": "too expensive", "x": ' + "[" * inner + "]" * inner + "}"


def test_deep_nesting_is_a_line_error_and_the_run_continues(tagger: Tagger) -> None:
    lines = ["first: too expensive", _nested(100_000), "third: support never answers"]
    out = _tag(lines, tagger)
    assert len(out) == 3
    assert out[0]["reasons"] == ["price"]
    assert out[1] == {
        "error": f"invalid JSON: nested deeper than {MAX_JSON_DEPTH} levels",
        "line": 2,
    }
    assert out[2]["reasons"] == ["support"]


def test_the_depth_limit_is_exact(tagger: Tagger) -> None:
    at_limit, over = _tag([_nested(MAX_JSON_DEPTH), _nested(MAX_JSON_DEPTH + 1)], tagger)
    assert at_limit["reasons"] == ["price"]
    assert over["line"] == 2 and "nested deeper" in over["error"]


@pytest.mark.parametrize(
    ("line", "too_deep"),
    [
        ('{"text": "' + "[" * 200 + '"}', False),  # brackets inside a string are text
        ('{"text": "a \\" ' + "[" * 200 + '"}', False),  # an escaped quote does not end it
        ('{"text": "a \\\\", "x": ' + "[" * 100 + "]" * 100 + "}", True),  # "\\" then a quote
        ("{" * 65, True),
        ("{" * 64, False),
    ],
)
def test_depth_scan_reads_strings_and_escapes(line: str, too_deep: bool) -> None:
    assert json_depth_exceeds(line) is too_deep


def test_a_number_too_long_to_convert_is_a_line_error(tagger: Tagger) -> None:
    lines = ['{"text": "ok", "score": ' + "9" * 5000 + "}", "too expensive"]
    out = _tag(lines, tagger)
    assert out[0] == {"error": "invalid JSON: a number is too long", "line": 1}
    assert out[1]["reasons"] == ["price"]


# --- line ends and odd characters -------------------------------------------------------


def test_a_lone_cr_is_part_of_the_line(tagger: Tagger) -> None:
    out = _tag(["too expensive\rand support never answers\n", "second\r\n", "third\r"], tagger)
    assert [o["text"] for o in out] == [
        "too expensive\rand support never answers",
        "second",
        "third\r",
    ]
    assert out[0]["reasons"] == ["price", "support"]


def test_lone_surrogates_from_json_escapes_become_replacement_characters(tagger: Tagger) -> None:
    (out,) = _tag(['{"text": "\\ud800 way too expensive \\udfff"}'], tagger)
    assert out["text"] == "\ufffd way too expensive \ufffd"
    assert out["reasons"] == ["price"]


def test_nul_characters_are_text(tagger: Tagger) -> None:
    (out,) = _tag(["too\x00expensive \x00 way too expensive"], tagger)
    assert out["reasons"] == ["price"]


# --- the CLI ------------------------------------------------------------------------------


def _cli(data: bytes, tmp_path: Path) -> tuple[list[dict[str, Any]], Any]:
    path = tmp_path / "lines.txt"
    path.write_bytes(data)
    result = CliRunner().invoke(main, ["tag", str(path)])
    assert result.exception is None, result.exception
    assert result.exit_code == 0
    assert result.stderr == ""
    out = result.stdout
    assert out.endswith("\n") or out == ""
    return [json.loads(line) for line in out.split("\n")[:-1]], result


def test_cli_keeps_a_lone_cr_inside_its_line(tmp_path: Path) -> None:
    out, _ = _cli(b"too expensive\rand support never answers\nsecond\r\n", tmp_path)
    assert [o["text"] for o in out] == ["too expensive\rand support never answers", "second"]


def test_cli_survives_deep_nesting_and_tags_every_later_line(tmp_path: Path) -> None:
    later = [f"line {n}: too slow" for n in range(3, 9)]
    lines = ["first: too expensive", _nested(100_000), *later]
    out, _ = _cli(("\n".join(lines) + "\n").encode(), tmp_path)
    assert len(out) == 8
    assert out[1]["line"] == 2 and "nested deeper" in out[1]["error"]
    assert [o["text"] for o in out[2:]] == lines[2:]


def test_cli_tags_a_million_character_line(tmp_path: Path) -> None:
    line = "Way too expensive, support never answers! " * 24_000
    out, _ = _cli((line + "\nshort and too expensive\n").encode(), tmp_path)
    assert len(out) == 2
    assert out[0]["truncated"] is True and len(out[0]["text"]) == MAX_TEXT_CHARS
    assert out[1]["text"] == "short and too expensive" and "truncated" not in out[1]


def test_cli_skips_a_byte_order_mark_and_replaces_bad_bytes(tmp_path: Path) -> None:
    out, _ = _cli(b'\xef\xbb\xbf{"text": "too expensive"}\nbad \xff\xfe bytes\n', tmp_path)
    assert out[0]["text"] == "too expensive"  # read as JSON, not as text starting with U+FEFF
    assert out[1]["text"] == "bad \ufffd\ufffd bytes"


# --- properties ---------------------------------------------------------------------------

PROPERTY = settings(
    max_examples=60,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)

_ANY_CHAR = st.characters(codec=None, exclude_characters="\n")  # surrogates, NUL, CR included
_WORDS = st.sampled_from(
    ["too expensive", "дорого", "太贵了", "support", "\r", "\x00", "\ud800", "{", "[", '"', " "]
)
_PLAIN = st.one_of(
    st.text(_ANY_CHAR, max_size=40),
    st.lists(_WORDS, max_size=12).map("".join),
)
_JSON_VALUE = st.recursive(
    st.none() | st.booleans() | st.floats() | st.integers() | st.text(_ANY_CHAR, max_size=10),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=5), inner),
    max_leaves=12,
)


@st.composite
def _json_line(draw: st.DrawFn) -> str:
    obj: dict[str, Any] = {}
    if draw(st.booleans()):
        obj["text"] = draw(st.one_of(_PLAIN, _JSON_VALUE))
    for key in ("lang", "score", "survey"):
        if draw(st.booleans()):
            obj[key] = draw(
                st.one_of(_JSON_VALUE, st.sampled_from(["en", "nps", "csat", 0, 7, 10, 11]))
            )
    obj["extra"] = draw(_JSON_VALUE)
    line = json.dumps(obj, ensure_ascii=draw(st.booleans()))
    kind = draw(st.sampled_from(["as is", "deep", "long number", "cut"]))
    if kind == "deep":
        depth = draw(st.integers(1, 3000))
        line = line[:-1] + ', "deep": ' + "[" * depth + "]" * depth + "}"
    elif kind == "long number":
        line = line[:-1] + ', "n": ' + "9" * draw(st.integers(1, 6000)) + "}"
    elif kind == "cut":
        line = line[: draw(st.integers(0, len(line)))]
    return line


_LINE = st.one_of(_PLAIN, _json_line())
_ENDING = st.sampled_from(["", "\n", "\r\n"])


def _line_of(raw: str) -> str:
    """What the contract reads as the line: without its "\\n" or "\\r\\n" only."""
    if raw.endswith("\n"):
        raw = raw[:-1].removesuffix("\r")
    return raw


def _expected_text(line: str) -> str | None:
    """The text a line's result must carry, or None when the line must be an error."""
    stripped = line.strip()
    if not stripped:
        return None
    if stripped.startswith("{"):
        if json_depth_exceeds(stripped):
            return None
        try:
            obj = json.loads(stripped)
        except (ValueError, RecursionError):
            return None
        text = obj.get("text") if isinstance(obj, dict) else None
        if not isinstance(text, str) or not text.strip():
            return None
    else:
        text = line
    text = text[:MAX_TEXT_CHARS]
    return "".join("\ufffd" if "\ud800" <= c <= "\udfff" else c for c in text)


def _check_in_order(lines: list[str], out: list[dict[str, Any]]) -> None:
    assert len(out) == len(lines)
    for n, (line, result) in enumerate(zip(lines, out, strict=True), start=1):
        if "error" in result:
            assert set(result) == {"error", "line"} and result["line"] == n
            assert isinstance(result["error"], str) and result["error"]
            continue
        assert set(result) in (KEYS, KEYS | {"truncated"})
        assert result["text"] == _expected_text(line), n


@PROPERTY
@given(st.lists(st.tuples(_LINE, _ENDING), max_size=6))
def test_any_lines_give_one_result_each_in_order(lines: list[tuple[str, str]]) -> None:
    raw = [line + ending for line, ending in lines]
    out = list(tag_lines(raw, Tagger.default()))
    _check_in_order([_line_of(r) for r in raw], out)
    json.dumps(out)  # all serialisable (ensure_ascii: surrogates would be escaped, none left)


def _file_lines(data: bytes) -> list[str]:
    """The lines of a file as the CLI must read them: UTF-8 (bad bytes as U+FFFD), a
    leading byte-order mark skipped, split at "\\n" only."""
    text = data.decode("utf-8", "replace").removeprefix("\ufeff")
    return [_line_of(piece + "\n") for piece in text.split("\n")[:-1]]


@PROPERTY
@given(st.lists(st.tuples(_LINE, _ENDING), min_size=1, max_size=5))
def test_any_file_through_the_cli(tmp_path: Path, lines: list[tuple[str, str]]) -> None:
    # a surrogate's bytes are not UTF-8: the CLI reads them as U+FFFD
    data = "".join(line + (ending or "\n") for line, ending in lines).encode(
        "utf-8", "surrogatepass"
    )
    out, _ = _cli(data, tmp_path)
    _check_in_order(_file_lines(data), out)


@PROPERTY
@given(st.lists(st.binary(max_size=60), max_size=6).map(lambda parts: b"\n".join(parts) + b"\n"))
def test_any_bytes_through_the_cli(tmp_path: Path, data: bytes) -> None:
    out, _ = _cli(data, tmp_path)
    _check_in_order(_file_lines(data), out)


def test_printable_json_lines_round_trip() -> None:
    """A plain ASCII corpus, as a sanity check of `_expected_text` itself."""
    lines = [f"{word} is too expensive" for word in string.ascii_letters[:5]]
    out = list(tag_lines(lines, Tagger.default()))
    _check_in_order(lines, out)
