"""Review of the batched history (`history.linear_revisions`, `history.Blobs`): probes that try
to make one ``git log`` of every source differ from each source's own log, and `Blobs` read
the wrong thing or leak.

The tests of defects state the correct behaviour and fail on the code under review; the
others are probes that held and keep holding."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import threading
import time
from pathlib import Path
from typing import Any

import pytest

from helpers import invoke
from i18n_sync.project import inspect
from i18n_sync.reports import history
from i18n_sync.reports.history import Blobs, linear_revisions, source_revisions
from i18n_sync.reports.status import _wide_width, display_width
from test_status import commit, git, merge_in, needs_git, project, write

__all__ = ["project"]  # the fixture, used by name


@pytest.fixture(autouse=True)
def _own_git_config(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A user git configuration of the test's own (empty unless a test writes to it), and no
    system one: the reviewer's or the machine's settings must not decide a result."""
    config = tmp_path / "user.gitconfig"
    config.write_text("", encoding="utf-8")
    monkeypatch.setenv("GIT_CONFIG_GLOBAL", str(config))
    monkeypatch.setenv("GIT_CONFIG_NOSYSTEM", "1")
    monkeypatch.setenv("GIT_CEILING_DIRECTORIES", str(tmp_path.parent))
    return config


def _set_user_config(key: str, value: str) -> None:
    subprocess.run(["git", "config", "--global", key, value], check=True, capture_output=True)


def _same_as_each_alone(root: Path, sources: list[str], limit: int = 100) -> None:
    """`linear_revisions` gives, for every source, exactly what `source_revisions` gives."""
    together = linear_revisions(root, sources, limit)
    assert together is not None
    for source in sources:
        alone = source_revisions(root, source, limit)
        assert together[source] == alone, (source, together[source], alone)


def _subjects(found: Any) -> list[str]:
    assert found is not None
    return [revision.subject for revision in found[0]]


# Names that are not what they look like to a shell, a pathspec, a parser or a terminal.
ODD_NAMES = [
    "docs/a.md",
    "docs/A.md",  # only the case differs
    "docs/with space.md",
    "docs/tab\there.md",
    "docs/q\"uo'te\\.md",
    "docs/-dash.md",
    "docs/:(glob)x.md",
    "docs/a?.md",
    "docs/[ab].md",
    "docs/a*.md",
    "docs/x:y.md",
    "docs/ağaç.md",
    "docs/odd\udcff.md",  # not UTF-8 (a byte 0xff)
    "docs/unit\x1fsep.md",
]


def _odd_history(root: Path, *init: str) -> list[str]:
    """A linear history over `ODD_NAMES`: several commits each, a mode change, an empty
    commit, subjects with a unit separator and with several lines."""
    git(root, "init", "-q", *init)
    for number, name in enumerate(ODD_NAMES):
        write(root, name, f"# {number}\n")
    write(root, "other/outside.md", "# outside\n")
    commit(root, "first")
    write(root, "docs/a.md", "# a 2\n")
    write(root, "docs/with space.md", "# space 2\n")
    commit(root, "second")
    write(root, "docs/A.md", "# upper 2\n")
    commit(root, "third \x1f with a unit separator")
    (root / "docs/odd\udcff.md").write_bytes(b"# odd 2\n")
    write(root, "docs/-dash.md", "# dash 2\n")
    os.chmod(root / "docs/[ab].md", 0o755)
    commit(root, "fourth, a mode")
    git(root, "commit", "-q", "--allow-empty", "-m", "empty")
    write(root, "docs/q\"uo'te\\.md", "# quote 2\n")
    write(root, "docs/:(glob)x.md", "# glob 2\n")
    write(root, "docs/unit\x1fsep.md", "# unit 2\n")
    commit(root, "several\n\nlines of message")
    write(root, "other/outside.md", "# outside 2\n")
    commit(root, "outside only")
    return [*ODD_NAMES, "docs/never.md"]


# Defects ---------------------------------------------------------------------------------


@needs_git
def test_log_show_root_false_in_the_users_config_does_not_lose_the_root_commit(tmp_path: Path) -> None:
    """``log.showRoot=false`` (a user setting) makes ``git log --name-only`` list no names for
    the root commit; `git log -- <source>` still lists the commit. The batched log must
    still attribute the root commit to the sources it added."""
    sources = _odd_history(tmp_path)
    _set_user_config("log.showRoot", "false")
    assert _subjects(source_revisions(tmp_path, "docs/a*.md")) == ["first"]
    together = linear_revisions(tmp_path, sources)
    assert together is not None
    assert _subjects(together["docs/a*.md"]) == ["first"]
    _same_as_each_alone(tmp_path, sources)


@needs_git
def test_log_follow_in_the_users_config_is_not_followed(tmp_path: Path) -> None:
    """``log.follow=true`` (a common user setting) makes ``git log -- <one path>`` follow
    renames: `source_revisions` then sees history before a rename, which the module says it
    does not, and which the batched log (several paths: no following) does not see."""
    git(tmp_path, "init", "-q")
    write(tmp_path, "old.md", "# Same words\n\nThat stay the same across the rename.\n")
    write(tmp_path, "other.md", "# Other\n")
    commit(tmp_path, "added as old.md")
    git(tmp_path, "mv", "old.md", "new.md")
    commit(tmp_path, "renamed to new.md")
    _set_user_config("log.follow", "true")
    assert _subjects(source_revisions(tmp_path, "new.md")) == ["renamed to new.md"]
    _same_as_each_alone(tmp_path, ["new.md", "other.md"])


@needs_git
@pytest.mark.parametrize(("key", "value"), [("log.showRoot", "false"), ("log.follow", "true")])
def test_a_report_does_not_depend_on_the_users_git_config_nor_on_a_merge(
    project: Path, monkeypatch: pytest.MonkeyPatch, key: str, value: str
) -> None:
    """End to end: the same "since when" section with and without the user setting, from the
    batched log and from each source's own (the path taken once the history has a merge)."""
    readme = (project / "content/README.md").read_text("utf-8")
    (project / "content/README.md").rename(project / "content/INTRO.md")
    git(project, "init", "-q")
    commit(project, "first")
    git(project, "mv", "content/INTRO.md", "content/README.md")
    commit(project, "renamed")
    assert (project / "content/README.md").read_text("utf-8") == readme

    def report(linear: bool) -> Any:
        with monkeypatch.context() as patched:
            if not linear:
                patched.setattr(inspect, "linear_revisions", lambda *args, **options: None)
            return json.loads(invoke(project, "status", "--format", "json").stdout)

    plain = report(linear=True)
    assert report(linear=False) == plain
    _set_user_config(key, value)
    assert report(linear=True) == plain
    assert report(linear=False) == plain


@needs_git
def test_a_subject_with_a_record_separator_is_read_whole_by_both_logs(tmp_path: Path) -> None:
    """`source_revisions` splits its log on \\x1e, which a subject may hold: it cuts the
    subject short (the batched log, NUL-separated, does not)."""
    git(tmp_path, "init", "-q")
    write(tmp_path, "a.md", "1\n")
    commit(tmp_path, "plain")
    write(tmp_path, "a.md", "2\n")
    commit(tmp_path, "odd \x1e subject")
    assert _subjects(source_revisions(tmp_path, "a.md")) == ["odd \x1e subject", "plain"]
    _same_as_each_alone(tmp_path, ["a.md"])


@needs_git
def test_a_name_that_begins_with_a_record_separator_loses_no_commit(tmp_path: Path) -> None:
    """`_NAMED_RECORD` stops a commit's names at one that begins with \\x1e: that source, and
    every source listed after it in the same commit, lose the commit."""
    git(tmp_path, "init", "-q")
    write(tmp_path, "\x1estrange.md", "1\n")
    write(tmp_path, "zeta.md", "1\n")
    commit(tmp_path, "first")
    together = linear_revisions(tmp_path, ["\x1estrange.md", "zeta.md"])
    assert together is not None
    assert _subjects(together["zeta.md"]) == ["first"]
    _same_as_each_alone(tmp_path, ["\x1estrange.md", "zeta.md"])


@needs_git
def test_a_source_that_was_a_folder_has_the_same_revisions_both_ways(tmp_path: Path) -> None:
    """``git log -- docs/x.md`` also counts the commits that changed ``docs/x.md/inner.md``
    while docs/x.md was a folder; the batched log (names compared exactly) does not."""
    git(tmp_path, "init", "-q")
    write(tmp_path, "docs/x.md/inner.md", "in\n")
    write(tmp_path, "docs/y.md", "y\n")
    commit(tmp_path, "x.md is a folder")
    write(tmp_path, "docs/x.md/inner.md", "in 2\n")
    commit(tmp_path, "its file changed")
    shutil.rmtree(tmp_path / "docs/x.md")
    write(tmp_path, "docs/x.md", "# now a file\n")
    commit(tmp_path, "x.md is a file")
    _same_as_each_alone(tmp_path, ["docs/x.md", "docs/y.md"])


@needs_git
def test_blobs_does_not_read_another_file_for_a_name_ending_in_a_carriage_return(tmp_path: Path) -> None:
    """``git cat-file --batch`` drops a CR at the end of an input line: ``a.md\\r`` is read
    as ``a.md``, another file (a name `Blobs` cannot carry should read as None, as a name
    with a newline does)."""
    git(tmp_path, "init", "-q")
    write(tmp_path, "a.md", "A\n")
    write(tmp_path, "a.md\r", "CR\n")
    head = commit(tmp_path, "first")
    with Blobs(tmp_path) as blobs:
        assert blobs.read(head, "a.md\r") in (b"CR\n", None)
        assert blobs.read(head, "a.md") == b"A\n"


@needs_git
def test_blobs_reads_nothing_and_starts_no_git_once_closed(tmp_path: Path) -> None:
    """After `close`, a read starts a new git that no watchdog watches (its event is set) and
    nothing ends (two pipes and a process left) unless `close` is called again."""
    git(tmp_path, "init", "-q")
    write(tmp_path, "a.md", "A\n")
    head = commit(tmp_path, "first")
    blobs = Blobs(tmp_path)
    assert blobs.read(head, "a.md") == b"A\n"
    blobs.close()
    try:
        assert blobs.read(head, "a.md") is None
        assert blobs._process is None
    finally:
        blobs.close()


# Probes that held --------------------------------------------------------------------------


@needs_git
@pytest.mark.parametrize("limit", [1, 3, 100])
def test_odd_names_have_the_same_revisions_both_ways(tmp_path: Path, limit: int) -> None:
    sources = _odd_history(tmp_path)
    _same_as_each_alone(tmp_path, sources, limit)
    together = linear_revisions(tmp_path, sources, limit)
    assert together is not None
    assert _subjects(together["docs/A.md"]) == ["third \x1f with a unit separator", "first"][:limit]
    assert _subjects(together["docs/odd\udcff.md"]) == ["fourth, a mode", "first"][:limit]
    head = git(tmp_path, "rev-parse", "HEAD").strip()
    with Blobs(tmp_path, limit=1000) as blobs:
        for name in ODD_NAMES:
            assert blobs.read(head, name) == (tmp_path / name).read_bytes(), name


@needs_git
def test_sha256_repository(tmp_path: Path) -> None:
    sources = _odd_history(tmp_path, "--object-format=sha256")
    _same_as_each_alone(tmp_path, sources)
    together = linear_revisions(tmp_path, sources)
    assert together is not None
    (newest, *_), _ = together["docs/a.md"]
    assert len(newest.commit) == 64
    with Blobs(tmp_path) as blobs:
        assert blobs.read(newest.commit, "docs/a.md") == b"# a 2\n"


@needs_git
def test_a_project_folder_in_the_checkout_and_through_a_symlink(tmp_path: Path) -> None:
    checkout = tmp_path / "checkout"
    checkout.mkdir()
    sources = [name.removeprefix("docs/") for name in _odd_history(checkout)]
    _same_as_each_alone(checkout / "docs", sources)
    link = tmp_path / "link"
    link.symlink_to(checkout / "docs")
    _same_as_each_alone(link, sources)
    assert linear_revisions(link, sources) == linear_revisions(checkout / "docs", sources)
    head = git(checkout, "rev-parse", "HEAD").strip()
    with Blobs(link) as blobs:  # ./ is the project's folder, reached through the link
        assert blobs.read(head, "a*.md") == (checkout / "docs/a*.md").read_bytes()
        assert blobs.read(head, "other/outside.md") is None


@needs_git
@pytest.mark.parametrize(
    ("key", "value"),
    [
        ("diff.renames", "copies"),
        ("diff.noprefix", "true"),
        ("diff.relative", "true"),
        ("diff.mnemonicPrefix", "true"),
        ("core.quotePath", "true"),
        ("core.ignoreCase", "true"),
        ("log.decorate", "full"),
        ("log.showSignature", "true"),
        ("log.abbrevCommit", "true"),
        ("log.date", "relative"),
        ("format.pretty", "oneline"),
        ("color.ui", "always"),
        ("i18n.logOutputEncoding", "latin1"),
    ],
)
def test_user_settings_that_do_not_change_the_answer(tmp_path: Path, key: str, value: str) -> None:
    sources = _odd_history(tmp_path)
    git(tmp_path, "mv", "docs/a.md", "docs/moved.md")
    commit(tmp_path, "moved")
    _set_user_config(key, value)
    _same_as_each_alone(tmp_path, [*sources, "docs/moved.md"])


def _dated_commit(root: Path, message: str, date: str) -> None:
    env = {**os.environ, "GIT_AUTHOR_DATE": date, "GIT_COMMITTER_DATE": date}
    env |= {"GIT_AUTHOR_NAME": "t", "GIT_AUTHOR_EMAIL": "t@e", "GIT_COMMITTER_NAME": "t"}
    env |= {"GIT_COMMITTER_EMAIL": "t@e"}
    subprocess.run(["git", "add", "-A"], cwd=root, env=env, check=True)
    subprocess.run(
        ["git", "-c", "commit.gpgsign=false", "commit", "-q", "-m", message],
        cwd=root,
        env=env,
        check=True,
    )


@needs_git
def test_skewed_and_equal_committer_dates_keep_the_parents_order(tmp_path: Path) -> None:
    git(tmp_path, "init", "-q")
    dates = ["2026-01-05T00:00:00+00:00", "2020-01-01T00:00:00+00:00", "2030-01-01T00:00:00+00:00"]
    dates += ["2030-01-01T00:00:00+00:00", "2019-01-01T00:00:00+00:00"]
    for number, date in enumerate(dates):
        write(tmp_path, f"f{number % 2}.md", f"{number}\n")
        _dated_commit(tmp_path, f"c{number}", date)
    _same_as_each_alone(tmp_path, ["f0.md", "f1.md"])
    assert _subjects(linear_revisions(tmp_path, ["f0.md"], 100)["f0.md"]) == ["c4", "c2", "c0"]  # type: ignore[index]


@needs_git
def test_a_shallow_clone_also_past_a_merge_it_cut_off(tmp_path: Path) -> None:
    origin = tmp_path / "origin"
    origin.mkdir()
    git(origin, "init", "-q")
    for number in range(6):
        write(origin, f"f{number % 3}.md", f"{number}\n")
        commit(origin, f"c{number}")
    merge_in(origin)
    for number in range(3):
        write(origin, f"f{number}.md", f"after {number}\n")
        commit(origin, f"after {number}")
    sources = ["f0.md", "f1.md", "f2.md", "notes.txt"]
    assert linear_revisions(origin, sources) is None
    shallow = tmp_path / "shallow"
    git(tmp_path, "clone", "-q", "--depth", "2", f"file://{origin}", str(shallow))
    _same_as_each_alone(shallow, sources)


@needs_git
def test_replace_refs_and_grafts_are_seen_by_both_logs(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    git(tmp_path, "init", "-q")
    write(tmp_path, "a.md", "1\n")
    first = commit(tmp_path, "c1")
    write(tmp_path, "b.md", "1\n")
    second = commit(tmp_path, "c2")
    write(tmp_path, "a.md", "2\n")
    third = commit(tmp_path, "c3")
    git(tmp_path, "replace", "--graft", third, first)  # still linear, without c2
    _same_as_each_alone(tmp_path, ["a.md", "b.md"])
    # c1 has no b.md: c3 adds it, and c2 is not in the history any more.
    assert _subjects(linear_revisions(tmp_path, ["b.md"])["b.md"]) == ["c3"]  # type: ignore[index]
    monkeypatch.setenv("GIT_NO_REPLACE_OBJECTS", "1")
    _same_as_each_alone(tmp_path, ["a.md", "b.md"])
    monkeypatch.delenv("GIT_NO_REPLACE_OBJECTS")
    git(tmp_path, "replace", "-d", third)
    git(tmp_path, "replace", "--graft", third, second, first)  # a merge, seen as one
    assert linear_revisions(tmp_path, ["a.md", "b.md"]) is None
    git(tmp_path, "replace", "-d", third)
    git(tmp_path, "checkout", "-q", "--detach", "HEAD~1")
    _same_as_each_alone(tmp_path, ["a.md", "b.md"])


@needs_git
def test_a_source_replaced_by_a_symlink_and_a_submodule(tmp_path: Path) -> None:
    module = tmp_path / "module"
    module.mkdir()
    git(module, "init", "-q")
    write(module, "doc.md", "d\n")
    commit(module, "m1")
    write(module, "doc.md", "d2\n")
    commit(module, "m2")
    root = tmp_path / "root"
    root.mkdir()
    git(root, "init", "-q")
    write(root, "a.md", "a\n")
    write(root, "t.md", "t\n")
    commit(root, "first")
    (root / "a.md").unlink()
    (root / "a.md").symlink_to("t.md")
    commit(root, "a.md is a link")
    git(root, "-c", "protocol.file.allow=always", "submodule", "add", "-q", str(module), "sub")
    commit(root, "sub added")
    git(root / "sub", "checkout", "-q", "HEAD~1")
    head = commit(root, "sub moved")
    _same_as_each_alone(root, ["a.md", "t.md", "sub", "sub/doc.md"])
    with Blobs(root) as blobs:
        assert blobs.read(head, "a.md") == b"t.md"  # the link, not its target
        assert blobs.read(head, "sub") is None  # a commit of another repository
        assert blobs.read(head, "t.md") == b"t\n"


@needs_git
def test_blobs_names_git_could_misread(tmp_path: Path) -> None:
    git(tmp_path, "init", "-q")
    names = [" lead.md", "trail.md ", "x:y.md", "@{1}.md", "e^{tree}.md", "a missing", "b blob 3", "c\rd.md"]
    for name in names:
        write(tmp_path, name, f"<{name}>")
    head = commit(tmp_path, "first")
    with Blobs(tmp_path, limit=1000) as blobs:
        for name in names:
            assert blobs.read(head, name) == f"<{name}>".encode(), name
        assert blobs.read(head, "nothing here 12") is None
        assert blobs.read(head, " lead.md") == b"< lead.md>"  # still in step


@needs_git
def test_many_blobs_leave_no_descriptor_thread_nor_process(tmp_path: Path) -> None:
    git(tmp_path, "init", "-q")
    write(tmp_path, "a.md", "A\n")
    head = commit(tmp_path, "first")
    descriptors, threads = len(os.listdir("/proc/self/fd")), threading.active_count()
    started = []
    for _ in range(50):
        with Blobs(tmp_path) as blobs:
            assert blobs.read(head, "a.md") == b"A\n"
            started.append(blobs._process)
    deadline = time.monotonic() + 5
    while threading.active_count() > threads and time.monotonic() < deadline:
        time.sleep(0.05)
    assert threading.active_count() == threads
    assert len(os.listdir("/proc/self/fd")) == descriptors
    assert all(process is not None and process.returncode is not None for process in started)


def _fake_git(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, script: str) -> None:
    folder = tmp_path / "fake-bin"
    folder.mkdir()
    (folder / "git").write_text(f"#!/bin/sh\n{script}\n", encoding="utf-8")
    (folder / "git").chmod(0o755)
    monkeypatch.setenv("PATH", f"{folder}{os.pathsep}{os.environ['PATH']}")


@needs_git
@pytest.mark.parametrize(
    "script",
    [
        "exit 0",
        "read line; printf 'x blob 5\\nab'",  # an object cut short
        "read line; printf 'garbage\\n'; exec sleep 30",  # then silence
        "read line; printf 'x blob 99999999999\\n'; exec sleep 30",
    ],
)
def test_blobs_with_a_git_that_misbehaves(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, script: str
) -> None:
    _fake_git(tmp_path, monkeypatch, script)
    monkeypatch.setattr(history, "_TIMEOUT", 0.3)
    monkeypatch.setattr(history, "_WATCH_EVERY", 0.05)
    began = time.monotonic()
    with Blobs(tmp_path, limit=1000) as blobs:
        assert blobs.read("0" * 40, "a.md") is None
        assert blobs.read("0" * 40, "b.md") is None
        process = blobs._process
    assert process is None or process.returncode is not None
    assert time.monotonic() - began < 10


@needs_git
@pytest.mark.parametrize("merged", [False, True])
def test_a_project_in_a_folder_of_the_checkout_reports_the_same_both_ways(
    project: Path, monkeypatch: pytest.MonkeyPatch, merged: bool
) -> None:
    """End to end, the project a folder of a larger checkout, odd names among its sources,
    a rename and a mode change: JSON and the --documents table, batched and one by one."""
    checkout = project.parent
    write(project, "content/with space.md", "# Space\n\nWords with space.\n")
    write(project, "content/docs/ağaç.md", "# Ağaç\n\nA tree.\n")
    write(checkout, "README.md", "# Outside the project\n")
    git(checkout, "init", "-q")
    commit(checkout, "first")
    write(project, "content/README.md", (project / "content/README.md").read_text("utf-8") + "\nMore.\n")
    commit(checkout, "readme grows")
    git(project, "mv", "content/docs/guide.md", "content/docs/moved.md")
    commit(checkout, "guide moved")
    git(project, "mv", "content/docs/moved.md", "content/docs/guide.md")
    os.chmod(project / "content/with space.md", 0o755)
    commit(checkout, "guide back, a mode")
    write(checkout, "README.md", "# Outside, changed\n")
    commit(checkout, "outside only")
    if merged:
        merge_in(checkout)

    def reports() -> tuple[Any, str]:
        data = json.loads(invoke(project, "status", "--format", "json").stdout)
        return data, invoke(project, "status", "--documents").stdout

    batched = reports()
    with monkeypatch.context() as patched:
        patched.setattr(inspect, "linear_revisions", lambda *args, **options: None)
        alone = reports()
    assert batched == alone
    since = {d["source"]: d["since"] for d in batched[0]["languages"][1]["documents"]}
    assert (since["content/README.md"]["subject"], since["content/README.md"]["commits_since"]) == (
        "first",
        1,
    )
    assert "last fully in sync with (git):" in batched[1]


@pytest.mark.parametrize(
    "text", ["", "plain words", "".join(map(chr, range(128))), "ağaç", "漢字", "e\u0301"]
)
def test_display_width_measures_as_before(text: str) -> None:
    assert display_width(text) == _wide_width.__wrapped__(text)
