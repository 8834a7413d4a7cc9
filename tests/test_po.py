"""The PO reader and writer on their own: strict reading, msgcat's layout, refusals, round trips.

Comparisons with GNU gettext itself are in test_po_gnu.py; this file needs no
gettext tools. Each folder of fixtures/po/ is one malformed catalogue
(``input.po``) and what must happen to it (``expected.json``: the exact
error, and msgfmt's own verdict, which test_po_gnu.py checks).
"""

from __future__ import annotations

import json
import shutil
from dataclasses import replace
from pathlib import Path

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from helpers import invoke
from i18n_sync.errors import CatalogError
from i18n_sync.gettext.po import decode_po, format_po, parse_po, parse_po_with_warnings, translations_of
from i18n_sync.model import Catalog, Message

FIXTURES = Path(__file__).parent / "fixtures" / "po"
CASES = sorted(path.name for path in FIXTURES.iterdir() if path.is_dir())
CATALOG = "locales/tr/README.po"

HEADER = (
    ("Project-Id-Version", "README"),
    ("Language", "tr"),
    ("MIME-Version", "1.0"),
    ("Content-Type", "text/plain; charset=UTF-8"),
    ("Content-Transfer-Encoding", "8bit"),
)
HEAD = (
    'msgid ""\nmsgstr ""\n"Project-Id-Version: README\\n"\n"Language: tr\\n"\n'
    '"MIME-Version: 1.0\\n"\n"Content-Type: text/plain; charset=UTF-8\\n"\n'
    '"Content-Transfer-Encoding: 8bit\\n"\n'
)
SOURCE = "# Notes\n\nA first paragraph.\n"


def expected(case: str) -> dict[str, str]:
    data: dict[str, str] = json.loads((FIXTURES / case / "expected.json").read_text("utf-8"))
    return data


def read(data: bytes, path: str = CATALOG) -> Catalog:
    return parse_po_with_warnings(decode_po(data, path), path)[0]


def catalog_of(*messages: Message) -> Catalog:
    return Catalog(HEADER, messages)


# Malformed catalogues: the exact message, in the reader and through the CLI.


@pytest.mark.parametrize("case", CASES)
def test_a_malformed_catalogue_is_refused_with_its_message(case: str) -> None:
    with pytest.raises(CatalogError) as caught:
        read((FIXTURES / case / "input.po").read_bytes())
    assert str(caught.value) == expected(case)["error"]


def snapshot(root: Path) -> dict[str, bytes]:
    return {str(p.relative_to(root)): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}


@pytest.fixture(scope="module")
def synced_project(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A project with tr and zh-CN catalogues, synced so that a second run changes nothing."""
    root = tmp_path_factory.mktemp("project")
    (root / "content").mkdir()
    (root / "content" / "README.md").write_text(SOURCE, "utf-8")
    (root / "content" / "GUIDE.md").write_text("# Guide\n\nRead this first.\n", "utf-8")
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("SOURCE_DATE_EPOCH", "1767225600")
        assert invoke(root, "init", "--lang", "tr", "--lang", "zh-CN").exit_code == 0
        assert invoke(root, "sync").exit_code == 0
    return root


@pytest.fixture
def project(synced_project: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1767225600")
    root = tmp_path / "project"
    shutil.copytree(synced_project, root)
    return root


@pytest.mark.parametrize("case", CASES)
def test_a_malformed_catalogue_fails_the_run_and_changes_no_file(project: Path, case: str) -> None:
    shutil.copyfile(FIXTURES / case / "input.po", project / CATALOG)
    before = snapshot(project)
    result = invoke(project, "sync")
    assert result.exit_code == 1
    assert f"Error: {expected(case)['error']}\n" in result.stderr
    assert "tr: nothing written: a catalogue of this language has errors" in result.stdout
    assert snapshot(project) == before


def test_a_bad_catalogue_stops_only_its_language_and_every_bad_file_is_reported(project: Path) -> None:
    readme = project / CATALOG
    guide = project / "locales" / "tr" / "GUIDE.po"
    readme.write_bytes(readme.read_bytes().replace(b'msgid "Notes"', b'msgid "Notes'))
    readme_line = readme.read_text("utf-8").split("\n").index('msgid "Notes') + 1
    guide_line = guide.read_text("utf-8").count("\n") + 1
    guide.write_bytes(guide.read_bytes() + b"<<<<<<< HEAD\n")
    (project / "content" / "README.md").write_text(SOURCE + "\nA second paragraph.\n", "utf-8")
    before = snapshot(project)
    result = invoke(project, "sync")
    assert result.exit_code == 1
    errors = [line for line in result.stderr.splitlines() if line.startswith("Error: ")]
    assert errors == [
        f"Error: locales/tr/GUIDE.po:{guide_line}: unresolved merge conflict marker '<<<<<<<'; "
        "resolve the conflict (keep one version of the entry), then run 'i18n-sync update'",
        f"Error: locales/tr/README.po:{readme_line}:7: end-of-line within string; add the closing quote",
    ]
    after = snapshot(project)
    changed = {name for name in after if after[name] != before.get(name)}
    assert {"locales/zh_CN/README.po", "README.zh-CN.md"} <= changed
    assert 'msgid "A second paragraph."' in after["locales/zh_CN/README.po"].decode("utf-8")
    assert not [name for name in changed if "/tr/" in name or ".tr." in name]


def test_a_byte_order_mark_and_crlf_are_accepted_with_a_warning_and_written_as_lf(project: Path) -> None:
    path = project / CATALOG
    clean = path.read_bytes()
    path.write_bytes(b"\xef\xbb\xbf" + clean.replace(b"\n", b"\r\n"))
    result = invoke(project, "sync")
    assert result.exit_code == 0, result.output
    assert f"{CATALOG}:1: warning: byte order mark at the start" in result.stderr
    assert f"{CATALOG}:1: warning: CRLF line endings; they are written back as LF" in result.stderr
    assert path.read_bytes() == clean


def test_the_configured_wrap_width_lays_out_new_entries_and_new_catalogues(project: Path) -> None:
    config = project / "i18n-sync.toml"
    config.write_text(config.read_text("utf-8").replace("wrap_width = 0\n", "wrap_width = 20\n"), "utf-8")
    long = "A paragraph long enough to be wrapped at twenty columns."
    (project / "content" / "README.md").write_text(f"{SOURCE}\n{long}\n", "utf-8")
    before = (project / CATALOG).read_text("utf-8")
    (project / "locales" / "zh_CN" / "README.po").unlink()
    assert invoke(project, "sync").exit_code == 0
    for path in ("locales/README.pot", CATALOG, "locales/zh_CN/README.po"):
        text = (project / path).read_text("utf-8")
        assert 'msgid ""\n"A paragraph long "\n"enough to be "\n' in text
    # The entries that did not change keep their bytes; a new catalogue is laid out whole.
    assert (project / CATALOG).read_text("utf-8").startswith(before.rstrip("\n"))
    fresh = (project / "locales" / "zh_CN" / "README.po").read_text("utf-8")
    assert fresh == format_po(parse_po(fresh, "zh.po"), 20)


# What msgfmt accepts (and polib does not) is accepted.


def test_comments_without_a_space_and_keywords_without_one_are_read_as_msgfmt_reads_them() -> None:
    text = (
        HEAD + '\n#note\n#.extracted\n#:a.md b.md\n#,fuzzy,markdown-text\nmsgid"x"\nmsgstr"X" "Y"\n'
        '\n#~ # old note\n#~ msgid "gone"\n#~ msgstr "GONE"\n'
    )
    catalog = parse_po(text, CATALOG)
    assert catalog.messages == (
        Message(
            "x", "XY", comments=("note",), extracted=("extracted",), references=("a.md", "b.md"),
            flags=("fuzzy", "markdown-text"),
        ),
        Message("gone", "GONE", comments=("old note",), obsolete=True),
    )  # fmt: skip


def test_flags_split_at_commas_and_spaces_and_keep_a_range_whole() -> None:
    text = HEAD + '\n#, fuzzy  markdown-text,range: 1..5\nmsgid "x"\nmsgstr "X"\n'
    assert parse_po(text, CATALOG).messages[0].flags == ("fuzzy", "markdown-text", "range: 1..5")


def test_escapes_are_decoded_as_msgfmt_decodes_them() -> None:
    text = HEAD + '\nmsgid "x"\nmsgstr "\\x61\\101\\303\\251\\t\\x161\\"\\\\\\a\\b\\f\\v\\r"\n'
    # Numeric escapes are bytes (the low byte for long hex), then read as UTF-8.
    assert parse_po(text, CATALOG).messages[0].msgstr == 'aAé\ta"\\\a\b\f\v\r'


def test_a_utf8_catalogue_that_is_not_valid_names_line_and_column() -> None:
    with pytest.raises(CatalogError) as caught:
        read((HEAD + '\nmsgid "x"\nmsgstr "ab\udcff"\n').encode("utf-8", "surrogateescape"))
    assert str(caught.value) == f"{CATALOG}:10:11: invalid UTF-8 (byte 0xff); save the file as UTF-8"


def test_translator_comments_keep_their_spaces_and_are_never_rewrapped() -> None:
    comment = "  indented, trailing spaces   and " + "long " * 40
    text = HEAD + f'\n#{comment}\nmsgid "x"\nmsgstr ""\n'
    catalog = parse_po(text, CATALOG)
    assert catalog.messages[0].comments == (comment[1:],)
    assert format_po(catalog) == text
    assert f'\n#{comment}\nmsgid "x"\n' in format_po(catalog, 40)


# The writer: msgcat's layout.


def test_header_field_order_is_kept_and_new_fields_are_appended() -> None:
    text = HEAD.replace('"Language: tr\\n"\n', "") + '"Language: tr\\n"\n'
    catalog = parse_po(text, CATALOG).with_header("X-Generator", "Poedit 3.4")
    written = format_po(catalog)
    assert written.startswith(text)
    assert written.endswith('"Language: tr\\n"\n"X-Generator: Poedit 3.4\\n"\n')


def test_obsolete_entries_come_last_with_their_previous_msgid() -> None:
    old = Message("Old text.", "ESKİ", flags=("fuzzy",), previous_msgid="Older text.", obsolete=True)
    catalog = catalog_of(old, Message("New text.", "YENİ"))
    written = format_po(catalog)
    assert written.endswith(
        'msgid "New text."\nmsgstr "YENİ"\n\n'
        '#, fuzzy\n#~| msgid "Older text."\n#~ msgid "Old text."\n#~ msgstr "ESKİ"\n'
    )
    assert parse_po(written, CATALOG).messages == (catalog.messages[1], old)


def test_fuzzy_is_written_only_on_a_translation_as_msgcat_does() -> None:
    written = format_po(catalog_of(Message("x", "", flags=("fuzzy", "markdown-text"))))
    assert written.endswith('\n#, markdown-text\nmsgid "x"\nmsgstr ""\n')


def test_multi_line_text_breaks_after_each_newline_without_wrapping() -> None:
    message = Message("One\nTwo\n", "Bir " * 30 + "\nİki")
    written = format_po(catalog_of(message))
    assert written.endswith('msgid ""\n"One\\n"\n"Two\\n"\nmsgstr ""\n"' + "Bir " * 30 + '\\n"\n"İki"\n')


def test_references_fill_the_page_width_even_without_wrapping() -> None:
    references = tuple(f"content/chapter-{n:02}.md" for n in range(10))
    written = format_po(catalog_of(Message("x", references=references)))
    lines = [line for line in written.splitlines() if line.startswith("#:")]
    # msgcat starts a new line when a reference would pass column 79 (3 of these fit).
    assert lines[0] == "#: content/chapter-00.md content/chapter-01.md content/chapter-02.md"
    assert [len(line) for line in lines] == [68, 68, 68, 24]
    narrow = format_po(catalog_of(Message("x", references=references)), 40).splitlines()
    assert [line for line in narrow if line.startswith("#:")] == [f"#: {r}" for r in references]


def test_wrapping_breaks_after_spaces_and_slashes_between_cjk_and_never_inside_an_escape() -> None:
    message = Message("x", "强化学习从人类反馈中学习。" * 3 + ' "quoted" \\ path https://example.com/a/b/c')
    lines = format_po(catalog_of(message), 30).split("msgstr ")[-1].splitlines()
    assert lines == [
        '""',
        '"强化学习从人类反馈中学习。强"',
        '"化学习从人类反馈中学习。强化"',
        '"学习从人类反馈中学习。 "',
        '"\\"quoted\\" \\\\ path https://"',
        '"example.com/a/b/c"',
    ]  # as msgcat --width=30 writes it: UAX #14 allows a break after "/"


def test_a_no_wrap_flag_and_widths_under_twenty_behave_as_in_msgcat() -> None:
    long = "word " * 12
    flagged = format_po(catalog_of(Message("x", long, flags=("no-wrap",))), 20)
    assert f'msgstr "{long}"' in flagged
    assert format_po(catalog_of(Message("x", long)), 5) == format_po(catalog_of(Message("x", long)), 20)


def test_output_is_utf8_text_with_lf_and_no_byte_order_mark() -> None:
    written = format_po(catalog_of(Message("Ünïcode", "统一码\r\n")))
    assert not written.startswith("\ufeff") and "\r" not in written
    assert 'msgstr "统一码\\r\\n"' in written


# The writer refuses what a PO file cannot hold.


@pytest.mark.parametrize(
    ("message", "problem"),
    [
        (Message("a\x00b"), 'the msgid of the entry msgid "a\\u0000b" contains U+0000'),
        (Message("x", "\x1b[0m"), 'the msgstr of the entry msgid "x" contains U+001B'),
        (Message("x", "\x85"), "contains U+0085"),
        (Message("x", "\ud800"), "contains U+D800"),
        (Message("x", msgctxt="\x7f"), 'the msgctxt of the entry msgid "x" contains U+007F'),
        (Message("x", comments=("two\nlines",)), "contains U+000A, which gettext would misread"),
        (Message("x", extracted=("C:\\",)), "contains a backslash at its end"),
        (Message("x", flags=("two words",)), "holds a space or comma"),
    ],
)
def test_the_writer_refuses_what_gettext_cannot_hold(message: Message, problem: str) -> None:
    with pytest.raises(CatalogError) as caught:
        format_po(catalog_of(message), path=CATALOG)
    assert str(caught.value).startswith(f"{CATALOG}: ")
    assert problem in str(caught.value)


def test_the_writer_refuses_two_entries_with_one_key_and_an_empty_msgid() -> None:
    with pytest.raises(CatalogError, match="two entries with msgctxt None"):
        format_po(catalog_of(Message("x", "a"), Message("x", "b", obsolete=True)))
    with pytest.raises(CatalogError, match="empty msgid"):
        format_po(catalog_of(Message("")))


# Round trips.

WRITABLE = st.characters(blacklist_categories=("Cs",), blacklist_characters="".join(
    chr(c) for c in (*range(0x07), *range(0x0E, 0x20), *range(0x7F, 0xA0))
))  # fmt: skip
COMMENT = st.text(WRITABLE.filter(lambda c: c not in "\n\r\a\b\v\f"), max_size=30).filter(
    lambda t: not t.endswith("\\")
)
MESSAGES = st.lists(
    st.builds(
        Message,
        msgid=st.text(WRITABLE, min_size=1, max_size=80),
        msgstr=st.text(WRITABLE, max_size=80),
        msgctxt=st.none() | st.text(WRITABLE, max_size=10),
        flags=st.sampled_from([(), ("markdown-text",), ("fuzzy", "markdown-text")]),
        comments=st.lists(COMMENT, max_size=2).map(tuple),
        extracted=st.lists(COMMENT, max_size=2).map(tuple),
        previous_msgid=st.none() | st.text(WRITABLE, max_size=40),
        obsolete=st.booleans(),
    ),
    max_size=6,
    unique_by=lambda m: m.key,
)


@settings(max_examples=300, deadline=None)
@given(messages=MESSAGES, width=st.sampled_from([0, 20, 79]))
def test_any_writable_text_survives_write_then_read(messages: list[Message], width: int) -> None:
    # msgcat writes fuzzy only on a translation, and puts obsolete entries last.
    messages = [m if m.msgstr else m.with_flag("fuzzy", False) for m in messages]
    messages.sort(key=lambda m: m.obsolete)
    catalog = catalog_of(*messages)
    written = format_po(catalog, width)
    assert parse_po(written, CATALOG) == catalog
    assert format_po(parse_po(written, CATALOG), width) == written


def some_of(choices: list[str]) -> st.SearchStrategy[tuple[str, ...]]:
    return st.lists(st.sampled_from(choices), max_size=4).map(tuple)


ESCAPED = st.text(WRITABLE | st.sampled_from(['"', "\\", "\n", "\t", "\a", "\r", " "]), max_size=60)
ENTRIES = st.builds(
    Message,
    msgid=ESCAPED,
    msgstr=ESCAPED,
    msgctxt=st.none() | st.text(WRITABLE, max_size=10),
    flags=some_of(["fuzzy", "markdown-text", "no-wrap", "range: 1..5"]),
    comments=st.lists(COMMENT, max_size=3).map(tuple),
    extracted=st.lists(COMMENT, max_size=3).map(tuple),
    references=some_of(["README.md", "docs/" + "a" * 40 + ".md", "b.md:12", "c.md"]),
    previous_msgctxt=st.none() | st.text(WRITABLE, max_size=10),
    previous_msgid=st.none() | ESCAPED,
    obsolete=st.booleans(),
)


@settings(max_examples=500, deadline=None)
@given(message=ENTRIES)
def test_the_unwrapped_writer_lays_out_exactly_what_the_general_one_does(message: Message) -> None:
    from i18n_sync.gettext.po_write import _REFERENCE_WIDTH, _message_lines, _unwrapped_entry

    assert _unwrapped_entry(message) == "\n".join(_message_lines(message, None, _REFERENCE_WIDTH))


UNWRITABLE = st.sampled_from([chr(c) for c in (*range(0x07), *range(0x0E, 0x20), *range(0x7F, 0xA0), 0xD800)])


@settings(max_examples=100, deadline=None)
@given(before=st.text(WRITABLE, max_size=20), bad=UNWRITABLE, after=st.text(WRITABLE, max_size=20))
def test_text_with_a_character_gettext_cannot_hold_is_refused(before: str, bad: str, after: str) -> None:
    with pytest.raises(CatalogError, match=f"contains U\\+{ord(bad):04X}, which a PO file cannot hold"):
        format_po(catalog_of(Message("x" + before + bad + after)))


def test_translations_of_uses_only_translated_active_entries() -> None:
    catalog = catalog_of(
        Message("a", "A"),
        Message("b", "B", flags=("fuzzy",)),
        Message("c", ""),
        Message("d", "D", obsolete=True),
        Message("e", "E", msgctxt="menu"),
    )
    assert translations_of(catalog) == {"a": "A"}


def test_reading_keeps_the_line_of_each_entry() -> None:
    catalog = parse_po(HEAD + '\n# note\nmsgid "a"\nmsgstr ""\n\nmsgid "b"\nmsgstr ""\n', CATALOG)
    assert [m.line for m in catalog.messages] == [9, 13]
    assert replace(catalog.messages[0], line=0) == catalog.messages[0]  # line is not compared


def _read(text: str, fast: bool) -> object:
    """The entries the reader finds, or the error it raises, with or without its fast path."""
    from i18n_sync.gettext.po_read import Reader

    reader = Reader(text, "x.po")
    try:
        reader.read(fast=fast)
    except CatalogError as error:
        return str(error)
    # repr shows each line too; where entries end is the layout a writer keeps (`parse_po_layout`).
    ends = (reader.header_end, reader.ends, reader.kept, reader.trailer, reader.last_line)
    return repr((reader.header, reader.messages, reader.msgid_lines, ends))


def test_the_fast_path_reads_exactly_what_the_line_reader_reads() -> None:
    root = Path(__file__).resolve().parents[1]
    files = [*root.glob("locales/**/*.po*"), *root.glob("tests/fixtures/**/*.po*")]
    texts = [path.read_bytes().decode("utf-8", "replace").replace("\r\n", "\n") for path in files]
    header = 'msgid ""\nmsgstr ""\n'
    texts += [
        header + '"Language: tr\\n"\n\n# a\n#. b\n#: c d\n#, fuzzy\n#| msgid "o"\n'
        'msgid "x\\ty"\nmsgstr "\\"z\\""\n',
        header + '\n#~ msgid "gone"\n#~ msgstr "gitti"\n\n# kept for next\n\nmsgid "a"\nmsgstr ""\n',
        header + '\nmsgid "a"\nmsgstr "b"\nmsgid "c"\nmsgstr "d"\n\n\n\n'
        'msgctxt "k"\nmsgid ""\n"l1\\n"\n"l2"\nmsgstr ""\n',
        header + '\nmsgid "a"\nmsgstr "\\x41"\n\nmsgid "a"\nmsgstr "b"\n',
        # Each of these is refused by the line reader, so the fast path must not take it.
        header + '\nmsgid "a"\nmsgstr "b"\n=======\nmsgid "c"\nmsgstr "d"\n',
        header + '\n#. ends in a backslash\\\nmsgid "a"\nmsgstr "b"\n',
        header + '\n#. a control \x01 character\nmsgid "a"\nmsgstr "b"\n',
        header + '\nmsgid "a"\nmsgstr "b\x7f"\n',
        header + '\nmsgid "a"\nmsgstr "b"\n\nmsgid "c"\nmsgstr ""\n\nmsgid "a"\nmsgstr "b"\n',
        header + '\nmsgid "a"\nmsgstr "b"\n\nmsgid ""\nmsgstr "b"\n',
        # Layouts the fast path leaves to the line reader, and some it takes.
        header + '\n#: a.md\n# translator after a reference\nmsgid "a"\nmsgstr "b"\n',
        header + '\n#, fuzzy\n#, markdown-text, fuzzy\n#, range:\n#, 1..4\nmsgid "a"\nmsgstr "b"\n',
        header
        + '\n#, fuzzy, range: 1..4 , x\n#| msgctxt "c"\n#| msgid "p"\nmsgctxt "c"\nmsgid "a"\nmsgstr ""\n',
        header + '\n#\n#  two\n#.\n#. \n#:\n#,\n#| msgid ""\n#| "p1\\n"\n#| "p2"\nmsgid "a"\nmsgstr "b"\n',
        *(header + f'\n{comment}\nmsgid "a"\nmsgstr "b"\n' for comment in ("#n", "#.x", "#:a b", "#,fuzzy")),
        header + '\n#. x\n#: a.md\n#: b.md  c.md\n#, fuzzy, fuzzy markdown-text\nmsgid "a"\nmsgstr "b"\n',
        header + '\nmsgid "a"\nmsgstr "b" \n\nmsgid  "c"\nmsgstr "d"\n\n\n',
        header + '\nmsgid "a"\nmsgstr "b"\n\n# comments, then the end\n',
        header + '\nmsgid "a"\nmsgstr "\\\\n\\\\\\"\\t"',
        header + '\nmsgid "a"\nmsgstr "b"\n"c\\q"\n\nmsgid "d"\nmsgstr "e"\n',
        # Headers the fast path takes, and some it leaves to the line reader.
        "# tr translation\n#\n#  two\n#, fuzzy, fuzzy\n" + header + '"X: y\\n"\n\nmsgid "a"\nmsgstr "b"\n',
        'msgid ""\nmsgstr "a\\tb"',
        "#. extracted\n" + header + '\nmsgid "a"\nmsgstr "b"\n',
        '#: a.md\n#| msgid "p"\n' + header,
        'msgctxt "c"\n' + header,
        'msgid "not a header"\nmsgstr ""\n\nmsgid "a"\nmsgstr "b"\n',
        header + '"no line feed at the end"',
    ]
    assert len(texts) > 30
    for text in texts:
        assert _read(text, fast=True) == _read(text, fast=False), text[:200]


# Catalogues line by line, mostly in msgcat's layout: strings with good and bad escapes,
# comments of every kind in any order, and now and then a damaged line.
def mostly(usual: list[str], odd: list[str]) -> st.SearchStrategy[str]:
    """One of `usual`, or now and then one of `odd`."""
    return st.one_of(*[st.sampled_from(usual)] * 7, st.sampled_from(odd))


STRING_PIECE = mostly(["a", "é", " ", "\t", "\\n", "\\t", '\\"', "\\\\"], ["\\x41", "\\q", '"', "\x01", "\\"])
STRING = st.lists(STRING_PIECE, max_size=3).map(lambda pieces: '"' + "".join(pieces) + '"')
COMMENT_MARKER = mostly(["# ", "#. ", "#: ", "#, "], ["#", "#.", "#,", "#:", "#~ ", "#| "])
COMMENT_WORD = mostly(["a", " ", ",", " fuzzy", ", fuzzy", "range: 1..2"], ["\\", "\x01", "\x85", "\t"])
COMMENT_LINE = st.tuples(COMMENT_MARKER, st.lists(COMMENT_WORD, max_size=3)).map(
    lambda marker_words: marker_words[0] + "".join(marker_words[1])
)
DAMAGE = st.sampled_from(["", " ", "\\", '"', "#", "#~ ", "\x01", "=======", "<<<<<<< x", "msgid ", "\n"])


@st.composite
def entry_lines(draw: st.DrawFn) -> list[str]:
    lines = draw(st.lists(COMMENT_LINE, max_size=3))
    if draw(st.booleans()):  # in msgcat's order: translator comments, #., #:, #,
        lines.sort(key=lambda line: "# .:,~".find(line[1:2]))
    for keyword, prefix, optional in (("msgid", "#| ", True), ("msgctxt", "", True), ("msgid", "", False)):
        if not optional or draw(st.booleans()):
            strings = draw(st.lists(STRING, min_size=1, max_size=2))
            lines += [f"{prefix}{keyword} {strings[0]}", *(prefix + s for s in strings[1:])]
    lines += ["msgstr " + draw(STRING)]
    return lines


@st.composite
def catalogue_texts(draw: st.DrawFn) -> str:
    header = [*draw(st.lists(COMMENT_LINE, max_size=2)), 'msgid ""', 'msgstr ""', '"Language: tr\\n"']
    entries = [header, *draw(st.lists(entry_lines(), max_size=4))]
    lines: list[str] = []
    for entry in entries:  # mostly one blank line after each entry, sometimes none or two
        lines += [*entry, *draw(st.sampled_from([[""], [""], [], ["", ""]]))]
    for _ in range(draw(st.integers(0, 2))):  # damage: a piece added at the start or the end of a line
        number = draw(st.integers(0, len(lines) - 1))
        piece = draw(DAMAGE)
        lines[number] = piece + lines[number] if draw(st.booleans()) else lines[number] + piece
    return "\n".join(lines) + draw(st.sampled_from(["", "\n"]))


@settings(max_examples=1000, deadline=None)
@given(text=catalogue_texts())
# An empty "#: " line, then a blank line: the entry starts at the comment (found by this test).
@example(text='msgid ""\nmsgstr ""\n"Language: tr\\n"\n\n#: \n\nmsgid ""\nmsgstr ""\n')
def test_the_fast_path_reads_exactly_what_the_line_reader_reads_in_any_catalogue(text: str) -> None:
    assert _read(text, fast=True) == _read(text, fast=False)


@settings(max_examples=200, deadline=None)
@given(messages=MESSAGES, width=st.sampled_from([0, 20]))
def test_the_fast_path_reads_exactly_what_the_line_reader_reads_in_any_written_catalogue(
    messages: list[Message], width: int
) -> None:
    text = format_po(catalog_of(*messages), width)
    assert _read(text, fast=True) == _read(text, fast=False)


def test_entries_in_msgcats_layout_skip_the_line_reader(monkeypatch: pytest.MonkeyPatch) -> None:
    from i18n_sync.gettext import po_read

    slow: list[object] = []
    to_message = po_read.to_message
    monkeypatch.setattr(po_read, "to_message", lambda entry: slow.append(entry) or to_message(entry))
    catalog = catalog_of(
        Message("a", "A", flags=("fuzzy", "markdown-text"), previous_msgid="b\n", references=("x.md",)),
        Message('c\n"d"\te\\', "", msgctxt="menu", comments=("", "note"), extracted=("{1}: url",)),
        Message("f", "F" * 100, flags=("range: 1..3",), references=("y.md", "z.md")),
    )
    for width in (0, 20):
        assert parse_po(format_po(catalog, width), CATALOG) == catalog
    assert slow == []
