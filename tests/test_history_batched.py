"""The "since when" section asks git a fixed number of times, whatever the number of documents:
one ``git log`` of every source where the history has no merge (`history.linear_revisions`),
and one ``git cat-file`` for every old file (`history.Blobs`), with the answers each source's
own ``git log`` gives."""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path
from typing import Any

import pytest

from helpers import invoke
from i18n_sync.project import inspect
from i18n_sync.reports import history
from i18n_sync.reports.history import Blobs, linear_revisions, source_revisions
from test_status import commit, git, merge_in, needs_git, pages_in_git, project, write

__all__ = ["project"]  # the fixture, used by name


def _history(root: Path) -> list[str]:
    """A linear history whose commits touch the sources in every way a log tells apart."""
    git(root, "init", "-q")
    write(root, "docs/a.md", "# A\n")
    write(root, "docs/ab.md", "# AB\n")
    write(root, "docs/a*.md", "# star\n")  # a name that is a pattern to git, unless told
    write(root, "docs/[x].md", "# brackets\n")
    write(root, "docs/with space.md", "# space\n")
    write(root, "docs/ağaç.md", "# tree\n")
    write(root, "other/outside.md", "# outside\n")
    commit(root, "first")
    write(root, "docs/ab.md", "# AB\n\nmore\n")
    commit(root, "ab only")
    git(root, "mv", "docs/a.md", "docs/renamed.md")  # both names are sources
    commit(root, "rename a")
    os.chmod(root / "docs/with space.md", 0o755)
    commit(root, "mode only")
    write(root, "docs/a.md", "# A again\n")  # added back after its rename
    write(root, "docs/ağaç.md", "# tree\n\ngrown\n")
    commit(root, "a back, tree grown")
    os.remove(root / "docs/[x].md")
    commit(root, "brackets gone")
    for number in range(4):
        write(root, "docs/a*.md", f"# star {number}\n")
        commit(root, f"star {number}")
    write(root, "other/outside.md", "# outside, changed\n")
    commit(root, "outside only")
    return [
        "docs/a.md",
        "docs/ab.md",
        "docs/a*.md",
        "docs/[x].md",
        "docs/with space.md",
        "docs/ağaç.md",
        "docs/renamed.md",
        "docs/never.md",
    ]


@needs_git
@pytest.mark.parametrize("limit", [2, 100])
def test_one_log_of_every_source_is_each_sources_own(tmp_path: Path, limit: int) -> None:
    sources = _history(tmp_path)
    together = linear_revisions(tmp_path, sources, limit)
    assert together is not None
    for source in sources:
        assert together[source] == source_revisions(tmp_path, source, limit), source
    # The pattern is a name: its own four commits and the first, not those of docs/ab.md.
    star, more = together["docs/a*.md"]
    assert [r.subject for r in star] == ["star 3", "star 2", "star 1", "star 0", "first"][:limit]
    assert more == (limit < 5)
    assert [r.subject for r in together["docs/a.md"][0]] == ["a back, tree grown", "rename a", "first"][
        :limit
    ]
    assert [r.subject for r in together["docs/with space.md"][0]] == ["mode only", "first"][:limit]
    assert together["docs/never.md"] == ([], False)


@needs_git
def test_a_project_in_a_folder_of_the_checkout_names_its_sources_from_there(tmp_path: Path) -> None:
    checkout = tmp_path
    _history(checkout)
    root = checkout / "docs"
    sources = ["a.md", "ab.md", "a*.md", "renamed.md", "ağaç.md"]
    together = linear_revisions(root, sources)
    assert together is not None
    for source in sources:
        assert together[source] == source_revisions(root, source), source
    assert len(together["a*.md"][0]) == 5


@needs_git
def test_a_history_with_a_merge_is_asked_one_source_at_a_time(tmp_path: Path) -> None:
    sources = _history(tmp_path)
    assert linear_revisions(tmp_path, sources) is not None
    merge_in(tmp_path)
    assert linear_revisions(tmp_path, sources) is None
    assert source_revisions(tmp_path, "docs/ab.md") is not None


def test_no_history_and_no_git_ask_one_source_at_a_time(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    write(tmp_path, "docs/a.md", "# A\n")
    assert linear_revisions(tmp_path, ["docs/a.md"]) is None  # not a checkout (or no git at all)
    assert linear_revisions(tmp_path, []) is None
    monkeypatch.setenv("PATH", str(tmp_path / "nowhere"))
    assert linear_revisions(tmp_path, ["docs/a.md"]) is None


@needs_git
def test_an_unborn_branch_has_no_history_to_ask(tmp_path: Path) -> None:
    git(tmp_path, "init", "-q")
    write(tmp_path, "docs/a.md", "# A\n")
    assert linear_revisions(tmp_path, ["docs/a.md"]) is None
    assert source_revisions(tmp_path, "docs/a.md") is None


@needs_git
def test_many_sources_are_asked_in_groups_with_the_same_answers(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    sources = _history(tmp_path)
    whole = linear_revisions(tmp_path, sources)
    monkeypatch.setattr(history, "_ARGUMENTS", 12)  # about one name a group
    logs = _count_runs(monkeypatch)
    assert linear_revisions(tmp_path, sources) == whole
    assert logs.count("log") == len(sources)


def _count_runs(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The git commands (their subcommand) each later call of the history module starts
    (`subprocess.run` starts its process with `subprocess.Popen` too)."""
    ran: list[str] = []
    real = subprocess.Popen

    def popen(command: list[str], *args: Any, **options: Any) -> Any:
        ran.append(next(word for word in command[1:] if not word.startswith("-") and "=" not in word))
        return real(command, *args, **options)

    monkeypatch.setattr(history.subprocess, "Popen", popen)
    return ran


@needs_git
def test_blobs_reads_each_file_as_it_was_and_none_for_what_is_not_a_file(tmp_path: Path) -> None:
    _history(tmp_path)
    first = source_revisions(tmp_path, "docs/a*.md")
    assert first is not None
    oldest = first[0][-1].commit
    with Blobs(tmp_path, limit=100) as blobs:
        assert blobs.read(oldest, "docs/a*.md") == b"# star\n"
        assert blobs.read(oldest, "docs/renamed.md") is None  # not there yet
        assert blobs.read(oldest, "docs/with space.md") == b"# space\n"
        assert blobs.read(oldest, "docs/ab blob 12") is None  # "... missing": read as a name
        assert blobs.read(oldest, "docs") is None  # a folder
        assert blobs.read(oldest, "docs/ağaç.md") == b"# tree\n"
        assert blobs.read("0" * 40, "docs/a.md") is None
        assert blobs.read(oldest, "two\nlines") is None  # a name the batch cannot carry
        assert blobs.read(oldest, "docs/[x].md") == b"# brackets\n"  # still in step after all that
    write(tmp_path, "docs/big.md", "x" * 500)
    big = commit(tmp_path, "big")
    with Blobs(tmp_path, limit=100) as blobs:
        assert blobs.read(big, "docs/big.md") is None  # over the limit: skipped, in step
        assert blobs.read(big, "docs/ab.md") == b"# AB\n\nmore\n"
    with Blobs(tmp_path) as blobs:
        assert blobs.read(big, "docs/big.md") == b"x" * 500


@needs_git
def test_blobs_reads_nothing_more_once_git_is_gone(tmp_path: Path) -> None:
    _history(tmp_path)
    head = git(tmp_path, "rev-parse", "HEAD").strip()
    blobs = Blobs(tmp_path)
    assert blobs.read(head, "docs/ab.md") == b"# AB\n\nmore\n"
    process = blobs._process
    assert process is not None
    process.kill()
    process.wait()
    assert blobs.read(head, "docs/ab.md") is None
    assert blobs.read(head, "docs/a.md") is None
    blobs.close()
    blobs.close()  # twice: nothing to end
    with Blobs(tmp_path / "not-a-checkout") as nowhere:
        assert nowhere.read(head, "docs/a.md") is None  # its folder is not there: git never started


@needs_git
def test_blobs_stops_a_git_that_does_not_answer(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A git that hangs (a lock, a network file system) is stopped after `_TIMEOUT`, and what
    was asked reads as None."""
    script = tmp_path / "bin" / "git"
    script.parent.mkdir()
    script.write_text("#!/bin/sh\nexec sleep 30\n", encoding="utf-8")
    script.chmod(0o755)
    monkeypatch.setenv("PATH", f"{script.parent}{os.pathsep}{os.environ['PATH']}")
    monkeypatch.setattr(history, "_TIMEOUT", 0.3)
    monkeypatch.setattr(history, "_WATCH_EVERY", 0.05)
    with Blobs(tmp_path) as blobs:
        assert blobs.read("0" * 40, "a.md") is None
        assert blobs.read("0" * 40, "b.md") is None


@needs_git
@pytest.mark.parametrize("merged", [False, True])
def test_a_report_asks_git_a_fixed_number_of_times(
    project: Path, monkeypatch: pytest.MonkeyPatch, merged: bool
) -> None:
    """Six documents, a history with and without a merge: the same section; without a merge,
    three git processes in all (is there a merge, the log, the files), with one a log each."""
    pages_in_git(project)
    if merged:
        merge_in(project)
    ran = _count_runs(monkeypatch)
    report = json.loads(invoke(project, "status", "--format", "json").stdout)
    since = {d["source"]: d["since"] for d in report["languages"][1]["documents"]}
    assert since["content/README.md"]["subject"] == "first"
    assert since["content/more/page2.md"]["subject"] is None  # never translated
    if merged:
        assert ran.count("log") == 6 and ran.count("cat-file") == 1
    else:
        assert sorted(ran) == ["cat-file", "log", "rev-list"]
    # Each source asked alone gives the same section.
    ran.clear()
    monkeypatch.setattr(inspect, "linear_revisions", lambda *args, **options: None)
    alone = json.loads(invoke(project, "status", "--format", "json").stdout)
    assert alone == report and ran.count("log") == 6
