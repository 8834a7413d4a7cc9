"""A run's sources listed in a process of its own while the program loads (`project.ahead`):
taken only for the very configuration the run reads, the same listing the run would make."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

import i18n_sync
from helpers import child_processes, docs_project
from i18n_sync.project import ahead
from i18n_sync.project.config import load_config
from i18n_sync.project.plan import find_sources, source_candidates
from i18n_sync.project.pool import can_fork

FORKS = pytest.mark.skipif(not can_fork(), reason="listed ahead only where there is fork")


@pytest.fixture(autouse=True)
def nothing_ahead() -> None:
    """No listing left over from another test, nor for the next."""
    ahead.forget()
    yield
    ahead.forget()


@pytest.mark.parametrize(
    ("args", "root"),
    [
        (["sync"], "."),
        (["render", "--lang", "tr"], "."),
        (["--root", "docs", "status"], "docs"),
        (["--root=docs", "check", "--lang", "tr"], "docs"),
        (["sync", "--root", "here"], "here"),
        (["--root", "there", "sync", "--root=here"], "here"),  # the command's own wins, as in click
        (["-q", "--format", "json", "update"], "."),
        (["--verbose", "extract"], "."),
        (["--format=json", "sync", "--check"], "."),
    ],
)
def test_the_root_of_a_command_line_that_plans_a_run(args: list[str], root: str) -> None:
    assert ahead.planned_root(args) == root


@pytest.mark.parametrize(
    "args",
    [
        [],
        ["--version"],
        ["sync", "--help"],
        ["-h"],
        ["init", "--lang", "tr"],
        ["import", "tr", "README.tr.md"],
        ["review"],
        ["--unknown", "sync"],  # an option it does not know before the command: not guessed at
        ["sync", "--root"],  # no value: click says so
        ["--root"],
        ["--", "sync"],
    ],
)
def test_no_root_for_another_command_line(args: list[str]) -> None:
    assert ahead.planned_root(args) is None


@FORKS
def test_the_listing_made_ahead_is_the_runs_own(tmp_path: Path) -> None:
    root = docs_project(tmp_path, ("tr", "zh-CN"), pages=12)
    (root / "docs" / "notes.txt").write_text("not a source\n", encoding="utf-8")
    ahead.start(["--root", str(root), "sync"])
    config = load_config(root)
    candidates = source_candidates(config)
    found = ahead.taken(config)
    assert found is not None
    assert (set(found.candidates), list(found.sources or ())) == (
        candidates,
        find_sources(config, candidates),
    )
    assert ahead.taken(config) is None  # taken once
    listing = ahead.listed(config)  # none left ahead: listed here, alike
    assert (listing.candidates, listing.sources()) == (candidates, find_sources(config, candidates))


def _here() -> dict[str, str]:
    """The environment, with this checkout's package first on the path of a process started
    elsewhere (a relative ``PYTHONPATH`` would find another, or none)."""
    package = str(Path(i18n_sync.__file__).resolve().parents[1])
    return {**os.environ, "PYTHONPATH": os.pathsep.join([package, os.environ.get("PYTHONPATH", "")])}


def _listing_made() -> None:
    """Wait for the listing process to end (its listing sent), without taking the listing."""
    process = ahead._ahead._process if ahead._ahead is not None else None
    deadline = time.monotonic() + 20
    while process is not None and process.is_alive() and time.monotonic() < deadline:
        time.sleep(0.01)


@FORKS
def test_a_listing_for_another_configuration_is_not_taken(tmp_path: Path) -> None:
    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    first = docs_project(tmp_path / "a", ("tr",), pages=3)
    second = docs_project(tmp_path / "b", ("tr",), pages=3)
    ahead.start(["sync", "--root", str(first)])
    assert ahead.taken(load_config(second)) is None
    # The same folder, its configuration changed since the listing was made.
    ahead.start(["sync", "--root", str(first)])
    config = first / "i18n-sync.toml"
    _listing_made()
    config.write_text(config.read_text(encoding="utf-8").replace('"tr"', '"tr", "de"'), encoding="utf-8")
    assert ahead.taken(load_config(first)) is None


@FORKS
def test_a_configuration_the_process_cannot_read_leaves_the_run_to_say_so(tmp_path: Path) -> None:
    (tmp_path / "i18n-sync.toml").write_text("languages = [\n", encoding="utf-8")
    before = child_processes()
    ahead.start(["sync", "--root", str(tmp_path)])
    _listing_made()  # it failed, and sent nothing
    (tmp_path / "i18n-sync.toml").write_text('languages = ["tr"]\nsources = ["*.md"]\n', encoding="utf-8")
    (tmp_path / "a.md").write_text("# A\n", encoding="utf-8")
    assert ahead.taken(load_config(tmp_path)) is None
    assert child_processes() == before  # waited for


@FORKS
def test_the_process_writes_nothing(tmp_path: Path) -> None:
    """No table of languages, no cache file: the listing process reads, and the run writes."""
    (tmp_path / "project").mkdir()
    root = docs_project(tmp_path / "project", ("tr",), pages=3)
    cache = tmp_path / "cache"
    cache.mkdir()
    environ = {**_here(), "I18N_SYNC_CACHE_DIR": str(cache)}
    script = (
        "import sys\n"
        "from i18n_sync.project import ahead\n"
        "from i18n_sync.project.config import load_config\n"
        f"ahead.start(['sync', '--root', {str(root)!r}])\n"
        f"print(ahead.taken(load_config(__import__('pathlib').Path({str(root)!r}))) is not None)\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", script], env=environ, capture_output=True, text=True, check=True
    )
    assert done.stdout.strip() == "True"
    assert list(cache.iterdir()) == []
    assert sorted(p.name for p in root.iterdir()) == ["docs", "i18n-sync.toml"]


@FORKS
def test_the_program_lists_ahead_and_writes_what_a_run_without_it_writes(tmp_path: Path) -> None:
    """`i18n-sync sync` as a program (the listing made ahead) and the same run in-process."""
    (tmp_path / "program").mkdir()
    (tmp_path / "library").mkdir()
    programmed = docs_project(tmp_path / "program", ("tr", "zh-CN"), pages=8)
    called = docs_project(tmp_path / "library", ("tr", "zh-CN"), pages=8)
    environ = {**_here(), "I18N_SYNC_CACHE_DIR": "off", "SOURCE_DATE_EPOCH": "1764000000"}
    for root, command in (
        (programmed, [sys.executable, "-m", "i18n_sync", "sync"]),
        (called, [sys.executable, "-c", "from i18n_sync.cli import main; main(['sync'])"]),
    ):
        subprocess.run(command, cwd=root, env=environ, capture_output=True, check=True)
    files = sorted(p.relative_to(programmed).as_posix() for p in programmed.rglob("*") if p.is_file())
    assert len(files) > 8 * 3
    assert files == sorted(p.relative_to(called).as_posix() for p in called.rglob("*") if p.is_file())
    assert all((programmed / f).read_bytes() == (called / f).read_bytes() for f in files)


@FORKS
def test_where_the_cache_remembers_a_plan_only_the_candidates_are_listed(tmp_path: Path) -> None:
    """A run that takes a remembered plan lists no sources: the process lists only the
    candidates then, and a run that plans after all lists the sources itself, alike."""
    from i18n_sync import api
    from i18n_sync.project.cachedir import remembers_a_plan

    root = docs_project(tmp_path, ("tr",), pages=6)
    config = load_config(root)
    assert not remembers_a_plan(root, os.environ)
    api.sync(config)
    api.sync(config)  # the second finds nothing to do, and keeps its plan
    assert remembers_a_plan(root, os.environ)
    ahead.start(["--root", str(root), "render", "--lang", "tr"])
    candidates = source_candidates(config)
    found = ahead.taken(config)
    assert found is not None and set(found.candidates) == candidates and found.sources is None
    listing = ahead.Listed(config, set(found.candidates))  # as `listed` makes it of that
    assert listing.sources() == find_sources(config, candidates)  # listed here when asked


def test_a_plan_is_remembered_by_its_projects_name_in_the_cache_folder_only(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from i18n_sync.project.cachedir import project_name, remembers_a_plan

    (tmp_path / "project").mkdir()
    root = docs_project(tmp_path / "project", ("tr",), pages=2)
    cache = tmp_path / "cache"
    environ = {"I18N_SYNC_CACHE_DIR": str(cache)}
    assert not remembers_a_plan(root, environ)  # no folder yet
    cache.mkdir()
    (cache / f"plan-{'0' * 24}.cache").write_bytes(b"another project's")
    assert not remembers_a_plan(root, environ)
    (cache / f"lang-0123456789ab-plan-{project_name(root)}.cache").write_bytes(b"")
    assert remembers_a_plan(root, environ)
    assert not remembers_a_plan(root, {"I18N_SYNC_CACHE_DIR": "off"})
    assert not remembers_a_plan(root, {"I18N_SYNC_CACHE_DIR": str(root / "cache")})  # refused inside
