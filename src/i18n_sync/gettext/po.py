"""Reading PO files strictly, as msgfmt reads them, with ``path:line:col`` errors.

Why not polib: polib 1.2.0 reads several malformed files without a word and
changes their content (an unterminated string loses its last character, an
entry without msgstr merges into the next, ``msgstr[10]`` reads as
``msgstr[1]``, ``\\x61`` is not decoded, the charset is guessed from the first
``charset=`` anywhere), and its writer does not lay files out as msgcat does,
so every round trip through GNU tools, Poedit or Weblate would rewrite whole
files. Validating before trusting it would mean parsing twice; this module
parses once, strictly, and reports ``path:line:col`` in the style of msgfmt.

This is the entry the package imports: it makes a `Catalog` (and a `Layout`)
of what the line-level reader, `po_read`, finds, and checks the file as a
whole (its header, charset and unique keys). The writer is `po_write`
(`format_po`, re-exported here for the callers that read and write).
"""

from __future__ import annotations

from collections.abc import Sequence

from i18n_sync.errors import CatalogError, Diagnostic
from i18n_sync.gettext.po_read import Entry, Reader, to_message
from i18n_sync.gettext.po_text import (
    check_charset,
    decode_po,
    format_reference,
    normalise_line_endings,
    split_references,
)
from i18n_sync.gettext.po_write import format_po, plainly_unique
from i18n_sync.model import Catalog, Message
from i18n_sync.record import record

__all__ = [
    "Layout",
    "decode_po",
    "format_po",
    "format_reference",
    "parse_po",
    "parse_po_layout",
    "parse_po_with_warnings",
    "split_references",
    "translations_of",
]


def _header_fields(entry: Entry, path: str) -> tuple[tuple[str, str], ...]:
    if entry.extracted or entry.references or entry.previous:
        raise CatalogError(
            "the header entry has '#.', '#:' or '#|' lines, which i18n-sync cannot keep; remove them",
            path,
            entry.line,
        )
    fields: list[tuple[str, str]] = []
    for item in entry.strings["msgstr"].split("\n"):
        if not item:
            continue
        name, colon, value = item.partition(":")
        # msgfmt accepts a header line without a colon (a field value's continuation,
        # say); it is kept as a field without a name, written back as it was.
        fields.append((name, value.removeprefix(" ")) if colon else ("", item))
    return tuple(fields)


def _check_unique(messages: Sequence[Message], msgid_lines: Sequence[int], path: str) -> None:
    """Each (msgctxt, msgid) once, obsolete entries included, as msgfmt requires."""
    if plainly_unique(messages):
        return  # the common case, settled at once; the loop below finds the first problem
    seen: dict[tuple[str | None, str], int] = {}
    for message, line in zip(messages, msgid_lines, strict=True):
        if not message.msgid:
            raise CatalogError("an entry with an empty msgid after the header; remove it", path, line)
        first = seen.get(message.key)
        if first is not None:
            raise CatalogError(
                f"duplicate message definition (the first is at line {first}); keep one of the two entries",
                path,
                line,
            )
        seen[message.key] = line


@record
class Layout:
    """Where the entries of a PO text stand, so that a writer can keep their bytes.

    `lines` are the text's lines after `parse_po_layout` normalised its line
    endings, without them. Every range is 0-based and end-exclusive over
    `lines`: `header` is the header entry's, `entries[i]` that of
    `catalog.messages[i]`, `kept` those of the obsolete plural entries the
    catalogue leaves out, and `trailer` that of the comments after the last
    entry (empty: none). An entry's range starts at its first comment and ends
    after its last string; blank lines between entries are in no range.
    """

    lines: tuple[str, ...]
    header: tuple[int, int]
    entries: tuple[tuple[int, int], ...]
    kept: tuple[tuple[int, int], ...] = ()
    trailer: tuple[int, int] = (0, 0)


def parse_po_with_warnings(text: str, path: str) -> tuple[Catalog, tuple[Diagnostic, ...]]:
    """Read a PO or POT file's text strictly; return the catalogue and what was normalised.

    A byte order mark and CRLF line endings are accepted and reported as
    warnings (they are not written back); everything else that is wrong raises
    `CatalogError` at the first problem, with its line and, where known, column.
    """
    catalog, _, warnings = _read(text, path)
    return catalog, warnings


def parse_po_layout(text: str, path: str) -> tuple[Catalog, Layout, tuple[Diagnostic, ...]]:
    """`parse_po_with_warnings`, with where each entry stands in the text."""
    catalog, reader, warnings = _read(text, path)
    lines = tuple(reader.text.split("\n"))
    if lines and not lines[-1]:
        lines = lines[:-1]  # the empty piece after the last line feed
    starts = [message.line for message in catalog.messages]
    header = reader.header
    assert header is not None  # `_read` refuses a file without one
    trailer = (reader.trailer - 1, len(lines)) if reader.trailer else (0, 0)
    while trailer[1] > trailer[0] and not lines[trailer[1] - 1].strip():
        trailer = (trailer[0], trailer[1] - 1)
    layout = Layout(
        lines,
        (max(header.line - 1, 0), reader.header_end),
        tuple((start - 1, end) for start, end in zip(starts, reader.ends, strict=True)),
        tuple((start - 1, end) for start, end in reader.kept),
        trailer,
    )
    return catalog, layout, warnings


def _is_plain_entry(entry: Entry) -> bool:
    """Whether an entry is an active, singular one with a msgid: not a header entry."""
    return bool(entry.strings["msgid"]) and not entry.obsolete and not entry.plural


def _read(text: str, path: str) -> tuple[Catalog, Reader, tuple[Diagnostic, ...]]:
    text, warnings = normalise_line_endings(text, path)
    if not text or text.isspace():  # as `not text.strip()`, without copying the text
        raise CatalogError("empty file; delete it and run 'i18n-sync update' to create it again", path, 1)
    reader = Reader(text, path)
    reader.read()
    header_entry = reader.header
    if header_entry is not None and _is_plain_entry(header_entry):
        # msgfmt accepts a file without a header: its first entry is an entry like the others.
        reader.messages.insert(0, to_message(header_entry))
        reader.msgid_lines.insert(0, header_entry.keyword_lines["msgid"])
        reader.ends.insert(0, reader.header_end)
        reader.header, reader.header_end = Entry(strings={"msgid": "", "msgstr": ""}), 0
        header_entry = reader.header
        found = 'no header entry (msgid "") at the top; one is written from the template'
        warnings.append(Diagnostic(path, 1, found))
    if (
        header_entry is None
        or header_entry.obsolete
        or header_entry.strings["msgid"]
        or "msgctxt" in header_entry.strings
    ):
        raise CatalogError(
            'no header entry (msgid "") at the top; copy the header from the template (.pot)',
            path,
            header_entry.line if header_entry else 1,
        )
    header = _header_fields(header_entry, path)
    check_charset(header, text, path)
    _check_unique(reader.messages, reader.msgid_lines, path)
    catalog = Catalog(header, tuple(reader.messages), tuple(header_entry.comments), tuple(header_entry.flags))
    return catalog, reader, (*warnings, *reader.warnings)


def parse_po(text: str, path: str) -> Catalog:
    """Read a PO or POT file's text strictly; raise `CatalogError` at the first problem."""
    return parse_po_with_warnings(text, path)[0]


def translations_of(catalog: Catalog) -> dict[str, str]:
    """The msgid → msgstr pairs a renderer may use: translated, not fuzzy, not obsolete."""
    return {m.msgid: m.msgstr for m in catalog.messages if m.is_translated and m.msgctxt is None}
