"""Review of "a second process looks at half of the files' signatures" (7877a65), "job cache
entries read back as a plain dict, made with the collector paused" (c4c084f) and the review
fixes of 2dfe96d: the defects found (tests that fail until fixed), and the probes that hold.
"""

from __future__ import annotations

import contextlib
import gc
import multiprocessing
import os
import random
import shutil
import sys
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

import helpers
from i18n_sync.project import background, signatures
from i18n_sync.project import cachedir as cache_module
from i18n_sync.project.cachefiles import pack_entries, unpack_entries
from i18n_sync.project.config import load_config
from i18n_sync.project.inspect import project_status
from i18n_sync.project.pool import collector_paused
from i18n_sync.project.sync import run
from i18n_sync.record import record
from test_signatures import looked, settled_project  # noqa: F401 - the fixture

SECOND = 1_000_000_000
FORK = "fork" in multiprocessing.get_all_start_methods()
needs_fork = pytest.mark.skipif(not FORK, reason="no fork: one process looks")


# --- helpers -----------------------------------------------------------------------------------


def _packed(root: Path, names: list[str]) -> bytes:
    """The signatures of `names` under `root` as `Seen.packed` holds them (none: `_ABSENT`)."""
    found = []
    for name in names:
        try:
            found.append(signatures._signature_of(os.lstat(os.path.join(root, name))))
        except (OSError, ValueError):
            found.append(signatures._ABSENT)
    return b"".join(signatures._SIGNATURE.pack(*signature) for signature in found)


@pytest.fixture
def split(monkeypatch: pytest.MonkeyPatch) -> list[background.Background[object]]:
    """Every look with two workers splits (`_WORTH_A_PROCESS` 0); the processes started."""
    monkeypatch.setattr(signatures, "_WORTH_A_PROCESS", 0)
    return helpers.spy_backgrounds(monkeypatch, signatures)


@pytest.fixture
def settled(monkeypatch: pytest.MonkeyPatch) -> None:
    """Looks made a minute from now: every file written before is settled."""
    monkeypatch.setattr(signatures, "_clock", lambda: time.time_ns() + 60 * SECOND)


def _answers(root: Path, names: list[str], packed: bytes, workers: int) -> tuple[object, ...]:
    """`first_change`, and `refresh` from 0 and from that index, with `workers`."""
    digests = bytes(32 * len(names))
    first = signatures.first_change(root, names, packed, workers)
    seen = []
    for start in (0, first, max(first, 0) + 1, len(names) - 1):
        found = signatures.refresh(root, names, packed, digests, None, start, workers)
        seen.append(None if found is None else (dict(found.digests), dict(found.read), found.packed))
    return (first, *seen)


@pytest.fixture
def child_does(monkeypatch: pytest.MonkeyPatch) -> Callable[[Callable[..., Any]], None]:
    """Make `signatures._looked` call the function given in a forked process (with the real
    one and its arguments), and look in this one."""
    parent = os.getpid()
    real = signatures._looked

    def install(child: Callable[..., Any]) -> None:
        def looked_(*args: Any) -> Any:
            return child(real, *args) if os.getpid() != parent else real(*args)

        monkeypatch.setattr(signatures, "_looked", looked_)

    return install


def _patience(monkeypatch: pytest.MonkeyPatch, seconds: float) -> None:
    """`Background.result` waits `seconds` at most (its default is 30)."""
    real = background.Background.result
    monkeypatch.setattr(
        background.Background, "result", lambda self, patience=30.0: real(self, min(patience, seconds))
    )


def _tree(root: Path, count: int) -> list[str]:
    names = [f"d{index % 3}/f{index:03}.txt" for index in range(count)]
    for name in names:
        (root / name).parent.mkdir(exist_ok=True)
        (root / name).write_text(name, encoding="utf-8")
    return names


# --- signatures: one process and two give the same answers -------------------------------------


@needs_fork
@pytest.mark.parametrize("count", [0, 1, 2, 3, 5, 16, 41])
def test_two_processes_answer_as_one_on_random_changes(
    tmp_path: Path, split: list[Any], settled: None, count: int
) -> None:
    """Holds: on trees of 0 to 41 files (an empty or one-file half, odd and even middles),
    random changes of every kind (a file changed, gone, come; a folder made a file: ENOTDIR;
    a folder made a symlink loop: ELOOP; a name with a NUL: ValueError; a name too long),
    `first_change` and `refresh` (from 0, from `first_change`'s answer, one past it, the last)
    give the same answers with two workers as with one."""
    randomly = random.Random(count)
    for trial in range(6):
        root = tmp_path / f"t{trial}"
        root.mkdir()
        names = _tree(root, count)
        extra = ["late.txt", "d1/late.txt", "d9/x.txt", "bad\0name", "x" * 300, "loop/x"]
        names = sorted(names + randomly.sample(extra, k=min(len(extra), randomly.randint(0, 3))))
        packed = _packed(root, names)
        for _ in range(randomly.randint(0, 3)):
            what = randomly.choice(["change", "remove", "come", "notdir", "loop"])
            name = randomly.choice(names) if names else "late.txt"
            target = root / name.replace("\0", "")
            with contextlib.suppress(OSError):
                _mutate(root, target, name, what, randomly)
        one = _answers(root, names, packed, 1)
        assert _answers(root, names, packed, 2) == one, (trial, names)
    assert split or count == 0  # the second half was looked at by another process


def _mutate(root: Path, target: Path, name: str, what: str, randomly: random.Random) -> None:
    """One random change of `what` kind to the tree (`target`: the file `name`)."""
    if what == "change" and target.is_file():
        target.write_text("changed, and longer than before", encoding="utf-8")
    elif what == "remove" and target.is_file():
        target.unlink()
    elif what == "come" and "\0" not in name and len(name) < 255:
        target.parent.mkdir(parents=True, exist_ok=True)
        if not target.exists():
            target.write_text("new", encoding="utf-8")
    elif what == "notdir":
        folder = root / randomly.choice(["d0", "d1", "d2"])
        shutil.rmtree(folder, ignore_errors=True)
        folder.write_text("a file where a folder was", encoding="utf-8")
    elif what == "loop" and not (root / "loop").exists():
        (root / "loop").symlink_to("loop")


@needs_fork
def test_every_position_of_one_change_is_found_alike(tmp_path: Path, split: list[Any], settled: None) -> None:
    """Holds: one change at each index of 9 files (across the middle, 4), or one file that
    cannot be looked at there: the same index from `first_change`, the same files read by
    `refresh` from every start."""
    names = _tree(tmp_path, 9)
    packed = _packed(tmp_path, names)
    for index, name in enumerate(names):
        before = (tmp_path / name).read_bytes()
        (tmp_path / name).write_text("another length", encoding="utf-8")
        assert _answers(tmp_path, names, packed, 2) == _answers(tmp_path, names, packed, 1)
        assert signatures.first_change(tmp_path, names, packed, 2) == index
        (tmp_path / name).write_bytes(before)
        blocked = [*names[:index], f"{names[0]}/inside", *names[index:]]  # ENOTDIR at `index`
        packed_blocked = _packed(tmp_path, blocked)
        assert signatures.first_change(tmp_path, blocked, packed_blocked, 2) == index
        assert _answers(tmp_path, blocked, packed_blocked, 2) == _answers(
            tmp_path, blocked, packed_blocked, 1
        )
        packed = _packed(tmp_path, names)


@needs_fork
@pytest.mark.parametrize("index", [1, 10, 11])
def test_a_file_that_cannot_be_entered_is_told_alike(
    tmp_path: Path, split: list[Any], settled: None, monkeypatch: pytest.MonkeyPatch, index: int
) -> None:
    """Holds: EACCES (as a folder without the x bit gives; `os.lstat` made to raise it, as
    root looks into any folder) in either half, or at the middle, ends the look alike."""
    names = _tree(tmp_path, 20)
    packed = _packed(tmp_path, names)
    real = os.lstat
    refused = str(tmp_path / names[index])

    def lstat(path: Any, *args: Any, **kw: Any) -> os.stat_result:
        if os.fspath(path) == refused:
            raise PermissionError(13, "Permission denied", path)
        return real(path, *args, **kw)

    monkeypatch.setattr(os, "lstat", lstat)
    answers = _answers(tmp_path, names, packed, 2)
    assert answers == _answers(tmp_path, names, packed, 1) and answers[0] == index


# --- signatures: the other process fails ---------------------------------------------------------


def _failing_child_case(tmp_path: Path) -> tuple[list[str], bytes]:
    names = _tree(tmp_path, 20)
    packed = _packed(tmp_path, names)
    (tmp_path / names[15]).write_text("changed in the second half", encoding="utf-8")
    return names, packed


@needs_fork
@pytest.mark.parametrize("how", ["exits", "raises", "is killed", "sends what cannot be pickled"])
def test_a_failing_other_process_is_made_up_for_here(
    tmp_path: Path, split: list[Any], settled: None, child_does: Any, how: str
) -> None:
    """Holds: when the other process dies, fails, is killed or sends nothing that reads back,
    this one looks at the second half itself: the same answers."""
    names, packed = _failing_child_case(tmp_path)
    expected = _answers(tmp_path, names, packed, 1)

    def child(real: Any, *args: Any) -> Any:
        if how == "exits":
            os._exit(3)
        if how == "raises":
            raise RuntimeError("boom")
        if how == "is killed":
            os.kill(os.getpid(), 9)
        return lambda: None  # not picklable

    child_does(child)
    assert _answers(tmp_path, names, packed, 2) == expected
    assert expected[0] == 15 and len(split) >= 2
    assert all(not started._process.is_alive() for started in split)


@needs_fork
def test_a_hanging_other_process_is_stopped_and_made_up_for(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, split: list[Any], settled: None, child_does: Any
) -> None:
    """Holds: a process that never answers is waited for `patience` at most, then killed, and
    its half looked at here (30 s by default: shortened to 1 s)."""
    names, packed = _failing_child_case(tmp_path)
    expected = signatures.first_change(tmp_path, names, packed, 1)
    _patience(monkeypatch, 1.0)
    child_does(lambda real, *args: time.sleep(60))
    started = time.monotonic()
    assert signatures.first_change(tmp_path, names, packed, 2) == expected == 15
    assert time.monotonic() - started < 10
    assert split and not split[-1]._process.is_alive()


@needs_fork
@pytest.mark.parametrize("where", ["a change", "a file that cannot be looked at"])
def test_the_first_half_stops_the_other_without_waiting(
    tmp_path: Path, split: list[Any], settled: None, child_does: Any, where: str
) -> None:
    """Holds: a change (first_change) or a file that cannot be looked at (both) in the first
    half answers at once, and kills the other process, which is not waited for."""
    names = _tree(tmp_path, 20)
    packed = _packed(tmp_path, names)
    if where == "a change":
        (tmp_path / names[2]).write_text("changed in the first half", encoding="utf-8")
    else:
        names = [*names[:2], f"{names[0]}/inside", *names[2:]]
        packed = _packed(tmp_path, names)
    child_does(lambda real, *args: time.sleep(60))
    started = time.monotonic()
    assert signatures.first_change(tmp_path, names, packed, 2) == 2
    if where != "a change":
        assert signatures.refresh(tmp_path, names, packed, bytes(32 * len(names)), None, 0, 2) is None
    assert time.monotonic() - started < 5
    assert split and all(not started_._process.is_alive() for started_ in split)


@needs_fork
def test_an_interrupt_during_the_look_stops_the_other_process(
    tmp_path: Path, split: list[Any], settled: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Holds: ^C while this process looks at its half: KeyboardInterrupt out of
    `first_change`, the other process killed and reaped, its pipe closed."""
    names = _tree(tmp_path, 20)
    packed = _packed(tmp_path, names)
    parent = os.getpid()
    real = signatures._looked

    def looked_(*args: Any) -> Any:
        if os.getpid() == parent:
            raise KeyboardInterrupt
        time.sleep(60)
        return real(*args)

    monkeypatch.setattr(signatures, "_looked", looked_)
    with pytest.raises(KeyboardInterrupt):
        signatures.first_change(tmp_path, names, packed, 2)
    assert len(split) == 1
    assert not split[0]._process.is_alive() and split[0]._process.exitcode is not None
    assert split[0]._reader == -1  # its pipe closed (a bare fork since this review: an fd)


def test_no_fork_looks_here_alike(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, settled: None) -> None:
    """Holds: where there is no fork (or the system refuses one), `in_background` gives None
    and this process looks at every file: the same answers."""
    names, packed = _failing_child_case(tmp_path)
    expected = _answers(tmp_path, names, packed, 1)
    monkeypatch.setattr(signatures, "_WORTH_A_PROCESS", 0)
    asked: list[object] = []
    monkeypatch.setattr(signatures, "in_background", lambda function: asked.append(function))
    assert _answers(tmp_path, names, packed, 2) == expected and asked


@needs_fork
def test_no_process_below_the_threshold_nor_with_one_worker(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Holds: fewer than `_WORTH_A_PROCESS` files to look at (from `start`), or one worker: no
    fork; from 4,000 with two, one. (Missing files: nothing to write.)"""
    started = helpers.spy_backgrounds(monkeypatch, signatures)
    threshold = signatures._WORTH_A_PROCESS
    assert threshold == 4000
    for count, workers, forks in ((threshold - 1, 8, 0), (threshold, 2, 1), (3 * threshold, 1, 0)):
        names = [f"missing/{index:05}" for index in range(count)]
        packed = _packed(tmp_path, names)
        started.clear()
        assert signatures.first_change(tmp_path, names, packed, workers) == count
        assert len(started) == forks, (count, workers)
    names = [f"missing/{index:05}" for index in range(2 * threshold)]
    packed = _packed(tmp_path, names)
    started.clear()
    seen = signatures.refresh(tmp_path, names, packed, bytes(32 * len(names)), None, threshold + 1, 2)
    assert seen is not None and started == []  # the rest from `start`: 3,999


# --- signatures: the state a forked process inherits ---------------------------------------------


@needs_fork
def test_a_thread_reading_stdin_does_not_stall_the_look(
    tmp_path: Path, split: list[Any], settled: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    """DEFECT (low, availability; `signatures._changes` through `background.in_background`): the
    forked process is a `multiprocessing.Process`, whose bootstrap closes `sys.stdin`. A
    program that calls the library from one thread while another waits on stdin (an editor's
    language server reading its requests, a REPL) holds stdin's buffer lock: the child
    deadlocks on it before looking at a file, and the parent waits `_PATIENCE` (30 s) for
    it on every no-op run and every status of a docs tree (>= 4,000 files, >= 2 cores), where
    one process looks in 80 ms. Before this change a run with nothing to do never forked.
    (Shortened to 5 s here; the answer is right, only late.) A bare `os.fork` with
    `os._exit`, or a pipe-based child that skips `Process._bootstrap`, would not touch stdin.
    (The pools hang so too, for good, on a run with work: a hazard older than this change,
    which it brings to the runs that had none.)"""
    names = _tree(tmp_path, 20)
    packed = _packed(tmp_path, names)
    _patience(monkeypatch, 5.0)
    read_end, write_end = os.pipe()
    stdin = os.fdopen(read_end, "r")
    monkeypatch.setattr(sys, "stdin", stdin)
    reader = threading.Thread(target=stdin.readline, daemon=True)
    reader.start()
    time.sleep(0.2)  # the thread waits in readline, holding the buffer's lock
    try:
        started = time.monotonic()
        assert signatures.first_change(tmp_path, names, packed, 2) == len(names)
        took = time.monotonic() - started
    finally:
        os.write(write_end, b"done\n")
        reader.join(5)
        os.close(write_end)
    assert split
    assert took < 2, f"the look waited {took:.1f} s for a process stuck closing stdin"


# --- the run and the status through two processes ------------------------------------------------


@needs_fork
def test_a_run_and_a_status_with_two_workers_see_a_change_in_either_half(
    tmp_path: Path,
    later: None,
    looked: dict[str, list[str]],  # noqa: F811 - the fixture
    monkeypatch: pytest.MonkeyPatch,
    split: list[Any],
) -> None:
    """Holds: `sync.run` and `inspect.project_status` with I18N_SYNC_JOBS=2 look through two
    processes, take the remembered run when nothing changed, and see a change in the second
    half of the files (no stale result): the same reports as one worker gives."""
    monkeypatch.setenv("I18N_SYNC_JOBS", "2")
    root = settled_project(tmp_path, looked)
    config = load_config(root)
    assert project_status(config) == project_status(config)
    split.clear()
    assert run(config).changes == () and looked["planned"] == [] and split
    status = project_status(config)
    assert split
    # A catalogue near the end of the sorted files: in the second half.
    wanted = sorted(p.relative_to(root).as_posix() for p in root.rglob("*.po"))
    last = root / wanted[-1]
    last.write_text(
        last.read_text(encoding="utf-8") + '\nmsgid "Added"\nmsgstr "Eklendi"\n', encoding="utf-8"
    )
    changed = project_status(config)
    monkeypatch.setenv("I18N_SYNC_JOBS", "1")
    assert changed == project_status(config) and changed != status
    monkeypatch.setenv("I18N_SYNC_JOBS", "2")
    report = run(config)
    assert looked["planned"] or any(path in looked["read"] for path in wanted[-1:])
    monkeypatch.setenv(cache_module.CACHE_VARIABLE, "off")
    assert report.changes == run(config).changes


# --- c4c084f: entries read with the collector paused ---------------------------------------------


def test_the_collector_pause_nests_and_is_restored_on_a_failure() -> None:
    """Holds: `collector_paused` inside `execute`'s pause leaves the collector off; outside
    any, it is back on after `unpack_entries`, and after a failure inside."""
    payload = pack_entries({"a": (1, b"x"), "b": (2, b"yy")})
    assert gc.isenabled()
    with collector_paused():
        assert unpack_entries(payload) == {"a": (1, b"x"), "b": (2, b"yy")}
        assert not gc.isenabled()
    assert gc.isenabled()
    assert unpack_entries(payload) is not None and gc.isenabled()
    assert unpack_entries(payload[:-1]) is None and gc.isenabled()
    with pytest.raises(KeyboardInterrupt), collector_paused():
        raise KeyboardInterrupt
    assert gc.isenabled()
    gc.disable()
    try:
        unpack_entries(payload)
        assert not gc.isenabled()  # a program that keeps it off keeps it off
    finally:
        gc.enable()


def test_a_key_twice_is_refused_and_slices_are_views() -> None:
    """Holds: a payload naming a key twice reads as None (the dict is shorter than the count);
    each pickle is a view of the payload."""
    payload = pack_entries({"a": (1, b"x"), "b": (2, b"y")}).replace(b"a\nb", b"a\na")
    assert unpack_entries(payload) is None
    back = unpack_entries(pack_entries({"k": (3, b"abc")}))
    assert back is not None and isinstance(back["k"][1], memoryview) and bytes(back["k"][1]) == b"abc"


# --- 2dfe96d: regular files only, parameters that compile ----------------------------------------


def test_the_fingerprint_skips_what_is_not_a_regular_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Holds: a named pipe, a symlink to one, a link to nowhere and a folder named like a
    module are left out of the fingerprint (no hang, no traceback); a symlink to a regular
    file is read."""
    package = Path(cache_module.__file__).resolve().parents[1]
    copied = tmp_path / "i18n_sync"
    shutil.copytree(package, copied, ignore=shutil.ignore_patterns("__pycache__"))
    monkeypatch.setattr(cache_module, "__file__", str(copied / "project" / "cache.py"))
    before = cache_module._package_files(str(copied))
    os.mkfifo(copied / "pipe.py")
    (copied / "to_pipe.po").symlink_to(copied / "pipe.py")
    (copied / ".#cache.py").symlink_to("user@host.1:2")
    (copied / "folder.json").mkdir()
    assert cache_module._package_files(str(copied)) == before
    (copied / "linked.pot").symlink_to(copied / "project" / "cache.py")
    assert cache_module._package_files(str(copied)) == sorted([*before, "linked.pot"])


def test_a_record_refuses_what_compiling_would_refuse() -> None:
    """Holds: a field named as the `self` the dataclass would use, or a keyword, is refused
    with SyntaxError."""
    for fields in ({"self": int, "__dataclass_self__": int}, {"class": int}, {"None": int}):
        with pytest.raises(SyntaxError):
            record(type("Odd", (), {"__annotations__": fields, "__module__": __name__}))


def test_a_record_refuses_a_field_name_compiling_would_change() -> None:
    """DEFECT (low, `record._init_of`/`_parameter`): compiling normalises identifiers (NFKC),
    so "ﬁ" (a ligature) can be no parameter's name: a parameter written so is named "fi". The
    dataclass cannot make such a class; `record` makes one whose ``__init__`` has a
    parameter named "ﬁ" that no call written in Python can give by keyword (``Odd(ﬁ=1)`` is
    ``Odd(fi=1)``), and fields "ﬁ" and "fi" side by side, which compiled would be one name
    twice. `_parameter` could also require ``unicodedata.normalize("NFKC", name) == name``."""
    with pytest.raises(SyntaxError):
        record(type("Odd", (), {"__annotations__": {"ﬁ": int, "fi": int}, "__module__": __name__}))
