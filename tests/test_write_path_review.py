"""A hostile review of the write path: staging ahead, remembered folders, the job cache."""

from __future__ import annotations

import os
import stat
from pathlib import Path

import pytest

from helpers import invoke, temps_in
from i18n_sync.errors import WriteError
from i18n_sync.model import FileChange
from i18n_sync.project.files import TEMP_PREFIX, TEMP_SUFFIX
from i18n_sync.project.staging import Staging
from i18n_sync.project.writing import READ_ONLY, apply_changes

# --- A file staged while the workers render, then changed before the renames -------------------


def test_a_staged_file_made_read_only_during_the_run_is_left_alone(tmp_path: Path) -> None:
    """Staging runs while the workers render; a user who makes the file read-only meanwhile
    asks the tool to leave it as it is, exactly as for a file read-only from the start."""
    (tmp_path / "locales").mkdir()
    target = tmp_path / "locales" / "tr.po"
    target.write_bytes(b"old")
    other = FileChange("locales/de.po", b"de", "catalog")
    change = FileChange("locales/tr.po", b"new bytes", "catalog")
    staging = Staging(tmp_path)
    staging.stage([change, other])
    assert len(temps_in(tmp_path)) == 2
    target.chmod(0o444)  # meanwhile, the user locks it
    try:
        applied = apply_changes(tmp_path, [change, other], staging)
        assert target.read_bytes() == b"old"
        assert stat.S_IMODE(target.stat().st_mode) == 0o444
        assert [(e.path, e.message) for e in applied.errors] == [("locales/tr.po", READ_ONLY)]
        assert "locales/tr.po" not in applied.written
        assert temps_in(tmp_path) == []
    finally:
        target.chmod(0o644)


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="needs FIFOs")
def test_a_staged_new_file_whose_path_became_a_fifo_is_refused_before_any_rename(tmp_path: Path) -> None:
    """A file that is not a plain file is never replaced (it is not the tool's), and the
    refusal comes before anything is renamed: all or nothing."""
    first = FileChange("a.md", b"a", "output")
    change = FileChange("b.md", b"b", "output")
    staging = Staging(tmp_path)
    staging.stage([first, change])  # both new: staged with 0o644
    os.mkfifo(tmp_path / "b.md")  # meanwhile, something else takes the path
    with pytest.raises(WriteError, match=r"not a regular file"):
        apply_changes(tmp_path, [first, change], staging)
    staging.discard()  # as `api.sync` does after a failed write
    assert stat.S_ISFIFO(os.lstat(tmp_path / "b.md").st_mode)
    assert not (tmp_path / "a.md").exists()
    assert temps_in(tmp_path) == []


def test_a_staged_new_file_whose_path_became_a_folder_is_refused_before_any_rename(tmp_path: Path) -> None:
    first = FileChange("a.md", b"a", "output")
    change = FileChange("b.md", b"b", "output")
    staging = Staging(tmp_path)
    staging.stage([first, change])
    (tmp_path / "b.md").mkdir()
    with pytest.raises(WriteError, match=r"b\.md: "):
        apply_changes(tmp_path, [first, change], staging)
    staging.discard()
    assert (tmp_path / "b.md").is_dir()
    assert not (tmp_path / "a.md").exists()
    assert temps_in(tmp_path) == []


def test_two_written_folders_that_are_one_folder_are_refused_before_anything_is_written(
    tmp_path: Path,
) -> None:
    """A pull request adds ``site/fr`` as a symlink to ``site/de``: the French outputs would
    overwrite the German ones, and one language's temporary files would look stale from the
    other's folder name and be deleted while the run still needed them."""
    root = tmp_path / "repo"
    (root / "content").mkdir(parents=True)
    (root / "content" / "guide.md").write_text("# Guide\n\nSome text.\n", encoding="utf-8")
    config = 'languages = ["de", "fr"]\noutput = "site/{lang}/{path}.md"\n'
    (root / "i18n-sync.toml").write_text(config, encoding="utf-8")
    (root / "site" / "de").mkdir(parents=True)
    (root / "site" / "fr").symlink_to("de")
    before = sorted(str(p.relative_to(root)) for p in root.rglob("*"))
    result = invoke(root, "sync")
    assert result.exit_code == 1
    assert result.stderr == (
        "Error: site/fr/guide.md: its folder is the folder site/de under another name (a symlink); "
        "remove the symlink or change the patterns\n"
    )
    assert sorted(str(p.relative_to(root)) for p in root.rglob("*")) == before


def test_writing_through_two_names_of_one_folder_keeps_the_runs_own_temporary_files(
    tmp_path: Path,
) -> None:
    """`apply_changes` on its own (the API) with ``site/fr`` a symlink to ``site/de``: sweeping
    ``site/fr`` must not take the file staged in ``site/de`` for a killed run's, and a real
    leftover is removed, and reported, once."""
    root = tmp_path / "repo"
    (root / "site" / "de").mkdir(parents=True)
    (root / "site" / "fr").symlink_to("de")
    stale = root / "site" / "de" / f"{TEMP_PREFIX}killed{TEMP_SUFFIX}"
    stale.write_bytes(b"left by a killed run")
    staging = Staging(root)
    german = FileChange("site/de/a.md", b"a", "output")
    staging.stage([german])
    applied = apply_changes(root, [german, FileChange("site/fr/b.md", b"b", "output")], staging)
    assert applied.errors == ()
    assert applied.written == ("site/de/a.md", "site/fr/b.md")
    assert applied.removed == (f"site/de/{stale.name}",)
    assert sorted(p.name for p in (root / "site" / "de").iterdir()) == ["a.md", "b.md"]
