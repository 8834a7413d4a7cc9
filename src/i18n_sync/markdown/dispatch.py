"""Trying markdown-it's rules only where they can match: the same tokens, in less time.

markdown-it tries every inline rule at every character its text rule stops at, and
every block rule (every rule of a terminator chain, too) at every line; nearly all of
them look at one character first and give up. The tables here say which characters
each rule can start at, and a dispatcher built from them is one rule that tries, in
the library's own order, only the rules that can match there. Tests compare the
tokens with the library's own parser on every fixture and over the corpus.

Plain data: a rule is a (name, function) pair and a dispatcher reads two or three
attributes of the parser's state (`InlineState`, `BlockState`). `markdown.parser`,
which owns markdown-it, hooks the dispatchers in; keeping the tables out of it keeps
it about what the tool reads from Markdown rather than how fast.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from typing import Protocol, TypeVar

# The characters each inline rule can match at. A rule missing here (a library upgrade
# may bring one) is tried everywhere, as before.
INLINE_RULE_STARTS = {
    "newline": "\n",
    "escape": "\\",
    "backticks": "`",
    "strikethrough": "~",
    "emphasis": "_*",
    "link": "[",
    "image": "!",
    "footnote_ref": "[",
    "autolink": "<",
    "html_inline": "<",
    "entity": "&",
    "gfm_autolink_www": "w",
    "gfm_autolink_protocol": ":",
    "gfm_autolink_email": "@",
}

# The characters a line must start with (after its indentation) for each block rule to
# match it; a rule missing here (code, table, lheading, paragraph) is tried at every line.
# Front matter is too: it looks at the document's first character, not the line's.
BLOCK_RULE_STARTS = {
    "fence": "`~",
    "blockquote": ">",
    "hr": "*-_",
    "list": "*-+0123456789",
    "footnote_def": "[",
    "reference": "[",
    "html_block": "<",
    "heading": "#",
}


class InlineState(Protocol):
    """What an inline dispatcher reads of markdown-it's `StateInline`."""

    @property
    def src(self) -> str: ...

    @property
    def pos(self) -> int: ...


class BlockState(Protocol):
    """What a block dispatcher reads of markdown-it's `StateBlock`."""

    @property
    def src(self) -> str: ...

    @property
    def bMarks(self) -> list[int]: ...

    @property
    def tShift(self) -> list[int]: ...


InlineS = TypeVar("InlineS", bound=InlineState)
BlockS = TypeVar("BlockS", bound=BlockState)
InlineRule = Callable[[InlineS, bool], bool]
BlockRule = Callable[[BlockS, int, int, bool], bool]


def inline_dispatch(
    rules: Sequence[tuple[str, InlineRule[InlineS]]], text_stops: re.Pattern[str]
) -> InlineRule[InlineS]:
    """One inline rule that tries only those of `rules` that can match the character at hand.

    The text rule is not tried where it would stop at once (`text_stops`, the library's
    `terminator_re`): markdown-it tries each of its sixteen rules at every such character.
    """

    def tried_at(char: str) -> tuple[InlineRule[InlineS], ...]:
        return tuple(
            fn
            for name, fn in rules
            if char in INLINE_RULE_STARTS.get(name, char) and (name != "text" or not text_stops.match(char))
        )

    table = {char: tried_at(char) for char in "".join(INLINE_RULE_STARTS.values())}
    elsewhere = tuple(fn for name, fn in rules if name not in INLINE_RULE_STARTS)
    rules_at = table.get

    def dispatch(state: InlineS, silent: bool) -> bool:
        # A loop, not any(): this runs at every markup character of every text.
        for rule in rules_at(state.src[state.pos], elsewhere):  # noqa: SIM110
            if rule(state, silent):
                return True
        return False

    return dispatch


def fewer_text_stops(text_stops: re.Pattern[str]) -> re.Pattern[str]:
    """The text rule's stops without GFM's stop at every "w", kept only before "ww.".

    GFM makes the text rule stop at every "w" for its ``www.`` rule, which needs "www."
    to match. Stopping where no rule matches just hands the character on as text, so
    stopping less changes no token.
    """
    if "gfm_autolink_www" not in INLINE_RULE_STARTS or not text_stops.match("w"):
        return text_stops
    return re.compile(f"(?!w)(?:{text_stops.pattern})|w(?=ww\\.)")


def block_dispatch(rules: Sequence[tuple[str, BlockRule[BlockS]]]) -> BlockRule[BlockS]:
    """One block rule that tries only those of `rules` that can start with the line's first character."""

    def tried_at(char: str) -> tuple[BlockRule[BlockS], ...]:
        return tuple(fn for name, fn in rules if char in BLOCK_RULE_STARTS.get(name, char))

    table = {char: tried_at(char) for char in "".join(BLOCK_RULE_STARTS.values())}
    elsewhere = tuple(fn for name, fn in rules if name not in BLOCK_RULE_STARTS)
    rules_at = table.get

    def dispatch(state: BlockS, start: int, end: int, silent: bool) -> bool:
        pos = state.bMarks[start] + state.tShift[start]
        first = state.src[pos : pos + 1]  # "\n" on an empty line, "" at the end
        for rule in rules_at(first, elsewhere):  # noqa: SIM110 (a loop, not any(): hot)
            if rule(state, start, end, silent):
                return True
        return False

    return dispatch
