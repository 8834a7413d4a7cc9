"""Shared test options: ``--regen`` rewrites golden files so a change shows up as a diff."""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from i18n_sync.project import pool, signatures, temps


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption(
        "--regen",
        action="store_true",
        default=False,
        help="rewrite the expected files of the golden fixtures instead of comparing",
    )


@pytest.fixture
def regen(request: pytest.FixtureRequest) -> bool:
    return bool(request.config.getoption("--regen"))


@pytest.fixture(autouse=True)
def run_cache(tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Each test gets its own run cache, outside its project, so no test sees another's records."""
    folder = tmp_path_factory.mktemp("run-cache")
    monkeypatch.setenv("I18N_SYNC_CACHE_DIR", str(folder))
    return folder


@pytest.fixture(autouse=True)
def fixed_date(monkeypatch: pytest.MonkeyPatch) -> None:
    """Templates are dated by the minute they are written unless SOURCE_DATE_EPOCH says
    otherwise: a test comparing the trees of two runs would fail whenever a minute turned
    between them (a slow machine makes that likely). Every test dates them alike; one that
    wants today's date removes the variable."""
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1764000000")


@pytest.fixture(autouse=True)
def pools_as_asked(monkeypatch: pytest.MonkeyPatch) -> None:
    """A stage's jobs go to a pool whenever it has the workers and the jobs for one
    (`pool.forks`): a render's trial (`pool._trial`) would keep the small projects of the
    tests in their own process, and the tests of what the pools do would test nothing.
    `test_pool_trial` tests the trial itself."""
    monkeypatch.setattr(pool, "_trial", lambda function, items: [])


@pytest.fixture
def later(monkeypatch: pytest.MonkeyPatch) -> None:
    """Every look at the files is made ten seconds from now: what was written before is settled
    (`project.signatures`), and a run may take the files by their signatures."""
    monkeypatch.setattr(signatures, "_clock", lambda: time.time_ns() + 10_000_000_000)


@pytest.fixture(params=["in one step", "looked at, then renamed"])
def renaming(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> str:
    """Each way a new catalogue goes into place: in one step (`temps.rename_new`, Linux), and
    looked at, then renamed (elsewhere)."""
    if request.param != "in one step":
        monkeypatch.setattr(temps, "_load_renameat2", lambda: None)  # `helpers.without_rename_new`
    return str(request.param)
