"""Review of 230c015 (file signatures and the remembered plan): each test failed there.

A run with nothing to do must report exactly what a run without the cache reports
(``I18N_SYNC_CACHE_DIR=off``), and any change a pull request can make must be noticed.
The runs' clock is moved ten seconds on (`later`, in tests/conftest.py), so
that files written a moment before count as settled.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from helpers import invoke
from i18n_sync.errors import I18nSyncError
from i18n_sync.project.cache import CACHE_VARIABLE
from i18n_sync.project.config import load_config
from i18n_sync.project.sync import run
from test_job_cache import synced

OFF = {CACHE_VARIABLE: "off"}


def remembered_render(tmp_path: Path) -> Path:
    """A synced docs tree whose `render` run is remembered, with its plan (`quick_memo`)."""
    root = synced(tmp_path)
    assert all(change.current for change in run(load_config(root), ("render",)).changes)
    assert run(load_config(root), ("render",)).changes == ()  # the remembered run
    return root


def outcome(root: Path, steps: tuple[str, ...], environ: dict[str, str] | None = None) -> object:
    """What a run says: its error's text, or its report without the changes it holds."""
    try:
        report = run(load_config(root), steps, environ=os.environ if environ is None else environ)
    except I18nSyncError as error:
        return f"error: {error}"
    return (
        report.errors,
        report.diagnostics,
        report.languages,
        tuple(c.path for c in report.changes if not c.current),
    )


def assert_render_refused(root: Path, words: str) -> None:
    """A `render` run without the cache refuses, saying `words`; a run with it says the same."""
    fresh = outcome(root, ("render",), OFF)
    assert isinstance(fresh, str) and words in fresh
    assert outcome(root, ("render",)) == fresh


def test_render_recalls_a_plan_though_a_template_became_a_symlink(tmp_path: Path, later: None) -> None:
    """A `render` run's files do not include the templates, but its plan checks them: a
    template a pull request replaced with a symlink is refused ("is a symlink; refusing to
    write") by a run without the cache. The remembered plan (`quick_memo`) looks only at
    the files the memo names, so the cached run reports the old success instead."""
    root = remembered_render(tmp_path)
    template = root / "locales" / "guide0.pot"
    template.unlink()
    template.symlink_to("guide2.pot")
    assert_render_refused(root, "is a symlink")


def test_render_recalls_a_plan_though_a_template_folder_leads_out_of_the_repository(
    tmp_path: Path, later: None
) -> None:
    """The same hole with a folder: `locales/part` (only templates live there) replaced by a
    symlink to a folder outside the repository. `_plain_folders` looks only at the folders
    of the memo's files, which in a `render` run hold no template, so the cached run skips
    the plan's "is in a folder outside the repository" refusal."""
    root = remembered_render(tmp_path)
    outside = tmp_path.parent / (tmp_path.name + "-outside")
    (root / "locales" / "part").rename(outside)
    (root / "locales" / "part").symlink_to(outside)
    assert_render_refused(root, "outside the repository")


# --- Found while comparing cached and uncached runs; older than 230c015 (the memo's key) ---------


def test_a_compendium_symlink_out_of_the_repository_removed_is_not_noticed(
    tmp_path: Path, later: None
) -> None:
    """Pre-existing (the run memo's key, not the signatures): a compendium named without a
    glob that is a symlink to a file outside the repository is skipped silently (it is a
    file, so no "no such file" warning, but `compendium_paths` drops it), exactly like a
    missing one in the listing and the memo's files. Once a pull request removes the
    symlink, a run without the cache warns "compendium: no such file"; the cached run
    recalls the report made while the symlink was there, without that warning."""
    root = synced(tmp_path)
    config = root / "i18n-sync.toml"
    config.write_text(
        config.read_text(encoding="utf-8") + 'compendia = ["tm/{locale}.po"]\n', encoding="utf-8"
    )
    outside = tmp_path.parent / (tmp_path.name + "-memory.po")
    outside.write_text('msgid ""\nmsgstr ""\n"Language: tr\\n"\n', encoding="utf-8")
    (root / "tm").mkdir()
    (root / "tm" / "tr.po").symlink_to(outside)
    assert invoke(root, "sync").exit_code == 0
    assert run(load_config(root)).changes == ()  # remembered
    (root / "tm" / "tr.po").unlink()
    fresh = run(load_config(root), environ=OFF)
    assert any(d.path == "tm/tr.po" and "no such file" in d.message for d in fresh.diagnostics)
    assert run(load_config(root)).diagnostics == fresh.diagnostics


def test_a_malformed_compendium_glob_is_a_clear_error_not_a_traceback(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Pre-existing, and now met before planning (`inputs.find_compendia` catches `I18nSyncError`
    only): a `compendia` pattern Python's glob refuses ("**" inside a name) escapes as a
    bare ValueError, a traceback, on every run, with the cache or without it (a bad
    `sources` pattern is a `ConfigError`: `plan.source_candidates`)."""
    root = synced(tmp_path)
    config = root / "i18n-sync.toml"
    config.write_text(config.read_text(encoding="utf-8") + 'compendia = ["tm/**x/*.po"]\n', encoding="utf-8")
    for cache in (os.environ[CACHE_VARIABLE], "off"):
        monkeypatch.setenv(CACHE_VARIABLE, cache)
        result = invoke(root, "sync")
        assert not isinstance(result.exception, ValueError), result.exception
