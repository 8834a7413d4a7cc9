"""Review of `cachefiles` (f0f52f1): what a file planted in the cache folder can still do.

The threat: whoever can write a file in the cache folder (with valid checksums) must not
run code, read or write files, crash the tool with a traceback or hang it, unless the file
is planted under the exact key the run computes, and then only the C unpickler's own
risks remain (`cachefiles`'s docstring). The defects come first, each saying whether it
needs the key; then what holds, as evidence.
"""

from __future__ import annotations

import os
import pickle
import struct
import sys
from dataclasses import replace
from pathlib import Path

import pytest

from helpers import invoke
from i18n_sync.errors import Diagnostic
from i18n_sync.project import sync as sync_module
from i18n_sync.project.cachefiles import (
    conforms,
    load_kept,
    opened,
    pack_entries,
    seal,
    unpack_entries,
)
from i18n_sync.project.combined import RunReport
from i18n_sync.project.config import load_config
from i18n_sync.project.sync import run
from i18n_sync.record import REBUILDERS
from test_cache_pickles import JOB_FORMAT, RUN_FORMAT, job_entries, plant_memo, remembered
from test_cache_pickles_review import _cli
from test_job_cache import synced
from test_record import _rejecting_project

_SRC = Path(__file__).resolve().parents[1] / "src"
_P2 = b"\x80\x02"


@pytest.fixture(autouse=True)
def fixed_date(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1764000000")


def _global(module: str, name: str) -> bytes:
    return f"c{module}\n{name}\n".encode()


def _fieldless(module: str, name: str) -> bytes:
    """A record of `module.name` made by NEWOBJ and never given its fields (no BUILD)."""
    return _global(module, name) + b")\x81"


def _edit(root: Path) -> None:
    """A user's edit: the run memo misses, and the job cache is asked (and saved)."""
    source = root / "docs" / "guide4.md"
    source.write_text(source.read_text(encoding="utf-8") + "\nA new paragraph.\n", encoding="utf-8")


# --- Defects: no key needed ----------------------------------------------------------------------


def test_a_planted_generation_near_the_top_does_not_crash_the_save(tmp_path: Path, run_cache: Path) -> None:
    """Blind: an index of one entry, under a made-up key, whose save number is 2**64 - 1.
    `JobCache` makes the run's number one more, which `pack_entries` cannot pack
    (``struct.error: argument out of range``, uncaught by `save`): every run that has
    anything to do ends in a traceback before writing a file, until the cache is deleted."""
    root = synced(tmp_path)
    (jobs,) = run_cache.glob("jobs-*")
    jobs.write_bytes(seal(JOB_FORMAT, pack_entries({"0" * 64: (2**64 - 1, b"")})))
    _edit(root)
    result = invoke(root, "sync")
    assert not isinstance(result.exception, Exception), repr(result.exception)
    assert result.exit_code == 0, result.output
    assert invoke(root, "sync", "--check").exit_code == 0


def test_an_index_with_a_count_of_saves_no_run_makes_is_refused() -> None:
    """At the index's own level: a save count near 2**64 (the next would not fit) is no index
    the tool wrote."""
    assert unpack_entries(pack_entries({"k": (2**64 - 1, b"\x80\x04N.")})) is None
    assert unpack_entries(pack_entries({"k": (5, b"\x80\x04N.")})) == {"k": (5, b"\x80\x04N.")}


_LIMIT = 2 << 30  # the address space the run is given: plenty for the tool, not for the file


def _limited() -> None:  # pragma: no cover - runs in the child
    import resource

    resource.setrlimit(resource.RLIMIT_AS, (_LIMIT, _LIMIT))


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="RLIMIT_AS and sparse files as on Linux")
@pytest.mark.parametrize("planted", ["run", "jobs"])
def test_a_huge_sparse_cache_file_is_not_read_whole(tmp_path: Path, run_cache: Path, planted: str) -> None:
    """Blind: a sparse file of 8 GiB (no disk space) in place of the run memo (under another
    key) or of the job cache. `RunMemo.recall` and `jobcache._load` read the whole file
    (`read_bytes` without a limit) before comparing a byte: an out-of-memory kill, or here,
    with the address space capped, a ``MemoryError`` traceback. The key and the index's
    lengths are at the start: nothing past them need be read for a miss."""
    root = synced(tmp_path)
    _edit(root)
    assert _cli(root, run_cache, preexec=_limited).returncode == 0  # the cap leaves the tool room
    _edit(root)
    (memo,) = run_cache.glob("run-*")
    (jobs,) = run_cache.glob("jobs-*")
    file, header = (memo, RUN_FORMAT + b"0" * 64) if planted == "run" else (jobs, JOB_FORMAT)
    file.write_bytes(header)
    os.truncate(file, 8 << 30)
    if file.stat().st_blocks * 512 > 64 << 20:  # pragma: no cover - a file system without holes
        file.unlink()
        pytest.skip("no sparse files here")
    try:
        done = _cli(root, run_cache, preexec=_limited)
    finally:
        file.unlink()
    assert done.returncode == 0, done.stderr[-600:]


# --- Defects: under the run's own key (copied from the file it replaces) --------------------------

_SYNC = "i18n_sync.project.sync"
# A RunReport whose one LanguageReport never got its fields, made by `_rebuilt` as the tool's own.
_NESTED_FIELDLESS = (
    _P2
    + _global("i18n_sync.record", "_rebuilt")
    + _global(_SYNC, "RunReport")
    + b"()"
    + _fieldless(_SYNC, "LanguageReport")
    + b"\x85))t\x86R."
)


@pytest.mark.parametrize(
    "data",
    [_P2 + _fieldless(_SYNC, "RunReport") + b".", _NESTED_FIELDLESS],
    ids=["report", "nested"],
)
def test_conforms_tells_a_record_without_its_fields(data: bytes) -> None:
    """`conforms` reads each field with `getattr` and no default: a record made by NEWOBJ
    without BUILD (allowed: its class is a record) has empty slots, and `conforms` raises
    ``AttributeError`` instead of answering False."""
    value = load_kept(data)
    assert isinstance(value, RunReport)
    assert conforms(value, RunReport) is False


def test_a_remembered_report_without_fields_is_no_traceback(tmp_path: Path, run_cache: Path) -> None:
    """Under the run's key: `sync.run` calls `conforms` outside any ``try``, so the
    ``AttributeError`` above ends the command in a traceback, every run."""
    root = synced(tmp_path)
    (memo,) = run_cache.glob("run-*")
    plant_memo(memo, _NESTED_FIELDLESS)
    result = invoke(root, "sync")
    assert not isinstance(result.exception, Exception), repr(result.exception)
    assert result.exit_code == 0, result.output


@pytest.mark.parametrize("arguments", [(), ("--format", "json")], ids=["text", "json"])
def test_a_remembered_count_too_long_to_print_is_no_traceback(
    tmp_path: Path, run_cache: Path, arguments: tuple[str, ...]
) -> None:
    """Under the run's key: `conforms` takes any `int` for a count; one of 5,001 digits (a
    2 kB pickle) passes, and printing the summary (or the JSON) fails with Python's
    ``ValueError: Exceeds the limit (4300 digits) for integer string conversion``."""
    root = synced(tmp_path)
    (memo,) = run_cache.glob("run-*")
    report = remembered(memo)
    assert isinstance(report, RunReport)
    first = report.languages[0]
    counts = replace(first.counts, translated=10**5000)
    plant_memo(memo, replace(report, languages=(replace(first, counts=counts), *report.languages[1:])))
    result = invoke(root, "sync", *arguments)
    assert not isinstance(result.exception, Exception), repr(result.exception)
    assert result.exit_code == 0, result.output


# --- What holds ----------------------------------------------------------------------------------


def _index(
    saves: list[int], lengths: list[int], keys: bytes, pickles: bytes = b"", count: int | None = None
) -> bytes:
    """A payload laid out as `cachefiles.pack_entries` lays one out, with any numbers."""
    count = len(saves) if count is None else count
    numbers = struct.pack(f"<Q{len(saves) + len(lengths)}Q", count, *saves, *lengths)
    return numbers + struct.pack("<Q", len(keys)) + keys + pickles


@pytest.mark.parametrize(
    ("payload", "expected"),
    [
        (struct.pack("<4Q", 1, 1, 0, 2**32) + b"k", None),  # keys longer than the file
        (_index([1], [2**64 - 1], b"k"), None),  # a pickle longer than the file
        (_index([7], [0], b""), {"": (7, b"")}),  # nothing but lengths
        (_index([1, 2], [1, 1], b"k\nk", b"AB"), None),  # a key twice: not a file the tool wrote
        (_index([1], [0], b"k")[:-9], None),  # cut short
        (_index([2], [0], "ğ!".encode()), {"ğ!": (2, b"")}),
        (_index([1], [1], b"k", b"A", count=2**61), None),  # a count of entries past the file's end
        (_index([1, 1], [0, 0], b"k"), None),  # fewer keys than entries
        (_index([], [], b"k"), None),  # keys, and no entry
        (_index([1], [0], b"k", b"extra"), None),  # bytes after the last pickle
    ],
    ids=[
        "key-length",
        "length",
        "empty",
        "duplicate",
        "cut",
        "non-ascii",
        "count",
        "keys",
        "no-entry",
        "trailing",
    ],
)
def test_a_crafted_index_is_read_or_refused_without_error(
    payload: bytes, expected: dict[str, tuple[int, bytes]] | None
) -> None:
    assert unpack_entries(payload) == expected


@pytest.mark.parametrize(
    "data",
    [
        b"",
        RUN_FORMAT[:-1],  # shorter than the header
        RUN_FORMAT + b"a" * 63 + b"\0" * 40,  # a key one shorter
        RUN_FORMAT + b"A" * 64 + b"\0" * 40,  # the key in capitals
        RUN_FORMAT + "ä".encode() * 32 + b"\0" * 40,  # not ASCII
        RUN_FORMAT + b"a" * 64,  # no checksum
    ],
    ids=["empty", "short", "key-length", "key-case", "non-ascii", "no-checksum"],
)
def test_opened_refuses_what_another_key_or_no_file_made(data: bytes) -> None:
    assert opened(data, RUN_FORMAT, "a" * 64) is None
    assert opened(seal(RUN_FORMAT, b"payload", "a" * 64), RUN_FORMAT, "a" * 64) == b"payload"


@pytest.mark.parametrize(
    "build",
    [
        pickle.dumps({"_function": 1}, 2)[2:-1] + b"b",  # a dict state: no __dict__
        pickle.dumps((None, {"_function": 1, "__class__": 1}), 2)[2:-1] + b"b",  # a slot state
        b")\x81",  # NEWOBJ with a stand-in as the class
        _global("i18n_sync.record", "_rebuilt") + b"N\x86R",  # `_remade(stand-in, None)`
    ],
    ids=["dict-build", "slot-build", "newobj", "remade-itself"],
)
def test_a_pickle_cannot_change_or_misuse_the_stand_ins(build: bytes) -> None:
    with pytest.raises(Exception):  # noqa: B017 - any refusal will do
        load_kept(_P2 + _global("i18n_sync.record", "_remade") + build + b".")
    for function in REBUILDERS:
        assert function.__module__ == "i18n_sync.record" and not vars(function)
    done = load_kept(pickle.dumps(Diagnostic("a.md", 1, "still made"), pickle.HIGHEST_PROTOCOL))
    assert done == Diagnostic("a.md", 1, "still made")


@pytest.mark.parametrize("arguments", [(), ("--lang", "tr")], ids=["all", "one-language"])
def test_a_remembered_report_with_diagnostics_conforms_and_answers(
    tmp_path: Path, run_cache: Path, monkeypatch: pytest.MonkeyPatch, arguments: tuple[str, ...]
) -> None:
    """No silent miss: the report of a run with rejected translations (a diagnostic) passes
    `conforms`, and the third identical run is the memo's, with no job run."""
    root = _rejecting_project(tmp_path / "repo")
    for _ in range(2):
        assert invoke(root, "sync", *arguments).exit_code == 0
    # A run narrowed to some languages keeps a memo of its own (`cache.memo_kind`).
    (memo,) = [
        file for file in run_cache.glob("lang-*" if arguments else "run-*") if "-plan-" not in file.name
    ]
    report = remembered(memo)
    assert isinstance(report, RunReport) and report.diagnostics
    assert conforms(report, RunReport)

    def refused(*_: object, **__: object) -> object:
        raise AssertionError("the run memo did not answer")

    monkeypatch.setattr(sync_module, "execute", refused)
    languages = ("tr",) if arguments else ()
    assert run(load_config(root), languages=languages) == report


def test_a_saved_index_reads_back_and_hits(tmp_path: Path, run_cache: Path) -> None:
    """The index round-trips through a save: every entry a run kept loads, and an edit of
    one document redoes that document's jobs only (the rest are hits)."""
    root = synced(tmp_path)
    (jobs,) = run_cache.glob("jobs-*")
    entries = job_entries(jobs)
    assert unpack_entries(pack_entries(entries)) == entries
    assert all(load_kept(data) == pickle.loads(data) for _, data in entries.values())
    _edit(root)
    totals: dict[str, int] = {}
    run(load_config(root), progress=lambda stage, done, total: totals.__setitem__(stage, total))
    assert totals == {"extract": 1, "update": 3, "render": 3}
