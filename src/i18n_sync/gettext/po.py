"""Reading and writing PO files, laid out byte for byte as GNU msgcat lays them out.

Why not polib: polib 1.2.0 reads several malformed files without a word and
changes their content (an unterminated string loses its last character, an
entry without msgstr merges into the next, ``msgstr[10]`` reads as
``msgstr[1]``, ``\\x61`` is not decoded, the charset is guessed from the first
``charset=`` anywhere), and its writer does not lay files out as msgcat does,
so every round trip through GNU tools, Poedit or Weblate would rewrite whole
files. Validating before trusting it would mean parsing twice; this module
parses once, strictly, and reports ``path:line:col`` in the style of msgfmt.

The writer follows GNU gettext 0.21 (``write-po.c``): ``format_po(c)`` equals
``msgcat --no-wrap`` and ``format_po(c, width=N)`` equals ``msgcat --width=N``.
Wrapping uses the Unicode line breaking algorithm (UAX #14) exactly as
libunistring 1.0, the library msgcat calls, implements it; its per-character
table is embedded below. Where GNU and the product disagree, the product wins
and the difference is stated where it is made (unknown flags such as
``markdown-text`` are kept, GNU drops them; an obsolete entry with translator
comments but no msgstr is kept, GNU drops it).
"""

from __future__ import annotations

import base64
import bisect
import re
import zlib
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from functools import cache, lru_cache
from itertools import chain, pairwise, repeat
from operator import attrgetter

from i18n_sync.errors import CatalogError, Diagnostic
from i18n_sync.model import Catalog, Message

# ---------------------------------------------------------------- reading --

_PLAIN_RUN = re.compile(r'[^"\\]+')
_ESCAPES = {"n": 10, "t": 9, "r": 13, "a": 7, "b": 8, "f": 12, "v": 11, "\\": 92, '"': 34}
_KEYWORD = re.compile(r"[A-Za-z_$][A-Za-z0-9_$]*")
_INDEX = re.compile(r"\s*\[\s*\d*\s*\]")
_KEYWORDS = ("msgctxt", "msgid", "msgstr")
# Multi-line, so that in many lines at once it finds a marker alone on its line too.
_CONFLICT = re.compile(r"(<<<<<<<|\|\|\|\|\|\|\||=======|>>>>>>>)(?: |$)", re.MULTILINE)
# Raw control characters have no place in a catalogue: gettext cuts strings at
# NUL, and the others are invisible in every editor. TAB is text.
_CONTROLS = r"\x00-\x08\x0b-\x1f\x7f-\x9f"
_CONTROL = re.compile(f"[{_CONTROLS}]")
# A line that `check_line` refuses for ending in a backslash, searched for in many lines at once.
_TRAILING_BACKSLASH = re.compile(r"\\$", re.MULTILINE)
_CONFLICT_STARTS = ("<<<<<<<", "|||||||", "=======", ">>>>>>>")


def _first_conflict(text: str, start: int, end: int) -> int:
    """Where the first merge-conflict marker line from `start` to `end` begins, or -1.

    Plain substring searches find the candidates far faster than a multi-line
    regular expression would; `_CONFLICT` then confirms each at a line start.
    """
    best = -1
    for marker in _CONFLICT_STARTS:
        position = text.find(marker, start, end)
        while position >= 0:
            at_line_start = position == 0 or text[position - 1] == "\n"
            if at_line_start and _CONFLICT.match(text, position, end):
                best = position if best < 0 else min(best, position)
                break
            position = text.find(marker, position + 1, end)
    return best


# What a string may not hold after its escapes are decoded: the characters
# that have no C escape (\a \b \t \n \v \f \r are written as escapes).
_UNWRITABLE = re.compile(r"[\x00-\x06\x0e-\x1f\x7f-\x9f\ud800-\udfff]")
_CHARSET = re.compile(r"charset=([^\s;\"\\]+)")
_UTF8_NAMES = ("UTF-8", "UTF8", "CHARSET")

_MSGID = attrgetter("msgid")

_FIX = "fix the file or restore it from version control"
_RESOLVE = "resolve the conflict (keep one version of the entry), then run 'i18n-sync update'"


@dataclass(slots=True)
class _Entry:
    """An entry while it is being read."""

    line: int = 0
    comments: list[str] = field(default_factory=list)
    extracted: list[str] = field(default_factory=list)
    references: list[str] = field(default_factory=list)
    flags: list[str] = field(default_factory=list)
    previous: dict[str, str] = field(default_factory=dict)
    strings: dict[str, str] = field(default_factory=dict)
    keyword_lines: dict[str, int] = field(default_factory=dict)
    obsolete: bool = False
    last: str = ""

    @property
    def started(self) -> bool:
        return bool(self.strings)

    @property
    def has_comments(self) -> bool:
        return bool(self.comments or self.extracted or self.references or self.flags or self.previous)


def _split_flags(text: str) -> list[str]:
    """Flags as msgfmt splits them: at commas and white space, "range: a..b" kept whole."""
    flags: list[str] = []
    for token in re.split(r"[\s,]+", text):
        if token and flags and flags[-1] == "range:":
            flags[-1] += " " + token
        elif token:
            flags.append(token)
    return flags


# GNU gettext (0.22 and later) writes a file name holding a space or a tab between
# U+2068 FIRST STRONG ISOLATE and U+2069 POP DIRECTIONAL ISOLATE, so that ``#:``
# lines still split at white space; a line number follows the closing isolate.
_ISOLATE_OPEN, _ISOLATE_CLOSE = "\u2068", "\u2069"
_ISOLATED = re.compile(r"\u2068([^\u2068\u2069]*)\u2069(\S*)|(\S+)")
_LINE_NUMBER = re.compile(r"(.*?)(:\d+)?")


def split_references(text: str) -> tuple[str, ...]:
    """The references of ``#:`` text: file names (with ``:line``), isolates taken off."""
    return tuple(
        match.group(3) or match.group(1) + match.group(2)
        for match in _ISOLATED.finditer(text)
        if match.group(3) or match.group(1)
    )


def format_reference(reference: str) -> str:
    """A reference as GNU gettext writes it: isolated when the file name has a space or a tab."""
    if " " not in reference and "\t" not in reference:
        return reference
    name, number = _LINE_NUMBER.fullmatch(reference).groups()  # type: ignore[union-attr]
    return f"{_ISOLATE_OPEN}{name}{_ISOLATE_CLOSE}{number or ''}"


def _add_comment(entry: _Entry, body: str) -> None:
    """Add a ``#`` comment line (not ``#|`` nor ``#~``) to the entry being read."""
    kind, rest = body[1:2], body[2:]
    if kind == ".":
        entry.extracted.append(rest.removeprefix(" "))
    elif kind == ":":
        entry.references.extend(split_references(rest))
    elif kind in (",", "!"):
        entry.flags.extend(_split_flags(rest))
    else:
        entry.comments.append(body[1:].removeprefix(" "))


# The layout GNU tools and `format_po` write, one entry between blank lines: read at
# once, with one regular expression, instead of line by line. Comments come in
# msgcat's order (translator, extracted, references, one flags line); anything else
# (obsolete entries, rarer escapes, other spacing or order) goes through the line reader.
# No line it matches is one `check_line` refuses: no control characters, no comment
# ending in a backslash, and every line starts with "#", a keyword or a quote.
_QUOTED = rf'"[^"\\\n{_CONTROLS}]*(?:\\[nt"\\][^"\\\n{_CONTROLS}]*)*"'
_COMMENT_TEXT = rf"[^\n{_CONTROLS}]*(?<!\\)"
_FAST_ENTRY = re.compile(
    rf"(?P<comments>(?:#(?: {_COMMENT_TEXT})?\n)*)"
    rf"(?P<extracted>(?:#\. {_COMMENT_TEXT}\n)*)"
    rf"(?P<references>(?:#: {_COMMENT_TEXT}\n)*)"
    rf"(?P<flags>(?:#, {_COMMENT_TEXT}\n)?)"
    rf"(?:#\| msgid (?P<previous>{_QUOTED}\n(?:#\| {_QUOTED}\n)*))?"
    rf"(?:msgctxt (?P<msgctxt>{_QUOTED}\n(?:{_QUOTED}\n)*))?"
    rf"msgid (?P<msgid>{_QUOTED}\n(?:{_QUOTED}\n)*)"
    rf"msgstr (?P<msgstr>{_QUOTED}\n(?:{_QUOTED}\n)*)"
    r"(?:\n|\Z)"  # the blank line after the entry, or the end of the text
)
_FAST_ESCAPE = re.compile(r"\\([nt\"\\])")
_FAST_ESCAPES = {"n": "\n", "t": "\t", '"': '"', "\\": "\\"}


def _unescape(match: re.Match[str]) -> str:
    return _FAST_ESCAPES[match.group(1)]


def _fast_string(lines: str, continuation: str = '"\n"') -> str:
    """The text of ``"..."`` lines that `_FAST_ENTRY` matched, each ending in a line feed.

    Inside such a string a quote is escaped, so the only ``"\\n"`` (or ``"\\n#| "``) is
    where one line's string ends and the next one's starts.
    """
    text = lines[1:-2].replace(continuation, "")
    return _FAST_ESCAPE.sub(_unescape, text) if "\\" in text else text


def _comment_items(lines: str) -> tuple[str, ...]:
    """What a run of `_FAST_ENTRY`'s comment lines of one kind holds, as `_add_comment` reads it."""
    if not lines:
        return ()
    kind = lines[1]
    if kind == ".":
        return tuple(lines[3:-1].split("\n#. "))
    if kind == ":":
        return split_references(lines[3:].replace("\n#: ", " "))
    if kind == ",":
        flags = _split_flags(lines[2:]) if "range:" in lines else lines[2:].replace(",", " ").split()
        return tuple(dict.fromkeys(flags))
    return tuple(line[2:] for line in lines[:-1].split("\n"))  # "# text" or "#"


class _CommentItems(dict[str, tuple[str, ...]]):
    """Runs of comment lines and what they hold, each parsed once when first looked up.

    The same runs come back from entry to entry (the same reference, the same flags).
    """

    def __missing__(self, lines: str) -> tuple[str, ...]:
        items = self[lines] = _comment_items(lines)
        return items


class _Reader:
    """A line-oriented reader that accepts what msgfmt accepts, minus what loses text.

    The first entry stays an `_Entry`, since the header checks need its lines;
    the others become messages, with the line of each msgid beside them.
    """

    def __init__(self, text: str, path: str) -> None:
        self.text = text
        self.path = path
        self.header: _Entry | None = None
        self.messages: list[Message] = []
        self.msgid_lines: list[int] = []
        self.entry = _Entry()
        self.comment_items = _CommentItems()

    def fail(self, line: int, message: str, column: int | None = None) -> CatalogError:
        return CatalogError(message, self.path, line, column)

    def read(self, fast: bool = True) -> None:
        """Read the text; `fast` lets entries in the common layout skip the line reader."""
        if fast:
            self.read_blocks()
        else:
            self.read_lines(1, 0, len(self.text))
        self.finish(at_end=True)

    def read_blocks(self) -> None:
        """Read block by block, as ``text.split("\\n\\n")`` cuts them, each with one match if it can.

        The line reader does the first entry, and any block that does not match
        or that continues an entry (comments before a blank line).
        """
        number, position = 1, 0
        while position <= len(self.text):
            if self.header is not None and not self.entry.started and not self.entry.has_comments:
                number, position = self.read_matches(number, position)
            end = self.text.find("\n\n", position)
            end = len(self.text) if end < 0 else end
            count = self.text.count("\n", position, end) + 1
            self.read_lines(number, position, end)
            self.read_line(number + count, "")  # the blank line that ends the block
            number += count + 1
            position = end + 2

    def read_matches(self, number: int, position: int) -> tuple[int, int]:
        """Add the entries `_FAST_ENTRY` matches one after the other from line `number`.

        Returns the line and position after them. This loop runs for nearly every
        entry of a file, so it keeps to a few calls per entry.
        """
        text, items = self.text, self.comment_items
        add_message, add_line = self.messages.append, self.msgid_lines.append
        while match := _FAST_ENTRY.match(text, position):
            comments, extracted, references, flags, previous, msgctxt, msgid, msgstr = match.groups()
            add_message(
                Message(
                    msgid=_fast_string(msgid),
                    msgstr=_fast_string(msgstr),
                    msgctxt=None if msgctxt is None else _fast_string(msgctxt),
                    flags=items[flags],
                    comments=items[comments],
                    extracted=items[extracted],
                    references=items[references],
                    previous_msgid=None if previous is None else _fast_string(previous, '"\n#| "'),
                    line=number,
                )
            )
            add_line(number + text.count("\n", position, match.start("msgid")))
            number += text.count("\n", position, match.end())
            position = match.end()
        # No check for control characters above: a match has no raw ones, and the
        # escapes it decodes give only line feeds, tabs, quotes and backslashes.
        return number, position

    def read_lines(self, first: int, start: int, end: int) -> None:
        """Read ``text[start:end]`` line by line, its first line being line `first`."""
        suspect = self.next_suspect(first, start, end)
        for number, line in enumerate(self.text[start:end].split("\n"), start=first):
            start += len(line) + 1  # now where the next line starts
            if number == suspect:
                self.check_line(number, line)
                suspect = self.next_suspect(number + 1, start, end)
            self.read_line(number, line)

    def next_suspect(self, first: int, start: int, end: int) -> int:
        """The first line from `start` to `end` that `check_line` could refuse (0: none).

        Lines are numbered from `first`, the line at `start`. One search over the
        text instead of three per line: reading stays in line order, so the first
        problem reported is the same.
        """
        found = [
            match.start()
            for pattern in (_CONTROL, _TRAILING_BACKSLASH)
            if (match := pattern.search(self.text, start, end))
        ]
        conflict = _first_conflict(self.text, start, end)
        if conflict >= 0:
            found.append(conflict)
        return first + self.text.count("\n", start, min(found)) if found else 0

    def finish(self, at_end: bool = False) -> None:
        entry = self.entry
        if not entry.started:
            if at_end and entry.has_comments:
                raise self.fail(
                    entry.line, "comments at the end of the file belong to no entry; move or remove them"
                )
            return
        if "msgid" not in entry.strings:
            raise self.fail(entry.line, "missing 'msgid' section; add the msgid or remove the entry")
        if "msgstr" not in entry.strings:
            raise self.fail(
                entry.keyword_lines["msgid"], "missing 'msgstr' section; add msgstr \"\" after the msgid"
            )
        if self.header is None:
            self.header = entry
        else:
            self.messages.append(_to_message(entry))
            self.msgid_lines.append(entry.keyword_lines["msgid"])
        self.entry = _Entry()

    def read_line(self, number: int, line: str) -> None:
        body = line.lstrip(" \t")
        offset = len(line) - len(body)
        if not body.rstrip(" \t"):
            if self.entry.started:
                self.finish()
        elif body.startswith("#~"):
            self.read_obsolete(number, body[2:], offset + 2)
        elif body.startswith("#"):
            self.read_comment(number, body, offset)
        else:
            self.read_keyword(number, body.rstrip(" \t"), offset, obsolete=False)

    def check_line(self, number: int, line: str) -> None:
        marker = _CONFLICT.match(line)
        if marker:
            raise self.fail(number, f"unresolved merge conflict marker '{marker.group(1)}'; " + _RESOLVE)
        control = _CONTROL.search(line)
        if control:
            raise self.fail(
                number,
                f"control character U+{ord(control.group()):04X}; remove it",
                control.start() + 1,
            )
        if line.endswith("\\"):
            # msgfmt joins such a line with the next one, wherever it is.
            raise self.fail(
                number,
                "the line ends with a backslash, which gettext joins with the next line; "
                'remove it, or end the string and continue in a new "..." line',
                len(line),
            )

    def start_if_needed(self, number: int) -> None:
        if self.entry.started:
            self.finish()
        if not self.entry.line:
            self.entry.line = number

    def read_comment(self, number: int, body: str, offset: int) -> None:
        if body.startswith("#|"):
            self.read_previous(number, body[2:], offset + 2)
            return
        self.start_if_needed(number)
        _add_comment(self.entry, body)

    def read_previous(self, number: int, rest: str, offset: int) -> None:
        text = rest.strip(" \t")
        column = offset + len(rest) - len(rest.lstrip(" \t"))
        if not text.startswith('"'):
            self.start_if_needed(number)
            keyword, text, column = self.split_keyword(number, text, column)
            if keyword not in ("msgctxt", "msgid") or keyword in self.entry.previous:
                raise self.fail(number, f"unexpected '#| {keyword}'; " + _FIX, column + 1)
            self.entry.previous[keyword] = ""
            self.entry.last = "previous " + keyword
        elif not self.entry.last.startswith("previous "):
            raise self.fail(number, "a '#|' string without a keyword before it; " + _FIX, column + 1)
        key = self.entry.last.removeprefix("previous ")
        self.entry.previous[key] += self.parse_strings(text, number, column)

    def read_obsolete(self, number: int, rest: str, offset: int) -> None:
        if rest.startswith("|"):
            self.read_previous(number, rest[1:], offset + 1)
            return
        body = rest.lstrip(" \t")
        offset += len(rest) - len(body)
        if body.startswith("#"):
            # msgcat reads "#~ # note" as the obsolete entry's translator comment.
            self.read_comment(number, body, offset)
        elif body.rstrip(" \t"):
            self.read_keyword(number, body.rstrip(" \t"), offset, obsolete=True)

    def split_keyword(self, number: int, text: str, column: int) -> tuple[str, str, int]:
        """The keyword at the start of `text`, the text after it and its column."""
        match = _KEYWORD.match(text)
        if match is None:
            raise self.fail(number, "expected a keyword or a string in double quotes; " + _FIX, column + 1)
        keyword = match.group()
        if keyword == "msgid_plural" or (keyword == "msgstr" and _INDEX.match(text, match.end())):
            raise self.fail(
                number,
                "plural forms are not used in Markdown catalogues; remove msgid_plural and msgstr[N]",
                column + 1,
            )
        if keyword not in _KEYWORDS:
            raise self.fail(
                number, f'keyword "{keyword}" unknown; the keywords are msgctxt, msgid and msgstr', column + 1
            )
        rest = text[match.end() :]
        after = rest.lstrip(" \t")
        return keyword, after, column + match.end() + len(rest) - len(after)

    def read_keyword(self, number: int, text: str, offset: int, obsolete: bool) -> None:
        entry = self.entry
        if text.startswith('"'):
            if entry.last not in _KEYWORDS:
                raise self.fail(number, "a string without a keyword before it; " + _FIX, offset + 1)
            if entry.obsolete != obsolete:
                raise self.fail(number, "an entry that is partly obsolete ('#~'); " + _FIX, offset + 1)
            entry.strings[entry.last] += self.parse_strings(text, number, offset)
            return
        keyword, rest, column = self.split_keyword(number, text, offset)
        entry = self.begin(number, keyword, offset, obsolete)
        entry.keyword_lines[keyword] = number
        entry.strings[keyword] = self.parse_strings(rest, number, column)
        entry.last = keyword

    def begin(self, number: int, keyword: str, offset: int, obsolete: bool) -> _Entry:
        """The entry a keyword line belongs to, starting a new one after a msgstr."""
        if keyword != "msgstr" and "msgstr" in self.entry.strings:
            self.finish()
        entry = self.entry
        if keyword in entry.strings or (keyword == "msgctxt" and "msgid" in entry.strings):
            self.check_sequence(number, keyword, offset)
        if keyword == "msgstr" and "msgid" not in entry.strings:
            raise self.fail(number, "'msgstr' without a 'msgid' before it; " + _FIX, offset + 1)
        if entry.started and entry.obsolete != obsolete:
            raise self.fail(number, "an entry that is partly obsolete ('#~'); " + _FIX, offset + 1)
        if not entry.line:
            entry.line = number
        entry.obsolete = obsolete
        return entry

    def check_sequence(self, number: int, keyword: str, offset: int) -> None:
        """A keyword that the entry has already, or a msgctxt after the msgid: say why."""
        if "msgid" in self.entry.strings and keyword != "msgstr":
            # msgfmt's reading too: the entry before this keyword lacks its msgstr.
            raise self.fail(
                self.entry.keyword_lines["msgid"], "missing 'msgstr' section; add msgstr \"\" after the msgid"
            )
        raise self.fail(number, f"a second '{keyword}' in one entry; " + _FIX, offset + 1)

    def parse_strings(self, text: str, number: int, offset: int) -> str:
        """Decode one or more ``"..."`` with C escapes on one line, as msgfmt does."""
        if not text.startswith('"'):
            raise self.fail(number, "expected a string in double quotes; " + _FIX, offset + 1)
        data = bytearray()
        escapes: list[tuple[int, int]] = []  # (byte offset, column) of each escape
        position = 0
        while position < len(text):
            position = self.parse_string(text, position, number, offset, data, escapes)
            rest = text[position:]
            position += len(rest) - len(rest.lstrip(" \t"))
            if position < len(text) and text[position] != '"':
                raise self.fail(number, "text after the closing quote; " + _FIX, offset + position + 1)
        return self.decode(bytes(data), escapes, number)

    def parse_string(
        self,
        text: str,
        start: int,
        number: int,
        offset: int,
        data: bytearray,
        escapes: list[tuple[int, int]],
    ) -> int:
        """Decode the string that opens at `start` into `data`; return the index after it."""
        position = start + 1
        while position < len(text):
            plain = _PLAIN_RUN.match(text, position)
            if plain is not None:  # a run of ordinary characters at once, not one by one
                data += plain.group().encode("utf-8")
                position = plain.end()
                continue
            if text[position] == '"':
                return position + 1
            escapes.append((len(data), offset + position + 1))
            position = self.parse_escape(text, position, number, offset, data)
        raise self.fail(number, "end-of-line within string; add the closing quote", offset + start + 1)

    def parse_escape(self, text: str, position: int, number: int, offset: int, data: bytearray) -> int:
        """Decode the escape at `position` (a backslash) into `data`, as msgfmt does."""
        following = text[position + 1 : position + 2]
        if following in _ESCAPES:
            data.append(_ESCAPES[following])
            return position + 2
        digits = re.match(r"[0-7]{1,3}|x[0-9a-fA-F]+", text[position + 1 :])
        if digits is None:
            if not following:
                raise self.fail(
                    number,
                    "backslash at the end of the line, which gettext joins with the next line; "
                    'end the string here and continue it in a new "..." line',
                    offset + position + 1,
                )
            raise self.fail(
                number,
                f"invalid control sequence '\\{following}'; write '\\\\' for a backslash",
                offset + position + 1,
            )
        value = digits.group()
        # msgfmt keeps the low byte of a numeric escape; bytes then decode as UTF-8.
        data.append(int(value[1:], 16) & 0xFF if value[0] == "x" else int(value, 8) & 0xFF)
        return position + 1 + len(value)

    def decode(self, data: bytes, escapes: list[tuple[int, int]], number: int) -> str:
        """The string's bytes as text; escapes must give UTF-8 and no control characters."""
        try:
            text = data.decode("utf-8")
        except UnicodeDecodeError as problem:
            column = max((c for b, c in escapes if b <= problem.start), default=None)
            raise self.fail(
                number,
                f"escape sequences give invalid UTF-8 (byte 0x{data[problem.start]:02x}); "
                "write the character itself",
                column,
            ) from None
        control = _UNWRITABLE.search(text)
        if control:
            start = len(text[: control.start()].encode("utf-8"))
            column = max((c for b, c in escapes if b <= start), default=None)
            raise self.fail(
                number,
                f"escape sequence gives control character U+{ord(control.group()):04X}; remove it",
                column,
            )
        return text


def _line_column(text: str, index: int) -> tuple[int, int]:
    """The 1-based line and column of `text[index]`."""
    line_start = text.rfind("\n", 0, index) + 1
    return text.count("\n", 0, index) + 1, index - line_start + 1


def _normalise_line_endings(text: str, path: str) -> tuple[str, list[Diagnostic]]:
    """Remove a byte order mark and CRLF endings (with warnings); refuse lone CRs."""
    warnings = []
    if text.startswith("\ufeff"):
        text = text[1:]
        warnings.append(
            Diagnostic(path, 1, "byte order mark at the start; msgfmt rejects it, it is removed on write")
        )
    if "\r" not in text:
        return text, warnings  # the common case, found with one search instead of two
    if "\r\n" in text:
        first = text.count("\n", 0, text.index("\r\n")) + 1
        text = text.replace("\r\n", "\n")
        warnings.append(Diagnostic(path, first, "CRLF line endings; they are written back as LF"))
    if "\r" in text:
        line, column = _line_column(text, text.index("\r"))
        raise CatalogError(
            "carriage return without a line feed (old Mac line endings); save the file with LF line endings",
            path,
            line,
            column,
        )
    return text, warnings


def _header_fields(entry: _Entry, path: str) -> tuple[tuple[str, str], ...]:
    if entry.extracted or entry.references or entry.previous:
        raise CatalogError(
            "the header entry has '#.', '#:' or '#|' lines, which i18n-sync cannot keep; remove them",
            path,
            entry.line,
        )
    fields: list[tuple[str, str]] = []
    for item in entry.strings["msgstr"].split("\n"):
        if not item:
            continue
        name, colon, value = item.partition(":")
        if not colon:
            raise CatalogError(
                f"header line {item!r} is not 'Name: value'; " + _FIX, path, entry.keyword_lines["msgstr"]
            )
        fields.append((name, value.removeprefix(" ")))
    return tuple(fields)


def _check_charset(header: tuple[tuple[str, str], ...], text: str, path: str) -> None:
    for name, value in header:
        match = _CHARSET.search(value) if name.lower() == "content-type" else None
        if match and match.group(1).upper() not in _UTF8_NAMES:
            declared = _declared_charset(text.encode("utf-8"))
            line = declared[1] if declared else None
            raise CatalogError(_convert_message(match.group(1), path), path, line)


def _convert_message(charset: str, path: str) -> str:
    return (
        f"the header says charset={charset}, and i18n-sync reads UTF-8 only; "
        f"convert the file with 'msgconv --to-code=UTF-8 {path} -o {path}'"
    )


def _to_message(entry: _Entry) -> Message:
    previous = entry.previous
    return Message(
        msgid=entry.strings["msgid"],
        msgstr=entry.strings["msgstr"],
        msgctxt=entry.strings.get("msgctxt"),
        flags=tuple(dict.fromkeys(entry.flags)),
        comments=tuple(entry.comments),
        extracted=tuple(entry.extracted),
        references=tuple(entry.references),
        previous_msgctxt=previous.get("msgctxt"),
        previous_msgid=previous.get("msgid"),
        obsolete=entry.obsolete,
        line=entry.line,
    )


def _plainly_unique(messages: Sequence[Message]) -> bool:
    """Whether every msgid is non-empty and distinct, which makes every key distinct.

    One set for the whole file; the reader and the writer look for the entry at
    fault only when this fails (a msgid may repeat under another msgctxt).
    """
    msgids = set(map(_MSGID, messages))
    return len(msgids) == len(messages) and "" not in msgids


def _check_unique(messages: Sequence[Message], msgid_lines: Sequence[int], path: str) -> None:
    """Each (msgctxt, msgid) once, obsolete entries included, as msgfmt requires."""
    if _plainly_unique(messages):
        return  # the common case, settled at once; the loop below finds the first problem
    seen: dict[tuple[str | None, str], int] = {}
    for message, line in zip(messages, msgid_lines, strict=True):
        if not message.msgid:
            raise CatalogError("an entry with an empty msgid after the header; remove it", path, line)
        first = seen.get(message.key)
        if first is not None:
            raise CatalogError(
                f"duplicate message definition (the first is at line {first}); keep one of the two entries",
                path,
                line,
            )
        seen[message.key] = line


def parse_po_with_warnings(text: str, path: str) -> tuple[Catalog, tuple[Diagnostic, ...]]:
    """Read a PO or POT file's text strictly; return the catalogue and what was normalised.

    A byte order mark and CRLF line endings are accepted and reported as
    warnings (they are not written back); everything else that is wrong raises
    `CatalogError` at the first problem, with its line and, where known, column.
    """
    text, warnings = _normalise_line_endings(text, path)
    if not text or text.isspace():  # as `not text.strip()`, without copying the text
        raise CatalogError("empty file; delete it and run 'i18n-sync update' to create it again", path, 1)
    reader = _Reader(text, path)
    reader.read()
    header_entry = reader.header
    if (
        header_entry is None
        or header_entry.obsolete
        or header_entry.strings["msgid"]
        or "msgctxt" in header_entry.strings
    ):
        raise CatalogError(
            'no header entry (msgid "") at the top; copy the header from the template (.pot)',
            path,
            header_entry.line if header_entry else 1,
        )
    header = _header_fields(header_entry, path)
    _check_charset(header, text, path)
    _check_unique(reader.messages, reader.msgid_lines, path)
    catalog = Catalog(header, tuple(reader.messages), tuple(header_entry.comments), tuple(header_entry.flags))
    return catalog, tuple(warnings)


def parse_po(text: str, path: str) -> Catalog:
    """Read a PO or POT file's text strictly; raise `CatalogError` at the first problem."""
    return parse_po_with_warnings(text, path)[0]


def _declared_charset(data: bytes) -> tuple[str, int] | None:
    """The charset named in the header entry's msgstr (and only there) and its line, if any."""
    text = data.decode("latin-1")
    header = re.match(r'\A(?:\ufeff|\xef\xbb\xbf)?(?:[ \t\r]*(?:#[^\n]*)?\n)*[ \t]*msgid[ \t]*""', text)
    if header is None:
        return None
    msgstr = re.compile(r'[ \t\r\n]*msgstr[ \t]*((?:"(?:[^"\\\n]|\\.)*"[ \t\r]*\n?[ \t]*)+)').match(
        text, header.end()
    )
    match = _CHARSET.search(msgstr.group(1)) if msgstr else None
    if msgstr is None or match is None:
        return None
    return match.group(1), text.count("\n", 0, msgstr.start(1) + match.start()) + 1


def decode_po(data: bytes, path: str) -> str:
    """A PO file's bytes as text: strict UTF-8, after checking the charset its header names."""
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as problem:
        declared = _declared_charset(data)
        if declared is not None and declared[0].upper() not in _UTF8_NAMES:
            raise CatalogError(_convert_message(declared[0], path), path, declared[1]) from None
        before = data[: problem.start]
        line_start = before.rfind(b"\n") + 1
        column = len(before[line_start:].decode("utf-8", "replace")) + 1
        raise CatalogError(
            f"invalid UTF-8 (byte 0x{data[problem.start]:02x}); save the file as UTF-8",
            path,
            before.count(b"\n") + 1,
            column,
        ) from None


# --------------------------------------------------------- line breaking --
# msgcat wraps a string with libunistring's ulc_width_linebreaks(): UAX #14
# break opportunities, then the last opportunity before the width is taken.
# What follows is that algorithm as libunistring 1.0 implements it (the
# version GNU gettext 0.21 links against), checked against the library
# itself in tests/test_po_gnu.py on random text.

# Line-break classes in libunistring's order; the first 33 index the pair table.
# fmt: off
_LB_NAMES = (
    "WJ", "GL", "B2", "BA", "BB", "HY", "CL", "CP1", "CP2", "EX", "IN", "NS", "OP1", "OP2", "QU",
    "IS", "NU", "PO", "PR", "SY", "AL", "H2", "H3", "ID1", "ID2", "JL", "JV", "JT", "HL", "RI",
    "ZWJ", "EB", "EM", "BK", "CR", "LF", "CM", "ZW", "SP",
)
# fmt: on
_LB = {name: index for index, name in enumerate(_LB_NAMES)}
_AL, _BA, _BK, _CM, _CR, _HL, _HY = (_LB[n] for n in ("AL", "BA", "BK", "CM", "CR", "HL", "HY"))
_LF, _RI, _SP, _ZW, _ZWJ = (_LB[n] for n in ("LF", "RI", "SP", "ZW", "ZWJ"))
_HL_BA = 100  # a Hebrew letter followed by a hyphen (rule LB21a), never in the table

# libunistring's unilbrk_table (UAX #14 table 7.3 with GNU's tailoring): the
# row is the class before the break, the column the class after it.
# D: break, I: break only after spaces, P: no break.
_PAIRS = (
    "PIIIIIPPPPIIIIIPIIIPIIIIIIIIIIIII",
    "PIIIIIPPPPIIIIIPIIIPIIIIIIIIIIIII",
    "PIPIDIPPPPIIDDIPDDDPDDDDDDDDDDDDD",
    "PDDIDIPPPPIIDDIPDDDPDDDDDDDDDDDDD",
    "PIIIIIPPPPIIIIIPIIIPIIIIIIIIIIIII",
    "PDDIDIPPPPIIDDIPIDDPDDDDDDDDDDDDD",
    "PIDIDIPPPPIPDDIPDIIPDDDDDDDDDDDDD",
    "PIDIDIPPPPIIDDIPIIIPIDDDDDDDIDIDD",
    "PIDIDIPPPPIIDDIPDIIPDDDDDDDDDDDDD",
    "PIDIDIPPPPIIDDIPDDDPDDDDDDDDDDDDD",
    "PIDIDIPPPPIIDDIPDDDPDDDDDDDDDDDDD",
    "PIDIDIPPPPIIDDIPDDDPDDDDDDDDDDDDD",
    "PPPPPPPPPPPPPPPPPPPPPPPPPPPPPPPPP",
    "PPPPPPPPPPPPPPPPPPPPPPPPPPPPPPPPP",
    "PIIIIIPPPPIIPPIPIIIPIIIIIIIIIIIII",
    "PIDIDIPPPPIIDDIPIDDPDDDDDDDDDDDDD",
    "PIDIDIPPPPIIIDIPIIIPIDDDDDDDIDIDD",
    "PIDIDIPPPPIIIIIPIDDPIDDDDDDDIDIDD",
    "PIDIDIPPPPIIIIIPIDDPIIIIIIIIIDIII",
    "PIDIDIPPPPIIDDIPIDDPDDDDDDDDIDDDD",
    "PIDIDIPPPPIIIDIPIIIPIDDDDDDDIDIDD",
    "PIDIDIPPPPIIDDIPDIDPDDDDDDIIDDDDD",
    "PIDIDIPPPPIIDDIPDIDPDDDDDDDIDDDDD",
    "PIDIDIPPPPIIDDIPDIDPDDDDDDDDDDDDD",
    "PIDIDIPPPPIIDDIPDIDPDDDDDDDDDDDDI",
    "PIDIDIPPPPIIDDIPDIDPDIIDDIIDDDDDD",
    "PIDIDIPPPPIIDDIPDIDPDDDDDDIIDDDDD",
    "PIDIDIPPPPIIDDIPDIDPDDDDDDDIDDDDD",
    "PIDIDIPPPPIIIDIPIIIPIDDDDDDDIDIDD",
    "PIDIDIPPPPIIDDIPDDDPDDDDDDDDDDDDD",
    "PIDIDIPPPPIIIDIPIIIPIDDIIDDDIDIII",
    "PIDIDIPPPPIIDDIPDIDPDDDDDDDDDDDDI",
    "PIDIDIPPPPIIDDIPDIDPDDDDDDDDDDDDD",
)

# Every code point's line-break class and display width, from libunistring
# 1.0's unilbrkprop and uc_width() (Unicode 14.0), with the classes that
# libunistring resolves at run time already resolved for UTF-8 text (AI and
# XX and SA as AL, CB as ID1, EB as ID2, which has the same table row and
# column). Runs of equal values as (varint length, class * 4 + width + 1),
# zlib-compressed, base85. tests/test_po_gnu.py regenerates and checks it.
_CHARACTER_DATA = (
    "c-rk)O^jSe5mt4-zj-s$yF31$wb$z(W{rP#?G5o-i@df*Vgh3bnR<x;MZC6VkfMMrAqxeO)1nxZAV+LJV+kS=2?0lLh!Y@AAS9&Z"
    "LN34oh~UDHIf3|z`KsQm6B`S`eGm11x~r<ItE%hO_b6mr)S{c_2EEwXqF1O#>%=sq0j}$`N(=h7L3=@u=Y6wbnR@e#nISD4lDnfW"
    "ak51>x?7asePD+%tCqH5=o#YLNiYJ*)fXeY;Gxq2E%Jv0#jTLW?ckU;ZWvC(T?lTFi)2|o6QDj2o0@tQGM>L4adf@S$;h%Dm<_{C"
    "ow2=ByeH&+8kjy-2oo4eP)H+~7mVtNaL@aDSjH$U@O*e0(lZ!4!i^Bg$~}=a!@b}oj1gN<98Tf>9yX(dvv894L+fIo>O6R<5({mW"
    "g$Pfkk~MRzW?bH%6J6B>t~q3NQwdRMFjdNhwJ|b?SzRv9s%^a|Wnh=^*&vqf7Jhwd-p3W!9>VIPefLzeXw0yCdWRiq?|rtUD!FY9"
    "A`{-L<EDa#E74xt>oAM^5Wx&GwpOn#`&KVSs;N2ElOn<mU6(pFXIkr$b%nFq=A4y#wWbjgFVTIgZrg?DL8|%&xJH<_x-a6aN@_1w"
    "7ZF(`(MYl<<qT2AxO+-R8>1$2Ml>yP)PWTpN<fa1xQE1LiM$D-Dd#%trnHI#2bt;|JLDrg?M#Rz>-e~M-HAUMthzcen}j)%oC6uG"
    "XQo!P@C2(zvzTqGMUqXV79pOaF<*V={m*{%+OLc{liaIvxr?p1uAH;(<80k=nX3+Jz>J&6eF1b?7fDB%s%wsnqh%3R!ZE5B+0Ukj"
    "8QFSI0~QmG%cmfJ6dQO>1BukCA`N~5_h#VC`<r6_MU4@Kbv-+&oS#vxIKwXTk>qXO7w_%m!{MBqo@zx;N316#)_iKJCy*&F$Jv6<"
    "T%ENGtQlF!v(;#yR#~HYreoDv#5q$Q%dxB1It~p_sJq(WO63HHL{E^&{+Rf3_?J{0<OJeu9o>eu&l#yI3D(XLaTGZ#g>D_OIf=-A"
    "5%wk-&LU>mEGJSE;C#E>Qinz$=pl)49@-ihr`I`7Q8pbY0vRcxpqb&3fD@(X8ybfHfYRYF;JK6gc{{Tl8xKuuH2*^^P{3esO7bru"
    "5CsNGoDYv3l~}o?u_+JW-r`oV8)JLHyo;%Te1UKkbKs3j<82v<L;(r8d+f9n9Z0ScY2p)k_A&#5pp|3=pF+Y2=fsSWbj2|c<O}#l"
    "@0OEwO`p=<v;JXp82s2@0nZdM*CP+(yY=7IJV=-BaWCrA*I{e%h}uWR*HElbR&b0Z?|bAvjex;`aFrK>ThHp#fbSKA){O@Ke(eZt"
    "kLr|kIL5ivCt96K;@Qg9AGFII<*ujVW4=|qLB3nGd{oeknTK~*K#1yt^pMdNS~K&x#~HX4djgpijZT3Xe?J`n9e&4qq6Gc|UkZ$v"
    "|5+mP!XFo>V15aD5?h!R&f<j6_|AEMnQwnf1pb<NTdes;u?#1?Y{VPz?<@}B`}8xJheaIYC$xaa?n_b&tk!4>`?x;Uk$$mgfG<nO"
    "^pL65D$imDPkNR+_-4vEl`3)&-&o`Jp~9M~#fP4;TJ%=5_SaRyqT*X86#zO%Iqoa+jjxOn&KdM-{m|NK-9d0Yq7}<(-Ho+i(&*h<"
    "Cm@5+N|pKpO+S1}PKHDU4$DX8pWdMz+MylVp&j~vsKxu9jriQP8-3o4JTUWheB`d9Wd+3`ytA27e*I7Q5}~p9KE?-@X9HbAD{;vz"
    "X`65=DP}|b(5B))8;sQBO{hR~utfJsW%$Tr<O)4TXji_B#RvmSMu%!~GZk;5Q?Q<v=4BM`ho<+b!Y-XRUBHbpUp`Zs<-_O<6Lgu|"
    "WTjJljILO3u5{!(UcP`q_jf^7zmdyrLD$F8Qk(_7CQ#!$XyV*Yr04o|jVlFhMd5@16bQ_6=3bV;1}BbA_R-qEX)&Kc^e+mX-B$^{"
    "gJ6*7r)c+4o<T=(ND#52>s&jEGc_ic4gkFX+CS+*Mo0C7Z()-lmrUB5zI6SjI$a~ePOg~cETkLKk!Z_EE}CL%Mco}i2_IC9YN{H^"
    ")QzQV`IF#&R55ghoylr%<6q&9sv4U^e~o`D`7r|26Mj_xXfOhOg;C*%Kq_gRMwm<Lac#Mz5z6~N-~RKkJ%}#L8DQNRC;t_As&L!J"
    "w%XI~Y)t=bn5jzfZlT?iAfFgWRuH#!e<XE-2!C5l8E{e~{Q7T1?GyEjbq&macKbhw{w=9JC4jc>-cGQtCQW5Wv6jqApmod3it^C?"
    "2?oP1Zc5XZ2K~KLN#~g>{De?%k@xD-X}x98^Wd_){WB?5XfK;O%W*~bT)(~5pBjzH?_k6L;MCp8p#Hb>Y*%d;$=ZDzxBMB3R!#T2"
    "&>7P?I&k}#PHlZa(njHF-tS2&xpfJmlb;I$gMWaiyYJOM8P=*4TmBHE9gmxAZaMzj3Oex3#J^#SlicvXN1qJ<mVyKle$#m5?#dhl"
    "GQMg3H+E^-N8y*pc^S^#7hV+*FMo`ZYBosrEMS4J$Z>k9$*cX%h}V!ktJ)?z1<VopdHIPn6JF2NJ##8oyCx1_kQWKyo04i5p)KzN"
    "*$rQBV*DB?uJ^n8vqTFQ4PHwCUCA$%(fAW(YdljL5RIKc&hfj-eB4HH_&5mu1?bERz~u76xci*-?a65$O&UI(81E*De}yJTe5-5#"
    "5e+~nY!m0RQjqE%ZweGdkOec<1dJSme-0=Z$hWjUe&JG$bp_e_=46lGH9<|AM34f<L^P6W)v~A*>%2UhVyJ*TEoQwd+CWJ_7$xS)"
    "{aD3}vCYXIY%PNJHuzS6u=kgOu!qo%)h9i+>vlQfW6(K^G3;a#`vh`goe>Mi);9&WLrVkK&v0w}6dah2fhU2^XT~j##uqpn=bVgB"
    ";J(1J&&M%d?>h4tTt(2G%U(*|Re2U87rnuV(H+j|j@y%?{z<IhU_Csil={Z_5bjO2#ZK~Z?vpXJj?+nFe226!yp@g(zjYTj7xne?"
    "n<w;7>eaAGe22o;Kb!n-%2s*}"
)

_PROHIBITED, _POSSIBLE, _MANDATORY = 1, 2, 3  # libunistring's UC_BREAK_* values
_UNLIMITED = 2**31 - 1  # msgcat's INT_MAX page width for --no-wrap and --width=0


@cache
def _character_runs() -> tuple[list[int], list[int]]:
    """The start of each run of equal character data, and its value."""
    data = zlib.decompress(base64.b85decode("".join(_CHARACTER_DATA)))
    starts: list[int] = []
    values: list[int] = []
    start = index = 0
    while index < len(data):
        length = shift = 0
        while True:
            byte = data[index]
            index += 1
            length |= (byte & 0x7F) << shift
            shift += 7
            if byte < 0x80:
                break
        starts.append(start)
        values.append(data[index])
        index += 1
        start += length
    return starts, values


@cache
def _character(char: str) -> tuple[int, int]:
    """A character's line-break class and display width (-1 for control characters)."""
    starts, values = _character_runs()
    value = values[bisect.bisect_right(starts, ord(char)) - 1]
    return value >> 2, (value & 3) - 1


@dataclass(slots=True)
class _BreakState:
    """What libunistring remembers while it walks a string."""

    prev: int = _BK  # class of the previous character
    last: int = _BK  # class of the last character that is not a space
    space: bool = False  # spaces since the last non-space character
    regional: int = 0  # regional indicators just before this point


def _break_before_mark(state: _BreakState) -> int:
    """A combining mark or ZWJ: attached to what precedes it, except after a space (LB9, LB10)."""
    if state.last == _BK:
        state.last, state.space = _AL, False
        return _PROHIBITED
    if state.last == _ZW or state.space:
        state.last, state.space = _AL, False
        return _POSSIBLE
    return _PROHIBITED


def _break_before_other(state: _BreakState, prop: int) -> int:
    if state.last == _BK or state.prev in (_ZWJ, _HL_BA):
        return _PROHIBITED
    if state.last == _ZW:
        return _POSSIBLE
    if state.last == _RI and prop == _RI:
        return _POSSIBLE if state.space or state.regional % 2 == 0 else _PROHIBITED
    rule = _PAIRS[state.last][prop]
    return _POSSIBLE if rule == "D" or (rule == "I" and state.space) else _PROHIBITED


def _break_before(state: _BreakState, prop: int) -> int:
    """Whether a line may break before a character of class `prop`; updates `state`."""
    if prop in (_BK, _CR, _LF):
        state.prev, state.last, state.space = prop, _BK, False
        return _MANDATORY
    if prop == _SP:
        state.space = True
        result = _PROHIBITED
    elif prop == _ZW:
        state.last, state.space = _ZW, False
        result = _PROHIBITED
    elif prop in (_CM, _ZWJ):
        result = _break_before_mark(state)
    else:
        result = _break_before_other(state, prop)
        state.last, state.space = prop, False
    state.prev = _HL_BA if state.prev == _HL and prop in (_HY, _BA) else prop
    return result


def _line_breaks(text: str, overrides: Sequence[int], width: int, column: int) -> list[int]:
    """The indexes where msgcat starts a new line in `text` (u8_width_linebreaks)."""
    state = _BreakState()
    chosen: list[int] = []
    last = -1  # where the current piece starts, if it may move to a new line
    piece = 0  # display width of the current piece
    for index, char in enumerate(text):
        prop, char_width = _character(char)
        kind = _break_before(state, prop)
        state.regional = state.regional + 1 if prop == _RI else 0
        kind = overrides[index] or kind
        if kind != _PROHIBITED and last >= 0 and column + piece > width:
            chosen.append(last)
            column = 0
        if kind == _MANDATORY:
            last, column, piece = -1, 0, 0
            continue
        if kind == _POSSIBLE:
            last, column, piece = index, column + piece, 0
        piece += max(char_width, 0)
    if last >= 0 and column + piece > width:
        chosen.append(last)
    return chosen


# ---------------------------------------------------------------- writing --

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
_COMMENT_UNWRITABLE = re.compile(r"[\x00-\x08\x0a-\x1f\x7f-\x9f\ud800-\udfff]")
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


def _escaped(portion: str) -> tuple[str, list[int]]:
    """The portion with C escapes, and the breaks forbidden inside them (0: no override)."""
    text = _WRITE_ESCAPE.sub(_escape_match, portion)
    overrides = [0] * len(text)
    index = text.find("\\")
    while index >= 0:
        overrides[index + 1] = _PROHIBITED
        index = text.find("\\", index + 2)
    if portion.endswith("\n"):
        overrides[-2] = _PROHIBITED  # never break just before a final \n
    return text, overrides


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
    width = (page_width or _UNLIMITED) - 1 - (len(prefix) + 1)
    portions = _portions(text)
    first = True
    for index, portion in enumerate(portions):
        escaped, overrides = _escaped(portion)
        column = len(keyword) + 1 if first else 0
        breaks = _line_breaks(escaped, overrides, width, column) if page_width else []
        if first and escaped and (index + 1 < len(portions) or column > width or breaks):
            # Whatever does not fit on the keyword's line starts on the next one.
            yield f'{prefix}{keyword} ""'
            first = False
            breaks = _line_breaks(escaped, overrides, width, 0) if page_width else []
        bounds = [0, *breaks, len(escaped)]
        for number, (start, end) in enumerate(pairwise(bounds)):
            head = f"{prefix}{keyword} " if first and number == 0 else prefix
            yield f'{head}"{escaped[start:end]}"'
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
    return '"' + _UNWRITABLE.sub(lambda m: f"\\u{ord(m.group()):04x}", short) + '"'


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
        _UNWRITABLE.search(texts)
        or _COMMENT_UNWRITABLE.search("".join(comments))
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
    for name, text in texts.items():
        bad = _UNWRITABLE.search(text) if text else None
        if bad:
            raise CatalogError(
                f"the {name} of {where} contains U+{ord(bad.group()):04X}, "
                "which a PO file cannot hold; remove it",
                path,
                message.line or None,
            )
    for comment in (*message.comments, *message.extracted):
        bad = _COMMENT_UNWRITABLE.search(comment)
        if bad or comment.endswith("\\"):
            what = f"U+{ord(bad.group()):04X}" if bad else "a backslash at its end"
            raise CatalogError(
                f"a comment of {where} contains {what}, which gettext would misread; remove it",
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
        suspect = _SPACE_OR_COMMA.search(item.removeprefix("range: ")) or _COMMENT_UNWRITABLE.search(item)
        if not item or suspect:
            raise CatalogError(
                f"the flag {item!r} of {where} is empty or holds a space or comma; fix it",
                path,
                message.line or None,
            )


def _check_catalog(catalog: Catalog, path: str | None) -> None:
    messages = catalog.messages
    if not _plainly_unique(messages) or not _are_plainly_writable(messages):
        _check_messages(messages, path)  # something is wrong: find the first entry at fault
    for name, value in catalog.header:
        if "\n" in name + value or ":" in name or _UNWRITABLE.search(name + value):
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


def format_po(catalog: Catalog, width: int = 0, path: str | None = None) -> str:
    """Lay a catalogue out as GNU msgcat 0.21 does: UTF-8 text, LF, no BOM.

    `width` 0 gives ``msgcat --no-wrap``; a positive width gives
    ``msgcat --width=N`` (widths under 20 count as 20, as in msgcat). Active
    entries come first, then obsolete ones. Raises `CatalogError` (naming
    `path`) for text a PO file cannot hold, such as control characters.
    """
    _check_catalog(catalog, path)
    page_width = max(width, _MIN_WIDTH) if width > 0 else None
    reference_width = page_width or _REFERENCE_WIDTH
    header = Message(
        msgid="",
        msgstr="".join(f"{name}: {value}\n" for name, value in catalog.header),
        comments=catalog.header_comments,
        flags=catalog.header_flags,
    )
    active = [m for m in catalog.messages if not m.obsolete]
    # msgcat leaves out obsolete entries whose msgstr is empty; they are kept
    # here, since one may hold a translator's comments (update only makes
    # obsolete entries that hold a translation or comments).
    obsolete = [m for m in catalog.messages if m.obsolete]
    if page_width is None:
        blocks = list(map(_unwrapped_entry, (header, *active, *obsolete)))
    else:
        blocks = [
            "\n".join(_message_lines(m, page_width, reference_width)) for m in (header, *active, *obsolete)
        ]
    return "\n\n".join(blocks) + "\n"


def translations_of(catalog: Catalog) -> dict[str, str]:
    """The msgid → msgstr pairs a renderer may use: translated, not fuzzy, not obsolete."""
    return {m.msgid: m.msgstr for m in catalog.messages if m.is_translated and m.msgctxt is None}
