"""The comments a template gives translators are made from the English (a heading, a link), and a PO
file must hold them: a heading or a link ending in a backslash stopped every run with an error
about a comment nobody wrote, since GNU gettext reads a comment's trailing backslash as joining
the next line (msgcat refuses such a file)."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

from helpers import invoke
from i18n_sync.gettext.catalog import _writable
from i18n_sync.gettext.po import parse_po
from test_scale import CONFIG  # a docs tree in docs/, three languages

# A heading whose text ends in a backslash (Markdown's escaped one), and an autolink and a link
# whose destinations end in one.
ENGLISH = """# Keep it in C:\\\\

See <https://example.com/a\\> for the details.

Read [the notes](https://example.com/b\\\\) too.
"""


@pytest.fixture
def project(tmp_path: Path) -> Path:
    root = tmp_path / "project"
    (root / "docs").mkdir(parents=True)
    (root / "i18n-sync.toml").write_text(CONFIG, "utf-8")
    (root / "docs/guide.md").write_text(ENGLISH, "utf-8")
    return root


def extracted(path: Path) -> list[str]:
    catalog = parse_po(path.read_text("utf-8"), str(path))
    return [comment for message in catalog.messages for comment in message.extracted]


def test_english_ending_in_a_backslash_gives_comments_a_po_file_holds(project: Path) -> None:
    result = invoke(project, "sync")
    assert result.exit_code == 0, result.output
    comments = extracted(project / "locales/guide.pot")
    assert "Section: Keep it in C:\\ " in comments
    assert "{1}: https://example.com/a\\ " in comments
    assert "{1}: https://example.com/b\\\\ " in comments  # the destination as written: b\\
    assert extracted(project / "locales/tr/guide.po") == comments
    assert (project / "site/tr/guide.md").read_text("utf-8").endswith(ENGLISH)
    again = invoke(project, "sync", "--check")
    assert again.exit_code == 0, again.output


@pytest.mark.skipif(shutil.which("msgcat") is None, reason="GNU msgcat is not installed")
def test_gnu_gettext_reads_those_comments(project: Path) -> None:
    assert invoke(project, "sync").exit_code == 0
    for path in (project / "locales/guide.pot", project / "locales/tr/guide.po"):
        done = subprocess.run(["msgcat", str(path)], capture_output=True, check=False)
        assert done.returncode == 0, done.stderr.decode()
        assert done.stdout == path.read_bytes()


def test_a_comment_is_spelled_so_a_po_file_holds_it() -> None:
    assert _writable("Section: Plain") == "Section: Plain"
    assert _writable("Section: A\\") == "Section: A\\ "
    assert _writable("Section: A\\\\") == "Section: A\\\\ "
    assert _writable("Section: form\x0cfeed and next\x85line") == "Section: form\\x0cfeed and next\\x85line"
    assert _writable("Section: tabs\tstay") == "Section: tabs\tstay"


def test_english_a_po_file_cannot_hold_is_pointed_at_in_its_document(project: Path) -> None:
    """A character no PO file holds (a C1 control) in the English: the error says which
    document to change, not only the template it would have gone to."""
    (project / "docs/other.md").write_text("Text with a control \x85 in it.\n", "utf-8")
    result = invoke(project, "sync")
    assert result.exit_code == 1
    assert "contains U+0085, which a PO file cannot hold; remove it from the English of docs/other.md" in (
        result.stderr
    )
    assert "Traceback" not in result.output + result.stderr
