"""Review of the sources listed ahead (`project.ahead`): defects found, and what held.

Defects (each test failed before its fix):
- a run that waited for another run's lock took a listing made before that wait;
- a program run in its own caller's process (a test, a tool) left its listing, untaken, for a
  later run of that process to take, and its process running;
- `check` never took the listing made for it;
- a ^C while the run waited for the listing left its process running, and never reaped;
- each listing taken left an exit handler registered.
"""

from __future__ import annotations

import atexit
import os
import signal
import subprocess
import sys
import threading
import time
import types
from pathlib import Path

import pytest

import i18n_sync
from helpers import child_processes, docs_project
from i18n_sync import api
from i18n_sync.cli import program
from i18n_sync.cli.group import main
from i18n_sync.project import ahead, cache, cachedir, plan
from i18n_sync.project.config import load_config
from i18n_sync.project.files import hold_lock
from i18n_sync.project.plan import find_sources, source_candidates
from i18n_sync.project.pool import can_fork

FORKS = pytest.mark.skipif(not can_fork(), reason="listed ahead only where there is fork")
# The package under test, for a program run in another folder (a relative PYTHONPATH would not do).
SRC = Path(i18n_sync.__file__).resolve().parents[1]


@pytest.fixture(autouse=True)
def nothing_ahead() -> None:
    """No listing left over from another test, nor for the next."""
    ahead.forget()
    yield
    ahead.forget()


def _listing_made() -> None:
    """Wait for the listing process to end (its listing sent), without taking the listing."""
    process = ahead._ahead._process if ahead._ahead is not None else None
    deadline = time.monotonic() + 20
    while process is not None and process.is_alive() and time.monotonic() < deadline:
        time.sleep(0.01)


def _open_descriptors() -> set[str]:
    return set(os.listdir("/proc/self/fd"))


# --- Defects --------------------------------------------------------------------------------


@FORKS
def test_a_run_that_waited_for_the_lock_reads_the_sources_there_are_then(tmp_path: Path) -> None:
    """Defect (high): `i18n-sync sync` lists its sources ahead, then waits for another run's lock
    (up to `lock_timeout`, 30 s by default): it took the listing made before the wait, missed a
    source added meanwhile and failed on one removed meanwhile ("docs/page0.md: no such
    file", exit 1). Fixed: `api._writing` drops the listing when the lock is busy."""
    root = docs_project(tmp_path, ("tr",), pages=3)
    environ = {**os.environ, "I18N_SYNC_CACHE_DIR": "off", "I18N_SYNC_JOBS": "1", "PYTHONPATH": str(SRC)}
    with hold_lock(root, 5):
        running = subprocess.Popen(
            [sys.executable, "-m", "i18n_sync", "sync"],
            cwd=root,
            env=environ,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        assert "waiting for another i18n-sync run" in running.stderr.readline()
        time.sleep(0.3)  # the listing process is done long since
        (root / "docs" / "new.md").write_text("# New\n\nA new page.\n", encoding="utf-8")
        (root / "docs" / "page0.md").unlink()
    _out, err = running.communicate(timeout=60)
    assert running.returncode == 0, err
    assert (root / "new.tr.md").is_file()
    assert not (root / "page0.tr.md").exists()


@FORKS
def test_a_program_run_in_process_leaves_no_listing_for_a_later_run(tmp_path: Path) -> None:
    """Defect (medium): `program(args)` in a process that goes on (a test, a tool) whose command
    failed before its run left its listing; the next run of the project in that process took
    it, made before the files it then had, and missed a page. Fixed: `cli.program` drops, in a
    `finally`, a listing no run took (`ahead.forget`)."""
    root = docs_project(tmp_path, ("tr",), pages=3)
    before = child_processes()
    with pytest.raises(SystemExit) as ended:
        program(["sync", "--root", str(root), "--lang", "de"])  # not a language of the project
    assert ended.value.code == 2
    assert ahead._ahead is None
    assert child_processes() == before
    (root / "docs" / "new.md").write_text("# New\n\nA new page.\n", encoding="utf-8")
    result = api.sync(api.load_project(root), check=True)
    assert "new.tr.md" in {change.path for change in result.report.changes}


class _Interrupted(types.ModuleType):
    def __getattr__(self, name: str) -> object:
        raise KeyboardInterrupt


@FORKS
def test_a_ctrl_c_while_the_program_loads_stops_the_listing(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """Defect (medium, the same fix): a ^C while the modules load ends the program ("Aborted!",
    status 1); in a process that goes on, its listing process was left running."""
    root = docs_project(tmp_path, ("tr",), pages=3)
    monkeypatch.setitem(sys.modules, "i18n_sync.cli.script", _Interrupted("i18n_sync.cli.script"))
    before = child_processes()
    with pytest.raises(SystemExit) as ended:
        program(["sync", "--root", str(root)])
    assert ended.value.code == 1
    assert "Aborted!" in capsys.readouterr().err
    assert ahead._ahead is None
    assert child_processes() == before


@FORKS
def test_check_takes_the_listing_made_for_it(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Defect (low): `check` is a command line the sources are listed ahead for, but
    `check_project` listed them itself: the other core's work was for nothing, and the listing
    stayed for a later run of the process. Fixed: `inspect.check_project` takes it."""
    root = docs_project(tmp_path, ("tr",), pages=3)
    ahead.start(["check", "--root", str(root)])
    asked: list[object] = []
    real = plan.find_sources
    monkeypatch.setattr(plan, "find_sources", lambda *args: asked.append(args) or real(*args))
    report = api.check(api.load_project(root))
    assert report.errors == ()
    assert asked == []
    assert ahead._ahead is None


@FORKS
def test_a_ctrl_c_while_waiting_for_the_listing_ends_its_process(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Defect (low-medium): a ^C while `listed` waited for the listing (a large tree) left its
    process running after the program, and never reaped: `listed` had taken it from `_ahead`,
    so the exit handler had nothing to stop. Fixed: `listed` waits within ``with ahead``."""
    root = docs_project(tmp_path, ("tr",), pages=3)

    def slow(folder: str) -> None:
        time.sleep(30)

    monkeypatch.setattr(ahead, "_list", slow)
    before = child_processes()
    ahead.start(["sync", "--root", str(root)])
    started = [pid for pid in child_processes() if pid not in before]
    config = load_config(root)
    timer = threading.Timer(0.3, os.kill, (os.getpid(), signal.SIGINT))
    timer.start()
    try:
        with pytest.raises(KeyboardInterrupt):
            ahead.taken(config)
        assert child_processes() == before
    finally:
        timer.join()
        for pid in started:  # what the defect left
            if pid in child_processes():
                os.kill(pid, signal.SIGKILL)
                os.waitpid(pid, 0)


@FORKS
def test_taking_listings_leaves_no_exit_handlers_behind(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Defect (low): each listing taken left `_stop` registered at exit, once more each time (a
    program run in-process many times: one handler a run). Fixed: `listed` unregisters it."""
    root = docs_project(tmp_path, ("tr",), pages=3)
    config = load_config(root)
    registered: list[object] = []
    monkeypatch.setattr(atexit, "register", registered.append)
    monkeypatch.setattr(
        atexit,
        "unregister",
        lambda function: registered.__setitem__(slice(None), [f for f in registered if f != function]),
    )
    for _ in range(3):
        ahead.start(["sync", "--root", str(root)])
        assert ahead.taken(config) is not None
    assert registered.count(ahead.forget) <= 1


# --- What held --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "args",
    [
        ["--root", "a", "--root", "b", "sync"],
        ["--root=a", "sync", "--root", "b"],
        ["sync", "--root", "a", "--root=b"],
        ["--root", "a", "status", "--root", "."],
        ["--format", "json", "--root", "a", "status"],
        ["--root", "--format", "sync"],  # and --root takes "--format"
        ["-q", "--root=", "extract"],
        ["update", "--root=a=b"],
    ],
)
def test_click_reads_the_same_folder(
    args: list[str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Holds: where `planned_root` names a folder, click runs the command in that one."""
    monkeypatch.chdir(tmp_path)
    chosen: list[Path] = []

    def load_project(root: Path) -> None:
        chosen.append(root)
        raise SystemExit(0)

    monkeypatch.setattr(api, "load_project", load_project)
    planned = ahead.planned_root(args)
    assert planned is not None
    with pytest.raises(SystemExit):
        main(args, prog_name="i18n-sync")
    assert [str(path) for path in chosen] == [str(Path(planned))]


@FORKS
def test_a_listing_through_a_symlink_or_a_relative_root_is_the_runs_own(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Holds: a listing made for a link to the folder, or for ".", fits the run's configuration
    of the folder, and is what the run would list."""
    (tmp_path / "real").mkdir()
    root = docs_project(tmp_path / "real", ("tr",), pages=4)
    (tmp_path / "link").symlink_to(root, target_is_directory=True)
    for planned, run_root in ((str(tmp_path / "link"), root), (".", Path("."))):
        monkeypatch.chdir(root)
        ahead.start(["sync", "--root", planned])
        config = load_config(run_root)
        candidates = source_candidates(config)
        found = ahead.taken(config)
        assert found is not None  # made ahead, and for this configuration
        assert (set(found.candidates), list(found.sources or ())) == (
            candidates,
            find_sources(config, candidates),
        )


@FORKS
def test_a_listing_leaves_no_process_nor_descriptor(tmp_path: Path) -> None:
    """Holds: once taken (or dropped), the process is reaped and the pipe's end closed."""
    root = docs_project(tmp_path, ("tr",), pages=3)
    config = load_config(root)
    processes, descriptors = child_processes(), _open_descriptors()
    ahead.start(["sync", "--root", str(root)])
    assert ahead.taken(config) is not None
    ahead.start(["status", "--root", str(root)])
    _listing_made()
    ahead.forget()
    assert child_processes() == processes
    assert _open_descriptors() == descriptors


@FORKS
def test_a_fork_refused_lists_nothing_ahead(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Holds: where the system refuses the fork, nothing is listed ahead, nothing is raised, and
    no descriptor is left open: the run lists its sources itself."""
    root = docs_project(tmp_path, ("tr",), pages=3)

    def refused() -> int:
        raise BlockingIOError(11, "Resource temporarily unavailable")

    descriptors = _open_descriptors()
    monkeypatch.setattr(os, "fork", refused)
    ahead.start(["sync", "--root", str(root)])
    assert ahead._ahead is None
    assert ahead.taken(load_config(root)) is None
    assert _open_descriptors() == descriptors


def test_the_run_memo_and_the_table_of_languages_share_one_fingerprint() -> None:
    """Holds (the `cachedir` split): `cache` names the very function `cachedir` defines, so the
    tests that clear it or patch its inputs in `cachedir` reach the run memo's keys too."""
    assert cache.tool_fingerprint is cachedir.tool_fingerprint
    assert cache.cache_folder is cachedir.cache_folder
    assert cache.refusal_at is cachedir.refusal_at
