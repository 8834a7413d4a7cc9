"""A folder missing when the run starts is written whole: in a folder of the tool's own beside
it, renamed into place in one step (`staging.Staging.rename_whole`), not file by file."""

from __future__ import annotations

import os
import stat
from pathlib import Path

import pytest

from helpers import before_renames, invoke, staged_whole, temps_in
from i18n_sync.model import FileChange
from i18n_sync.project import staging as staging_module
from i18n_sync.project import temps, writing
from i18n_sync.project.cache import CACHE_VARIABLE
from i18n_sync.project.files import TEMP_PREFIX, TEMP_SUFFIX
from i18n_sync.project.staging import Staging
from i18n_sync.project.writing import MADE_MEANWHILE, apply_changes
from test_scale import make_docs

WORKERS = pytest.mark.parametrize("workers", ["1", "2"])


def _tree(root: Path) -> dict[str, tuple[int, bytes | None]]:
    """Every file and folder under `root`: its permissions, and a file's bytes."""
    found = {}
    for path in sorted(root.rglob("*")):
        mode = path.lstat().st_mode
        content = path.read_bytes() if stat.S_ISREG(mode) else None
        found[path.relative_to(root).as_posix()] = (stat.S_IMODE(mode), content)
    return found


def _renames(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The targets of every rename the run makes into place (a forked worker makes none)."""
    made: list[str] = []
    for module, name in ((writing, "rename_new"), (staging_module, "rename_new")):
        real = getattr(module, name)

        def spy(temp: str, target: str, real=real) -> bool | None:  # type: ignore[no-untyped-def]
            made.append(target)
            return real(temp, target)

        monkeypatch.setattr(module, name, spy)
    real_replace = os.replace

    def replace(source, target, *args, **kwargs):  # type: ignore[no-untyped-def]
        made.append(os.fspath(target))
        return real_replace(source, target, *args, **kwargs)

    monkeypatch.setattr(os, "replace", replace)
    return made


@WORKERS
def test_a_first_sync_renames_each_new_folder_once_and_writes_what_file_by_file_would(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, workers: str
) -> None:
    monkeypatch.setenv("I18N_SYNC_JOBS", workers)
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1700000000")
    monkeypatch.setenv(CACHE_VARIABLE, "off")
    (tmp_path / "whole").mkdir()
    (tmp_path / "by-file").mkdir()
    whole = make_docs(tmp_path / "whole", count=12)
    by_file = make_docs(tmp_path / "by-file", count=12)
    with monkeypatch.context() as patch:
        renames = _renames(patch)
        assert invoke(whole, "sync").exit_code == 0
    # Two new folders (locales/, site/), each renamed once: no file on its own.
    assert sorted(os.path.relpath(target, whole) for target in renames) == ["locales", "site"]
    with monkeypatch.context() as patch:
        patch.setattr(Staging, "_twin", lambda *args: None)  # every file beside its target
        renames = _renames(patch)
        assert invoke(by_file, "sync").exit_code == 0
    written = [p for folder in ("locales", "site") for p in (by_file / folder).rglob("*") if p.is_file()]
    assert len(written) >= 12 * 4 and len(renames) >= len(written)  # one each
    assert _tree(whole) == _tree(by_file)
    assert temps_in(whole) == []


def test_a_killed_runs_folder_is_removed_by_the_next_run(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A run killed before its renames leaves the folder it was writing whole: the next run
    that writes beside it removes it, with what it holds, and says so."""
    monkeypatch.setenv(CACHE_VARIABLE, "off")
    root = make_docs(tmp_path, count=12)
    left = root / f"{TEMP_PREFIX}0123456789ab{TEMP_SUFFIX}"
    (left / "tr" / "part").mkdir(parents=True)
    (left / "tr" / "part" / "guide1.po").write_text("half a run\n", encoding="utf-8")
    outcome = invoke(root, "sync")
    assert outcome.exit_code == 0, outcome.output
    assert (
        f"removed {TEMP_PREFIX}0123456789ab{TEMP_SUFFIX}/, a folder an interrupted run was writing\n"
        in outcome.output
    )
    assert not left.exists() and temps_in(root) == []
    assert (root / "locales" / "tr" / "part" / "guide1.po").read_text(encoding="utf-8") != "half a run\n"


def _staged(root: Path, changes: list[FileChange]) -> Staging:
    """`changes` staged as a pool's workers stage them, and taken over."""
    staging = Staging(root)
    assert staging.open_to_workers(c.path for c in changes)
    for change in changes:
        staging.adopt(change, staging.stage_here(change))
    return staging


def test_files_the_run_does_not_write_after_all_are_left_out(tmp_path: Path) -> None:
    """A language that failed after its files were staged: its files, and the folders that
    leaves empty, are not renamed into place with the others."""
    kept = [FileChange(f"locales/tr/doc{n}.po", b"tr\n", "catalog", None, guarded=True) for n in range(3)]
    failed = [
        FileChange(f"locales/de/part/doc{n}.po", b"de\n", "catalog", None, guarded=True) for n in range(3)
    ]
    staging = _staged(tmp_path, [*kept, *failed])
    applied = apply_changes(tmp_path, kept, staging)
    assert applied.written == tuple(c.path for c in kept) and applied.errors == ()
    assert sorted(p.relative_to(tmp_path).as_posix() for p in tmp_path.rglob("*")) == [
        "locales",
        "locales/tr",
        *(c.path for c in kept),
    ]


def test_a_folder_made_meanwhile_gets_nothing_and_is_named(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """`locales` appears (another program, a checkout) after the staging, before the renames:
    nothing is written in it, neither beside what is there nor through a symlink, and the
    error names it; the run's other new folders are written."""
    outside = tmp_path / "outside"
    outside.mkdir()
    root = tmp_path / "repo"
    root.mkdir()
    catalogues = [
        FileChange(f"locales/tr/doc{n}.po", b"tr\n", "catalog", None, guarded=True) for n in range(3)
    ]
    outputs = [FileChange(f"site/tr/doc{n}.md", b"md\n", "output") for n in range(3)]
    staging = _staged(root, [*catalogues, *outputs])

    def made() -> None:
        (root / "locales").mkdir()
        (root / "locales" / "tr").symlink_to(outside)

    before_renames(monkeypatch, made)
    applied = apply_changes(root, [*catalogues, *outputs], staging)
    assert [(e.path, e.message) for e in applied.errors] == [("locales", MADE_MEANWHILE)]
    assert applied.written == tuple(c.path for c in outputs)
    assert list(outside.iterdir()) == []
    assert temps_in(root) == []


def test_a_file_the_run_writes_unstaged_in_a_new_folder_writes_it_file_by_file(tmp_path: Path) -> None:
    """A change that was not staged would make the folder before the rename: the folder is then
    written file by file, each file as any other, and nothing is lost."""
    staged = [FileChange(f"site/tr/doc{n}.md", b"md\n", "output") for n in range(3)]
    unstaged = FileChange("site/map.md", b"map\n", "output")
    staging = _staged(tmp_path, staged)
    applied = apply_changes(tmp_path, [*staged, unstaged], staging)
    assert set(applied.written) == {c.path for c in [*staged, unstaged]} and applied.errors == ()
    assert (tmp_path / "site" / "map.md").read_bytes() == b"map\n"
    assert (tmp_path / "site" / "tr" / "doc2.md").read_bytes() == b"md\n"
    assert temps_in(tmp_path) == []


def test_a_discarded_staging_removes_its_folders(tmp_path: Path) -> None:
    """A run that fails, or writes nothing (``--check``): nothing of its folders is left."""
    staging = _staged(tmp_path, [FileChange("site/tr/doc.md", b"md\n", "output")])
    assert staged_whole(tmp_path)
    staging.discard()
    assert sorted(tmp_path.iterdir()) == []


def test_a_killed_runs_folder_is_no_source_nor_compendium(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Its files have the names of the files they stand for: the patterns of `sources` and
    `compendia` may match them, and skip them."""
    monkeypatch.setenv(CACHE_VARIABLE, "off")
    root = make_docs(tmp_path, count=12)
    config = root / "i18n-sync.toml"
    config.write_text(config.read_text(encoding="utf-8") + 'compendia = ["**/*.po"]\n', encoding="utf-8")
    left = root / "docs" / f"{TEMP_PREFIX}killed{TEMP_SUFFIX}"
    left.mkdir()
    (left / "stray.md").write_text("# Stray\n\nNot a source.\n", encoding="utf-8")
    (left / "stray.po").write_text('msgid "Guide 0"\nmsgstr "Başıboş kılavuz"\n', encoding="utf-8")
    outcome = invoke(root, "sync")
    assert outcome.exit_code == 0, outcome.output
    assert [p for folder in ("locales", "site") for p in (root / folder).rglob("*stray*")] == []
    assert "stray" not in outcome.output
    assert "Başıboş" not in (root / "locales" / "tr" / "guide0.po").read_text(encoding="utf-8")


def test_a_folder_reached_through_a_symlink_is_named_where_it_is(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """``locales/tr`` leads to the missing ``store/x`` (inside the repository): its twin goes in
    ``store``, which is swept, and a folder made at ``store/x`` meanwhile is named so."""
    root = tmp_path / "repo"
    root.mkdir()
    (root / "store").mkdir()
    (root / "locales").mkdir()
    (root / "locales" / "tr").symlink_to(Path("..") / "store" / "x")
    left = root / "store" / f"{TEMP_PREFIX}0123456789ab{TEMP_SUFFIX}"
    left.mkdir()
    catalogues = [
        FileChange(f"locales/tr/doc{n}.po", b"tr\n", "catalog", None, guarded=True) for n in range(3)
    ]
    staging = _staged(root, catalogues)
    assert not left.exists() and staging.removed == (f"store/{left.name}/",)
    before_renames(monkeypatch, lambda: (root / "store" / "x").mkdir())
    applied = apply_changes(root, catalogues, staging)
    assert [(e.path, e.message) for e in applied.errors] == [("store/x", MADE_MEANWHILE)]
    assert list((root / "store" / "x").iterdir()) == [] and temps_in(root) == []


def test_the_nearest_folders_that_exist_are_found_as_one_by_one(tmp_path: Path) -> None:
    """`temps.existing_folders` looks at each path on the way once, and finds what
    `existing_folder` finds for each: a folder, a file or a symlink in a folder's place."""
    (tmp_path / "site" / "tr").mkdir(parents=True)
    (tmp_path / "file").write_text("not a folder", encoding="utf-8")
    (tmp_path / "nowhere").symlink_to(tmp_path / "missing")
    wanted = [
        str(tmp_path / part)
        for part in (
            "site/tr/a/b",
            "site/tr/a",
            "site/de/x",
            "site/tr",
            "file/x/y",
            "nowhere/z",
            "new/1/2",
            "new/1/3",
        )
    ]
    looked: list[str] = []
    real = os.path.lexists

    def lexists(path: str) -> bool:
        looked.append(path)
        return real(path)

    os.path.lexists = lexists  # type: ignore[assignment]
    try:
        found = temps.existing_folders(wanted)
    finally:
        os.path.lexists = real  # type: ignore[assignment]
    assert found == {folder: temps.existing_folder(folder) for folder in wanted}
    assert found[wanted[0]] == str(tmp_path / "site" / "tr") and found[wanted[4]] == str(tmp_path / "file")
    assert found[wanted[5]] == str(tmp_path / "nowhere") and found[wanted[6]] == str(tmp_path)
    assert len(looked) == len(set(looked))  # each path once


def test_a_missing_folder_is_not_listed_for_a_killed_runs_files(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Before the workers write, only the folders that exist are swept: a missing one holds
    nothing, and a first sync of a docs tree has some 1,300 of them."""
    root = make_docs(tmp_path)
    (root / "locales" / "tr").mkdir(parents=True)
    stale = root / "locales" / "tr" / f"{TEMP_PREFIX}page0.po.killed{TEMP_SUFFIX}"
    stale.write_text("left by a killed run", encoding="utf-8")
    listed: list[str] = []
    real = os.scandir

    def scandir(path: str | int) -> object:
        if isinstance(path, str):  # not a folder's handle
            listed.append(os.path.relpath(path, root))
        return real(path)

    monkeypatch.setattr(temps.os, "scandir", scandir)
    staging = Staging(root)
    try:
        paths = [f"locales/tr/page{n}.po" for n in range(3)] + [f"site/tr/part/page{n}.md" for n in range(3)]
        assert staging.open_to_workers(paths)
        swept = list(listed)
    finally:
        staging.discard()
    assert not stale.exists() and staging.removed == (f"locales/tr/{stale.name}",)
    assert sorted(swept) == [".", "locales/tr"]  # the folder the twin of `site` goes in, not `site`
