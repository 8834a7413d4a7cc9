"""Review probes of `status` narrowed, from the job cache, with git on threads, and of `check`
on the process pool. The first three were problems the review found (fixed); the others held.
"""

from __future__ import annotations

import json
import os
import shutil
import time
from pathlib import Path
from typing import Any

import pytest
from markdown_it.ruler import Ruler

from helpers import count_git_asks, count_merges, invoke
from i18n_sync import api
from i18n_sync.markdown import facts, parser
from i18n_sync.project import inspect
from i18n_sync.project.cache import CACHE_VARIABLE
from test_check_pool import hostile_docs
from test_status import HEADER, commit, git, merge_in, needs_git, project, write

__all__ = ["project"]  # the fixture, used by name


def docs_project(root: Path, compact: bool = False) -> Path:
    """`test_check_pool.hostile_docs`, in one catalogue per language if `compact`."""
    hostile_docs(root)
    if compact:
        moved = invoke(
            root, "relayout", "--template", "locales/messages.pot", "--catalog", "locales/{locale}.po"
        )
        assert moved.exit_code == 0, moved.output
    return root


# --- problems found (fixed) ------------------------------------------------------------------------


@pytest.mark.parametrize(
    "threshold", ["publish_threshold_by_language = { tr = 55 }", "publish_threshold = 50"]
)
def test_a_narrowed_status_is_not_widened_by_a_publish_threshold(
    project: Path, monkeypatch: pytest.MonkeyPatch, threshold: str
) -> None:
    """Was a problem. `status` renders nothing, so no switcher needs another language's figures; but
    `needed_languages` adds every language with a publish threshold: `status --lang zh-CN`
    merges Turkish too, and a broken Turkish catalogue is its error (exit 1), though without
    the threshold it is not. With a global `publish_threshold`, `--lang` narrows nothing."""
    monkeypatch.setenv(CACHE_VARIABLE, "off")
    config = project / "i18n-sync.toml"
    config.write_text(config.read_text("utf-8") + threshold + "\n", "utf-8")
    write(project, "locales/tr/docs/guide.po", HEADER.format(code="tr") + 'msgid "unterminated\n')
    merged = count_merges(monkeypatch)
    result = invoke(project, "status", "--lang", "zh-CN")
    assert all(path.startswith("locales/zh_CN/") for path in merged), merged
    assert "locales/tr" not in result.stderr
    assert result.exit_code == 0, result.output


@needs_git
def test_git_threads_share_the_markdown_parsers_on_their_first_use(
    project: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Was a problem. `_with_history` extracted old revisions on threads with the one cached MarkdownIt
    of the process, and markdown-it compiles a ruler's rules lazily and not thread-safely
    (`Ruler.__compile__` sets ``__cache__ = {}`` and then fills it; another thread meanwhile
    gets no rules). The first source "alone first" warms the parser only when it has a
    revision: a new, uncommitted document sorted first does not, and with the merges from the
    job cache this process parsed nothing before. A thread switch at the worst moment is made
    certain here by a slow compile; sys.setswitchinterval(1e-6) and a bare race of 8 threads
    gave a wrong extraction or "RuntimeError: none of the block rules matched" in 13 of 300.
    Fix: only the git calls on threads (`source_revisions`), the extraction in this thread;
    or compile the parsers' rules when building them."""
    for number in range(4):
        write(project, f"content/more/page{number}.md", f"# Page {number}\n\nWords of page {number}.\n")
    git(project, "init", "-q")
    commit(project, "first")
    write(project, "content/0-new.md", "# New\n\nNot committed yet.\n")  # sorted first, no revision
    monkeypatch.setenv("I18N_SYNC_JOBS", "1")
    serial = invoke(project, "status", "--format", "json")  # also fills the job cache
    assert serial.exit_code == 0, serial.output

    def fresh_parsers() -> None:
        for built in (parser._parser, parser._outline_parser, facts._facts_parser):
            built.cache_clear()

    real = Ruler.__compile__

    def slow_compile(self: Ruler) -> None:  # preempted right after ``self.__cache__ = {}``
        self.__cache__ = {}
        time.sleep(0.2)
        real(self)

    monkeypatch.setattr(Ruler, "__compile__", slow_compile)
    try:
        fresh_parsers()  # the slow compile alone changes nothing: on one thread, the same report
        assert invoke(project, "status", "--format", "json").stdout == serial.stdout
        fresh_parsers()
        monkeypatch.setenv("I18N_SYNC_JOBS", "4")
        threaded = invoke(project, "status", "--format", "json")
    finally:
        monkeypatch.setattr(Ruler, "__compile__", real)
        fresh_parsers()
    assert threaded.exception is None or isinstance(threaded.exception, SystemExit), threaded.exception
    assert threaded.stdout == serial.stdout


@needs_git
def test_the_review_page_does_not_ask_git_for_a_section_it_does_not_show(
    project: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Was a problem (cost only). `status --format html` (and the review server) call `project_status`
    with the default `history=True` from `review_report`, and the page never shows "since
    when": git is asked about every document for nothing. Fix: `history=False` there."""
    git(project, "init", "-q")
    commit(project, "first")
    asked = count_git_asks(monkeypatch)
    page = invoke(project, "status", "--format", "html")
    assert page.exit_code == 0, page.output
    assert asked == []


# --- probes that held: check ---------------------------------------------------------------------


@pytest.mark.parametrize(
    "damage",
    ["malformed and not UTF-8", "catalogue is a folder", "source links out", "all sources unreadable"],
)
@pytest.mark.parametrize("compact", [False, True], ids=["per document", "per language"])
def test_check_on_one_worker_and_two_reports_the_same_damage(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, damage: str, compact: bool
) -> None:
    """Each damage is an error of the report, the rest is still checked; the same on one worker
    and on two (12 documents: the pool forks). A catalogue that is a folder stopped the whole
    check before (its error was not a catalogue's)."""
    root = docs_project(tmp_path / "project", compact)
    shared = "locales/tr.po" if compact else "locales/tr/guide6.po"
    expected: list[str]
    if damage == "malformed and not UTF-8":
        (root / shared).write_text('msgid "unterminated\n', "utf-8")
        (root / "docs/guide8.md").write_bytes(b"# Guide 8\n\n\xff\n")
        expected = [shared, "docs/guide8.md"]  # in document order: guide6 (or the first) before guide8
    elif damage == "catalogue is a folder":
        catalogue = "locales/de.po" if compact else "locales/de/guide2.po"
        os.remove(root / catalogue)
        os.mkdir(root / catalogue)
        expected = [catalogue]
    elif damage == "source links out":
        outside = tmp_path / "outside.md"
        shutil.move(root / "docs/guide2.md", outside)
        os.symlink(outside, root / "docs/guide2.md")
        expected = ["docs/guide2.md"]
    else:  # no job reads its document: the shared catalogue, malformed, is nobody's error
        for source in (root / "docs").rglob("*.md"):
            source.write_bytes(b"\xff\n")
        (root / shared).write_text('msgid "unterminated\n', "utf-8")
        expected = sorted(p.relative_to(root).as_posix() for p in (root / "docs").rglob("*.md"))
    reports = []
    for jobs in ("1", "2"):
        monkeypatch.setenv("I18N_SYNC_JOBS", jobs)
        result = invoke(root, "check", "--format", "json")
        reports.append((result.exit_code, result.stdout, result.stderr))
    assert reports[0] == reports[1]
    data = json.loads(reports[0][1])
    assert reports[0][0] == 1
    if damage == "all sources unreadable":
        assert sorted(error.split(":")[0] for error in data["errors"]) == expected
        assert data["summary"]["catalogs"] == []
    else:
        assert [error.split(":")[0] for error in data["errors"]] == expected
        assert len(data["summary"]["catalogs"]) >= 2  # the rest is checked


# --- probes that held: status ------------------------------------------------------------------


@pytest.mark.parametrize(
    "damage", ["damaged", "empty", "a folder", "a symlink to /dev/zero", "cache folder is a file"]
)
def test_a_bad_job_cache_changes_nothing(
    project: Path, monkeypatch: pytest.MonkeyPatch, run_cache: Path, damage: str
) -> None:
    monkeypatch.setenv(CACHE_VARIABLE, "off")
    expected = invoke(project, "status", "--format", "json", "--documents", "--stale").stdout
    monkeypatch.setenv(CACHE_VARIABLE, str(run_cache))
    assert invoke(project, "status").exit_code == 0
    (jobs,) = run_cache.glob("jobs-*.cache")
    if damage == "damaged":
        data = bytearray(jobs.read_bytes())
        middle = len(data) // 2
        data[middle : middle + 40] = bytes(byte ^ 0xFF for byte in data[middle : middle + 40])
        jobs.write_bytes(bytes(data))
    elif damage == "empty":
        jobs.write_bytes(b"")
    elif damage == "a folder":
        jobs.unlink()
        jobs.mkdir()
    elif damage == "a symlink to /dev/zero":
        jobs.unlink()
        jobs.symlink_to("/dev/zero")
    else:
        file = project.parent / "not-a-folder"
        file.write_text("x", "utf-8")
        monkeypatch.setenv(CACHE_VARIABLE, str(file))
    result = invoke(project, "status", "--format", "json", "--documents", "--stale")
    assert result.exit_code == 0, result.output
    assert result.stdout == expected


def test_a_report_after_a_change_of_the_same_size_and_time_is_not_stale(
    project: Path, monkeypatch: pytest.MonkeyPatch, later: None
) -> None:
    """A catalogue rewritten with its size and modification time kept, and a source edited:
    the figures are the ones a report without the cache gives."""

    def report() -> str:
        return invoke(project, "status", "--format", "json", "--documents", "--stale").stdout

    report()
    catalogue = project / "locales/zh_CN/README.po"
    before = catalogue.stat()
    text = catalogue.read_text("utf-8")
    old = 'msgstr "安装"'
    new = 'msgstr ""\n#'
    new += " " * (len(old.encode()) - len(new.encode()))  # one unit untranslated, the same size
    changed = text.replace(old, new)
    assert len(changed.encode()) == len(text.encode()) and changed != text
    catalogue.write_text(changed, "utf-8")
    os.utime(catalogue, ns=(before.st_atime_ns, before.st_mtime_ns))
    cached = report()
    monkeypatch.setenv(CACHE_VARIABLE, "off")
    assert cached == report()
    assert json.loads(cached)["languages"][1]["documents"][0]["counts"]["untranslated"]["units"] == 1
    monkeypatch.undo()
    source = project / "content/docs/guide.md"
    source.write_text(source.read_text("utf-8") + "\nA new paragraph.\n", "utf-8")
    cached = report()
    monkeypatch.setenv(CACHE_VARIABLE, "off")
    assert cached == report()


@needs_git
def test_api_status_takes_a_function_of_the_report_without_history(
    project: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    git(project, "init", "-q")
    commit(project, "first")
    asked = count_git_asks(monkeypatch)
    seen: list[Any] = []

    def never(report: Any) -> bool:
        seen.append(report)
        return False

    loaded = api.load_project(project)
    plain = api.status(loaded, history=never)
    assert asked == [] and not plain.has_history and seen == [plain]
    full = api.status(loaded, history=lambda report: not report.has_history)
    assert full.has_history and asked == ["content/README.md", "content/docs/guide.md"]
    assert api.status(loaded, history=True) == full
    assert api.status(loaded, ["zh-CN"], history=True).languages == full.languages[1:]


@needs_git
@pytest.mark.parametrize("failing", [0, 1, 3])
def test_git_failing_for_any_document_drops_the_section_on_threads_too(
    project: Path, monkeypatch: pytest.MonkeyPatch, failing: int
) -> None:
    for number in range(4):
        write(project, f"content/more/page{number}.md", f"# Page {number}\n\nWords of page {number}.\n")
    git(project, "init", "-q")
    commit(project, "first")
    merge_in(project)  # each source asked alone: the history has a merge
    real = inspect.source_revisions
    order = ["content/README.md", "content/docs/guide.md", *(f"content/more/page{n}.md" for n in range(4))]

    def source_revisions(root: Path, source: str, *args: Any, **options: Any) -> Any:
        return None if source == order[failing] else real(root, source, *args, **options)

    monkeypatch.setattr(inspect, "source_revisions", source_revisions)
    monkeypatch.setenv("I18N_SYNC_JOBS", "3")
    data = json.loads(invoke(project, "status", "--format", "json").stdout)
    assert all("since" not in d for language in data["languages"] for d in language["documents"])


def _tree(root: Path) -> dict[str, bytes]:
    return {p.relative_to(root).as_posix(): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}


@pytest.mark.parametrize("narrowed", [(), ("--lang", "tr")])
def test_a_sync_after_a_status_writes_what_a_sync_without_the_cache_writes(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, narrowed: tuple[str, ...]
) -> None:
    """A status keeps its merges in the job cache the sync reads (a catalogue behind its
    English too): the sync that takes them writes the same bytes as one that merges anew."""
    root = docs_project(tmp_path / "project")
    for number in (5, 6):  # English changed since the catalogues were made
        source = root / f"docs/{'part/' if number % 2 else ''}guide{number}.md"
        source.write_text(source.read_text("utf-8") + "\nOne more paragraph.\n", "utf-8")
    copy = tmp_path / "copy"
    shutil.copytree(root, copy, symlinks=True)
    monkeypatch.setenv("I18N_SYNC_JOBS", "2")
    assert invoke(root, "status", *narrowed).exit_code == 0
    merged = count_merges(monkeypatch)
    assert invoke(root, "sync").exit_code == 0
    assert "locales/tr/guide6.po" not in merged  # taken from the status's merge
    monkeypatch.setenv(CACHE_VARIABLE, "off")
    assert invoke(copy, "sync").exit_code == 0
    assert _tree(root) == _tree(copy)
