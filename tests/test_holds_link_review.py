"""Review of `Folders.holds_link`: one listing per folder tells what one `lstat` per file told,
and the write path still refuses symlinked outputs and writes nothing through a symlink."""

from __future__ import annotations

import os
import unicodedata
from pathlib import Path

import pytest

from helpers import invoke, temps_in
from i18n_sync.errors import WriteError
from i18n_sync.project import pool, writing
from i18n_sync.project.files import Folders, check_target
from test_scale import make_docs

NFC = unicodedata.normalize("NFC", "café.md")
NFD = unicodedata.normalize("NFD", "café.md")


def _mixed_folder(folder: Path, outside: Path) -> None:
    """Plain files, folders and every kind of symlink, under names that differ by case and
    Unicode form, and one name that is not UTF-8."""
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "plain.md").write_bytes(b"x")
    (folder / "Plain.md").symlink_to(outside)
    (folder / "sub").mkdir()
    (folder / "Link.md").symlink_to(folder / "plain.md")
    (folder / "dangling.md").symlink_to(folder / "nowhere.md")
    (folder / "to-folder").symlink_to(folder / "sub")
    (folder / "loop.md").symlink_to(folder / "loop.md")
    (folder / NFD).symlink_to(outside)
    (folder / "STRASSE.md").write_bytes(b"x")
    (folder / "straße.md").symlink_to(outside)
    os.symlink(b"plain.md", os.fsencode(folder) + b"/\xff.md")


NAMES = [
    "plain.md",
    "Plain.md",
    "PLAIN.md",
    "sub",
    "Link.md",
    "link.md",
    "dangling.md",
    "Dangling.md",
    "to-folder",
    "loop.md",
    NFC,
    NFD,
    "CAFÉ.md",
    "STRASSE.md",
    "strasse.md",
    "straße.md",
    os.fsdecode(b"\xff.md"),
    "missing.md",
    "a" * 250 + ".md",
]


@pytest.mark.parametrize("folder", ["", "site/tr", "site/alias"])
def test_holds_link_tells_what_islink_tells_for_every_name(tmp_path: Path, folder: str) -> None:
    """Whatever the name, the folder (the root "" too) and the way to it (a symlinked folder
    inside the repository), one listing answers as `os.path.islink` does, asked one by one."""
    repo = tmp_path / "repo"
    outside = tmp_path / "outside.md"
    outside.write_bytes(b"theirs")
    real = "site/tr" if folder == "site/alias" else folder
    _mixed_folder(repo / real, outside)
    if folder == "site/alias":
        (repo / "site" / "alias").symlink_to(repo / "site" / "tr")
    folders = Folders(repo)
    for name in NAMES:
        expected = os.path.islink(os.path.join(repo, folder, name))
        assert folders.holds_link(folder, name) is expected, name
        relative = f"{folder}/{name}" if folder else name
        if expected and name.isprintable() and "\udcff" not in name:  # `path_problem` takes UTF-8
            with pytest.raises(WriteError, match="is a symlink"):
                check_target(repo, relative, Folders(repo))


def test_a_new_batch_sees_a_symlink_made_after_the_last_listing(tmp_path: Path) -> None:
    repo = tmp_path / "repo"
    (repo / "site").mkdir(parents=True)
    folders = Folders(repo)
    check_target(repo, "site/a.md", folders)
    (repo / "site" / "b.md").symlink_to(tmp_path)
    with pytest.raises(WriteError, match="is a symlink"):
        check_target(repo, "site/b.md", Folders(repo))


ROOT_CONFIG = """languages = ["tr"]
sources = ["*.md"]
source_root = ""
template = "locales/{path}.pot"
catalog = "locales/{locale}/{path}.po"
output = "{path}.{lang}.md"
source_output = ""
"""


def test_a_symlinked_output_in_the_root_folder_is_refused(tmp_path: Path) -> None:
    root = tmp_path / "repo"
    root.mkdir()
    (root / "i18n-sync.toml").write_text(ROOT_CONFIG, encoding="utf-8")
    (root / "README.md").write_text("# Read me\n\nSome text.\n", encoding="utf-8")
    assert invoke(root, "sync").exit_code == 0
    outside = tmp_path / "outside.md"
    outside.write_bytes(b"theirs")
    (root / "README.tr.md").unlink()
    (root / "README.tr.md").symlink_to(outside)
    outcome = invoke(root, "sync")
    assert outcome.exit_code != 0
    assert "README.tr.md: is a symlink" in outcome.output
    assert outside.read_bytes() == b"theirs" and (root / "README.tr.md").is_symlink()


@pytest.mark.parametrize("kind", ["output", "catalogue"])
def test_a_symlink_made_while_the_jobs_run_is_refused_when_writing(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, kind: str
) -> None:
    """After the plan looked (its `Folders` listed the folder), before `apply_changes`: its
    own batch lists the folder again and refuses; nothing outside is written, no temporary
    file is left."""
    make_docs(tmp_path, count=12)
    assert invoke(tmp_path, "sync").exit_code == 0
    outside = tmp_path.parent / f"{tmp_path.name}-outside.md"
    outside.write_bytes(b"theirs")
    (tmp_path / "docs" / "guide0.md").write_text("# Guide 0\n\nChanged.\n", encoding="utf-8")
    path = "site/tr/guide0.md" if kind == "output" else "locales/tr/guide0.po"
    target = tmp_path / path
    collect = pool._collect

    def meanwhile(results, total, progress, each=None):  # type: ignore[no-untyped-def]
        if not target.is_symlink():
            target.unlink()
            target.symlink_to(outside)
        return collect(results, total, progress, each)

    monkeypatch.setattr(pool, "_collect", meanwhile)
    outcome = invoke(tmp_path, "sync")
    assert outcome.exit_code != 0
    assert f"{path}: is a symlink" in outcome.output
    assert outside.read_bytes() == b"theirs" and target.is_symlink()
    assert not temps_in(tmp_path)


def test_a_symlink_made_after_the_writes_listing_is_not_written_through(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """In the moment between `apply_changes`' listing and its renames (as between its `lstat`
    and the renames before the change): the rename replaces the symlink, never follows it."""
    make_docs(tmp_path, count=12)
    assert invoke(tmp_path, "sync").exit_code == 0
    outside = tmp_path.parent / f"{tmp_path.name}-outside.md"
    outside.write_bytes(b"theirs")
    (tmp_path / "docs" / "guide0.md").write_text("# Guide 0\n\nChanged.\n", encoding="utf-8")
    target = tmp_path / "site" / "tr" / "guide0.md"
    real = writing._flush

    def late(*args, **kwargs):  # type: ignore[no-untyped-def]
        if not target.is_symlink():
            target.unlink()
            target.symlink_to(outside)
        return real(*args, **kwargs)

    monkeypatch.setattr(writing, "_flush", late)
    invoke(tmp_path, "sync")
    assert outside.read_bytes() == b"theirs"
    assert not target.is_symlink() and b"Changed." in target.read_bytes()


def test_case_and_unicode_variants_of_a_symlink_do_not_block_an_output(tmp_path: Path) -> None:
    """On a file system where case and Unicode form matter (Linux), a symlink named like an
    output up to those is another file: the output is written, the symlink left alone."""
    make_docs(tmp_path, count=12)
    (tmp_path / "docs" / NFC).write_text("# Café\n\nText.\n", encoding="utf-8")
    assert invoke(tmp_path, "sync").exit_code == 0
    outside = tmp_path.parent / f"{tmp_path.name}-outside.md"
    outside.write_bytes(b"theirs")
    site = tmp_path / "site" / "tr"
    (site / "Guide0.md").symlink_to(outside)
    (site / NFD).symlink_to(outside)
    os.symlink(os.fsencode(outside), os.fsencode(site) + b"/\xff.md")
    for name in ("guide0.md", NFC):
        (site / name).unlink()
    outcome = invoke(tmp_path, "sync")
    assert outcome.exit_code == 0, outcome.output
    assert (site / "guide0.md").is_file() and not (site / "guide0.md").is_symlink()
    assert (site / NFC).is_file() and not (site / NFC).is_symlink()
    assert outside.read_bytes() == b"theirs"
    assert (site / "Guide0.md").is_symlink() and (site / NFD).is_symlink()


def test_plain_check_target_still_refuses_a_folder_out_of_the_repository(tmp_path: Path) -> None:
    """`plain` skips only the file's own look: its folder is still followed."""
    repo = tmp_path / "repo"
    repo.mkdir()
    (repo / "site").symlink_to(tmp_path)
    with pytest.raises(WriteError, match="outside the repository"):
        check_target(repo, "site/a.md", Folders(repo), plain=True)


def _caseless(name: str) -> str:
    """Unicode's canonical caseless key (D145): what a file system blind to case and form
    compares (APFS and HFS+ case-insensitive volumes)."""
    return unicodedata.normalize("NFD", unicodedata.normalize("NFD", name).casefold())


# Capital H, macron below, diaeresis; and ẖ (h with line below, which folds to h + U+0331)
# with a diaeresis: one name to Unicode's canonical caseless match.
LISTED, ASKED = "H\u0331\u0308.md", "\u1e96\u0308.md"


def test_holds_link_finds_a_symlink_a_case_and_form_blind_file_system_takes_as_the_name(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Case folding can give a sequence NFC would compose (ẖ -> h + U+0331): `folded` settles
    the form after folding too, or two names a case-and-form-blind file system takes as one
    would fold apart and `holds_link` answer "no symlink" without looking. The file system is
    emulated here (Linux keeps both apart): `os.path.islink` answers as such a volume would."""
    repo = tmp_path / "repo"
    (repo / "site").mkdir(parents=True)
    (repo / "site" / LISTED).symlink_to(tmp_path)
    assert _caseless(LISTED) == _caseless(ASKED)
    listed = {_caseless(entry.name): entry for entry in os.scandir(repo / "site")}

    def blind_islink(path: str) -> bool:
        entry = listed.get(_caseless(os.path.basename(path)))
        return entry is not None and entry.is_symlink()

    monkeypatch.setattr(os.path, "islink", blind_islink)
    assert os.path.islink(os.path.join(repo, "site", ASKED))
    assert Folders(repo).holds_link("site", ASKED)
