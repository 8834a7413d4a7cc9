"""Since when a catalogue is behind its source: the source's git history, read with `git`.

The one module that runs git (``git log`` and ``git cat-file``, read-only,
through `subprocess`). Without git, outside a git checkout, or when git fails,
`find_in_sync` returns None and the status report simply has no "since when"
section.

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
from collections.abc import Callable, Sequence
from pathlib import Path

from i18n_sync.errors import I18nSyncError
from i18n_sync.markdown.document import load_document
from i18n_sync.markdown.extract import extract_units
from i18n_sync.model import Catalog
from i18n_sync.record import record
from i18n_sync.reports.status import InSync

DEFAULT_LIMIT = 100
"""How many revisions of a source are examined at most."""

_TIMEOUT = 60  # seconds; a git that hangs (a lock, a network file system) must not hang the status
_FIELD, _RECORD = "\x1f", "\x1e"


@record
class Revision:
    """A commit that changed the source, and the source's bytes at it (None: not readable)."""

    commit: str
    date: str
    subject: str
    content: bytes | None


def _git(root: Path, args: Sequence[str], stdin: bytes | None = None) -> bytes | None:
    """git's standard output, or None when git is missing or fails (not a checkout, ...)."""
    command = ["git", "-c", "log.showSignature=false", "-c", "core.quotePath=false", *args]
    try:
        done = subprocess.run(
            command, cwd=root, input=stdin, capture_output=True, timeout=_TIMEOUT, check=False
        )
    except (OSError, subprocess.SubprocessError):
        return None
    return done.stdout if done.returncode == 0 else None


def _parse_log(text: str) -> list[tuple[str, str, str]]:
    """(commit, committer date, subject) of each ``--format`` record."""
    entries = []
    for chunk in text.split(_RECORD):
        fields = chunk.strip("\n").split(_FIELD, 2)
        if len(fields) == 3:
            entries.append((fields[0], fields[1], fields[2]))
    return entries


def _parse_batch(output: bytes, count: int) -> list[bytes | None]:
    """Split ``git cat-file --batch`` output: ``<oid> blob <size>\\n<bytes>\\n`` or ``<name> missing\\n``."""
    blobs: list[bytes | None] = []
    position = 0
    for _ in range(count):
        if output.find(b"\n", position) < 0:  # cut short: git failed half-way
            return blobs + [None] * (count - len(blobs))
        end = output.index(b"\n", position)
        header = output[position:end].split(b" ")
        position = end + 1
        if len(header) == 3 and header[1] == b"blob":
            size = int(header[2])
            blobs.append(output[position : position + size])
            position += size + 1
        else:
            blobs.append(None)
    return blobs


def source_revisions(
    root: Path, source: str, limit: int = DEFAULT_LIMIT
) -> tuple[list[Revision], bool] | None:
    """The newest `limit` commits that changed `source`, newest first, and whether there are more.

    `source` is relative to `root`. None: no git, or `root` is not in a git checkout.
    """
    if "\n" in source:  # a name git's batch input cannot carry
        return None
    log = _git(root, ["log", f"-n{limit + 1}", f"--format=%H{_FIELD}%cI{_FIELD}%s{_RECORD}", "--", source])
    if log is None:
        return None
    entries = _parse_log(log.decode("utf-8", "replace"))
    more = len(entries) > limit
    entries = entries[:limit]
    if not entries:
        return [], False
    names = "".join(f"{commit}:./{source}\n" for commit, _, _ in entries).encode("utf-8")
    output = _git(root, ["cat-file", "--batch"], names)
    blobs = _parse_batch(output, len(entries)) if output is not None else [None] * len(entries)
    return [Revision(c, d, s, blob) for (c, d, s), blob in zip(entries, blobs, strict=True)], more


def revision_msgids(
    revision: Revision, source: str, front_matter_keys: Sequence[str]
) -> frozenset[str] | None:
    """The msgids the source had at a revision; None when that file cannot be extracted."""
    if revision.content is None:
        return None
    try:
        text = revision.content.decode("utf-8")
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

    Each revision is extracted at most once, and only when a catalogue gets
    that far back: most catalogues match one of the newest few.
    """
    found = source_revisions(root, source, limit)
    if found is None:
        return None
    return in_sync_with(
        found, source, [translated_english(catalog) for catalog in catalogs], front_matter_keys
    )


def in_sync_with(
    found: tuple[Sequence[Revision], bool],
    source: str,
    translated: Sequence[frozenset[str]],
    front_matter_keys: Sequence[str],
) -> tuple[InSync, ...]:
    """`find_in_sync` of the revisions `source_revisions` found, for catalogues that translate
    these English texts each (`translated_english`): git's part done, this one extracts (with
    the process's Markdown parsers: on one thread at a time)."""
    revisions, more = found
    extracted: dict[str, frozenset[str] | None] = {}

    def msgids_of(revision: Revision) -> frozenset[str] | None:
        if revision.commit not in extracted:
            extracted[revision.commit] = revision_msgids(revision, source, front_matter_keys)
        return extracted[revision.commit]

    return tuple(last_in_sync(revisions, msgids_of, each, more) for each in translated)
