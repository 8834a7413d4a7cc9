"""Markdown source → translation units, each knowing exactly where its text stands.

Which block is translatable and how its text is found in the source is one
table, `LOCATORS`, from block kind to a small function. A unit is only ever
made from text found verbatim at the place it claims; what cannot be located
is reported and left alone, never guessed.
"""

from __future__ import annotations

import re
from bisect import bisect_right
from collections.abc import Callable, Iterator, Sequence

from i18n_sync.errors import Diagnostic
from i18n_sync.markdown.document import Document
from i18n_sync.markdown.html import Piece, read_html
from i18n_sync.markdown.msgid import compute_msgid
from i18n_sync.markdown.parser import parse_document, scan_inline, split_table_row
from i18n_sync.markdown.records import InlineMarks, Outline, ParseContext, ParsedDocument, TextBlock
from i18n_sync.model import Region, Unit
from i18n_sync.record import record

DEFAULT_FRONT_MATTER_KEYS = ("title", "description")

_CONTAINER_CHARS = frozenset(" \t>")
_ROW_PREFIX_CHARS = " \t>-*+.)0123456789"
_SHORTCODE = re.compile(r":[a-z0-9_+-]+:")
_ENTITY = re.compile(r"&(?:#\d+|#[xX][0-9a-fA-F]+|[A-Za-z][A-Za-z0-9]*);")
_PLACEHOLDER_TEXT = re.compile(r"\{\d+\}")
_WORD_CHAR = re.compile(r"[^\W\d_]")
_URL_TEXT = re.compile(r"\b(?:[A-Za-z][A-Za-z0-9+.-]*://|www\.)\S+")
# What is not prose, each with a substring it cannot do without (a cheap test first).
_NOT_PROSE = (
    ("{", _PLACEHOLDER_TEXT),
    ("/", _URL_TEXT),
    ("www.", _URL_TEXT),
    (":", _SHORTCODE),
    ("&", _ENTITY),
)
_YAML_SCALAR = re.compile(r"^(?P<key>[A-Za-z_][\w-]*):[ \t]+(?P<value>\S.*?)[ \t]*$")
_YAML_SPECIAL_START = frozenset("[]{}>|*&!%@`#,?-:")


@record
class Extraction:
    """The units of one document, in document order, and what was passed over.

    `outline` is the document's block structure, which a rendering must keep.
    """

    units: tuple[Unit, ...]
    context: ParseContext
    outline: Outline
    diagnostics: tuple[Diagnostic, ...] = ()
    headings: tuple[Heading, ...] = ()


@record
class Heading:
    """A heading of the document, translatable or not: what its anchor comes from.

    `text` is its text content in the source; `unit` its translation unit, if any.
    """

    text: str
    unit: Unit | None


@record
class _Located:
    """A block's text as found in the source.

    `lines` maps the content back to the source: for each content line, its
    offset in `content`, its source line, and what to add to an offset in
    that line to get the source column.
    """

    region: Region
    content: str
    marks: InlineMarks
    lines: tuple[tuple[int, int, int], ...]

    def where(self, offset: int) -> tuple[int, int]:
        """The (line, column) in the source of an offset into `content`."""
        line_start, line, shift = next(entry for entry in reversed(self.lines) if entry[0] <= offset)
        return line, offset - line_start + shift

    def region_of(self, start: int, end: int) -> Region:
        """The source region of a stretch of `content` that lies on one line."""
        line, column = self.where(start)
        return Region(line, column, line, column + end - start)


Locator = Callable[[Document, ParsedDocument, TextBlock], "_Located | None"]


def _locate_lines(doc: Document, parsed: ParsedDocument, block: TextBlock) -> _Located | None:
    """Paragraphs and setext headings: each content line is the tail of a source line.

    The inline token's map covers the text lines only, not a setext underline.
    """
    last = block.end - 1
    pieces = block.content.split("\n")
    if len(pieces) != last - block.start + 1 or last >= len(doc.lines):
        return None
    start_col = end_col = 0
    mapping = []
    content_offset = 0
    for offset, piece in enumerate(pieces):
        line = doc.lines[block.start + offset]
        text = piece.lstrip(" \t")
        end = len(line.rstrip(" \t")) if offset == len(pieces) - 1 else len(line)
        start = end - len(text)
        if start < 0 or not line.startswith(text, start):
            return None
        if offset == 0:
            start_col = start
        end_col = end
        mapping.append((content_offset, block.start + offset, start - (len(piece) - len(text))))
        content_offset += len(piece) + 1
    region = Region(block.start, start_col, last, end_col)
    return _Located(region, block.content, block.marks, tuple(mapping))


def _locate_atx_heading(doc: Document, parsed: ParsedDocument, block: TextBlock) -> _Located | None:
    if block.setext:
        return _locate_lines(doc, parsed, block)
    line = doc.lines[block.start]
    hashes = line.find("#")
    if hashes < 0 or not block.content:
        return None
    start = hashes + block.level
    while start < len(line) and line[start] in " \t":
        start += 1
    end = start + len(block.content)
    if line[start:end] != block.content:
        return None
    region = Region(block.start, start, block.start, end)
    return _Located(region, block.content, block.marks, ((0, block.start, start),))


def _locate_cell(doc: Document, parsed: ParsedDocument, block: TextBlock) -> _Located | None:
    """Table cells: split the row as the parser does, after its container prefix."""
    line = doc.lines[block.start]
    first_pipe = line.find("|")
    limit = len(line) if first_pipe < 0 else first_pipe
    for prefix in range(limit + 1):
        if line[:prefix].strip(_ROW_PREFIX_CHARS):
            break  # past the container prefix (quote marks, list marker)
        row = line[prefix:]
        lead = len(row) - len(row.lstrip(" \t"))
        cells = split_table_row(row.strip(" \t"))
        if block.cell >= len(cells):
            continue
        start, end = cells[block.cell]
        start, end = start + prefix + lead, end + prefix + lead
        text = line[start:end]
        if _unescape_pipes(text) != block.content:
            continue
        marks = block.marks if text == block.content else scan_inline(text, parsed.context)
        return _Located(Region(block.start, start, block.start, end), text, marks, ((0, block.start, start),))
    return None


def _unescape_pipes(text: str) -> str:
    return re.sub(r"\\\|", "|", text)


LOCATORS: dict[str, Locator] = {
    "paragraph": _locate_lines,
    "heading": _locate_atx_heading,
    "table-cell": _locate_cell,
}


def has_prose(content: str, marks: InlineMarks) -> bool:
    """Whether inline text has letters a translator could translate.

    Code, raw HTML, URLs (also as link text), badges, footnote references,
    entities and emoji short codes do not count.
    """
    text = content
    if marks.verbatim or marks.urls:
        pieces = []
        position = 0
        for start, end in sorted((m.start, m.end) for m in (*marks.verbatim, *marks.urls)):
            pieces.append(content[position:start])
            position = max(position, end)
        pieces.append(content[position:])
        text = " ".join(pieces)
    for hint, pattern in _NOT_PROSE:
        if hint in text:  # a cheap test first: most text has none of these
            text = pattern.sub(" ", text)
    # A word character that is no digit nor "_" is a letter, or a rare numeral such as "½".
    return any(match.group().isalpha() for match in _WORD_CHAR.finditer(text))


def _continuation_indent(line: str, start_col: int) -> str:
    """What a new line needs in front to stay in the unit's containers."""
    return "".join(c if c in _CONTAINER_CHARS else " " for c in line[:start_col])


class _Sections:
    """The heading path of the text under the latest heading, Markdown or HTML."""

    def __init__(self) -> None:
        self.open: list[tuple[int, str]] = []

    def parents(self, level: int) -> tuple[str, ...]:
        return tuple(text for depth, text in self.open if depth < level)

    def enter(self, level: int, text: str) -> None:
        self.open = [(depth, title) for depth, title in self.open if depth < level]
        self.open.append((level, " ".join(text.split())))

    @property
    def current(self) -> tuple[str, ...]:
        return tuple(text for _, text in self.open)


def _block_units(doc: Document, parsed: ParsedDocument) -> Iterator[Unit | Heading | Diagnostic]:
    sections = _Sections()
    for block in parsed.blocks:
        if block.kind in BLOCK_READERS:
            yield from BLOCK_READERS[block.kind](doc, block, sections)
            continue
        located = LOCATORS[block.kind](doc, parsed, block)
        if block.kind == "heading":
            parents = sections.parents(block.level)
            unit = None if located is None else _make_unit(doc, block, located, parents)
            sections.enter(block.level, block.plain)
            yield Heading(block.plain, unit)
        else:
            unit = None if located is None else _make_unit(doc, block, located, sections.current)
        if located is None and block.content.strip():
            message = f"could not locate this {block.kind}'s text; it stays in English"
            yield Diagnostic(doc.path, block.start + 1, message)
        elif unit is not None:
            yield unit
        elif located is not None and located.marks.html:
            yield from _inline_html_units(located, sections.current)


def _inline_html_units(located: _Located, section: tuple[str, ...]) -> Iterator[Unit]:
    """The readable attributes of the raw HTML of inline text without prose (badges, logos).

    Inline text with prose is one unit, its raw HTML inside the msgid like its other markup.
    """
    for mark in located.marks.verbatim:
        if mark.kind != "html_inline":
            continue
        snippet = located.content[mark.start : mark.end]
        if "=" not in snippet:
            continue  # no attribute with a value: a closing tag, <br>, <b>...
        for piece in read_html(snippet).pieces:
            start, end = mark.start + piece.start, mark.start + piece.end
            if piece.kind != "html-attribute" or "\n" in located.content[start:end]:
                continue
            msgid = located.content[start:end]
            region = located.region_of(start, end)
            yield Unit(piece.kind, msgid, (), region, section=section, quote=piece.quote)


class _HtmlPlace:
    """Offsets into an HTML block's content → source regions, past its container's prefix."""

    def __init__(self, doc: Document, block: TextBlock) -> None:
        self.first = block.start
        lines = block.content.split("\n")
        self.shifts: list[int] | None = []
        for offset, line in enumerate(lines[: block.end - block.start]):
            source = doc.lines[block.start + offset] if block.start + offset < len(doc.lines) else ""
            if not source.endswith(line):
                self.shifts = None  # markdown-it changed the line (a tab in the prefix)
                break
            self.shifts.append(len(source) - len(line))
        self.starts = [0]
        for line in lines:
            self.starts.append(self.starts[-1] + len(line) + 1)

    def where(self, offset: int) -> tuple[int, int]:
        assert self.shifts is not None
        index = bisect_right(self.starts, offset) - 1
        return self.first + index, offset - self.starts[index] + self.shifts[index]

    def region(self, start: int, end: int) -> Region:
        return Region(*self.where(start), *self.where(end))


def _html_unit(block: TextBlock, place: _HtmlPlace, piece: Piece, section: tuple[str, ...]) -> Unit:
    content = block.content[piece.start : piece.end]
    region = place.region(piece.start, piece.end)
    if piece.kind == "html-attribute":
        msgid = compute_msgid(content, InlineMarks())[0]
        return Unit(piece.kind, msgid, (), region, section=section, quote=piece.quote)
    msgid, urls = compute_msgid(content, InlineMarks(urls=piece.urls))
    if not urls:
        return Unit(piece.kind, msgid, urls, region, section=section)
    url_regions = tuple(place.region(piece.start + m.start, piece.start + m.end) for m in piece.urls)
    return Unit(piece.kind, msgid, urls, region, section=section, url_regions=url_regions)


def _html_block_units(
    doc: Document, block: TextBlock, sections: _Sections
) -> Iterator[Unit | Heading | Diagnostic]:
    """The units of an HTML block (`markdown.html`), its headings in document order among them."""
    place = _HtmlPlace(doc, block)
    if place.shifts is None:
        message = "could not locate this HTML block's text; it stays in English"
        yield Diagnostic(doc.path, block.start + 1, message)
        return
    found = read_html(block.content)
    owners = {heading.piece: heading for heading in found.headings if heading.piece is not None}
    pending = sorted(found.headings, key=lambda heading: heading.start)
    for index, piece in enumerate(found.pieces):
        while pending and pending[0].start <= piece.start and pending[0].piece is None:
            heading = pending.pop(0)
            sections.enter(heading.level, heading.text)
            yield Heading(heading.text, None)
        own = owners.get(index)
        if own is None:
            yield _html_unit(block, place, piece, sections.current)
            continue
        unit = _html_unit(block, place, piece, sections.parents(own.level))
        pending.remove(own)
        sections.enter(own.level, own.text)
        yield Heading(own.text, unit)
        yield unit
    for heading in pending:
        sections.enter(heading.level, heading.text)
        yield Heading(heading.text, None)


# Blocks that make several units, each read by its own handler.
BLOCK_READERS: dict[
    str, Callable[[Document, TextBlock, _Sections], Iterator[Unit | Heading | Diagnostic]]
] = {
    "html-block": _html_block_units,
}


def _make_unit(doc: Document, block: TextBlock, located: _Located, section: tuple[str, ...]) -> Unit | None:
    if not has_prose(located.content, located.marks):
        return None
    msgid, urls = compute_msgid(located.content, located.marks)
    region = located.region
    # Only a paragraph may break over lines; a table row would make this quadratic.
    paragraph = block.kind == "paragraph" and region.start_col > 0
    indent = _continuation_indent(doc.lines[region.start_line], region.start_col) if paragraph else ""
    if not urls:
        return Unit(block.kind, msgid, urls, region, indent, section)
    marks = located.marks.urls
    return Unit(
        kind=block.kind,
        msgid=msgid,
        urls=urls,
        region=region,
        indent=indent,
        section=section,
        url_regions=tuple(located.region_of(m.start, m.end) for m in marks),
        autolinks=frozenset(i for i, m in enumerate(marks) if m.kind == "autolink"),
    )


def _front_matter_units(doc: Document, parsed: ParsedDocument, keys: Sequence[str]) -> Iterator[Unit]:
    if parsed.front_matter is None:
        return
    for index in range(parsed.front_matter.start, parsed.front_matter.end):
        match = _YAML_SCALAR.match(doc.lines[index])
        if match is None or match.group("key") not in keys:
            continue
        value = match.group("value")
        start, end = match.span("value")
        quote = value[0] if value[0] in "\"'" else ""
        if quote:
            if len(value) < 2 or value[-1] != quote:
                continue
            start, end, value = start + 1, end - 1, _unquote(value)
        elif value[0] in _YAML_SPECIAL_START or " #" in value or ": " in value:
            continue  # not a plain one-line scalar: leave it to its author
        if value is None or not any(char.isalpha() for char in value):
            continue
        yield Unit("front-matter", value, (), Region(index, start, index, end), quote=quote)


def _unquote(value: str) -> str | None:
    body = value[1:-1]
    if value[0] == "'":
        return body.replace("''", "'")
    if "\\" in body.replace("\\\\", "").replace('\\"', ""):
        return None  # other escapes: not worth guessing at
    return body.replace('\\"', '"').replace("\\\\", "\\")


def extract_units(doc: Document, front_matter_keys: Sequence[str] = DEFAULT_FRONT_MATTER_KEYS) -> Extraction:
    """Split a document into its translation units, in document order."""
    parsed = parse_document(doc.parse_text, doc.path)
    units: list[Unit] = list(_front_matter_units(doc, parsed, front_matter_keys))
    diagnostics: list[Diagnostic] = []
    headings: list[Heading] = []
    for item in _block_units(doc, parsed):
        if isinstance(item, Unit):
            units.append(item)
        elif isinstance(item, Heading):
            headings.append(item)
        else:
            diagnostics.append(item)
    return Extraction(tuple(units), parsed.context, parsed.outline, tuple(diagnostics), tuple(headings))
