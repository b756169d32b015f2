"""`.env.example` documents every setting: a new setting without a line there fails here."""

from __future__ import annotations

import re
from pathlib import Path

from config import VARIABLES

ENV_EXAMPLE = Path(__file__).resolve().parent.parent / ".env.example"


def test_every_setting_is_in_env_example_with_a_comment():
    text = ENV_EXAMPLE.read_text(encoding="utf-8")
    lines = text.splitlines()
    for name in VARIABLES:
        variable = name.upper()
        pattern = re.compile(rf"^#?\s*{variable}=")
        positions = [i for i, line in enumerate(lines) if pattern.match(line)]
        assert positions, f"{variable} is missing from .env.example"
        first = positions[0]
        assert lines[first - 1].startswith("#"), f"{variable} needs a comment line above it"


def test_env_example_holds_no_secret_values():
    for line in ENV_EXAMPLE.read_text(encoding="utf-8").splitlines():
        if re.match(r"^[A-Z_]*(TOKEN|SECRET|KEYS?)=", line):
            assert line.split("=", 1)[1] == "", f"{line} must be left empty"
