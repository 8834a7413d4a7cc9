"""Each language's name for itself (a switcher's label, a report's column) is kept in the job cache:
looking it up loads the language's CLDR data, some 4 ms, and a run after a small change, or a
report, would load every language's again."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from helpers import invoke
from i18n_sync import locales
from i18n_sync.project.jobcache import keep_native_names, open_job_cache, recalled_native_names
from test_scale import make_docs


def lookups(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The languages whose CLDR data each later run loads, in this process, which starts afresh
    (as a new process would: no name looked up yet)."""
    looked: list[str] = []
    real = locales._native_name

    def native_name(locale: object) -> str:
        looked.append(str(locale))
        return real(locale)  # type: ignore[arg-type]

    monkeypatch.setattr(locales, "_native_name", native_name)
    monkeypatch.setattr(locales, "_NATIVE_NAMES", {})
    return looked


def forget_names(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(locales, "_NATIVE_NAMES", {})


@pytest.fixture
def docs(tmp_path: Path) -> Path:
    (tmp_path / "docs-project").mkdir()
    root = make_docs(tmp_path / "docs-project", count=4)
    assert invoke(root, "sync").exit_code == 0
    return root


def edit(root: Path) -> None:
    source = root / "docs/guide0.md"
    source.write_text(source.read_text("utf-8") + "\nA paragraph added since.\n", "utf-8")


def test_a_report_after_a_change_loads_no_language_data(docs: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The sync before it kept the names its switchers show."""
    looked = lookups(monkeypatch)
    edit(docs)
    report = json.loads(invoke(docs, "status", "--format", "json").stdout)
    assert looked == []
    assert [language["name"] for language in report["languages"]] == ["Türkçe", "简体中文", "Deutsch"]


def test_a_first_report_keeps_the_names_it_looked_up(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "docs-project").mkdir()
    root = make_docs(tmp_path / "docs-project", count=4)
    looked = lookups(monkeypatch)
    invoke(root, "status")
    assert sorted(looked) == ["de", "tr", "zh_Hans_CN"]
    looked.clear()
    forget_names(monkeypatch)
    edit(root)
    invoke(root, "status")
    assert looked == []


def test_a_sync_after_a_change_loads_no_language_data(docs: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    edit(docs)
    assert invoke(docs, "sync").exit_code == 0  # its switchers' labels: kept
    looked = lookups(monkeypatch)
    edit(docs)
    assert invoke(docs, "sync").exit_code == 0
    assert looked == []
    assert "[Türkçe]" in (docs / "site/de/guide0.md").read_text("utf-8")


def test_a_kept_name_that_is_not_text_is_looked_up_again(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    cache = open_job_cache(tmp_path / "jobs.cache", b"base", {})
    looked = lookups(monkeypatch)
    keep_native_names(cache, ["tr", "de"])
    assert sorted(looked) == ["de", "tr"]
    cache.put(cache.key("native-name", "tr"), ["not", "a", "name"])
    cache.save()
    again = open_job_cache(tmp_path / "jobs.cache", b"base", {})
    assert recalled_native_names(again, ["tr", "de"]) == {"de": "Deutsch"}
