"""Translations → localized Markdown, by splicing into the English text.

Nothing is re-rendered from a tree: the output is the source with each
translated unit's text replaced in place, so list markers, indentation,
table layout, HTML, code, blank lines and line endings stay byte for byte.
A translation that would break the document falls back to English and is
reported.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from .document import Document
from .errors import Diagnostic
from .markdown import ParseContext, scan_inline
from .model import Region, Unit
from .msgid import PLACEHOLDER, fill_placeholders

_UNESCAPED_PIPE = re.compile(r"(?<!\\)\|")
_YAML_NEEDS_QUOTES = re.compile(r"^[\s\[\]{}>|*&!%@`#,?:'\"-]|: | #|\s$")


@dataclass(frozen=True, slots=True)
class Rendered:
    """A rendered document, how many units it translated, and what fell back."""

    text: str
    translated: int
    diagnostics: tuple[Diagnostic, ...] = ()


@dataclass(frozen=True, slots=True)
class Splice:
    """Put `text` where `region` stands; a line feed in it continues after `indent`."""

    region: Region
    indent: str
    text: str


class _Rejected(Exception):
    """A translation that cannot go into the document as it is."""


def _link_targets(text: str, context: ParseContext) -> Counter[str]:
    marks = scan_inline(text, context)
    return Counter(text[mark.start : mark.end] for mark in marks.urls)


def _link_targets_match(unit: Unit, text: str, context: ParseContext) -> bool:
    """Whether a translation links to exactly the English unit's targets."""
    if unit.urls or not PLACEHOLDER.search(unit.msgid):
        english = Counter(unit.urls)
    else:  # the msgid kept its URLs verbatim (see compute_msgid)
        english = _link_targets(unit.msgid, context)
    return _link_targets(text, context) == english


def _quote_yaml(text: str, quote: str) -> str:
    if quote == "'":
        return text.replace("'", "''")
    if quote == '"':
        return text.replace("\\", "\\\\").replace('"', '\\"')
    if _YAML_NEEDS_QUOTES.search(text):
        return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'
    return text


def prepare_translation(unit: Unit, msgstr: str, context: ParseContext) -> str:
    """Return the text that replaces the unit's source text.

    Raises `_Rejected` with a reason when the translation cannot be used.
    """
    try:
        text = fill_placeholders(msgstr, unit.urls)
    except ValueError as error:
        raise _Rejected(str(error)) from None
    if "\n" in text and not unit.allows_line_breaks:
        raise _Rejected(f"a {unit.kind} cannot hold a line break")
    if unit.kind == "front-matter":
        return _quote_yaml(text, unit.quote)
    if unit.kind == "table-cell" and _UNESCAPED_PIPE.search(text):
        raise _Rejected("a table cell cannot hold an unescaped '|'; write '\\|'")
    if not _link_targets_match(unit, text, context):
        raise _Rejected("its link targets differ from the English ones; use the {n} placeholders")
    return text


def splice(doc: Document, splices: Sequence[Splice]) -> str:
    """Replace each region of `doc` with its text, keeping everything else."""
    lines, endings = list(doc.lines), list(doc.endings)
    ordered = sorted(splices, key=lambda s: (s.region.start_line, s.region.start_col), reverse=True)
    for item in ordered:
        region = item.region
        head = lines[region.start_line][: region.start_col]
        tail = lines[region.end_line][region.end_col :]
        pieces = item.text.split("\n")
        bodies = [head + pieces[0], *(item.indent + piece for piece in pieces[1:])]
        bodies[-1] += tail
        newline = endings[region.start_line] or doc.newline
        new_endings = [newline] * (len(pieces) - 1) + [endings[region.end_line]]
        lines[region.start_line : region.end_line + 1] = bodies
        endings[region.start_line : region.end_line + 1] = new_endings
    return doc.bom + "".join(body + ending for body, ending in zip(lines, endings, strict=True))


def render_document(
    doc: Document,
    units: Sequence[Unit],
    translations: Mapping[str, str],
    context: ParseContext,
) -> Rendered:
    """Splice the translations of `units` into `doc`.

    `translations` maps msgid to msgstr and holds only usable entries (not
    fuzzy, not empty). A translation equal to its msgid leaves the source as
    it is, so an identity catalogue renders the source byte for byte.
    """
    splices: list[Splice] = []
    diagnostics: list[Diagnostic] = []
    for unit in units:
        msgstr = translations.get(unit.msgid)
        if not msgstr or msgstr == unit.msgid:
            continue
        try:
            text = prepare_translation(unit, msgstr, context)
        except _Rejected as reason:
            diagnostics.append(
                Diagnostic(doc.path, unit.line, f"translation of {unit.msgid[:40]!r} not used: {reason}")
            )
            continue
        splices.append(Splice(unit.region, unit.indent, text))
    return Rendered(splice(doc, splices), len(splices), tuple(diagnostics))
