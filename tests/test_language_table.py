"""The languages a run parsed with Babel are kept in the run cache's folder for the next run
(`cachedir.recall_languages`, `locales.remember_languages`): a run whose languages are known
imports no Babel and loads no CLDR data."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from i18n_sync import api, locales
from i18n_sync.project import cachedir as cache
from i18n_sync.project.cachefiles import write_sealed

CONFIG = 'languages = ["tr", "zh-CN", "pt-BR"]\nsources = ["docs/*.md"]\nsource_root = "docs"\n'


@pytest.fixture(autouse=True)
def fresh_languages(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Each test starts as a new process would: no language parsed, none remembered."""
    monkeypatch.setattr(locales, "_KNOWN", {})
    monkeypatch.setattr(locales, "_LEARNED", {})
    locales.parse_language.cache_clear()
    yield
    locales.parse_language.cache_clear()


@pytest.fixture
def project(tmp_path: Path) -> Path:
    root = tmp_path / "project"
    (root / "docs").mkdir(parents=True)
    (root / "docs" / "index.md").write_text("# Home\n", encoding="utf-8")
    (root / "i18n-sync.toml").write_text(CONFIG, encoding="utf-8")
    return root


def _again() -> None:
    """As a new process: nothing parsed, nothing remembered."""
    locales._KNOWN.clear()
    locales._LEARNED.clear()
    locales.parse_language.cache_clear()


def test_a_second_load_takes_the_languages_without_babel(
    project: Path, run_cache: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    first = api.load_project(project).languages
    assert (run_cache / "languages.cache").is_file()
    _again()
    import babel.core

    def refused(*args: object, **options: object) -> None:
        raise AssertionError("Babel was asked")

    monkeypatch.setattr(babel.core.Locale, "parse", refused)
    assert api.load_project(project).languages == first


def test_a_table_of_another_tool_or_cldr_is_not_read(project: Path, run_cache: Path) -> None:
    entries = b"tr\ttr\tnplurals=3; plural=(n%3);"
    assert write_sealed(run_cache / "languages.cache", cache._LANGUAGES, entries, "another fingerprint")
    cache.recall_languages(project, {"I18N_SYNC_CACHE_DIR": str(run_cache)})
    assert locales._KNOWN == {}
    assert locales.parse_language("tr").plural_forms != "nplurals=3; plural=(n%3);"  # Babel's


def test_entries_no_parse_could_have_made_are_passed_over() -> None:
    locales.remember_languages(
        [
            ("tr/../x", "tr/../x", "nplurals=2; plural=(n != 1);"),  # a path, not a tag
            ("tr", "tr", "nplurals=2; plural=__import__('os');"),  # not C's syntax of n
            ("de", "fr", "nplurals=2; plural=(n != 1);"),  # the code is the tag's
            ("es", "es", "nplurals=2; plural=(n != 1);", "more"),
            "junk",
            ("pt-BR", "pt_BR", "nplurals=2; plural=(n > 1);"),
        ]
    )
    assert list(locales._KNOWN) == ["pt-BR"]


@pytest.mark.parametrize("where", ["off", "inside the repository"])
def test_no_table_where_the_cache_is_off_or_inside_the_repository(
    project: Path, monkeypatch: pytest.MonkeyPatch, where: str
) -> None:
    folder = project / ".cache"
    monkeypatch.setenv("I18N_SYNC_CACHE_DIR", "off" if where == "off" else str(folder))
    assert len(api.load_project(project).languages) == 3
    assert not folder.exists()
    if where != "off":  # a table a pull request planted there is not read either
        entries = b"tr\ttr\tnplurals=3; plural=(n%3);"
        assert write_sealed(folder / "languages.cache", cache._LANGUAGES, entries, cache.tool_fingerprint())
        _again()
        assert api.load_project(project).languages[0].plural_forms != "nplurals=3; plural=(n%3);"


def test_a_render_of_known_languages_imports_no_babel(project: Path, run_cache: Path) -> None:
    """Run as a user runs it: the second render, and a `--lang` narrowed one, never import Babel."""
    script = (
        "import sys; from i18n_sync.cli import program\n"
        "try:\n    program(sys.argv[1:])\nexcept SystemExit as end:\n    code = end.code\n"
        "print('babel' in sys.modules, code)\n"
    )
    runs = []
    for args in (["render"], ["render"], ["render", "--lang", "tr"], ["render", "--lang", "xx"]):
        done = subprocess.run(
            [sys.executable, "-c", script, *args, "--root", str(project)],
            capture_output=True,
            text=True,
            env={
                "I18N_SYNC_CACHE_DIR": str(run_cache),
                "PATH": "/usr/bin:/bin",
                "PYTHONPATH": os.pathsep.join(sys.path),
            },
        )
        runs.append(done.stdout.split()[-2:])
    assert runs[1:3] == [["False", "0"], ["False", "0"]], runs
    assert runs[3][1] == "2"  # not one of the project's languages: bad usage
