"""Does tagging time grow linearly with a text's length? And what does one huge line cost?

Run from the repository root:

    .venv/bin/python benchmarks/tagging_long_lines.py [--quick]

Part 1 times `Tagger.tag` (CPU seconds, cap lifted so the matcher sees the whole text) on
adversarial texts of length n, 4n and 16n (25,000 / 100,000 / 400,000 characters;
--quick: 5,000 / 20,000 / 80,000): complaints repeated in each language, Chinese with guard
words, '&' phrases in one endless clause, punctuation and number runs, abbreviation-like
tokens. Linear time multiplies by about 4 per step; before the fixes of this benchmark's
commit several kinds multiplied by 14-24 (see docs/tagging.md, "Long texts").

Part 2 runs `retention-bot tag` (a subprocess: start-up and the tagger's load included) on
one short line, one 400,000-character line and one 1,000,000-character line: with the
10,000-character cap the long lines cost about what the short one does.

Exits 1 if any kind grows by more than 8x per 4x of length (noise on a shared machine
allows some slack over 4), or a long line takes more than 3x the short line's wall time.
"""

from __future__ import annotations

import argparse
import itertools
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import insights.tagging.tagger as tagger_module  # noqa: E402
from insights.tagging import Tagger  # noqa: E402

GROWTH_LIMIT = 8.0
CLI_LIMIT = 3.0


def _repeat(unit: str) -> Callable[[int], str]:
    return lambda n: (unit * (n // len(unit) + 1))[:n]


KINDS: dict[str, Callable[[int], str]] = {
    "en complaints": _repeat("Way too expensive, support never answers! "),
    "en, one clause": _repeat("too expensive support never answers price hike slow response "),
    "en '&' phrases": _repeat("price went up and the fee doubled "),
    "ru complaints": _repeat("Очень дорого, поддержка не отвечает! "),
    "uk complaints": _repeat("Дуже дорого, підтримка не відповідає! "),
    "da complaints": _repeat("Alt for dyrt, supporten svarer aldrig! "),
    "zh complaints": _repeat("价格太贵了，客服态度很差！"),
    "zh guard words": _repeat("贵公司太贵"),
    "zh, one clause": _repeat("价格太贵客服态度很差不仅贵公司不贵"),
    "a!a!a! (da regex)": _repeat("a!"),
    "1.1.1. (price regex)": lambda n: "too expensive " + _repeat("1.")(n),
    "1 1 1 (ru/uk regex)": lambda n: "дорого " + _repeat("1 ")(n),
    "!!!! after a word": lambda n: "too expensive" + "!" * n,
    "a.b.|.|. abbreviation": lambda n: "too expensive " + "a." * (n // 4) + "|." * (n // 4),
}


def time_kinds(sizes: tuple[int, int, int]) -> bool:
    tagger = Tagger.default()
    saved = tagger_module.MAX_TEXT_CHARS
    tagger_module.MAX_TEXT_CHARS = 10**9  # measure the matcher, not the cap
    ok = True
    try:
        for make in KINDS.values():  # load lingua's models and the word caches first
            tagger.tag(make(500))
        print(f"{'kind':24s}" + "".join(f"{n:>11,}" for n in sizes) + "   growth per 4x")
        for name, make in KINDS.items():
            times = []
            for n in sizes:
                text = make(n)
                start = time.process_time()
                tagger.tag(text)
                times.append(time.process_time() - start)
            # under 10 ms a ratio is noise: such a kind counts as linear
            growth = [max(b, 0.01) / max(a, 0.01) for a, b in itertools.pairwise(times)]
            worst = max(growth)
            flag = "" if worst <= GROWTH_LIMIT else "  <-- grows faster than linear"
            ok = ok and worst <= GROWTH_LIMIT
            print(
                f"{name:24s}"
                + "".join(f"{t:10.3f}s" for t in times)
                + "   "
                + " ".join(f"{g:4.1f}x" for g in growth)
                + flag
            )
    finally:
        tagger_module.MAX_TEXT_CHARS = saved
    return ok


def time_cli() -> bool:
    line = "Way too expensive, support never answers! "
    cases = [
        ("one short line", line),
        ("400,000 characters", _repeat(line)(400_000)),
        ("1,000,000 characters", _repeat(line)(1_000_000)),
    ]
    walls: list[float] = []
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "in.txt"
        for name, text in cases:
            path.write_text(text + "\n", encoding="utf-8")
            start = time.perf_counter()
            done = subprocess.run(
                [sys.executable, "-m", "bot", "tag", str(path)],
                cwd=folder,
                capture_output=True,
                text=True,
                env={"PYTHONPATH": str(ROOT), "PATH": "/usr/bin:/bin"},
            )
            walls.append(time.perf_counter() - start)
            if done.returncode != 0:
                print(f"retention-bot tag, {name}: exit {done.returncode}\n{done.stderr[-2000:]}")
                return False
            cut = "  (truncated)" if '"truncated": true' in done.stdout else ""
            print(f"retention-bot tag, {name:22s} {walls[-1]:6.2f} s{cut}")
    return all(wall <= CLI_LIMIT * walls[0] for wall in walls)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="5,000-80,000 characters")
    args = parser.parse_args()
    sizes = (5_000, 20_000, 80_000) if args.quick else (25_000, 100_000, 400_000)
    linear = time_kinds(sizes)
    cli = time_cli()
    print("linear growth:", "met" if linear else "MISSED")
    print(f"long lines within {CLI_LIMIT:g}x one short line:", "met" if cli else "MISSED")
    return 0 if linear and cli else 1


if __name__ == "__main__":
    sys.exit(main())
