"""Review of `writing._appeared`: a first run's catalogue is renamed into place only where
nothing stands now; an existing catalogue is still compared byte for byte.

The tests of a new catalogue run both ways it goes into place (`renaming`): in one step
(`temps.rename_new`, Linux), and looked at, then renamed (elsewhere)."""

from __future__ import annotations

import os
import shutil
import sys
from pathlib import Path

import pytest

from helpers import before_renames, invoke, staged_whole, temps_in, without_rename_new
from i18n_sync.project import writing
from test_scale import TR, make_docs


def test_a_catalogue_made_in_a_symlinked_folder_during_a_first_run_is_left(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, renaming: str
) -> None:
    """`locales/tr` is a symlink to a folder of the repository: the look goes where it leads."""
    make_docs(tmp_path, count=12)
    (tmp_path / "store" / "tr").mkdir(parents=True)
    (tmp_path / "locales").mkdir()
    (tmp_path / "locales" / "tr").symlink_to(tmp_path / "store" / "tr")
    mine = tmp_path / "store" / "tr" / "guide0.po"
    before_renames(monkeypatch, lambda: mine.write_text("mine\n", encoding="utf-8"))
    outcome = invoke(tmp_path, "sync")
    assert outcome.exit_code != 0
    assert "locales/tr/guide0.po" in outcome.output and "changed on disk" in outcome.output
    assert mine.read_text(encoding="utf-8") == "mine\n"
    assert (tmp_path / "store" / "tr" / "guide2.po").is_file()  # the others are written
    assert not temps_in(tmp_path)


def test_a_fifo_made_at_a_catalogues_path_during_a_first_run_is_left(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, renaming: str
) -> None:
    """The catalogues' folder is written whole: the FIFO made its folder, and nothing is
    written in it (it was not there when the run looked)."""
    make_docs(tmp_path, count=12)
    target = tmp_path / "locales" / "tr" / "guide0.po"

    def fifo() -> None:
        target.parent.mkdir(parents=True)
        os.mkfifo(target)

    before_renames(monkeypatch, fifo)
    outcome = invoke(tmp_path, "sync")
    assert (
        outcome.exit_code != 0
        and "locales: was made, or the folder it was being written in changed, while i18n-sync was running"
        in outcome.output
    )
    assert target.is_fifo() and os.listdir(target.parent) == ["guide0.po"]
    assert not temps_in(tmp_path)


def test_an_existing_catalogue_is_still_compared_byte_for_byte(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """original not None: an edit during the run (same size too) is reported and kept; the
    catalogue beside it, unchanged meanwhile, is updated."""
    make_docs(tmp_path, count=12)
    (tmp_path / "locales" / "tr" / "part").mkdir(parents=True)
    for number in (1, 3):
        path = tmp_path / "locales" / "tr" / "part" / f"guide{number}.po"
        path.write_text(TR.format(number=number), encoding="utf-8")
    edited = tmp_path / "locales" / "tr" / "part" / "guide1.po"
    theirs = TR.format(number=1).replace("Kılavuz 1", "Kılavuz 9")
    assert len(theirs) == len(TR.format(number=1))
    before_renames(monkeypatch, lambda: edited.write_text(theirs, encoding="utf-8"))
    outcome = invoke(tmp_path, "sync")
    assert outcome.exit_code != 0
    assert "locales/tr/part/guide1.po" in outcome.output and "changed on disk" in outcome.output
    assert edited.read_text(encoding="utf-8") == theirs
    other = (tmp_path / "locales" / "tr" / "part" / "guide3.po").read_text(encoding="utf-8")
    assert other != TR.format(number=3) and 'msgstr "Kılavuz 3"' in other
    assert not temps_in(tmp_path)


def test_a_catalogue_path_that_cannot_be_looked_at_is_read_instead(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """`lstat` refused (EACCES): the read decides, and finds nothing there, as the run did.
    (Only where a new catalogue is looked at before its rename: in one step, there is no look;
    and only in a folder that exists: a missing one is written whole.)"""
    without_rename_new(monkeypatch)
    make_docs(tmp_path, count=12)
    (tmp_path / "locales" / "tr").mkdir(parents=True)
    target = os.path.join(os.path.realpath(tmp_path), "locales", "tr", "guide0.po")
    real = os.lstat
    asked: list[str] = []

    def refusing(path, *args, **kwargs):  # type: ignore[no-untyped-def]
        if os.fspath(path) == target and sys._getframe(1).f_code.co_name == "_appeared":
            asked.append(path)
            raise PermissionError(13, "Permission denied", path)
        return real(path, *args, **kwargs)

    monkeypatch.setattr(writing.os, "lstat", refusing)
    outcome = invoke(tmp_path, "sync")
    assert outcome.exit_code == 0, outcome.output
    assert asked and Path(target).is_file()


def test_a_catalogue_folder_removed_during_a_first_run_is_an_error_not_a_crash(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, renaming: str
) -> None:
    """Its folder is written whole (`staging`): the folder it is written in is removed."""
    make_docs(tmp_path, count=12)

    def remove() -> None:
        for twin in staged_whole(tmp_path):
            shutil.rmtree(twin)

    before_renames(monkeypatch, remove)
    outcome = invoke(tmp_path, "sync")
    assert outcome.exception is None or isinstance(outcome.exception, SystemExit), outcome.exception
    assert outcome.exit_code != 0
    assert "locales: was made, or the folder it was being written in changed" in outcome.output
