"""Review of 3cb564c and 5f4555b: a new catalogue renamed into place in one step
(`temps.rename_new`, renameat2 with RENAME_NOREPLACE), and a file in a folder missing when a
pool forked staged without a look (`Staging._new_folders`).

The tests under "Found by the review" failed on bdf7d04 (fixed since: `rename_new` refuses a
NUL, and `apply_changes` judges a file made since in a folder staged without a look as any
other, `Staging.unlooked`); the others check what was probed and held.
"""

from __future__ import annotations

import errno
import os
from contextlib import suppress
from pathlib import Path

import pytest

from helpers import before_renames, invoke, linux_only, staged_whole, temps_in, without_rename_new
from i18n_sync.model import FileChange
from i18n_sync.project import temps
from i18n_sync.project.cache import CACHE_VARIABLE
from i18n_sync.project.staging import Staging
from i18n_sync.project.temps import rename_new, write_temp
from i18n_sync.project.writing import apply_changes
from test_scale import make_docs


def _mode(path: Path) -> int:
    return os.lstat(path).st_mode & 0o7777


# ---------------------------------------------------------------------------------------------
# Found by the review


@linux_only
def test_rename_new_does_not_cut_a_name_at_a_nul_byte(tmp_path: Path) -> None:
    """`os.replace` refuses a path with a NUL (ValueError), and so does `rename_new`: ctypes'
    ``c_char_p`` hands C the name, which C reads up to the NUL, so the file went to ``a``, and
    True said it went where it was asked. (`path_problem` keeps such a name from a run.)"""
    temp = write_temp(tmp_path / "a", b"new\n")
    with pytest.raises(ValueError):
        os.replace(temp, str(tmp_path / "a\0b"))
    with suppress(ValueError):  # as os.replace: refused
        rename_new(temp, str(tmp_path / "a\0b"))
    assert not (tmp_path / "a").exists(), "renamed to the name cut at the NUL"
    assert os.path.lexists(temp)


@pytest.mark.parametrize("where", ["a worker", "this process's threads"])
def test_a_file_made_in_a_new_folder_before_it_is_staged_keeps_its_permissions(
    tmp_path: Path, where: str
) -> None:
    """A folder missing when the pool was let in stays one staged without a look, by a worker
    or by this process's threads after the pool (the settled templates and catalogues, cached
    outputs). A writable file made there before it is staged (0o600 here) keeps its
    permissions, as without the staging (`mode_of`): 5f4555b gave it 0o644."""
    change = FileChange("locales/new/doc.pot", b"new\n", "template")
    staging = Staging(tmp_path)
    assert staging.open_to_workers([change.path])
    target = tmp_path / "locales" / "new" / "doc.pot"
    target.parent.mkdir(parents=True)
    target.write_bytes(b"theirs, private\n")
    target.chmod(0o600)
    if where == "a worker":
        staged = staging.stage_here(change)
        staging.close_to_workers()
        staging.adopt(change, staged)
    else:
        staging.close_to_workers()
        staging.stage([change])
    applied = apply_changes(tmp_path, [change], staging)
    assert applied.written == (change.path,) and target.read_bytes() == b"new\n"
    assert _mode(target) == 0o600, f"permissions became {_mode(target):o}"
    assert temps_in(tmp_path) == []


def test_the_same_file_without_staging_keeps_its_permissions(tmp_path: Path) -> None:
    """Passing check, the reference for the test above: the path without staging."""
    change = FileChange("locales/new/doc.pot", b"new\n", "template")
    target = tmp_path / "locales" / "new" / "doc.pot"
    target.parent.mkdir(parents=True)
    target.write_bytes(b"theirs, private\n")
    target.chmod(0o600)
    applied = apply_changes(tmp_path, [change])
    assert applied.written == (change.path,) and _mode(target) == 0o600


def test_a_catalogue_made_meanwhile_with_the_very_bytes_is_current_not_changed(
    tmp_path: Path,
) -> None:
    """The catalogue's folder was missing when the pool forked; before the worker stages it,
    the catalogue appears holding exactly the bytes the run wants (a pull of a colleague's
    run). Staged without a look, it is still read before the rename and found current, as
    without staging (5f4555b took it as staged, and the one-step rename reported "changed
    on disk ... run the command again")."""
    change = FileChange("locales/tr/doc.po", b"same\n", "catalog", None, guarded=True)
    staging = Staging(tmp_path)
    assert staging.open_to_workers([change.path])
    target = tmp_path / "locales" / "tr" / "doc.po"
    target.parent.mkdir(parents=True)
    target.write_bytes(b"same\n")
    staged = staging.stage_here(change)
    staging.close_to_workers()
    staging.adopt(change, staged)
    applied = apply_changes(tmp_path, [change], staging)
    assert applied.errors == (), applied.errors[0].message
    assert applied.current == (change.path,)
    assert temps_in(tmp_path) == []


def test_the_same_catalogue_without_staging_is_current(tmp_path: Path) -> None:
    """Passing check, the reference for the test above."""
    change = FileChange("locales/tr/doc.po", b"same\n", "catalog", None, guarded=True)
    target = tmp_path / "locales" / "tr" / "doc.po"
    target.parent.mkdir(parents=True)
    target.write_bytes(b"same\n")
    applied = apply_changes(tmp_path, [change])
    assert applied.errors == () and applied.current == (change.path,)


# ---------------------------------------------------------------------------------------------
# Passing checks: rename_new itself


@linux_only
def test_a_name_that_is_not_utf8_goes_through_ctypes_byte_for_byte(tmp_path: Path) -> None:
    """Passing check: surrogate-escaped names (a checkout in a Latin-1 folder) reach renameat2
    as the bytes they came from."""
    folder = Path(os.fsdecode(bytes(tmp_path) + b"/d\xe9p\xf4t"))
    folder.mkdir()
    temp = write_temp(folder / "x", b"new\n")
    target = os.fsdecode(os.fsencode(folder) + b"/cat\xe9logue.po")
    assert rename_new(temp, target) is True
    assert os.listdir(os.fsencode(folder)) == [b"cat\xe9logue.po"]
    assert rename_new(write_temp(folder / "x", b"again\n"), target) is False
    assert Path(target).read_bytes() == b"new\n"


@linux_only
@pytest.mark.parametrize("length", [256, 5000])
def test_a_name_too_long_is_an_os_error_naming_the_target(tmp_path: Path, length: int) -> None:
    """Passing check: no truncation of a long path by ctypes; ENAMETOOLONG, as os.replace."""
    temp = write_temp(tmp_path / "x", b"new\n")
    target = str(tmp_path / ("n" * length))
    with pytest.raises(OSError) as raised:
        rename_new(temp, target)
    assert raised.value.errno == errno.ENAMETOOLONG and raised.value.filename == target
    assert os.path.lexists(temp) and os.listdir(tmp_path) == [os.path.basename(temp)]


def test_a_rename_across_file_systems_is_a_plain_error_and_leaves_nothing(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Passing check: EXDEV (temporary file and target on two file systems, which only a
    folder swapped for a mount during the run can bring) is not taken for "unsupported":
    the run stops with ``locales: cannot write: Invalid cross-device link; nothing was
    written in it`` (the folder is written whole, and renamed so), no traceback, no
    temporary file, no catalogue written."""
    monkeypatch.setattr(temps, "_load_renameat2", lambda: (lambda *args: -1, lambda: errno.EXDEV))
    root = make_docs(tmp_path, count=6)
    outcome = invoke(root, "sync")
    assert outcome.exit_code != 0
    assert outcome.exception is None or isinstance(outcome.exception, SystemExit), outcome.exception
    assert "locales: cannot write: Invalid cross-device link; nothing was written in it" in outcome.output
    assert "Traceback" not in outcome.output
    assert temps_in(root) == []
    assert not list((root / "locales").rglob("*.po"))


def test_a_temporary_file_gone_before_its_rename_says_the_same_both_ways(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Passing check: a guarded new catalogue whose temporary file was deleted (by hand)
    before the rename: the same one-line error in one step as after a look."""
    said = []
    for one_step in (True, False):
        with monkeypatch.context() as patch:
            if not one_step:
                without_rename_new(patch)
            root = tmp_path / str(one_step)
            root.mkdir()
            make_docs(root, count=6)

            def remove(root: Path = root) -> None:
                # Written whole (`staging`): the catalogues are in a folder of the tool's own.
                for twin in staged_whole(root):
                    for staged in (twin / "tr").glob("*.po"):
                        staged.unlink()

            before_renames(patch, remove)
            outcome = invoke(root, "sync")
            assert outcome.exit_code != 0 and "Traceback" not in outcome.output
            said.append(outcome.output.replace(str(root), "ROOT"))
            assert temps_in(root) == []
    assert said[0] == said[1] and "cannot write: No such file or directory" in said[0]


# ---------------------------------------------------------------------------------------------
# Passing checks: symlinks and folders swapped at rename time


def test_a_catalogue_folder_swapped_for_a_symlink_out_of_the_repository_gets_nothing(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, renaming: str
) -> None:
    """Passing check: after staging, before the renames, `locales/tr` (staged whole, in a
    folder of the tool's own: `staging`) is made a symlink to an empty folder outside.
    Nothing is written there; the error names the folder made meanwhile; no traceback."""
    root = tmp_path / "repo"
    root.mkdir()
    make_docs(root, count=6)
    outside = tmp_path / "outside"
    outside.mkdir()

    def swap() -> None:
        (root / "locales").mkdir()
        (root / "locales" / "tr").symlink_to(outside)

    before_renames(monkeypatch, swap)
    outcome = invoke(root, "sync")
    assert outcome.exit_code != 0 and "Traceback" not in outcome.output
    assert (
        "locales: was made, or the folder it was being written in changed, while i18n-sync was running"
        in outcome.output
    )
    assert list(outside.iterdir()) == []


def test_a_folder_that_is_a_dangling_symlink_into_the_repository_is_made_there(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, renaming: str
) -> None:
    """Passing check: `locales/tr` is a symlink to a missing folder of the repository: counted
    new (`_new_folders`), its catalogues are staged by the workers where it leads, and renamed
    there; nothing outside, nothing left."""
    monkeypatch.setenv("I18N_SYNC_JOBS", "2")
    root = tmp_path / "repo"
    root.mkdir()
    make_docs(root, count=6)
    (root / "locales").mkdir()
    (root / "locales" / "tr").symlink_to("../store/tr")
    outcome = invoke(root, "sync")
    assert outcome.exit_code == 0, outcome.output
    assert (root / "store" / "tr" / "guide0.po").is_file()
    assert (root / "locales" / "tr").is_symlink()
    assert temps_in(root) == [] and sorted(p.name for p in tmp_path.iterdir()) == ["repo"]


def test_a_folder_that_is_a_dangling_symlink_out_of_the_repository_is_refused(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Passing check: not counted new (no place), nothing staged or made outside."""
    monkeypatch.setenv("I18N_SYNC_JOBS", "2")
    root = tmp_path / "repo"
    root.mkdir()
    make_docs(root, count=6)
    (root / "locales").mkdir()
    (root / "locales" / "tr").symlink_to(tmp_path / "outside" / "tr")
    outcome = invoke(root, "sync")
    assert outcome.exit_code != 0 and "outside the repository" in outcome.output
    assert not (tmp_path / "outside").exists() and temps_in(root) == []


# ---------------------------------------------------------------------------------------------
# Passing checks: what appears in a folder counted new


@pytest.mark.parametrize("made", ["read-only file", "symlink", "dangling symlink", "folder"])
def test_whatever_appears_in_a_new_folder_before_staging_is_not_overwritten_or_written_through(
    tmp_path: Path, made: str
) -> None:
    """Passing check: staged without a look, an output whose name became a read-only file,
    a symlink (to a file of the repository) or a folder is still refused by `apply_changes`
    (`_still_writable` looks again): left as it is, no file written through the link."""
    change = FileChange("site/new/doc.md", b"new\n", "output")
    staging = Staging(tmp_path)
    assert staging.open_to_workers([change.path])
    target = tmp_path / "site" / "new" / "doc.md"
    target.parent.mkdir(parents=True)
    (tmp_path / "theirs.md").write_bytes(b"theirs\n")
    if made == "read-only file":
        target.write_bytes(b"theirs\n")
        target.chmod(0o444)
    elif made == "symlink":
        target.symlink_to("../../theirs.md")
    elif made == "dangling symlink":
        target.symlink_to("../../nowhere.md")
    else:
        target.mkdir()
    staged = staging.stage_here(change)
    assert staged.temp is not None  # no look: staged
    staging.close_to_workers()
    staging.adopt(change, staged)
    try:
        applied = apply_changes(tmp_path, [change], staging)
    except Exception as problem:  # a WriteError raised: the file is named
        assert getattr(problem, "path", None) == change.path, problem
    else:
        assert applied.written == () and applied.errors[0].path == change.path
    finally:
        staging.discard()  # as `api.sync` does after a failed run
    if made == "read-only file":
        assert target.read_bytes() == b"theirs\n"
    elif made == "folder":
        assert target.is_dir()
    else:
        assert target.is_symlink()
    assert (tmp_path / "theirs.md").read_bytes() == b"theirs\n"
    assert not (tmp_path / "nowhere.md").exists()
    assert temps_in(tmp_path) == []


def test_a_folder_made_by_another_process_between_the_look_and_the_fork_holds_only_temps(
    tmp_path: Path,
) -> None:
    """Passing check: a folder counted new that another worker made meanwhile holds that
    worker's temporary files only: each name is made with O_EXCL, no worker's file is
    overwritten by another's, and each rename lands once."""
    changes = [
        FileChange(f"locales/tr/doc{n}.po", f"{n}\n".encode(), "catalog", None, True) for n in range(4)
    ]
    staging = Staging(tmp_path)
    assert staging.open_to_workers(c.path for c in changes)
    (tmp_path / "locales" / "tr").mkdir(parents=True)  # as the first worker makes it
    made = [staging.stage_here(change) for change in changes]
    staging.close_to_workers()
    for change, staged in zip(changes, made, strict=True):
        staging.adopt(change, staged)
    applied = apply_changes(tmp_path, changes, staging)
    assert applied.written == tuple(c.path for c in changes) and applied.errors == ()
    assert [(tmp_path / c.path).read_bytes() for c in changes] == [c.content for c in changes]
    assert temps_in(tmp_path) == []


def test_a_file_in_the_way_of_a_new_folder_is_named_as_without_the_staging(tmp_path: Path) -> None:
    """Passing check: `site` is a file, so `site/new` is counted new, staged without a look,
    and its `makedirs` fails at staging (before 5f4555b the lstat said ENOTDIR and nothing was
    staged). The run stops before any rename with the same error as without the staging."""
    change = FileChange("site/new/doc.md", b"new\n", "output")
    other = FileChange("docs/kept.md", b"kept\n", "output")
    (tmp_path / "site").write_bytes(b"a file\n")
    said = []
    for staged in (True, False):
        staging = None
        if staged:
            staging = Staging(tmp_path)
            assert staging.open_to_workers([change.path, other.path])
            made = [staging.stage_here(c) for c in (other, change)]
            staging.close_to_workers()
            for c, m in zip((other, change), made, strict=True):
                staging.adopt(c, m)
        with pytest.raises(Exception) as raised:
            apply_changes(tmp_path, [other, change], staging)
        said.append((raised.value.path, raised.value.message))  # type: ignore[attr-defined]
        assert not (tmp_path / "docs" / "kept.md").exists() and temps_in(tmp_path) == []
    assert said[0] == said[1] and said[0][0] == change.path


def test_new_files_get_the_same_permissions_staged_or_not_whatever_the_umask(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Passing check: under umask 077, a first sync on two workers (without the job cache: one
    pool, the workers stage; with it: the same) and `apply_changes` without staging give a new
    file 0o644 and a new folder 0o700, as before the change (the umask is applied to folders,
    not to files, both ways)."""
    monkeypatch.setenv("I18N_SYNC_JOBS", "2")
    old = os.umask(0o077)
    try:
        modes: list[dict[str, int]] = []
        for cache in ("off", str(tmp_path / "cache")):
            monkeypatch.setenv(CACHE_VARIABLE, cache)
            root = tmp_path / f"repo-{len(modes)}"
            root.mkdir()
            make_docs(root, count=6)
            outcome = invoke(root, "sync")
            assert outcome.exit_code == 0, outcome.output
            modes.append(
                {p.relative_to(root).as_posix(): _mode(p) for p in root.rglob("*") if "locales" in p.parts}
            )
        unstaged = tmp_path / "repo-apply"
        unstaged.mkdir()
        change = FileChange("locales/tr/x.po", b"x\n", "catalog", None, True)
        apply_changes(unstaged, [change])
    finally:
        os.umask(old)
    assert modes[0] == modes[1]
    assert _mode(unstaged / change.path) == modes[0]["locales/tr/guide0.po"] == 0o644
    assert modes[0]["locales/tr"] == _mode(unstaged / "locales" / "tr") == 0o700


def test_a_first_sync_takes_a_catalogue_pulled_in_with_its_very_bytes_as_current(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """End to end: the one-pool first sync on two workers. As the pool forks, a colleague's
    identical `locales/tr/guide0.po` arrives (a pull). It is staged without a look; the run
    still finds it current and ends well (5f4555b failed it with "changed on disk ... run the
    command again", though nothing differed)."""
    monkeypatch.setenv("I18N_SYNC_JOBS", "2")
    theirs = tmp_path / "theirs"
    theirs.mkdir()
    make_docs(theirs, count=6)
    assert invoke(theirs, "sync").exit_code == 0
    pulled = (theirs / "locales" / "tr" / "guide0.po").read_bytes()
    root = tmp_path / "repo"
    root.mkdir()
    make_docs(root, count=6)
    real = Staging.open_to_workers

    def pull_then_open(self: Staging, paths):  # type: ignore[no-untyped-def]
        opened = real(self, paths)
        target = root / "locales" / "tr" / "guide0.po"
        if not target.exists():
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(pulled)
        return opened

    monkeypatch.setattr(Staging, "open_to_workers", pull_then_open)
    outcome = invoke(root, "sync")
    assert outcome.exit_code == 0, outcome.output
    assert (root / "locales" / "tr" / "guide0.po").read_bytes() == pulled
    assert temps_in(root) == []


@linux_only
def test_a_root_given_relative_to_the_working_folder_is_renamed_into(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Passing check: AT_FDCWD takes a relative path as `os.replace` does."""
    make_docs(tmp_path, count=4)
    monkeypatch.chdir(tmp_path.parent)
    outcome = invoke(Path(tmp_path.name), "sync")
    assert outcome.exit_code == 0, outcome.output
    assert (tmp_path / "locales" / "tr" / "guide0.po").is_file() and temps_in(tmp_path) == []
