"""Throughput of `retention-bot tag` against TextBlob's and VADER's own polarity, as whole
processes (start-up included), plus start-up alone and time against text length.

Run:  .venv/bin/python benchmarks/tagging_speed.py [--runs 5] [--n 20000]

The texts: English airline tweets and NPS verbatims from the shared data, cycled to N lines,
written to a temporary file (never into the repository). Each contender is one process
started from scratch that reads the file and scores every line:

* ours:     `retention-bot tag FILE > /dev/null` (rules + learned model, JSON out), and
            `python -m insights.tagging FILE` (the same contract without the CLI's imports)
* TextBlob: `python -c "... TextBlob(line).sentiment.polarity ..."`
* VADER:    `python -c "... SentimentIntensityAnalyzer().polarity_scores(line) ..."`

Every process is timed by wall clock and by its own CPU time (user + sys, from wait4):
on a shared machine the CPU time is the fairer number, wall time is what a user waits.
The median of --runs runs is reported, and ours / TextBlob as a ratio.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from benchmarks import tagger_data as D  # noqa: E402

TEXTBLOB = (
    "import sys\n"
    "from textblob import TextBlob\n"
    "with open(sys.argv[1], encoding='utf-8') as fh:\n"
    "    out = [TextBlob(line.rstrip('\\n')).sentiment.polarity for line in fh]\n"
    "print(len(out))\n"
)
VADER = (
    "import sys\n"
    "from vaderSentiment.vaderSentiment import SentimentIntensityAnalyzer\n"
    "an = SentimentIntensityAnalyzer()\n"
    "with open(sys.argv[1], encoding='utf-8') as fh:\n"
    "    out = [an.polarity_scores(line.rstrip('\\n'))['compound'] for line in fh]\n"
    "print(len(out))\n"
)
STARTUP = (
    "from insights.tagging import Tagger\n"
    "Tagger.default().tag('The app keeps crashing and support never answers', lang='en')\n"
)


def english_texts(n: int) -> list[str]:
    pool = [" ".join(r.text.split()) for r in D.airline()] + [
        " ".join(r.text.split()) for r in D.nps()
    ]
    pool = [t for t in pool if t and not t.startswith("{")]
    return [pool[i % len(pool)] for i in range(n)]


def run(cmd: Sequence[str]) -> tuple[float, float]:
    """(wall seconds, CPU seconds of the process and its children)."""
    t0 = time.perf_counter()
    with open(os.devnull, "w") as null:
        proc = subprocess.Popen(list(cmd), cwd=REPO, stdout=null, stderr=subprocess.PIPE)
        _, status, usage = os.wait4(proc.pid, 0)
    wall = time.perf_counter() - t0
    if status != 0:
        raise RuntimeError(
            f"{cmd[:3]} failed: {proc.stderr.read().decode() if proc.stderr else ''}"
        )
    return wall, usage.ru_utime + usage.ru_stime


def length_scaling() -> list[tuple[int, float]]:
    """Seconds per 1,000 characters for one text repeated 1, 10, 100, 1000 times."""
    from insights.tagging import Tagger

    tagger = Tagger.default()
    base = "The engineer never came, the router keeps dropping and I was charged twice. "
    tagger.tag(base, lang="en")
    out = []
    for k in (1, 10, 100, 1000):
        text = base * k
        reps = max(1, 200 // k)
        t0 = time.process_time()
        for _ in range(reps):
            tagger.tag(text, lang="en")
        per = (time.process_time() - t0) / reps
        out.append((len(text), per / len(text) * 1000))
    return out


def main(argv: Sequence[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument("--n", type=int, default=20000)
    args = ap.parse_args(argv)
    exe = Path(sys.executable)
    cli = exe.parent / "retention-bot"
    texts = english_texts(args.n)
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "texts.txt"
        path.write_text("\n".join(texts) + "\n", encoding="utf-8")
        one = Path(tmp) / "one.txt"
        one.write_text(texts[0] + "\n", encoding="utf-8")
        contenders = {
            "retention-bot tag": [str(cli), "tag", str(path)],
            "python -m insights.tagging": [str(exe), "-m", "insights.tagging", str(path)],
            "TextBlob polarity": [str(exe), "-c", TEXTBLOB, str(path)],
            "VADER compound": [str(exe), "-c", VADER, str(path)],
            "start-up: import + Tagger.default() + one tag": [str(exe), "-c", STARTUP],
            "start-up: retention-bot tag, one line": [str(cli), "tag", str(one)],
            "start-up: python -m insights.tagging, one line": [
                str(exe),
                "-m",
                "insights.tagging",
                str(one),
            ],
        }
        results: dict[str, list[tuple[float, float]]] = {k: [] for k in contenders}
        for _ in range(args.runs):  # interleaved, so a busy moment hits every contender
            for name, cmd in contenders.items():
                results[name].append(run(cmd))
    print(
        f"# {len(texts)} English texts, avg {sum(map(len, texts)) / len(texts):.0f} chars; "
        f"median of {args.runs} runs; load average {os.getloadavg()[0]:.1f}"
    )
    print("| process | wall s | CPU s | texts/s (wall) | texts/s (CPU) |")
    print("|---|---|---|---|---|")
    med: dict[str, tuple[float, float]] = {}
    for name, res in results.items():
        wall = statistics.median(w for w, _ in res)
        cpu = statistics.median(c for _, c in res)
        med[name] = (wall, cpu)
        if name.startswith("start-up"):
            print(f"| {name} | {wall:.2f} | {cpu:.2f} | – | – |")
        else:
            print(
                f"| {name} | {wall:.2f} | {cpu:.2f} | {len(texts) / wall:,.0f} | "
                f"{len(texts) / cpu:,.0f} |"
            )
    tb, vd = med["TextBlob polarity"], med["VADER compound"]
    print()
    for name in ("retention-bot tag", "python -m insights.tagging"):
        ours = med[name]
        print(
            f"{name} / TextBlob throughput: wall {tb[0] / ours[0]:.2f}x, "
            f"CPU {tb[1] / ours[1]:.2f}x; / VADER: wall {vd[0] / ours[0]:.2f}x, "
            f"CPU {vd[1] / ours[1]:.2f}x"
        )
    print("\n| text length (chars) | CPU ms per 1,000 chars |")
    print("|---|---|")
    for n_chars, ms in length_scaling():
        print(f"| {n_chars:,} | {ms * 1000:.2f} |")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
