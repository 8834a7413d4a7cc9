"""Which files are as an earlier run read them, told by their stat signatures (git's index rule).

The run memo (`cache`) keys a run on the SHA-256 of every file it reads or
writes: a docs tree in 21 languages has some 28,000, and reading and hashing
them all is most of a run that finds nothing to do. So each file's digest is
kept with its signature (device, inode, size, mode, modification and change
times in nanoseconds, from `os.lstat`), and a later run that finds the same
signature takes the digest without reading the file.

The content hash stays the key; the signature only says the content is the
one hashed before. What could change a file and keep its signature: writing
it within the clock tick of the change time recorded (its "racy" window), or
setting its change time back, which only the system clock can do. So an
entry is kept only when its times are older than the moment its signature was
taken, less a margin (`_settled`), as git treats an index entry whose time is
not older than the index; a file changed later gets a later change time. The
rule assumes the file system's clock is this machine's: on a network file
system whose server's clock runs behind, a file changed within a clock tick
of a run's look at it could be missed until its next change; and on Windows,
where the "change time" Python reports is the creation time, so could a file
rewritten with its size kept and its modification time set back. Deleting the
cache folder is always safe: the next run reads every file.

The table is one file per project in the cache folder, beside the run memo,
in a plain binary layout (no pickle): paths, signatures and digests.
"""

from __future__ import annotations

import hashlib
import os
import stat
import struct
import time
from collections.abc import Callable, Mapping, Sequence
from itertools import groupby
from operator import attrgetter
from pathlib import Path

from i18n_sync.project.cachefiles import read_sealed, write_sealed
from i18n_sync.project.files import Folders, read_many
from i18n_sync.record import record

_FORMAT = b"i18n-sync file signatures 1\n"
# Device, inode, size, mode, modification and change time (ns); in the table, then the digest.
_SIGNATURE = struct.Struct("<QQQIqq")
_ROW = struct.Struct("<QQQIqq32s")
_LIMIT = 256 << 20
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
# A file's signature from its `os.lstat`: its fields in `_ROW`'s order.
_signature_of: Callable[[os.stat_result], Signature] = attrgetter(
    "st_dev", "st_ino", "st_size", "st_mode", "st_mtime_ns", "st_ctime_ns"
)


# A missing file's signature among others (`Seen.packed`): no file has the mode 0.
_ABSENT: Signature = (0, 0, 0, 0, 0, 0)


@record
class Seen:
    """What a look at the files found: each file's digest (`MISSING` when there is none), and
    the bytes of those it read; the others' digests came from their signatures.

    `packed` is every file's signature, in the order looked at, when each is settled
    (`_settled`): a later look that finds the same ones (`unchanged`) finds the same bytes.
    """

    digests: Mapping[str, bytes]
    read: Mapping[str, bytes | None]
    packed: bytes = b""


def unchanged(root: Path, wanted: Sequence[str], packed: bytes) -> bool:
    """Whether every file of `wanted` has the signature it had when `packed` (`Seen.packed`)
    was taken: a missing one is still missing, and none was read or hashed to tell.

    Only for paths no folder of which is a symlink (`cache._plain_paths` saw to it):
    each file is then at its own path under the root, and one `lstat` a file is the
    whole cost, the first difference ending the look.
    """
    if not packed or len(packed) != len(wanted) * _SIGNATURE.size:
        return False
    base = os.path.join(os.path.realpath(root), "")
    lstat, signature_of = os.lstat, _signature_of
    for path, signature in zip(wanted, _SIGNATURE.iter_unpack(packed), strict=True):
        try:
            if signature_of(lstat(base + path)) != signature:
                return False
        except FileNotFoundError:
            if signature != _ABSENT:
                return False
        except OSError:
            return False
    return True


def observe(root: Path, wanted: Sequence[str], limit: int | None, table: Path) -> Seen | None:
    """The digest of every file of `wanted` (sorted, repository-relative), reading only those
    whose signature is not the one `table` holds; the table is then written again.

    None where `files.read_many` gives up (a symlink, a folder or a device where a file
    should be, a folder out of the repository, a file over `limit`): the run then reads
    file by file and says what is wrong.
    """
    stamp = _clock()  # before any signature is taken: an entry must be older than the look
    known = _load(table)
    signatures = _signatures(root, wanted, limit)
    if signatures is None:
        return None
    digests: dict[str, bytes] = {}
    unread = []
    for path, signature in signatures.items():
        if signature is None:
            digests[path] = MISSING
            continue
        entry = known.get(path)
        if entry is not None and entry[:6] == signature:
            digests[path] = entry[6]
        else:
            unread.append(path)
    read = read_many(root, unread, limit) if unread else {}
    if read is None:
        return None
    read.update((path, None) for path, signature in signatures.items() if signature is None)
    for path in unread:
        data = read[path]
        digests[path] = MISSING if data is None else hashlib.sha256(data).digest()
    if unread:
        _save(table, stamp, signatures, digests)
    packed = b""
    if all(signature is None or _trusted(signature, stamp) for signature in signatures.values()):
        packed = b"".join(_SIGNATURE.pack(*(signature or _ABSENT)) for signature in signatures.values())
    return Seen(digests, read, packed)


def _fits(signature: Signature) -> bool:
    """Whether the signature fits its row: a file identifier can be 128 bits (Windows, on
    ReFS); such a file is never taken by its signature, only read."""
    device, inode, size, mode, modified, changed = signature
    return (
        max(device, inode, size) < 2**64
        and mode < 2**32
        and min(modified, changed) >= -(2**63)
        and max(modified, changed) < 2**63
    )


def _signatures(root: Path, wanted: Sequence[str], limit: int | None) -> dict[str, Signature | None] | None:
    """Each path's signature (None: no such file), or None where `read_many` would give up.

    The paths are taken folder by folder: a docs tree's 28,000 files lie in a few
    hundred folders, each found once (`files.Folders`).
    """
    folders = Folders(root)
    found: dict[str, Signature | None] = {}
    for folder, paths in groupby(wanted, key=lambda path: path.rpartition("/")[0]):
        where = folders.place(folder)
        if where is None:
            return None
        if folders.absent(folder):
            found.update((path, None) for path in paths)
            continue
        prefix = os.path.join(where, "")
        cut = len(folder) + 1 if folder else 0
        for path in paths:
            try:
                status = os.lstat(prefix + path[cut:])
            except FileNotFoundError:
                found[path] = None
                continue
            except OSError:  # under a file, or unreadable: `read_many` gives up on it
                return None
            if not stat.S_ISREG(status.st_mode) or (limit is not None and status.st_size > limit):
                return None
            found[path] = _signature_of(status)
    return found


def _trusted(signature: Signature, stamp: int) -> bool:
    """Whether a later look may take a file with this signature, seen at `stamp`, as unchanged."""
    return _fits(signature) and _settled(signature, stamp)


def _settled(signature: Signature, stamp: int) -> bool:
    """Whether a file with this signature, seen at `stamp`, cannot change and keep it."""
    modified, changed = signature[4], signature[5]
    coarse = modified % _SECOND == 0 and changed % _SECOND == 0
    before = stamp - (_COARSE_MARGIN if coarse else _FINE_MARGIN)
    return modified < before and changed < before


def _save(
    table: Path, stamp: int, signatures: Mapping[str, Signature | None], digests: Mapping[str, bytes]
) -> None:
    """Keep every file's signature and digest, but those that changed too recently to trust."""
    kept = [
        (path, signature)
        for path, signature in signatures.items()
        if signature is not None and _trusted(signature, stamp)
    ]
    names = "\0".join(path for path, _ in kept).encode("utf-8", "surrogateescape")
    rows = b"".join(_ROW.pack(*signature, digests[path]) for path, signature in kept)
    payload = struct.pack("<QQ", len(kept), len(names)) + names + rows
    write_sealed(table, _FORMAT, payload, flush=False)  # lost in a crash: only a slower run


def _load(table: Path) -> dict[str, tuple[int, int, int, int, int, int, bytes]]:
    """The table `_save` wrote: path -> its signature's fields, then its digest; empty when there
    is none, or it is damaged (`cachefiles.read_sealed` checks its seal)."""
    payload = read_sealed(table, _FORMAT, _LIMIT)
    if payload is None:
        return {}
    try:
        count, size = struct.unpack_from("<QQ", payload)
        names = bytes(payload[16 : 16 + size]).decode("utf-8", "surrogateescape").split("\0")
        rows = payload[16 + size :]
        if len(names) != count or len(rows) != count * _ROW.size:
            return {}
    except (struct.error, UnicodeDecodeError):
        return {}
    return dict(zip(names, _ROW.iter_unpack(rows), strict=True))
