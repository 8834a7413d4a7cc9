"""Review of folders written whole (`staging.Staging._twin`, `Staging.rename_whole`): attacks
on the change, each a `test_defect_...` that fails until the defect is fixed, or a
`test_check_...` that holds."""

from __future__ import annotations

import errno
import os
import shutil
import signal
import stat
import subprocess
import sys
from pathlib import Path

import pytest

from helpers import before_renames, invoke, staged_whole, temps_in
from i18n_sync.model import FileChange
from i18n_sync.project import staging as staging_module
from i18n_sync.project import temps
from i18n_sync.project.cache import CACHE_VARIABLE
from i18n_sync.project.staging import Staging
from i18n_sync.project.writing import MADE_MEANWHILE, apply_changes
from test_scale import CONFIG, make_docs

SRC = Path(__file__).resolve().parents[1] / "src"


def _tree(root: Path) -> dict[str, tuple[int, bytes | str | None]]:
    """Every entry under `root` but empty folders (a language that failed after its files were
    staged leaves one file by file, none in a twin): its permissions, and a file's bytes or a
    symlink's target."""
    found: dict[str, tuple[int, bytes | str | None]] = {}
    for path in sorted(root.rglob("*")):
        mode = path.lstat().st_mode
        if stat.S_ISDIR(mode) and not any(path.iterdir()):
            continue
        content: bytes | str | None = None
        if stat.S_ISREG(mode):
            content = path.read_bytes()
        elif stat.S_ISLNK(mode):
            content = os.readlink(path)
        found[path.relative_to(root).as_posix()] = (stat.S_IMODE(mode), content)
    return found


def _staged(root: Path, changes: list[FileChange]) -> Staging:
    """`changes` staged as one pool's workers stage them, and taken over."""
    staging = Staging(root)
    assert staging.open_to_workers(c.path for c in changes)
    for change in changes:
        staging.adopt(change, staging.stage_here(change))
    staging.close_to_workers()
    return staging


def _sync(root: Path, *args: str) -> tuple[int, str]:
    """``sync`` on `root`: its exit code and output (never a traceback)."""
    outcome = invoke(root, "sync", *args)
    assert outcome.exception is None or isinstance(outcome.exception, SystemExit), outcome.exception
    return outcome.exit_code, outcome.output


# ---------------------------------------------------------------------------------------------
# Defects


@pytest.mark.parametrize("moved", ["docs", "locales"])
def test_defect_the_sweep_deletes_a_committed_folder_named_like_a_twin_with_the_sources_in_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, moved: str
) -> None:
    """A pull request moves ``docs`` (or ``locales``) to a folder named as `temps.make_twin`
    names a twin and puts a symlink in its place (odd names and symlinks are untrusted). The
    sources were read through the symlink, and the first sync that swept the root deleted
    the repository's English sources (or the translators' catalogues), reporting them as "a
    folder an interrupted run was writing". Fixed: nothing is read or written through a
    folder of the tool's own name (`files.OWN_FOLDER`); the run stops, saying so, before it
    sweeps anything; and a folder is swept only under the exact name `make_twin` gives."""
    from test_scale import TR

    monkeypatch.setenv(CACHE_VARIABLE, "off")
    make_docs(tmp_path, count=4)
    own = tmp_path / ".i18n-sync-0123456789ab.tmp"
    if moved == "docs":
        (tmp_path / "docs").rename(own)
        kept = own / "guide0.md"
    else:
        (own / "tr").mkdir(parents=True)
        kept = own / "tr" / "guide0.po"
        kept.write_text(TR.format(number=0), encoding="utf-8")
    (tmp_path / moved).symlink_to(own.name)
    before = kept.read_bytes()
    code, output = _sync(tmp_path)
    assert code != 0 and "is in a folder named as i18n-sync names its temporary folders" in output
    assert kept.read_bytes() == before


def test_defect_pruning_a_twin_follows_a_symlink_put_in_it_and_deletes_a_file_outside(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A language's staged files are not written after all (it failed): `Staging._prune`
    deletes them by path (`discard_temp`). If a folder of the twin was replaced by a symlink
    before the renames, the deletion follows it and removes, outside the repository, a file
    that has the staged file's name: in a twin the names are the targets' own (predictable),
    where a temporary file's was random. The symlink is then renamed into the repository as
    ``locales/de``. Fix: prune and check the twin without following symlinks (`os.walk` finds
    them; unlink with ``dir_fd`` opened ``O_NOFOLLOW``), and refuse a twin holding one
    (nothing written in it, as `MADE_MEANWHILE`)."""
    root, outside = tmp_path / "repo", tmp_path / "outside"
    root.mkdir()
    outside.mkdir()
    (outside / "doc0.po").write_bytes(b"not the tool's\n")
    kept = [FileChange(f"locales/tr/doc{n}.po", b"tr\n", "catalog", None, guarded=True) for n in range(2)]
    failed = [FileChange(f"locales/de/doc{n}.po", b"de\n", "catalog", None, guarded=True) for n in range(2)]
    staging = _staged(root, [*kept, *failed])
    (twin,) = staged_whole(root)

    def swap() -> None:
        shutil.rmtree(twin / "de")
        (twin / "de").symlink_to(outside)

    before_renames(monkeypatch, swap)
    apply_changes(root, kept, staging)
    assert [p.name for p in outside.iterdir()] == ["doc0.po"]


def test_defect_workers_are_let_in_after_the_sweep_before_a_twin_failed(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """`open_to_workers` says it returns False after a failed sweep, and checks only before its
    loop; the sweep `_twin` makes of the folder it puts a twin in (here the root, where a
    killed run's twin cannot be removed: a mount point, an immutable file) fails inside the
    loop, and the workers are let in all the same. They make the real folders and write
    there; every file is discarded as it is taken over, and the failed run leaves an empty
    ``locales`` tree behind (before: it made nothing). Fix: return
    ``self._failed_at >= 0`` at the end of `open_to_workers`."""
    monkeypatch.setenv(CACHE_VARIABLE, "off")
    make_docs(tmp_path, count=4)
    (tmp_path / ".i18n-sync-0123456789ab.tmp" / "tr").mkdir(parents=True)

    def busy(path: str, *args: object, **kwargs: object) -> None:
        raise OSError(errno.EBUSY, os.strerror(errno.EBUSY), path)

    monkeypatch.setattr(temps.shutil, "rmtree", busy)
    code, output = _sync(tmp_path)
    assert code != 0 and ".i18n-sync-0123456789ab.tmp: cannot write" in output
    assert not (tmp_path / "locales").exists()


def test_defect_a_file_written_beside_a_folder_written_whole_makes_its_top_and_fails_it(
    tmp_path: Path,
) -> None:
    """`Staging.whole` keeps a top usable unless an unstaged change lies in it, but a change
    staged in another twin (a folder twinned again in a later pool, under a deeper top,
    because another program made ``build`` meanwhile) is not written whole either: its file
    is written afresh by `apply_changes`, whose ``mkdir`` makes ``build/tr`` before the twin
    is renamed there. The rename then finds the folder the run just made, says it "was made
    while i18n-sync was running (by another program?)", and the output is not written, where
    before both files were. Fix: in `whole`, also make a top unusable when a held path that
    is not written whole lies in it (or compare against the rest, not only `others`)."""
    catalogue = FileChange("build/tr/a.po", b"po\n", "catalog", None, guarded=True)
    output = FileChange("build/tr/a.md", b"md\n", "output")
    staging = _staged(tmp_path, [catalogue])
    (tmp_path / "build").mkdir()  # between the pools, by another program
    staging.open_to_workers([output.path])
    staging.adopt(output, staging.stage_here(output))
    staging.close_to_workers()
    applied = apply_changes(tmp_path, [catalogue, output], staging)
    assert [(e.path, e.message) for e in applied.errors] == []
    assert (tmp_path / "build" / "tr" / "a.md").read_bytes() == b"md\n"


# ---------------------------------------------------------------------------------------------
# Checks that held

_LAYOUTS = {  # each with where German's first catalogue is
    "deep": (
        CONFIG.replace("locales/", "build/i18n/").replace("site/", "build/site/"),
        "build/i18n/de/guide0.po",
    ),
    "compact": (
        CONFIG.replace("{path}.pot", "messages.pot").replace("{locale}/{path}.po", "{locale}.po"),
        "locales/de.po",
    ),
    "beside": (CONFIG.replace('"site/{lang}/{path}.md"', '"docs/{path}.{lang}.md"'), "locales/de/guide0.po"),
}


@pytest.mark.parametrize(
    ("layout", "workers", "cache"), [("deep", "2", True), ("compact", "1", False), ("beside", "2", False)]
)
def test_check_twins_write_what_file_by_file_writes(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, layout: str, workers: str, cache: bool
) -> None:
    """Same bytes and modes as with twins disabled, with a language failing after staging (a
    broken catalogue of German: its files are staged, then not written)."""
    monkeypatch.setenv("I18N_SYNC_JOBS", workers)
    if not cache:
        monkeypatch.setenv(CACHE_VARIABLE, "off")
    config, broken = _LAYOUTS[layout]
    trees, codes = [], []
    for name, twins in (("whole", True), ("by-file", False)):
        root = tmp_path / name
        root.mkdir()
        make_docs(root, count=6)
        (root / "i18n-sync.toml").write_text(config, encoding="utf-8")
        (root / broken).parent.mkdir(parents=True, exist_ok=True)
        (root / broken).write_text('msgid "x"\nmsgstr "unterminated\n', encoding="utf-8")
        with monkeypatch.context() as patch:
            if not twins:
                patch.setattr(Staging, "_twin", lambda *args: None)
            codes.append(_sync(root)[0])
        trees.append(_tree(root))
        assert temps_in(root) == []
    assert codes == [1, 1] and trees[0] == trees[1]


@pytest.mark.skipif(not hasattr(signal, "SIGKILL"), reason="no SIGKILL on this platform")
def test_check_a_run_killed_before_its_renames_is_cleaned_by_another_command(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """SIGKILL after the twins are full, before their renames: ``extract`` (no render) removes
    both twins, says so, and a sync then writes what a clean run writes."""
    monkeypatch.setenv(CACHE_VARIABLE, "off")
    root, clean = tmp_path / "killed", tmp_path / "clean"
    for folder in (root, clean):
        folder.mkdir()
        make_docs(folder, count=6)
    killer = (
        "import os, signal, sys\nfrom i18n_sync.project import writing\n"
        "writing._flush = lambda *a, **k: os.kill(os.getpid(), signal.SIGKILL)\n"
        "from i18n_sync.cli import main\nmain(sys.argv[1:])\n"
    )
    env = {**os.environ, "PYTHONPATH": str(SRC), "I18N_SYNC_JOBS": "2"}
    done = subprocess.run([sys.executable, "-c", killer, "sync", "--root", str(root)], env=env, check=False)
    assert done.returncode == -signal.SIGKILL
    left = staged_whole(root)
    assert len(left) == 2 and not (root / "locales").exists()
    outcome = invoke(root, "extract")
    assert outcome.exit_code == 0, outcome.output
    for twin in left:
        assert f"removed {twin.name}/, a folder" in outcome.output
    assert temps_in(root) == []
    assert _sync(root)[0] == 0 and _sync(clean)[0] == 0
    assert _tree(root) == _tree(clean)


def test_check_a_symlink_named_like_a_twin_is_neither_followed_nor_removed(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A pull request's ``.i18n-sync-x.tmp -> ../outside`` (and one in ``docs``): the sweeps
    leave them and what they lead to alone; a folder named as a twin is, holding a symlink
    out, is removed without following it."""
    monkeypatch.setenv(CACHE_VARIABLE, "off")
    root, outside = tmp_path / "repo", tmp_path / "outside"
    root.mkdir()
    (outside / "sub").mkdir(parents=True)
    (outside / "sub" / "keep.md").write_text("keep\n", encoding="utf-8")
    make_docs(root, count=4)
    (root / ".i18n-sync-x.tmp").symlink_to(outside)
    (root / "docs" / ".i18n-sync-y.tmp").symlink_to(outside / "sub")
    (root / ".i18n-sync-0123456789ab.tmp").mkdir()  # as `temps.make_twin` names a folder
    (root / ".i18n-sync-0123456789ab.tmp" / "out").symlink_to(outside)
    assert _sync(root)[0] == 0
    assert (outside / "sub" / "keep.md").read_text(encoding="utf-8") == "keep\n"
    assert (root / ".i18n-sync-x.tmp").is_symlink() and (root / "docs" / ".i18n-sync-y.tmp").is_symlink()
    assert not (root / ".i18n-sync-0123456789ab.tmp").exists()


@pytest.mark.parametrize("kind", ["symlink out", "folder"])
def test_check_a_top_made_before_the_renames_gets_nothing(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, renaming: str, kind: str
) -> None:
    """``site`` made (a symlink out of the repository, or a folder) after the staging: one
    error names it, nothing is written in it nor through it, nothing is left behind."""
    monkeypatch.setenv(CACHE_VARIABLE, "off")
    root, outside = tmp_path / "repo", tmp_path / "outside"
    root.mkdir()
    outside.mkdir()
    make_docs(root, count=4)

    def made() -> None:
        if kind == "folder":
            (root / "site").mkdir()
        else:
            (root / "site").symlink_to(outside)

    before_renames(monkeypatch, made)
    code, output = _sync(root)
    assert code != 0 and f"site: {MADE_MEANWHILE}" in " ".join(output.split())
    assert list(outside.iterdir()) == [] and list((root / "site").iterdir()) == []
    assert (root / "locales" / "tr" / "guide0.po").is_file()
    assert temps_in(root) == []


def test_check_a_twin_that_cannot_be_made_falls_back_to_file_by_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """`make_twin` refused (a read-only parent: faked, as root may write anywhere): the files
    are staged beside their targets, as before, and the run writes them."""
    monkeypatch.setenv(CACHE_VARIABLE, "off")
    make_docs(tmp_path, count=4)

    def refused(parent: str) -> str:
        raise PermissionError(errno.EACCES, os.strerror(errno.EACCES), parent)

    monkeypatch.setattr(staging_module, "make_twin", refused)
    assert _sync(tmp_path)[0] == 0
    assert (tmp_path / "site" / "tr" / "part" / "guide1.md").is_file() and temps_in(tmp_path) == []


@pytest.mark.parametrize("workers", ["1", "2"])
def test_check_a_full_disk_in_a_twin_is_one_clear_error_and_writes_nothing(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, workers: str
) -> None:
    monkeypatch.setenv("I18N_SYNC_JOBS", workers)
    monkeypatch.setenv(CACHE_VARIABLE, "off")
    make_docs(tmp_path, count=4)
    real = temps._create_temp

    def create(folder: str, name: str | None = None) -> tuple[int, str]:
        if name is not None and name.endswith(".md"):
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC), os.path.join(folder, name))
        return real(folder, name)

    monkeypatch.setattr(temps, "_create_temp", create)
    code, output = _sync(tmp_path)
    assert code != 0 and "site/tr/guide0.md: cannot write: No space left on device" in output
    assert sorted(p.name for p in tmp_path.iterdir()) == ["docs", "i18n-sync.toml"]


def test_check_a_path_staged_twice_in_a_twin_is_renamed_to_its_name(tmp_path: Path) -> None:
    """The copy kept is the second, under a random name (the first held the name): it is put
    under its own name before the rename, the other copy is gone, nothing is left."""
    change = FileChange("site/tr/a/doc.md", b"md\n", "output")
    other = FileChange("site/tr/b/doc.md", b"other\n", "output")
    staging = Staging(tmp_path)
    assert staging.open_to_workers([change.path, other.path])
    first, second = staging.stage_here(change), staging.stage_here(change)
    assert first.temp is not None and second.temp is not None and first.temp.endswith("doc.md")
    staging.adopt(change, second)
    staging.adopt(change, first)  # discarded: the path is staged already
    staging.adopt(other, staging.stage_here(other))
    staging.close_to_workers()
    applied = apply_changes(tmp_path, [change], staging)
    assert applied.written == (change.path,) and applied.errors == ()
    assert sorted(p.relative_to(tmp_path).as_posix() for p in tmp_path.rglob("*")) == [
        "site",
        "site/tr",
        "site/tr/a",
        "site/tr/a/doc.md",
    ]
    assert (tmp_path / change.path).read_bytes() == b"md\n"


def test_check_a_file_where_the_top_should_be_is_a_clear_error(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(CACHE_VARIABLE, "off")
    make_docs(tmp_path, count=4)
    (tmp_path / "site").write_text("a file\n", encoding="utf-8")
    code, output = _sync(tmp_path)
    assert code != 0 and "Error: site/tr/guide0.md: cannot read: Not a directory" in output
    assert (tmp_path / "site").read_text(encoding="utf-8") == "a file\n" and temps_in(tmp_path) == []


def test_check_a_check_run_makes_no_twin(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(CACHE_VARIABLE, "off")
    make_docs(tmp_path, count=4)
    assert _sync(tmp_path, "--check")[0] == 1
    assert sorted(p.name for p in tmp_path.iterdir()) == ["docs", "i18n-sync.toml"]
