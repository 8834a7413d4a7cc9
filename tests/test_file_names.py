"""Any file name a repository can hold: spaces, commas, '#', non-ASCII letters."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from helpers import invoke
from i18n_sync.gettext.po import format_po, format_reference, parse_po, split_references

NAMES = ("Getting Started", ",", "a#b", "Über uns")
LINKS = "See [the start](Getting%20Started.md), [b](a%23b.md) and [about](%C3%9Cber%20uns.md).\n"


def source(name: str) -> str:
    return f"# Title of {name}\n\nSome text about {name}.\n\n{LINKS}"


def translate(catalog: Path) -> None:
    """Fill every entry with an UPPERCASE pseudo-translation (placeholders kept)."""
    text = catalog.read_text(encoding="utf-8")
    out = []
    msgid = ""
    for line in text.split("\n"):
        if line.startswith("msgid "):
            msgid = line[6:]
        if line == 'msgstr ""' and msgid != '""':
            line = "msgstr " + msgid.upper()
        out.append(line)
    catalog.write_text("\n".join(out), encoding="utf-8")


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1767225600")
    (tmp_path / "content").mkdir()
    for name in NAMES:
        (tmp_path / "content" / f"{name}.md").write_text(source(name), encoding="utf-8")
    result = invoke(tmp_path, "init", "--lang", "tr")
    assert result.exit_code == 0, result.output
    # The documents share their links line; translation memory would fill it everywhere.
    config = tmp_path / "i18n-sync.toml"
    text = config.read_text(encoding="utf-8").replace(
        'translation_memory = "fill"', 'translation_memory = "off"'
    )
    config.write_text(text, encoding="utf-8")
    return tmp_path


def test_extract_update_render_status_check(project: Path) -> None:
    template = (project / "locales" / "Getting Started.pot").read_text(encoding="utf-8")
    assert "#: \u2068content/Getting Started.md\u2069\n" in template
    assert "#: content/,.md\n" in (project / "locales" / ",.pot").read_text(encoding="utf-8")
    assert "#: content/a#b.md\n" in (project / "locales" / "a#b.pot").read_text(encoding="utf-8")
    translate(project / "locales" / "tr" / "a#b.po")
    translate(project / "locales" / "tr" / "Getting Started.po")
    result = invoke(project, "sync")
    assert result.exit_code == 0, result.output
    assert "TITLE OF A#B" in (project / "a#b.tr.md").read_text(encoding="utf-8")
    readme = (project / "Über uns.tr.md").read_text(encoding="utf-8")
    # Links to translated documents reach their Turkish files, escaped as a link needs.
    assert "[the start](Getting%20Started.tr.md), [b](a%23b.tr.md)" in readme
    assert "[about](%C3%9Cber%20uns.md)" in readme  # itself: the English document
    assert (project / ",.md").read_text(encoding="utf-8").endswith(source(","))
    status = invoke(project, "status", "--format", "json")
    assert status.exit_code == 0, status.output
    for name in NAMES:
        assert f"content/{name}.md" in status.output
    check = invoke(project, "check")
    assert check.exit_code == 0, check.output
    assert "of 4 catalogue(s)" in check.output
    assert invoke(project, "sync", "--check").exit_code == 0


@pytest.mark.skipif(shutil.which("msgcat") is None, reason="GNU msgcat is not installed")
def test_references_survive_msgcat(project: Path) -> None:
    for name in NAMES:
        for path in (project / "locales" / f"{name}.pot", project / "locales" / "tr" / f"{name}.po"):
            done = subprocess.run(["msgcat", str(path)], capture_output=True, check=True)
            # Only the references: msgcat drops flags it does not know (issue 14's business).
            ours = [line for line in path.read_bytes().split(b"\n") if line.startswith(b"#:")]
            assert ours
            assert [line for line in done.stdout.split(b"\n") if line.startswith(b"#:")] == ours


def test_references_are_read_and_written_as_gnu_gettext_does() -> None:
    isolated = "\u2068docs/a b.md\u2069"
    assert split_references(f"{isolated} c,d.md \u2068x y.c\u2069:12 z.c:3") == (
        "docs/a b.md",
        "c,d.md",
        "x y.c:12",
        "z.c:3",
    )
    assert format_reference("docs/a b.md") == isolated
    assert format_reference("x y.c:12") == "\u2068x y.c\u2069:12"
    assert format_reference("a#b.md") == "a#b.md"
    text = f'msgid ""\nmsgstr ""\n\n#: {isolated} c,d.md\nmsgid "x"\nmsgstr ""\n'
    catalog = parse_po(text, "x.po")
    assert catalog.messages[0].references == ("docs/a b.md", "c,d.md")
    assert format_po(catalog) == text


@pytest.mark.skipif(sys.platform != "linux", reason="only Linux file systems keep any bytes in a name")
def test_a_name_that_is_not_utf8_is_an_error_naming_the_folder(project: Path) -> None:
    os.close(os.open(bytes(project / "content") + b"/caf\xe9.md", os.O_CREAT | os.O_WRONLY, 0o644))
    result = invoke(project, "sync")
    assert result.exit_code == 1
    assert result.stderr.startswith("Error: content: this folder holds a file whose name is not valid UTF-8")
    assert "caf\\xe9.md" in result.stderr
    assert "Traceback" not in result.output
