"""The public Python API on a scratch project: records back, files written only when asked."""

from __future__ import annotations

import inspect
from pathlib import Path

import pytest

import i18n_sync
from i18n_sync import api
from i18n_sync.errors import UsageError

SOURCE = """# Garden

Tools for a [small garden](https://example.org/garden).

## Hand tools

A trowel digs small holes.
"""

GERMAN = """# Garten

Werkzeuge für einen [kleinen Garten](https://example.org/garden).

## Handwerkzeuge

Eine Kelle gräbt kleine Löcher.
"""


@pytest.fixture
def root(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1767225600")
    (tmp_path / "content").mkdir()
    (tmp_path / "content" / "README.md").write_text(SOURCE, encoding="utf-8")
    (tmp_path / "i18n-sync.toml").write_text('languages = ["de", "tr"]\n', encoding="utf-8")
    return tmp_path


def files_of(root: Path) -> dict[str, bytes]:
    return {str(p.relative_to(root)): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}


def test_the_public_names_are_listed_documented_and_re_exported() -> None:
    for name in api.__all__:
        assert hasattr(api, name), name
        value = getattr(api, name)
        if inspect.isfunction(value) or inspect.isclass(value):
            assert inspect.getdoc(value), f"api.{name} has no docstring"
    for name in ("load_project", "sync", "status", "check", "import_translation"):
        assert name in api.__all__ and name in i18n_sync.__all__
        assert getattr(i18n_sync, name) is getattr(api, name)
    assert "api" in i18n_sync.__all__


def test_sync_check_writes_nothing_then_sync_writes_what_it_listed(
    root: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    project = api.load_project(root)
    before = files_of(root)
    checked = api.sync(project, check=True)
    assert files_of(root) == before
    assert not checked.ok and checked.files.written == ()
    assert set(checked.files.pending) == {
        "locales/README.pot",
        "locales/de/README.po",
        "locales/tr/README.po",
        "README.md",
        "README.de.md",
        "README.tr.md",
    }
    done = api.sync(project)
    assert done.ok and set(done.files.written) == set(checked.files.pending)
    assert [r.language.tag for r in done.report.languages] == ["de", "tr"]
    assert done.report.languages[0].counts.untranslated == 4
    again = api.sync(project, check=True)
    assert again.ok and again.files.pending == ()
    assert capsys.readouterr() == ("", "")  # a library never prints


def test_steps_and_keep_obsolete_are_the_commands_options(root: Path) -> None:
    project = api.load_project(root)
    extracted = api.sync(project, ["extract"])
    assert extracted.files.written == ("locales/README.pot",)
    with pytest.raises(UsageError, match="unknown step"):
        api.sync(project, ["publish"])


def test_import_then_status_and_check(root: Path) -> None:
    project = api.load_project(root)
    api.sync(project)
    (root / "hand.de.md").write_text(GERMAN, encoding="utf-8")
    imported = api.import_translation(project, "de", root / "hand.de.md")
    assert imported.ok and imported.files.written == ("locales/de/README.po",)
    assert imported.run.report.count("sure") == 4
    report = api.status(project, ["de"], history=False)
    assert [language.tag for language in report.languages] == ["de"]
    assert report.languages[0].totals.translated == 4
    assert report.languages[0].totals.percent == 100
    found = api.check(project)
    assert found.findings == () and found.catalogs == ("locales/de/README.po", "locales/tr/README.po")


def test_a_language_the_project_lacks_is_a_usage_error(root: Path) -> None:
    project = api.load_project(root)
    with pytest.raises(UsageError, match=r"'fr' is not a language of i18n-sync\.toml"):
        api.status(project, ["fr"])
    with pytest.raises(UsageError, match="'fr' is not a language"):
        api.check(project, ["fr"])


def test_badges_are_written_once(root: Path) -> None:
    project = api.load_project(root)
    api.sync(project)
    first = api.badges(project, "badges")
    assert first.ok and first.files.written == ("badges/de.svg", "badges/tr.svg")
    assert api.badges(project, "badges", check=True).files.pending == ()


def test_the_readme_example_runs(root: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    readme = (Path(__file__).resolve().parents[1] / "content" / "README.md").read_text(encoding="utf-8")
    section = readme.split("## Python API", 1)[1].split("\n## ", 1)[0]
    example = section.split("```python\n", 1)[1].split("```", 1)[0]
    monkeypatch.chdir(root)
    printed: list[tuple[object, ...]] = []
    exec(example, {"print": lambda *args: printed.append(args)})
    assert ("out of date:", "README.de.md") in printed
    # status counts the catalogues as `update` would write them: nothing translated yet
    assert ("de", 0.0) in printed and ("tr", 0.0) in printed
