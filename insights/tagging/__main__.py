"""`python -m insights.tagging [FILE] [--rules PATH]`: the `retention-bot tag` contract
without the rest of the command line (no settings, database or chat imports), for
pipelines where start-up counts. Same input lines, same JSON output lines."""

from __future__ import annotations

import io
import json
import sys
from collections.abc import Sequence


def main(argv: Sequence[str] | None = None) -> int:
    args = list(sys.argv[1:] if argv is None else argv)
    rules: str | None = None
    if "--rules" in args:
        i = args.index("--rules")
        if i + 1 >= len(args):
            print("error: --rules needs a path", file=sys.stderr)
            return 2
        rules = args[i + 1]
        del args[i : i + 2]
    if args and args[0] in ("-h", "--help"):
        print(__doc__)
        return 0
    path = args[0] if args else "-"

    from .rules import RulesError
    from .stream import FILE_BATCH, tag_lines
    from .tagger import Tagger

    try:
        tagger = Tagger.from_file(rules) if rules else Tagger.default()
    except (RulesError, OSError) as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    try:
        if path == "-":
            stream = io.TextIOWrapper(sys.stdin.buffer, encoding="utf-8", errors="replace")
        else:
            stream = open(path, encoding="utf-8", errors="replace")  # noqa: SIM115
    except OSError as error:
        print(f"error: {path}: {error.strerror or error}", file=sys.stderr)
        return 2
    out = sys.stdout
    streaming = path == "-"  # stdin: answer each line as it comes; a file: buffer output
    with stream:
        for result in tag_lines(stream, tagger, batch=1 if streaming else FILE_BATCH):
            out.write(json.dumps(result, ensure_ascii=False) + "\n")
            if streaming:
                out.flush()
    out.flush()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
