"""Reading whole files, making temporary files, handing jobs to a pool, judging outputs by the
manifest: the rules a hostile review of these parts checked, kept as tests."""

from __future__ import annotations

import errno
import functools
import gc
import multiprocessing
import os
import stat
import threading
from pathlib import Path
from typing import Any

import pytest

from helpers import invoke
from i18n_sync.errors import WriteError
from i18n_sync.project import files as files_module
from i18n_sync.project import temps as temps_module
from i18n_sync.project import writing as writing_module
from i18n_sync.project.files import TEMP_PREFIX, TEMP_SUFFIX, is_own_file, read_bytes, read_many
from i18n_sync.project.ownership import MANIFEST, digest, parse_manifest
from i18n_sync.project.pool import map_jobs, spans
from i18n_sync.project.temps import remove_stale_temps

POSIX = pytest.mark.skipif(not hasattr(os, "fork"), reason="POSIX only")


def open_fds() -> set[int]:
    return {int(name) for name in os.listdir("/proc/self/fd")} if os.path.isdir("/proc/self/fd") else set()


def temps_in(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir() if p.name.startswith(TEMP_PREFIX))


class OsProxy:
    """`os` as it is, but with attributes overridden (set on the instance)."""

    def __init__(self, **overrides: Any) -> None:
        self.__dict__.update(overrides)

    def __getattr__(self, name: str) -> Any:
        return getattr(os, name)


def short_reads(monkeypatch: pytest.MonkeyPatch, at_most: int) -> None:
    """Every os.read in `files` returns at most `at_most` bytes: what FUSE (direct_io), NFS or
    CIFS may do mid-file, a signal after a partial transfer, or Linux for any read > 2 GiB."""
    real_read = os.read
    monkeypatch.setattr(files_module, "os", OsProxy(read=lambda fd, n: real_read(fd, min(n, at_most))))


# ---------------------------------------------------------------------------
# files._read_regular: a file is read to its end, whatever the reads return


def test_a_short_read_in_the_middle_of_a_file_is_not_its_end(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    content = bytes(range(256)) * 40
    (tmp_path / "doc.md").write_bytes(content)
    short_reads(monkeypatch, 4096)
    assert read_bytes(tmp_path, "doc.md") == content  # not its first 4096 bytes


def test_read_many_does_not_truncate_at_a_short_read(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "a.md").write_bytes(b"a" * 3000)
    (tmp_path / "b.md").write_bytes(b"b" * 10)
    short_reads(monkeypatch, 1000)
    assert read_many(tmp_path, ["a.md", "b.md"]) == {"a.md": b"a" * 3000, "b.md": b"b" * 10}


@pytest.mark.parametrize("size", [0, 1, 999, 1000])
def test_files_up_to_the_limit_are_read_whole(tmp_path: Path, size: int) -> None:
    (tmp_path / "doc.md").write_bytes(b"y" * size)
    assert read_bytes(tmp_path, "doc.md", 1000) == b"y" * size
    assert read_many(tmp_path, ["doc.md"], 1000) == {"doc.md": b"y" * size}


@pytest.mark.parametrize("size", [1001, 1002, 70_000])
def test_files_over_the_limit_are_refused_with_their_size(tmp_path: Path, size: int) -> None:
    (tmp_path / "doc.md").write_bytes(b"y" * size)
    with pytest.raises(WriteError, match=rf"is {size:,} bytes, more than max_file_size \(1,000\)"):
        read_bytes(tmp_path, "doc.md", 1000)
    assert read_many(tmp_path, ["doc.md"], 1000) is None


def _stale_size(monkeypatch: pytest.MonkeyPatch, reported: int) -> None:
    """The first fstat in `files` reports `reported` bytes: the file changed after it."""
    calls = []

    def fstat(fd: int) -> os.stat_result:
        found = os.fstat(fd)
        calls.append(fd)
        if len(calls) > 1:
            return found
        fields = list(found)
        fields[stat.ST_SIZE] = reported
        return os.stat_result(fields)

    monkeypatch.setattr(files_module, "os", OsProxy(fstat=fstat))


def test_a_file_that_grew_after_fstat_is_read_whole(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    content = b"g" * 200_000
    (tmp_path / "doc.md").write_bytes(content)
    _stale_size(monkeypatch, 10)
    assert read_bytes(tmp_path, "doc.md") == content


@pytest.mark.parametrize(
    ("size", "disturb"),
    [(10_000, lambda patch: short_reads(patch, 512)), (5000, lambda patch: _stale_size(patch, 10))],
    ids=["short reads", "grew after fstat"],
)
def test_a_file_over_the_limit_is_refused_however_its_reads_go(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, size: int, disturb: Any
) -> None:
    """Neither reads that come back short nor a size that `fstat` gave too small let a file
    past max_file_size: it is refused with the size it has."""
    (tmp_path / "big.md").write_bytes(b"x" * size)
    disturb(monkeypatch)
    with pytest.raises(WriteError, match=rf"is {size:,} bytes, more than max_file_size \(1,000\)"):
        read_bytes(tmp_path, "big.md", 1000)


def test_a_file_that_shrank_after_fstat_is_read_as_it_is(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "doc.md").write_bytes(b"s" * 10)
    _stale_size(monkeypatch, 100_000)
    assert read_bytes(tmp_path, "doc.md") == b"s" * 10


# ---------------------------------------------------------------------------
# temps._create_temp and write_temp


def _names(monkeypatch: pytest.MonkeyPatch, *names: str) -> None:
    it = iter(names)
    monkeypatch.setattr(temps_module.secrets, "token_hex", lambda size: next(it))


def _temp(folder: Path, token: str) -> Path:
    return folder / f"{TEMP_PREFIX}{token}{TEMP_SUFFIX}"


@POSIX
@pytest.mark.parametrize(
    "taker", ["file", "folder", "symlink to a file", "dangling symlink", "symlink to a folder"]
)
def test_a_temporary_file_never_takes_a_name_that_is_there(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, taker: str
) -> None:
    """A name already taken is passed over for another: nothing there is written, no
    symlink is followed, and the new file has the bytes and the mode asked."""
    outside = tmp_path.parent / f"{tmp_path.name}-elsewhere"
    outside.mkdir()
    (outside / "file").write_bytes(b"elsewhere")
    taken = _temp(tmp_path, "a" * 12)
    if taker == "file":
        taken.write_bytes(b"someone's")
    elif taker == "folder":
        taken.mkdir()
    else:
        pointed = {"symlink to a file": "file", "dangling symlink": "missing", "symlink to a folder": ""}
        taken.symlink_to(outside / pointed[taker])  # dangling: O_CREAT alone would make it
    _names(monkeypatch, "a" * 12, "b" * 12)
    temp = temps_module.write_temp(str(tmp_path / "doc.md"), b"new", 0o640)
    assert temp == str(_temp(tmp_path, "b" * 12))
    assert Path(temp).read_bytes() == b"new"
    assert os.stat(temp).st_mode & 0o7777 == 0o640
    assert sorted(p.name for p in outside.iterdir()) == ["file"]
    assert (outside / "file").read_bytes() == b"elsewhere"
    if taker == "file":
        assert taken.read_bytes() == b"someone's"


def test_a_hundred_clashes_give_up_creating_nothing(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    _temp(tmp_path, "a" * 12).write_bytes(b"someone's")
    monkeypatch.setattr(temps_module.secrets, "token_hex", lambda size: "a" * 12)
    before = open_fds()
    with pytest.raises(FileExistsError):
        temps_module.write_temp(str(tmp_path / "doc.md"), b"new", 0o644)
    assert temps_in(tmp_path) == [_temp(tmp_path, "a" * 12).name]
    assert _temp(tmp_path, "a" * 12).read_bytes() == b"someone's"
    assert open_fds() == before


@POSIX
@pytest.mark.parametrize("umask", [0o000, 0o022, 0o077, 0o277, 0o777])
@pytest.mark.parametrize("mode", [0o600, 0o640, 0o644, 0o755, 0o444])
def test_temporary_files_get_the_mode_asked_whatever_the_umask(tmp_path: Path, umask: int, mode: int) -> None:
    old = os.umask(umask)
    try:
        temp = temps_module.write_temp(str(tmp_path / "doc.md"), b"content", mode)
    finally:
        os.umask(old)
    assert os.stat(temp).st_mode & 0o7777 == mode
    assert Path(temp).read_bytes() == b"content"


@POSIX
@pytest.mark.parametrize("umask", [0o022, 0o077])
def test_a_new_version_keeps_the_targets_mode(tmp_path: Path, umask: int) -> None:
    target = tmp_path / "run.sh"
    target.write_bytes(b"old")
    os.chmod(target, 0o750)
    old = os.umask(umask)
    try:
        writing_module.write_atomic(target, b"new")
        fresh = tmp_path / "fresh.md"
        writing_module.write_atomic(fresh, b"new")
    finally:
        os.umask(old)
    assert os.stat(target).st_mode & 0o7777 == 0o750
    assert os.stat(fresh).st_mode & 0o7777 == 0o644
    assert temps_in(tmp_path) == []


@pytest.mark.parametrize("fchmod", [True, False])
def test_chmod_by_handle_or_by_path_gives_the_same_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, fchmod: bool
) -> None:
    """Windows before 3.13: os.chmod takes no handle, the path is chmod-ed after the close."""
    monkeypatch.setattr(temps_module, "_FCHMOD", fchmod)
    seen: list[Any] = []
    monkeypatch.setattr(temps_module, "os", OsProxy(chmod=lambda p, m: (seen.append(p), os.chmod(p, m))[1]))
    temp = temps_module.write_temp(str(tmp_path / "doc.md"), b"abc", 0o640)
    assert os.stat(temp).st_mode & 0o777 == 0o640
    assert [isinstance(p, int) for p in seen] == [fchmod]


@pytest.mark.parametrize("fchmod", [True, False])
@pytest.mark.parametrize("fails", ["write", "fsync", "chmod", "close"])
@pytest.mark.parametrize("exception", [OSError(errno.EIO, "I/O error"), KeyboardInterrupt()])
def test_a_failing_step_leaves_no_temporary_file_and_no_open_handle(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, fchmod: bool, fails: str, exception: BaseException
) -> None:
    monkeypatch.setattr(temps_module, "_FCHMOD", fchmod)
    real = getattr(os, fails)

    def failing(*args: Any) -> Any:
        if fails == "close":
            real(*args)  # a failing close (NFS) closes the file all the same
        raise exception

    monkeypatch.setattr(temps_module, "os", OsProxy(**{fails: failing}))
    before = open_fds()
    with pytest.raises(type(exception)):
        temps_module.write_temp(str(tmp_path / "doc.md"), b"abc" * 1000, 0o644, flush=True)
    assert temps_in(tmp_path) == []
    assert open_fds() == before


def test_the_new_names_are_the_tools_own_and_swept_as_leftovers(tmp_path: Path) -> None:
    temp = temps_module.write_temp(str(tmp_path / "doc.md"), b"x", 0o644)
    name = os.path.basename(temp)
    assert is_own_file(name)
    assert remove_stale_temps(tmp_path, ["."], keep={name}) == ()
    assert os.path.exists(temp)
    assert remove_stale_temps(tmp_path, ["."]) == (name,)
    assert temps_in(tmp_path) == []


def test_concurrent_threads_never_share_a_temporary_file(tmp_path: Path) -> None:
    made: list[str] = []
    lock = threading.Lock()

    def work(n: int) -> None:
        for i in range(50):
            temp = temps_module.write_temp(str(tmp_path / "doc.md"), f"{n}-{i}".encode(), 0o644)
            with lock:
                made.append(temp)

    threads = [threading.Thread(target=work, args=(n,)) for n in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(set(made)) == 200
    assert sorted(Path(t).read_bytes() for t in made) == sorted(
        f"{n}-{i}".encode() for n in range(4) for i in range(50)
    )


# ---------------------------------------------------------------------------
# pool.map_jobs and spans


def _square(item: int) -> int:
    return item * item


def _fail_at(bad: int, item: int) -> int:
    if item == bad:
        raise ValueError(f"job {item}")
    return item


@pytest.mark.parametrize("workers", [2, 3, 4, 8, 16])
def test_a_batch_as_large_as_the_pool_is_cut_in_a_span_per_worker(workers: int) -> None:
    """With at least one job per worker, every worker gets some: never fewer spans than workers."""
    for total in range(max(8, workers), 4 * workers * 3):
        assert len(spans(total, workers)) >= workers, (total, spans(total, workers))


def _meet(barrier: Any, item: int) -> int:
    barrier.wait(timeout=20)  # a deadline, not a measure: broken only when too few jobs run at once
    return item


@POSIX
def test_eight_jobs_on_eight_workers_run_at_once() -> None:
    """Eight heavy documents on eight cores: all eight run together, not two at a time."""
    barrier = multiprocessing.get_context("fork").Barrier(8)
    assert map_jobs(functools.partial(_meet, barrier), list(range(8)), workers=8) == list(range(8))


@POSIX
@pytest.mark.parametrize("workers", [2, 5, 32])
@pytest.mark.parametrize("total", [8, 13, 257])
def test_results_arrive_whole_and_in_order(workers: int, total: int) -> None:
    seen: list[int] = []
    progress: list[tuple[int, int]] = []
    results = map_jobs(
        _square, tuple(range(total)), workers, lambda d, t: progress.append((d, t)), None, seen.append
    )
    assert results == seen == [n * n for n in range(total)]
    assert progress == [(n, total) for n in range(1, total + 1)]


@POSIX
def test_a_failing_job_raises_its_error_and_each_saw_an_ordered_prefix() -> None:
    seen: list[int] = []
    with pytest.raises(ValueError, match="job 150"):
        map_jobs(functools.partial(_fail_at, 150), list(range(300)), 3, each=seen.append)
    assert seen == list(range(len(seen))) and len(seen) <= 150
    assert gc.get_freeze_count() == 0


@POSIX
def test_an_interrupt_in_the_parent_propagates_and_the_pool_is_usable_after() -> None:
    def each(result: int) -> None:
        if result == 10 * 10:
            raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        map_jobs(_square, list(range(200)), 2, each=each)
    assert gc.get_freeze_count() == 0
    assert map_jobs(_square, list(range(20)), 2) == [n * n for n in range(20)]


# ---------------------------------------------------------------------------
# sync.publish_all: the manifest read first


def _project(root: Path, count: int, header: bool = True) -> Path:
    (root / "content").mkdir()
    for n in range(count):
        (root / "content" / f"doc{n:02}.md").write_text(f"# Doc {n}\n\nText {n}.\n", encoding="utf-8")
    assert invoke(root, "init", "--lang", "es", "--lang", "tr").exit_code == 0
    if not header:
        config = root / "i18n-sync.toml"
        text = config.read_text(encoding="utf-8").replace(
            "generated_header = true", "generated_header = false"
        )
        config.write_text(text, encoding="utf-8")
    return root


@pytest.mark.parametrize("jobs", ["1", "2"])
def test_each_output_is_judged_by_its_own_manifest_record(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, jobs: str
) -> None:
    """With the header off only the manifest tells an output is the tool's: each job must carry
    its own output's record, through the pool too; one hand-edited output is refused alone."""
    monkeypatch.setenv("I18N_SYNC_JOBS", jobs)
    project = _project(tmp_path, 12, header=False)
    assert invoke(project, "sync").exit_code == 0
    edited = project / "doc05.es.md"
    edited.write_text(edited.read_text(encoding="utf-8") + "\nHand edit.\n", encoding="utf-8")
    for n in range(12):
        (project / "content" / f"doc{n:02}.md").write_text(
            f"# Doc {n}\n\nText {n}, more.\n", encoding="utf-8"
        )
    result = invoke(project, "sync")
    assert result.exit_code == 1
    assert result.stderr.count("exists and was not written by i18n-sync") == 1
    assert "doc05.es.md" in result.stderr
    recorded = parse_manifest((project / MANIFEST).read_text(encoding="utf-8"))
    for n in range(12):
        for suffix in ("md", "es.md", "tr.md"):
            path = f"doc{n:02}.{suffix}"
            if path == "doc05.es.md":
                assert edited.read_text(encoding="utf-8").endswith("Hand edit.\n")
                continue
            assert (project / path).read_text(encoding="utf-8").endswith("more.\n"), path
            assert recorded[path] == digest((project / path).read_bytes())


@pytest.mark.parametrize("bad", [b"not a line\n", b"\xff\xfe\n", "folder"])
def test_an_unreadable_manifest_stops_the_outputs_with_one_error(tmp_path: Path, bad: Any) -> None:
    project = _project(tmp_path, 2)
    if bad == "folder":
        (project / MANIFEST).mkdir()
    else:
        (project / MANIFEST).write_bytes(bad)
    result = invoke(project, "sync")
    assert result.exit_code != 0
    assert result.stderr.count(MANIFEST) >= 1
    assert not (project / "doc00.es.md").exists()
    assert temps_in(project) == []
