"""Since when a catalogue is behind its source: the source's git history, read with `git`.

The one module that runs git (``git log`` and ``git cat-file``, read-only,
through `subprocess`). Without git, outside a git checkout, or when git fails,
`find_in_sync` returns None and the status report simply has no "since when"
section. Git is asked a few times whatever the number of sources: one ``git
log`` of them all where the history has no merge (`linear_revisions`), else one
each; the files at old revisions come on demand from one ``git cat-file
--batch`` that serves every source (`Blobs`), only as far back as a catalogue
needs.

How "fully in sync" is decided:

- The revisions are the commits that changed the source file, newest first
  (``git log -- <source>``, all parents; renames are not followed, so history
  before a rename is not seen). At most `DEFAULT_LIMIT` are examined.
- Each revision's file is read from git and extracted as today's
  ``extract`` does it (same front-matter keys), giving its msgids.
- A catalogue is fully in sync with a revision when every one of those
  msgids has a translation in the current catalogue that was made for
  exactly that English: a translated, non-fuzzy entry (active or obsolete) or
  a fuzzy entry whose previous msgid (``#| msgid``, the English its
  translation was made for) it is. A fuzzy entry without a previous msgid
  counts for nothing.
- The answer is the newest revision that passes; the commits listed before
  it are the commits to the source since. None passing among the examined
  revisions gives no commit, with the count examined and whether the limit
  cut the search short.

Uncommitted edits to the source are not a revision: the counts of the
status report show them. Extracting old revisions with today's extractor
means a change to the extractor itself can make an old revision look out of
sync; that is the honest answer for today's catalogue.
"""

from __future__ import annotations

import subprocess
import threading
import time
from collections.abc import Callable, Container, Iterable, Iterator, Sequence
from contextlib import suppress
from pathlib import Path
from typing import IO

from i18n_sync.errors import I18nSyncError
from i18n_sync.markdown.document import load_document
from i18n_sync.markdown.extract import extract_units
from i18n_sync.model import Catalog
from i18n_sync.record import record
from i18n_sync.reports.status import InSync

DEFAULT_LIMIT = 100
"""How many revisions of a source are examined at most."""

_TIMEOUT = 60  # seconds; a git that hangs (a lock, a network file system) must not hang the status
_WATCH_EVERY = 1.0  # seconds between the looks of `Blobs`'s watchdog
_FIELD = b"\x1f"


@record
class Revision:
    """A commit that changed the source."""

    commit: str
    date: str
    subject: str


# The same answer whatever the user's git settings: renames are not followed (``log.follow``
# follows them in a log of one path), the root commit lists its files (``log.showRoot``);
# a source's name is a path, never a pattern (``docs/a*.md`` is that file alone).
_GIT = (
    "git",
    *("-c", "log.showSignature=false", "-c", "core.quotePath=false"),
    *("-c", "log.follow=false", "-c", "log.showRoot=true"),
    "--literal-pathspecs",
)


def _git(root: Path, args: Sequence[str]) -> bytes | None:
    """git's standard output, or None when git is missing or fails (not a checkout, ...)."""
    try:
        done = subprocess.run(
            [*_GIT, *args],
            cwd=root,
            stdin=subprocess.DEVNULL,
            capture_output=True,
            timeout=_TIMEOUT,
            check=False,
        )
    except (OSError, subprocess.SubprocessError):
        return None
    return done.stdout if done.returncode == 0 else None


def source_revisions(
    root: Path, source: str, limit: int = DEFAULT_LIMIT
) -> tuple[list[Revision], bool] | None:
    """The newest `limit` commits that changed `source`, newest first, and whether there are more.

    `source` is relative to `root`. None: no git, or `root` is not in a git checkout.
    """
    if not _carried(source):
        return None
    log = _git(root, ["log", f"-n{limit + 1}", "-z", _FORMAT, "--", source])
    if log is None:
        return None
    entries = [revision for revision, _ in _records(log)]
    return entries[:limit], len(entries) > limit


def _carried(source: str) -> bool:
    """Whether git's batch input can carry the name: a line, which git ends at a line break
    and rids of a carriage return before it."""
    return "\n" not in source and not source.endswith("\r")


def linear_revisions(
    root: Path, sources: Sequence[str], limit: int = DEFAULT_LIMIT
) -> dict[str, tuple[list[Revision], bool]] | None:
    """`source_revisions` of every source, from one ``git log`` of them all, where the history
    has no merge; None where it has one (or git fails): each source is then asked alone.

    Without a merge, the commits that changed a source are the same whichever other
    paths are asked with it, in the same order: each commit has one parent to compare
    with. At a merge, git follows a parent the source is unchanged from, and which
    parent that is depends on the paths asked, so one log of all would not be each
    source's. (A docs tree of 652 documents: one git process, where it took 652.)
    """
    if not sources or not all(map(_carried, sources)):
        return None
    if _git(root, ["rev-list", "--merges", "-n1", "HEAD", "--"]) != b"":  # a merge, or no history
        return None
    found: dict[str, list[Revision]] = {source: [] for source in sources}
    more: set[str] = set()
    for group in _groups(sources):
        # Paths relative to the project's folder, as `sources` are; renames as a deletion and an addition.
        options = ["-z", "--relative", "--no-renames", "--name-only", _FORMAT]
        log = _git(root, ["log", *options, "--", *group])
        if log is None:
            return None
        for revision, names in _records(log):
            for source in _touched(names, found):
                if len(found[source]) < limit:
                    found[source].append(revision)
                else:
                    more.add(source)
    return {source: (found[source], source in more) for source in sources}


def _touched(names: Iterable[str], sources: Container[str]) -> dict[str, None]:
    """The `sources` a commit that changed the files `names` changed: a name itself, or a folder
    above it (a source's path names a folder too, to git, where one stood at a commit)."""
    touched: dict[str, None] = {}
    for name in names:
        path = name
        while path:
            if path in sources:
                touched[path] = None
            path = path.rpartition("/")[0]
    return touched


# The paths given to one `git log` at most, in bytes: far below every system's limit on a
# command line (Windows: 32,767 characters).
_ARGUMENTS = 16_000


def _groups(sources: Sequence[str]) -> list[list[str]]:
    groups: list[list[str]] = [[]]
    size = 0
    for source in sources:
        length = len(source.encode("utf-8", "surrogateescape")) + 1
        if groups[-1] and size + length > _ARGUMENTS:
            groups.append([])
            size = 0
        groups[-1].append(source)
        size += length
    return groups


# Each commit as a log with ``-z`` prints it: a NUL first, so that a record ends where two NULs
# meet (its fields end with one; each name it lists ends with one, and none is empty).
_FORMAT = "--format=%x00%H%x1f%cI%x1f%s"


def _records(log: bytes) -> Iterator[tuple[Revision, list[str]]]:
    """Each commit of a log printed with `_FORMAT` and ``-z``, and the names it lists (if any)."""
    body = log.removeprefix(b"\0").removesuffix(b"\0")
    for entry in body.split(b"\0\0") if body else ():
        header, _, listed = entry.partition(b"\0")
        fields = header.split(_FIELD, 2)
        if len(fields) != 3:
            continue
        commit, date, subject = (field.decode("utf-8", "replace") for field in fields)
        names = listed.removeprefix(b"\n").split(b"\0") if listed else []
        yield Revision(commit, date, subject), [name.decode("utf-8", "surrogateescape") for name in names]


class Blobs:
    """The files of a checkout as they were at commits, read on demand from one
    ``git cat-file --batch`` (started at the first read, ended by `close`).

    One process serves every source of a report: a process each cost a report of
    652 documents some 650 starts of git. A file that is not there at a commit, is
    not a file, or is larger than `limit` bytes reads as None; so does every file once
    git has failed or not answered for `_TIMEOUT` seconds (it is then stopped).
    """

    def __init__(self, root: Path, limit: int | None = None) -> None:
        self._root, self._limit = root, limit
        self._process: subprocess.Popen[bytes] | None = None
        self._failed = False
        self._asked_at: float | None = None  # when the read under way was asked (the watchdog's)
        self._closed = threading.Event()

    def __enter__(self) -> Blobs:
        return self

    def __exit__(self, *exception: object) -> None:
        self.close()

    def read(self, commit: str, source: str) -> bytes | None:
        """`source` (relative to the root) as it was at `commit`, or None (after `close` too)."""
        if not _carried(source) or self._failed or self._closed.is_set():
            return None
        process = self._started()
        if process is None:
            return None
        assert process.stdin is not None and process.stdout is not None
        self._asked_at = time.monotonic()
        try:
            process.stdin.write(f"{commit}:./{source}\n".encode("utf-8", "surrogateescape"))
            process.stdin.flush()
            line = process.stdout.readline()
            if not line.endswith(b"\n"):
                raise ValueError("git ended")
            # "<oid> <type> <size>"; else "<name> missing" (or "ambiguous"): no size at its end.
            fields = line[:-1].split(b" ")
            if len(fields) != 3 or not fields[2].isdigit():
                return None
            data = self._body(process.stdout, int(fields[2]), fields[1] == b"blob")
        except (OSError, ValueError):
            data, self._failed = None, True
        finally:
            self._asked_at = None
        return data

    def _body(self, output: IO[bytes], size: int, wanted: bool) -> bytes | None:
        """An object's bytes and the line end after them, read whole; None (and skipped, a
        chunk at a time) when it is not wanted or too large."""
        if wanted and (self._limit is None or size <= self._limit):
            data = output.read(size + 1)
            if len(data) != size + 1:
                raise ValueError("git ended within an object")
            return data[:size]
        left = size + 1
        while left:
            chunk = output.read(min(left, 1 << 20))
            if not chunk:
                raise ValueError("git ended within an object")
            left -= len(chunk)
        return None

    def _started(self) -> subprocess.Popen[bytes] | None:
        if self._process is None:
            try:
                self._process = subprocess.Popen(
                    [*_GIT, "cat-file", "--batch"],
                    cwd=self._root,
                    stdin=subprocess.PIPE,
                    stdout=subprocess.PIPE,
                    stderr=subprocess.DEVNULL,
                )
            except OSError:
                self._failed = True
                return None
            threading.Thread(target=self._watch, args=(self._process,), daemon=True).start()
        return self._process

    def _watch(self, process: subprocess.Popen[bytes]) -> None:
        """Stop git when a read waits on it longer than `_TIMEOUT` (a lock, a network file system)."""
        while not self._closed.wait(_WATCH_EVERY):
            asked = self._asked_at
            if asked is not None and time.monotonic() - asked > _TIMEOUT:
                process.kill()
                return

    def close(self) -> None:
        """End git's process, if one was started."""
        self._closed.set()
        process, self._process = self._process, None
        if process is None:
            return
        for stream in (process.stdin, process.stdout):
            if stream is not None:
                with suppress(OSError):
                    stream.close()  # git ends at the end of its input
        try:
            process.wait(_TIMEOUT)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def revision_msgids(
    content: bytes | None, source: str, front_matter_keys: Sequence[str]
) -> frozenset[str] | None:
    """The msgids the source had at a revision (its file's bytes then, `content`); None when
    that file cannot be read or extracted."""
    if content is None:
        return None
    try:
        text = content.decode("utf-8")
        extraction = extract_units(load_document(text, source), front_matter_keys)
    except (UnicodeDecodeError, I18nSyncError):
        return None
    return frozenset(unit.msgid for unit in extraction.units)


def translated_english(catalog: Catalog) -> frozenset[str]:
    """Every English text the catalogue holds a finished translation for (no msgctxt: units have none)."""
    found = set()
    for message in catalog.messages:
        if not message.msgstr or message.msgctxt is not None:
            continue
        if not message.is_fuzzy:
            found.add(message.msgid)
        elif message.previous_msgid is not None and message.previous_msgctxt is None:
            found.add(message.previous_msgid)
    return frozenset(found)


def last_in_sync(
    revisions: Sequence[Revision],
    msgids_of: Callable[[Revision], frozenset[str] | None],
    translated: frozenset[str],
    capped: bool = False,
) -> InSync:
    """The newest of `revisions` (newest first) whose msgids a catalogue that translates the
    English texts `translated` (`translated_english`) all translates.

    `capped` says more revisions exist than were given.
    """
    for since, revision in enumerate(revisions):
        wanted = msgids_of(revision)
        if wanted is not None and wanted <= translated:
            return InSync(revision.commit, revision.date, revision.subject, since)
    return InSync(None, None, None, len(revisions), capped)


def find_in_sync(
    root: Path,
    source: str,
    catalogs: Sequence[Catalog],
    front_matter_keys: Sequence[str],
    limit: int = DEFAULT_LIMIT,
) -> tuple[InSync, ...] | None:
    """For each catalogue of `source`, the newest revision it is fully in sync with; None without git.

    Each revision is read and extracted at most once, and only when a catalogue
    gets that far back: most catalogues match one of the newest few.
    """
    found = source_revisions(root, source, limit)
    if found is None:
        return None
    translated = [translated_english(catalog) for catalog in catalogs]
    with Blobs(root) as blobs:
        return in_sync_with(found, source, translated, front_matter_keys, blobs)


def in_sync_with(
    found: tuple[Sequence[Revision], bool],
    source: str,
    translated: Sequence[frozenset[str]],
    front_matter_keys: Sequence[str],
    blobs: Blobs,
) -> tuple[InSync, ...]:
    """`find_in_sync` of the revisions `source_revisions` found, for catalogues that translate
    these English texts each (`translated_english`), reading the files from `blobs`: git's
    log done, this part extracts (with the process's Markdown parsers: on one thread at a
    time)."""
    revisions, more = found
    extracted: dict[str, frozenset[str] | None] = {}

    def msgids_of(revision: Revision) -> frozenset[str] | None:
        if revision.commit not in extracted:
            content = blobs.read(revision.commit, source)
            extracted[revision.commit] = revision_msgids(content, source, front_matter_keys)
        return extracted[revision.commit]

    return tuple(last_in_sync(revisions, msgids_of, each, more) for each in translated)
