"""Plain text and Markdown renderings of the digest document.

Text is for terminals and e-mail (no markup, bullets and indentation only); Markdown is
for pasting into a wiki or an issue, with every piece of data escaped so a customer
called `*ACME*` stays a name and not emphasis.
"""

from __future__ import annotations

import re
from collections.abc import Callable

from insights.digest.document import Document, Line, Section, document
from insights.digest.model import Digest

_MD_SPECIAL = re.compile(r"([\\`*_\[\]<>|~#])")


def render_text(digest: Digest) -> str:
    return text_of(document(digest))


def render_markdown(digest: Digest) -> str:
    return markdown_of(document(digest))


def _plain(line: Line) -> str:
    return "".join(span.text for span in line)


def text_of(doc: Document) -> str:
    out = [doc.title, "=" * len(doc.title), _plain(doc.subtitle)]
    for section in doc.sections:
        out += ["", section.title, "-" * len(section.title)]
        out += _text_items(section)
        if section.note:
            out += ["", _plain(section.note)]
    return "\n".join(out) + "\n"


def _text_items(section: Section) -> list[str]:
    lines = []
    width = len(str(len(section.items)))
    for number, item in enumerate(section.items, start=1):
        marker = f"{number:>{width}}." if section.style == "numbered" else "•"
        lines.append(f"{marker} {_plain(item.line)}")
        indent = " " * (len(marker) + 1)
        lines += [indent + _plain(detail) for detail in item.details]
    return lines


def md_escape(text: str) -> str:
    return _MD_SPECIAL.sub(r"\\\1", text)


def render_line(
    line: Line,
    escape: Callable[[str], str],
    bold: tuple[str, str],
    italic: tuple[str, str],
) -> str:
    """A line of spans as marked-up text, for every format the digest is written in.

    Emphasis markers must touch the words (Markdown and Slack's mrkdwn ignore "* x *"), so
    spaces around an emphasised span stay outside its markers; HTML does not mind either way.
    """
    parts = []
    for span in line:
        text = escape(span.text)
        stripped = text.strip()
        if not stripped or not (span.bold or span.italic):
            parts.append(text)
            continue
        lead = text[: len(text) - len(text.lstrip())]
        trail = text[len(text.rstrip()) :]
        opening, closing = bold if span.bold else italic
        parts.append(f"{lead}{opening}{stripped}{closing}{trail}")
    return "".join(parts)


def chat_entries(section: Section, render: Callable[[Line], str], indent: str) -> list[str]:
    """A section as chat-message entries (Slack, Telegram): one per item, details below it."""
    entries = []
    for number, item in enumerate(section.items, start=1):
        marker = f"{number}." if section.style == "numbered" else "•"
        entry = f"{marker} {render(item.line)}"
        for detail in item.details:
            entry += f"\n{indent}{render(detail)}"
        entries.append(entry)
    if section.note:
        entries.append(render(section.note))
    return entries


def _md(line: Line) -> str:
    return render_line(line, md_escape, ("**", "**"), ("_", "_"))


def markdown_of(doc: Document) -> str:
    out = [f"# {md_escape(doc.title)}", "", _md(doc.subtitle)]
    for section in doc.sections:
        out += ["", f"## {md_escape(section.title)}", ""]
        for number, item in enumerate(section.items, start=1):
            marker = f"{number}." if section.style == "numbered" else "-"
            out.append(f"{marker} {_md(item.line)}")
            indent = " " * (len(marker) + 1)
            out += [f"{indent}- {_md(detail)}" for detail in item.details]
        if section.note:
            out += ["", _md(section.note)]
    return "\n".join(out) + "\n"
