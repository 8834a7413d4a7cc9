"""A new catalogue's entries are laid out once for the catalogues that share them (`layout._new_file`).

A first sync writes each document's catalogue in every language one after the
other: the same entries under another header. `write_po` keeps the last new
catalogue's entries laid out and checked; here its answers are compared with
the long way (every entry laid out and checked for each catalogue), and its
checks with those of a catalogue written alone.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from i18n_sync.errors import CatalogError
from i18n_sync.gettext import layout
from i18n_sync.gettext.layout import Written, write_po
from i18n_sync.gettext.po import parse_po
from i18n_sync.gettext.po_write import check_catalog, format_entry, format_po, header_entry, in_file_order
from i18n_sync.model import Catalog, Message

ENTRIES = (
    Message(msgid="Installation", extracted=("type: heading",), references=("docs/a.md:1",)),
    Message(msgid="Run `make` first.", references=("docs/a.md:3",), flags=("markdown-text",)),
    Message(msgid="A long paragraph " * 8, references=("docs/a.md:5",), msgctxt="docs/a.md"),
    Message(msgid="Gone", msgstr="Gitti", obsolete=True, comments=("kept",)),
)


def header(tag: str, forms: str) -> tuple[tuple[str, str], ...]:
    return (
        ("Project-Id-Version", "docs/a.md"),
        ("Language", tag),
        ("MIME-Version", "1.0"),
        ("Content-Type", "text/plain; charset=UTF-8"),
        ("Plural-Forms", forms),
    )


TURKISH = Catalog(header("tr", "nplurals=2; plural=(n != 1);"), ENTRIES, ("Turkish translation.",))
CHINESE = Catalog(header("zh-CN", "nplurals=1; plural=0;"), ENTRIES)
# A header of more lines: each entry's line moves with it.
GERMAN = Catalog((*header("de", "nplurals=2; plural=(n != 1);"), ("X-Team", "de")), ENTRIES, ("a", "b"))


@pytest.fixture(autouse=True)
def forgotten() -> Iterator[None]:
    """Each test starts, and leaves, with no new catalogue laid out."""
    layout._last_new = None
    yield
    layout._last_new = None


def long_way(catalog: Catalog, width: int = 0, path: str | None = None) -> Written:
    """`write_po` of a catalogue with no previous file as it was before the shortcut."""
    check_catalog(catalog, path)
    parts = [format_entry(header_entry(catalog), width)]
    line = parts[0].count("\n") + 1
    lines = {}
    for message in in_file_order(catalog):
        text = format_entry(message, width)
        line += 2
        if not message.obsolete:
            lines[message.key] = line
        parts += ["\n\n", text]
        line += text.count("\n")
    return Written("".join(parts) + "\n", lines)


@pytest.mark.parametrize("width", [0, 40, 79])
def test_catalogues_sharing_their_entries_are_written_as_each_alone(width: int) -> None:
    for catalog in (TURKISH, CHINESE, GERMAN, TURKISH):
        written = write_po(catalog, None, width, "locales/x.po")
        assert written == long_way(catalog, width)
        assert written.text == format_po(catalog, width)
    assert parse_po(write_po(GERMAN, None, width).text, "de.po") == GERMAN


def test_each_entry_line_is_its_first_line_under_each_header() -> None:
    for catalog in (TURKISH, GERMAN, CHINESE):
        written = write_po(catalog, None)
        lines = written.text.split("\n")
        for message in catalog.active:
            first = lines[written.lines[message.key] - 1]
            assert first.startswith(("#.", "#:", "#,", "msgctxt", "msgid"))
        assert written.lines == long_way(catalog).lines
        assert len(written.lines) == 3  # the obsolete entry has no line


def test_other_entries_or_another_width_are_laid_out_anew() -> None:
    other = Catalog(TURKISH.header, (*ENTRIES[:2], Message(msgid="New text", references=("docs/a.md:9",))))
    # As many entries, one of them edited: only its comment differs.
    edited = Catalog(CHINESE.header, (*ENTRIES[:3], Message(msgid="Gone", msgstr="Gitti", obsolete=True)))
    runs = ((TURKISH, 0), (other, 0), (TURKISH, 0), (edited, 0), (TURKISH, 30), (CHINESE, 30), (other, 30))
    for catalog, width in runs:
        assert write_po(catalog, None, width) == long_way(catalog, width)


def test_entries_equal_but_for_the_lines_they_were_read_from_share_the_layout() -> None:
    read = tuple(Message(**{**vars_of(m), "line": 10 * n + 1}) for n, m in enumerate(ENTRIES))
    assert read == ENTRIES
    write_po(TURKISH, None)
    assert write_po(Catalog(CHINESE.header, read), None) == long_way(CHINESE)


def vars_of(message: Message) -> dict[str, object]:
    return {name: getattr(message, name) for name in Message.__dataclass_fields__}


def test_a_bad_header_is_refused_after_entries_laid_out_for_another_catalogue() -> None:
    write_po(TURKISH, None, 0, "locales/tr.po")
    broken = Catalog((*CHINESE.header, ("X-Note", "two\nlines")), ENTRIES)
    with pytest.raises(CatalogError) as raised:
        write_po(broken, None, 0, "locales/zh-CN.po")
    assert raised.value.path == "locales/zh-CN.po"
    assert "header field 'X-Note'" in str(raised.value)


def test_bad_entries_are_refused_for_each_catalogue_naming_it() -> None:
    bad = (*ENTRIES[:1], Message(msgid="start \x01 here", references=("docs/a.md:2",)))
    for tag, path in (("tr", "locales/tr.po"), ("zh-CN", "locales/zh-CN.po")):
        catalog = Catalog(header(tag, "nplurals=1; plural=0;"), bad)
        with pytest.raises(CatalogError) as raised:
            write_po(catalog, None, 0, path)
        assert raised.value.path == path
        assert "U+0001" in str(raised.value)
    assert layout._last_new is None  # nothing refused is kept


def test_entries_are_refused_before_the_header_as_a_catalogue_checked_alone() -> None:
    bad = Catalog((("X-Note", "two\nlines"),), (Message(msgid="", references=("a.md:1",)),))
    with pytest.raises(CatalogError) as alone:
        check_catalog(bad, "x.po")
    with pytest.raises(CatalogError) as written:
        write_po(bad, None, 0, "x.po")
    assert str(written.value) == str(alone.value)
    assert "empty msgid" in str(written.value)
