"""`status` at scale: a narrowed report merges only its languages, a report made from the same
files again takes its merges from the job cache, and git is asked only for a section shown."""

from __future__ import annotations

import json
import os
import threading
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest

from helpers import count_executions, count_git_asks, count_merges, invoke
from i18n_sync.gettext.stats import Counts
from i18n_sync.project import inspect
from i18n_sync.project.cache import CACHE_VARIABLE
from i18n_sync.project.cachefiles import conforms
from i18n_sync.reports.status import DocumentStatus, InSync, LanguageStatus, StaleUnit, StatusReport
from test_scale import TR, make_docs
from test_status import HEADER, commit, git, merge_in, needs_git, pages_in_git, project, write

__all__ = ["project"]  # the fixture, used by name


def test_a_narrowed_report_merges_only_its_language(project: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """CI shares the languages out: ``status --lang zh-CN`` merges Chinese alone, so a broken
    Turkish catalogue is not its error, and its figures are those of the whole report."""
    monkeypatch.setenv(CACHE_VARIABLE, "off")  # every merge is made, none taken from the cache
    whole = json.loads(invoke(project, "status", "--format", "json").stdout)
    merged = count_merges(monkeypatch)
    result = invoke(project, "status", "--lang", "zh-CN", "--format", "json")
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["languages"] == whole["languages"][1:]
    assert merged and all(path.startswith("locales/zh_CN/") for path in merged)
    write(project, "locales/tr/docs/guide.po", HEADER.format(code="tr") + 'msgid "unterminated\n')
    narrowed = invoke(project, "status", "--lang", "zh-CN")
    assert narrowed.exit_code == 0, narrowed.output
    assert "locales/tr" not in narrowed.output
    assert invoke(project, "status").exit_code == 1  # the whole report has the error


def test_a_report_from_the_same_files_takes_its_merges_from_the_cache(
    project: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The second report merges nothing, and says what the first said and what a report
    without the cache says; a catalogue changed since is merged again, and counted anew."""
    merged = count_merges(monkeypatch)
    first = invoke(project, "status", "--format", "json", "--documents")
    assert first.exit_code == 0, first.output
    assert len(merged) == 4  # zh-CN's guide has no catalogue yet: merged from its template
    merged.clear()
    again = invoke(project, "status", "--format", "json", "--documents")
    assert merged == [] and again.stdout == first.stdout
    monkeypatch.setenv(CACHE_VARIABLE, "off")
    assert invoke(project, "status", "--format", "json", "--documents").stdout == first.stdout
    monkeypatch.delenv(CACHE_VARIABLE)
    monkeypatch.setenv(CACHE_VARIABLE, str(project.parent / "cache"))  # a cache of its own, warm
    invoke(project, "status")
    guide = project / "locales/tr/docs/guide.po"
    guide.write_text(
        guide.read_text("utf-8") + '\nmsgid "Read it twice."\nmsgstr "İki kez okuyun."\n', "utf-8"
    )
    merged.clear()
    data = json.loads(invoke(project, "status", "--format", "json").stdout)
    # Turkish alone: the guide, and the README, whose translation memory the guide is.
    assert sorted(merged) == ["locales/tr/README.po", "locales/tr/docs/guide.po"]
    assert data["languages"][0]["documents"][1]["counts"]["translated"] == {"units": 2, "words": 4}


@needs_git
def test_git_is_asked_only_for_a_report_that_shows_since_when(
    project: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The table and the Markdown of a language of several documents show its total, without
    the "since when" section: git is not asked about each document for them."""
    git(project, "init", "-q")
    commit(project, "first")
    asked = count_git_asks(monkeypatch)
    table = invoke(project, "status")
    assert table.exit_code == 0 and "last fully in sync" not in table.stdout
    assert "total of 2 documents" in invoke(project, "status", "--format", "markdown").stdout
    assert asked == []
    assert "last fully in sync with (git):" in invoke(project, "status", "--documents").stdout
    assert asked == ["content/README.md", "content/docs/guide.md"]
    asked.clear()
    data = json.loads(invoke(project, "status", "--format", "json").stdout)
    assert data["languages"][1]["documents"][0]["since"]["subject"] == "first"  # zh-CN: complete
    assert asked == ["content/README.md", "content/docs/guide.md"]
    # One document per language: the table lists it, with since when.
    os.remove(project / "content/docs/guide.md")
    asked.clear()
    listed = invoke(project, "status")
    assert "last fully in sync with (git):" in listed.stdout
    assert asked == ["content/README.md"]


@needs_git
def test_git_is_asked_about_the_documents_side_by_side_with_the_same_answers(
    project: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Each document's history is asked of git on threads (one per worker), and read in this
    one; the section is the one a single thread gives, and a document git cannot answer for
    drops the section."""
    pages_in_git(project)
    merge_in(project)  # each source asked alone: the history has a merge
    threads: list[int] = []
    real = inspect.source_revisions

    def source_revisions(*args: Any, **options: Any) -> Any:
        threads.append(threading.get_ident())
        return real(*args, **options)

    monkeypatch.setattr(inspect, "source_revisions", source_revisions)
    monkeypatch.setenv("I18N_SYNC_JOBS", "1")
    serial = invoke(project, "status", "--format", "json").stdout
    assert set(threads) == {threading.get_ident()} and len(threads) == 6
    threads.clear()
    monkeypatch.setenv("I18N_SYNC_JOBS", "2")
    assert invoke(project, "status", "--format", "json").stdout == serial
    assert len(threads) == 6 and len(set(threads) - {threading.get_ident()}) >= 1
    since = {d["source"]: d["since"]["subject"] for d in json.loads(serial)["languages"][1]["documents"]}
    assert since["content/README.md"] == "first"
    assert since["content/more/page2.md"] is None  # never translated: no revision fully in sync
    # git answers for the first document, then fails: no section at all.
    answers = iter([True])

    def failing(*args: Any, **options: Any) -> Any:
        return real(*args, **options) if next(answers, False) else None

    monkeypatch.setattr(inspect, "source_revisions", failing)
    data = json.loads(invoke(project, "status", "--format", "json").stdout)
    assert all("since" not in d for language in data["languages"] for d in language["documents"])


def test_one_catalogue_per_language_is_read_once_and_counted_per_document(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """With one catalogue per language, each document's row counts the entries naming it, as
    the row of its own catalogue did before the relayout; the catalogue is read once, not once
    per document (a docs tree read it hundreds of times)."""
    root = tmp_path / "docs-project"
    root.mkdir()
    make_docs(root, count=10)
    assert invoke(root, "sync").exit_code == 0
    for number in (1, 3):
        (root / f"locales/tr/part/guide{number}.po").write_text(TR.format(number=number), "utf-8")
    assert invoke(root, "sync").exit_code == 0

    def rows() -> dict[tuple[str, str], Any]:
        data = json.loads(invoke(root, "status", "--format", "json").stdout)
        return {
            (lang["language"], d["source"]): d["counts"]
            for lang in data["languages"]
            for d in lang["documents"]
        }

    before = rows()
    moved = invoke(root, "relayout", "--template", "locales/messages.pot", "--catalog", "locales/{locale}.po")
    assert moved.exit_code == 0, moved.output
    parsed: list[str] = []
    real = inspect.parse_po
    monkeypatch.setattr(inspect, "parse_po", lambda text, path: parsed.append(path) or real(text, path))
    assert rows() == before
    assert sorted(parsed) == ["locales/de.po", "locales/tr.po", "locales/zh_CN.po"]
    assert before[("tr", "docs/part/guide1.md")]["translated"]["units"] == 2


def test_a_report_from_the_same_files_is_remembered_beside_a_sync(
    project: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The second report from the same files, options and configuration is read back, not
    merged again; it keeps files of its own, so a sync's memo answers the sync after it."""
    for _ in range(2):  # the second finds nothing to do: remembered
        assert invoke(project, "sync").exit_code == 0
    done = count_executions(monkeypatch)
    first = invoke(project, "status", "--format", "json", "--stale")
    assert first.exit_code == 0 and done == ["status"]
    assert invoke(project, "status", "--format", "json", "--stale").stdout == first.stdout
    assert invoke(project, "sync").exit_code == 0
    assert done == ["status"]  # the second report and the sync: both remembered
    # Another gate is another report: made again, with its own figures.
    gated = invoke(project, "status", "--fail-under", "90")
    assert gated.exit_code == 1 and done == ["status", "status"]
    # A catalogue changed since: made again, and counted anew.
    catalogue = project / "locales/zh_CN/README.po"
    catalogue.write_text(catalogue.read_text("utf-8").replace('msgstr "安装"', 'msgstr ""'), "utf-8")
    changed = json.loads(invoke(project, "status", "--format", "json").stdout)
    assert done == ["status"] * 3
    assert changed["languages"][1]["documents"][0]["counts"]["untranslated"]["units"] == 1


def test_a_report_with_an_error_is_not_remembered(project: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    write(project, "locales/tr/docs/guide.po", HEADER.format(code="tr") + 'msgid "unterminated\n')
    done = count_executions(monkeypatch)
    for _ in range(2):
        assert invoke(project, "status").exit_code == 1
    assert done == ["status", "status"]


@needs_git
def test_a_remembered_report_tells_since_when_as_a_new_one(
    project: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The since-when section is not remembered (git moves on without the files changing):
    it is worked out again, from what the remembered report keeps, with the same answers."""
    git(project, "init", "-q")
    commit(project, "first")
    write(project, "content/README.md", (project / "content/README.md").read_text("utf-8") + "\nMore.\n")
    commit(project, "second")
    done = count_executions(monkeypatch)
    first = invoke(project, "status", "--format", "json").stdout
    again = invoke(project, "status", "--format", "json").stdout
    assert done == ["status"] and again == first
    since = json.loads(first)["languages"][1]["documents"][0]["since"]
    assert (since["subject"], since["commits_since"]) == ("first", 1)
    write(project, "notes.txt", "unrelated\n")
    commit(project, "third")  # the English did not change: the same answer, from git anew
    assert invoke(project, "status", "--format", "json").stdout == first
    assert done == ["status"]


def test_a_whole_number_is_a_float_for_a_record_read_back() -> None:
    """A gate of 90 (an int) in a record whose field says float is what the typing rules
    allow; a bool, a string or a number too large to print are not."""
    assert conforms(90, float) and conforms(90.5, float)
    assert not conforms(True, float) and not conforms("90", float) and not conforms(10**5000, float)


def test_a_report_read_back_with_a_field_of_another_type_is_refused() -> None:
    """A remembered report is checked field by field, however deep: a wrong type anywhere
    (a count that is text, a line that is None, a list for a tuple, a bool where a record
    stands) makes it a miss."""
    unit = StaleUnit("untranslated", "locales/tr/README.po", 3, "Text", None, ("content/README.md",))
    document = DocumentStatus("content/README.md", "locales/tr/README.po", Counts(1, 0, 1), (unit,))
    report = StatusReport((LanguageStatus("tr", "Türkçe", (document,), 90),))
    assert conforms(report, StatusReport)
    language = report.languages[0]

    def with_document(changed: DocumentStatus) -> StatusReport:
        return replace(report, languages=(replace(language, documents=(changed,)),))

    wrong = [
        replace(report, languages=(replace(language, fail_under="90"),)),
        replace(report, languages=(replace(language, documents=[document]),)),
        replace(report, languages=(replace(language, documents=(True,)),)),
        with_document(replace(document, counts=Counts("1"))),
        with_document(replace(document, stale=(replace(unit, line=None),))),
        with_document(replace(document, since=InSync(5))),
    ]
    assert [conforms(each, StatusReport) for each in wrong] == [False] * len(wrong)


@pytest.mark.parametrize(("variable", "value"), [("I18N_SYNC_JOBS", "many"), ("SOURCE_DATE_EPOCH", "soon")])
def test_a_malformed_variable_is_refused_by_a_remembered_report_too(
    project: Path, monkeypatch: pytest.MonkeyPatch, variable: str, value: str
) -> None:
    """As a run refuses it even when its memo answers: the report does not depend on it, but a
    value that is refused one time and not the next would be a puzzle."""
    for _ in range(2):
        assert invoke(project, "status").exit_code == 0
    monkeypatch.setenv(variable, value)
    result = invoke(project, "status")
    assert result.exit_code == 2 and variable in result.stderr


def test_a_run_narrowed_to_some_languages_keeps_a_memo_of_its_own(
    project: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """``sync --lang tr`` between whole syncs replaced the whole run's memo, and the next whole
    sync merged and rendered everything again; each now answers from its own."""
    for args in ((), ("--lang", "tr"), (), ("--lang", "tr")):  # each finds nothing to do the second time
        assert invoke(project, "sync", *args).exit_code == 0
    done = count_executions(monkeypatch)
    for args in ((), ("--lang", "tr"), (), ("--lang", "tr"), ("--lang", "zh-CN")):
        assert invoke(project, "sync", *args).exit_code == 0
    assert done == ["sync"]  # only the run narrowed to Chinese, new, ran its jobs
