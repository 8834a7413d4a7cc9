"""Flushing many new files to the disk at once: one `syncfs` per file system where it is safe.

A first run writes thousands of temporary files, and each must be on the disk
before it is renamed over its target. `fsync` on each costs the disk small
writes of the file and of its inode, on a virtual machine an exit to the host
each; one `syncfs` writes them all back in the kernel's own large batches and
commits once. A first sync in 21 languages on the ext4 disk of a 2-core
virtual machine, in turns: 1.44 s wall and 2.30 s of CPU with an `fsync` per
file, 1.21 s and 1.94 s with a `syncfs` per batch.

`syncfs` writes back all of a file system, other programs' files too, and on
some file systems it does less than `fsync`. So a batch of files is synced so
only where all of these hold (`Flusher.split`), and flushed file by file
(`temps.flush_one`) otherwise:

- Linux 5.17 or later: from 5.8 `syncfs` reports a write-back error of the
  file system since the handle it is given was opened (`watch` opens that
  handle before the run writes its first file in a folder; a folder a worker
  process made is synced only with a handle open before it forked, `adopt`),
  and from 5.17 also
  a failure of the file system's own commit (ext4's journal, XFS's log);
- a file system whose `syncfs` writes back the files and flushes the disk's
  cache (`_SYNCS_WELL`): not ext2, whose `syncfs` leaves the data in the disk's
  cache, nor FUSE or a network file system, where it may do nothing at all;
- the machine holds little unwritten data (`/proc/meminfo`), so that a run
  does not wait for another program's gigabytes;
- the batch has at least `_MANY` files on that file system.

A batch whose `syncfs` fails is flushed file by file after all: a failing
`fsync` names its file, and when every one succeeds, the files are on the
disk (the error was another file's). That file system is then flushed file by
file for the rest of the run: the failed `syncfs` wrote back every file there,
a later batch's too, and reported that file's error once, to this handle only,
so a later `syncfs` would not report it again; that file's own `fsync` does.
"""

from __future__ import annotations

import os
import sys
import threading
import time
from collections import Counter
from collections.abc import Callable, Collection, Sequence
from concurrent.futures import ThreadPoolExecutor
from functools import cache, partial
from typing import TypeVar

# File systems whose `syncfs` writes back every file and inode and flushes the disk's cache,
# reporting write-back errors (mapping_set_error records them for the whole file system).
# (A btrfs subvolume whose device number is not its mount's is not found: flushed by file.)
# Not f2fs: with checkpoints disabled its `syncfs` writes none, where `fsync` recovers.
_SYNCS_WELL = frozenset({"ext3", "ext4", "xfs", "btrfs", "tmpfs"})
# Fewer files than this on one file system are flushed one by one: `syncfs` would wait for
# whatever else is unwritten there, for little gain.
_MANY = 16
# More unwritten data on the machine than this (Dirty + Writeback), and `syncfs` would wait
# for others' files: each file is flushed alone.
_UNWRITTEN_LIMIT = 256 << 20
# How long a reading of the machine's unwritten data (`_unwritten`) stands. It moves slowly,
# and a reading, some 20 µs in a quiet process, took about 1 ms in a run's parent while the
# workers sent their results: a first sync of 28,000 files, flushed in 110 batches, spent
# 80-140 ms of the parent's time reading it.
_UNWRITTEN_EVERY = 0.5  # seconds
# A directory is opened to hold a file system's handle.
_FOLDER_FLAGS = os.O_RDONLY | getattr(os, "O_DIRECTORY", 0) | getattr(os, "O_CLOEXEC", 0)

# fsync one file after the other costs a disk commit each (2.7 s for 500 small files on
# ext4); issued together, the file system commits them in a few batches (0.2 s). So the
# files flushed one by one are shared between this many threads (`Flusher.tasks`).
FLUSH_THREADS = 32

_Item = TypeVar("_Item", bound=tuple[object, ...])


@cache
def _syncfs_expected() -> bool:
    """Whether libc's `syncfs` is for this system: Linux 5.17 or later (earlier, it misses
    errors: see above). Whether it can be loaded is known only when it is (`_load_syncfs`)."""
    if not sys.platform.startswith("linux"):
        return False
    try:
        version = tuple(int(part) for part in os.uname().release.split("-")[0].split(".")[:2])
    except ValueError:
        return False
    return version >= (5, 17)


@cache
def _load_syncfs() -> Callable[[int], int] | None:
    """libc's `syncfs` where it is for this system (`_syncfs_expected`); else None."""
    if not _syncfs_expected():
        return None
    try:
        # Only here, when a batch is to be flushed: importing ctypes took 2 ms of a render
        # that wrote nothing, when the folders were watched (`Flusher.watch`).
        import ctypes

        function = ctypes.CDLL(None, use_errno=True).syncfs
    except (ImportError, OSError, AttributeError):  # a Python without ctypes, a libc without it
        return None
    function.argtypes = [ctypes.c_int]
    function.restype = ctypes.c_int
    return function


def folder_of(temp: str) -> str:
    """The folder of a temporary file, as `watch` and `adopt` are given it: ``os.path.dirname``
    of a path made by joining a folder with a name, without its cost (a first run asks it of
    tens of thousands of files, in the process that gathers the workers' results)."""
    return temp.rpartition(os.sep)[0]


def _file_system_types() -> dict[int, str]:
    """The type of each mounted file system, by device number (`st_dev`), from /proc/self/mountinfo."""
    try:
        with open("/proc/self/mountinfo", encoding="utf-8", errors="replace") as file:
            return parse_mountinfo(file.read())
    except OSError:
        return {}


def parse_mountinfo(text: str) -> dict[int, str]:
    """Each file system's type by device number, from the text of a mountinfo file (proc(5))."""
    types: dict[int, str] = {}
    for line in text.splitlines():
        # 36 35 98:0 /mnt1 /mnt2 rw,noatime master:1 - ext3 /dev/root rw,errors=continue
        # (a path's spaces are written \040: " - " ends the optional fields)
        fields, _, rest = line.partition(" - ")
        numbers = fields.split(" ")[2:3]
        kind = rest.split(" ", 1)[0]
        if not numbers or not kind:
            continue
        major, _, minor = numbers[0].partition(":")
        if major.isdigit() and minor.isdigit():
            types.setdefault(os.makedev(int(major), int(minor)), kind)
    return types


def _unwritten() -> int:
    """Bytes of data the machine has yet to write to its disks (Dirty + Writeback); 0 if unknown."""
    total = 0
    try:
        with open("/proc/meminfo", encoding="ascii", errors="replace") as file:
            for line in file:
                if line.startswith(("Dirty:", "Writeback:")):
                    total += int(line.split()[1]) * 1024
    except (OSError, ValueError, IndexError):
        return 0
    return total


class Flusher:
    """Flushes a run's temporary files to the disk: `watch` each folder before writing in it,
    `split` a batch into what one `syncfs` per file system flushes (`sync`) and what is
    flushed file by file, `close` at the end. Safe to share between threads."""

    def __init__(self) -> None:
        self._closed = False
        self._lock = threading.Lock()  # the handles
        self._syncing = threading.Lock()  # `sync` and `close`
        self._types: dict[int, str] | None = None  # read once, when a folder is first watched
        # Each watched folder's file system (None: flushed file by file), and for each file
        # system a handle opened before the run wrote there; `retired`: the file systems
        # whose `syncfs` failed, each with its handle, closed with the others.
        self._devices: dict[str, int | None] = {}
        self._handles: dict[int, int] = {}
        self._retired: dict[int, int] = {}
        self._unwritten_read: tuple[float, int] | None = None  # (when, bytes): `_unwritten_now`

    def watch(self, folder: str) -> None:
        """Call before writing the first temporary file in `folder` (as the files' paths spell it)."""
        if folder in self._devices or self._closed:
            return
        with self._lock:
            if folder not in self._devices and not self._closed:
                self._devices[folder] = self._handle_for(folder) if _syncfs_expected() else None

    def opened(self) -> frozenset[int]:
        """The file systems (devices) that have a handle open now, for `adopt`."""
        with self._lock:
            return frozenset(self._handles)

    def adopt(self, folder: str, opened: Collection[int]) -> None:
        """Take `folder` in after a worker process wrote a file there: its files are synced with
        its file system's handle if that was open before the worker wrote (one of the devices
        `opened` returned then), else flushed file by file: a handle opened later would miss
        the error of a write before (see the notes above). A folder watched since the pool
        forked, whose handle is such a later one, is flushed file by file from now on."""
        if self._closed:
            return
        if folder in self._devices and (self._devices[folder] is None or self._devices[folder] in opened):
            return  # file by file already, or synced with a handle from before
        with self._lock:
            if self._closed:
                return
            try:
                device: int | None = os.stat(folder).st_dev
            except OSError:
                device = None
            self._devices[folder] = device if device in opened and device in self._handles else None

    def _handle_for(self, folder: str) -> int | None:
        """The file system of `folder`, holding a handle opened now; None if `syncfs` is not for it."""
        try:
            device = os.stat(folder).st_dev
        except OSError:
            return None
        if device in self._handles:
            return device
        if device in self._retired:  # never again this run: a new handle would miss its error
            return None
        if self._types is None:
            self._types = _file_system_types()
        if self._types.get(device) not in _SYNCS_WELL:
            return None
        try:
            handle = os.open(folder, _FOLDER_FLAGS)
        except OSError:
            return None
        if os.fstat(handle).st_dev != device:  # the folder was replaced meanwhile
            os.close(handle)
            return None
        self._handles[device] = handle
        return device

    def tasks(
        self, items: Sequence[_Item], flush_each: Callable[[Sequence[_Item]], None]
    ) -> list[Callable[[], None]]:
        """The work of flushing `items` (see `split`), for up to `FLUSH_THREADS` threads: a
        `sync` per file system, which flushes its items with `flush_each` if it fails, and
        the other items in shares for `flush_each` (a task per file cost more in a thread
        pool's own locking than the flushing itself on a fast disk)."""
        synced, rest = self.split(items)
        work: list[Callable[[], None]] = [
            partial(self._sync_or, handle, group, flush_each) for handle, group in synced
        ]
        count = min(FLUSH_THREADS, len(rest))
        return work + [partial(flush_each, rest[start::count]) for start in range(count)]

    def _sync_or(
        self, handle: int, items: Sequence[_Item], flush_each: Callable[[Sequence[_Item]], None]
    ) -> None:
        if self.sync(handle):
            return
        # Each file's own flush names the file that fails. Shared between threads as `tasks`
        # shares the files it flushes one by one: a batch is thousands of files, and one
        # thread would wait for a disk commit after each.
        count = min(FLUSH_THREADS, len(items))
        if count <= 1:
            flush_each(items)
            return
        with ThreadPoolExecutor(count, thread_name_prefix="i18n-sync-flush-each") as threads:
            list(threads.map(flush_each, [items[start::count] for start in range(count)]))

    def split(self, items: Sequence[_Item]) -> tuple[list[tuple[int, list[_Item]]], list[_Item]]:
        """Items whose last field is a temporary file's path: (handle, items) for each file
        system one `sync` flushes, and the items to flush file by file, each list in order."""
        if len(items) < _MANY or not self._handles:
            return [], list(items)
        devices = [self._devices.get(folder_of(str(item[-1]))) for item in items]
        counts = Counter(device for device in devices if device is not None)
        chosen = [device for device, count in counts.items() if count >= _MANY]
        if not chosen or self._unwritten_now() > _UNWRITTEN_LIMIT:
            return [], list(items)
        with self._lock:
            handles = {device: self._handles[device] for device in chosen if device in self._handles}
        groups: dict[int, list[_Item]] = {device: [] for device in handles}
        rest: list[_Item] = []
        for item, device in zip(items, devices, strict=True):
            if device in groups:
                groups[device].append(item)
            else:
                rest.append(item)
        return [(handles[device], group) for device, group in groups.items()], rest

    def _unwritten_now(self) -> int:
        """`_unwritten`, read again once its last reading is `_UNWRITTEN_EVERY` old. (Threads
        may read it at once: each reading is as good as the other.)"""
        now = time.monotonic()
        last = self._unwritten_read
        if last is None or now - last[0] >= _UNWRITTEN_EVERY:
            last = self._unwritten_read = (now, _unwritten())
        return last[1]

    def sync(self, handle: int) -> bool:
        """Write back the file system of `handle` (from `split`); False if that failed, or if
        the flusher was closed meanwhile (flush file by file then)."""
        # One at a time: each writes back all that is unwritten on its file system, and
        # `close` waits, so that no handle is closed, and its number reused, while in use.
        with self._syncing:
            with self._lock:
                syncfs = _load_syncfs() if handle in self._handles.values() else None
            if syncfs is None:
                return False
            if syncfs(handle) == 0:
                return True
            with self._lock:  # file by file from now on (see the module's notes)
                for device in [device for device, kept in self._handles.items() if kept == handle]:
                    self._retired[device] = self._handles.pop(device)
            return False

    def close(self) -> None:
        """Close the handles; from now on everything is flushed file by file. Safe to call twice."""
        with self._syncing, self._lock:
            handles = [*self._handles.values(), *self._retired.values()]
            self._handles, self._retired = {}, {}
            self._closed = True
        for handle in handles:
            os.close(handle)
