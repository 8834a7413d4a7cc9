"""The frozen records that parsing Markdown hands out, and nothing that makes them.

`markdown.parser` and `markdown.facts` turn markdown-it's tokens into these, so that no
token leaves them; extraction, splicing and the checks import the records from here.
The module imports nothing but the standard library: a module that only reads records
(`markdown.msgid`) does not load markdown-it.
"""

from __future__ import annotations

from i18n_sync.record import record

# --- What parsing a document gives extraction and splicing --------------------------------------


@record
class Mark:
    """A stretch `start` to `end` (end-exclusive offsets) of an inline text."""

    kind: str
    start: int
    end: int


@record
class InlineMarks:
    """What a unit's inline text holds, by offsets into that text.

    `urls` are link and image destinations and autolinked URLs, in text order;
    `hard_breaks` the offsets of line feeds that are hard line breaks;
    `verbatim` the code spans, raw HTML, entities, footnote references and
    linked images (badges) whose letters are not prose; `html` the raw HTML.
    """

    urls: tuple[Mark, ...] = ()
    hard_breaks: tuple[int, ...] = ()
    verbatim: tuple[Mark, ...] = ()
    html: tuple[str, ...] = ()


@record
class ParseContext:
    """Document-wide definitions that change how inline text parses."""

    references: tuple[str, ...] = ()
    footnotes: tuple[str, ...] = ()


@record
class TextBlock:
    """A block whose inline text may be translatable.

    `start` and `end` are 0-based source lines, end-exclusive (`Token.map`).
    `content` is the inline text as markdown-it saw it (an ``html-block``'s raw HTML,
    without its container's prefix); `cell` is the column
    of a table cell and -1 otherwise; `plain` is a heading's text content, as
    a browser would show it (see `heading_text`).
    """

    kind: str
    start: int
    end: int
    content: str
    marks: InlineMarks
    level: int = 0
    setext: bool = False
    cell: int = -1
    plain: str = ""


@record
class FrontMatter:
    """The YAML front matter: its text lines `start` to `end` (0-based, exclusive)."""

    start: int
    end: int


@record
class BlockNode:
    """One block of a text's skeleton: its token kind, nesting depth and what else decides it.

    `kind` is markdown-it's token type without ``_open`` (``heading``, ``bullet_list``,
    ``list_item``, ``blockquote``, ``tr``, ``td``, ``html_block``...); `detail` is a heading's
    tag, ``task`` for a task list item, an alert's kind, ``tight`` for a paragraph of a tight list.
    """

    kind: str
    depth: int
    detail: str = ""


@record
class Outline:
    """A document's block structure: its skeleton and the link reference definitions in force.

    `definitions` are (label, destination), one per label (the first definition wins),
    in the order they are made. A translation that changes either changes the document
    beyond its own text: where other blocks stand, or where other links go.
    """

    blocks: tuple[BlockNode, ...]
    definitions: tuple[tuple[str, str], ...] = ()


@record
class ParsedDocument:
    """What `parse_document` finds in a document, in source order: all extraction needs of it."""

    blocks: tuple[TextBlock, ...]
    context: ParseContext
    front_matter: FrontMatter | None
    outline: Outline


# --- What the checks compare a translation with its English by ----------------------------------


@record
class HtmlTag:
    """One tag of raw HTML: lower-case name, attributes with entity-decoded values.

    Comments, declarations (and CDATA) and processing instructions are tags named
    ``!--``, ``!`` and ``?``. A valueless attribute has the value "".
    """

    name: str
    attrs: tuple[tuple[str, str], ...] = ()
    closing: bool = False


@record
class TextFacts:
    """What a text holds once parsed, for comparing a translation with its English.

    `blocks` is the block skeleton; `links` the destinations of inline links, images and
    autolinks as the parser resolved them (entities and escapes decoded); `definitions`
    the link reference definitions the text makes, as (label, destination), also those
    whose label was taken already; `html` the tags of its raw HTML, inline and block;
    `code` the content of its code spans; `labels` the normalized labels that its
    reference links and images use, and ``^label`` for footnote references; `unmatched`
    one marker character (``*``, ``_``, ``~``) per emphasis or strikethrough delimiter
    that could open or close but found no partner.
    """

    blocks: tuple[BlockNode, ...]
    links: tuple[str, ...] = ()
    definitions: tuple[tuple[str, str], ...] = ()
    html: tuple[HtmlTag, ...] = ()
    code: tuple[str, ...] = ()
    labels: tuple[str, ...] = ()
    unmatched: tuple[str, ...] = ()
