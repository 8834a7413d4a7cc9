"""Second review of the workers writing their own temporary files (`Staging.open_to_workers`,
`stage_here`, `adopt`, `Flusher.adopt`) after the first review's fixes (6ac7ee1, de69bb6): each
test here failed on 8401314 for the reason its docstring gives. (The review's third finding, a
folder replaced after a worker's first file there, is written through as the staging's threads
did before: `Staging._in_place` says so.)"""

from __future__ import annotations

import errno
import os
import shutil
from pathlib import Path

import pytest

from helpers import fake_syncfs, invoke
from i18n_sync.model import FileChange
from i18n_sync.project import pool
from i18n_sync.project import staging as staging_module
from i18n_sync.project.cache import CACHE_VARIABLE
from i18n_sync.project.staging import Staging
from test_scale import CONFIG, make_docs
from test_worker_staging_review import log_created


def _outputs(count: int, folder: str = "site") -> list[FileChange]:
    return [FileChange(f"{folder}/doc{n}.md", f"output {n}\n".encode(), "output") for n in range(count)]


def test_a_folder_this_process_watches_after_a_worker_wrote_there_is_not_synced_with_that_handle(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The first review's third defect by another path. `Flusher.adopt` now checks that the
    handle was open when the pool forked (`opened`), but only for a folder it has not seen: it
    returns early for a folder already watched. And this process watches a folder a worker
    made when it first stages a file there itself (`Staging._write`: its `_made` does not hold
    the workers' folders), while the pool runs: a cached rendering (`stage_output` -> `add`),
    or a settled catalogue beside the outputs (`_stage_settled`). When no handle for the file
    system could be opened before the fork (here, as in the first review's test, the folder
    above could not be opened), that watch opens one now, after the workers wrote, and the
    workers' files there, adopted later, are synced with it: a write-back error of theirs
    before that open is never reported, and `apply_changes` renames files that may not be on
    the disk."""
    synced: list[int] = []

    def syncfs(handle: int) -> int:
        synced.append(handle)
        return 0

    fake_syncfs(monkeypatch, syncfs)
    root = Path(os.path.realpath(tmp_path))
    real_open = os.open

    def unreadable(path: object, flags: int, *args: object, **kwargs: object) -> int:
        if os.fspath(path) == str(root) and flags & getattr(os, "O_DIRECTORY", 0):  # type: ignore[arg-type]
            raise PermissionError(errno.EACCES, os.strerror(errno.EACCES), path)
        return real_open(path, flags, *args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(os, "open", unreadable)
    alone: list[str] = []
    real_flush_one = staging_module.flush_one

    def flush_one(item: tuple[str, str]) -> None:
        alone.append(item[1])
        real_flush_one(item)

    monkeypatch.setattr(staging_module, "flush_one", flush_one)
    staging = Staging(root)
    rendered = _outputs(20)  # rendered by the workers
    cached = FileChange("site/cached.md", b"cached\n", "output")  # a rendering the job cache had
    assert staging.open_to_workers(c.path for c in [*rendered, cached])
    assert staging.flusher.opened() == frozenset()  # no handle before the fork
    staged = pool.map_jobs(staging.stage_here, rendered, 2)  # forked: the workers write site/
    assert all(s.temp is not None for s in staged)
    staging.stage([cached])  # this process, while the pool runs: watches site/ now, after them
    for change, made in zip(rendered, staged, strict=True):
        staging.adopt(change, made)
    staging.flush()
    staging.settle()
    workers_files = {s.temp for s in staged}
    staging.discard()
    late = "the workers' files are synced with a handle opened after they were written"
    assert synced == [] and workers_files <= set(alone), late


# The catalogues beside the outputs: both pools write in site/de.
SHARED = CONFIG.replace('catalog = "locales/{locale}/{path}.po"', 'catalog = "site/{lang}/{path}.po"')


@pytest.mark.parametrize(("workers", "documents"), [("2", 20), ("1", 20), ("2", 2)])
def test_a_folder_replaced_between_the_pools_is_not_written_through_on_one_worker_either(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, workers: str, documents: int
) -> None:
    """`_in_place` looks at a folder once per process, and forgets its answers only in a new
    process. On two workers each pool's workers are new processes: a folder replaced by a
    symlink out of the repository between the merge pool and the render pool is looked at
    again, and nothing is written through it. On one worker the pools run in this process,
    whose answers from the merge pool (the catalogues beside the outputs, `site/de`) still
    hold in the render pool: the outputs' temporary files are created through the symlink,
    outside the repository, which the CHANGELOG says does not happen ("a folder replaced by
    a symlink while the run works is not written through"); the run's result depends on
    the number of workers. So do pools of fewer than 8 jobs on any number of workers
    (`pool.forks`): a project of two documents in three languages, or a README."""
    monkeypatch.setenv("I18N_SYNC_JOBS", workers)
    # The run cache on, as by default: the render jobs read the outputs from its snapshot.
    monkeypatch.setenv(CACHE_VARIABLE, str(tmp_path / "cache"))
    root = tmp_path / "repo"
    root.mkdir()
    outside = tmp_path / "outside"
    outside.mkdir()
    make_docs(root, documents)
    (root / "i18n-sync.toml").write_text(SHARED, encoding="utf-8")
    log = tmp_path / "created.log"
    log_created(monkeypatch, log)
    real_open = Staging.open_to_workers

    def open_to_workers(self: Staging, paths: object) -> bool:
        paths = list(paths)  # type: ignore[call-overload]
        if any(p.endswith(".md") for p in paths) and not (root / "site" / "de").is_symlink():
            # Between the merge pool and the render pool. (A first run writes site/ whole, in
            # a folder of the tool's own (`staging`): site/ is made meanwhile then.)
            if (root / "site" / "de").exists():
                shutil.rmtree(root / "site" / "de")
            (root / "site").mkdir(exist_ok=True)
            (root / "site" / "de").symlink_to(outside, target_is_directory=True)
        return real_open(self, paths)

    monkeypatch.setattr(Staging, "open_to_workers", open_to_workers)
    result = invoke(root, "sync")
    assert result.exit_code == 1, result.output
    assert (root / "site" / "de").is_symlink()
    created = [line for line in log.read_text(encoding="utf-8").splitlines() if str(outside) in line]
    made = f"{workers} worker(s): {len(created)} temporary files created outside the repository"
    assert created == [], made
