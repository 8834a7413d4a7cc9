"""Heading anchors computed the way GitHub computes them.

GitHub (html-pipeline's table-of-contents filter) takes a heading's text
content, lower-cases it with full Unicode case mapping, drops every character
that is not a letter, a mark, a decimal digit, a connector (``_``), a hyphen or
a space, turns spaces into hyphens, and numbers repeats ``-1``, ``-2``...
Python's `str.lower` uses the same Unicode mapping (Turkish ``İ`` becomes
``i̇``, with its combining dot, on GitHub too).
"""

from __future__ import annotations

import unicodedata
from collections.abc import Iterable
from functools import cache

_KEPT_CATEGORIES = ("L", "M", "Nd", "Pc")


@cache  # one entry per distinct character: a few thousand at most
def _is_kept(char: str) -> bool:
    if char in "- ":
        return True
    category = unicodedata.category(char)
    return category.startswith(_KEPT_CATEGORIES)


def slugify(text: str) -> str:
    """The anchor of a heading whose text content is `text`, before de-duplication."""
    return "".join(filter(_is_kept, text.lower())).replace(" ", "-")


def unique_anchors(texts: Iterable[str]) -> list[str]:
    """The anchors of a document's headings in order, with ``-1``, ``-2`` for repeats."""
    seen: dict[str, int] = {}
    anchors = []
    for text in texts:
        slug = slugify(text)
        count = seen.get(slug, 0)
        seen[slug] = count + 1
        anchors.append(f"{slug}-{count}" if count else slug)
    return anchors
