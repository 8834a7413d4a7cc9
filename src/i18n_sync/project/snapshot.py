"""The files a run reads, as the run memo found them: read already, or read when first asked for.

A run's key hashes every file it reads or writes (`cache`): some 28,000 in a
docs tree of 652 documents in 21 languages. When the remembered plan holds
each file's digest beside its stat signature (`signatures`), a run after one
change reads the files whose signatures changed and takes the others' digests
from the plan; it reads one of those only when a job asks for it, and then
checks that its bytes still have the digest the key was made from
(`ChangedError` when not: the file changed while the run read the others).
Most are never read: a job the job cache answers reads nothing, and an output
whose rendering has the digest of the file there is not read to be compared
(`holds`).
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterator, Mapping
from pathlib import Path

from i18n_sync.errors import I18nSyncError
from i18n_sync.project.files import read_many
from i18n_sync.project.signatures import MISSING


class ChangedError(I18nSyncError):
    """A file changed between the look at its signature and its read: the run's key no longer
    holds. Not a problem of the file's own: no job takes it for one (`catalogue_suggestions`
    lets it through), and the run stops, saying to run again."""


class Snapshot(Mapping[str, "bytes | None"]):
    """The bytes of the run's files by path (None: no such file), each with its SHA-256.

    `read` holds the files read already; the others are read from the disk when
    first asked for, and must have their digest (`ChangedError`). `size` is the
    bytes of all of them, as their signatures give it.
    """

    def __init__(
        self,
        root: Path,
        digests: Mapping[str, bytes],
        read: Mapping[str, bytes | None],
        limit: int | None,
        size: int | Callable[[], int],
    ) -> None:
        self._root = root
        self._digests = digests
        self._read = dict(read)
        self._limit = limit
        self._size = size

    @property
    def size(self) -> int:
        """The bytes of all the files (given, or counted when first asked for)."""
        if callable(self._size):
            self._size = self._size()
        return self._size

    def __getitem__(self, path: str) -> bytes | None:
        found = self._read.get(path, self)
        if found is not self:
            return found  # type: ignore[return-value]
        digest = self._digests[path]  # KeyError: not one of the run's files
        data = None if digest == MISSING else self._load(path, digest)
        self._read[path] = data
        return data

    def _load(self, path: str, digest: bytes) -> bytes:
        # As the run memo reads: no symlink on the way (the remembered plan saw to it), each
        # folder resolved anew (a folder made a symlink since leads nowhere it may not).
        found = read_many(self._root, (path,), self._limit)
        data = None if found is None else found[path]
        if data is None or hashlib.sha256(data).digest() != digest:
            raise ChangedError("changed while the run was reading the files; run the command again", path)
        return data

    def __contains__(self, path: object) -> bool:
        return path in self._digests

    def __iter__(self) -> Iterator[str]:
        return iter(self._digests)

    def __len__(self) -> int:
        return len(self._digests)

    def loaded(self, path: str) -> tuple[bool, bytes | None]:
        """Whether the file is read already, and its bytes if so (None: no file)."""
        found = self._read.get(path, self)
        return (False, None) if found is self else (True, found)  # type: ignore[return-value]

    def present(self, path: str) -> bool:
        """Whether the file was there (without reading it)."""
        return self._digests.get(path, MISSING) != MISSING

    def holds(self, path: str, content: bytes) -> bool | None:
        """Whether the file holds exactly `content`, told without reading it where it is not
        read yet: by its digest. None when `path` is not one of the run's files."""
        if path in self._read:
            return self._read[path] == content
        digest = self._digests.get(path)
        if digest is None:
            return None
        return digest != MISSING and hashlib.sha256(content).digest() == digest


class Later(Mapping[str, bytes]):
    """A mapping made when first used, by `make`: the digests of a remembered plan's files,
    which a run that its record answers never looks at (a run with nothing to do)."""

    def __init__(self, make: Callable[[], Mapping[str, bytes]]) -> None:
        self._make: Callable[[], Mapping[str, bytes]] | None = make
        self._made: Mapping[str, bytes] = {}

    def _mapping(self) -> Mapping[str, bytes]:
        if self._make is not None:
            self._made, self._make = self._make(), None
        return self._made

    def __getitem__(self, path: str) -> bytes:
        return self._mapping()[path]

    def __iter__(self) -> Iterator[str]:
        return iter(self._mapping())

    def __len__(self) -> int:
        return len(self._mapping())


def holds(files: Mapping[str, bytes | None], path: str, content: bytes) -> bool | None:
    """Whether the file at `path` holds `content`, as the run's `files` tell (a `Snapshot`,
    or plain bytes by path); None when they do not hold it."""
    if isinstance(files, Snapshot):
        return files.holds(path, content)
    if path not in files:
        return None
    return files[path] == content


def read_already(files: Mapping[str, bytes | None], path: str) -> tuple[bool, bytes | None]:
    """Whether `files` (see `holds`) hold the bytes of `path` without a read, and those bytes
    (None: no file)."""
    if isinstance(files, Snapshot):
        return files.loaded(path)
    return (path in files, files.get(path))


def present(files: Mapping[str, bytes | None], path: str) -> bool:
    """Whether `files` (see `holds`) hold a file at `path`, without reading it (a path they do
    not know may be there)."""
    if isinstance(files, Snapshot):
        return path not in files or files.present(path)
    return files.get(path, b"") is not None
