"""What a text holds once parsed, for comparing a translation with its English.

The checks (`checks.translation`) parse a unit's English and its translation, each in
the document's context, and compare what they find (`TextFacts`): the block skeleton,
link destinations, reference definitions and labels, raw HTML tags, code spans, and
emphasis delimiters left unpaired. The parser here reads the product's syntax with the
product's dispatch (`markdown.parser`), but every link is a link, and its rule wrappers
note what the tokens do not keep.

It is the second module that imports markdown-it (see tests/test_architecture.py):
its rule wrappers write token meta and parse env entries that only its token walkers
read, so wrappers and walkers belong together, and in `markdown.parser` they made one
module of two parsers and nearly a thousand lines. Records, never tokens, leave it.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from functools import cache
from typing import Any

from markdown_it import MarkdownIt
from markdown_it.common.utils import MD_TRIM_CHARS, normalizeReference
from markdown_it.rules_block import StateBlock
from markdown_it.rules_inline import StateInline
from markdown_it.token import Token

from i18n_sync.markdown.html import html_tags
from i18n_sync.markdown.parser import (
    BlockRule,
    InlineRule,
    accept_any_url,
    block_skeleton,
    dispatch_by_character,
    env_for,
    first_new_token,
    new_markdown_it,
)
from i18n_sync.markdown.records import BlockNode, ParseContext, TextFacts

# What the wrappers below write: a token meta key and two parse env keys.
_LABEL = "i18n_sync_label"
_DEFINITIONS = "i18n_sync_definitions"
_UNMATCHED = "i18n_sync_unmatched"
# Emphasis and strikethrough markers, keyed as markdown-it's delimiters hold them.
_DELIMITER_MARKERS = {ord(char): char for char in "*_~"}

# What a unit's text is wrapped in to parse it as the block it stands in.
_BLOCK_WRAPPERS = {"paragraph": "{}", "heading": "# {}", "table-cell": "|{}|\n|-|\n"}

# How a line can start a block other than a paragraph, in the product's parser settings
# (CommonMark, GFM tables, footnotes, front matter): a loose superset, so that a line it
# does not match is certainly a paragraph. Tables and setext headings need two lines.
_OTHER_BLOCK_START = re.compile(
    r"""[ \t>]                   # indented code, or a block quote (and GitHub alert)
      | \#{1,6}(?:[ \t]|$)       # ATX heading
      | [-+*](?:[ \t]|$)         # bullet list item
      | \d{1,9}[.)](?:[ \t]|$)   # ordered list item
      | [-*_][-*_ \t]*$          # thematic break, front matter
      | ```|~~~                  # fence
      | <                        # HTML block
      | \[.*\]:                  # link reference or footnote definition
    """,
    re.VERBOSE,
)


def _reference_label(state: StateInline, start: int) -> str | None:
    """The normalized label of the reference link whose text starts at `start`, if it is one."""
    src = state.src
    label_end = state.md.helpers.parseLinkLabel(state, start, True)
    pos = label_end + 1
    if label_end < 0 or (pos < len(src) and src[pos] == "("):
        return None
    label = ""
    if pos < len(src) and src[pos] == "[":
        close = state.md.helpers.parseLinkLabel(state, pos)
        label = src[pos + 1 : close] if close >= 0 else ""
    return normalizeReference(label or src[start + 1 : label_end])


def _note_label(rule: InlineRule, offset: int) -> InlineRule:
    def wrapped(state: StateInline, silent: bool) -> bool:
        start, first, pos = state.pos, len(state.tokens), state.pos
        if not rule(state, silent):
            return False
        if not silent:
            token = first_new_token(state, first, ("link_open", "image"))
            end, state.pos = state.pos, pos
            label = _reference_label(state, start + offset)
            state.pos = end
            if token is not None and label is not None:
                token.meta[_LABEL] = label
        return True

    return wrapped


def _note_definitions(rule: BlockRule) -> BlockRule:
    """Record every reference definition; the library keeps only a label's first one."""

    def wrapped(state: StateBlock, start: int, end: int, silent: bool) -> bool:
        env = state.env
        known = env.get("references", {})
        env["references"] = {}
        try:
            found = rule(state, start, end, silent)
        finally:
            made, env["references"] = env["references"], known
        for label, reference in made.items():
            known.setdefault(label, reference)
            env.setdefault(_DEFINITIONS, []).append((label, reference["href"]))
        return bool(found)

    return wrapped


def _note_unmatched(state: StateInline) -> None:
    """After emphasis is paired: the delimiters that could pair but stayed text."""
    found = state.env.setdefault(_UNMATCHED, [])
    nested = [meta["delimiters"] for meta in state.tokens_meta if meta and "delimiters" in meta]
    for delimiters in (state.delimiters, *nested):
        for delimiter in delimiters:
            marker = _DELIMITER_MARKERS.get(delimiter.marker)
            token = state.tokens[delimiter.token] if delimiter.token < len(state.tokens) else None
            # A strong pair turns its second markers into empty text, not into tags.
            if token is None or token.type != "text" or not token.content:
                continue
            if marker and (delimiter.open or delimiter.close):
                found.append(marker)


@cache
def _facts_parser() -> MarkdownIt:
    return _build_facts_parser()


def _build_facts_parser(dispatch: bool = True) -> MarkdownIt:
    """The product's parser settings, except that every link is a link.

    markdown-it turns a link whose URL fails its `validateLink` (``javascript:`` and
    others) back into text; GitHub and other renderers make it a link, so the checks
    must see it as one.
    """
    md = new_markdown_it()
    md.validateLink = accept_any_url  # type: ignore[method-assign]
    inline: dict[str, Any] = {rule.name: rule.fn for rule in md.inline.ruler.__rules__}
    md.inline.ruler.at("link", _note_label(inline["link"], 0))
    md.inline.ruler.at("image", _note_label(inline["image"], 1))
    md.inline.ruler2.before("fragments_join", _UNMATCHED, _note_unmatched)
    block = {rule.name: rule for rule in md.block.ruler.__rules__}
    reference = block["reference"]
    md.block.ruler.at("reference", _note_definitions(reference.fn), {"alt": list(reference.alt)})
    # Footnote definitions stay where they stand, used or not, instead of moving to an
    # end block that a footnote reference of the document's context would add.
    md.core.ruler.disable("footnote_tail")
    if dispatch:
        dispatch_by_character(md)
    return md


def _inline_facts(children: Sequence[Token], facts: dict[str, list[Any]]) -> None:
    for token in children:
        if _LABEL in token.meta:  # a reference: its destination is the definition's
            facts["labels"].append(token.meta[_LABEL])
        elif token.type == "link_open":
            facts["links"].append(str(token.attrs.get("href", "")))
        elif token.type == "image":
            facts["links"].append(str(token.attrs.get("src", "")))
        if token.type == "image":
            _inline_facts(token.children or [], facts)
        elif token.type == "code_inline":
            facts["code"].append(token.content)
        elif token.type == "html_inline":
            facts["html"].extend(html_tags(token.content))
        elif token.type == "footnote_ref":
            facts["labels"].append("^" + str(token.meta.get("label", "")))


def text_facts(text: str, context: ParseContext = ParseContext()) -> TextFacts:
    """Parse `text` as a Markdown document in a document's context and say what it holds."""
    env = env_for(context)
    tokens = _facts_parser().parse(text, env)
    facts: dict[str, list[Any]] = {"links": [], "html": [], "code": [], "labels": []}
    for token in tokens:
        if token.type == "inline":
            _inline_facts(token.children or [], facts)
        elif token.type == "html_block":
            facts["html"].extend(html_tags(token.content))
    return TextFacts(
        blocks=block_skeleton(tokens),
        links=tuple(facts["links"]),
        definitions=tuple(env.get(_DEFINITIONS, ())),
        html=tuple(facts["html"]),
        code=tuple(facts["code"]),
        labels=tuple(facts["labels"]),
        unmatched=tuple(env.get(_UNMATCHED, ())),
    )


def _one_block(kind: str, text: str) -> bool:
    """Whether `text` parses, wrapped for its kind, as that one block whatever its words.

    It has no line feed nor whitespace at either end, and: a heading line is a heading;
    a cell without ``|`` nor a final backslash is one cell; a paragraph line is a
    paragraph unless it starts like another block.
    """
    if not text or "\n" in text or "\r" in text:
        return False
    if text[0] in MD_TRIM_CHARS or text[-1] in MD_TRIM_CHARS:
        return False  # the block trims it (no-break spaces too), which can make a link of a URL
    if kind == "heading":
        return True
    if kind == "table-cell":
        return "|" not in text and not text.endswith("\\")  # which would escape the wrapper's '|'
    return _OTHER_BLOCK_START.match(text) is None


@cache
def _one_block_skeleton(wrapper: str) -> tuple[BlockNode, ...]:
    return text_facts(wrapper.format("x")).blocks


def unit_facts(text: str, kind: str, context: ParseContext = ParseContext()) -> TextFacts:
    """`text_facts` of a unit's text wrapped as the block it stands in, at less cost.

    Most texts are one line that can only be that one block (`_one_block`): for them
    the block pass is skipped and the inline text parsed alone, which finds the same
    facts (the block would hand the inline pass the same text, trimmed).
    """
    wrapper = _BLOCK_WRAPPERS.get(kind, "{}")
    if not _one_block(kind, text):
        return text_facts(wrapper.format(text), context)
    env = env_for(context)
    tokens = _facts_parser().parseInline(text, env)
    facts: dict[str, list[Any]] = {"links": [], "html": [], "code": [], "labels": []}
    _inline_facts(tokens[0].children or [], facts)
    return TextFacts(
        blocks=_one_block_skeleton(wrapper),
        links=tuple(facts["links"]),
        html=tuple(facts["html"]),
        code=tuple(facts["code"]),
        labels=tuple(facts["labels"]),
        unmatched=tuple(env.get(_UNMATCHED, ())),
    )
