"""A PO file's text before it is read: its encoding, byte order mark and line endings.

Also how a ``#:`` reference is spelled, which the reader and the writer share.

i18n-sync reads and writes UTF-8 only, as GNU tools do once a file says
``charset=UTF-8``; a file that declares another charset is refused with the
``msgconv`` command that converts it, rather than read as something it is not.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from i18n_sync.errors import CatalogError, Diagnostic

_CHARSET = re.compile(r"charset=([^\s;\"\\]+)")
_UTF8_NAMES = ("UTF-8", "UTF8", "CHARSET")


def _line_column(text: str, index: int) -> tuple[int, int]:
    """The 1-based line and column of `text[index]`."""
    line_start = text.rfind("\n", 0, index) + 1
    return text.count("\n", 0, index) + 1, index - line_start + 1


def normalise_line_endings(text: str, path: str) -> tuple[str, list[Diagnostic]]:
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


def check_charset(header: Sequence[tuple[str, str]], text: str, path: str) -> None:
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
