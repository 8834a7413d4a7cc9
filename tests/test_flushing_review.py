"""Review of `project.flushing` (one `syncfs` per file system instead of an `fsync` per file):
cases where a file is renamed over its target without its bytes being known to be on the disk,
or where the run fails or reports differently because `syncfs` is used. The disk is faked, so
each case runs the same on any machine; nothing here measures time."""

from __future__ import annotations

import errno
import os
import sys
import threading
from pathlib import Path

import pytest

from helpers import fake_syncfs, temps_in
from i18n_sync.errors import WriteError
from i18n_sync.model import FileChange
from i18n_sync.project import flushing
from i18n_sync.project.staging import Staging
from i18n_sync.project.writing import apply_changes
from test_flushing import another_disk

MANY = flushing._MANY


def outputs(count: int, folder: str = "site", stem: str = "doc") -> list[FileChange]:
    return [FileChange(f"{folder}/{stem}{n}.md", f"{stem} {n}\n".encode(), "output") for n in range(count)]


class ErrseqDisk:
    """One file system as Linux 5.8+ reports its write-back errors.

    Writing a file back (by `syncfs`, which writes back every dirty file of the file system, or
    by the file's own `fsync`) fails for the file holding `bad`. A failure is recorded twice, as
    `mapping_set_error` does: on the file, reported once by an `fsync` of it; and on the file
    system (`sb->s_wb_err`), which `syncfs` reports once per handle (`f_sb_err`, sampled when
    the handle is opened, and advanced by each `syncfs` on it: errseq_check_and_advance). A
    failed page is not dirty any more: it is not written back again. The first `syncfs` waits
    until `let_first_sync_run` is set, as a disk busy with an earlier batch would."""

    def __init__(self, root: Path, bad: bytes) -> None:
        self.root, self.bad = root, bad
        self.lock = threading.Lock()
        self.sb_err = 0  # write-back errors of the file system so far
        self.seen_upto = 0  # the last count some `syncfs` reported (errseq's "seen")
        self.cursors: dict[int, int] = {}  # directory handle -> f_sb_err
        self.written_back: set[int] = set()  # inodes
        self.failed: set[int] = set()  # inodes whose failure no fsync reported yet
        self.syncfs_calls = 0
        self.let_first_sync_run = threading.Event()
        self.real_open = os.open

    def open(self, path: object, flags: int, *args: object, **kwargs: object) -> int:
        handle = self.real_open(path, flags, *args, **kwargs)  # type: ignore[arg-type]
        if flags & getattr(os, "O_DIRECTORY", 0):
            with self.lock:  # errseq_sample: an error nobody has seen is reported to the new handle
                self.cursors[handle] = self.seen_upto
        return handle

    def _write_back(self, inode: int, content: bytes) -> None:
        if inode in self.written_back:
            return
        self.written_back.add(inode)
        if content == self.bad:
            self.failed.add(inode)
            self.sb_err += 1

    def syncfs(self, handle: int) -> int:
        with self.lock:
            self.syncfs_calls += 1
            first = self.syncfs_calls == 1
        if first:
            self.let_first_sync_run.wait(30)  # a guard against a hang, not a measure
        with self.lock:
            for temp in temps_in(self.root):
                self._write_back(temp.stat().st_ino, temp.read_bytes())
            seen = self.cursors.get(handle, 0)
            self.cursors[handle] = self.sb_err
            if seen != self.sb_err:
                self.seen_upto = self.sb_err
                return -1
            return 0

    def fsync(self, handle: int) -> None:
        found = os.fstat(handle)
        with self.lock:
            self._write_back(found.st_ino, os.pread(handle, found.st_size + 1, 0))
            if found.st_ino in self.failed:
                self.failed.discard(found.st_ino)
                raise OSError(errno.EIO, os.strerror(errno.EIO))


def test_a_syncfs_that_failed_for_a_later_batch_file_does_not_hide_that_files_error(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Defect: the run keeps one handle per file system and `syncfs` advances that handle's
    error cursor each time it reports an error. `Staging` flushes a batch in the background
    while it writes the next: the `syncfs` of batch 1 writes back everything dirty on the file
    system, batch 2's files too, and so meets (and consumes) the failure of batch 2's file.
    Batch 1's fallback `fsync`s all succeed (the error was not theirs), and the `syncfs` of
    batch 2, on the same handle, then reports nothing: the file whose bytes never reached the
    disk is renamed over its target and the run reports success. Its error must be reported,
    naming it, and nothing renamed."""
    first = outputs(2 * MANY, "site", "doc")
    second = outputs(2 * MANY, "site", "more")
    bad = second[5]
    disk = ErrseqDisk(tmp_path, bad.content)
    fake_syncfs(monkeypatch, disk.syncfs)
    monkeypatch.setattr(os, "fsync", disk.fsync)
    monkeypatch.setattr(os, "open", disk.open)
    staging = Staging(tmp_path)
    try:
        staging.stage(first)  # flushed in the background: its syncfs waits for the disk
        staging.stage(second, flush=False)  # the run goes on: the next batch is written
    finally:
        disk.let_first_sync_run.set()
    with pytest.raises(WriteError) as raised:
        apply_changes(tmp_path, first + second, staging)
    assert raised.value.path == bad.path
    assert not (tmp_path / bad.path).exists()
    assert sorted(p.name for p in (tmp_path / "site").iterdir()) == []


def test_the_file_named_on_a_failing_disk_does_not_depend_on_syncfs(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Defect: `writing._flush` raises the errors of the `syncfs` groups before those of the
    files flushed one by one, whatever their order: with the first file in a folder on another
    file system (flushed by file), a disk where everything fails names a file of the synced
    group, while the same run where `syncfs` is not used (another kernel) names the first file,
    as one thread flushing the files in order would. The file named must not depend on it."""

    def fsync(handle: int) -> None:
        raise OSError(errno.EIO, os.strerror(errno.EIO))

    another_disk(monkeypatch, "other")
    monkeypatch.setattr(os, "fsync", fsync)
    changes = [FileChange("other/first.md", b"first\n", "output"), *outputs(MANY, "site")]
    named = []
    for name, syncfs in (("by-file", None), ("synced", lambda handle: -1)):
        fake_syncfs(monkeypatch, syncfs)
        root = tmp_path / name
        root.mkdir()
        with pytest.raises(WriteError) as raised:
            apply_changes(root, changes)
        named.append(raised.value.path)
    assert named == ["other/first.md", "other/first.md"]


def test_without_ctypes_files_are_flushed_one_by_one(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Defect: `_load_syncfs` imports `ctypes` outside its try: a Python built without
    `_ctypes` (minimal builds, some containers) raises ImportError from `Flusher.watch`, so
    every run that writes a file crashes (a traceback), where it should flush file by file."""
    if not hasattr(os, "uname"):
        pytest.skip("no os.uname here")
    real = os.uname()
    monkeypatch.setattr(sys, "platform", "linux")
    monkeypatch.setattr(os, "uname", lambda: os.uname_result((*real[:2], "6.1.0", *real[3:])))
    monkeypatch.setitem(sys.modules, "ctypes", None)  # `import ctypes` raises ImportError
    flushing._load_syncfs.cache_clear()
    flushing._syncfs_expected.cache_clear()
    try:
        applied = apply_changes(tmp_path, outputs(2 * MANY))
    finally:
        flushing._load_syncfs.cache_clear()
        flushing._syncfs_expected.cache_clear()
    assert len(applied.written) == 2 * MANY
    assert (tmp_path / "site" / "doc0.md").read_bytes() == b"doc 0\n"


def test_ext2_is_flushed_file_by_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Defect: ext2 is in `_SYNCS_WELL` ("syncfs ... flushes the disk's cache"), but ext2's
    ->sync_fs (ext2_sync_fs) only writes its superblock, and `sync_filesystem` issues no cache
    flush: on a disk with a volatile write cache, `syncfs` leaves the files in that cache,
    where `fsync` (generic_file_fsync / generic_buffers_fsync) ends with blkdev_issue_flush."""
    synced: list[int] = []
    flushed: list[int] = []

    def syncfs(handle: int) -> int:
        synced.append(handle)
        return 0

    real_fsync = os.fsync

    def fsync(handle: int) -> None:
        flushed.append(handle)
        real_fsync(handle)

    fake_syncfs(monkeypatch, syncfs, "ext2")
    monkeypatch.setattr(os, "fsync", fsync)
    applied = apply_changes(tmp_path, outputs(2 * MANY))
    assert len(applied.written) == 2 * MANY
    assert synced == [] and len(flushed) == 2 * MANY
