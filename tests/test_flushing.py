"""Flushing a run's many new files with one `syncfs` per file system (`project.flushing`):
where it is used, where it is not, and that a failing `syncfs` falls back to a flush per file
that names the file. The disk is faked (`fake_syncfs`), so each case runs on any machine; the
last tests call the real `syncfs` where the machine has it."""

from __future__ import annotations

import errno
import os
import sys
import threading
from pathlib import Path

import pytest

from helpers import docs_project, fake_syncfs, invoke, patch_write_temp, temps_in
from i18n_sync.errors import WriteError
from i18n_sync.model import FileChange
from i18n_sync.project import flushing
from i18n_sync.project import temps as temps_module
from i18n_sync.project.flushing import Flusher, parse_mountinfo
from i18n_sync.project.staging import Staging
from i18n_sync.project.writing import apply_changes

MANY = flushing._MANY


class Disk:
    """A fake disk: the handles `syncfs` was called with, the files `fsync` flushed (by inode),
    and which of them fail."""

    def __init__(self, syncfs_fails: bool = False, fsync_fails: bool = False) -> None:
        self.synced: list[int] = []
        self.flushed: list[int] = []
        self.syncfs_fails, self.fsync_fails = syncfs_fails, fsync_fails
        self.real_fsync = os.fsync
        self.lock = threading.Lock()

    def syncfs(self, handle: int) -> int:
        assert os.path.isdir(f"/proc/self/fd/{handle}") if sys.platform == "linux" else True
        with self.lock:
            self.synced.append(handle)
        return -1 if self.syncfs_fails else 0

    def fsync(self, handle: int) -> None:
        with self.lock:
            self.flushed.append(os.fstat(handle).st_ino)
        if self.fsync_fails:
            raise OSError(errno.EIO, os.strerror(errno.EIO))
        self.real_fsync(handle)


@pytest.fixture
def disk(monkeypatch: pytest.MonkeyPatch) -> Disk:
    found = Disk()
    fake_syncfs(monkeypatch, found.syncfs)
    monkeypatch.setattr(os, "fsync", found.fsync)
    return found


def outputs(count: int, folder: str = "site") -> list[FileChange]:
    return [FileChange(f"{folder}/doc{n}.md", f"output {n}\n".encode(), "output") for n in range(count)]


def open_handles() -> set[str]:
    return set(os.listdir("/proc/self/fd")) if os.path.isdir("/proc/self/fd") else set()


def another_disk(monkeypatch: pytest.MonkeyPatch, name: str) -> None:
    """`os.stat` says a folder called `name` is on another disk than it is."""
    real_stat = os.stat

    def stat(path: str, *args: object, **kwargs: object) -> os.stat_result:
        found = real_stat(path, *args, **kwargs)  # type: ignore[arg-type]
        if not isinstance(path, (str, os.PathLike)) or os.path.basename(os.fspath(path)) != name:
            return found
        return os.stat_result((*found[:2], found.st_dev + 1, *found[3:]))

    monkeypatch.setattr(os, "stat", stat)


def test_many_staged_files_are_flushed_with_one_syncfs_and_no_fsync(tmp_path: Path, disk: Disk) -> None:
    changes = outputs(3 * MANY, "site") + outputs(2 * MANY, "locales")
    before = open_handles()
    staging = Staging(tmp_path)
    staging.stage(changes)
    applied = apply_changes(tmp_path, changes, staging)
    assert len(applied.written) == 5 * MANY
    assert disk.synced and disk.flushed == []
    assert (tmp_path / "site" / "doc0.md").read_bytes() == b"output 0\n"
    assert temps_in(tmp_path) == []
    assert open_handles() == before  # the file system's handle is closed with the staging


def test_apply_changes_without_staging_syncs_too_and_closes_its_handle(tmp_path: Path, disk: Disk) -> None:
    before = open_handles()
    applied = apply_changes(tmp_path, outputs(MANY))
    assert len(applied.written) == MANY
    assert len(disk.synced) == 1 and disk.flushed == []
    assert open_handles() == before


def test_fewer_files_than_many_are_flushed_one_by_one(tmp_path: Path, disk: Disk) -> None:
    applied = apply_changes(tmp_path, outputs(MANY - 1))
    assert len(applied.written) == MANY - 1
    assert disk.synced == [] and len(disk.flushed) == MANY - 1


def test_two_folders_of_one_file_system_count_together(tmp_path: Path, disk: Disk) -> None:
    """The count is per file system: two folders of one file system make one batch."""
    flusher = Flusher()
    for folder in ("a", "b"):
        (tmp_path / folder).mkdir()
        flusher.watch(str(tmp_path / folder))
    items = [(f"a/{n}", str(tmp_path / "a" / f"t{n}")) for n in range(MANY - 1)]
    items += [("b/0", str(tmp_path / "b" / "t0")), ("c/0", str(tmp_path / "c" / "t0"))]
    synced, rest = flusher.split(items)
    assert [group for _, group in synced] == [items[:MANY]]  # a and b: MANY on one file system
    assert rest == [items[-1]]  # c was never watched
    flusher.close()


def test_a_file_system_with_few_files_is_flushed_by_file_beside_one_with_many(
    tmp_path: Path, disk: Disk, monkeypatch: pytest.MonkeyPatch
) -> None:
    another_disk(monkeypatch, "other")
    flusher = Flusher()
    for folder in ("a", "other"):
        (tmp_path / folder).mkdir()
        flusher.watch(str(tmp_path / folder))
    many = [(f"a/{n}", str(tmp_path / "a" / f"t{n}")) for n in range(MANY)]
    few = [(f"other/{n}", str(tmp_path / "other" / f"t{n}")) for n in range(MANY - 1)]
    synced, rest = flusher.split([*few, *many])
    assert [group for _, group in synced] == [many]
    assert rest == few
    flusher.close()


def test_a_failed_syncfs_is_followed_by_a_flush_of_each_file(tmp_path: Path, disk: Disk) -> None:
    """The error was another file's, or the disk's: each file's own flush tells, and here
    every one succeeds, so the run writes its files."""
    disk.syncfs_fails = True
    changes = outputs(2 * MANY)
    staging = Staging(tmp_path)
    staging.stage(changes)
    applied = apply_changes(tmp_path, changes, staging)
    assert len(applied.written) == 2 * MANY
    assert disk.synced and len(disk.flushed) == 2 * MANY


def test_the_flush_after_a_failed_syncfs_is_shared_between_threads(
    tmp_path: Path, disk: Disk, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A batch is thousands of files: one thread would wait for a disk commit after each."""
    disk.syncfs_fails = True
    threads: set[int] = set()
    fsync = disk.fsync

    def counted(handle: int) -> None:
        threads.add(threading.get_ident())
        fsync(handle)

    monkeypatch.setattr(os, "fsync", counted)
    flusher = Flusher()
    flusher.watch(str(tmp_path))
    items = []
    for number in range(4 * MANY):
        temp = tmp_path / f"t{number}"
        temp.write_bytes(b"x")
        items.append((f"t{number}", str(temp)))
    flushed: list[str] = []
    lock = threading.Lock()

    def flush_each(share: object) -> None:
        for path, temp in share:  # type: ignore[attr-defined]
            temps_module.flush_one((path, temp))
            with lock:
                flushed.append(path)

    tasks = flusher.tasks(items, flush_each)
    assert len(tasks) == 1  # one syncfs for the batch
    tasks[0]()
    assert sorted(flushed) == sorted(path for path, _ in items)
    assert len(disk.synced) == 1 and len(disk.flushed) == 4 * MANY
    assert len(threads) > 1
    flusher.close()


@pytest.mark.parametrize("staged", [True, False])
def test_a_disk_failing_syncfs_and_fsync_names_the_first_file_and_changes_nothing(
    tmp_path: Path, disk: Disk, staged: bool
) -> None:
    disk.syncfs_fails = disk.fsync_fails = True
    (tmp_path / "site").mkdir()
    (tmp_path / "site" / "doc0.md").write_bytes(b"before")
    changes = outputs(2 * MANY)
    staging = Staging(tmp_path) if staged else None
    if staging is not None:
        staging.stage(changes)
    with pytest.raises(WriteError) as raised:
        apply_changes(tmp_path, changes, staging)
    assert raised.value.path == "site/doc0.md"
    assert (tmp_path / "site" / "doc0.md").read_bytes() == b"before"
    assert sorted(p.name for p in (tmp_path / "site").iterdir()) == ["doc0.md"]


def test_a_run_on_a_failing_disk_changes_nothing_and_names_a_file(tmp_path: Path, disk: Disk) -> None:
    (tmp_path / "repo").mkdir()
    root = docs_project(tmp_path / "repo", ("tr", "zh-CN"), pages=20)
    disk.syncfs_fails = disk.fsync_fails = True
    result = invoke(root, "sync")
    assert result.exit_code == 1
    assert ": cannot write: " in result.stderr and result.stderr.startswith("Error: ")
    assert "Traceback" not in result.output + result.stderr
    files = sorted(path.relative_to(root).parts[0] for path in root.rglob("*") if not path.is_dir())
    assert set(files) == {"docs", "i18n-sync.toml"}  # the folders made for the new files stay, empty


def test_the_same_files_with_syncfs_and_without_it(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # One date for both runs: a template's creation date is the minute it was made.
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1764000000")
    trees = []
    synced: list[int] = []
    for name, syncfs in (("synced", lambda handle: synced.append(handle) or 0), ("by-file", None)):
        fake_syncfs(monkeypatch, syncfs)
        (tmp_path / name).mkdir()
        root = docs_project(tmp_path / name, ("tr", "zh-CN"), pages=30)
        assert invoke(root, "sync").exit_code == 0
        trees.append({p.relative_to(root): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()})
    assert trees[0] == trees[1]
    assert len(trees[0]) > 3 * 30
    assert synced  # the first run did use it


@pytest.mark.parametrize("kind", ["fuse", "nfs4", "9p", "overlay", "f2fs"])
def test_a_file_system_not_known_to_sync_well_is_flushed_file_by_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, kind: str
) -> None:
    disk = Disk()
    fake_syncfs(monkeypatch, disk.syncfs, kind)
    monkeypatch.setattr(os, "fsync", disk.fsync)
    apply_changes(tmp_path, outputs(2 * MANY))
    assert disk.synced == [] and len(disk.flushed) == 2 * MANY


def test_much_unwritten_data_on_the_machine_means_a_flush_per_file(
    tmp_path: Path, disk: Disk, monkeypatch: pytest.MonkeyPatch
) -> None:
    """syncfs would wait for another program's unwritten gigabytes."""
    monkeypatch.setattr(flushing, "_unwritten", lambda: flushing._UNWRITTEN_LIMIT + 1)
    apply_changes(tmp_path, outputs(2 * MANY))
    assert disk.synced == [] and len(disk.flushed) == 2 * MANY


def test_the_unwritten_data_is_read_again_only_once_its_reading_is_old(
    tmp_path: Path, disk: Disk, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Batch after batch asks whether syncfs may flush them; the machine's unwritten data is
    read for the first, and again once that reading is half a second old."""
    readings: list[int] = []
    monkeypatch.setattr(flushing, "_unwritten", lambda: readings.append(0) or 0)
    clock = [1000.0]
    monkeypatch.setattr(flushing.time, "monotonic", lambda: clock[0])
    flusher = Flusher()
    flusher.watch(str(tmp_path))
    items = [(index, str(tmp_path / f".tmp{index}")) for index in range(MANY)]
    for _ in range(3):
        synced, rest = flusher.split(items)
        assert len(synced) == 1 and rest == []
    assert len(readings) == 1
    clock[0] += flushing._UNWRITTEN_EVERY
    flusher.split(items)
    assert len(readings) == 2
    flusher.close()


def test_each_folders_handle_is_taken_before_its_first_file_is_written(
    tmp_path: Path, disk: Disk, monkeypatch: pytest.MonkeyPatch
) -> None:
    """`syncfs` reports a write-back error that came after its handle was opened: a handle
    opened after a file was written could miss that file's error."""
    events: list[tuple[str, str]] = []
    real_watch, real_write, real_open = Flusher.watch, temps_module.write_temp, os.open

    def open_folder(path: str, flags: int, *args: object, **kwargs: object) -> int:
        if flags & getattr(os, "O_DIRECTORY", 0):
            events.append(("open", str(path)))
        return real_open(path, flags, *args, **kwargs)  # type: ignore[arg-type]

    def watch(self: Flusher, folder: str) -> None:
        events.append(("watch", folder))
        real_watch(self, folder)

    def write(target: str | Path, *args: object, **kwargs: object) -> str:
        events.append(("write", os.path.dirname(target)))
        return real_write(target, *args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(Flusher, "watch", watch)
    monkeypatch.setattr(os, "open", open_folder)
    patch_write_temp(monkeypatch, write)
    staged = outputs(MANY, "staged/a") + outputs(MANY, "staged/b")
    staging = Staging(tmp_path)
    staging.stage(staged)
    apply_changes(tmp_path, [*staged, *outputs(MANY, "late")], staging)
    written = [folder for kind, folder in events if kind == "write"]
    assert {Path(folder).name for folder in written} == {"a", "b", "late"}
    for folder in set(written):
        assert events.index(("watch", folder)) < events.index(("write", folder)), folder
    # One handle for the file system, opened in the first folder watched, before any write.
    opened = [index for index, (kind, _) in enumerate(events) if kind == "open"]
    assert len(opened) == 1 and opened[0] < events.index(("write", written[0]))
    assert len(disk.synced) >= 2 and disk.flushed == []


def test_a_closed_flusher_flushes_file_by_file_and_opens_nothing(tmp_path: Path, disk: Disk) -> None:
    flusher = Flusher()
    flusher.watch(str(tmp_path))
    items = [(str(n), str(tmp_path / f"t{n}")) for n in range(MANY)]
    ((handle, _),) = flusher.split(items)[0]
    flusher.close()
    flusher.close()
    assert flusher.sync(handle) is False  # the number may be another file's by now
    before = open_handles()
    (tmp_path / "new").mkdir()
    flusher.watch(str(tmp_path / "new"))
    assert open_handles() == before
    assert flusher.split(items) == ([], items)
    assert disk.synced == []


def test_mountinfo_gives_each_devices_type() -> None:
    text = (
        "22 1 253:1 / / rw,relatime shared:1 - ext4 /dev/vda1 rw\n"
        "30 22 0:26 / /dev/shm rw,nosuid,nodev shared:4 master:2 - tmpfs tmpfs rw\n"
        "31 22 0:40 / /mnt/with\\040space rw - fuse.sshfs host:/ rw,user_id=0\n"
        "40 22 253:1 /srv /srv rw - ext4 /dev/vda1 rw\n"
        "broken line\n"
    )
    assert parse_mountinfo(text) == {
        os.makedev(253, 1): "ext4",
        os.makedev(0, 26): "tmpfs",
        os.makedev(0, 40): "fuse.sshfs",
    }


@pytest.mark.parametrize(
    ("release", "found"),
    [
        *[(release, False) for release in ("5.4.0-150-generic", "5.8.0", "5.10.0-28-amd64", "5.16.20")],
        *[(release, True) for release in ("5.17.0", "6.18.4-x")],
    ],
)
def test_syncfs_is_used_from_linux_5_17_on(
    monkeypatch: pytest.MonkeyPatch, release: str, found: bool
) -> None:
    """Until 5.8 `syncfs` reports no write-back error; until 5.17 (commit 5679897eb104) it
    ignores a failure of the file system's own sync (ext4's journal commit, XFS's log)."""
    if not sys.platform.startswith("linux"):
        pytest.skip("syncfs is Linux's")
    real = os.uname()
    monkeypatch.setattr(os, "uname", lambda: os.uname_result((*real[:2], release, *real[3:])))
    flushing._load_syncfs.cache_clear()
    flushing._syncfs_expected.cache_clear()
    try:
        assert (flushing._load_syncfs() is not None) is found
    finally:
        flushing._load_syncfs.cache_clear()
        flushing._syncfs_expected.cache_clear()


def test_elsewhere_there_is_no_syncfs(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(sys, "platform", "darwin")
    flushing._load_syncfs.cache_clear()
    flushing._syncfs_expected.cache_clear()
    try:
        assert flushing._load_syncfs() is None
    finally:
        flushing._load_syncfs.cache_clear()
        flushing._syncfs_expected.cache_clear()


def test_the_real_syncfs_flushes_a_batch_on_this_machine(tmp_path: Path) -> None:
    """No fakes: where Linux has syncfs and the temporary folder's file system is one it
    serves well, a batch is synced with it, and it succeeds."""
    syncfs = flushing._load_syncfs()
    if syncfs is None:
        pytest.skip("no syncfs here (Linux 5.8 or later has it)")
    kind = flushing._file_system_types().get(tmp_path.stat().st_dev)
    if kind not in flushing._SYNCS_WELL:
        pytest.skip(f"the temporary folder is on {kind}, flushed file by file")
    flusher = Flusher()
    flusher.watch(str(tmp_path))
    items = [(str(n), str(tmp_path / f"t{n}")) for n in range(MANY)]
    if flushing._unwritten() > flushing._UNWRITTEN_LIMIT:
        pytest.skip("this machine holds too much unwritten data right now")
    synced, rest = flusher.split(items)
    assert rest == [] and len(synced) == 1
    assert flusher.sync(synced[0][0]) is True
    flusher.close()


def test_watching_a_folder_loads_no_syncfs_until_a_batch_is_synced(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A run that writes nothing watches its folders all the same: libc's `syncfs` (ctypes, some
    2 ms) is loaded only by the first `sync`; where it then cannot be, the batch is flushed
    file by file (`_sync_or`)."""
    loads: list[int] = []

    def load() -> None:
        loads.append(1)
        return None

    monkeypatch.setattr(flushing, "_syncfs_expected", lambda: True)
    monkeypatch.setattr(flushing, "_load_syncfs", load)
    monkeypatch.setattr(flushing, "_file_system_types", lambda: {tmp_path.stat().st_dev: "ext4"})
    monkeypatch.setattr(flushing, "_unwritten", lambda: 0)
    flusher = Flusher()
    flusher.watch(str(tmp_path))
    assert loads == [] and flusher.opened() == {tmp_path.stat().st_dev}
    items = [(str(n), str(tmp_path / f"t{n}")) for n in range(MANY)]
    for _, temp in items:
        Path(temp).write_bytes(b"x")
    flushed: list[object] = []
    for task in flusher.tasks(items, flushed.extend):
        task()
    assert loads == [1] and sorted(flushed) == sorted(items)  # no syncfs after all: each file
    flusher.close()


def test_a_file_system_whose_syncfs_failed_is_flushed_by_file_for_the_rest_of_the_run(
    tmp_path: Path, disk: Disk
) -> None:
    """The failed `syncfs` reported, once and to its handle only, an error that may be a later
    batch's file's: a new handle, even for a new folder, would not report it again."""
    disk.syncfs_fails = True
    flusher = Flusher()
    (tmp_path / "a").mkdir()
    flusher.watch(str(tmp_path / "a"))
    first = [(f"a/{n}", str(tmp_path / "a" / f"t{n}")) for n in range(MANY)]
    (synced,), _ = flusher.split(first)
    assert flusher.sync(synced[0]) is False
    (tmp_path / "b").mkdir()
    flusher.watch(str(tmp_path / "b"))
    later = [(f"b/{n}", str(tmp_path / "b" / f"t{n}")) for n in range(MANY)]
    assert flusher.split(first) == ([], first)
    assert flusher.split(later) == ([], later)
    assert len(disk.synced) == 1
    flusher.close()


def test_a_folder_replaced_between_its_stat_and_its_opening_gets_no_handle(
    tmp_path: Path, disk: Disk, monkeypatch: pytest.MonkeyPatch
) -> None:
    another_disk(monkeypatch, "swapped")  # what stat saw, not what was opened
    before = open_handles()
    flusher = Flusher()
    (tmp_path / "swapped").mkdir()
    flusher.watch(str(tmp_path / "swapped"))
    items = [(str(n), str(tmp_path / "swapped" / f"t{n}")) for n in range(MANY)]
    assert flusher.split(items) == ([], items)
    assert open_handles() == before
    flusher.close()
