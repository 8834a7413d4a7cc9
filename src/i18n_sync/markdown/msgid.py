"""The one function that turns a unit's inline Markdown into its msgid.

Extraction calls `compute_msgid` to write catalogues and rendering calls it to
look translations up, so a msgid in a PO file is a lookup key by construction.
"""

from __future__ import annotations

import re
from collections.abc import Collection, Sequence

from i18n_sync.markdown.records import InlineMarks

PLACEHOLDER = re.compile(r"\{(\d+)\}")
_LINE_BREAK = re.compile(r"[ \t]*\n[ \t]*")


def compute_msgid(content: str, marks: InlineMarks) -> tuple[str, tuple[str, ...]]:
    """Return the msgid of inline text and the URL text behind each placeholder.

    Layout is normalised away: a soft line break and the spaces around it
    become one space, so re-wrapping the source changes no msgid; a hard line
    break keeps its marker and loses the next line's indentation. Link and
    image destinations and autolinked URLs become ``{1}``, ``{2}``... A text
    that already holds something shaped like a placeholder keeps its URLs
    verbatim instead, so that a placeholder is never ambiguous.
    """
    if not marks.urls and "\n" not in content:
        return content, ()  # one line without links: nothing to normalise
    edits: list[tuple[int, int, str]] = []
    urls: list[str] = []
    if not PLACEHOLDER.search(content):
        for number, mark in enumerate(marks.urls, start=1):
            edits.append((mark.start, mark.end, f"{{{number}}}"))
            urls.append(content[mark.start : mark.end])
    edits += layout_edits(content, marks.hard_breaks)
    return apply_edits(content, edits), tuple(urls)


def layout_edits(
    content: str, hard_breaks: Collection[int], soft_break: str = " "
) -> list[tuple[int, int, str]]:
    """The edits that normalise the layout of inline text (see `compute_msgid`).

    A soft line break and the spaces around it become `soft_break`; a hard
    line break keeps its marker and loses the next line's indentation.
    """
    hard = set(hard_breaks)
    edits = []
    for match in _LINE_BREAK.finditer(content):
        newline = content.index("\n", match.start())
        if newline in hard:
            edits.append((newline + 1, match.end(), ""))
        else:
            edits.append((match.start(), match.end(), soft_break))
    return edits


def apply_edits(text: str, edits: Sequence[tuple[int, int, str]]) -> str:
    """Replace non-overlapping (start, end, replacement) stretches of `text`."""
    if not edits:
        return text
    parts: list[str] = []
    position = 0
    for start, end, replacement in sorted(edits):
        parts.append(text[position:start])
        parts.append(replacement)
        position = end
    parts.append(text[position:])
    return "".join(parts)


def fill_placeholders(msgstr: str, urls: Sequence[str], strict: bool = True) -> str:
    """Put the URLs back in place of ``{n}`` in a translation.

    A placeholder that has no URL raises `ValueError` naming it, or with
    `strict` off stays as it is (for a checker that reports it). A unit without
    URLs has no placeholders, and braces in its translation are text.
    """
    if not urls:
        return msgstr

    def url_for(match: re.Match[str]) -> str:
        number = int(match.group(1))
        if not 1 <= number <= len(urls):
            if strict:
                raise ValueError(f"{{{number}}} is not a placeholder of this text")
            return match.group(0)
        return urls[number - 1]

    return PLACEHOLDER.sub(url_for, msgstr)
