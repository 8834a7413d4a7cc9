"""Staging by two threads, the one lstat `apply_changes` trusts, `Folders.absent` and the job
cache, attacked: a batch staged by threads must do what one thread does, and nothing may be
written through a symlink, left half-written, or reused from the cache when its inputs changed.
"""

from __future__ import annotations

import errno
import os
import threading
import time
from pathlib import Path
from typing import Any

import pytest

from helpers import invoke, patch_write_temp, temps_in
from i18n_sync.errors import WriteError
from i18n_sync.model import FileChange
from i18n_sync.project import temps as temps_module
from i18n_sync.project.cache import CACHE_VARIABLE
from i18n_sync.project.config import load_config
from i18n_sync.project.files import Folders, check_target, read_many
from i18n_sync.project.staging import Staging
from i18n_sync.project.sync import run
from i18n_sync.project.writing import apply_changes
from test_scale import TR, make_docs, report_bytes

DATE = {"SOURCE_DATE_EPOCH": "1764000000"}
NO_CACHE = {CACHE_VARIABLE: "off", **DATE}


@pytest.fixture(autouse=True)
def fixed_date(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SOURCE_DATE_EPOCH", DATE["SOURCE_DATE_EPOCH"])


def batch(count: int, folder: str = "site") -> list[FileChange]:
    return [
        FileChange(f"{folder}/f{n % 5}/doc{n}.md", f"output {n}\n".encode(), "output") for n in range(count)
    ]


# --- 1. Two staging threads -----------------------------------------------------------------------


def test_a_path_twice_in_one_threaded_batch_is_staged_once_and_leaks_nothing(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """One thread stages the batch's even items, the other its odd ones. A path given twice is
    staged once, with its first change, as one thread does. The first write of the path waits
    for a second one a moment, as the kernel time of creating a file would let it happen."""
    both = threading.Event()
    calls: list[str] = []
    real = temps_module.write_temp

    def write_temp(
        target: Any, content: bytes, mode: Any = None, flush: bool = False, named: bool = False
    ) -> str:
        if str(target).endswith("/dup.md"):
            calls.append(content.decode())
            if len(calls) == 1:
                both.wait(1.0)  # the sequential code never makes a second call: it goes on after 1 s
            else:
                both.set()
        return real(target, content, mode, flush, named)

    patch_write_temp(monkeypatch, write_temp)
    first = FileChange("site/dup.md", b"first\n", "output")
    second = FileChange("site/dup.md", b"second\n", "output")
    changes = [first, second, *batch(126)]
    staging = Staging(tmp_path)
    staging.stage(changes, flush=False)
    try:
        assert calls == ["first\n"], "the same path was written to two temporary files"
        assert set(staging.holding([first])) == {"site/dup.md"}  # as staged one by one: the first wins
        assert len(temps_in(tmp_path)) == 127
    finally:
        staging.discard()
        assert temps_in(tmp_path) == [], "a temporary file no one tracks survived the discard"


def test_a_full_disk_reports_the_file_one_thread_would_report(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """With every write failing (a full disk), one thread stops at the batch's first file and
    reports it; two threads each fail on their own first file, and the earlier in the batch is
    the one reported, whichever fails last (here the odd thread's, made to fail later)."""
    real_create = temps_module._create_temp

    def create_temp(folder: str, name: str | None = None) -> tuple[int, str]:
        time.sleep(0.2 if folder.endswith("/odd") else 0.05)
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

    monkeypatch.setattr(temps_module, "_create_temp", create_temp)
    changes = [
        FileChange(f"site/{'odd' if n % 2 else 'even'}/doc{n}.md", f"output {n}\n".encode(), "output")
        for n in range(128)
    ]
    staging = Staging(tmp_path)
    staging.stage(changes)
    assert staging.failure is not None
    assert staging.failure.path == changes[0].path  # what a sequential stage (and a small batch) reports
    monkeypatch.setattr(temps_module, "_create_temp", real_create)
    with pytest.raises(WriteError):
        apply_changes(tmp_path, changes, staging)
    assert temps_in(tmp_path) == []


def test_a_full_disk_names_one_file_whatever_the_scheduling(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The same as above without any forced timing: twenty runs on a full disk."""

    def create_temp(folder: str, name: str | None = None) -> tuple[int, str]:
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

    monkeypatch.setattr(temps_module, "_create_temp", create_temp)
    changes = batch(256)
    named = set()
    for _ in range(20):
        staging = Staging(tmp_path)
        staging.stage(changes)
        assert staging.failure is not None
        named.add(staging.failure.path)
        staging.discard()
    assert named == {changes[0].path}


def test_a_failure_in_one_thread_stops_the_write_and_leaves_no_temporary_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The odd thread fails half-way; the even one goes on a little: nothing is renamed, every
    file either thread made is gone, and the failure is what `apply_changes` raises."""
    changes = batch(300)
    for change in changes:
        (tmp_path / change.path).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / change.path).write_bytes(b"old\n")
    bad = changes[151].path  # the odd thread's

    def write_temp(
        target: Any, content: bytes, mode: Any = None, flush: bool = False, named: bool = False
    ) -> str:
        if str(target).endswith(bad):
            raise WriteError("cannot write: No space left on device; the file is unchanged", bad)
        return real_write(target, content, mode, flush, named)

    real_write = temps_module.write_temp
    patch_write_temp(monkeypatch, write_temp)
    staging = Staging(tmp_path)
    staging.stage(changes, flush=False)
    staging.stage(batch(200, "more"), flush=False)  # a later batch stages nothing
    assert staging.failure is not None and staging.failure.path == bad
    assert not (tmp_path / "more").exists() or temps_in(tmp_path / "more") == []
    with pytest.raises(WriteError, match="No space left"):
        apply_changes(tmp_path, changes, staging)
    assert all((tmp_path / c.path).read_bytes() == b"old\n" for c in changes)
    assert temps_in(tmp_path) == []


def test_threads_and_one_by_one_stage_the_same_files(tmp_path: Path) -> None:
    """127 changes staged at once (two threads share them) and one at a time: the same
    temporary files' contents, and `apply_changes` writes the same tree."""
    changes = [*batch(120), *(FileChange(f"deep/a/b/c{n}/x.md", b"x", "output") for n in range(7))]
    one, two = tmp_path / "one", tmp_path / "two"
    for root, parts in ((one, [[c] for c in changes]), (two, [changes])):
        root.mkdir()
        staging = Staging(root)
        for part in parts:
            staging.stage(part, flush=False)
        assert set(staging.holding(changes)) == {c.path for c in changes}
        applied = apply_changes(root, changes, staging)
        assert applied.written == tuple(c.path for c in changes)
        assert temps_in(root) == []
    assert sorted(str(p.relative_to(one)) for p in one.rglob("*")) == sorted(
        str(p.relative_to(two)) for p in two.rglob("*")
    )


# --- 2. `apply_changes` trusts its one lstat of a staged file -------------------------------------


def test_a_staged_new_file_replaced_by_a_symlink_out_of_the_repository_is_refused(tmp_path: Path) -> None:
    repo, outside = tmp_path / "repo", tmp_path / "outside"
    repo.mkdir()
    outside.mkdir()
    secret = outside / "secret.txt"
    secret.write_bytes(b"not the tool's")
    changes = batch(130)
    staging = Staging(repo)
    staging.stage(changes, flush=False)
    (repo / changes[3].path).symlink_to(secret)  # meanwhile
    with pytest.raises(WriteError, match="is a symlink"):
        apply_changes(repo, changes, staging)
    staging.discard()
    assert secret.read_bytes() == b"not the tool's"
    assert not any((repo / c.path).is_file() and not (repo / c.path).is_symlink() for c in changes)
    assert temps_in(repo) == []


def test_a_staged_file_replaced_by_a_symlink_to_a_file_of_the_repository_is_refused(tmp_path: Path) -> None:
    (tmp_path / "docs").mkdir()
    source = tmp_path / "docs" / "guide.md"
    source.write_bytes(b"# Hand-written\n")
    change = FileChange("site/tr/guide.md", b"# Rendered\n", "output")
    (tmp_path / "site" / "tr").mkdir(parents=True)
    (tmp_path / "site" / "tr" / "guide.md").write_bytes(b"old render\n")
    staging = Staging(tmp_path)
    staging.stage([change, *batch(100)], flush=False)
    (tmp_path / "site" / "tr" / "guide.md").unlink()
    (tmp_path / "site" / "tr" / "guide.md").symlink_to(source)
    with pytest.raises(WriteError, match="is a symlink"):
        apply_changes(tmp_path, [change], staging)
    staging.discard()
    assert source.read_bytes() == b"# Hand-written\n"
    assert temps_in(tmp_path) == []


def test_a_staged_files_folder_replaced_by_a_symlink_out_of_the_repository_is_refused(tmp_path: Path) -> None:
    repo, outside = tmp_path / "repo", tmp_path / "outside"
    repo.mkdir()
    outside.mkdir()
    changes = batch(130, "site")
    staging = Staging(repo)
    staging.stage(changes, flush=False)  # makes site/f0 .. site/f4
    moved = tmp_path / "moved"
    (repo / "site" / "f2").rename(moved)
    (repo / "site" / "f2").symlink_to(outside)  # the staged files' folder, now out of the repository
    with pytest.raises(WriteError, match="outside the repository"):
        apply_changes(repo, changes, staging)
    staging.discard()
    assert list(outside.iterdir()) == []
    assert temps_in(repo) == []  # (the moved folder's own are the mover's: discard looks where it staged)


# --- 3. `Folders.absent` ---------------------------------------------------------------------------


def test_a_dangling_folder_symlink_out_of_the_repository_is_never_absent_but_refused(tmp_path: Path) -> None:
    repo, outside = tmp_path / "repo", tmp_path / "outside"
    repo.mkdir()
    (repo / "site").symlink_to(outside / "not-yet")  # dangling, and out of the repository
    folders = Folders(repo)
    assert not folders.absent("site")
    assert read_many(repo, ["site/a.md"], folders=folders) is None
    with pytest.raises(WriteError, match="outside the repository"):
        check_target(repo, "site/a.md", folders)
    staging = Staging(repo)
    staging.stage(batch(130, "site"))
    with pytest.raises(WriteError, match="outside the repository"):
        apply_changes(repo, batch(130, "site"), staging)
    staging.discard()
    assert not outside.exists()


def test_a_folder_made_by_staging_is_looked_into_by_apply(tmp_path: Path) -> None:
    """Staging makes `site/f0` (absent when the run began); a symlink put in it afterwards is
    seen by `apply_changes`, whose `Folders` is its own."""
    changes = batch(130)
    staging = Staging(tmp_path)
    staging.stage(changes[1:], flush=False)  # changes[0] is not staged
    (tmp_path / "elsewhere.md").write_bytes(b"mine")
    (tmp_path / changes[0].path).symlink_to(tmp_path / "elsewhere.md")
    with pytest.raises(WriteError, match="is a symlink"):
        apply_changes(tmp_path, changes, staging)
    staging.discard()
    assert (tmp_path / "elsewhere.md").read_bytes() == b"mine"
    assert temps_in(tmp_path) == []


def test_an_existing_file_in_a_folder_reached_by_a_symlink_is_read(tmp_path: Path) -> None:
    """A folder name that is a symlink to a folder of the repository is not absent: the file
    there holds the bytes already and is not rewritten (nor called missing)."""
    (tmp_path / "real").mkdir()
    (tmp_path / "real" / "a.md").write_bytes(b"same")
    (tmp_path / "alias").symlink_to("real")
    folders = Folders(tmp_path)
    assert read_many(tmp_path, ["alias/a.md"], folders=folders) == {"alias/a.md": b"same"}
    applied = apply_changes(tmp_path, [FileChange("alias/a.md", b"same", "output")])
    assert applied.current == ("alias/a.md",) and applied.written == ()


# --- 4. The job cache ------------------------------------------------------------------------------


def test_renderings_follow_every_translation_change_with_the_cache(tmp_path: Path) -> None:
    """A sync keeps no merge whose catalogue it rewrites, nor its renderings; runs of every kind
    (sync, --check, render only, one language) after translations change give what a run
    without the cache gives."""
    root = make_docs(tmp_path, count=70)  # 210 outputs: staged in batches, by two threads
    assert invoke(root, "sync").exit_code == 0
    tr = root / "locales" / "tr" / "part" / "guide1.po"
    for step, text in enumerate((TR.format(number=1), TR.format(number=1).replace("Kılavuz", "Rehber"))):
        tr.write_text(text, encoding="utf-8")
        assert invoke(root, "sync", "--check").exit_code == 1  # keeps what it made, writes nothing
        cached = report_bytes(run(load_config(root), ("render",)))
        assert cached == report_bytes(run(load_config(root), ("render",), NO_CACHE)), step
        assert invoke(root, "sync", "--lang", "tr").exit_code == 0
        assert invoke(root, "sync").exit_code == 0
        expected = report_bytes(run(load_config(root), environ=NO_CACHE))
        assert all((root / path).read_bytes() == content for path, content in expected), step
        output = (root / "site" / "tr" / "part" / "guide1.md").read_text(encoding="utf-8")
        assert ("# Rehber 1" if step else "# Kılavuz 1") in output
    # The translation reverted to the first one: bytes a --check run had seen, kept under them.
    tr.write_text(TR.format(number=1), encoding="utf-8")
    assert invoke(root, "sync").exit_code == 0
    assert "# Kılavuz 1" in (root / "site" / "tr" / "part" / "guide1.md").read_text(encoding="utf-8")
    assert report_bytes(run(load_config(root))) == report_bytes(run(load_config(root), environ=NO_CACHE))
    assert temps_in(root) == []


def test_one_worker_and_two_write_the_same_tree_with_threads_and_cache(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    trees = []
    for workers in ("1", "2"):
        (tmp_path / workers).mkdir()
        root = make_docs(tmp_path / workers, count=70)
        (root / "locales" / "tr" / "part").mkdir(parents=True)
        (root / "locales" / "tr" / "part" / "guide1.po").write_text(TR.format(number=1), encoding="utf-8")
        monkeypatch.setenv("I18N_SYNC_JOBS", workers)
        assert invoke(root, "sync").exit_code == 0
        assert invoke(root, "sync").exit_code == 0
        trees.append({str(p.relative_to(root)): p.read_bytes() for p in root.rglob("*") if p.is_file()})
    assert trees[0] == trees[1]


def test_a_sync_that_fills_the_disk_while_staging_outputs_writes_nothing(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """210 outputs staged in batches by two threads; the German outputs cannot be written. The
    run fails, renames nothing, and leaves no temporary file."""
    root = make_docs(tmp_path, count=70)
    before = {str(p.relative_to(root)): p.read_bytes() for p in root.rglob("*") if p.is_file()}
    real_create = temps_module._create_temp

    def create_temp(folder: str, name: str | None = None) -> tuple[int, str]:
        # site/ is written whole in a folder of the tool's own: a German output is named there.
        german = folder.endswith("/de") and name is not None and name.endswith(".md")
        if "/site/de" in folder or german:
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
        return real_create(folder, name)

    monkeypatch.setattr(temps_module, "_create_temp", create_temp)
    result = invoke(root, "sync")
    assert result.exit_code != 0
    assert "No space left on device" in result.stderr
    after = {str(p.relative_to(root)): p.read_bytes() for p in root.rglob("*") if p.is_file()}
    assert after == before


def test_a_sync_on_a_full_disk_names_the_same_file_every_time(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The command line on a full disk: the first run's 280 templates and catalogues are staged
    by two threads, and the error must not depend on which thread failed last."""
    monkeypatch.setenv(CACHE_VARIABLE, "off")
    root = make_docs(tmp_path, count=70)

    def create_temp(folder: str, name: str | None = None) -> tuple[int, str]:
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

    monkeypatch.setattr(temps_module, "_create_temp", create_temp)
    errors = set()
    for _ in range(20):
        result = invoke(root, "sync")
        assert result.exit_code != 0
        errors.add(result.stderr)
    assert len(errors) == 1, sorted(errors)
    assert temps_in(root) == []
