"""Parsing Markdown with source positions: the one module that imports markdown-it-py.

markdown-it-py's tokens say which lines a block covers, but not where inside
its inline text a link destination, an autolink or a hard line break stands.
Splicing translations back needs exactly that, so the inline rules that make
those tokens are wrapped: after the library's own rule succeeds, the wrapper
notes the source offsets on the token it made. Nothing here re-implements
Markdown syntax; positions are recovered with the library's own helpers.

Callers get frozen records (`TextBlock`, `InlineMarks`), never tokens.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from functools import cache
from typing import Any

from markdown_it import MarkdownIt
from markdown_it.common.utils import MD_TRIM_CHARS
from markdown_it.rules_inline import StateInline
from markdown_it.token import Token
from mdit_py_plugins.gfm import gfm_plugin

from .errors import MarkdownError

MAX_NESTING = 20
"""markdown-it's commonmark preset drops blocks nested deeper than this."""

_META = "i18n_sync"


@dataclass(frozen=True, slots=True)
class Mark:
    """A stretch `start` to `end` (end-exclusive offsets) of an inline text."""

    kind: str
    start: int
    end: int


@dataclass(frozen=True, slots=True)
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


@dataclass(frozen=True, slots=True)
class ParseContext:
    """Document-wide definitions that change how inline text parses."""

    references: tuple[str, ...] = ()
    footnotes: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class TextBlock:
    """A block whose inline text may be translatable.

    `start` and `end` are 0-based source lines, end-exclusive (`Token.map`).
    `content` is the inline text as markdown-it saw it; `cell` is the column
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


@dataclass(frozen=True, slots=True)
class FrontMatter:
    """The YAML front matter: its text lines `start` to `end` (0-based, exclusive)."""

    start: int
    end: int


@dataclass(frozen=True, slots=True)
class ParsedDocument:
    blocks: tuple[TextBlock, ...]
    context: ParseContext
    front_matter: FrontMatter | None


# Which inline rule makes which token, and what its marks mean.
_URL_RULES = {"autolink", "gfm_autolink_www", "gfm_autolink_protocol", "gfm_autolink_email"}
_VERBATIM_RULES = {
    "backticks": "code_inline",
    "html_inline": "html_inline",
    "footnote_ref": "footnote_ref",
}

# Which block token opens a block of which translatable kind.
_BLOCK_KINDS = {
    "heading_open": "heading",
    "paragraph_open": "paragraph",
    "th_open": "table-cell",
    "td_open": "table-cell",
}

InlineRule = Callable[[StateInline, bool], bool]


def _first_new(state: StateInline, first: int, types: Sequence[str]) -> Token | None:
    for token in state.tokens[first:]:
        if token.type in types:
            return token
    return None


def _destination_span(state: StateInline, start: int) -> tuple[int, int] | None:
    """Return where the destination of the inline link at `start` stands.

    Uses the library's own label and destination parsers, which are pure
    functions of the text, so the answer is the one the link rule used.
    """
    old_pos = state.pos
    label_end = state.md.helpers.parseLinkLabel(state, start, True)
    state.pos = old_pos
    pos = label_end + 1
    src = state.src
    if label_end < 0 or pos >= len(src) or src[pos] != "(":
        return None  # a reference link: its destination is elsewhere
    pos += 1
    while pos < len(src) and src[pos] in " \t\n":
        pos += 1
    result = state.md.helpers.parseLinkDestination(src, pos, state.posMax)
    if not result.ok or result.pos == pos:
        return None
    return (pos, result.pos)


def _mark_link(rule: InlineRule, opener: str, offset: int) -> InlineRule:
    def wrapped(state: StateInline, silent: bool) -> bool:
        start, first = state.pos, len(state.tokens)
        if not rule(state, silent):
            return False
        if not silent:
            token = _first_new(state, first, (opener,))
            if token is not None:
                token.meta[_META] = ("link", start, state.pos)
                destination = _destination_span(state, start + offset)
                if destination is not None:
                    token.meta[_META + "_url"] = destination
        return True

    return wrapped


def _mark_autolink(rule: InlineRule) -> InlineRule:
    def wrapped(state: StateInline, silent: bool) -> bool:
        start, first = state.pos, len(state.tokens)
        if not rule(state, silent):
            return False
        if silent:
            return True
        opener = _first_new(state, first, ("link_open",))
        if opener is None:
            return True
        index = state.tokens.index(opener)
        text = state.tokens[index + 1].content if index + 1 < len(state.tokens) else ""
        end = state.pos
        if state.src[start] == "<" and state.src[end - 1] == ">":
            span = (start + 1, end - 1)
        else:
            # Bare URLs are found by scanning back over pending text, so the
            # rule's start is not the URL's; the link text is, verbatim.
            span = (end - len(text), end)
        if text and state.src[span[0] : span[1]] == text:
            opener.meta[_META + "_url"] = span
        opener.meta[_META] = ("autolink", span[0], span[1])
        return True

    return wrapped


def _mark_break(rule: InlineRule) -> InlineRule:
    def wrapped(state: StateInline, silent: bool) -> bool:
        start, first = state.pos, len(state.tokens)
        if not rule(state, silent):
            return False
        if not silent:
            token = _first_new(state, first, ("hardbreak",))
            if token is not None:
                newline = state.src.find("\n", start)
                token.meta[_META] = ("hardbreak", newline, newline + 1)
        return True

    return wrapped


def _mark_verbatim(rule: InlineRule, token_type: str) -> InlineRule:
    def wrapped(state: StateInline, silent: bool) -> bool:
        start, first = state.pos, len(state.tokens)
        if not rule(state, silent):
            return False
        if not silent:
            token = _first_new(state, first, (token_type,))
            if token is not None and _META not in token.meta:
                token.meta[_META] = ("verbatim", start, state.pos)
        return True

    return wrapped


def _install_marks(md: MarkdownIt) -> None:
    rules: dict[str, Any] = {rule.name: rule.fn for rule in md.inline.ruler.__rules__}
    md.inline.ruler.at("link", _mark_link(rules["link"], "link_open", 0))
    md.inline.ruler.at("image", _mark_link(rules["image"], "image", 1))
    for name in ("newline", "escape"):
        md.inline.ruler.at(name, _mark_break(rules[name]))
    for name in _URL_RULES:
        md.inline.ruler.at(name, _mark_autolink(rules[name]))
    for name, token_type in _VERBATIM_RULES.items():
        md.inline.ruler.at(name, _mark_verbatim(rules[name], token_type))


@cache
def _parser() -> MarkdownIt:
    md = MarkdownIt("commonmark").use(gfm_plugin, front_matter=True)
    md.options["maxNesting"] = MAX_NESTING
    _install_marks(md)
    return md


def _collect_marks(children: Sequence[Token]) -> InlineMarks:
    urls: list[Mark] = []
    breaks: list[int] = []
    verbatim: list[Mark] = []
    html: list[str] = []
    links: list[tuple[int, int]] = []
    for token in children:
        found = token.meta.get(_META)
        if found is None:
            continue
        kind, start, end = found
        url = token.meta.get(_META + "_url")
        if url is not None:
            urls.append(Mark("url", *url))
        if kind == "hardbreak":
            breaks.append(start)
        elif kind == "verbatim":
            verbatim.append(Mark(token.type, start, end))
            if token.type == "html_inline":
                html.append(token.content)
        elif kind == "autolink":
            verbatim.append(Mark("autolink", start, end))
        elif token.type == "link_open":
            links.append((start, end))
        elif token.type == "image" and any(a <= start and end <= b for a, b in links):
            verbatim.append(Mark("badge", start, end))
    return InlineMarks(tuple(urls), tuple(breaks), tuple(verbatim), tuple(html))


def _env_for(context: ParseContext) -> dict[str, Any]:
    env: dict[str, Any] = {}
    if context.references:
        env["references"] = {label: {"href": "", "title": ""} for label in context.references}
    if context.footnotes:
        env["footnotes"] = {"refs": {label: -1 for label in context.footnotes}}
    return env


def scan_inline(text: str, context: ParseContext = ParseContext()) -> InlineMarks:
    """Parse `text` as inline Markdown in a document's context and mark it."""
    tokens = _parser().parseInline(text, _env_for(context))
    return _collect_marks(tokens[0].children or [])


# The text content of inline tokens: what a browser shows, without markup.
# Images show no text; a soft break is a line feed in the HTML.
_PLAIN_TEXT: dict[str, Callable[[Token], str]] = {
    "text": lambda token: token.content,
    "text_special": lambda token: token.content,
    "code_inline": lambda token: token.content,
    "softbreak": lambda token: "\n",
    "hardbreak": lambda token: "\n",
}


def _plain_text(children: Sequence[Token]) -> str:
    return "".join(_PLAIN_TEXT[t.type](t) for t in children if t.type in _PLAIN_TEXT)


def heading_text(text: str, context: ParseContext = ParseContext()) -> str:
    """The text content of inline Markdown: what a heading's anchor is computed from."""
    tokens = _parser().parseInline(text, _env_for(context))
    return _plain_text(tokens[0].children or [])


def _check_nesting(tokens: Sequence[Token], path: str) -> None:
    for token in tokens:
        if token.nesting == 1 and token.level >= MAX_NESTING - 1 and token.map:
            raise MarkdownError(
                f"blocks are nested more than {MAX_NESTING} levels deep here, and the "
                "Markdown parser would drop what is inside; flatten the nesting",
                path,
                token.map[0] + 1,
            )


def _text_blocks(tokens: Sequence[Token]) -> Iterator[TextBlock]:
    opener: Token | None = None
    cell = -1
    for token in tokens:
        if token.type == "tr_open":
            cell = -1
        elif token.type in _BLOCK_KINDS:
            opener = token
            cell = cell + 1 if token.type in ("th_open", "td_open") else -1
        elif token.type == "inline" and opener is not None and token.map is not None:
            kind = _BLOCK_KINDS[opener.type]
            yield TextBlock(
                kind=kind,
                start=token.map[0],
                end=token.map[1],
                content=token.content,
                marks=_collect_marks(token.children or []),
                level=int(opener.tag[1]) if kind == "heading" else 0,
                setext=kind == "heading" and opener.markup in ("=", "-"),
                cell=cell if kind == "table-cell" else -1,
                plain=_plain_text(token.children or []) if kind == "heading" else "",
            )
            opener = None
        elif token.type == "inline":
            opener = None


def parse_document(text: str, path: str) -> ParsedDocument:
    """Parse a document whose line endings are already line feeds.

    Raises `MarkdownError` for content the parser would silently drop.
    """
    env: dict[str, Any] = {}
    tokens = _parser().parse(text, env)
    _check_nesting(tokens, path)
    front = next((t for t in tokens if t.type == "front_matter"), None)
    front_matter = None
    if front is not None and front.map is not None:
        front_matter = FrontMatter(front.map[0] + 1, front.map[1] - 1)
    context = ParseContext(
        references=tuple(env.get("references", {})),
        footnotes=tuple(env.get("footnotes", {}).get("refs", {})),
    )
    return ParsedDocument(tuple(_text_blocks(tokens)), context, front_matter)


def split_table_row(text: str) -> list[tuple[int, int]]:
    """Split a table row the way markdown-it does, returning each cell's offsets.

    Mirrors `markdown_it.rules_block.table.escapedSplit` plus the table rule's
    dropping of the empty first and last cell; offsets are of the stripped cell.
    """
    bounds: list[tuple[int, int]] = []
    last = 0
    escaped = False
    for pos, char in enumerate(text):
        if char == "|" and not escaped:
            bounds.append((last, pos))
            last = pos + 1
        escaped = char == "\\"
    bounds.append((last, len(text)))
    if bounds and not text[bounds[0][0] : bounds[0][1]]:
        bounds.pop(0)
    if bounds and not text[bounds[-1][0] : bounds[-1][1]]:
        bounds.pop()
    cells = []
    for start, end in bounds:
        piece = text[start:end]
        lead = len(piece) - len(piece.lstrip(MD_TRIM_CHARS))
        cells.append((start + lead, start + len(piece.rstrip(MD_TRIM_CHARS))))
    return cells
