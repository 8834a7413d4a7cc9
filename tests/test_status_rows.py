"""A report after a change: each document's row comes from the job cache, keyed by its merged
catalogue's bytes, so only the catalogues that changed are parsed again."""

from __future__ import annotations

import json
import pickle
from pathlib import Path
from typing import Any

import pytest

from helpers import invoke
from i18n_sync.model import FileChange
from i18n_sync.project import inspect
from i18n_sync.project.cache import CACHE_VARIABLE
from i18n_sync.project.jobcache import open_job_cache
from test_scale import TR, make_docs


def parsed_catalogues(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The merged catalogues each later report parses (`inspect.parse_po`)."""
    parsed: list[str] = []
    real = inspect.parse_po
    monkeypatch.setattr(inspect, "parse_po", lambda text, path: parsed.append(path) or real(text, path))
    return parsed


def catalogues_of(name: str) -> list[str]:
    """The catalogues of the document `docs/part/<name>.md` in every language, sorted."""
    return [f"locales/{code}/part/{name}.po" for code in ("de", "tr", "zh_CN")]


def report(root: Path, *args: str) -> dict[str, Any]:
    result = invoke(root, "status", "--format", "json", "--documents", *args)
    assert result.exit_code in (0, 1), result.output
    data: dict[str, Any] = json.loads(result.stdout)
    return data


def uncached(root: Path, monkeypatch: pytest.MonkeyPatch) -> dict[str, Any]:
    """The same report, made with no cache at all."""
    with monkeypatch.context() as off:
        off.setenv(CACHE_VARIABLE, "off")
        return report(root)


@pytest.fixture
def docs(tmp_path: Path) -> Path:
    (tmp_path / "docs-project").mkdir()
    root = make_docs(tmp_path / "docs-project", count=6)
    assert invoke(root, "sync").exit_code == 0
    for number in (1, 3):
        (root / f"locales/tr/part/guide{number}.po").write_text(TR.format(number=number), "utf-8")
    assert invoke(root, "sync").exit_code == 0
    return root


def test_a_report_after_one_source_changed_parses_only_its_catalogues(
    docs: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    report(docs)  # the rows of the files as they are
    source = docs / "docs/part/guide1.md"
    source.write_text(source.read_text("utf-8") + "\nA paragraph added since.\n", "utf-8")
    parsed = parsed_catalogues(monkeypatch)
    changed = report(docs)
    assert sorted(parsed) == catalogues_of("guide1")
    assert changed == uncached(docs, monkeypatch)
    turkish = {d["source"]: d for d in changed["languages"][0]["documents"]}
    assert turkish["docs/part/guide1.md"]["pending_update"] is True
    assert turkish["docs/part/guide1.md"]["counts"]["untranslated"]["units"] == 2
    assert turkish["docs/part/guide3.md"]["pending_update"] is False


def test_a_catalogue_written_since_is_a_row_of_its_own(docs: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The same merged bytes, once the sync wrote them, are no longer pending: another row."""
    source = docs / "docs/part/guide3.md"
    source.write_text(source.read_text("utf-8") + "\nA paragraph added since.\n", "utf-8")
    before = report(docs)
    pending = {d["source"]: d["pending_update"] for d in before["languages"][0]["documents"]}
    assert pending["docs/part/guide3.md"]
    assert invoke(docs, "sync").exit_code == 0
    parsed = parsed_catalogues(monkeypatch)
    after = report(docs)
    assert sorted(parsed) == catalogues_of("guide3")
    assert not any(d["pending_update"] for language in after["languages"] for d in language["documents"])
    assert after == uncached(docs, monkeypatch)


def test_one_catalogue_per_language_gives_each_document_its_row(
    docs: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    moved = invoke(docs, "relayout", "--template", "locales/messages.pot", "--catalog", "locales/{locale}.po")
    assert moved.exit_code == 0, moved.output
    first = report(docs)
    parsed = parsed_catalogues(monkeypatch)
    assert report(docs) == first and parsed == []  # remembered
    source = docs / "docs/guide0.md"
    source.write_text(source.read_text("utf-8") + "\nA paragraph added since.\n", "utf-8")
    changed = report(docs)
    assert sorted(parsed) == ["locales/de.po", "locales/tr.po", "locales/zh_CN.po"]  # each changed
    assert changed == uncached(docs, monkeypatch)


def test_a_kept_row_of_another_kind_is_made_again(tmp_path: Path) -> None:
    """A value under a row's key that is not a row (a damaged or planted cache) is a miss."""
    text = 'msgid ""\nmsgstr ""\n"Language: tr\\n"\n\nmsgid "Hello"\nmsgstr "Merhaba"\n'
    merged = FileChange("locales/tr/a.po", text.encode("utf-8"), "catalog", current=True)
    cache = open_job_cache(tmp_path / "jobs.cache", b"base", {})
    made = inspect._Rows(cache, False).row("docs/a.md", merged)
    assert made.translated == frozenset({"Hello"}) and made.status.counts.translated == 1
    key = next(iter(cache._used))
    cache.put(key, ["not", "a", "row"])
    assert inspect._Rows(cache, False).row("docs/a.md", merged) == made
    assert pickle.loads(cache._used[key][1]) == made  # and kept again in its place
