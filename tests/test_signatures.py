"""The run memo's file signatures: unchanged files are not read again, a changed one always is.

A remembered run keeps its plan, its key and each file's stat signature
(`cache.quick_memo`, `project.signatures`): a run with nothing to do then plans
nothing and reads no file. These tests move the run's clock on by ten
seconds (`later`), so that files written a moment before count as settled.
"""

from __future__ import annotations

import multiprocessing
import os
from dataclasses import replace
from pathlib import Path

import pytest

import helpers
from helpers import invoke
from i18n_sync.project import cache as cache_module
from i18n_sync.project import signatures
from i18n_sync.project import sync as sync_module
from i18n_sync.project.cache import CACHE_VARIABLE
from i18n_sync.project.combined import RunReport
from i18n_sync.project.config import load_config
from i18n_sync.project.inputs import find_compendia, listing_digest
from i18n_sync.project.ownership import HEADER_PREFIX
from i18n_sync.project.plan import source_candidates
from i18n_sync.project.signatures import Signature, _settled
from i18n_sync.project.sync import STEPS, run
from test_job_cache import synced
from test_scale import TR, report_bytes

SECOND = 1_000_000_000


@pytest.fixture
def looked(monkeypatch: pytest.MonkeyPatch) -> dict[str, list[str]]:
    """What each run read (`read`: the files whose bytes were read for the memo) and planned
    (`planned`: one entry a plan)."""
    seen: dict[str, list[str]] = {"read": [], "planned": []}
    for module in (signatures,):  # `cache` reads through `signatures.observe` only
        real_read = module.read_many

        def read_many(
            root: Path, relatives: list[str], *args: object, real: object = real_read, **kw: object
        ) -> object:
            seen["read"].extend(relatives)
            return real(root, relatives, *args, **kw)  # type: ignore[operator]

        monkeypatch.setattr(module, "read_many", read_many)
    real_plan = sync_module.plan_documents

    def plan_documents(*args: object, **kw: object) -> object:
        seen["planned"].append("plan")
        return real_plan(*args, **kw)  # type: ignore[arg-type]

    monkeypatch.setattr(sync_module, "plan_documents", plan_documents)
    return seen


def settled_project(tmp_path: Path, looked: dict[str, list[str]]) -> Path:
    """A synced docs tree whose signatures and plan are kept: the next run with nothing to do
    reads no file."""
    root = synced(tmp_path)
    assert invoke(root, "sync").exit_code == 0  # reads every file, keeps their signatures
    looked["read"].clear()
    looked["planned"].clear()
    return root


def assert_as_without_cache(root: Path, report: RunReport) -> None:
    """`report` is a remembered one: that of a run without the cache, whose changes are all
    on disk already (a run is remembered without them)."""
    fresh = run(load_config(root), environ={**os.environ, CACHE_VARIABLE: "off"})
    assert report == replace(fresh, changes=())
    assert all((root / change.path).read_bytes() == change.content for change in fresh.changes)


def test_a_run_with_nothing_to_do_plans_nothing_and_reads_no_file(
    tmp_path: Path, later: None, looked: dict[str, list[str]]
) -> None:
    root = settled_project(tmp_path, looked)
    report = run(load_config(root))
    assert looked == {"read": [], "planned": []}
    assert report.changes == () and not report.errors
    assert_as_without_cache(root, report)


def test_a_file_changed_behind_its_size_and_time_is_read_again(
    tmp_path: Path, later: None, looked: dict[str, list[str]]
) -> None:
    root = synced(tmp_path)
    catalogue = root / "locales" / "tr" / "guide0.po"
    catalogue.write_text(TR.format(number=0), encoding="utf-8")
    assert invoke(root, "sync").exit_code == 0
    assert invoke(root, "sync").exit_code == 0
    looked["read"].clear()
    assert run(load_config(root)).changes == () and looked["read"] == []
    output = root / "site" / "tr" / "guide0.md"
    assert "# Kılavuz 0" in output.read_text(encoding="utf-8")
    # The same size, and the modification time put back: only the change time tells.
    before = catalogue.stat()
    catalogue.write_bytes(catalogue.read_bytes().replace("Kılavuz 0".encode(), "Kılavuz 9".encode()))
    os.utime(catalogue, ns=(before.st_atime_ns, before.st_mtime_ns))
    assert (catalogue.stat().st_size, catalogue.stat().st_mtime_ns) == (before.st_size, before.st_mtime_ns)
    assert invoke(root, "sync").exit_code == 0
    assert "locales/tr/guide0.po" in looked["read"]
    assert "# Kılavuz 9" in output.read_text(encoding="utf-8")


def test_a_run_that_finds_every_signature_unchanged_takes_no_digest(
    tmp_path: Path, later: None, looked: dict[str, list[str]], monkeypatch: pytest.MonkeyPatch
) -> None:
    # The remembered plan holds every file's signature: when each is the same, its key is the
    # remembered run's, and no file is read.
    root = settled_project(tmp_path, looked)
    observed: list[object] = []
    monkeypatch.setattr(cache_module, "observe", lambda *args: observed.append(args))
    assert run(load_config(root)).changes == ()
    assert observed == [] and looked == {"read": [], "planned": []}


def test_files_written_again_with_the_same_bytes_are_taken_by_signature_after_one_look(
    tmp_path: Path, later: None, looked: dict[str, list[str]], monkeypatch: pytest.MonkeyPatch
) -> None:
    # A checkout of another branch and back writes files again with the same bytes: one run
    # reads the files, and keeps their new signatures with the plan for the runs after it.
    root = settled_project(tmp_path, looked)
    for path in ("docs/guide0.md", "locales/tr/guide0.po", "site/de/part/guide1.md"):
        (root / path).write_bytes((root / path).read_bytes())
    assert run(load_config(root)).changes == ()
    assert "site/de/part/guide1.md" in looked["read"] and looked["planned"] == []
    observed: list[object] = []
    monkeypatch.setattr(cache_module, "observe", lambda *args: observed.append(args))
    assert run(load_config(root)).changes == () and observed == []


def test_a_lost_plan_is_made_again_by_a_run_the_record_answers(
    tmp_path: Path, later: None, looked: dict[str, list[str]], run_cache: Path
) -> None:
    root = settled_project(tmp_path, looked)
    (plan,) = run_cache.glob("plan-*.cache")
    plan.unlink()
    assert run(load_config(root)).changes == () and looked["planned"] == ["plan"]
    looked["planned"].clear()
    looked["read"].clear()
    assert run(load_config(root)).changes == () and looked == {"read": [], "planned": []}


def test_a_new_source_is_found_though_nothing_else_changed(
    tmp_path: Path, later: None, looked: dict[str, list[str]]
) -> None:
    root = settled_project(tmp_path, looked)
    (root / "docs" / "part" / "new.md").write_text("# New\n\nA new page.\n", encoding="utf-8")
    assert invoke(root, "sync").exit_code == 0
    assert looked["planned"]
    assert (root / "site" / "tr" / "part" / "new.md").is_file()
    assert (root / "locales" / "tr" / "part" / "new.po").is_file()


def test_a_generated_file_that_loses_its_header_becomes_a_source(
    tmp_path: Path, later: None, looked: dict[str, list[str]]
) -> None:
    # A file the tool wrote is no source, by its first line alone: the listing of the files
    # stays the same when that line is removed, and the plan must be made again.
    generated = tmp_path / "docs" / "old.md"
    generated.parent.mkdir(parents=True)
    generated.write_text(f"{HEADER_PREFIX}docs/gone.md -->\n\n# Old\n", encoding="utf-8")
    root = settled_project(tmp_path, looked)
    assert not (root / "site" / "tr" / "old.md").exists()
    assert run(load_config(root)).changes == () and looked["planned"] == []
    generated.write_text("# Old\n\nA page of its own now.\n", encoding="utf-8")
    assert invoke(root, "sync").exit_code == 0
    assert (root / "site" / "tr" / "old.md").is_file()


def test_a_folder_turned_into_a_symlink_is_planned_again(
    tmp_path: Path, later: None, looked: dict[str, list[str]]
) -> None:
    # Every file keeps its signature when its folder is moved and a symlink takes its name:
    # only the plan's checks look at the folders, so the plan is not taken from the cache.
    root = settled_project(tmp_path, looked)
    config = load_config(root)
    compendia = find_compendia(config)
    assert compendia is not None
    listing = listing_digest(source_candidates(config), compendia)
    assert cache_module.quick_memo(config, STEPS, listing, os.environ) is not None
    (root / "site" / "tr").rename(root / "site" / "tr-real")
    (root / "site" / "tr").symlink_to("tr-real")
    assert cache_module.quick_memo(config, STEPS, listing, os.environ) is None
    report = run(config)
    assert looked["planned"]
    assert_as_without_cache(root, report)


def _signature(modified: int, changed: int) -> Signature:
    return (1, 2, 3, 0o100644, modified, changed)


def test_a_signature_is_trusted_only_once_its_times_are_past_a_clock_tick() -> None:
    stamp = 1_800_000_000 * SECOND + 123_456_789
    recent = stamp - 50_000_000  # 50 ms before the look: a write within its tick keeps the times
    assert not _settled(_signature(recent - SECOND, recent), stamp)
    assert not _settled(_signature(recent, recent - SECOND), stamp)
    assert _settled(_signature(stamp - SECOND, stamp - SECOND), stamp)
    # Times in whole seconds (FAT, HFS+, ext3): a tick of up to two seconds.
    whole = (stamp // SECOND - 2) * SECOND
    assert not _settled(_signature(whole, whole), stamp)
    assert _settled(_signature(whole - 2 * SECOND, whole - 2 * SECOND), stamp)
    # A time in the future (a clock set back, or a touch): never trusted.
    assert not _settled(_signature(stamp + SECOND, stamp - SECOND), stamp)


def test_a_file_written_within_a_tick_of_the_look_is_read_again_by_the_next_run(
    tmp_path: Path, later: None, looked: dict[str, list[str]], monkeypatch: pytest.MonkeyPatch
) -> None:
    root = settled_project(tmp_path, looked)
    output = root / "site" / "tr" / "guide0.md"
    output.write_bytes(output.read_bytes())  # the same bytes, a new change time
    changed = output.stat().st_ctime_ns
    monkeypatch.setattr(signatures, "_clock", lambda: changed + 50_000_000)  # looked at 50 ms later
    for _ in range(2):
        looked["read"].clear()
        assert run(load_config(root)).changes == ()
        assert "site/tr/guide0.md" in looked["read"]
    # Looked at once more ten seconds on, it is kept, and the run after reads it no more.
    monkeypatch.setattr(signatures, "_clock", lambda: changed + 10 * SECOND)
    run(load_config(root))
    looked["read"].clear()
    assert run(load_config(root)).changes == () and looked["read"] == []


COMPENDIUM = """msgid ""
msgstr ""
"Language: tr\\n"
"Content-Type: text/plain; charset=UTF-8\\n"
"""


def _executions(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """One entry a run that does its jobs (`sync.execute`): a remembered run has none."""
    done: list[int] = []
    real = sync_module.execute

    def execute(*args: object, **options: object) -> object:
        done.append(1)
        return real(*args, **options)  # type: ignore[arg-type]

    monkeypatch.setattr(sync_module, "execute", execute)
    return done


@pytest.mark.parametrize("link", ["compendium", "source"])
def test_a_symlink_inside_the_repository_keeps_the_memo_and_its_target_is_followed(
    tmp_path: Path, later: None, monkeypatch: pytest.MonkeyPatch, link: str
) -> None:
    # A compendium or a source may be a symlink to a file of the repository. Its files are
    # read one by one then, through the symlink as the jobs read them, and no signature is
    # kept (a symlink's says nothing of its target): the memo answers while the target
    # holds the same bytes, and a change to the target alone is a run with work.
    root = synced(tmp_path)
    if link == "compendium":
        config = root / "i18n-sync.toml"
        config.write_text(config.read_text(encoding="utf-8") + 'compendia = ["tm/{locale}.po"]\n', "utf-8")
        target = root / "memory" / "tr.po"
        target.parent.mkdir()
        target.write_text(COMPENDIUM, encoding="utf-8")
        (root / "tm").mkdir()
        (root / "tm" / "tr.po").symlink_to("../memory/tr.po")
        change = '\nmsgid "Text 3 that nobody translated."\nmsgstr "Kimsenin çevirmediği metin 3."\n'
    else:
        target = root / "docs" / "guide0.md"
        (root / "docs" / "alias.md").symlink_to("guide0.md")
        change = "\nOne more paragraph.\n"
    assert invoke(root, "sync").exit_code == 0  # writes the alias's files
    assert invoke(root, "sync").exit_code == 0  # finds nothing to do: remembered
    done = _executions(monkeypatch)
    assert run(load_config(root)).changes == () and done == []
    with target.open("a", encoding="utf-8") as file:
        file.write(change)
    report = run(load_config(root))
    assert done == [1] and report.changes
    fresh = run(load_config(root), environ={**os.environ, CACHE_VARIABLE: "off"})
    assert report_bytes(report) == report_bytes(fresh)


def _signed(root: Path, names: list[str]) -> bytes:
    """The signatures of `names` under `root` as `Seen.packed` holds them (missing: none)."""
    found = []
    for name in names:
        try:
            found.append(signatures._signature_of(os.lstat(root / name)))
        except (FileNotFoundError, NotADirectoryError):
            found.append(signatures._ABSENT)
    return b"".join(signatures._SIGNATURE.pack(*signature) for signature in found)


@pytest.mark.skipif("fork" not in multiprocessing.get_all_start_methods(), reason="no fork: one process")
def test_two_processes_look_at_the_signatures_as_one_does(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """`first_change` and `refresh` give the same answers when a process of its own looks at
    the second half of the files (`signatures._changes`): no change, a change in either half,
    a file gone or come, a file that cannot be looked at (under a file, not a folder)."""
    monkeypatch.setattr(signatures, "_WORTH_A_PROCESS", 0)
    started = helpers.spy_backgrounds(monkeypatch, signatures)
    names = [f"f{index:02}.txt" for index in range(40)] + ["late.txt"]
    for name in names[:-1]:
        (tmp_path / name).write_text(name, encoding="utf-8")
    packed = _signed(tmp_path, names)  # "late.txt" missing
    digests = bytes(32 * len(names))
    past = os.stat(tmp_path / names[0]).st_mtime_ns - 10 * SECOND
    monkeypatch.setattr(signatures, "_clock", lambda: past + 20 * SECOND)

    def answers(workers: int) -> tuple[int, object]:
        seen = signatures.refresh(tmp_path, names, packed, digests, None, 0, workers)
        changed = None if seen is None else sorted(seen.read)
        return signatures.first_change(tmp_path, names, packed, workers), changed

    assert answers(2) == answers(1) == (len(names), [])
    assert started  # the second half was looked at by another process
    (tmp_path / "f30.txt").write_text("changed, and longer", encoding="utf-8")  # second half
    assert answers(2) == answers(1) == (30, ["f30.txt"])
    (tmp_path / "f03.txt").unlink()  # first half
    (tmp_path / "late.txt").write_text("new", encoding="utf-8")
    assert answers(2) == answers(1) == (3, ["f03.txt", "f30.txt", "late.txt"])
    (tmp_path / "f03.txt").write_text("f03 as a file", encoding="utf-8")
    blocked = [*names[:35], "f00.txt/inside", *names[35:]]  # ENOTDIR: cannot be looked at
    packed = _signed(tmp_path, blocked)
    digests = bytes(32 * len(blocked))
    for workers in (1, 2):
        assert signatures.first_change(tmp_path, blocked, packed, workers) == 35
        assert signatures.refresh(tmp_path, blocked, packed, digests, None, 0, workers) is None
