"""Review of the workers writing their own temporary files (`Staging.open_to_workers`,
`stage_here`, `adopt`): each test here failed on the commit that made that change (b1b374a),
for the reason its docstring gives."""

from __future__ import annotations

import errno
import os
import shutil
import threading
import time
from pathlib import Path
from typing import Any

import pytest

from helpers import fake_syncfs, invoke
from i18n_sync.project import pool
from i18n_sync.project import temps as temps_module
from i18n_sync.project.cache import CACHE_VARIABLE
from i18n_sync.project.files import TEMP_PREFIX, TEMP_SUFFIX
from i18n_sync.project.flushing import Flusher
from test_scale import make_docs


def log_created(monkeypatch: pytest.MonkeyPatch, log: Path) -> None:
    """Each temporary file created, by any process, is a line of `log`: where it really is."""
    real_create = temps_module._create_temp

    def create_temp(folder: str, name: str | None = None) -> tuple[int, str]:
        handle, temp = real_create(folder, name)
        with open(log, "a", encoding="utf-8") as lines:
            lines.write(os.path.realpath(temp) + "\n")
        return handle, temp

    monkeypatch.setattr(temps_module, "_create_temp", create_temp)


def _staging_threads() -> list[str]:
    return sorted(t.name for t in threading.enumerate() if t.name.startswith("i18n-sync-"))


def test_no_staging_thread_runs_when_the_render_pool_forks_after_a_failed_sweep(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """`publish_all` used to `pause` the staging before the render pool forked, always. Now only
    `open_to_workers` pauses it, and it returns early, unpaused, when the sweep of the output
    folders fails (a killed run's temporary file that cannot be removed). The flushing threads
    the merge stage started (280 files adopted: a batch flushed) are then still running while
    the render pool forks: the fork the staging promises never to make (`Staging.pause`,
    `pool.map_jobs`), which can deadlock a worker on a lock a thread held."""
    monkeypatch.setenv("I18N_SYNC_JOBS", "2")
    monkeypatch.setenv(CACHE_VARIABLE, "off")
    root = make_docs(tmp_path, 70)
    (root / "site" / "tr").mkdir(parents=True)
    stale = root / "site" / "tr" / f"{TEMP_PREFIX}killed{TEMP_SUFFIX}"
    stale.write_bytes(b"")
    real_unlink = os.unlink

    def unlink(path: object, *args: object, **kwargs: object) -> None:
        if os.fspath(path) == str(stale):  # type: ignore[arg-type]
            raise OSError(errno.EACCES, os.strerror(errno.EACCES))
        real_unlink(path, *args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(os, "unlink", unlink)
    at_fork: list[tuple[str, list[str]]] = []

    start = pool._Workers.start

    def recorded(function: Any, items: Any, workers: int) -> Any:
        at_fork.append((type(items[0]).__name__ if items else "", _staging_threads()))
        return start(function, items, workers)

    monkeypatch.setattr(pool._Workers, "start", staticmethod(recorded))
    result = invoke(root, "sync")
    assert result.exit_code == 1 and "Permission denied" in result.output
    render = [threads for kind, threads in at_fork if kind == "PublishJob"]
    assert render, at_fork
    assert render == [[]], f"staging threads alive when the render pool forked: {render}"


def test_a_folder_replaced_by_a_symlink_after_the_checks_is_not_written_through(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """`open_to_workers` resolves every output folder before the render pool forks, and the
    workers write through those places later; with the run cache on (the default) the worker's
    `judge_output` reads the output from the run's snapshot, so nothing looks at the disk again
    before the write. A folder replaced meanwhile by a symlink out of the repository (here: as
    the pool is made, after the checks) is written through: the workers make a folder and
    temporary files outside the repository, and the folder stays there. Before, the staging
    looked the folder up when it first staged a file there (after the pool's first results),
    saw the symlink and left the file to `apply_changes`, which refuses it; nothing was made
    outside."""
    monkeypatch.setenv("I18N_SYNC_JOBS", "2")  # the run cache on, as by default: its snapshot is read
    root = tmp_path / "repo"
    root.mkdir()
    outside = tmp_path / "outside"
    outside.mkdir()
    make_docs(root, 20)
    assert invoke(root, "sync").exit_code == 0
    for path in (root / "docs").rglob("*.md"):  # every output changes
        path.write_text(path.read_text(encoding="utf-8") + "\nMore.\n", encoding="utf-8")
    created: list[str] = []
    log = tmp_path / "created.log"
    log_created(monkeypatch, log)

    start = pool._Workers.start

    def swapping(function: Any, items: Any, workers: int) -> Any:
        if items and type(items[0]).__name__ == "PublishJob" and not (root / "site" / "de").is_symlink():
            shutil.rmtree(root / "site" / "de")
            (root / "site" / "de").symlink_to(outside, target_is_directory=True)
        return start(function, items, workers)

    monkeypatch.setattr(pool._Workers, "start", staticmethod(swapping))
    result = invoke(root, "sync")
    assert result.exit_code == 1, result.output
    if log.exists():
        created = [line for line in log.read_text(encoding="utf-8").splitlines() if str(outside) in line]
    made_outside = sorted(p.relative_to(outside).as_posix() for p in outside.rglob("*"))
    assert (created, made_outside) == ([], []), (
        f"{len(created)} temporary files were created outside the repository; "
        f"left there after the run: {made_outside}"
    )


def test_a_handle_opened_after_a_worker_wrote_is_not_used_for_its_files(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """`Flusher.adopt` promises a worker's folder is synced only with a handle opened before the
    worker wrote, but it checks only that some handle for the file system is open when the
    result is adopted. When the folder `open_to_workers` watched could not be opened (no read
    permission on it: no handle), and this process opens one later through another folder (its
    own staging while the workers run: cached outputs, settled files), the worker's files,
    written before, are synced with it: a write-back error of theirs before that open is never
    reported (see `flushing`), and `apply_changes` renames files that may not be on the disk."""
    fake_syncfs(monkeypatch, lambda handle: 0)
    flusher = Flusher()
    real_open = os.open

    def unreadable(path: str, flags: int, *args: object, **kwargs: object) -> int:
        if path == str(tmp_path) and flags & getattr(os, "O_DIRECTORY", 0):
            raise PermissionError(errno.EACCES, os.strerror(errno.EACCES), path)
        return real_open(path, flags, *args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(os, "open", unreadable)
    flusher.watch(str(tmp_path))  # before the fork: the nearest folder that exists; no handle
    opened = flusher.opened()  # as the pool forks
    monkeypatch.setattr(os, "open", real_open)
    written = tmp_path / "new"  # a worker makes its folder and writes its files
    written.mkdir()
    items = []
    for number in range(20):
        (written / f"t{number}").write_bytes(b"x")
        items.append((f"new/{number}", str(written / f"t{number}")))
    time.sleep(0.01)
    (tmp_path / "own").mkdir()
    flusher.watch(str(tmp_path / "own"))  # this process, later, before writing there: a handle now
    flusher.adopt(str(written), opened)  # the worker's result comes
    synced, rest = flusher.split(items)
    flusher.close()
    late = "the worker's files are synced with a handle opened after they were written"
    assert synced == [] and rest == items, late
