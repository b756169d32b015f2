"""The same text gets the same tags in every process.

Python randomises string hashing per process (PYTHONHASHSEED), so anything that takes
"the first" element of a set can differ from one run of the bot to the next. Tagging
must not: a retag would flip labels, and the evaluation numbers would wobble.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

FEEDBACK = Path(__file__).resolve().parents[1] / "data" / "feedback"
SCRIPT = """
import json, sys
from insights.tagging import Tagger
tagger = Tagger.default()
for line in open(sys.argv[1], encoding="utf-8"):
    row = json.loads(line)
    for lang in (row["lang"], None):
        result = tagger.tag(row["text"], lang=lang)
        print(json.dumps([result.label, result.sentiment, result.reasons, result.lang]))
"""


def _tags(seed: str, path: Path) -> list[object]:
    env = {**os.environ, "PYTHONHASHSEED": seed}
    out = subprocess.run(
        [sys.executable, "-c", SCRIPT, str(path)],
        env=env, capture_output=True, text=True, check=True, timeout=300,
    )  # fmt: skip
    return [json.loads(line) for line in out.stdout.splitlines()]


def test_tags_do_not_depend_on_the_hash_seed() -> None:
    path = FEEDBACK / "dev2.jsonl"
    first = _tags("1", path)
    assert len(first) > 500
    for seed in ("2", "3"):
        assert _tags(seed, path) == first
