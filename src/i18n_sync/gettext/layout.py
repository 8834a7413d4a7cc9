"""Writing a catalogue over its previous file while keeping the layout its last tool gave it.

Translators' tools lay PO files out their own way: msgcat and msgmerge wrap at
79 columns unless told otherwise, Poedit and Weblate (Translate Toolkit) at 79
or 77 with their own line breaking, polib at 78. Rewriting every entry in our
layout after each of them would make every translator's pull request a
rewrite of the whole file. So `update_po` keeps, byte for byte, every entry
whose content did not change (wrapping, comment order, flag spelling, the
blank lines before it), and lays out only new and changed entries, at the
width the file uses (`detect_width`) unless the configuration sets one.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import replace
from itertools import pairwise

from i18n_sync.gettext.linebreak import display_width
from i18n_sync.gettext.po import Layout
from i18n_sync.gettext.po_write import (
    check_catalog,
    check_entries,
    check_header,
    format_entry,
    format_po,
    header_entry,
    in_file_order,
)
from i18n_sync.model import Catalog, Message
from i18n_sync.record import record

# What precedes a string on an obsolete entry's or a previous msgid's line.
_PREFIX = re.compile(r"#~\| |#~ |#\| ")
_KEYWORD_STRING = re.compile(r'(?:msgctxt|msgid|msgstr|msgid_plural)(?:\[\d+\])? "')
# Widths tried when a file is wrapped, besides those its longest lines suggest:
# GNU's and Poedit's default (79), Translate Toolkit's and Weblate's (77), polib's (78).
_USUAL_WIDTHS = (79, 77, 78, 76, 80)
_SPACES = re.compile(r"\s+")
_SAMPLE = 12  # wrapped entries tried per candidate width


def _entry_text(layout: Layout, span: tuple[int, int]) -> str:
    return "\n".join(layout.lines[span[0] : span[1]])


def _gap(layout: Layout, before: int, start: int) -> str:
    """What separates an entry from the one before it: a line feed, then the blank lines
    right before it (``"\\n\\n"`` for one, as every tool writes it)."""
    first = start
    while first > before and not layout.lines[first - 1].strip():
        first -= 1
    blank = layout.lines[first:start]
    return "\n" + "".join(line + "\n" for line in blank) if blank else "\n\n"


def _string_lines(text: str) -> list[str]:
    """The lines of an entry that hold strings, without an obsolete or previous prefix."""
    found = []
    for line in text.split("\n"):
        prefix = _PREFIX.match(line)
        rest = line[prefix.end() :] if prefix else line
        if rest.startswith('"') or _KEYWORD_STRING.match(rest):
            found.append(rest)
    return found


def _is_wrapped(lines: Sequence[str]) -> bool:
    """Whether a string goes on to the next line where it has no line feed to end it."""
    return any(
        following.startswith('"') and not line.endswith(('\\n"', ' ""'))
        for line, following in pairwise(lines)
    )


def detect_width(catalog: Catalog, layout: Layout) -> int:
    """The page width the file's strings were wrapped at (0: not wrapped).

    A file none of whose strings continue past a line without a line feed is
    unwrapped. Otherwise the width is the one at which msgcat's layout gives
    back most of a sample of the file's wrapped entries; when no width does (a
    tool with other line breaking), the length of its longest line.
    """
    wrapped = []
    longest = 0
    for message, span in zip(catalog.messages, layout.entries, strict=True):
        text = _entry_text(layout, span)
        lines = _string_lines(text)
        if "no-wrap" in message.flags or not _is_wrapped(lines):
            continue
        wrapped.append((message, text))
        strings = (line for line in text.split("\n") if not line.startswith("#") or line[1:2] in "~|")
        longest = max([longest, *map(display_width, strings)])
    if not wrapped:
        return 0
    # A line may be as long as the page width; the usual widths win a tie.
    candidates = dict.fromkeys((*_USUAL_WIDTHS, longest, longest + 1, longest + 2))
    sample = wrapped[:: max(1, len(wrapped) // _SAMPLE)][:_SAMPLE]
    scores = {
        width: sum(format_entry(message, width) == text for message, text in sample)
        for width in candidates
        if width >= longest
    }
    best = max(scores, key=lambda width: scores[width], default=longest)
    return best if scores.get(best) else longest


def _keyed(catalog: Catalog, layout: Layout) -> dict[tuple[bool, str | None, str], tuple[Message, str, str]]:
    """Each old entry by (obsolete, msgctxt, msgid): the message, its text, the gap before it."""
    found = {}
    previous_end = layout.header[1]
    for message, span in zip(catalog.messages, layout.entries, strict=True):
        gap = _gap(layout, previous_end, span[0])
        found[(message.obsolete, *message.key)] = (message, _entry_text(layout, span), gap)
        previous_end = span[1]
    return found


def _is_unchanged(old: Message, new: Message) -> bool:
    """Whether the entry read as `old` may keep its text for `new`.

    Extracted comments are compared without white space: polib wraps long ``#.``
    lines into several comments (a URL list becomes "{2}:" and the URL), and
    what they say is the same. Everything a translator wrote is compared exactly.
    """
    if old == new:
        return True
    if old.extracted == new.extracted or replace(old, extracted=new.extracted) != new:
        return False
    return _SPACES.sub("", "".join(old.extracted)) == _SPACES.sub("", "".join(new.extracted))


@record
class Written:
    """A catalogue's text, and the 1-based first line of each active entry in it, by key."""

    text: str
    lines: Mapping[tuple[str | None, str], int]


def update_po(
    catalog: Catalog,
    previous: tuple[Catalog, Layout] | None,
    width: int = 0,
    path: str | None = None,
) -> str:
    """Lay `catalog` out over the file it was read from (`previous`: what `parse_po_layout` read).

    Unchanged entries, and an unchanged header, keep their text and the blank
    lines before them; obsolete plural entries and comments after the last entry
    stay at the end. New and changed entries are laid out as `format_po` lays
    them out, at `width` when it is positive, else at the file's own
    (`detect_width`). Without a previous file this is ``format_po(catalog, width)``.
    """
    if previous is None:
        return format_po(catalog, width, path)
    return write_po(catalog, previous, width, path).text


def write_po(
    catalog: Catalog,
    previous: tuple[Catalog, Layout] | None,
    width: int = 0,
    path: str | None = None,
) -> Written:
    """`update_po`, with where each entry is in the text, so that messages can name its line."""
    if previous is None:
        return _new_file(catalog, width, path)
    check_catalog(catalog, path)
    old, layout = previous
    widths: list[int] = [width] if width > 0 else []

    def lay_out(message: Message) -> str:
        if not widths:  # the file's width, found when the first entry needs it
            widths.append(detect_width(old, layout))
        return format_entry(message, widths[0])

    old_entries = _keyed(old, layout)
    header = header_entry(catalog)
    same_header = header == header_entry(old)
    parts = [_entry_text(layout, layout.header) if same_header else lay_out(header)]
    line = parts[0].count("\n") + 1
    lines: dict[tuple[str | None, str], int] = {}
    for message in in_file_order(catalog):
        kept = old_entries.get((message.obsolete, *message.key))
        if kept is not None and _is_unchanged(kept[0], message):
            gap, text = kept[2], kept[1]
        else:
            gap, text = "\n\n", lay_out(message)
        line += gap.count("\n")
        if not message.obsolete:
            lines[message.key] = line
        parts += [gap, text]
        line += text.count("\n")
    for span in (*layout.kept, layout.trailer):
        if span[1] > span[0]:
            parts += ["\n\n", _entry_text(layout, span)]
    return Written("".join(parts) + "\n", lines)


# The entries of the last new catalogue `_new_file` wrote, laid out: (width, messages, text,
# each active entry's line counted from the header's last). Each document's catalogues in
# every language start with the same entries under another header, one after the other
# (a docs tree of 94 documents in 21 languages: 1,974 catalogues, 28,791 entries), and
# laying them out and checking them was most of the cost of writing one.
_last_new: tuple[int, tuple[Message, ...], str, tuple[tuple[tuple[str | None, str], int], ...]] | None = None


def _new_file(catalog: Catalog, width: int, path: str | None) -> Written:
    """`write_po` of a catalogue with no previous file: as `format_po` lays it out, with each
    active entry's line; the entries laid out once for the catalogues that share them."""
    global _last_new
    messages = catalog.messages
    last = _last_new
    if last is None or last[0] != width or last[1] != messages:
        check_entries(messages, path)  # before the header, as `check_catalog` checks them
        parts, relative, line = [], [], 0
        for message in in_file_order(catalog):
            text = format_entry(message, width)
            if not message.obsolete:
                relative.append((message.key, line + 2))
            parts += ["\n\n", text]
            line += 2 + text.count("\n")
        last = _last_new = (width, messages, "".join(parts), tuple(relative))
    check_header(catalog, path)
    head = format_entry(header_entry(catalog), width)
    start = head.count("\n") + 1  # the header's last line
    return Written(head + last[2] + "\n", {key: start + line for key, line in last[3]})
