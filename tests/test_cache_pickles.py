"""A cache file is read as the tool's own records only: a planted pickle runs no code.

The records are pickles, and a pickle names the functions that remake it. These
tests plant, with valid checksums and the keys a run looks for, records whose
pickles would call a function (making a folder, the marker) as they are read,
and check that no run calls it, that the run does its work as if the cache were
empty, and that it leaves a cache the next run can use.
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
from i18n_sync.errors import WriteError
from i18n_sync.model import FileChange
from i18n_sync.project import cache as run_cache_module
from i18n_sync.project import jobcache
from i18n_sync.project.cachefiles import load_kept, opened, pack_entries, seal, unpack_entries
from i18n_sync.project.combined import RunReport
from i18n_sync.project.config import load_config
from i18n_sync.project.sync import run
from test_job_cache import EVERYTHING, counted, synced, without_cache
from test_record import _rejecting_project
from test_scale import report_bytes

RUN_FORMAT = run_cache_module._FORMAT
JOB_FORMAT = jobcache._FORMAT


@pytest.fixture(autouse=True)
def fixed_date(monkeypatch: pytest.MonkeyPatch) -> None:
    """The runs compared must date their templates alike, whichever side of a minute they fall."""
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1764000000")


class _Planted:
    """Pickles as a call of `function` with `arguments`, as an attacker's pickle would."""

    def __init__(self, function: object, *arguments: object) -> None:
        self.reduced = (function, arguments)

    def __reduce__(self) -> tuple[object, ...]:
        return self.reduced


def memo_key(memo: Path) -> str:
    """The key a run memo is filed under (a SHA-256 in hex, after the header)."""
    return memo.read_bytes()[len(RUN_FORMAT) : len(RUN_FORMAT) + 64].decode("ascii")


def remembered(memo: Path) -> object:
    """The report a run memo holds (the test's own file: trusted here)."""
    payload = opened(memo.read_bytes(), RUN_FORMAT, memo_key(memo))
    assert payload is not None
    return pickle.loads(payload)


def plant_memo(memo: Path, value: object, key: str | None = None) -> None:
    """Put `value` in the run memo, pickled, filed under `key` (default: the one it has)."""
    payload = value if isinstance(value, bytes) else pickle.dumps(value, pickle.HIGHEST_PROTOCOL)
    memo.write_bytes(seal(RUN_FORMAT, payload, memo_key(memo) if key is None else key))


def job_entries(jobs: Path) -> dict[str, tuple[int, bytes]]:
    payload = opened(jobs.read_bytes(), JOB_FORMAT)
    entries = None if payload is None else unpack_entries(payload)
    assert entries
    return entries


def plant_jobs(jobs: Path, value: bytes) -> None:
    """Put the pickle `value` under every key of the job cache."""
    forged = {key: (generation, value) for key, (generation, _) in job_entries(jobs).items()}
    jobs.write_bytes(seal(JOB_FORMAT, pack_entries(forged)))


def test_a_planted_run_record_runs_no_code(tmp_path: Path, run_cache: Path) -> None:
    root = synced(tmp_path)
    (memo,) = run_cache.glob("run-*")
    assert isinstance(remembered(memo), RunReport)
    marker = tmp_path / "ran"
    plant_memo(memo, _Planted(os.mkdir, str(marker)))
    planted, _ = counted(root)  # the job cache answers its jobs
    assert not marker.exists(), "the planted record ran its code"
    assert report_bytes(planted) == without_cache(root)
    # The run wrote its own record again: the next one is answered by it.
    assert counted(root)[1] == {}


def test_a_run_record_that_names_changes_is_not_trusted(tmp_path: Path, run_cache: Path) -> None:
    """A run is remembered without changes; a record with some (a planted one, naming a
    file to write) is ignored, and the run works out what to write itself."""
    root = synced(tmp_path)
    (memo,) = run_cache.glob("run-*")
    report = remembered(memo)
    assert isinstance(report, RunReport)
    change = FileChange("docs/guide4.md", b"overwritten\n", "output")
    plant_memo(memo, replace(report, changes=(change,)))
    assert invoke(root, "sync").exit_code == 0
    assert b"overwritten" not in (root / "docs" / "guide4.md").read_bytes()


def test_planted_job_records_run_no_code_and_are_rebuilt(tmp_path: Path, run_cache: Path) -> None:
    root = synced(tmp_path)
    (memo,) = run_cache.glob("run-*")
    (jobs,) = run_cache.glob("jobs-*")
    marker = tmp_path / "ran"
    plant_jobs(jobs, pickle.dumps(_Planted(os.mkdir, str(marker)), pickle.HIGHEST_PROTOCOL))
    memo.unlink()  # so that the run asks the job cache
    source = root / "docs" / "guide4.md"
    source.write_text(source.read_text(encoding="utf-8") + "\nA new paragraph.\n", encoding="utf-8")
    report, totals = counted(root)
    assert not marker.exists(), "a planted job record ran its code"
    # Every record a miss: each document read, each catalogue merged, each output rendered.
    assert totals == {"extract": 12, "update": 36, "render": 36}, "a planted job record was used"
    assert report_bytes(report) == without_cache(root)
    # Rebuilt: the next change redoes its own jobs only.
    source.write_text(source.read_text(encoding="utf-8") + "\nOne more.\n", encoding="utf-8")
    assert counted(root)[1] == {"extract": 1, "update": 3, "render": 3}


def _index(count: int, lengths: tuple[int, ...], keys: bytes, pickles: bytes) -> bytes:
    """A payload laid out as `cachefiles.pack_entries` lays one out: counts, lengths, keys, pickles."""
    numbers = struct.pack(f"<Q{2 * len(lengths)}Q", count, *[1] * len(lengths), *lengths)
    return numbers + struct.pack("<Q", len(keys)) + keys + pickles


@pytest.mark.parametrize(
    "payload",
    [
        _index(1, (4,), b"key", b"\x80\x04N.")[:-7],  # an index cut short
        _index(1, (50,), b"key", b"\x80\x04N."),  # a pickle longer than the file
        _index(1, (2,), b"\xff\xfe", b"N."),  # a key that is not UTF-8
        pickle.dumps({"key": (1, b"\x80\x04N.")}),  # a format before: one pickle
        b"junk",
    ],
    ids=["short", "length", "key", "pickle", "junk"],
)
def test_a_job_cache_of_another_shape_is_ignored(tmp_path: Path, run_cache: Path, payload: bytes) -> None:
    """A file with a valid checksum whose index is not as the tool writes it is an empty
    cache, not a traceback; nothing in it is unpickled."""
    root = synced(tmp_path)
    (memo,) = run_cache.glob("run-*")
    (jobs,) = run_cache.glob("jobs-*")
    jobs.write_bytes(seal(JOB_FORMAT, payload))
    memo.unlink()
    source = root / "docs" / "guide4.md"
    source.write_text(source.read_text(encoding="utf-8") + "\nA new paragraph.\n", encoding="utf-8")
    assert counted(root)[1] == EVERYTHING
    assert invoke(root, "sync").exit_code == 0


def test_the_index_reads_back_what_it_wrote() -> None:
    entries = {"a" * 64: (3, b"\x80\x04N."), "kéy": (1, b""), "": (2**40, b"x" * 300)}
    assert unpack_entries(pack_entries(entries)) == entries
    assert unpack_entries(pack_entries({})) == {}
    assert unpack_entries(b"") is None  # not even a count


@pytest.mark.parametrize(
    "planted",
    [
        _Planted(os.mkdir, "unused"),
        _Planted(eval, "1"),
        _Planted(getattr, "text", "upper"),
        _Planted(load_config, Path("unused")),  # a function of the package's own
    ],
    ids=["os", "builtins", "getattr", "own-function"],
)
def test_only_records_and_errors_are_read_back(planted: _Planted) -> None:
    with pytest.raises(pickle.UnpicklingError, match="no cache file holds"):
        load_kept(pickle.dumps(planted, pickle.HIGHEST_PROTOCOL))


def test_the_packages_errors_are_read_back() -> None:
    kept = load_kept(pickle.dumps(_Planted(WriteError, "message", "a.md"), pickle.HIGHEST_PROTOCOL))
    assert isinstance(kept, WriteError) and str(kept) == "a.md: message"


def test_a_module_is_never_imported_on_a_pickles_word() -> None:
    """Importing ``i18n_sync.__main__`` would run the command line."""
    sys.modules.pop("i18n_sync.__main__", None)
    data = b"ci18n_sync.__main__\nmain\n."  # protocol 0: the global i18n_sync.__main__.main
    with pytest.raises(pickle.UnpicklingError):
        load_kept(data)
    assert "i18n_sync.__main__" not in sys.modules


def test_every_record_a_run_keeps_is_read_back(tmp_path: Path) -> None:
    """The restriction refuses nothing the tool itself keeps: with rejections, diagnostics
    and errors in the results, every entry of the job cache loads as `pickle` loads it."""
    root = _rejecting_project(tmp_path / "repo")
    cache = tmp_path / "cache"
    run(load_config(root), environ={"I18N_SYNC_CACHE_DIR": str(cache), "SOURCE_DATE_EPOCH": "1764000000"})
    (jobs,) = cache.glob("jobs-*")
    entries = job_entries(jobs)
    assert len(entries) >= 12
    for _, data in entries.values():
        assert load_kept(data) == pickle.loads(data)
