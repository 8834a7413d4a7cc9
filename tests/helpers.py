"""Helpers the tests share: golden-file comparison, the UPPERCASE pseudo-translation, small
projects, and pools watched as they fork and end."""

from __future__ import annotations

import os
import re
from collections.abc import Callable, Sequence
from pathlib import Path
from types import ModuleType
from typing import Any, ClassVar

import pytest
from click.testing import CliRunner, Result

from i18n_sync.cli import main
from i18n_sync.gettext.catalog import build_template
from i18n_sync.gettext.po import format_po
from i18n_sync.markdown.document import load_document
from i18n_sync.markdown.extract import Extraction, extract_units
from i18n_sync.project import background, flushing, inspect, merging, pool, staging, temps, writing
from i18n_sync.project import sync as sync_module
from i18n_sync.project.files import TEMP_PREFIX, TEMP_SUFFIX

FIXTURES = Path(__file__).parent / "fixtures"
FIXED_DATE = "2026-01-01 00:00+0000"

# What an UPPERCASE pseudo-translation leaves alone: code spans, placeholders,
# spelled-out link destinations, footnote labels, entities and HTML tags.
_KEEP = re.compile(r"(`+[^`]*`+|\]\([^)]*\)|\{\d+\}|\[\^[^\]]*\]|&#?\w+;|<[^>]*>)")


def uppercase(msgid: str) -> str:
    """Sphinx's trick: a translation that is visibly different and structurally the same."""
    return "".join(part if _KEEP.fullmatch(part) else part.upper() for part in _KEEP.split(msgid))


_ACCENTS = str.maketrans("AEIOU", "ÂÊÎÔÛ")


def accented(msgid: str) -> str:
    """Like `uppercase`, with accented vowels too, so that heading anchors change."""
    return "".join(
        part if _KEEP.fullmatch(part) else part.upper().translate(_ACCENTS) for part in _KEEP.split(msgid)
    )


def read_fixture(path: Path) -> str:
    return path.read_bytes().decode("utf-8")


def extract_file(path: Path, name: str = "input.md") -> tuple[Extraction, str]:
    text = read_fixture(path)
    return extract_units(load_document(text, name)), text


def template_text(extraction: Extraction, reference: str = "input.md") -> str:
    return format_po(build_template(extraction.units, reference, "fixture", None, FIXED_DATE))


def check_golden(path: Path, actual: str, regen: bool) -> None:
    """Compare with a golden file, or rewrite it under ``--regen``."""
    if regen or not path.exists():
        path.write_bytes(actual.encode("utf-8"))
        if not regen:
            raise AssertionError(f"{path} did not exist; written, review it and run again")
        return
    assert actual == read_fixture(path), f"{path} differs; run pytest --regen and review the diff"


def entry_lines(text: str) -> dict[str, int]:
    """msgid (as written, escaped) → the 1-based first line of its entry in PO text."""
    found = {}
    line = 1
    for block in text.split("\n\n"):
        match = re.search(r'^msgid "(.*)"$', block, re.MULTILINE)
        if match and not block.lstrip().startswith("#~"):
            found[match.group(1)] = line
        line += block.count("\n") + 2
    return found


def invoke(root: Path, *args: str) -> Result:
    """Run the command line on the project at `root`, as a user would, in process."""
    return CliRunner().invoke(main, [*args, "--root", str(root)])


def temps_in(root: Path) -> list[Path]:
    """The tool's temporary files anywhere under `root` (a finished run leaves none)."""
    return sorted(p for p in root.rglob(f"{TEMP_PREFIX}*") if p.name.endswith(TEMP_SUFFIX))


def staged_whole(root: Path) -> list[Path]:
    """The folders of the tool's own under `root` in which a run is writing a missing folder
    whole (`staging`): its files are there, under their own names, until it is renamed."""
    return [p for p in temps_in(root) if p.is_dir() and not p.is_symlink()]


def patch_write_temp(monkeypatch: pytest.MonkeyPatch, fake: Callable[..., str]) -> None:
    """Put `fake` in place of `temps.write_temp` where a run calls it: the staging writing
    ahead, and `apply_changes` writing what was not staged."""
    for module in (staging, writing):
        monkeypatch.setattr(module, "write_temp", fake)


def without_rename_new(monkeypatch: pytest.MonkeyPatch) -> None:
    """Make `temps.rename_new` answer as a system without ``RENAME_NOREPLACE`` does (not Linux,
    NFS): a new catalogue is looked at, then renamed into place."""
    monkeypatch.setattr(temps, "_load_renameat2", lambda: None)


# Tests of `temps.rename_new` itself, where there is one (Linux with glibc 2.28 or later).
linux_only = pytest.mark.skipif(temps._load_renameat2() is None, reason="renameat2 is Linux's")


def before_renames(monkeypatch: pytest.MonkeyPatch, action: Callable[[], object]) -> None:
    """Run `action` once in `apply_changes`, after the temporary files are written, before the
    renames: what someone does to the files meanwhile."""
    real = writing._flush
    done: list[bool] = []

    def first(*args: object, **kwargs: object) -> None:
        if not done:
            done.append(True)
            action()
        real(*args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(writing, "_flush", first)


class _EveryDevice(dict[int, str]):
    """A table of file system types that gives one type for every device."""

    def __init__(self, kind: str) -> None:
        super().__init__()
        self.kind = kind

    def get(self, key: object, default: object = None) -> str:  # type: ignore[override]
        return self.kind


def fake_syncfs(
    monkeypatch: pytest.MonkeyPatch, syncfs: Callable[[int], int] | None, kind: str = "ext4"
) -> None:
    """Make `flushing` call `syncfs` (handle -> 0, or -1 for a failure) for libc's, with None
    flush file by file as where there is none; every file system is of type `kind`, and the
    machine holds no unwritten data. So a test's disk behaves the same on any machine."""
    monkeypatch.setattr(flushing, "_load_syncfs", lambda: syncfs)
    monkeypatch.setattr(flushing, "_syncfs_expected", lambda: syncfs is not None)
    monkeypatch.setattr(flushing, "_file_system_types", lambda: _EveryDevice(kind))
    monkeypatch.setattr(flushing, "_unwritten", lambda: 0)


def docs_project(root: Path, languages: tuple[str, ...] = ("tr",), pages: int = 40) -> Path:
    """A project at `root` of `pages` small English documents under ``docs``, in `languages`."""
    tags = ", ".join(f'"{tag}"' for tag in languages)
    settings = f'languages = [{tags}]\nsources = ["docs/*.md"]\nsource_root = "docs"\n'
    (root / "i18n-sync.toml").write_text(settings, encoding="utf-8")
    (root / "docs").mkdir()
    for number in range(pages):
        (root / "docs" / f"page{number}.md").write_text(f"# Page {number}\n\nSome text.\n", encoding="utf-8")
    return root


def square(number: int) -> int:
    """A job for a pool."""
    return number * number


def child_processes() -> list[int]:
    """This process's child processes, running or not yet waited for (zombies), from /proc:
    `multiprocessing.active_children` would wait for the finished ones, and so hide them."""
    own = str(os.getpid())
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                fields = (entry / "stat").read_text(encoding="ascii").rpartition(")")[2].split()
            except OSError:  # ended meanwhile
                continue
            if fields[1] == own:  # state, then the parent's pid
                found.append(int(entry.name))
    return found


class WatchedPool:
    """What the run's pools did (`watch_pools`): for each, whether it waited for its workers
    before it returned or raised (`shutdowns`); the pools left to exit (`left`), and those of
    them waited for since (`joined`)."""

    shutdowns: ClassVar[list[bool]] = []
    left: ClassVar[list[object]] = []
    joined: ClassVar[list[object]] = []


def watch_pools(monkeypatch: pytest.MonkeyPatch) -> type[WatchedPool]:
    """Watch the run's pools (`WatchedPool`), with fresh records, for one test."""
    for name in ("shutdowns", "left", "joined"):
        monkeypatch.setattr(WatchedPool, name, [])
    leave, stop, wait = pool._Exiting.leave, pool._Workers.stop, pool._Workers.wait

    def left(self: Any, workers: Any) -> None:
        WatchedPool.shutdowns.append(self.pools is None)
        if self.pools is not None:
            WatchedPool.left.append(workers)
        leave(self, workers)

    def stopped(self: Any, kill: bool) -> None:
        WatchedPool.shutdowns.append(True)
        stop(self, kill)

    def waited(self: Any) -> None:
        if any(self is pool for pool in WatchedPool.left):
            WatchedPool.joined.append(self)
        wait(self)

    monkeypatch.setattr(pool._Exiting, "leave", left)
    monkeypatch.setattr(pool._Workers, "stop", stopped)
    monkeypatch.setattr(pool._Workers, "wait", waited)
    return WatchedPool


def count_merges(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The catalogues each later run merges (`jobs.process_catalogue`), in this process: the
    runs get one worker."""
    monkeypatch.setenv("I18N_SYNC_JOBS", "1")
    merged: list[str] = []
    real = merging.process_catalogue

    def process_catalogue(*args: Any, **options: Any) -> Any:
        result = real(*args, **options)
        merged.append(result.path)
        return result

    monkeypatch.setattr(merging, "process_catalogue", process_catalogue)
    return merged


def count_git_asks(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The sources each later `status` asks git about: all at once (`history.linear_revisions`,
    counted where git answered), or one by one (`history.source_revisions`)."""
    asked: list[str] = []
    real, real_linear = inspect.source_revisions, inspect.linear_revisions

    def source_revisions(root: Path, source: str, *args: Any, **options: Any) -> Any:
        asked.append(source)
        return real(root, source, *args, **options)

    def linear_revisions(root: Path, sources: Sequence[str], *args: Any, **options: Any) -> Any:
        found = real_linear(root, sources, *args, **options)
        if found is not None:
            asked.extend(sources)
        return found

    monkeypatch.setattr(inspect, "source_revisions", source_revisions)
    monkeypatch.setattr(inspect, "linear_revisions", linear_revisions)
    return asked


def count_executions(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The runs of the jobs (`sync.execute`) each later report or run makes, by command
    ("status", "sync"): none when its memo answers."""
    done: list[str] = []
    for module, name in ((inspect, "status"), (sync_module, "sync")):
        real = module.execute

        def execute(*args: Any, _real: Any = real, _name: str = name, **options: Any) -> Any:
            done.append(_name)
            return _real(*args, **options)

        monkeypatch.setattr(module, "execute", execute)
    return done


def spy_backgrounds(
    monkeypatch: pytest.MonkeyPatch, module: ModuleType
) -> list[background.Background[object]]:
    """The processes `module` starts from now on through `background.in_background`, as started."""
    started: list[background.Background[object]] = []
    real = background.in_background

    def spied(function: object) -> object:
        found = real(function)  # type: ignore[arg-type]
        if found is not None:
            started.append(found)
        return found

    monkeypatch.setattr(module, "in_background", spied)
    return started


def file_tree(root: Path) -> dict[str, bytes]:
    """Each file under `root` (not a symlink), by its path from there, with its bytes."""
    return {
        p.relative_to(root).as_posix(): p.read_bytes()
        for p in sorted(root.rglob("*"))
        if p.is_file() and not p.is_symlink()
    }
