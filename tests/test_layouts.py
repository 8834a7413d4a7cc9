"""Where sources and outputs may sit: `exclude`, in-place layouts, and config errors with a line."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from helpers import invoke

GUIDE = "# Guide\n\nRead [this guide](x.md) and [the other one](sub/z.md).\n"
OTHER = "# Other\n\nMore text.\n"
GERMAN = "# Anleitung\n\nLies diese Anleitung.\n"


def make_docs(root: Path, config: str) -> Path:
    (root / "docs" / "sub").mkdir(parents=True)
    (root / "docs" / "x.md").write_text(GUIDE, encoding="utf-8")
    (root / "docs" / "sub" / "z.md").write_text(OTHER, encoding="utf-8")
    (root / "i18n-sync.toml").write_text(config, encoding="utf-8")
    return root


BESIDE = 'languages = ["de", "fr"]\nsources = ["docs/**/*.md"]\nsource_root = ""\nsource_output = ""\n'
FOLDERS = (
    'languages = ["de", "fr"]\nsources = ["docs/**/*.md"]\nsource_root = "docs"\n'
    'output = "docs/{lang}/{path}.md"\nsource_output = ""\n'
)


@pytest.mark.parametrize(
    ("config", "outputs"),
    [
        (BESIDE, ("docs/x.de.md", "docs/x.fr.md", "docs/sub/z.fr.md")),
        (FOLDERS, ("docs/de/x.md", "docs/fr/x.md", "docs/fr/sub/z.md")),
    ],
    ids=["beside", "language-folders"],
)
def test_in_place_layouts_never_take_outputs_for_sources(
    tmp_path: Path, config: str, outputs: tuple[str, ...]
) -> None:
    project = make_docs(tmp_path, config)
    german = project / outputs[0]
    german.parent.mkdir(parents=True, exist_ok=True)
    german.write_text(GERMAN, encoding="utf-8")  # a hand-made translation in its place
    first = invoke(project, "sync")
    assert first.exit_code == 1  # the hand-made one is refused, the rest is written
    assert german.read_text(encoding="utf-8") == GERMAN
    for output in outputs[1:]:
        assert (project / output).is_file(), output
    again = invoke(project, "sync")
    assert "wrote" not in again.stdout  # its own outputs did not become sources
    pots = sorted(p.relative_to(project).as_posix() for p in (project / "locales").rglob("*.pot"))
    assert len(pots) == 2, pots
    french = (project / outputs[1]).read_text(encoding="utf-8")
    # The self-link goes to the English guide, rebased if the output is in another folder.
    link = "x.md" if config is BESIDE else "../x.md"
    assert f"Read [this guide]({link})" in french


def test_exclude_leaves_files_out(tmp_path: Path) -> None:
    project = make_docs(tmp_path, BESIDE + 'exclude = ["docs/sub/**"]\n')
    (project / "docs" / "notes.draft.md").write_text("# Draft\n", encoding="utf-8")
    config = project / "i18n-sync.toml"
    config.write_text(
        config.read_text(encoding="utf-8").replace('"docs/sub/**"', '"docs/sub/**", "**/*.draft.md"')
    )
    assert invoke(project, "sync").exit_code == 0
    pots = sorted(p.name for p in (project / "locales").rglob("*.pot"))
    assert pots == ["x.pot"]
    assert not (project / "docs" / "sub" / "z.de.md").exists()


def test_an_orphaned_output_does_not_become_a_source(tmp_path: Path) -> None:
    project = make_docs(tmp_path, BESIDE)
    assert invoke(project, "sync").exit_code == 0
    (project / "docs" / "sub" / "z.md").unlink()
    result = invoke(project, "sync")
    assert result.exit_code == 0, result.output
    assert not (project / "docs" / "sub" / "z.de.de.md").exists()


@pytest.mark.parametrize(
    ("line", "message"),
    [
        (
            'source_root = "doc"',
            r":2: the source docs/sub/z.md is not inside source_root 'doc'",
        ),
        ('source_root = ".."', r":2: 'source_root' must be a folder inside the repository"),
        ('source_root = "/etc"', r":2: 'source_root' must be a folder inside the repository"),
        ("source_root = 7", r":2: 'source_root' must be a string"),
        ('exclude = ["../*.md"]', r":2: the pattern '../\*.md' in 'exclude' must stay inside"),
        ('exclude = "x"', r":2: 'exclude' must be a list of strings"),
        (
            'sources = ["/etc/*.md"]',
            r":2: the pattern '/etc/\*.md' in 'sources' must stay inside",
        ),
        ('sources = ["nothing/*.md"]', r":2: no source file matches nothing/\*.md"),
        ('sources = ["docs/**/**/[.md"]', r":2: no source file matches"),
    ],
)
def test_bad_paths_are_config_errors_with_a_line(tmp_path: Path, line: str, message: str) -> None:
    sources = "" if line.startswith("sources") else 'sources = ["docs/**/*.md"]\n'
    project = make_docs(tmp_path, 'languages = ["de"]\n' + line + "\n" + sources)
    result = invoke(project, "sync")
    assert result.exit_code == 1
    assert "Traceback" not in result.output
    assert result.exception is None or isinstance(result.exception, SystemExit)
    assert re.search(r"^Error: i18n-sync\.toml" + message, result.stderr), result.stderr
