"""The workers write the files they make to temporary files themselves (`Staging.open_to_workers`,
`Staging.stage_here`), and this process takes them over (`Staging.adopt`): the same tree as one
worker writes, the file system's handle opened before any worker wrote, and nothing left behind
by a pool that fails."""

from __future__ import annotations

import errno
import os
import time
from pathlib import Path

import pytest

from helpers import fake_syncfs, invoke, temps_in
from i18n_sync.errors import WriteError
from i18n_sync.model import FileChange
from i18n_sync.project import jobs
from i18n_sync.project import staging as staging_module
from i18n_sync.project import temps as temps_module
from i18n_sync.project.cache import CACHE_VARIABLE
from i18n_sync.project.files import TEMP_PREFIX, TEMP_SUFFIX
from i18n_sync.project.flushing import Flusher
from i18n_sync.project.staging import Staged, Staging
from i18n_sync.project.writing import apply_changes
from test_scale import make_docs


def _tree(root: Path) -> dict[str, bytes]:
    return {p.relative_to(root).as_posix(): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}


def _log_creations(monkeypatch: pytest.MonkeyPatch, log: Path) -> None:
    """Each temporary file created, by any process (a forked worker inherits the patch), is a
    line of `log`: the process, the time and the folder."""
    real = temps_module._create_temp

    def create_temp(folder: str, name: str | None = None) -> tuple[int, str]:
        with open(log, "a", encoding="utf-8") as lines:  # one short write each: O_APPEND keeps it whole
            lines.write(f"{os.getpid()} {time.monotonic_ns()} {folder}\n")
        return real(folder, name)

    monkeypatch.setattr(temps_module, "_create_temp", create_temp)


def test_the_workers_write_the_files_and_the_tree_is_one_workers(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A first sync on two workers: the templates, catalogues and outputs are written ahead by
    the workers, not by this process. Then a sync after an edit (with the cache, its catalogues
    are merged in a stage of their own, and this process writes them). Each tree is the one a
    single worker writes, with the cache and without."""
    trees = []
    for workers, cache in (("1", "off"), ("2", "off"), ("2", "on")):
        root = tmp_path / f"{workers}-{cache}"
        root.mkdir()
        make_docs(root, 20)
        log = tmp_path / f"{workers}-{cache}.log"
        _log_creations(monkeypatch, log)
        monkeypatch.setenv("I18N_SYNC_JOBS", workers)
        if cache == "off":
            monkeypatch.setenv(CACHE_VARIABLE, "off")
        else:
            monkeypatch.setenv(CACHE_VARIABLE, str(tmp_path / "cache"))
        assert invoke(root, "sync").exit_code == 0
        # The project's files (the cache's own file is this process's to write).
        lines = [line for line in log.read_text(encoding="utf-8").splitlines() if str(root) in line]
        writers = {line.split()[0] for line in lines}
        if workers == "1":
            assert writers == {str(os.getpid())}
        else:  # 20 templates, 60 catalogues and 60 outputs, every one written by a worker
            assert str(os.getpid()) not in writers and len(writers) >= 2
        assert len(lines) == 140
        first = _tree(root)
        (root / "docs" / "guide2.md").write_text("# Guide 2\n\nOther words.\n", encoding="utf-8")
        assert invoke(root, "sync").exit_code == 0
        assert temps_in(root) == []
        trees.append((first, _tree(root)))
    assert trees[0] == trees[1] == trees[2]


def test_the_file_systems_handle_is_opened_before_any_worker_writes(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """`syncfs` reports only the errors after its handle was opened: this process opens it
    before the workers write (through a folder that exists, the new ones being theirs to make),
    and then flushes their files with it, none by `fsync`."""
    synced: list[int] = []
    flushed: list[int] = []

    def syncfs(handle: int) -> int:
        synced.append(handle)
        return 0

    fake_syncfs(monkeypatch, syncfs)
    monkeypatch.setattr(os, "fsync", flushed.append)
    log = tmp_path / "log"
    real_open = os.open
    parent = os.getpid()

    def open_folder(path: str, flags: int, *args: object, **kwargs: object) -> int:
        if flags & getattr(os, "O_DIRECTORY", 0) and os.getpid() == parent:
            with open(log, "a", encoding="utf-8") as lines:
                lines.write(f"open {time.monotonic_ns()} {path}\n")
        return real_open(path, flags, *args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(os, "open", open_folder)
    _log_creations(monkeypatch, log)
    monkeypatch.setenv("I18N_SYNC_JOBS", "2")
    monkeypatch.setenv(CACHE_VARIABLE, "off")
    root = tmp_path / "project"
    root.mkdir()
    make_docs(root, 40)
    assert invoke(root, "sync").exit_code == 0
    lines = [line.split() for line in log.read_text(encoding="utf-8").splitlines()]
    opened = [int(when) for kind, when, _ in lines if kind == "open"]
    written = [(int(when), writer) for writer, when, _ in lines if writer != "open"]
    assert opened and written and {writer for _, writer in written} != {str(parent)}
    assert min(opened) < min(when for when, _ in written)
    assert synced and flushed == []


def test_a_failing_render_job_leaves_no_temporary_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A render job that raises, after the workers wrote other outputs ahead: the exception comes
    through, and no temporary file is left, even those of results that never came back."""
    root = make_docs(tmp_path, 60)
    real = jobs.publish_output

    def failing(context: jobs.RunContext, job: jobs.PublishJob) -> jobs.Published:
        if job.prepared.output.endswith("de/part/guide51.md"):
            raise RuntimeError("boom")
        return real(context, job)

    monkeypatch.setattr(jobs, "publish_output", failing)
    monkeypatch.setenv("I18N_SYNC_JOBS", "2")
    monkeypatch.setenv(CACHE_VARIABLE, "off")
    from i18n_sync.api import sync
    from i18n_sync.project.config import load_config

    with pytest.raises(RuntimeError, match="boom"):
        sync(load_config(root))
    assert temps_in(root) == []
    assert not (root / "site").exists() or not [p for p in (root / "site").rglob("*") if p.is_file()]


def _outputs(count: int, folder: str = "site") -> list[FileChange]:
    return [FileChange(f"{folder}/doc{n}.md", f"output {n}\n".encode(), "output") for n in range(count)]


def test_an_adopted_file_is_renamed_and_a_second_one_for_its_path_is_deleted(tmp_path: Path) -> None:
    staging = Staging(tmp_path)
    changes = _outputs(3)
    assert staging.open_to_workers(c.path for c in changes)
    staged = [staging.stage_here(change) for change in changes]
    again = staging.stage_here(changes[0])
    assert all(s.temp is not None for s in [*staged, again])
    for change, made in zip(changes, staged, strict=True):
        staging.adopt(change, made)
    staging.adopt(changes[0], again)
    assert again.temp is not None and not os.path.exists(again.temp)
    applied = apply_changes(tmp_path, changes, staging)
    assert applied.written == tuple(c.path for c in changes)
    assert (tmp_path / "site" / "doc2.md").read_bytes() == b"output 2\n"
    assert temps_in(tmp_path) == []


def test_a_workers_failure_is_raised_before_any_rename_and_later_files_are_deleted(tmp_path: Path) -> None:
    staging = Staging(tmp_path)
    changes = _outputs(3)
    assert staging.open_to_workers(c.path for c in changes)
    later = staging.stage_here(changes[2])
    failure = WriteError("cannot write: No space left on device", changes[1].path)
    staging.adopt(changes[0], staging.stage_here(changes[0]))
    staging.adopt(changes[1], Staged(error=failure))
    staging.adopt(changes[2], later)  # after the failure in the staging order: not written
    assert later.temp is not None and not os.path.exists(later.temp)
    with pytest.raises(WriteError, match="No space left"):
        apply_changes(tmp_path, changes, staging)
    assert not (tmp_path / "site" / "doc0.md").exists()
    assert temps_in(tmp_path) == []


def _looks(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The targets the staging looks at (`temps.writable`) before it stages them."""
    looked: list[str] = []
    real = staging_module.writable

    def writable(target: str) -> tuple[int, int | None] | None:
        looked.append(target)
        return real(target)

    monkeypatch.setattr(staging_module, "writable", writable)
    return looked


def test_a_file_in_a_folder_missing_when_the_pool_forked_is_staged_without_a_look(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """No file there is older than the run: none is looked for. In a folder that was there,
    each target is looked at, and a read-only one is left for `apply_changes` to refuse."""
    looked = _looks(monkeypatch)
    (tmp_path / "old").mkdir()
    (tmp_path / "old" / "kept.md").write_bytes(b"theirs\n")
    (tmp_path / "old" / "kept.md").chmod(0o444)
    new = [FileChange(f"site/new/doc{n}.md", b"new\n", "output") for n in range(3)]
    old = [FileChange("old/doc.md", b"new\n", "output"), FileChange("old/kept.md", b"mine\n", "output")]
    staging = Staging(tmp_path)
    assert staging.open_to_workers(c.path for c in [*new, *old])
    made = [staging.stage_here(change) for change in [*new, *old]]
    assert looked == [str(tmp_path / "old" / "doc.md"), str(tmp_path / "old" / "kept.md")]
    assert all(m.temp is not None for m in made[:4]) and made[4] == Staged()
    assert all(os.stat(m.temp).st_mode & 0o7777 == 0o644 for m in made[:3] if m.temp)
    for change, staged in zip([*new, *old], made, strict=True):
        staging.adopt(change, staged)
    applied = apply_changes(tmp_path, [*new, *old], staging)
    assert set(applied.written) == {c.path for c in new} | {"old/doc.md"}
    assert "read-only" in applied.errors[0].message and applied.errors[0].path == "old/kept.md"
    assert (tmp_path / "old" / "kept.md").read_bytes() == b"theirs\n"
    assert temps_in(tmp_path) == []


def test_a_catalogue_made_meanwhile_in_a_new_folder_is_left(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Staged without a look (its folder was missing, and is written whole), a catalogue
    someone makes before the changes are applied is still found, and kept: its folder
    is there now, and each file is judged as any other."""
    _looks(monkeypatch)
    change = FileChange("locales/tr/doc.po", b"new\n", "catalog", None, guarded=True)
    staging = Staging(tmp_path)
    assert staging.open_to_workers([change.path])
    staged = staging.stage_here(change)
    assert staged.temp is not None
    (tmp_path / "locales" / "tr").mkdir(parents=True)
    (tmp_path / "locales" / "tr" / "doc.po").write_bytes(b"theirs\n")
    staging.adopt(change, staged)
    applied = apply_changes(tmp_path, [change], staging)
    assert applied.written == () and "changed on disk" in applied.errors[0].message
    assert (tmp_path / "locales" / "tr" / "doc.po").read_bytes() == b"theirs\n"
    assert temps_in(tmp_path) == []


def test_a_worker_stages_nothing_outside_the_folders_opened_to_it(tmp_path: Path) -> None:
    staging = Staging(tmp_path)
    assert staging.open_to_workers(["site/doc0.md"])
    assert staging.stage_here(FileChange("elsewhere/doc0.md", b"x\n", "output")) == Staged()
    assert staging.stage_here(FileChange("site/doc0.md", b"x\n", "output", current=True)) == Staged()
    assert not (tmp_path / "elsewhere").exists()
    staging.discard()
    assert temps_in(tmp_path) == []


def test_a_pool_that_never_returned_leaves_nothing_after_discard(tmp_path: Path) -> None:
    """Files a worker wrote whose results never came back (the pool failed) are removed by
    `discard`."""
    staging = Staging(tmp_path)
    assert staging.open_to_workers(c.path for c in _outputs(2))
    lost = staging.stage_here(_outputs(1)[0])
    assert lost.temp is not None and os.path.exists(lost.temp)
    staging.discard()
    assert temps_in(tmp_path) == []


def test_a_sweep_that_fails_keeps_the_workers_from_writing(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "site").mkdir()
    (tmp_path / "site" / f"{TEMP_PREFIX}stale{TEMP_SUFFIX}").write_bytes(b"")

    def unlink(path: object, *args: object, **kwargs: object) -> None:
        raise OSError(errno.EACCES, os.strerror(errno.EACCES))

    monkeypatch.setattr(os, "unlink", unlink)
    staging = Staging(tmp_path)
    assert not staging.open_to_workers(c.path for c in _outputs(2))
    assert staging.failure is not None


def test_a_folder_made_by_a_worker_is_synced_with_the_handle_opened_before(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """`Flusher.adopt`: a folder made after the handle of its file system was opened is synced
    with it; one on a file system with no handle open is flushed file by file."""
    fake_syncfs(monkeypatch, lambda handle: 0)
    flusher = Flusher()
    flusher.watch(str(tmp_path))
    opened = flusher.opened()
    assert len(opened) == 1
    (tmp_path / "new").mkdir()
    flusher.adopt(str(tmp_path / "new"), opened)
    items = [(f"new/{n}", str(tmp_path / "new" / f"t{n}")) for n in range(20)]
    synced, rest = flusher.split(items)
    assert [group for _, group in synced] == [items] and rest == []
    flusher.close()
    other = Flusher()  # nothing watched: no handle was opened before the files were written
    other.adopt(str(tmp_path / "new"), other.opened())
    assert other.split(items) == ([], items)
    other.close()


@pytest.mark.parametrize(("command", "kinds"), [("render", set()), ("sync", {".pot", ".po"})])
def test_the_document_jobs_open_to_their_workers_only_the_folders_of_what_they_write(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, command: str, kinds: set[str]
) -> None:
    """A render writes no template nor catalogue: the folders of those are not swept of a killed
    run's files, nor watched, before the document jobs fork (a sync's are)."""
    monkeypatch.setenv("I18N_SYNC_JOBS", "2")
    monkeypatch.setenv(CACHE_VARIABLE, "off")
    root = make_docs(tmp_path, 12)
    assert invoke(root, "sync").exit_code == 0
    for path in (root / "docs").rglob("*.md"):  # every output changes
        path.write_text(path.read_text(encoding="utf-8") + "\nMore.\n", encoding="utf-8")
    opened: list[list[str]] = []
    real = Staging.open_to_workers

    def open_to_workers(self: Staging, paths: object) -> bool:
        opened.append(list(paths))  # type: ignore[call-overload]
        return real(self, opened[-1])

    monkeypatch.setattr(Staging, "open_to_workers", open_to_workers)
    assert invoke(root, command).exit_code == 0
    first = opened[0]  # the document jobs' pool
    assert {os.path.splitext(path)[1] for path in first} == kinds
