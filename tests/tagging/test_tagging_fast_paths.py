"""The shortcuts taken for speed change no result: the featurizer's per-word cache, tagging
without explanations (what `tag_lines` prints has none), and `retention-bot tag` loading
only its own command (no SQLAlchemy, Slack or scipy at start-up)."""

from __future__ import annotations

import json
import subprocess
import sys
from collections import Counter
from pathlib import Path

import click
import pytest

from bot.cli import COMMANDS, main
from insights.tagging import Tagger
from insights.tagging.model import load_shipped

REPO = Path(__file__).resolve().parents[2]

TEXTS = [
    ("Support never answers and the app keeps crashing, crashing, crashing", "en"),
    ("Поддержка не отвечает, списали деньги дважды", "ru"),
    ("Менеджер не передзвонив; ціни завищені — жах", "uk"),
    ("前台服务态度很差，房间很脏", "zh"),
    ("Rigtig dårlig kundeservice, og alt for dyrt", "da"),
]


@pytest.mark.parametrize(("text", "lang"), TEXTS)
def test_cached_word_columns_equal_the_plain_n_grams(text: str, lang: str) -> None:
    model = load_shipped(lang)
    assert model is not None
    feat = model.featurizer
    low = text.lower()
    expected: Counter[int] = Counter()
    for block in feat.blocks:
        lookup = {t: block.offset + j for t, j in block.vocabulary.items()}
        expected.update(lookup[t] for t in block.terms(low) if t in lookup)
    for _ in range(2):  # cold cache, then warm
        cols, vals = feat.transform(text)
        assert set(cols) == set(expected)
        assert len(cols) == len(set(cols)) and all(v > 0 for v in vals)


@pytest.mark.parametrize(("text", "lang"), TEXTS)
def test_tagging_without_explanations_gives_the_same_result(text: str, lang: str) -> None:
    tagger = Tagger.default()
    full = tagger.tag(text, lang=lang)
    quick = tagger.tag(text, lang=lang, explain=False)
    assert quick.to_json() == full.to_json()
    assert [t.reason for t in quick.tags] == [t.reason for t in full.tags]
    assert all(not t.evidence for t in quick.tags)


def test_every_command_is_listed_for_lazy_loading() -> None:
    ctx = click.Context(main)
    names = main.list_commands(ctx)
    assert names == sorted(COMMANDS)
    for name in names:
        command = main.get_command(ctx, name)
        assert command is not None and command.name == name
    assert sorted(main.commands) == sorted(COMMANDS)  # nothing registered that is not listed


def test_retention_bot_tag_starts_without_database_or_chat_imports(tmp_path: Path) -> None:
    path = tmp_path / "lines.txt"
    path.write_text("The app keeps crashing\n", encoding="utf-8")
    code = (
        "import sys\n"
        "from bot.cli import main\n"
        "try:\n"
        f"    main(['tag', {str(path)!r}])\n"
        "except SystemExit:\n"
        "    pass\n"
        "heavy = ('sqlalchemy', 'slack_bolt', 'telegram', 'aiohttp', 'scipy', 'matplotlib')\n"
        "print([m for m in heavy if m in sys.modules], file=sys.stderr)\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", code], cwd=REPO, capture_output=True, text=True, check=True
    )
    assert json.loads(done.stdout.splitlines()[0])["reasons"][0] == "bugs"
    assert done.stderr.strip().splitlines()[-1] == "[]"
