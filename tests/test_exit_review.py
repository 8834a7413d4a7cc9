"""Review of the quick exit (`cli.program`) and of pools left to exit (`pool.workers_exiting`).

Each test here fails on 0327bea, for the reason its docstring gives.
"""

from __future__ import annotations

import os
import subprocess
import sys
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from helpers import WatchedPool, docs_project, square, watch_pools
from i18n_sync import api
from i18n_sync.project.pool import forks, map_jobs, workers_exiting

SRC = Path(__file__).resolve().parents[1] / "src"


def _run(command: list[str], cwd: Path, stdin: str = "") -> subprocess.CompletedProcess[str]:
    """`command` in a process of its own, on this checkout's code, with `stdin` as its input."""
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join([str(SRC), *filter(None, [env.get("PYTHONPATH")])])
    env["I18N_SYNC_CACHE_DIR"] = "off"
    env.pop("PYTHONINSPECT", None)
    return subprocess.run(command, cwd=cwd, env=env, input=stdin, capture_output=True, text=True, timeout=120)


# --- the quick exit: a normal exit unwinds the frames that called the module first -----------


def test_a_profiler_running_the_module_still_prints_its_report(tmp_path: Path) -> None:
    """``python -m cProfile -m i18n_sync ...`` runs the module through runpy and prints its
    report once the module's SystemExit reaches it (cProfile catches it). `program` ends the
    process from inside the module (os._exit): the report is never printed. The same holds
    for every tool that wraps ``-m`` the same way (pyinstrument, coverage run, memray...)."""
    done = _run([sys.executable, "-m", "cProfile", "-m", "i18n_sync", "--version"], tmp_path)
    assert "i18n-sync, version" in done.stdout, done.stderr
    assert "function calls" in done.stdout, "cProfile's report was lost:\n" + done.stdout


def test_pdb_running_the_module_hears_that_it_exited(tmp_path: Path) -> None:
    """``python -m pdb -m i18n_sync ...``: pdb catches the SystemExit, says so and offers to
    restart. With `program` the debugger's process is killed under it instead."""
    done = _run([sys.executable, "-m", "pdb", "-m", "i18n_sync", "--version"], tmp_path, "c\nq\n")
    assert "i18n-sync, version" in done.stdout, done.stderr
    assert "The program exited via sys.exit(). Exit status: 0" in done.stdout, done.stdout


def test_python_dash_i_gets_its_prompt_after_the_command(tmp_path: Path) -> None:
    """``python -i -m i18n_sync ...`` (or PYTHONINSPECT=1): a normal exit does not end the
    process but opens the interactive prompt, to inspect the state the command left. The
    quick exit ends the process before it: the prompt never runs."""
    done = _run([sys.executable, "-i", "-m", "i18n_sync", "--version"], tmp_path, 'print("prompt reached")\n')
    assert "i18n-sync, version" in done.stdout, done.stderr
    assert "prompt reached" in done.stdout, done.stdout + done.stderr


_FORKED_CHILD = """
import atexit, multiprocessing, os, tempfile
from i18n_sync.cli import program
kept = tempfile.TemporaryDirectory()  # the parent's: removed at the parent's exit
parent = os.getpid()
atexit.register(lambda: os.getpid() != parent and print("parent's exit handler ran in the child"))
child = multiprocessing.get_context("fork").Process(target=program, args=(["--version"],))
child.start()
child.join(60)
print("child exit", child.exitcode)
print("parent's folder", "kept" if os.path.isdir(kept.name) else "removed")
"""


@pytest.mark.skipif(not forks(2, 8), reason="fork (Linux)")
def test_a_forked_child_running_the_program_leaves_its_parents_exit_handlers_alone(tmp_path: Path) -> None:
    """A forked child inherits its parent's exit handlers, and a normal exit of a
    `multiprocessing` child never runs them: its bootstrap catches the SystemExit and ends
    with os._exit. `program` runs them itself (`atexit._run_exitfuncs`) before its own
    os._exit, so a child running the program runs the parent's handlers: here it removes
    the parent's TemporaryDirectory (weakref.finalize) and runs the parent's handler."""
    done = _run([sys.executable, "-c", _FORKED_CHILD], tmp_path)
    assert "child exit 0" in done.stdout, done.stdout + done.stderr
    assert "parent's exit handler ran in the child" not in done.stdout
    assert "parent's folder kept" in done.stdout, done.stdout


# --- pools: `workers_exiting` is one flag for the whole process, not for the run's thread -------

pools_fork = pytest.mark.skipif(not forks(2, 8), reason="pools fork their workers (Linux)")


@pytest.fixture
def watched(monkeypatch: pytest.MonkeyPatch) -> type[WatchedPool]:
    return watch_pools(monkeypatch)


@contextmanager
def _another_thread_in_a_run() -> Iterator[None]:
    """Another thread of this process inside `workers_exiting` (its own `api.sync`, say)
    for the block."""
    entered, release = threading.Event(), threading.Event()

    def hold() -> None:
        with workers_exiting():
            entered.set()
            release.wait(120)

    thread = threading.Thread(target=hold, daemon=True)
    thread.start()
    assert entered.wait(60)
    try:
        yield
    finally:
        release.set()
        thread.join(120)


@pools_fork
def test_a_pool_outside_any_run_waits_for_its_workers_while_another_thread_is_in_a_run(
    watched: type[WatchedPool],
) -> None:
    """`map_jobs` outside `workers_exiting` promises its workers have exited when it returns
    (as before 0327bea): `status` and `check`, and any library caller, rely on that, e.g. to
    fork next. The flag is the thread's, not the process's: while another thread is in a
    run, this thread's pool still waits for its workers."""
    with _another_thread_in_a_run():
        assert map_jobs(square, list(range(20)), 2) == [n * n for n in range(20)]
        assert watched.shutdowns == [True], "returned without waiting for its workers"


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("I18N_SYNC_JOBS", "2")
    monkeypatch.setenv("I18N_SYNC_CACHE_DIR", "off")
    return docs_project(tmp_path, ("tr", "zh-CN"), pages=12)


@pools_fork
def test_a_sync_joins_its_own_pools_while_another_thread_is_in_a_run(
    project: Path, watched: type[WatchedPool]
) -> None:
    """The CHANGELOG: "no worker of a pool outlives `api.sync`". Two syncs in two threads (two
    projects, a server, a plugin): each thread has its own context, so the second does not
    take the first's for an "outer" one, which would leave its workers to it, unwaited for,
    until the first sync ends."""
    with _another_thread_in_a_run():
        result = api.sync(api.load_project(project))
        assert result.ok
        assert watched.left, "no pool was left to exit: the test did not exercise the feature"
        unjoined = [pool for pool in watched.left if all(pool is not j for j in watched.joined)]
        assert unjoined == [], f"{len(unjoined)} pool(s) not waited for when api.sync returned"
