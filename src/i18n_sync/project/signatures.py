"""Whether the files are as a remembered run read them, told by their stat signatures (git's rule).

The run memo (`cache`) keys a run on the SHA-256 of every file it reads or
writes: a docs tree in 21 languages has some 28,000, and reading and hashing
them all was most of a run that finds nothing to do. So a remembered run keeps
every file's signature (device, inode, size, mode, modification and change
times in nanoseconds) and digest beside its key (`cache.quick_memo`), and a
later run that finds every signature the same takes that key without reading
a file (`first_change`). A run that finds some different reads those, and takes
the others' digests as kept (`refresh`; a job that asks for one of those files
reads it then, `snapshot.Snapshot`).

The content hash stays the key; the signatures only say the content is the one
hashed before. What could change a file and keep its signature: writing it
within the clock tick of the change time recorded (its "racy" window), or
setting its change time back, which only the system clock can do. So the
signatures are kept only when every file's times are older than the moment
the run began to read, less a margin (`_settled`), as git treats an index
entry whose time is not older than the index; a file changed later gets a
later change time. The rule assumes the file system's clock is this machine's:
on a network file system whose server's clock runs behind, a file changed
within a clock tick of a run's read could be missed until its next change; and
on Windows, where the "change time" Python reports is the creation time, so
could a file rewritten with its size kept and its modification time set back.
Deleting the cache folder is always safe: the next run reads every file.
"""

from __future__ import annotations

import hashlib
import os
import struct
import time
from collections.abc import Callable, Mapping, Sequence
from functools import partial
from operator import attrgetter
from pathlib import Path

from i18n_sync.errors import I18nSyncError
from i18n_sync.project.background import in_background
from i18n_sync.project.files import Folders, read_bytes, read_many
from i18n_sync.record import record

# Device, inode, size, mode, modification and change time (ns).
_SIGNATURE = struct.Struct("<QQQIqq")
# How long after its last change a file's signature is trusted: beyond the clock tick
# of a file system that keeps nanoseconds (ext4, XFS, btrfs, tmpfs, APFS, NTFS: a
# tick of 1-10 ms), and 2 s more where the times are whole seconds (FAT keeps 2 s,
# HFS+ and ext3 one second).
_FINE_MARGIN = 100_000_000
_COARSE_MARGIN = 3_000_000_000
_SECOND = 1_000_000_000
MISSING = b"-"  # the digest of a file that is not there
_clock = time.time_ns  # the time a look is made (a test moves it on)

Signature = tuple[int, int, int, int, int, int]
# A file's signature from its `os.lstat` (or `os.fstat`: the same fields), in `_SIGNATURE`'s order.
_signature_of: Callable[[os.stat_result], Signature] = attrgetter(
    "st_dev", "st_ino", "st_size", "st_mode", "st_mtime_ns", "st_ctime_ns"
)
# A missing file's signature among others (`Seen.packed`): no file has the mode 0.
_ABSENT: Signature = (0, 0, 0, 0, 0, 0)


@record
class Seen:
    """What a read of the files found: each file's digest (`MISSING` when there is none) and
    bytes (None), and, when every file's is settled (`_settled`), their signatures in the
    order read: a later look that finds the same ones (`unchanged`) finds the same bytes."""

    digests: Mapping[str, bytes]
    read: Mapping[str, bytes | None]
    packed: bytes = b""


def first_change(root: Path, wanted: Sequence[str], packed: bytes, workers: int = 1) -> int:
    """The index of the first file of `wanted` whose signature is not the one it had when
    `packed` (`Seen.packed`) was taken, or that cannot be looked at; `len(wanted)` when every
    file has it (a missing one still missing), none read or hashed to tell; -1 when `packed`
    does not fit `wanted`. With `workers`, a process of its own looks at the second half
    (`_changes`).

    Only for paths no folder of which is a symlink (`cache._plain_paths` saw to it):
    each file is then at its own path under the root, and one `lstat` a file is the
    whole cost, the first difference ending the look.
    """
    if not packed or len(packed) != len(wanted) * _SIGNATURE.size:
        return -1
    base = os.path.join(os.path.realpath(root), "")
    changed, _ = _changes(base, wanted, packed, 0, first=True, workers=workers)
    return changed[0] if changed else len(wanted)


# Fewer files than this are looked at by one process (`_changes`): another (a fork, a pipe, its
# exit: some 3 ms) costs what looking at some 1,000 files does.
_WORTH_A_PROCESS = 4000


def _changes(
    base: str, wanted: Sequence[str], packed: bytes, start: int, first: bool, workers: int = 1
) -> tuple[list[int], bool]:
    """The indexes from `start` on of the files of `wanted` whose signatures are not those in
    `packed` (a missing file's is `_ABSENT`), or only the first (`first`); and whether the
    last of them could not be looked at (the look ends there).

    A docs tree in 21 languages has 28,000 files, an `lstat` each: 80 ms of every run that
    finds nothing to do. With `workers` and that many, a process of its own
    (`background.in_background`) looks at the second half while this one looks at the first.
    """
    stop = len(wanted)
    if workers < 2 or stop - start < _WORTH_A_PROCESS:
        return _looked(base, wanted, packed, start, stop, first)
    middle = (start + stop) // 2
    other = in_background(partial(_looked, base, wanted, packed, middle, stop, first))
    if other is None:  # no fork here, or the system refused one
        return _looked(base, wanted, packed, start, stop, first)
    with other:  # stopped on the way out, done or not
        changed, failed = _looked(base, wanted, packed, start, middle, first)
        if failed or (first and changed):
            return changed, failed
        rest = other.result()
    if rest is None:  # the other process failed, or died: looked at here
        rest = _looked(base, wanted, packed, middle, stop, first)
    return changed + rest[0], rest[1]


def _looked(
    base: str, wanted: Sequence[str], packed: bytes, start: int, stop: int, first: bool
) -> tuple[list[int], bool]:
    """`_changes` of the files ``wanted[start:stop]``, in this process."""
    size = _SIGNATURE.size
    lstat, signature_of = os.lstat, _signature_of
    signatures = _SIGNATURE.iter_unpack(packed[start * size : stop * size])
    changed: list[int] = []
    for index, path, signature in zip(range(start, stop), wanted[start:stop], signatures, strict=True):
        try:
            now = signature_of(lstat(base + path))
        except FileNotFoundError:
            now = _ABSENT
        except (OSError, ValueError):  # cannot be looked at: as a change, which ends the look
            changed.append(index)
            return changed, True
        if now != signature:
            changed.append(index)
            if first:
                break
    return changed, False


def observe(root: Path, wanted: Sequence[str], limit: int | None, follow: bool = True) -> Seen | None:
    """The digest of every file of `wanted` (sorted, repository-relative), each file read, and
    their signatures, packed when all are settled.

    All are read at once (`files.read_many`, which takes each file's signature) where no
    file is a symlink. Else, with `follow`, they are read one by one, through a symlink
    that stays in the repository, as the jobs read them (a compendium or a source may be
    one), and no signature is kept: a symlink's own says nothing of the file it leads to.
    Without `follow` (a remembered plan, `cache.quick_memo`, which is not to take a file
    the run may not write through without planning again), a symlink gives None, as does
    a file the jobs could not read either: the run then reads file by file and says why.
    """
    stamp = _clock()  # before any file is opened: every time must be older than the read
    found: dict[str, os.stat_result] = {}
    read = read_many(root, wanted, limit, stats=found)
    signed = read is not None
    if read is None and follow:
        read = _read_through(root, wanted, limit)
    if read is None:
        return None
    digests = {
        path: MISSING if data is None else hashlib.sha256(data).digest() for path, data in read.items()
    }
    packed = b""
    signatures = [_signature_of(found[path]) if path in found else None for path in wanted]
    if signed and all(signature is None or _trusted(signature, stamp) for signature in signatures):
        packed = b"".join(_SIGNATURE.pack(*(signature or _ABSENT)) for signature in signatures)
    return Seen(digests, read, packed)


def refresh(
    root: Path,
    wanted: Sequence[str],
    packed: bytes,
    digests: bytes,
    limit: int | None,
    start: int = 0,
    workers: int = 1,
) -> Seen | None:
    """What `observe` would find, reading only the files whose signatures differ from those
    `packed` was taken with (`Seen.packed`); the others' digests are taken from `digests`
    (`pack_digests`, in the same order), and the others are not read (`Seen.read` holds
    the files read). None when a file could not be read as `observe` reads without
    following symlinks, or when `packed` or `digests` do not fit `wanted`.

    A run after one change finds a few files changed among thousands: it reads those. The
    files before `start` were just seen unchanged (`first_change`), and are not looked at again.
    With `workers`, a process of its own looks at half of them (`_changes`).
    """
    size = _SIGNATURE.size
    if len(packed) != len(wanted) * size or len(digests) != len(wanted) * _DIGEST:
        return None
    stamp = _clock()  # before any file is looked at: every time must be older than the look
    base = os.path.join(os.path.realpath(root), "")
    changed, failed = _changes(base, wanted, packed, max(start, 0), first=False, workers=workers)
    if failed:
        return None
    found: dict[str, os.stat_result] = {}
    read = read_many(root, [wanted[index] for index in changed], limit, stats=found)
    if read is None:
        return None
    known = kept_digests(wanted, packed, digests)
    # The signatures as they were, each changed one put in its place: not all unpacked and
    # packed again (28,000 of them, some 10 ms, for one file changed).
    signatures = bytearray(packed)
    settled = True
    for index in changed:
        path = wanted[index]
        data = read[path]
        known[path] = MISSING if data is None else hashlib.sha256(data).digest()
        taken = _signature_of(found[path]) if path in found else _ABSENT
        settled = settled and (taken == _ABSENT or _trusted(taken, stamp))
        if settled:  # else none is kept: one that does not fit the format is not packed
            _SIGNATURE.pack_into(signatures, index * size, *taken)
    return Seen(known, read, bytes(signatures) if settled else b"")


# A SHA-256 digest's length, as `pack_digests` keeps each.
_DIGEST = 32


def kept_digests(wanted: Sequence[str], packed: bytes, digests: bytes) -> dict[str, bytes]:
    """Each file's digest as `pack_digests` kept it beside its signature in `packed`
    (`MISSING` where the signature is a missing file's)."""
    absent = _SIGNATURE.pack(*_ABSENT)
    size = _SIGNATURE.size
    return {
        path: MISSING
        if packed[index * size : (index + 1) * size] == absent
        else digests[index * _DIGEST : (index + 1) * _DIGEST]
        for index, path in enumerate(wanted)
    }


def pack_digests(wanted: Sequence[str], digests: Mapping[str, bytes]) -> bytes:
    """The digests of the files `wanted`, in order, for `refresh`: 32 bytes each, zeros for a
    missing file (its signature tells it is missing)."""
    empty = bytes(_DIGEST)
    return b"".join(empty if (digest := digests[path]) == MISSING else digest for path in wanted)


def total_size(packed: bytes) -> int:
    """The bytes of the files whose signatures `packed` holds (`Seen.packed`)."""
    return sum(signature[2] for signature in _SIGNATURE.iter_unpack(packed))


def _read_through(root: Path, paths: Sequence[str], limit: int | None) -> dict[str, bytes | None] | None:
    """Each file's bytes (None: missing), read one by one as the jobs read them, following a
    symlink that stays in the repository; None when one cannot be read."""
    folders = Folders(root)
    try:
        return {path: read_bytes(root, path, limit, folders=folders) for path in paths}
    except I18nSyncError:
        return None


def _fits(signature: Signature) -> bool:
    """Whether the signature fits `_SIGNATURE`: a file identifier can be 128 bits (Windows, on
    ReFS); such files are never taken by their signatures, only read."""
    device, inode, size, mode, modified, changed = signature
    return (
        max(device, inode, size) < 2**64
        and mode < 2**32
        and min(modified, changed) >= -(2**63)
        and max(modified, changed) < 2**63
    )


def _trusted(signature: Signature, stamp: int) -> bool:
    """Whether a later look may take a file with this signature, seen at `stamp`, as unchanged."""
    return _fits(signature) and _settled(signature, stamp)


def _settled(signature: Signature, stamp: int) -> bool:
    """Whether a file with this signature, seen at `stamp`, cannot change and keep it."""
    modified, changed = signature[4], signature[5]
    coarse = modified % _SECOND == 0 and changed % _SECOND == 0
    before = stamp - (_COARSE_MARGIN if coarse else _FINE_MARGIN)
    return modified < before and changed < before
