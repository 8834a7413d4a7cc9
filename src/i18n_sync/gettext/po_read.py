"""The strict PO reader underneath `po`: from text to entries, line by line as msgfmt reads them.

It holds `Reader`, the lexical rules it follows (keywords, C escapes, comment
kinds, merge-conflict markers, control characters) and its fast path: one
regular expression that reads a whole entry in the layout GNU tools and
`format_po` write, and must read exactly what the line reader reads.

It is apart from `po` because it is the low-level half: `po` turns what it
finds into a `Catalog` (the header, unique keys, the charset) and a `Layout`,
and is what the rest of the package imports.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from i18n_sync.errors import CatalogError, Diagnostic
from i18n_sync.gettext.po_text import split_references
from i18n_sync.gettext.po_write import UNWRITABLE
from i18n_sync.model import Message

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


_FIX = "fix the file or restore it from version control"
_RESOLVE = "resolve the conflict (keep one version of the entry), then run 'i18n-sync update'"


@dataclass(slots=True)
class Entry:
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
    plural: bool = False  # an obsolete entry with msgid_plural: kept as it is, never used
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


def _add_comment(entry: Entry, body: str) -> None:
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


class Reader:
    """A line-oriented reader that accepts what msgfmt accepts, minus what loses text.

    The first entry stays an `Entry`, since the header checks need its lines;
    the others become messages, with the line of each msgid beside them.
    """

    def __init__(self, text: str, path: str) -> None:
        self.text = text
        self.path = path
        self.header: Entry | None = None
        self.messages: list[Message] = []
        self.msgid_lines: list[int] = []
        self.entry = Entry()
        self.comment_items = _CommentItems()
        # Where entries end (1-based lines), for `Layout`: the header, each message, and the
        # first and last line of each obsolete plural entry and of comments after the last entry.
        self.last_line = 0
        self.header_end = 0
        self.ends: list[int] = []
        self.kept: list[tuple[int, int]] = []
        self.warnings: list[Diagnostic] = []
        self.trailer = 0

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

        The line reader does any block that does not match or that continues an
        entry (comments before a blank line), and the first entry unless it is a
        header `read_header` can take.
        """
        number, position = self.read_header()
        while position <= len(self.text):
            # Only between entries: a comment line read before this block (even an empty
            # "#: ") has begun the next entry, and its line is where that entry starts.
            if self.header is not None and not self.entry.line:
                number, position = self.read_matches(number, position)
            end = self.text.find("\n\n", position)
            end = len(self.text) if end < 0 else end
            count = self.text.count("\n", position, end) + 1
            self.read_lines(number, position, end)
            self.read_line(number + count, "")  # the blank line that ends the block
            number += count + 1
            position = end + 2

    def read_header(self) -> tuple[int, int]:
        """Take the header entry at once if `_FAST_ENTRY` matches it; return the line and position
        after it (line 1 and position 0, where the line reader is to read it).

        Only a header with nothing the header checks refuse (``#.``, ``#:``, ``#|``, a
        msgctxt): those are left to the line reader, whose entry says where they are.
        A catalogue of a short document is mostly its header.
        """
        match = _FAST_ENTRY.match(self.text)
        if match is None or match.group("msgid") != '""\n':
            return 1, 0
        comments, extracted, references, flags, previous, msgctxt, _, msgstr = match.groups()
        if extracted or references or previous is not None or msgctxt is not None:
            return 1, 0
        text = self.text
        msgid_line = 1 + text.count("\n", 0, match.start("msgid"))
        msgstr_line = msgid_line + text.count("\n", match.start("msgid"), match.start("msgstr"))
        self.last_line = self.header_end = text.count("\n", 0, match.end("msgstr"))
        self.header = Entry(
            line=1,
            comments=[line[2:] for line in comments.split("\n")[:-1]],  # "# text" or "#"
            flags=_split_flags(flags[2:]),
            strings={"msgid": "", "msgstr": _fast_string(msgstr)},
            keyword_lines={"msgid": msgid_line, "msgstr": msgstr_line},
            last="msgstr",
        )
        return 1 + text.count("\n", 0, match.end()), match.end()

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
            self.last_line = number + text.count("\n", position, match.end("msgstr")) - 1
            self.ends.append(self.last_line)
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
                self.trailer = entry.line  # msgfmt accepts it; a layout-keeping write keeps it
            return
        if "msgid" not in entry.strings:
            raise self.fail(entry.line, "missing 'msgid' section; add the msgid or remove the entry")
        if "msgstr" not in entry.strings:
            raise self.fail(
                entry.keyword_lines["msgid"], "missing 'msgstr' section; add msgstr \"\" after the msgid"
            )
        if self.header is None:
            self.header = entry
            self.header_end = self.last_line
        elif entry.plural:
            self.kept.append((entry.line, self.last_line))
            if not entry.obsolete:
                self.warnings.append(
                    Diagnostic(
                        self.path,
                        entry.line,
                        "a plural entry (msgid_plural); Markdown units have no plural forms, "
                        "so it is kept as it is and never used",
                    )
                )
        else:
            self.messages.append(to_message(entry))
            self.msgid_lines.append(entry.keyword_lines["msgid"])
            self.ends.append(self.last_line)
        self.entry = Entry()

    def read_line(self, number: int, line: str) -> None:
        body = line.lstrip(" \t")
        offset = len(line) - len(body)
        if not body.rstrip(" \t"):
            if self.entry.started:
                self.finish()
        else:
            if body.startswith("#~"):
                self.read_obsolete(number, body[2:], offset + 2)
            elif body.startswith("#"):
                self.read_comment(number, body, offset)
            else:
                self.read_keyword(number, body.rstrip(" \t"), offset, obsolete=False)
            self.last_line = number

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
            if keyword not in ("msgctxt", "msgid", "msgid_plural") or keyword in self.entry.previous:
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
        """The keyword at the start of `text`, the text after it and its column.

        ``msgstr[N]`` comes back as "msgstr", with the text after the index.
        """
        match = _KEYWORD.match(text)
        if match is None:
            raise self.fail(number, "expected a keyword or a string in double quotes; " + _FIX, column + 1)
        keyword, end = match.group(), match.end()
        index = _INDEX.match(text, end) if keyword == "msgstr" else None
        if keyword == "msgid_plural" or index:
            if index and not self.entry.plural:
                raise self.fail(number, "'msgstr[N]' without a 'msgid_plural' before it; " + _FIX, column + 1)
            # A plural entry (another tool's) is kept as it is and never used.
            self.entry.plural = True
            end = index.end() if index else end
        elif keyword not in _KEYWORDS:
            raise self.fail(
                number, f'keyword "{keyword}" unknown; the keywords are msgctxt, msgid and msgstr', column + 1
            )
        rest = text[end:]
        after = rest.lstrip(" \t")
        return keyword, after, column + end + len(rest) - len(after)

    def read_keyword(self, number: int, text: str, offset: int, obsolete: bool) -> None:
        entry = self.entry
        if text.startswith('"'):
            if entry.last not in _KEYWORDS and entry.last != "msgid_plural":
                raise self.fail(number, "a string without a keyword before it; " + _FIX, offset + 1)
            if entry.obsolete != obsolete:
                raise self.fail(number, "an entry that is partly obsolete ('#~'); " + _FIX, offset + 1)
            entry.strings[entry.last] += self.parse_strings(text, number, offset)
            return
        keyword, rest, column = self.split_keyword(number, text, offset)
        entry = self.begin(number, keyword, offset, obsolete)
        entry.keyword_lines.setdefault(keyword, number)
        entry.strings[keyword] = entry.strings.get(keyword, "") + self.parse_strings(rest, number, column)
        entry.last = keyword

    def begin(self, number: int, keyword: str, offset: int, obsolete: bool) -> Entry:
        """The entry a keyword line belongs to, starting a new one after a msgstr."""
        if keyword != "msgstr" and "msgstr" in self.entry.strings:
            self.finish()
        entry = self.entry
        if keyword == "msgid_plural" and ("msgid" not in entry.strings or "msgstr" in entry.strings):
            raise self.fail(number, "'msgid_plural' not right after a 'msgid'; " + _FIX, offset + 1)
        repeated = keyword in entry.strings and not (entry.plural and keyword == "msgstr")
        if repeated or (keyword == "msgctxt" and "msgid" in entry.strings):
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
        control = UNWRITABLE.search(text)
        if control:
            start = len(text[: control.start()].encode("utf-8"))
            column = max((c for b, c in escapes if b <= start), default=None)
            raise self.fail(
                number,
                f"escape sequence gives control character U+{ord(control.group()):04X}; remove it",
                column,
            )
        return text


def to_message(entry: Entry) -> Message:
    """The message a finished entry (not the header, not a plural) stands for."""
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
