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
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass

from .document import Document
from .errors import Diagnostic
from .markdown import ParseContext, scan_inline
from .model import Region, Unit
from .msgid import PLACEHOLDER, apply_edits, fill_placeholders

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
    """Put `text` where `region` stands; a line feed in it continues after `indent`.

    Where two splices start at the same place, the one `first` is applied
    first: a unit's text is replaced before lines are inserted above it.
    """

    region: Region
    indent: str
    text: str
    first: bool = True


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
    """Check a translation and return it with the English URLs in its placeholders.

    Raises `_Rejected` with a reason when the translation cannot be used.
    """
    try:
        text = fill_placeholders(msgstr, unit.urls)
    except ValueError as error:
        raise _Rejected(str(error)) from None
    if "\n" in text and not unit.allows_line_breaks:
        raise _Rejected(f"a {unit.kind} cannot hold a line break")
    if unit.kind == "front-matter":
        return text
    if unit.kind == "table-cell" and _UNESCAPED_PIPE.search(text):
        raise _Rejected("a table cell cannot hold an unescaped '|'; write '\\|'")
    if not _link_targets_match(unit, text, context):
        raise _Rejected("its link targets differ from the English ones; use the {n} placeholders")
    return text


def splice(doc: Document, splices: Sequence[Splice]) -> str:
    """Replace each region of `doc` with its text, keeping everything else."""
    lines, endings = list(doc.lines), list(doc.endings)
    ordered = sorted(splices, key=lambda s: (s.region.start_line, s.region.start_col, s.first), reverse=True)
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


@dataclass(frozen=True, slots=True)
class Accepted:
    """The translations of one document that may go into it, by unit.

    Each text holds the English URLs; `render_accepted` rewrites them for the
    output it writes.
    """

    texts: Mapping[Unit, str]
    diagnostics: tuple[Diagnostic, ...] = ()


@dataclass(frozen=True, slots=True)
class Insertion:
    """Lines to put before source line `line` (0-based); `text` ends with a line feed."""

    line: int
    text: str


def accept_translations(
    path: str, units: Sequence[Unit], translations: Mapping[str, str], context: ParseContext
) -> Accepted:
    """Check each unit's translation; keep the usable ones, report the others.

    `translations` maps msgid to msgstr and holds only usable entries (not
    fuzzy, not empty). A translation equal to its msgid is not kept, so an
    identity catalogue leaves the source as it is.
    """
    texts: dict[Unit, str] = {}
    diagnostics: list[Diagnostic] = []
    for unit in units:
        msgstr = translations.get(unit.msgid)
        if not msgstr or msgstr == unit.msgid:
            continue
        try:
            texts[unit] = prepare_translation(unit, msgstr, context)
        except _Rejected as reason:
            message = f"translation of {unit.msgid[:40]!r} not used: {reason}"
            diagnostics.append(Diagnostic(path, unit.line, message))
    return Accepted(texts, tuple(diagnostics))


def _keep(url: str) -> str:
    return url


def _final_text(unit: Unit, text: str, context: ParseContext, resolve: Callable[[str], str]) -> str:
    """The accepted text with its URLs as this output needs them."""
    if unit.kind == "front-matter":
        return _quote_yaml(text, unit.quote)
    if all(resolve(url) == url for url in unit.urls):
        return text
    marks = scan_inline(text, context)
    return apply_edits(text, [(m.start, m.end, resolve(text[m.start : m.end])) for m in marks.urls])


def render_accepted(
    doc: Document,
    units: Sequence[Unit],
    accepted: Accepted,
    context: ParseContext,
    resolve: Callable[[str], str] = _keep,
    insertions: Sequence[Insertion] = (),
) -> Rendered:
    """Splice accepted translations into `doc`, rewriting every unit's URLs with `resolve`.

    Untranslated units keep their text; only URLs that `resolve` changes are
    replaced in them. `insertions` add whole lines (generated notices).
    """
    splices = [Splice(Region(i.line, 0, i.line, 0), "", i.text, first=False) for i in insertions]
    for unit in units:
        text = accepted.texts.get(unit)
        if text is not None:
            splices.append(Splice(unit.region, unit.indent, _final_text(unit, text, context, resolve)))
            continue
        for url, region in zip(unit.urls, unit.url_regions, strict=False):
            new = resolve(url)
            if new != url:
                splices.append(Splice(region, "", new))
    return Rendered(splice(doc, splices), len(accepted.texts), accepted.diagnostics)


def render_document(
    doc: Document,
    units: Sequence[Unit],
    translations: Mapping[str, str],
    context: ParseContext,
) -> Rendered:
    """Splice the translations of `units` into `doc`, URLs as in the source.

    See `accept_translations` for what `translations` holds.
    """
    accepted = accept_translations(doc.path, units, translations, context)
    return render_accepted(doc, units, accepted, context)
