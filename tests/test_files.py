"""The file system edge: atomic writes, stale temporary files, the lock, reading with a size cap."""

from __future__ import annotations

import errno
import os
import re
import subprocess
import sys
import threading
from pathlib import Path

import pytest

from helpers import invoke, temps_in
from i18n_sync.errors import CatalogError, WriteError
from i18n_sync.model import FileChange
from i18n_sync.project import temps as temps_module
from i18n_sync.project.config import load_config
from i18n_sync.project.files import (
    LOCK_FILE,
    TEMP_PREFIX,
    TEMP_SUFFIX,
    Folders,
    check_target,
    hold_lock,
    is_own_file,
    path_problem,
    read_bytes,
    read_many,
)
from i18n_sync.project.plan import find_sources
from i18n_sync.project.staging import Staging
from i18n_sync.project.temps import remove_stale_temps
from i18n_sync.project.writing import apply_changes, write_atomic

SOURCE = "# Project\n\nA tool that does one thing well.\n"


def set_setting(root: Path, line: str) -> None:
    """Replace the configuration line of the same key with `line`."""
    config = root / "i18n-sync.toml"
    key = line.split("=")[0].strip()
    text = re.sub(rf"^{key} = .*$", line, config.read_text(encoding="utf-8"), flags=re.MULTILINE)
    config.write_text(text, encoding="utf-8")


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1767225600")
    (tmp_path / "content").mkdir()
    (tmp_path / "content" / "README.md").write_text(SOURCE, encoding="utf-8")
    result = invoke(tmp_path, "init", "--lang", "tr")
    assert result.exit_code == 0, result.output
    assert invoke(tmp_path, "sync").exit_code == 0
    return tmp_path


# --- atomic writes ------------------------------------------------------------------------------


def test_write_atomic_replaces_the_file_and_keeps_its_mode(tmp_path: Path) -> None:
    target = tmp_path / "a.po"
    target.write_bytes(b"old")
    target.chmod(0o640)
    write_atomic(target, b"new")
    assert target.read_bytes() == b"new"
    assert target.stat().st_mode & 0o777 == 0o640
    assert temps_in(tmp_path) == []


def test_write_atomic_creates_missing_folders(tmp_path: Path) -> None:
    write_atomic(tmp_path / "locales" / "tr" / "README.po", b"x")
    assert (tmp_path / "locales" / "tr" / "README.po").read_bytes() == b"x"


def test_apply_changes_writes_only_what_differs(tmp_path: Path) -> None:
    (tmp_path / "same.md").write_bytes(b"same")
    before = (tmp_path / "same.md").stat().st_mtime_ns
    applied = apply_changes(
        tmp_path, [FileChange("same.md", b"same", "output"), FileChange("new.md", b"new", "output")]
    )
    assert applied.written == ("new.md",)
    assert (tmp_path / "same.md").stat().st_mtime_ns == before
    assert applied.removed == () and applied.errors == ()


def test_the_temporary_name_matches_no_source_or_output_pattern(tmp_path: Path) -> None:
    write_atomic(tmp_path / "README.tr.md", b"x")  # leaves nothing behind, so make one by hand
    name = f"{TEMP_PREFIX}abc123{TEMP_SUFFIX}"
    (tmp_path / "content").mkdir()
    (tmp_path / "content" / name).write_bytes(b"half a file")
    for pattern in ("**/*.md", "content/**/*.md", "*.tr.md", "**/*.po", "**/*.pot"):
        assert not [p for p in tmp_path.glob(pattern) if p.name.startswith(TEMP_PREFIX)], pattern
    assert is_own_file(name) and is_own_file(LOCK_FILE)
    assert not is_own_file("README.md")


def test_sources_never_include_the_tools_own_files(project: Path) -> None:
    set_setting(project, 'sources = ["content/*"]')
    (project / "content" / f"{TEMP_PREFIX}x{TEMP_SUFFIX}").write_bytes(b"# half a file")
    (project / "content" / LOCK_FILE).write_bytes(b"1\n")
    assert find_sources(load_config(project)) == ["content/README.md"]


def test_the_sources_are_the_same_whatever_spelling_of_the_root(
    project: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The sources are named relative to the root however it was given: ".", a relative path,
    one with a trailing separator or a "..", or an absolute one (`source_candidates` cuts the
    root's text off each path the search yields)."""
    set_setting(project, 'sources = ["**/*.md"]')
    (project / "content" / "guide").mkdir(parents=True)
    (project / "content" / "guide" / "start.md").write_text(SOURCE, encoding="utf-8")
    (project / "content" / "guide" / "folder.md").mkdir()  # a folder named as a source: not one
    expected = find_sources(load_config(project))
    assert "content/guide/start.md" in expected and "content/guide/folder.md" not in expected
    monkeypatch.chdir(project.parent)
    for spelled in (
        ".",
        project.name,
        f"{project.name}/",
        f"./{project.name}",
        f"{project.name}/../{project.name}",
    ):
        if spelled == ".":
            monkeypatch.chdir(project)
        assert find_sources(load_config(Path(spelled))) == expected, spelled
        monkeypatch.chdir(project.parent)
    assert find_sources(load_config(Path(str(project) + os.sep))) == expected


# --- stale temporary files ----------------------------------------------------------------------


def test_stale_temporary_files_are_removed_with_a_notice(project: Path) -> None:
    (project / "locales" / "tr" / f"{TEMP_PREFIX}k1ll3d{TEMP_SUFFIX}").write_bytes(b'msgid "half')
    (project / f"{TEMP_PREFIX}x{TEMP_SUFFIX}").write_bytes(b"# Pro")
    (project / "locales" / "tr" / "notes.tmp").write_bytes(b"someone else's")
    result = invoke(project, "sync")
    assert result.exit_code == 0, result.output
    assert f"removed locales/tr/{TEMP_PREFIX}k1ll3d{TEMP_SUFFIX}, a temporary file left" in result.stderr
    assert f"removed {TEMP_PREFIX}x{TEMP_SUFFIX}, a temporary file left" in result.stderr
    assert temps_in(project) == []
    assert (project / "locales" / "tr" / "notes.tmp").exists()


def test_check_mode_removes_nothing(project: Path) -> None:
    stale = project / f"{TEMP_PREFIX}x{TEMP_SUFFIX}"
    stale.write_bytes(b"")
    assert invoke(project, "sync", "--check").exit_code == 0
    assert stale.exists()


def test_remove_stale_temps_leaves_folders_that_do_not_exist(tmp_path: Path) -> None:
    assert remove_stale_temps(tmp_path, ["missing", "."]) == ()


# --- a catalogue changed while the run was working ----------------------------------------------


def test_a_catalogue_changed_since_it_was_read_is_left_alone(tmp_path: Path) -> None:
    (tmp_path / "a.po").write_bytes(b"read")
    (tmp_path / "a.po").write_bytes(b"saved by an editor meanwhile")
    changes = [
        FileChange("a.po", b"merged", "catalog", original=b"read", guarded=True),
        FileChange("a.md", b"rendered", "output"),
    ]
    applied = apply_changes(tmp_path, changes)
    assert (tmp_path / "a.po").read_bytes() == b"saved by an editor meanwhile"
    assert applied.written == ("a.md",)
    assert [str(e) for e in applied.errors] == [
        "a.po: changed on disk while i18n-sync was running (an editor saved it?); "
        "left as it is, run the command again to include that change"
    ]
    assert temps_in(tmp_path) == []


def test_a_catalogue_created_since_the_run_found_none_is_left_alone(tmp_path: Path) -> None:
    (tmp_path / "a.po").write_bytes(b"made by hand meanwhile")
    applied = apply_changes(tmp_path, [FileChange("a.po", b"new", "catalog", original=None, guarded=True)])
    assert applied.written == () and len(applied.errors) == 1
    assert (tmp_path / "a.po").read_bytes() == b"made by hand meanwhile"


def test_a_deletion_comes_after_the_writes_and_only_of_the_file_as_read(tmp_path: Path) -> None:
    (tmp_path / "old" / "tr").mkdir(parents=True)
    (tmp_path / "old" / "tr" / "a.po").write_bytes(b"read")
    (tmp_path / "old" / "keep.txt").write_bytes(b"someone else's")
    (tmp_path / "b.po").write_bytes(b"read too")
    changes = [
        FileChange.deletion("old/tr/a.po", "catalog", b"read"),
        FileChange.deletion("b.po", "catalog", b"what the run read"),  # changed since
        FileChange("new.po", b"merged", "catalog"),
    ]
    applied = apply_changes(tmp_path, changes)
    assert applied.written == ("new.po",) and applied.deleted == ("old/tr/a.po",)
    assert [e.path for e in applied.errors] == ["b.po"]
    assert (tmp_path / "b.po").read_bytes() == b"read too"
    # The folder the deletion emptied goes, the one with another file in it stays.
    assert not (tmp_path / "old" / "tr").exists()
    assert (tmp_path / "old" / "keep.txt").read_bytes() == b"someone else's"


def test_nothing_is_deleted_when_a_write_failed(tmp_path: Path) -> None:
    (tmp_path / "a.po").write_bytes(b"old layout")
    (tmp_path / "b.po").write_bytes(b"made by hand meanwhile")
    changes = [
        FileChange("b.po", b"new layout", "catalog", original=None, guarded=True),
        FileChange.deletion("a.po", "catalog", b"old layout"),
    ]
    applied = apply_changes(tmp_path, changes)
    assert applied.deleted == () and len(applied.errors) == 1
    assert (tmp_path / "a.po").read_bytes() == b"old layout"


def test_sync_says_which_catalogue_changed_and_exits_1(
    project: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import i18n_sync.api as api  # the commands run through the API

    catalog = project / "locales" / "tr" / "README.po"
    (project / "content" / "README.md").write_text(SOURCE + "\nA new paragraph.\n", encoding="utf-8")
    real_run = api.run

    def run_then_translator_saves(*args: object, **kwargs: object) -> object:
        report = real_run(*args, **kwargs)  # type: ignore[arg-type]
        catalog.write_bytes(
            catalog.read_bytes().replace(b'msgid "Project"\nmsgstr ""', b'msgid "Project"\nmsgstr "Proje"')
        )
        return report

    monkeypatch.setattr(api, "run", run_then_translator_saves)
    result = invoke(project, "sync")
    saved = catalog.read_bytes()
    assert result.exit_code == 1
    assert "Error: locales/tr/README.po: changed on disk while i18n-sync was running" in result.stderr
    assert b'msgstr "Proje"' in saved and b"A new paragraph." not in saved
    assert "wrote locales/README.pot" in result.output  # the other files are still written
    monkeypatch.setattr(api, "run", real_run)
    assert invoke(project, "sync").exit_code == 0
    assert b"A new paragraph." in catalog.read_bytes() and b'msgstr "Proje"' in catalog.read_bytes()


# --- one run at a time --------------------------------------------------------------------------


def test_a_busy_lock_names_its_holder_and_times_out(project: Path) -> None:
    set_setting(project, "lock_timeout = 0")
    with hold_lock(project, 1):
        result = invoke(project, "sync")
        assert (project / LOCK_FILE).read_text().strip() == str(os.getpid())
    assert result.exit_code == 1
    assert "waiting" not in result.stderr  # a timeout of 0 does not wait
    assert (
        f"Error: {LOCK_FILE}: another i18n-sync run (pid {os.getpid()}) is still writing in this "
        "repository after 0 s; wait for it to finish, or raise lock_timeout in the configuration"
    ) in result.stderr
    assert not (project / LOCK_FILE).exists()


def test_a_waiting_run_is_told_who_holds_the_lock(tmp_path: Path) -> None:
    told: list[str] = []
    with hold_lock(tmp_path, 0), pytest.raises(WriteError, match=r"after 0\.1 s"):  # noqa: SIM117
        with hold_lock(tmp_path, 0.1, told.append):
            pass
    assert told == [f"waiting for another i18n-sync run (pid {os.getpid()}) to finish"]


def test_a_lock_left_by_a_dead_process_is_taken_over(project: Path) -> None:
    dead = subprocess.run(
        [sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True
    )
    (project / LOCK_FILE).write_text(dead.stdout)
    (project / "content" / "README.md").write_text(SOURCE + "\nMore.\n", encoding="utf-8")
    result = invoke(project, "sync")
    assert result.exit_code == 0, result.output
    assert "waiting" not in result.stderr
    assert not (project / LOCK_FILE).exists()


def test_check_mode_does_not_take_the_lock(project: Path) -> None:
    with hold_lock(project, 1):
        assert invoke(project, "sync", "--check").exit_code == 0


def test_the_lock_is_released_when_the_block_fails(tmp_path: Path) -> None:
    with pytest.raises(RuntimeError), hold_lock(tmp_path, 0):
        raise RuntimeError
    with hold_lock(tmp_path, 0):
        pass


# --- reading ------------------------------------------------------------------------------------


def test_read_bytes_refuses_a_file_over_the_cap(tmp_path: Path) -> None:
    (tmp_path / "big.po").write_bytes(b"x" * 2001)
    with pytest.raises(CatalogError) as caught:
        read_bytes(tmp_path, "big.po", 2000, CatalogError)
    assert str(caught.value) == (
        "big.po: is 2,001 bytes, more than max_file_size (2,000); split the file, "
        "or raise max_file_size in the configuration"
    )
    assert read_bytes(tmp_path, "big.po", 2001) == b"x" * 2001


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="needs named pipes")
def test_read_bytes_refuses_a_pipe_without_waiting_for_a_writer(tmp_path: Path) -> None:
    os.mkfifo(tmp_path / "README.po")
    with pytest.raises(WriteError, match="is not a regular file"):
        read_bytes(tmp_path, "README.po")


@pytest.mark.skipif(not Path("/dev/zero").exists(), reason="needs /dev/zero")
def test_read_bytes_refuses_an_endless_device(tmp_path: Path) -> None:
    (tmp_path / "README.po").symlink_to("/dev/zero")
    # Outside the repository: refused before it is even opened.
    with pytest.raises(WriteError, match="to a file outside the repository"):
        read_bytes(tmp_path, "README.po", 1000)


def test_read_bytes_says_a_folder_is_a_folder(tmp_path: Path) -> None:
    (tmp_path / "README.po").mkdir()
    with pytest.raises(WriteError, match="is a folder, not a file"):
        read_bytes(tmp_path, "README.po")


def test_a_source_over_the_cap_is_refused_by_name(project: Path) -> None:
    set_setting(project, "max_file_size = 20")
    result = invoke(project, "sync")
    assert result.exit_code == 1
    assert f"content/README.md: is {len(SOURCE):,} bytes, more than max_file_size (20)" in result.stderr


def test_the_size_cap_must_be_a_positive_number(project: Path) -> None:
    set_setting(project, "max_file_size = 0")
    result = invoke(project, "sync")
    assert result.exit_code == 1
    assert "'max_file_size' must be a whole number from 1 to 1000000000" in result.stderr


# --- where the tool may write -------------------------------------------------------------------


@pytest.mark.parametrize(
    "path",
    ["README.tr.md", "locales/zh_CN/README.po", "docs/guide/intro.zh-Hant.md", "文档/说明.tr.md", "ｔｒ.md"],
)
def test_ordinary_paths_may_be_written(tmp_path: Path, path: str) -> None:
    assert path_problem(path) is None
    check_target(tmp_path, path)


def test_a_symlinked_output_is_refused_and_its_target_untouched(tmp_path: Path) -> None:
    outside = tmp_path / "outside.md"
    outside.write_bytes(b"someone's file")
    repo = tmp_path / "repo"
    repo.mkdir()
    (repo / "README.tr.md").symlink_to(outside)
    with pytest.raises(WriteError) as caught:
        apply_changes(repo, [FileChange("README.tr.md", b"rendered", "output")])
    assert str(caught.value) == "README.tr.md: is a symlink; refusing to write"
    assert outside.read_bytes() == b"someone's file"


def test_a_folder_symlinked_out_of_the_repository_is_refused(tmp_path: Path) -> None:
    (tmp_path / "elsewhere").mkdir()
    repo = tmp_path / "repo"
    (repo / "locales").mkdir(parents=True)
    (repo / "locales" / "tr").symlink_to(tmp_path / "elsewhere")
    with pytest.raises(WriteError, match="outside the repository"):
        apply_changes(repo, [FileChange("locales/tr/README.po", b"x", "catalog")])
    assert list((tmp_path / "elsewhere").iterdir()) == []


def test_files_staged_ahead_are_renamed_and_the_rest_discarded(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path.parent)
    tmp_path = Path(tmp_path.name)  # a relative root, as --root gives one
    (tmp_path / "locales").mkdir()
    (tmp_path / "locales" / "same.po").write_bytes(b"as it is")
    stale = tmp_path / "locales" / f"{TEMP_PREFIX}killed{TEMP_SUFFIX}"
    stale.write_bytes(b"left by a killed run")
    staging = Staging(tmp_path)
    staged = [
        FileChange("locales/a.po", b"a", "catalog"),
        FileChange("locales/b.po", b"b", "catalog"),  # its language fails: not given to apply
        FileChange("locales/c.po", b"c, first", "catalog"),  # wanted with other bytes in the end
        FileChange("locales/same.po", b"as it is", "catalog"),  # nothing to stage
    ]
    staging.stage(staged)
    # a, b and c: the stale one went before the run wrote in its folder
    assert sorted(path.name for path in temps_in(tmp_path)) == sorted(staging.staged_names())
    assert len(temps_in(tmp_path)) == 3
    wanted = [staged[0], FileChange("locales/c.po", b"c, last", "catalog"), staged[3]]
    applied = apply_changes(tmp_path, wanted, staging)
    assert applied.written == ("locales/a.po", "locales/c.po")
    assert applied.current == ("locales/same.po",)
    assert applied.removed == (f"locales/{stale.name}",)  # the stale file; this run's staged ones are kept
    assert (tmp_path / "locales" / "a.po").read_bytes() == b"a"
    assert (tmp_path / "locales" / "c.po").read_bytes() == b"c, last"
    assert not (tmp_path / "locales" / "b.po").exists()
    assert temps_in(tmp_path) == []


def fill_disk_in(monkeypatch: pytest.MonkeyPatch, full: str) -> None:
    """Make creating a temporary file fail (no space left) in folders whose path ends with `full`."""
    real_create = temps_module._create_temp

    def create_temp(folder: str, name: str | None = None) -> tuple[int, str]:
        if folder.endswith(full):
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
        return real_create(folder, name)

    monkeypatch.setattr(temps_module, "_create_temp", create_temp)


def test_a_file_that_cannot_be_staged_fails_the_write_before_any_rename(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "a.po").write_bytes(b"old")
    (tmp_path / "full").mkdir()
    fill_disk_in(monkeypatch, "full")
    changes = [FileChange("a.po", b"new", "catalog"), FileChange("full/b.po", b"b", "catalog")]
    staging = Staging(tmp_path)
    staging.stage(changes)
    assert staging.failure is not None and staging.failure.path == "full/b.po"
    with pytest.raises(WriteError, match=r"full/b\.po: cannot write: No space left on device"):
        apply_changes(tmp_path, changes, staging)
    assert (tmp_path / "a.po").read_bytes() == b"old"
    assert temps_in(tmp_path) == []


def test_staged_files_flush_while_the_run_goes_on_and_before_any_rename(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Flushing is the disk's time: `Staging` starts it and returns to the run (which
    # collects the workers' results meanwhile); `apply_changes` waits for it to end.
    events: list[str] = []
    flushing = threading.Event()
    disk_done = threading.Event()
    real_fsync, real_replace = os.fsync, os.replace

    def fsync(handle: int) -> None:
        flushing.set()
        disk_done.wait(timeout=10)
        events.append("fsync")
        real_fsync(handle)

    def replace(source: str, target: str) -> None:
        events.append("rename")
        real_replace(source, target)

    monkeypatch.setattr(os, "fsync", fsync)
    monkeypatch.setattr(os, "replace", replace)
    changes = [FileChange(f"locales/{name}.po", name.encode(), "catalog") for name in ("a", "b", "c")]
    staging = Staging(tmp_path)
    staging.stage(changes)
    assert flushing.wait(timeout=10)
    assert events == []  # the flushes are under way, and the caller is not held by them
    assert [thread for thread in threading.enumerate() if thread.name.startswith("i18n-sync-")]
    disk_done.set()
    applied = apply_changes(tmp_path, changes, staging)
    assert events == ["fsync"] * 3 + ["rename"] * 3
    assert applied.written == tuple(change.path for change in changes)
    assert (tmp_path / "locales" / "b.po").read_bytes() == b"b"
    assert temps_in(tmp_path) == []
    staging.discard()
    assert not [thread for thread in threading.enumerate() if thread.name.startswith("i18n-sync-")]


# --- Reads through remembered folders (`Folders`) ---------------------------------------------


def test_reads_through_remembered_folders_follow_the_same_rules(tmp_path: Path) -> None:
    """A batch resolves each folder once; what it reads, and refuses, is what a plain read does."""
    (tmp_path / "elsewhere").mkdir()
    (tmp_path / "elsewhere" / "secret.md").write_bytes(b"not the repository's")
    repo = tmp_path / "repo"
    (repo / "docs").mkdir(parents=True)
    (repo / "docs" / "a.md").write_bytes(b"a")
    (repo / "docs" / "alias.md").symlink_to("a.md")  # a symlink inside the repository: allowed
    (repo / "docs" / "leak.md").symlink_to(tmp_path / "elsewhere" / "secret.md")
    (repo / "linked").symlink_to(tmp_path / "elsewhere")
    folders = Folders(repo)
    for relative, expected in (("docs/a.md", b"a"), ("docs/alias.md", b"a"), ("docs/none.md", None)):
        assert read_bytes(repo, relative, folders=folders) == expected == read_bytes(repo, relative)
    for relative in ("docs/leak.md", "linked/secret.md"):
        with pytest.raises(CatalogError, match="outside the repository"):
            read_bytes(repo, relative, error=CatalogError, folders=folders)
        with pytest.raises(CatalogError, match="outside the repository"):
            read_bytes(repo, relative, error=CatalogError)
    assert folders.place("docs") == os.path.realpath(repo / "docs")
    assert folders.place("linked") is None


@pytest.mark.skipif(os.name != "posix", reason="folders are found part by part on POSIX only")
def test_a_remembered_folder_is_where_realpath_finds_it(tmp_path: Path) -> None:
    """Found from its parent's place, each folder is where `realpath` says, whatever the
    symlinks, missing parts and files on the way (and in whichever order asked); but a
    folder reached through symlinks that loop has no place: nothing can be written there."""
    (tmp_path / "elsewhere" / "deep").mkdir(parents=True)
    repo = tmp_path / "repo"
    (repo / "docs" / "guide").mkdir(parents=True)
    (repo / "docs" / "file.md").write_bytes(b"a file where a folder is asked for")
    (repo / "docs" / "up").symlink_to("..")  # a link back up, inside the repository
    (repo / "docs" / "same").symlink_to("guide")
    (repo / "docs" / "guide" / "chain").symlink_to("../same")  # a link to a link
    (repo / "out").symlink_to(tmp_path / "elsewhere")
    (repo / "loop").symlink_to("loop")
    (repo / "dangling").symlink_to("nowhere/at/all")
    folders = [
        "",
        "docs/guide/chain/new/deeper",
        "docs",
        "docs/up/docs/same",
        "docs/up/out/deep",
        "docs/file.md/inside",
        "missing/and/more",
        "out",
        "out/deep/new",
        "loop/x",
        "dangling/y",
        "docs/guide/chain",
    ]
    for order in (folders, folders[::-1]):
        remembered = Folders(repo)
        for folder in order:
            real = os.path.realpath(os.path.join(repo, folder))
            inside = real == os.path.realpath(repo) or real.startswith(os.path.realpath(repo) + os.sep)
            looping = folder.startswith("loop")
            assert remembered.place(folder) == (real if inside and not looping else None), folder
            assert remembered.loops(folder) is looping, folder


def test_check_target_with_remembered_folders_refuses_what_it_refuses_alone(tmp_path: Path) -> None:
    (tmp_path / "elsewhere").mkdir()
    repo = tmp_path / "repo"
    (repo / "site").mkdir(parents=True)
    (repo / "out").symlink_to(tmp_path / "elsewhere")
    (repo / "site" / "link.md").symlink_to(tmp_path / "elsewhere")
    folders = Folders(repo)
    check_target(repo, "site/new.md", folders)
    for relative, message in (("out/a.md", "outside the repository"), ("site/link.md", "is a symlink")):
        with pytest.raises(WriteError, match=message):
            check_target(repo, relative, folders)
        with pytest.raises(WriteError, match=message):
            check_target(repo, relative)


def test_many_files_are_staged_by_two_threads_each_once(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # A first run's templates and catalogues come in one batch of thousands; two threads
    # stage them. Each is staged once, and a failure in either thread stops the write.
    changes = [FileChange(f"locales/l{n % 7}/d{n}.po", f"entry {n}".encode(), "catalog") for n in range(300)]
    staging = Staging(tmp_path)
    staging.stage(changes)
    assert staging.failure is None and len(temps_in(tmp_path)) == 300
    applied = apply_changes(tmp_path, changes, staging)
    assert applied.written == tuple(change.path for change in changes)
    assert all((tmp_path / c.path).read_bytes() == c.content for c in changes)
    assert temps_in(tmp_path) == []

    fill_disk_in(monkeypatch, "l3")
    again = [FileChange(c.path, c.content + b" changed", "catalog") for c in changes]
    staging = Staging(tmp_path)
    staging.stage(again)
    assert staging.failure is not None and "/l3/" in staging.failure.path
    with pytest.raises(WriteError, match="No space left on device"):
        apply_changes(tmp_path, again, staging)
    assert all((tmp_path / c.path).read_bytes() == c.content for c in changes)  # none renamed
    assert temps_in(tmp_path) == []


def test_a_missing_folder_holds_no_file_in_one_batch(tmp_path: Path) -> None:
    """A first run's outputs are in folders not made yet: one look at the folder answers for
    every file in it, and a dangling folder symlink counts as missing, as the disk would say."""
    repo = tmp_path / "repo"
    (repo / "site").mkdir(parents=True)
    (repo / "site" / "a.md").write_bytes(b"a")
    (repo / "dangling").symlink_to(repo / "nowhere")
    folders = Folders(repo)
    wanted = ["site/a.md", "site/b.md", "locales/tr/x.po", "dangling/y.po"]
    assert read_many(repo, wanted, folders=folders) == {
        "site/a.md": b"a",
        "site/b.md": None,
        "locales/tr/x.po": None,
        "dangling/y.po": None,
    }
    assert [folders.absent(f) for f in ("site", "locales/tr", "dangling", "")] == [False, True, True, False]
    check_target(repo, "locales/tr/x.po", folders)  # nothing there to refuse
    # Another batch sees the folder made since, and what is in it.
    (repo / "locales" / "tr").mkdir(parents=True)
    (repo / "locales" / "tr" / "x.po").symlink_to(repo / "site" / "a.md")
    with pytest.raises(WriteError, match="is a symlink"):
        check_target(repo, "locales/tr/x.po", Folders(repo))


def test_a_folder_is_listed_once_for_the_symlinks_of_all_its_files(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """`check_target` asks `Folders.holds_link`, which lists each folder once; a name the
    listing holds only under another case is looked at itself (here, case matters: no link)."""
    repo = tmp_path / "repo"
    (repo / "site").mkdir(parents=True)
    for name in ("a.md", "b.md", "c.md"):
        (repo / "site" / name).write_bytes(b"x")
    (repo / "site" / "Link.md").symlink_to(repo / "site" / "a.md")
    listed: list[str] = []
    real_scandir = os.scandir

    def scandir(path: str) -> object:
        listed.append(path)
        return real_scandir(path)

    monkeypatch.setattr(os, "scandir", scandir)
    folders = Folders(repo)
    for name in ("a.md", "b.md", "c.md", "new.md", "link.md"):
        check_target(repo, f"site/{name}", folders)
    with pytest.raises(WriteError, match=r"site/Link\.md: is a symlink"):
        check_target(repo, "site/Link.md", folders)
    assert len(listed) == 1
    assert [folders.holds_link("site", name) for name in ("Link.md", "link.md", "a.md")] == [
        True,
        False,
        False,
    ]


def test_a_folder_that_cannot_be_listed_has_each_file_looked_at(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    repo = tmp_path / "repo"
    (repo / "site").mkdir(parents=True)
    (repo / "site" / "a.md").symlink_to(tmp_path)

    def refused(path: str) -> object:
        raise PermissionError(13, "Permission denied", path)

    monkeypatch.setattr(os, "scandir", refused)
    with pytest.raises(WriteError, match=r"site/a\.md: is a symlink"):
        check_target(repo, "site/a.md", Folders(repo))
    check_target(repo, "site/b.md", Folders(repo))


def test_staging_writes_only_what_is_due(tmp_path: Path) -> None:
    """Not staged: the bytes already there (same size, so read), a read-only file, a symlink,
    a folder out of the repository; staged: a new file and one of another size or bytes."""
    (tmp_path / "elsewhere").mkdir()
    repo = tmp_path / "repo"
    (repo / "site").mkdir(parents=True)
    (repo / "site" / "same.md").write_bytes(b"same")
    (repo / "site" / "other.md").write_bytes(b"diff")  # the same size as the new bytes
    (repo / "site" / "short.md").write_bytes(b"x")
    (repo / "site" / "locked.md").write_bytes(b"old")
    (repo / "site" / "locked.md").chmod(0o444)
    (repo / "site" / "link.md").symlink_to(repo / "site" / "short.md")
    (repo / "out").symlink_to(tmp_path / "elsewhere")
    changes = [
        FileChange(f"site/{name}.md", content, "output")
        for name, content in (("same", b"same"), ("other", b"new!"), ("short", b"longer"), ("new", b"n"))
    ] + [
        FileChange("site/locked.md", b"new", "output"),
        FileChange("site/link.md", b"new", "output"),
        FileChange("out/a.md", b"new", "output"),
    ]
    staging = Staging(repo)
    staging.stage(changes)
    assert staging.failure is None
    taken = {change.path: staging.take(change) for change in changes}
    staged = {path: found[0] for path, found in taken.items() if found is not None}
    assert set(staged) == {"site/other.md", "site/short.md", "site/new.md"}
    assert temps_in(repo) == sorted(map(Path, staged.values()))  # each beside its target, nothing else
    assert list((tmp_path / "elsewhere").iterdir()) == []
