"""Shared test options: ``--regen`` rewrites golden files so a change shows up as a diff."""

from __future__ import annotations

from pathlib import Path

import pytest


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
