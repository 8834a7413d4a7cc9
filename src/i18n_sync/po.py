"""Reading and writing PO files, laid out as GNU msgcat lays them out.

Why not polib: polib 1.2.0 reads several malformed files without a word and
changes their content (an unterminated string loses its last character, an
entry without msgstr merges into the next, ``msgstr[10]`` reads as
``msgstr[1]``, ``\\x61`` is not decoded, the charset is guessed from the first
``charset=`` anywhere), and its writer does not lay files out as msgcat does,
so every round trip through GNU tools, Poedit or Weblate would rewrite whole
files. Validating before trusting it would mean parsing twice; this module
parses once, strictly, and reports ``path:line:col`` in the style of msgfmt.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field

from .errors import CatalogError
from .model import Catalog, Message

_ESCAPES = {"n": "\n", "t": "\t", "r": "\r", "a": "\a", "b": "\b", "f": "\f", "v": "\v", "\\": "\\", '"': '"'}
_WRITE_ESCAPES = {
    "\\": "\\\\",
    '"': '\\"',
    "\n": "\\n",
    "\t": "\\t",
    "\r": "\\r",
    "\a": "\\a",
    "\b": "\\b",
    "\f": "\\f",
    "\v": "\\v",
}
_WRITE_ESCAPE_RE = re.compile(r'[\\"\n\t\r\a\b\f\v]')
_KEYWORD = re.compile(r"(msgctxt|msgid_plural|msgid|msgstr(?:\[\d+\])?)(?=[\s\"]|$)")
_CONFLICT = re.compile(r"^(<<<<<<<|=======|>>>>>>>)( |$)")
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")

_PAGE_WIDTH = 79
_FIX = "fix the file or restore it from version control"


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
    def empty(self) -> bool:
        return not (
            self.comments or self.extracted or self.references or self.flags or self.previous or self.strings
        )


class _Reader:
    def __init__(self, text: str, path: str) -> None:
        self.text = text
        self.path = path
        self.entries: list[_Entry] = []
        self.entry = _Entry()

    def fail(self, line: int, message: str, column: int | None = None) -> CatalogError:
        return CatalogError(message, self.path, line, column)

    def read(self) -> list[_Entry]:
        for number, line in enumerate(self.text.split("\n"), start=1):
            self.read_line(number, line.rstrip(" \t"))
        self.finish(len(self.text.split("\n")))
        return self.entries

    def finish(self, number: int) -> None:
        entry = self.entry
        if entry.started or not entry.empty:
            if "msgid" not in entry.strings:
                raise self.fail(
                    entry.line or number, "comments without an entry; add the entry or remove them"
                )
            if not any(k.startswith("msgstr") for k in entry.strings):
                raise self.fail(
                    entry.keyword_lines["msgid"], "missing 'msgstr' section; add msgstr \"\" after the msgid"
                )
            self.entries.append(entry)
        self.entry = _Entry()

    def read_line(self, number: int, line: str) -> None:
        if _CONFLICT.match(line):
            raise self.fail(
                number, "unresolved merge conflict marker; resolve the conflict, then run 'i18n-sync update'"
            )
        control = _CONTROL.search(line)
        if control:
            raise self.fail(
                number, f"control character U+{ord(control.group()):04X}; remove it", control.start() + 1
            )
        if not line:
            if self.entry.started:
                self.finish(number)
            return
        if line.startswith("#~"):
            self.read_obsolete(number, line)
        elif line.startswith("#"):
            self.read_comment(number, line)
        else:
            self.read_keyword(number, line, 0, obsolete=False)

    def start_if_needed(self, number: int) -> None:
        if self.entry.started:
            self.finish(number)
        if not self.entry.line:
            self.entry.line = number

    def read_comment(self, number: int, line: str) -> None:
        self.start_if_needed(number)
        kind, rest = line[1:2], line[2:]
        body = rest[1:] if rest.startswith(" ") else rest
        if kind == ".":
            self.entry.extracted.append(body)
        elif kind == ":":
            self.entry.references.extend(body.split())
        elif kind == ",":
            self.entry.flags.extend(f.strip() for f in body.split(",") if f.strip())
        elif kind == "|":
            self.read_previous(number, line[2:].lstrip(" "), 3)
        else:
            text = line[1:]
            self.entry.comments.append(text[1:] if text.startswith(" ") else text)

    def read_previous(self, number: int, line: str, offset: int) -> None:
        match = _KEYWORD.match(line)
        if line.startswith('"'):
            key = self.entry.last
            if not key.startswith("previous "):
                raise self.fail(number, "continuation string without a '#|' keyword before it; " + _FIX)
            self.entry.previous[key[9:]] += self.parse_string(line, number, offset)
            return
        if match is None or match.group(1) not in ("msgctxt", "msgid"):
            raise self.fail(number, "unknown keyword after '#|'; only msgctxt and msgid may follow", offset)
        key = match.group(1)
        self.entry.previous[key] = self.parse_string(
            line[match.end() :].lstrip(" \t"), number, offset + match.end()
        )
        self.entry.last = "previous " + key

    def read_obsolete(self, number: int, line: str) -> None:
        rest = line[2:]
        if rest.startswith("|"):
            self.start_if_needed(number)
            self.read_previous(number, rest[1:].lstrip(" "), 4)
            return
        self.read_keyword(number, rest.lstrip(" "), 3, obsolete=True)

    def read_keyword(self, number: int, line: str, offset: int, obsolete: bool) -> None:
        entry = self.entry
        if line.startswith('"'):
            if not entry.last or entry.last.startswith("previous "):
                raise self.fail(number, "a string without a keyword before it; " + _FIX, offset + 1)
            entry.strings[entry.last] += self.parse_string(line, number, offset)
            return
        match = _KEYWORD.match(line)
        if match is None:
            word = line.split()[0] if line.split() else line
            raise self.fail(number, f"unknown keyword {word!r}; " + _FIX, offset + 1)
        key = match.group(1)
        if key == "msgid_plural" or key.startswith("msgstr["):
            raise self.fail(
                number,
                "plural forms are not used in Markdown catalogues; remove the plural entry",
                offset + 1,
            )
        if key in ("msgctxt", "msgid") and any(k.startswith("msgstr") for k in entry.strings):
            self.finish(number)
            entry = self.entry
        if key in entry.strings:
            raise self.fail(number, f"duplicate '{key}' in one entry; " + _FIX, offset + 1)
        if key == "msgstr" and "msgid" not in entry.strings:
            raise self.fail(number, "'msgstr' without a 'msgid' before it; " + _FIX, offset + 1)
        if not entry.line:
            entry.line = number
        if entry.strings and entry.obsolete != obsolete:
            raise self.fail(number, "an entry that is partly obsolete ('#~'); " + _FIX, offset + 1)
        entry.obsolete = obsolete
        entry.keyword_lines[key] = number
        rest = line[match.end() :]
        entry.strings[key] = self.parse_string(
            rest.lstrip(" \t"), number, offset + match.end() + len(rest) - len(rest.lstrip(" \t"))
        )
        entry.last = key

    def parse_string(self, text: str, number: int, offset: int) -> str:
        """Decode one ``"..."`` with C escapes, as msgfmt does."""
        if not text.startswith('"'):
            raise self.fail(number, "expected a string in double quotes; " + _FIX, offset + 1)
        out: list[str] = []
        pos = 1
        while pos < len(text):
            char = text[pos]
            if char == '"':
                if text[pos + 1 :].strip(" \t"):
                    raise self.fail(number, "text after the closing quote; " + _FIX, offset + pos + 2)
                return "".join(out)
            if char == "\\":
                decoded, pos = self.parse_escape(text, pos, number, offset)
                out.append(decoded)
                continue
            out.append(char)
            pos += 1
        raise self.fail(number, "unterminated string; add the closing quote", offset + len(text) + 1)

    def parse_escape(self, text: str, pos: int, number: int, offset: int) -> tuple[str, int]:
        following = text[pos + 1 : pos + 2]
        if following in _ESCAPES:
            return _ESCAPES[following], pos + 2
        octal = re.match(r"[0-7]{1,3}", text[pos + 1 :])
        if octal:
            return chr(int(octal.group(), 8)), pos + 1 + octal.end()
        hexa = re.match(r"x([0-9a-fA-F]+)", text[pos + 1 :])
        if hexa:
            return chr(int(hexa.group(1), 16) & 0xFF), pos + 1 + hexa.end()
        raise self.fail(
            number, f"invalid escape sequence '\\{following}'; write '\\\\' for a backslash", offset + pos + 1
        )


def _to_message(entry: _Entry) -> Message:
    previous = entry.previous
    return Message(
        msgid=entry.strings["msgid"],
        msgstr=entry.strings.get("msgstr", ""),
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


def _parse_header(text: str, path: str, line: int) -> tuple[tuple[str, str], ...]:
    fields: list[tuple[str, str]] = []
    for item in text.split("\n"):
        if not item:
            continue
        name, colon, value = item.partition(":")
        if not colon:
            raise CatalogError(f"header line {item!r} is not 'Name: value'; " + _FIX, path, line)
        fields.append((name, value.strip()))
    return tuple(fields)


def _check_charset(header: tuple[tuple[str, str], ...], path: str, line: int) -> None:
    for name, value in header:
        if name.lower() == "content-type":
            match = re.search(r"charset=([^\s;]+)", value)
            if match and match.group(1).upper() not in ("UTF-8", "CHARSET"):
                raise CatalogError(
                    f"the catalogue is in {match.group(1)}, not UTF-8; convert it with "
                    f"'msgconv -t UTF-8 {path} -o {path}'",
                    path,
                    line,
                )


def parse_po(text: str, path: str) -> Catalog:
    """Read a PO or POT file's text strictly; raise `CatalogError` at the first problem."""
    if "\r" in text.replace("\r\n", ""):
        raise CatalogError(
            "lone carriage returns as line endings; save the file with LF line endings", path, 1
        )
    entries = _Reader(text.replace("\r\n", "\n"), path).read()
    if not entries or entries[0].strings.get("msgid") != "" or "msgctxt" in entries[0].strings:
        raise CatalogError(
            "no header entry (msgid \"\"); restore the header or run 'i18n-sync update'", path, 1
        )
    header_entry = entries[0]
    header = _parse_header(header_entry.strings.get("msgstr", ""), path, header_entry.line)
    _check_charset(header, path, header_entry.line)
    messages = tuple(_to_message(e) for e in entries[1:])
    seen: dict[tuple[str | None, str], int] = {}
    for message in messages:
        if message.obsolete:
            continue
        if message.key in seen:
            raise CatalogError(
                f"duplicate message definition (first defined at line {seen[message.key]}); "
                "merge the two entries into one",
                path,
                message.line,
            )
        if not message.msgid:
            raise CatalogError("an entry with an empty msgid after the header; remove it", path, message.line)
        seen[message.key] = message.line
    return Catalog(header, messages, tuple(header_entry.comments), tuple(header_entry.flags))


def _escape(text: str) -> str:
    return _WRITE_ESCAPE_RE.sub(lambda m: _WRITE_ESCAPES[m.group()], text)


def _string_lines(keyword: str, text: str, prefix: str) -> Iterator[str]:
    """A keyword and its string, split after each ``\\n`` as ``msgcat --no-wrap`` does."""
    pieces = text.split("\n")
    segments = [piece + "\n" for piece in pieces[:-1]]
    if pieces[-1]:
        segments.append(pieces[-1])
    if len(segments) <= 1:
        yield f'{prefix}{keyword} "{_escape(text)}"'
        return
    yield f'{prefix}{keyword} ""'
    for segment in segments:
        yield f'{prefix}"{_escape(segment)}"'


def _comment_lines(marker: str, texts: tuple[str, ...]) -> Iterator[str]:
    for text in texts:
        yield f"{marker} {text}" if text else marker


def _reference_lines(references: tuple[str, ...]) -> Iterator[str]:
    """``#:`` lines filled up to GNU's page width of 79 columns, even with --no-wrap."""
    line = "#:"
    for reference in references:
        if line != "#:" and len(line) + 1 + len(reference) > _PAGE_WIDTH:
            yield line
            line = "#:"
        line += " " + reference
    if line != "#:":
        yield line


def _message_lines(message: Message) -> Iterator[str]:
    yield from _comment_lines("#", message.comments)
    if not message.obsolete:
        yield from _comment_lines("#.", message.extracted)
        yield from _reference_lines(message.references)
    if message.flags:
        # GNU writes fuzzy first, whatever order the file had.
        flags = sorted(message.flags, key=lambda flag: flag != "fuzzy")
        yield "#, " + ", ".join(flags)
    previous = "#~| " if message.obsolete else "#| "
    if message.previous_msgctxt is not None:
        yield from _string_lines("msgctxt", message.previous_msgctxt, previous)
    if message.previous_msgid is not None:
        yield from _string_lines("msgid", message.previous_msgid, previous)
    prefix = "#~ " if message.obsolete else ""
    if message.msgctxt is not None:
        yield from _string_lines("msgctxt", message.msgctxt, prefix)
    yield from _string_lines("msgid", message.msgid, prefix)
    yield from _string_lines("msgstr", message.msgstr, prefix)


def format_po(catalog: Catalog) -> str:
    """Lay a catalogue out as ``msgcat --no-wrap`` would: UTF-8 text, LF, no BOM."""
    header = Message(
        msgid="",
        msgstr="".join(f"{name}: {value}\n" for name, value in catalog.header),
        comments=catalog.header_comments,
        flags=catalog.header_flags,
    )
    blocks = ["\n".join(_message_lines(m)) for m in (header, *catalog.messages)]
    return "\n\n".join(blocks) + "\n"


def translations_of(catalog: Catalog) -> dict[str, str]:
    """The msgid → msgstr pairs a renderer may use: translated, not fuzzy, not obsolete."""
    return {m.msgid: m.msgstr for m in catalog.messages if m.is_translated and m.msgctxt is None}
