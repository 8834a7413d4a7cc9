"""The `import` command on a scratch project: report, JSON, --check, --overwrite, older sources."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from helpers import invoke
from i18n_sync.gettext.po import parse_po

ENGLISH = """# Garden Tools

A short list of tools for a small garden.

## Hand tools

- [Trowel](https://example.org/trowel): digs small holes for bulbs.
- [Hand fork](https://example.org/fork): loosens compacted soil.

The club lends these tools to members every Saturday.
"""

# Drops the Saturday paragraph, adds a note of its own, points a link elsewhere.
GERMAN = """Übersetzt von Freiwilligen.

# Gartenwerkzeuge

Eine kurze Liste von Werkzeugen für einen kleinen Garten.

## Handwerkzeuge

- [Pflanzkelle](https://example.org/de/trowel): gräbt kleine Löcher für Zwiebeln.
- [Handgrubber](https://example.org/fork): lockert verdichteten Boden.
"""

OLDER_ENGLISH = ENGLISH.replace("# Garden Tools", "# Tools for the Garden")
OLDER_GERMAN = GERMAN.replace("# Gartenwerkzeuge", "# Werkzeuge für den Garten")


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1767225600")
    (tmp_path / "content").mkdir()
    (tmp_path / "content" / "README.md").write_text(ENGLISH, encoding="utf-8")
    (tmp_path / "README.hand.de.md").write_text(GERMAN, encoding="utf-8")
    result = invoke(tmp_path, "init", "--lang", "de")
    assert result.exit_code == 0, result.output
    return tmp_path


def catalogue(root: Path) -> str:
    return (root / "locales" / "de" / "README.po").read_text(encoding="utf-8")


def snapshot(root: Path) -> dict[str, bytes]:
    return {str(p.relative_to(root)): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}


def test_import_fills_the_catalogue_and_prints_a_table(project: Path) -> None:
    result = invoke(project, "import", "de", str(project / "README.hand.de.md"))
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert lines[1].split() == ["units", "sure", "uncertain", "refused", "same", "kept", "none"]
    assert lines[2].split() == ["6", "5", "0", "0", "0", "0", "1"]
    # Each column is explained under the table.
    legend = [line.split()[0] for line in lines[3:9]]
    assert legend == ["sure", "uncertain", "refused", "same", "kept", "none"]
    assert "render would not use" in lines[5]
    assert "content/README.md:10: The club lends these tools" in result.output
    assert "README.hand.de.md:1: Übersetzt von Freiwilligen." in result.output
    assert lines[-1] == "wrote locales/de/README.po"
    po = catalogue(project)
    assert 'msgstr "[Pflanzkelle]({1}): gräbt kleine Löcher für Zwiebeln."' in po
    assert 'msgstr "Gartenwerkzeuge"' in po


def test_import_reports_json(project: Path) -> None:
    result = invoke(project, "import", "de", str(project / "README.hand.de.md"), "--format", "json")
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    assert data["language"] == "de" and data["catalog"] == "locales/de/README.po"
    assert data["counts"] == {"sure": 5, "uncertain": 0, "refused": 0, "same": 0, "kept": 0, "none": 1}
    assert data["leftovers"] == [{"line": 1, "text": "Übersetzt von Freiwilligen."}]
    assert data["links_replaced"] == 1
    assert data["written"] == ["locales/de/README.po"]
    assert [u["translated_lines"] for u in data["units"]] == [[3], [5], [7], [9], [10], []]


def test_import_check_writes_nothing_and_exits_1(project: Path) -> None:
    before = snapshot(project)
    result = invoke(project, "import", "de", str(project / "README.hand.de.md"), "--check")
    assert result.exit_code == 1
    assert "would write locales/de/README.po" in result.output
    assert snapshot(project) == before
    assert invoke(project, "import", "de", str(project / "README.hand.de.md")).exit_code == 0
    again = invoke(project, "import", "de", str(project / "README.hand.de.md"), "--check")
    assert again.exit_code == 0, again.output
    assert "would write" not in again.output


def test_import_never_overwrites_unless_asked(project: Path) -> None:
    path = project / "locales" / "de" / "README.po"
    path.write_text(
        catalogue(project).replace(
            'msgid "Hand tools"\nmsgstr ""', 'msgid "Hand tools"\nmsgstr "Meine Werkzeuge"'
        ),
        encoding="utf-8",
    )
    result = invoke(project, "import", "de", str(project / "README.hand.de.md"), "--format", "json")
    assert json.loads(result.output)["counts"]["kept"] == 1
    assert 'msgstr "Meine Werkzeuge"' in catalogue(project)
    result = invoke(project, "import", "de", str(project / "README.hand.de.md"), "--overwrite")
    assert result.exit_code == 0, result.output
    assert 'msgstr "Handwerkzeuge"' in catalogue(project)
    assert "Meine Werkzeuge" not in catalogue(project)


def test_import_against_an_older_english_then_update(project: Path) -> None:
    (project / "old.md").write_text(OLDER_ENGLISH, encoding="utf-8")
    (project / "README.hand.de.md").write_text(OLDER_GERMAN, encoding="utf-8")
    result = invoke(
        project, "import", "de", str(project / "README.hand.de.md"), "--source", str(project / "old.md")
    )
    assert result.exit_code == 0, result.output
    assert 'msgid "Tools for the Garden"\nmsgstr "Werkzeuge für den Garten"' in catalogue(project)
    assert invoke(project, "sync").exit_code == 0
    entries = {m.msgid: m for m in parse_po(catalogue(project), "README.po").messages}
    rendered = (project / "README.de.md").read_text(encoding="utf-8")
    # The unchanged English keeps its translation; the changed heading is only proposed (fuzzy).
    assert "## Handwerkzeuge" in rendered and "[Handgrubber](https://example.org/fork)" in rendered
    assert "\n# Garden Tools\n" in rendered
    assert entries["Hand tools"].is_translated
    assert not entries["Garden Tools"].is_translated


def test_import_refuses_a_language_the_project_lacks(project: Path) -> None:
    result = invoke(project, "import", "fr", str(project / "README.hand.de.md"))
    assert result.exit_code == 2
    assert "not among the configured languages" in result.output
    assert not (project / "locales" / "fr").exists()


def test_import_needs_source_when_the_project_has_several(project: Path) -> None:
    (project / "content" / "CONTRIBUTING.md").write_text("# Contributing\n\nFork it.\n", encoding="utf-8")
    hand_made = str(project / "README.hand.de.md")
    result = invoke(project, "import", "de", hand_made)
    assert result.exit_code == 2
    assert "several sources" in result.output
    chosen = invoke(project, "import", "de", hand_made, "--source", str(project / "content" / "README.md"))
    assert chosen.exit_code == 0, chosen.output
    assert 'msgstr "Gartenwerkzeuge"' in catalogue(project)


def test_import_writes_over_the_catalogue_as_its_editor_laid_it_out(project: Path) -> None:
    # A translator's tool saved the catalogue with its own layout: a comment of its own and
    # the header's lines re-flowed. Import fills entries; what it leaves alone keeps its bytes.
    path = project / "locales" / "de" / "README.po"
    text = catalogue(project)
    saved = text.replace('msgid ""\nmsgstr ""\n', '# Poedit was here.\nmsgid ""\nmsgstr ""\n""\n', 1)
    path.write_text(saved, encoding="utf-8")
    result = invoke(project, "import", "de", str(project / "README.hand.de.md"))
    assert result.exit_code == 0, result.output
    after = catalogue(project)
    assert after.startswith(saved.split("\n\n")[0] + "\n\n"), "the header was laid out anew"
    assert 'msgstr "Gartenwerkzeuge"' in after
