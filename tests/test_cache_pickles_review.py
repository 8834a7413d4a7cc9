"""Review of `cachefiles.load_kept`: what a planted cache file (valid checksum) can still do.

An attacker who can write the run cache or the job cache must not be able to run
code, crash the tool (a traceback, or the interpreter itself) or hang it. Each test
plants a file or a pickle as such an attacker would; the ones that fail name a
defect, the ones that pass record what holds.
"""

from __future__ import annotations

import json
import os
import pickle
import struct
import subprocess
import sys
from collections.abc import Callable, Iterator
from contextlib import suppress
from pathlib import Path

import pytest

from helpers import invoke
from i18n_sync import record as records
from i18n_sync.errors import Diagnostic, WriteError
from i18n_sync.project import cache as run_cache_module
from i18n_sync.project.cachefiles import load_kept
from i18n_sync.project.combined import RunReport
from i18n_sync.project.config import load_config
from i18n_sync.project.jobs import Rendered
from i18n_sync.project.sync import run
from test_cache_pickles import job_entries, plant_jobs, plant_memo
from test_job_cache import synced
from test_record import _compact_project, _rejecting_project

_SRC = Path(__file__).resolve().parents[1] / "src"


@pytest.fixture(autouse=True)
def fixed_date(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1764000000")


@pytest.fixture
def rebuilders_restored() -> Iterator[None]:
    """A test that lets a pickle tamper with record's rebuilders puts them back after."""
    saved = {f: (f.__module__, f.__qualname__, f.__defaults__, dict(f.__dict__)) for f in records.REBUILDERS}
    yield
    for function, (module, qualname, defaults, attributes) in saved.items():
        function.__module__, function.__qualname__, function.__defaults__ = module, qualname, defaults
        function.__dict__.clear()
        function.__dict__.update(attributes)


class _Planted:
    """Pickles as a call of `function` with `arguments`, as an attacker's pickle would."""

    def __init__(self, function: object, *arguments: object) -> None:
        self.reduced = (function, arguments)

    def __reduce__(self) -> tuple[object, ...]:
        return self.reduced


def _retargeting(function: str, **attributes: object) -> bytes:
    """A pickle naming an allowed rebuilder, then BUILD with a slot state: `setattr` on it."""
    state = pickle.dumps((None, attributes), 2)[2:-1]  # the state, without PROTO and STOP
    return b"\x80\x02ci18n_sync.record\n" + function.encode() + b"\n" + state + b"b."


def _cli(
    root: Path, cache: Path, *paths: Path, preexec: Callable[[], None] | None = None
) -> subprocess.CompletedProcess[str]:
    """``python -m i18n_sync sync`` on `root` in a process of its own (the planted state must
    not leak into the test's), with this checkout's package first on the path; `preexec` runs
    in the child before it starts (a resource limit)."""
    environ = {
        **os.environ,
        "PYTHONPATH": os.pathsep.join(str(path) for path in (_SRC, *paths)),
        "I18N_SYNC_CACHE_DIR": str(cache),
        "SOURCE_DATE_EPOCH": "1764000000",
    }
    return subprocess.run(
        [sys.executable, "-m", "i18n_sync", "sync", "--root", str(root)],
        env=environ,
        capture_output=True,
        text=True,
        check=False,
        preexec_fn=preexec,
    )


# --- Defects -------------------------------------------------------------------------------------


@pytest.mark.usefixtures("rebuilders_restored")
def test_a_pickle_cannot_retarget_records_rebuilders() -> None:
    """BUILD on the allowed function `_rebuilt` (a function has no ``__setstate__``: the
    unpickler sets each attribute of a slot state) changes it for the rest of the process."""
    with suppress(Exception):  # a refusal is a fine answer; the function is what counts
        load_kept(_retargeting("_rebuilt", __module__="this", __qualname__="elsewhere"))
    assert records._rebuilt.__module__ == "i18n_sync.record"
    assert records._rebuilt.__qualname__ == "_rebuilt"


def test_a_planted_run_record_makes_the_run_import_a_module_of_its_choice(
    tmp_path: Path, run_cache: Path
) -> None:
    """Code execution: the planted run record renames ``_rebuilt.__module__``; the run's next
    pickle of a record (`RunMemo.remember`, or a worker's result) imports that module to find
    `_rebuilt` there, running it (``antigravity`` starts a browser; here a module that leaves a
    marker and gives `_rebuilt` back, so that nothing fails). Planted under the run's own key."""
    (tmp_path / "repo").mkdir()
    root = synced(tmp_path / "repo")
    (memo,) = run_cache.glob("run-*")
    marker = tmp_path / "ran"
    modules = tmp_path / "modules"
    modules.mkdir()
    (modules / "planted_on_path.py").write_text(
        f"import pathlib\npathlib.Path({str(marker)!r}).write_text('ran')\n"
        "from i18n_sync.record import _rebuilt\n",
        encoding="utf-8",
    )
    plant_memo(memo, _retargeting("_rebuilt", __module__="planted_on_path"))  # under the run's key
    done = _cli(root, run_cache, modules)
    assert not marker.exists(), f"the planted cache file ran a module of its choice (exit {done.returncode})"
    assert done.returncode == 0, done.stderr


def test_a_deeply_nested_key_does_not_crash_the_interpreter(tmp_path: Path, run_cache: Path) -> None:
    """A 1 MB run record: a dict keyed by a million nested 1-tuples. Unpickling hashes the key,
    and hashing a tuple recurses in C with no depth check: the tool died of SIGSEGV, no
    message, no traceback, when the file was unpickled before its key was compared. Filed
    under another key, it is not unpickled now (under the run's own key it would still crash:
    see `cachefiles`)."""
    (tmp_path / "repo").mkdir()
    root = synced(tmp_path / "repo")
    (memo,) = run_cache.glob("run-*")
    plant_memo(memo, b"\x80\x02}N" + b"\x85" * 1_000_000 + b"Ns.", key="0" * 64)  # another key
    done = _cli(root, run_cache)
    assert done.returncode == 0, f"exit status {done.returncode}: {done.stderr[-500:]}"


def _exponential_key() -> bytes:
    """A dict key that is a DAG of 2-tuples sharing one child (5 bytes a level), hashed as a
    tree: 64 levels, a 400-byte pickle, would hash its leaf 2**64 times."""
    leaf = pickle.dumps(Diagnostic("a.md", 1, "leaf"), 2)[2:-1]  # memo slots below 200
    return b"\x80\x02}" + leaf + b"q\xc8h\xc8\x86" * 64 + b"Ns."  # BINPUT 200, BINGET 200, TUPLE2


@pytest.mark.parametrize(
    "payload",
    [
        _exponential_key(),
        b"\x80\x02N" + b"r" + struct.pack("<I", 1 << 30) + b".",  # LONG_BINPUT: a 16 GB memo
        b"\x80\x02}N" + b"\x85" * 1_000_000 + b"Ns.",  # nested past C's stack
    ],
    ids=["exponential-hash", "huge-memo", "deep-nesting"],
)
def test_a_run_record_under_another_key_is_never_unpickled(
    tmp_path: Path, run_cache: Path, monkeypatch: pytest.MonkeyPatch, payload: bytes
) -> None:
    """The C unpickler cannot be made safe against these (a hang, an out-of-memory kill, a
    crash): a record is unpickled only when it is filed under the run's own key, so a file
    planted blind is never read. (Made for the exact state of the files, it would be.)"""
    root = synced(tmp_path)
    (memo,) = run_cache.glob("run-*")
    plant_memo(memo, payload, key="0" * 64)
    loaded: list[bytes] = []
    monkeypatch.setattr(run_cache_module, "load_kept", loaded.append)
    result = invoke(root, "sync")
    assert result.exit_code == 0, result.output
    assert loaded == []


@pytest.mark.parametrize(
    ("report", "arguments"),
    [
        (RunReport((), 5), ()),  # type: ignore[arg-type]
        (RunReport(None, ()), ()),  # type: ignore[arg-type]  # falsy: passes `not changes`
        (RunReport((), (), (5,)), ()),  # type: ignore[arg-type]
        (RunReport((), (), (), ("not an error",)), ("--format", "json")),  # type: ignore[arg-type]
        # `_remade` given an error class: an error made without `__init__`, with no message.
        (RunReport((), (), (), (_Planted(records._remade, WriteError, {}),)), ()),  # type: ignore[arg-type]
    ],
    ids=["languages", "changes-none", "diagnostic", "error-json", "error-remade"],
)
def test_a_recalled_run_report_of_wrong_types_is_no_traceback(
    tmp_path: Path, run_cache: Path, report: RunReport, arguments: tuple[str, ...]
) -> None:
    """`sync.run` returns any recalled `RunReport` without changes, whatever its fields hold;
    the command line then prints it and fails with a traceback (every run, until the file is
    deleted) instead of ignoring it and doing the run."""
    root = synced(tmp_path)
    (memo,) = run_cache.glob("run-*")
    plant_memo(memo, report)
    result = invoke(root, "sync", *arguments)
    assert not isinstance(result.exception, Exception), repr(result.exception)
    assert result.exit_code == 0, result.output


@pytest.mark.parametrize("planted", ["number", "record", "other-stage"])
def test_a_job_record_of_the_wrong_type_is_a_miss(tmp_path: Path, run_cache: Path, planted: str) -> None:
    """Under every key a run asks for, a value that passes `load_kept` but is not what that
    stage keeps (a number, another record, another stage's result): the stages' `restore`
    (``replace(kept, plan=...)``, the memory's suggestions) fail with a traceback."""
    root = synced(tmp_path)
    (memo,) = run_cache.glob("run-*")
    (jobs,) = run_cache.glob("jobs-*")
    other = next(data for _, data in job_entries(jobs).values() if isinstance(pickle.loads(data), Rendered))
    value = {
        "number": pickle.dumps(5, pickle.HIGHEST_PROTOCOL),
        "record": pickle.dumps(Diagnostic("a.md", 1, "planted"), pickle.HIGHEST_PROTOCOL),
        "other-stage": other,
    }[planted]
    plant_jobs(jobs, value)
    memo.unlink()  # so that the run asks the job cache
    source = root / "docs" / "guide4.md"
    source.write_text(source.read_text(encoding="utf-8") + "\nA new paragraph.\n", encoding="utf-8")
    result = invoke(root, "sync")
    assert not isinstance(result.exception, Exception), repr(result.exception)
    assert result.exit_code == 0, result.output


# --- What holds ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "data",
    [
        b"\x80\x02\x82\x01.",  # EXT1: the copyreg extension registry is empty
        b"\x80\x02K\x01Q.",  # BINPERSID: no persistent_load
        b"Pid\n.",  # PERSID
        b"(S'echo'\nios\nsystem\n.",  # INST of os.system, protocol 0
        b"\x80\x02ci18n_sync.errors\nDiagnostic.__init__\n.",  # a dotted name
        b"\x80\x02ci18n_sync\nerrors\n.",  # a module, as an attribute of its package
        b"\x80\x02ccopyreg\n_reconstructor\n.",  # protocol 0-1's way to make an object
    ],
    ids=["ext", "binpersid", "persid", "inst", "dotted", "module", "reconstructor"],
)
def test_other_ways_to_name_a_callable_are_refused(data: bytes) -> None:
    with pytest.raises(Exception):  # noqa: B017 - any refusal will do
        load_kept(data)


def test_an_allowed_class_cannot_be_changed_by_build() -> None:
    """Unlike the rebuilders, a record class and an error class have ``__setstate__``: BUILD
    on the class itself calls it unbound, which fails, and the class keeps its attributes."""
    for module, name in (("i18n_sync.errors", "Diagnostic"), ("i18n_sync.errors", "WriteError")):
        state = pickle.dumps((None, {"__module__": "this", "__reduce__": None}), 2)[2:-1]
        with pytest.raises(TypeError):
            load_kept(b"\x80\x02c" + f"{module}\n{name}\n".encode() + state + b"b.")
    assert Diagnostic.__module__ == WriteError.__module__ == "i18n_sync.errors"
    assert "__reduce__" not in vars(WriteError)


@pytest.mark.parametrize("build", [_compact_project, _rejecting_project], ids=["compact", "rejecting"])
def test_every_kept_record_loads_in_a_fresh_process(tmp_path: Path, build: object) -> None:
    """No legitimate record is refused (a silent miss every run) for naming a class whose
    module the command line has not imported yet: checked in a process that imported only
    what ``python -m i18n_sync`` imports, for a compendium, errors and rejected translations."""
    root = tmp_path / "repo"
    root.mkdir()
    build(root)  # type: ignore[operator]
    cache = tmp_path / "cache"
    environ = {"I18N_SYNC_CACHE_DIR": str(cache), "SOURCE_DATE_EPOCH": "1764000000"}
    for steps in (("extract", "update", "render"), ("update",), ("render",)):
        run(load_config(root), steps, environ=environ)
    # The run records and the job cache hold pickles; the signature and plan files do not.
    files = sorted(str(file) for file in cache.iterdir() if file.name.startswith(("run-", "jobs-")))
    assert any("jobs-" in file for file in files)
    script = (
        "import json, pickle, sys\nimport i18n_sync.cli\n"
        "from i18n_sync.project import cache, jobcache\n"
        "from i18n_sync.project.cachefiles import load_kept, opened, unpack_entries\n"
        "count = 0\n"
        "for name in json.loads(sys.argv[1]):\n"
        "    data = open(name, 'rb').read()\n"
        "    if data.startswith(cache._FORMAT):\n"
        "        key = data[len(cache._FORMAT):len(cache._FORMAT) + 64].decode()\n"
        "        payloads = [opened(data, cache._FORMAT, key)]\n"
        "    else:\n"
        "        payloads = [entry for _, entry in unpack_entries(opened(data, jobcache._FORMAT)).values()]\n"
        "    for payload in payloads:\n"
        "        assert load_kept(payload) == pickle.loads(payload)\n"
        "        count += 1\n"
        "print(count)\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", script, json.dumps(files)],
        env={**os.environ, "PYTHONPATH": str(_SRC)},
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert int(done.stdout) >= 12
