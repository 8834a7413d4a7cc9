"""Writing PO files byte for byte as GNU msgcat 0.21 lays them out (``write-po.c``).

``format_po(c)`` equals ``msgcat --no-wrap`` and ``format_po(c, width=N)``
equals ``msgcat --width=N``; wrapping breaks lines where libunistring does
(`linebreak`). Where GNU and the product disagree, the product wins and the
difference is stated where it is made (flags GNU does not know are kept, GNU
drops them; an obsolete entry with translator comments but no msgstr is kept,
GNU drops it).
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence
from functools import lru_cache
from itertools import chain, pairwise, repeat
from operator import attrgetter

from i18n_sync.errors import CatalogError
from i18n_sync.gettext.linebreak import UNLIMITED, Breakable
from i18n_sync.gettext.po_text import format_reference
from i18n_sync.model import Catalog, Message

# What a string may not hold after its escapes are decoded: the characters
# that have no C escape (\a \b \t \n \v \f \r are written as escapes).
UNWRITABLE = re.compile(r"[\x00-\x06\x0e-\x1f\x7f-\x9f\ud800-\udfff]")
_MSGID = attrgetter("msgid")


def plainly_unique(messages: Sequence[Message]) -> bool:
    """Whether every msgid is non-empty and distinct, which makes every key distinct.

    One set for the whole file; the reader and the writer look for the entry at
    fault only when this fails (a msgid may repeat under another msgctxt).
    """
    msgids = set(map(_MSGID, messages))
    return len(msgids) == len(messages) and "" not in msgids


_WRITE_ESCAPES = {
    "\a": "a",
    "\b": "b",
    "\f": "f",
    "\n": "n",
    "\r": "r",
    "\t": "t",
    "\v": "v",
    "\\": "\\",
    '"': '"',
}
_WRITE_ESCAPE = re.compile(r'[\\"\a\b\f\n\r\t\v]')
COMMENT_UNWRITABLE = re.compile(r"[\x00-\x08\x0a-\x1f\x7f-\x9f\ud800-\udfff]")
"""What no comment line of a PO file can hold (a tab it can)."""
_SPACE_OR_COMMA = re.compile(r"[\s,]")
_ITEM_SUSPECT = re.compile(r"[\s,\x00-\x1f\x7f-\x9f\ud800-\udfff]")
# A reference may hold spaces (written isolated, see `format_reference`) and commas.
_REFERENCE_UNWRITABLE = re.compile(r"[\x00-\x1f\x7f-\x9f\ud800-\udfff\u2068\u2069]")
_MIN_WIDTH = 20  # msgcat raises smaller widths to this
_REFERENCE_WIDTH = 79  # msgcat's page width, which applies to #: lines even with --no-wrap


def _portions(text: str) -> list[str]:
    """`text` cut after each newline, as msgcat cuts it before wrapping."""
    pieces = text.split("\n")
    portions = [piece + "\n" for piece in pieces[:-1]]
    if pieces[-1] or not portions:
        portions.append(pieces[-1])
    return portions


def _escape_match(match: re.Match[str]) -> str:
    return "\\" + _WRITE_ESCAPES[match.group()]


def _escaped(portion: str) -> tuple[str, set[int]]:
    """The portion with C escapes, and where breaks are forbidden: inside an escape."""
    text = _WRITE_ESCAPE.sub(_escape_match, portion)
    prohibited = set()
    index = text.find("\\")
    while index >= 0:
        prohibited.add(index + 1)
        index = text.find("\\", index + 2)
    if portion.endswith("\n"):
        prohibited.add(len(text) - 2)  # never break just before a final \n
    return text, prohibited


def _string_lines(prefix: str, keyword: str, text: str, page_width: int | None) -> Iterator[str]:
    """A keyword and its string, laid out as write-po.c's wrap() lays them out."""
    if page_width is None:  # no wrapping (the default): only cuts after line feeds
        portions = [_WRITE_ESCAPE.sub(_escape_match, portion) for portion in _portions(text)]
        if len(portions) == 1:
            yield f'{prefix}{keyword} "{portions[0]}"'
        else:
            yield f'{prefix}{keyword} ""'
            yield from (f'{prefix}"{portion}"' for portion in portions)
        return
    width = (page_width or UNLIMITED) - 1 - (len(prefix) + 1)
    portions = _portions(text)
    first = True
    for index, portion in enumerate(portions):
        escaped, overrides = _escaped(portion)
        breakable = Breakable(escaped, overrides)
        column = len(keyword) + 1 if first else 0
        breaks = breakable.breaks(width, column) if page_width else []
        if first and escaped and (index + 1 < len(portions) or column > width or breaks):
            # Whatever does not fit on the keyword's line starts on the next one.
            yield f'{prefix}{keyword} ""'
            first = False
            breaks = breakable.breaks(width, 0) if page_width else []
        # Its lines at once, joined as `_message_lines` joins lines.
        body = f'"\n{prefix}"'.join(escaped[start:end] for start, end in pairwise([0, *breaks, len(escaped)]))
        yield f'{prefix}{keyword} "{body}"' if first else f'{prefix}"{body}"'
        first = False


def _comment_lines(marker: str, texts: Sequence[str]) -> Iterator[str]:
    for text in texts:
        yield f"{marker} {text}" if text else marker


def _reference_lines(references: Sequence[str], page_width: int) -> Iterator[str]:
    """``#:`` lines filled up to the page width, counted in bytes as msgcat counts."""
    line, column = "#:", 2
    for reference in references:
        # msgcat counts the bytes of the name and line number, not of the isolates.
        size = len(reference.encode("utf-8")) + 1
        if column > 2 and column + size > page_width:
            yield line
            line, column = "#:", 2
        line += " " + format_reference(reference)
        column += size
    if column > 2:
        yield line


def _written_flags(flags: Sequence[str], has_msgstr: bool) -> list[str]:
    """The flags in msgcat's order: fuzzy first, and only on a non-empty msgstr.

    msgcat drops a fuzzy flag on an empty msgstr (it means nothing there) and
    drops flags it does not know; those are kept here, in their order,
    because editors and Weblate read them (``markdown-text``).
    """
    written = [flag for flag in flags if flag != "fuzzy"]
    if has_msgstr and "fuzzy" in flags:
        written.insert(0, "fuzzy")
    return written


def _message_lines(message: Message, page_width: int | None, reference_width: int) -> Iterator[str]:
    yield from _comment_lines("#", message.comments)
    yield from _comment_lines("#.", message.extracted)
    yield from _reference_lines(message.references, reference_width)
    flags = _written_flags(message.flags, bool(message.msgstr))
    if flags:
        yield "#, " + ", ".join(flags)
    if "no-wrap" in message.flags:
        page_width = None
    previous = "#~| " if message.obsolete else "#| "
    if message.previous_msgctxt is not None:
        yield from _string_lines(previous, "msgctxt", message.previous_msgctxt, page_width)
    if message.previous_msgid is not None:
        yield from _string_lines(previous, "msgid", message.previous_msgid, page_width)
    prefix = "#~ " if message.obsolete else ""
    if message.msgctxt is not None:
        yield from _string_lines(prefix, "msgctxt", message.msgctxt, page_width)
    yield from _string_lines(prefix, "msgid", message.msgid, page_width)
    yield from _string_lines(prefix, "msgstr", message.msgstr, page_width)


def _needs_no_escape(text: str) -> bool:
    """Whether `text` is one line without a character written as an escape, tested in C.

    Every character written as an escape but the quote and the backslash is
    unprintable, and so is a line feed.
    """
    return text.isprintable() and '"' not in text and "\\" not in text


def _unwrapped_string(prefix: str, keyword: str, text: str) -> str:
    """`_string_lines` without a page width, joined: cut only after line feeds."""
    if _needs_no_escape(text):  # the common case
        return f'{prefix}{keyword} "{text}"'
    if _needs_no_escape(text.replace("\n", "")):  # lines (a header), no other escape
        # `_portions`, each line feed written as an escape: cut after each.
        portions = text.replace("\n", "\\n\n").removesuffix("\n").split("\n")
    else:
        portions = [_WRITE_ESCAPE.sub(_escape_match, portion) for portion in _portions(text)]
    if len(portions) == 1:
        return f'{prefix}{keyword} "{portions[0]}"'
    return "\n".join([f'{prefix}{keyword} ""', *(f'{prefix}"{portion}"' for portion in portions)])


def _comment_block(marker: str, texts: Sequence[str]) -> str:
    """`_comment_lines`, joined."""
    if all(texts):
        return f"{marker} " + f"\n{marker} ".join(texts)
    return "\n".join(_comment_lines(marker, texts))


@lru_cache(maxsize=256)
def _reference_block(references: tuple[str, ...]) -> str:
    """`_reference_lines` at msgcat's page width, joined; entries share their references."""
    return "\n".join(_reference_lines(references, _REFERENCE_WIDTH))


@lru_cache(maxsize=256)
def _flags_block(flags: tuple[str, ...], has_msgstr: bool) -> str:
    """The ``#,`` line of an entry with these flags ("": no line)."""
    written = _written_flags(flags, has_msgstr)
    return "#, " + ", ".join(written) if written else ""


def _unwrapped_entry(message: Message) -> str:
    """``"\\n".join(_message_lines(message, None, _REFERENCE_WIDTH))``, in fewer steps.

    It runs for every entry of every catalogue written without wrapping, the
    default: the common parts (one-line strings without escapes, the references
    and flags that most entries share) take a shortcut.
    """
    blocks = []
    if message.comments:
        blocks.append(_comment_block("#", message.comments))
    if message.extracted:
        blocks.append(_comment_block("#.", message.extracted))
    if message.references:
        blocks.append(_reference_block(message.references))
    if message.flags and (flags := _flags_block(message.flags, bool(message.msgstr))):
        blocks.append(flags)
    previous = "#~| " if message.obsolete else "#| "
    if message.previous_msgctxt is not None:
        blocks.append(_unwrapped_string(previous, "msgctxt", message.previous_msgctxt))
    if message.previous_msgid is not None:
        blocks.append(_unwrapped_string(previous, "msgid", message.previous_msgid))
    prefix = "#~ " if message.obsolete else ""
    if message.msgctxt is not None:
        blocks.append(_unwrapped_string(prefix, "msgctxt", message.msgctxt))
    blocks.append(_unwrapped_string(prefix, "msgid", message.msgid))
    blocks.append(_unwrapped_string(prefix, "msgstr", message.msgstr))
    return "\n".join(blocks)


def _preview(text: str) -> str:
    """The start of a text for an error message, with escapes and nothing invisible."""
    short = text if len(text) <= 40 else text[:39] + "…"
    short = _WRITE_ESCAPE.sub(lambda m: "\\" + _WRITE_ESCAPES[m.group()], short)
    return '"' + UNWRITABLE.sub(lambda m: f"\\u{ord(m.group()):04x}", short) + '"'


_TEXTS = attrgetter("msgctxt", "msgid", "msgstr", "previous_msgctxt", "previous_msgid")
_COMMENTS = attrgetter("comments", "extracted")


def _are_plainly_writable(messages: Sequence[Message]) -> bool:
    """A quick, conservative test of every entry at once: if it fails, `_check_writable` says why.

    Each part tests characters or items one by one, so testing them all joined
    together is testing each entry; the joining and searching run in C.
    """
    texts = "".join(filter(None, chain.from_iterable(map(_TEXTS, messages))))
    comments = list(chain.from_iterable(chain.from_iterable(map(_COMMENTS, messages))))
    references = list(chain.from_iterable(m.references for m in messages))
    flags = list(chain.from_iterable(m.flags for m in messages))
    return not (
        UNWRITABLE.search(texts)
        or COMMENT_UNWRITABLE.search("".join(comments))
        or any(map(str.endswith, comments, repeat("\\")))
        or not all(references)
        or not all(flags)
        or _REFERENCE_UNWRITABLE.search("".join(references))
        or _ITEM_SUSPECT.search("".join(flags))
    )


def _check_writable(message: Message, path: str | None) -> None:
    """Refuse what a PO file cannot hold, rather than write a file gettext misreads."""
    where = f"the entry msgid {_preview(message.msgid)}"
    texts = {
        "msgctxt": message.msgctxt,
        "msgid": message.msgid,
        "msgstr": message.msgstr,
        "previous msgctxt": message.previous_msgctxt,
        "previous msgid": message.previous_msgid,
    }
    # The English comes from the documents the references name: that is where to change it.
    english = f" from the English of {', '.join(message.references)}" if message.references else ""
    for name, text in texts.items():
        bad = UNWRITABLE.search(text) if text else None
        if bad:
            source = "" if name == "msgstr" else english
            raise CatalogError(
                f"the {name} of {where} contains U+{ord(bad.group()):04X}, "
                f"which a PO file cannot hold; remove it{source}",
                path,
                message.line or None,
            )
    for comments, source in ((message.comments, ""), (message.extracted, english)):
        for comment in comments:
            bad = COMMENT_UNWRITABLE.search(comment)
            if bad or comment.endswith("\\"):
                what = f"U+{ord(bad.group()):04X}" if bad else "a backslash at its end"
                raise CatalogError(
                    f"a comment of {where} contains {what}, which gettext would misread; remove it{source}",
                    path,
                    message.line or None,
                )
    for reference in message.references:
        if not reference.strip() or _REFERENCE_UNWRITABLE.search(reference):
            raise CatalogError(
                f"the reference {reference!r} of {where} is empty or holds a control character; fix it",
                path,
                message.line or None,
            )
    for item in message.flags:
        suspect = _SPACE_OR_COMMA.search(item.removeprefix("range: ")) or COMMENT_UNWRITABLE.search(item)
        if not item or suspect:
            raise CatalogError(
                f"the flag {item!r} of {where} is empty or holds a space or comma; fix it",
                path,
                message.line or None,
            )


def _check_catalog(catalog: Catalog, path: str | None) -> None:
    check_entries(catalog.messages, path)
    check_header(catalog, path)


def check_entries(messages: Sequence[Message], path: str | None) -> None:
    """Raise `CatalogError` (naming `path`) for entries a PO file cannot hold (`check_catalog`'s
    first half: the entries, then the header)."""
    if not plainly_unique(messages) or not _are_plainly_writable(messages):
        _check_messages(messages, path)  # something is wrong: find the first entry at fault


def check_header(catalog: Catalog, path: str | None) -> None:
    """Raise `CatalogError` (naming `path`) for a header field a PO file cannot hold."""
    # Every field at once (a first sync writes thousands of headers), then the first at fault.
    names = "".join([name for name, _ in catalog.header])
    fields = names + "".join([value for _, value in catalog.header])
    if ":" in names or "\n" in fields or UNWRITABLE.search(fields):
        for name, value in catalog.header:
            if "\n" in name + value or ":" in name or UNWRITABLE.search(name + value):
                raise CatalogError(f"header field {name!r} cannot be written as 'Name: value'", path)


def _check_messages(messages: Sequence[Message], path: str | None) -> None:
    seen: set[tuple[str | None, str]] = set()
    for message in messages:
        _check_writable(message, path)
        if not message.msgid:
            raise CatalogError("an entry with an empty msgid; only the header has one", path)
        if message.key in seen:
            raise CatalogError(
                f"two entries with msgctxt {message.msgctxt!r} and msgid {_preview(message.msgid)}; keep one",
                path,
            )
        seen.add(message.key)


def header_text(header: Sequence[tuple[str, str]]) -> str:
    """The header entry's msgstr: "Name: value" lines; a field without a name is its value alone."""
    return "".join(f"{name}: {value}\n" if name else f"{value}\n" for name, value in header)


def header_entry(catalog: Catalog) -> Message:
    """The header as the entry it is written as (msgid "")."""
    return Message(
        msgid="",
        msgstr=header_text(catalog.header),
        comments=catalog.header_comments,
        flags=catalog.header_flags,
    )


def in_file_order(catalog: Catalog) -> list[Message]:
    """The messages in the order they are written: active ones first, then obsolete ones.

    msgcat leaves out obsolete entries whose msgstr is empty; they are kept
    here, since one may hold a translator's comments (update only makes
    obsolete entries that hold a translation or comments).
    """
    return [m for m in catalog.messages if not m.obsolete] + [m for m in catalog.messages if m.obsolete]


def format_entry(message: Message, width: int = 0) -> str:
    """One entry as `format_po` lays it out with this width, without the line feed after it."""
    if width <= 0:
        return _unwrapped_entry(message)
    page_width = max(width, _MIN_WIDTH)
    return "\n".join(_message_lines(message, page_width, page_width))


def check_catalog(catalog: Catalog, path: str | None) -> None:
    """Raise `CatalogError` (naming `path`) for what a PO file cannot hold."""
    _check_catalog(catalog, path)


def format_po(catalog: Catalog, width: int = 0, path: str | None = None) -> str:
    """Lay a catalogue out as GNU msgcat 0.21 does: UTF-8 text, LF, no BOM.

    `width` 0 gives ``msgcat --no-wrap``; a positive width gives
    ``msgcat --width=N`` (widths under 20 count as 20, as in msgcat). Active
    entries come first, then obsolete ones. Raises `CatalogError` (naming
    `path`) for text a PO file cannot hold, such as control characters.
    """
    _check_catalog(catalog, path)
    messages = (header_entry(catalog), *in_file_order(catalog))
    if width <= 0:
        blocks = list(map(_unwrapped_entry, messages))
    else:
        page_width = max(width, _MIN_WIDTH)
        blocks = ["\n".join(_message_lines(m, page_width, page_width)) for m in messages]
    return "\n\n".join(blocks) + "\n"
