"""The shortcuts a first sync takes through its hottest steps give the answers of the long way.

Each shortcut skips work for the common case (an ASCII name, a folder without a
symlink, a header's plain lines, a switcher's plain links): here each is compared
with the long way on the common case and on the cases it must leave to it.
"""

from __future__ import annotations

import os
import unicodedata
from pathlib import Path

import pytest

from i18n_sync.errors import CatalogError, WriteError
from i18n_sync.gettext import po_write
from i18n_sync.gettext.po import format_po, parse_po
from i18n_sync.markdown import links
from i18n_sync.model import Catalog, FileChange, Message
from i18n_sync.project.files import Folders, check_target, folded, path_problem
from i18n_sync.project.writing import apply_changes

TEXTS = [
    "",
    "one line",
    "\n",
    "\n\n",
    "a\nb",
    "a\nb\n",
    "a\n\nb\n\n",
    "Language: tr\nPlural-Forms: nplurals=2; plural=(n != 1);\n",
    'a "quoted"\nline\n',
    "tab\there\n",
    "back\\slash\nx",
    "carriage\r\nreturn\n",
    "ünïcode\n中文\n",
    "\u2028separator\n",
]


def _long_way(prefix: str, keyword: str, text: str) -> str:
    """`_string_lines` without a page width: the layout the shortcut must give."""
    return "\n".join(po_write._string_lines(prefix, keyword, text, None))


@pytest.mark.parametrize("text", TEXTS)
@pytest.mark.parametrize("prefix", ["", "#~ "])
def test_a_string_of_lines_is_laid_out_as_the_long_way(prefix: str, text: str) -> None:
    assert po_write._unwrapped_string(prefix, "msgstr", text) == _long_way(prefix, "msgstr", text)


def test_a_header_written_and_read_back_is_the_same() -> None:
    header = (("Project-Id-Version", "docs/x"), ("Language", "tr"), ("X-Note", 'a "quote"'))
    catalog = Catalog(header, (Message(msgid="Hello", msgstr="Merhaba"),), ("tr translation.",))
    text = format_po(catalog)
    assert '"Project-Id-Version: docs/x\\n"\n"Language: tr\\n"\n"X-Note: a \\"quote\\"\\n"' in text
    assert parse_po(text, "x.po").header == header


@pytest.mark.parametrize(
    ("field", "named"),
    [
        (("Bad:Name", "x"), "Bad:Name"),
        (("Name", "two\nlines"), "Name"),
        (("Name", "start of heading \x01"), "Name"),
        (("Name", "a bell \x07 is written as an escape"), "Other:"),
    ],
)
def test_a_header_field_that_cannot_be_written_is_named(field: tuple[str, str], named: str) -> None:
    catalog = Catalog((("Language", "tr"), field, ("Other:", "y")), ())
    with pytest.raises(CatalogError, match=f"header field {named!r}"):
        format_po(catalog, path="x.po")


def test_folding_an_ascii_name_is_the_unicode_fold() -> None:
    for name in ["README.md", "Docs/Guide-01.MD", "a b~c", "", "ÇAĞRI.md", "ﬁle.md", "Straße"]:
        long = unicodedata.normalize("NFC", unicodedata.normalize("NFD", name).casefold())
        assert folded(name) == long


@pytest.mark.parametrize(
    ("name", "bad"),
    [
        ("plain-name.md", False),
        ("ünïcode.md", False),
        ("tab\there.md", True),
        ("line\nbreak.md", True),
        ("bidi\u202eflip.md", True),
        ("para\u2029sep.md", True),
        ("zero\u200bwidth.md", False),  # a format character, not a control: allowed as before
        ("nbsp\u00a0name.md", False),
    ],
)
def test_a_name_is_judged_as_before(name: str, bad: bool) -> None:
    problem = path_problem(f"docs/{name}")
    assert (problem is not None and "control character" in problem) is bad


def test_a_folder_is_quiet_only_without_a_symlink(tmp_path: Path) -> None:
    (tmp_path / "plain").mkdir()
    (tmp_path / "plain" / "a.md").write_text("a")
    (tmp_path / "linked").mkdir()
    (tmp_path / "linked" / "b.md").symlink_to(tmp_path / "plain" / "a.md")
    outside = tmp_path.parent / f"{tmp_path.name}-outside"
    outside.mkdir()
    (tmp_path / "out").symlink_to(outside, target_is_directory=True)
    folders = Folders(tmp_path)
    assert folders.quiet("plain")
    assert folders.quiet("missing/deeper")  # nothing there yet: no file of it is a link
    assert not folders.quiet("linked")
    assert not folders.quiet("out")
    with pytest.raises(WriteError, match="symlink"):
        check_target(tmp_path, "linked/b.md", folders)
    check_target(tmp_path, "linked/c.md", folders)  # another name in that folder is fine


def test_a_symlink_made_after_the_plan_is_still_refused(tmp_path: Path) -> None:
    (tmp_path / "docs").mkdir()
    elsewhere = tmp_path / "elsewhere.md"
    elsewhere.write_text("mine")
    (tmp_path / "docs" / "out.md").symlink_to(elsewhere)
    applied = None
    with pytest.raises(WriteError, match="symlink"):
        applied = apply_changes(tmp_path, [FileChange("docs/out.md", b"new", "output")])
    assert applied is None
    assert elsewhere.read_text() == "mine"
    assert os.path.islink(tmp_path / "docs" / "out.md")


@pytest.mark.parametrize(
    "targets",
    [
        ("README.md", "docs/tr/README.md", "docs/zh-CN/README.md"),
        ("docs/a b/x.md", "site/tr/a b/x.md"),
        ("docs/x.md", "docs/x.md/", "/abs/x.md", "docs/..", "docs/."),
        ("docs", "docs/docs", "docs/docs/x.md"),
        ("../up/x.md", "docs/x (1).md", "docs/x#y?.md"),
    ],
)
@pytest.mark.parametrize("start", ["", "docs", "docs/tr", "site/tr/a b", "docs/docs"])
def test_switcher_links_are_those_made_one_by_one(start: str, targets: tuple[str, ...]) -> None:
    folders, names, escaped, _ = links._in_folders(targets)
    parts = zip(targets, names, escaped, links._folder_links(start, folders), strict=True)
    one_by_one = [links._joined(start, target, name, tail, link) for target, name, tail, link in parts]
    assert links.links_from(start, targets) == one_by_one
