"""Shared test options: ``--regen`` rewrites golden files so a change shows up as a diff."""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from i18n_sync.project import signatures


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


@pytest.fixture
def later(monkeypatch: pytest.MonkeyPatch) -> None:
    """Every look at the files is made ten seconds from now: what was written before is settled
    (`project.signatures`), and a run may take the files by their signatures."""
    monkeypatch.setattr(signatures, "_clock", lambda: time.time_ns() + 10_000_000_000)
