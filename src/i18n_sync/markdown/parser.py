"""The product's Markdown parser: markdown-it-py, its inline rules wrapped to note positions.

markdown-it-py's tokens say which lines a block covers, but not where inside
its inline text a link destination, an autolink or a hard line break stands.
Splicing translations back needs exactly that, so the inline rules that make
those tokens are wrapped: after the library's own rule succeeds, the wrapper
notes the source offsets on the token it made. Nothing here re-implements
Markdown syntax; positions are recovered with the library's own helpers.

Callers get the frozen records of `markdown.records` (`TextBlock`, `InlineMarks`),
never tokens. Only this module and `markdown.facts`, the checks' parser, which starts
from `new_markdown_it` and `dispatch_by_character` here, import markdown-it.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, MutableMapping, Sequence
from functools import cache, lru_cache
from typing import Any

from markdown_it import MarkdownIt
from markdown_it.common.utils import MD_TRIM_CHARS
from markdown_it.ruler import Ruler
from markdown_it.rules_block import StateBlock
from markdown_it.rules_core import StateCore
from markdown_it.rules_inline import StateInline
from markdown_it.token import Token
from mdit_py_plugins.gfm import gfm_plugin

from i18n_sync.errors import MarkdownError
from i18n_sync.markdown.dispatch import block_dispatch, fewer_text_stops, inline_dispatch
from i18n_sync.markdown.records import (
    BlockNode,
    FrontMatter,
    InlineMarks,
    Mark,
    Outline,
    ParseContext,
    ParsedDocument,
    TextBlock,
)

MAX_NESTING = 20
"""markdown-it's commonmark preset drops blocks nested deeper than this."""

MAX_INLINE_LENGTH = 100_000
"""The longest inline text (a paragraph, heading or table cell) parsed, in characters.

markdown-it-py is linear on most input, but scans unclosed ``<![CDATA[`` or
``<!--`` to the end of the inline text from every opener: measured, 0.9 s for
a 110 000-character paragraph of them and 18 s for 880 000 (time grows with
the square of the length). Real paragraphs are a few thousand characters.
"""

_META = "i18n_sync"
_OUTLINE = _META + "_outline"

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
BlockRule = Callable[[StateBlock, int, int, bool], bool]


# --- Noting source positions: wrappers of markdown-it's inline rules ----------------------------


def first_new_token(state: StateInline, first: int, types: Sequence[str]) -> Token | None:
    """The first token of one of `types` that a rule added after the first `first` tokens."""
    for token in state.tokens[first:]:
        if token.type in types:
            return token
    return None


class _RecordingHelpers:
    """markdown-it's link helpers, noting where each destination they parse stands.

    The link and image rules call ``state.md.helpers.parseLinkDestination``;
    each wrapped rule pushes a frame, so the destinations a rule parses itself
    land in its own frame, and those of rules nested in its label in theirs.
    """

    def __init__(self, helpers: Any) -> None:
        self.parseLinkLabel = helpers.parseLinkLabel
        self.parseLinkTitle = helpers.parseLinkTitle
        self._parse_destination = helpers.parseLinkDestination
        self.frames: list[list[tuple[int, int]]] = []

    def parseLinkDestination(self, src: str, pos: int, maximum: int) -> Any:
        result = self._parse_destination(src, pos, maximum)
        if self.frames and result.ok and result.pos > pos:
            self.frames[-1].append((pos, result.pos))
        return result


def _mark_link(rule: InlineRule, opener: str, helpers: _RecordingHelpers) -> InlineRule:
    def wrapped(state: StateInline, silent: bool) -> bool:
        start, first = state.pos, len(state.tokens)
        helpers.frames.append([])
        try:
            found = rule(state, silent)
        finally:
            destinations = helpers.frames.pop()
        if not found or silent:
            return found
        token = first_new_token(state, first, (opener,))
        if token is not None:
            token.meta[_META] = ("link", start, state.pos)
            # An inline link ends with ")"; one that fell back to a reference
            # definition ends with "]" and its destination stands elsewhere.
            if destinations and state.src[state.pos - 1] == ")":
                token.meta[_META + "_url"] = destinations[-1]
        return True

    return wrapped


def _mark_autolink(rule: InlineRule) -> InlineRule:
    def wrapped(state: StateInline, silent: bool) -> bool:
        start, first = state.pos, len(state.tokens)
        if not rule(state, silent):
            return False
        if silent:
            return True
        opener = first_new_token(state, first, ("link_open",))
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
            token = first_new_token(state, first, ("hardbreak",))
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
            token = first_new_token(state, first, (token_type,))
            if token is not None and _META not in token.meta:
                token.meta[_META] = ("verbatim", start, state.pos)
        return True

    return wrapped


def _install_marks(md: MarkdownIt) -> None:
    rules: dict[str, Any] = {rule.name: rule.fn for rule in md.inline.ruler.__rules__}
    helpers = _RecordingHelpers(md.helpers)
    md.helpers = helpers  # type: ignore[assignment]
    md.inline.ruler.at("link", _mark_link(rules["link"], "link_open", helpers))
    md.inline.ruler.at("image", _mark_link(rules["image"], "image", helpers))
    for name in ("newline", "escape"):
        md.inline.ruler.at(name, _mark_break(rules[name]))
    for name in _URL_RULES:
        md.inline.ruler.at(name, _mark_autolink(rules[name]))
    for name, token_type in _VERBATIM_RULES.items():
        md.inline.ruler.at(name, _mark_verbatim(rules[name], token_type))


# --- Assembling the product's parser: dispatch, limits, definitions, outline --------------------


def dispatch_by_character(md: MarkdownIt) -> None:
    """Make each chain of inline and block rules one rule that tries only those that can match.

    The same rules in the same order, so the same tokens; `markdown.dispatch` says which
    rules can match at which character.
    """
    rules = [(rule.name, rule.fn) for rule in md.inline.ruler.__rules__ if rule.enabled]
    stops = md.inline.terminator_re
    dispatch = inline_dispatch(rules, stops)
    md.inline.ruler.disable([name for name, _ in rules])
    md.inline.ruler.push(_META + "_dispatch", dispatch)
    md.inline.terminator_re = fewer_text_stops(stops)
    md.block.ruler = _DispatchingRuler(md.block.ruler)


class _DispatchingRuler(Ruler[BlockRule]):
    """Block rules whose every chain (`getRules`) is one rule made by `block_dispatch`.

    A chain is all the block rules, or those that may end a paragraph, list, quote or
    reference definition; each is tried, rule by rule, at every line it covers. The
    library compiles a chain anew after any change to the rules, so a dispatcher is
    made again only when its chain is new.
    """

    def __init__(self, ruler: Ruler[BlockRule]) -> None:
        super().__init__()
        self.__rules__ = ruler.__rules__
        self._chains: dict[str, tuple[list[BlockRule], list[BlockRule]]] = {}

    def getRules(self, chainName: str = "") -> list[BlockRule]:
        rules = super().getRules(chainName)  # recompiled by the library after any change
        known = self._chains.get(chainName)
        if known is None or known[0] is not rules:
            names = {rule.fn: rule.name for rule in self.__rules__}
            known = (rules, [block_dispatch([(names[fn], fn) for fn in rules])])
            self._chains[chainName] = known
        return known[1]


class _TooComplex(Exception):
    """Raised inside the parser; `parse_document` turns it into a `MarkdownError`."""

    def __init__(self, message: str, line: int) -> None:
        super().__init__(message)
        self.line = line


def _refuse_what_would_be_lost(state: StateCore) -> None:
    """A core rule between block and inline parsing, one pass over the block tokens.

    Refuses blocks nested so deep that the parser drops what is inside, and inline text
    so long that parsing it would take minutes.
    """
    if state.inlineMode:
        return
    for token in state.tokens:
        if token.map is None:
            continue
        if token.nesting == 1 and token.level >= MAX_NESTING - 1:
            raise _TooComplex(
                f"blocks are nested more than {MAX_NESTING} levels deep here, and the "
                "Markdown parser would drop what is inside; flatten the nesting",
                token.map[0] + 1,
            )
        if token.type == "inline" and len(token.content) > MAX_INLINE_LENGTH:
            raise _TooComplex(
                f"this block's text is {len(token.content):,} characters long, more than "
                f"the {MAX_INLINE_LENGTH:,} the tool parses in one piece; split it with blank lines",
                token.map[0] + 1,
            )


def accept_any_url(url: str) -> bool:
    """A `validateLink` under which a link is a link whatever its URL."""
    return True


def _definitions_of_any_url(rule: BlockRule) -> BlockRule:
    """Make a reference definition of every definition line, whatever its destination.

    markdown-it leaves ``[x]: javascript:...`` a paragraph, GitHub makes it a definition
    (and drops the destination); the outline must be the one readers get. Links that use
    such a definition are still refused by the inline rules.
    """

    def wrapped(state: StateBlock, start: int, end: int, silent: bool) -> bool:
        md = state.md
        md.validateLink = accept_any_url  # type: ignore[method-assign]
        try:
            return rule(state, start, end, silent)
        finally:
            del md.validateLink  # back to the class's own check

    return wrapped


def _note_outline(state: StateCore) -> None:
    """A core rule right after block parsing: the outline, as `document_outline` finds it."""
    if not state.inlineMode:
        state.env[_OUTLINE] = _outline(state.tokens, state.env)


def new_markdown_it() -> MarkdownIt:
    """A parser of the Markdown the tool reads: CommonMark, GFM and front matter.

    Every parser here and in `markdown.facts` starts from it, so that all read the
    same syntax.
    """
    md = MarkdownIt("commonmark").use(gfm_plugin, front_matter=True)
    md.options["maxNesting"] = MAX_NESTING
    return md


@cache
def _parser() -> MarkdownIt:
    return _build_parser()


def _build_parser(dispatch: bool = True) -> MarkdownIt:
    """The product's parser: CommonMark and GFM, recording positions (tests compare dispatch)."""
    md = new_markdown_it()
    _install_marks(md)
    reference = next(rule for rule in md.block.ruler.__rules__ if rule.name == "reference")
    md.block.ruler.at("reference", _definitions_of_any_url(reference.fn), {"alt": list(reference.alt)})
    if dispatch:
        dispatch_by_character(md)
    md.core.ruler.after("block", "i18n_sync_limits", _refuse_what_would_be_lost)
    md.core.ruler.after("i18n_sync_limits", "i18n_sync_outline", _note_outline)
    return md


# --- Documents and inline text into records -----------------------------------------------------


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
            # An autolink's URL is its own text and always absolute: never rewritten.
            urls.append(Mark("autolink" if kind == "autolink" else "url", *url))
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


def env_for(context: ParseContext) -> dict[str, Any]:
    """markdown-it's env for inline text of a document: its references and footnotes defined."""
    env: dict[str, Any] = {}
    if context.references:
        env["references"] = {label: {"href": "", "title": ""} for label in context.references}
    if context.footnotes:
        env["footnotes"] = {"refs": {label: -1 for label in context.footnotes}}
    return env


def scan_inline(text: str, context: ParseContext = ParseContext()) -> InlineMarks:
    """Parse `text` as inline Markdown in a document's context and mark it."""
    tokens = _parser().parseInline(text, env_for(context))
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
    tokens = _parser().parseInline(text, env_for(context))
    return _plain_text(tokens[0].children or [])


def _text_blocks(tokens: Sequence[Token]) -> Iterator[TextBlock]:
    opener: Token | None = None
    cell = -1
    for token in tokens:
        if token.type == "tr_open":
            cell = -1
        elif token.type == "html_block" and token.map is not None:
            # Its text is HTML, never Markdown: markdown.html reads it.
            yield TextBlock("html-block", token.map[0], token.map[1], token.content, InlineMarks())
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
    try:
        tokens = _parser().parse(text, env)
    except _TooComplex as problem:
        raise MarkdownError(str(problem), path, problem.line) from None
    front = tokens[0] if tokens and tokens[0].type == "front_matter" else None  # only ever first
    front_matter = None
    if front is not None and front.map is not None:
        front_matter = FrontMatter(front.map[0] + 1, front.map[1] - 1)
    context = ParseContext(
        references=tuple(env.get("references", {})),
        footnotes=tuple(env.get("footnotes", {}).get("refs", {})),
    )
    return ParsedDocument(tuple(_text_blocks(tokens)), context, front_matter, env[_OUTLINE])


@lru_cache(maxsize=64)
def split_table_row(text: str) -> tuple[tuple[int, int], ...]:
    """Split a table row the way markdown-it does, returning each cell's offsets.

    Mirrors `markdown_it.rules_block.table.escapedSplit` plus the table rule's
    dropping of the empty first and last cell; offsets are of the stripped cell.
    Cached: each cell of a row asks for the same split, which made a row of
    400 cells take a second without it.
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
    return tuple(cells)


# --- The outline: a document's block skeleton and the definitions in force ----------------------


def _block_detail(token: Token) -> str:
    if token.type == "heading_open":
        return token.tag
    if token.type == "list_item_open" and "checked" in token.meta:
        return "task"
    if token.type == "alert_open":
        return str(token.meta.get("kind", ""))
    if token.type == "paragraph_open" and token.hidden:
        return "tight"
    return ""


def block_skeleton(tokens: Sequence[Token]) -> tuple[BlockNode, ...]:
    """The block tokens as nodes, in source order (footnote definitions where they stand)."""
    return tuple(
        BlockNode(token.type.removesuffix("_open"), token.level, _block_detail(token))
        for token in tokens
        if token.nesting != -1 and token.type != "inline"
    )


def _outline(tokens: Sequence[Token], env: MutableMapping[str, Any]) -> Outline:
    references = env.get("references", {})
    return Outline(block_skeleton(tokens), tuple((label, ref["href"]) for label, ref in references.items()))


@cache
def _outline_parser() -> MarkdownIt:
    """The product's block rules alone, as `parse_document` runs them before its inline pass.

    Footnote definitions stay where they stand (``footnote_tail``, which moves the
    referenced ones to the end and drops the others, needs the inline pass).
    """
    md = _parser()
    blocks = new_markdown_it()
    blocks.block = md.block
    blocks.validateLink = md.validateLink  # type: ignore[method-assign]
    blocks.core.ruler.disable(["inline", "footnote_tail", "text_join"])
    return blocks


def block_spans(text: str) -> tuple[tuple[int, int], ...]:
    """The lines of each top-level block, a list split into its items: (start, end), 0-based.

    End-exclusive, like `Token.map`. Each span parses alone much as it does in place;
    the document guard checks translations span by span before it checks the whole.
    """
    tokens = _outline_parser().parse(text.removeprefix("\ufeff"), {})
    spans: list[tuple[int, int]] = []
    in_list = False
    for token in tokens:
        if token.level == 0 and token.type in ("bullet_list_open", "ordered_list_open"):
            in_list = True
        elif token.level == 0 and token.type in ("bullet_list_close", "ordered_list_close"):
            in_list = False
        elif token.map and token.nesting >= 0 and token.level == (1 if in_list else 0):
            spans.append((token.map[0], token.map[1]))
    return tuple(spans)


def document_outline(text: str) -> Outline:
    """The outline of a whole document (a byte order mark is not text), inlines not parsed.

    Equal to `ParsedDocument.outline` for the same text: the whole-document guard
    compares a rendered output with its source through it.
    """
    env: dict[str, Any] = {}
    tokens = _outline_parser().parse(text.removeprefix("\ufeff"), env)
    return _outline(tokens, env)
