"""A hostile review of the first-sync shortcuts (4aebd74..bb910f4): each must answer as the long way.

- `Folders.quiet` lets `plan._check_targets` and `writing.apply_changes` skip `check_target`:
  probed with symlinked folders (inside, outside, dangling, looping), symlinks named like the
  target up to case or Unicode form or like the tool's temporary files, a folder that is a
  file, a folder replaced by a symlink after planning, deep paths and the root folder.
- `plan._check_targets` (its per-folder `firsts`) against the code of 4aebd74, copied below,
  on generated projects: the same error (type and message) or none.
- `files.folded` and `files._name_problem` against their long forms, over every character.
- `po_write._unwrapped_string` and the header check against the long way, and GNU msgcat.
- `links.links_from` against `_joined` one link at a time.
- `jobs.TargetResult` without its target: old pickles are a cache miss; `Combined.add_member`.
"""

from __future__ import annotations

import contextlib
import os
import pickle
import random
import re
import shutil
import subprocess
import sys
import unicodedata
from collections.abc import Collection, Iterator
from pathlib import Path
from typing import Any

import pytest

from helpers import invoke
from i18n_sync.errors import CatalogError, ConfigError, WriteError
from i18n_sync.gettext import po_write
from i18n_sync.gettext.po import format_po, parse_po
from i18n_sync.gettext.stats import Counts
from i18n_sync.locales import parse_language
from i18n_sync.markdown import links
from i18n_sync.model import Catalog, FileChange, Message
from i18n_sync.project import files, plan
from i18n_sync.project.cache import CACHE_VARIABLE
from i18n_sync.project.cachefiles import load_kept
from i18n_sync.project.config import Config, Settings, is_compact
from i18n_sync.project.files import TEMP_PREFIX, TEMP_SUFFIX, Folders, check_target, folded, path_problem
from i18n_sync.project.jobcache import JobCache
from i18n_sync.project.jobs import CatalogueResult, TargetResult
from i18n_sync.project.plan import Target
from i18n_sync.project.staging import Staging
from i18n_sync.project.writing import apply_changes
from i18n_sync.record import _rebuilt, _remade
from i18n_sync.render.splice import Accepted

SRC = Path(__file__).resolve().parent.parent / "src"

# ---------------------------------------------------------------------------
# The long ways, as 4aebd74 wrote them


def _old_folded(name: str) -> str:
    return unicodedata.normalize("NFC", unicodedata.normalize("NFD", name).casefold())


def _old_name_problem(name: str) -> str | None:
    for form in dict.fromkeys((name, unicodedata.normalize("NFKC", name))):
        if form in ("", ".", ".."):
            return "leaves the repository or names a folder ('.', '..' or an empty part)"
        if any(files._is_control(char) for char in form):
            return "contains a control character (NUL, a line break, a bidi control, ...)"
        bad = sorted(files._BAD_CHARACTERS.intersection(form))
        if bad:
            return f"contains {bad[0]!r}, which Windows and macOS do not allow in a file name"
        if form.split(".")[0].upper().rstrip(" ") in files._DEVICE_NAMES:
            return f"uses the device name {form.split('.')[0]!r}, which Windows reserves"
        if form.endswith((".", " ")):
            return "ends with a dot or a space, which Windows drops"
    try:
        size = len(name.encode("utf-8"))
    except UnicodeEncodeError:
        return "is not valid UTF-8"
    if size > files._MAX_NAME_BYTES:
        return f"has a name longer than {files._MAX_NAME_BYTES} bytes"
    return None


def _old_path_problem(relative: str) -> str | None:
    if not relative:
        return "is empty"
    if relative.startswith("/"):
        return "is an absolute path; the tool writes only inside the repository"
    for name in relative.split("/"):
        problem = _old_name_problem(name)
        if problem is not None:
            return problem
    return None


@contextlib.contextmanager
def _old_spelling() -> Iterator[None]:
    """`check_target` and `Folders` with 4aebd74's `folded` and `path_problem` (no shortcut)."""
    saved = files.folded, files.path_problem
    files.folded, files.path_problem = _old_folded, _old_path_problem
    try:
        yield
    finally:
        files.folded, files.path_problem = saved


def _old_check_targets(
    documents: list[plan.SourceDocument], config: Config, languages: Collection[str] | None
) -> None:
    """`plan._check_targets` as 4aebd74 wrote it (git show 4aebd74:src/i18n_sync/project/plan.py)."""
    written: set[str] = set()
    folded_paths = {_old_folded(document.source): document.source for document in documents}
    shared = plan._shared_paths(documents) if is_compact(config.settings) else set()
    folders = Folders(config.root)
    places: dict[str | None, str] = {}
    for path, own in plan._written(documents, languages):
        if path in written and path in shared:
            continue
        if own:
            check_target(config.root, path, folders)
        folder = path.rpartition("/")[0]
        place = folders.place(folder) if own or _old_path_problem(path) is None else None
        first = folder if place is None else places.setdefault(place, folder)
        if first != folder:
            raise WriteError(
                f"its folder is the folder {first or '.'} under another name (a symlink); "
                "remove the symlink or change the patterns",
                path,
            )
        if path in written:
            raise ConfigError(f"two documents would write {path}; rename one of their sources", config.file)
        written.add(path)
        other = folded_paths.setdefault(_old_folded(path), path)
        if other != path:
            raise WriteError(
                f"differs from {other} only by case or Unicode form, and Windows and macOS keep "
                "one file for both; rename a source or change the patterns",
                path,
            )


def _outcome(call: object, *args: object) -> tuple[str, str] | None:
    try:
        call(*args)  # type: ignore[operator]
    except Exception as problem:
        return type(problem).__name__, str(problem)
    return None


# ---------------------------------------------------------------------------
# 1. `Folders.quiet` and the two callers that skip `check_target` on it


def _outside(tmp_path: Path) -> Path:
    outside = tmp_path / "outside"
    outside.mkdir(exist_ok=True)
    (outside / "victim.md").write_text("victim", encoding="utf-8")
    return outside


def _repo(tmp_path: Path) -> Path:
    root = tmp_path / "repo"
    (root / "site" / "tr").mkdir(parents=True)
    (root / "docs").mkdir()
    (root / "docs" / "a.md").write_text("# A\n", encoding="utf-8")
    return root


def _refused_write(root: Path, path: str) -> WriteError:
    with pytest.raises(WriteError) as caught:
        apply_changes(root, [FileChange(path, b"written", "output")])
    return caught.value


def test_a_folder_replaced_by_a_symlink_out_after_planning_is_refused(tmp_path: Path) -> None:
    """Planned while site/tr was an empty folder (quiet), applied once it leads out."""
    outside = _outside(tmp_path)
    root = _repo(tmp_path)
    assert Folders(root).quiet("site/tr")
    shutil.rmtree(root / "site" / "tr")
    (root / "site" / "tr").symlink_to(outside, target_is_directory=True)
    problem = _refused_write(root, "site/tr/victim.md")
    assert "outside the repository" in problem.message
    assert (outside / "victim.md").read_text(encoding="utf-8") == "victim"
    assert sorted(p.name for p in outside.iterdir()) == ["victim.md"]


def test_a_missing_folder_made_a_dangling_symlink_out_after_planning_is_refused(tmp_path: Path) -> None:
    outside = _outside(tmp_path)
    root = _repo(tmp_path)
    assert Folders(root).quiet("site/de")  # missing: quiet
    (root / "site" / "de").symlink_to(outside / "not-yet", target_is_directory=True)
    assert "outside the repository" in _refused_write(root, "site/de/x.md").message
    assert not (outside / "not-yet").exists()


def test_a_missing_folder_made_with_a_symlink_of_the_name_after_planning_is_refused(tmp_path: Path) -> None:
    outside = _outside(tmp_path)
    root = _repo(tmp_path)
    assert Folders(root).quiet("site/de/deep")
    (root / "site" / "de" / "deep").mkdir(parents=True)
    (root / "site" / "de" / "deep" / "x.md").symlink_to(outside / "victim.md")
    assert "is a symlink" in _refused_write(root, "site/de/deep/x.md").message
    assert (outside / "victim.md").read_text(encoding="utf-8") == "victim"


def test_a_folder_replaced_by_a_symlink_to_a_folder_with_a_symlink_of_the_name_is_refused(
    tmp_path: Path,
) -> None:
    outside = _outside(tmp_path)
    root = _repo(tmp_path)
    (root / "trap").mkdir()
    (root / "trap" / "x.md").symlink_to(outside / "victim.md")
    shutil.rmtree(root / "site" / "tr")
    (root / "site" / "tr").symlink_to("../trap", target_is_directory=True)
    assert not Folders(root).quiet("site/tr")
    assert "is a symlink" in _refused_write(root, "site/tr/x.md").message
    assert (outside / "victim.md").read_text(encoding="utf-8") == "victim"


def test_a_symlink_at_the_target_made_after_staging_is_refused(tmp_path: Path) -> None:
    outside = _outside(tmp_path)
    root = _repo(tmp_path)
    change = FileChange("site/tr/x.md", b"written", "output")
    staging = Staging(root)
    staging.stage([change])
    (root / "site" / "tr" / "x.md").symlink_to(outside / "victim.md")
    with pytest.raises(WriteError, match="is a symlink"):
        apply_changes(root, [change], staging)
    staging.discard()
    assert (outside / "victim.md").read_text(encoding="utf-8") == "victim"
    assert os.path.islink(root / "site" / "tr" / "x.md")


@pytest.mark.parametrize("dangling", [False, True])
def test_a_symlink_at_the_target_is_refused_in_the_root_folder(tmp_path: Path, dangling: bool) -> None:
    outside = _outside(tmp_path)
    root = _repo(tmp_path)
    (root / "README.tr.md").symlink_to(outside / ("gone.md" if dangling else "victim.md"))
    assert not Folders(root).quiet("")
    assert "is a symlink" in _refused_write(root, "README.tr.md").message
    assert not (outside / "gone.md").exists()
    assert (outside / "victim.md").read_text(encoding="utf-8") == "victim"


def test_the_root_folder_without_symlinks_is_quiet_and_written(tmp_path: Path) -> None:
    root = _repo(tmp_path)
    folders = Folders(root)
    assert folders.quiet("")
    applied = apply_changes(root, [FileChange("README.tr.md", b"written", "output")])
    assert applied.written == ("README.tr.md",)


@pytest.mark.parametrize(
    "name",
    [
        "X.md",  # the case of another name
        unicodedata.normalize("NFD", "ü.md"),  # the Unicode form of another name
        "\u212a.md",  # KELVIN SIGN, which folds to "k"
        f"{TEMP_PREFIX}forged{TEMP_SUFFIX}",  # named like the tool's own temporary file
    ],
)
def test_a_symlink_whose_name_only_folds_to_the_target_makes_the_folder_loud(
    tmp_path: Path, name: str
) -> None:
    """A folder holding any symlink is not quiet; on a case-sensitive file system the target is
    another file, written as a file of its own, and the symlink and what it leads to are kept."""
    outside = _outside(tmp_path)
    root = _repo(tmp_path)
    (root / "site" / "tr" / name).symlink_to(outside / "victim.md")
    assert not Folders(root).quiet("site/tr")
    target = {"X.md": "x.md", "\u212a.md": "k.md"}.get(name, unicodedata.normalize("NFC", name))
    if name.startswith(TEMP_PREFIX):
        target = "x.md"
    same_file = os.path.exists(root / "site" / "tr" / target) and os.path.samefile(
        root / "site" / "tr" / target, outside / "victim.md"
    )
    if same_file:  # a file system that folds names: the symlink is the target
        assert "is a symlink" in _refused_write(root, f"site/tr/{target}").message
    else:
        applied = apply_changes(root, [FileChange(f"site/tr/{target}", b"written", "output")])
        assert applied.written == (f"site/tr/{target}",)
        assert not os.path.islink(root / "site" / "tr" / target)
    assert os.path.islink(root / "site" / "tr" / name)
    assert (outside / "victim.md").read_text(encoding="utf-8") == "victim"


def test_a_folder_that_is_a_file_is_refused_and_the_file_kept(tmp_path: Path) -> None:
    root = _repo(tmp_path)
    (root / "site" / "de").write_text("a file", encoding="utf-8")
    folders = Folders(root)
    check_target(root, "site/de/x.md", folders)  # nothing to refuse for where it is
    with pytest.raises(WriteError, match=r"site/de/x\.md: cannot (read|write)"):
        apply_changes(root, [FileChange("site/de/x.md", b"written", "output")])
    assert (root / "site" / "de").read_text(encoding="utf-8") == "a file"


def test_an_unreadable_folder_is_not_quiet(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A folder that cannot be listed (``chmod 000``, which root is not refused: the listing is
    refused here instead) is judged a file at a time, and the symlink in it is refused."""
    root = _repo(tmp_path)
    (root / "site" / "tr" / "x.md").symlink_to("../../docs/a.md")
    unreadable = os.path.realpath(root / "site" / "tr")
    listing = os.scandir

    def refusing(path: Any = ".") -> Any:
        if os.path.realpath(path) == unreadable:
            raise PermissionError(13, "Permission denied", os.fspath(path))
        return listing(path)

    monkeypatch.setattr(os, "scandir", refusing)
    folders = Folders(root)
    assert not folders.quiet("site/tr")
    with pytest.raises(WriteError, match="symlink"):
        check_target(root, "site/tr/x.md", folders)
    with pytest.raises(WriteError):
        apply_changes(root, [FileChange("site/tr/x.md", b"written", "output")])
    assert (root / "docs" / "a.md").read_text(encoding="utf-8") == "# A\n"
    assert os.path.islink(root / "site" / "tr" / "x.md")


def test_a_looping_folder_symlink_is_refused_by_name(tmp_path: Path) -> None:
    root = _repo(tmp_path)
    (root / "site" / "loop").symlink_to("loop")
    for path in ("site/loop/x.md", "site/loop/deeper/x.md"):
        with pytest.raises(WriteError, match="symlinks that loop") as refused:
            check_target(root, path, Folders(root))
        assert refused.value.path == path
    folders = Folders(root)
    assert not folders.quiet("site/loop")
    assert folders.loops("site/loop/deeper") and not folders.loops("site")


@pytest.mark.parametrize("path", ["site/loop/x.md", "site/loop/deeper/x.md"])
def test_a_looping_folder_symlink_is_a_write_error_not_a_crash(tmp_path: Path, path: str) -> None:
    """A folder symlink that leads to itself (``site/loop -> loop``, which a pull request can
    add) passed `check_target` (at 4aebd74 too), and `apply_changes` died in
    `remove_stale_temps` with a bare ``OSError: [Errno 40] Too many levels of symbolic links``
    (`sync` printed a traceback): now a `WriteError` naming the path, nothing written."""
    root = _repo(tmp_path)
    (root / "site" / "loop").symlink_to("loop")
    with pytest.raises(WriteError):
        apply_changes(root, [FileChange(path, b"written", "output")])


def _checked_the_long_way(root: Path, path: str) -> None:
    with _old_spelling():
        check_target(root, path, Folders(root))


def test_deep_paths_are_checked_as_before(tmp_path: Path) -> None:
    outside = _outside(tmp_path)
    root = _repo(tmp_path)
    deep = "/".join(["d"] * 60)
    (root / deep).mkdir(parents=True)
    (root / deep / "x.md").symlink_to(outside / "victim.md")
    (root / deep / "out").symlink_to(outside, target_is_directory=True)
    for path in (f"{deep}/x.md", f"{deep}/y.md", f"{deep}/out/z.md", f"{deep}/e/e/e/z.md"):
        assert _outcome(check_target, root, path, Folders(root)) == _outcome(
            _checked_the_long_way, root, path
        )
    assert "is a symlink" in _refused_write(root, f"{deep}/x.md").message
    assert "outside" in _refused_write(root, f"{deep}/out/z.md").message
    assert apply_changes(root, [FileChange(f"{deep}/e/z.md", b"w", "output")]).written == (f"{deep}/e/z.md",)
    assert (outside / "victim.md").read_text(encoding="utf-8") == "victim"


# Disk states a pull request can make: (kind, path, what it leads to).
_DISK_STEPS = [
    ("dir", "site/tr", ""),
    ("dir", "site/de", ""),
    ("dir", "locales/tr", ""),
    ("dir", "site/tr/sub", ""),
    ("link", "site/de", "tr"),
    ("link", "site/fr", "../locales/fr"),
    ("link", "locales/de", "../site/de"),
    ("link", "site/zh-CN", "{outside}"),
    ("link", "locales/fr", "{outside}/nowhere"),
    ("link", "site/tr/sub", "../../docs"),
    ("link", "site/loop", "loop"),
    ("link", "site/tr/a.md", "../../docs/a.md"),
    ("link", "site/tr/A.md", "{outside}/victim.md"),
    ("link", "site/de/b.md", "{outside}/victim.md"),
    ("link", "site/tr/" + unicodedata.normalize("NFD", "ü.md"), "{outside}/victim.md"),
    ("link", "site/tr/" + TEMP_PREFIX + "x" + TEMP_SUFFIX, "{outside}/victim.md"),
    ("link", "locales/tr/a.po", "{outside}/gone.po"),
    ("link", "locales/zh_CN", "../site/tr"),
    ("link", "a.tr.md", "docs/a.md"),
    ("link", "locales/a.pot", "{outside}/victim.md"),
    ("file", "site/tr", ""),
    ("file", "locales/de", ""),
    ("link", "root", "."),
]


def _make_disk(root: Path, outside: Path, steps: list[tuple[str, str, str]]) -> None:
    for kind, path, lead in steps:
        where = root / path
        with contextlib.suppress(OSError):
            where.parent.mkdir(parents=True, exist_ok=True)
            if kind == "dir":
                where.mkdir(parents=True, exist_ok=True)
            elif kind == "file":
                where.write_text("a file", encoding="utf-8")
            else:
                where.symlink_to(lead.format(outside=outside))


_NAMES = ["a.md", "A.md", "b.md", "ü.md", "k.md", "x y.md", "CON.md", "sub", "a.po", TEMP_PREFIX + "y.tmp"]
_FOLDERS = [
    "",
    "site",
    "site/tr",
    "site/de",
    "site/fr",
    "site/zh-CN",
    "site/loop",
    "site/loop/x",
    "site/tr/sub",
    "site/tr/sub/deeper",
    "locales",
    "locales/tr",
    "locales/de",
    "locales/fr",
    "locales/zh_CN",
    "root/site/tr",
    "missing/folder",
    "docs",
]


def test_quiet_folders_are_those_where_check_target_refuses_no_name(tmp_path: Path) -> None:
    """On random disks: `quiet` never says yes where `check_target` (the long way) refuses a name,
    and skipping `check_target` where it says yes gives `check_target`'s answers."""
    rng = random.Random(9)
    outside = _outside(tmp_path)
    for number in range(60):
        root = tmp_path / f"r{number}"
        (root / "docs").mkdir(parents=True)
        (root / "docs" / "a.md").write_text("# A\n", encoding="utf-8")
        _make_disk(root, outside, rng.sample(_DISK_STEPS, rng.randint(0, 8)))
        folders = Folders(root)
        for folder in _FOLDERS:
            quiet = folders.quiet(folder)
            for name in _NAMES:
                path = f"{folder}/{name}" if folder else name
                long = _outcome(_checked_the_long_way, root, path)
                if quiet and path_problem(path) is None:
                    assert long is None, (number, path)
                fresh = Folders(root)
                short = None
                if path_problem(path) is not None or not fresh.quiet(folder):
                    short = _outcome(check_target, root, path, fresh)
                assert short == long, (number, path)


# ---------------------------------------------------------------------------
# 4. `plan._check_targets` against 4aebd74's


_TAGS = ["tr", "de", "fr", "zh-CN"]
_LANGUAGES = {tag: parse_language(tag) for tag in _TAGS}
_SOURCES = [
    "docs/a.md",
    "docs/A.md",
    "docs/b.md",
    "docs/sub/c.md",
    "docs/sub.md",
    "docs/x y.md",
    "docs/ü.md",
    "docs/" + unicodedata.normalize("NFD", "ü.md"),
    "docs/CON.md",
    "docs/tab\there.md",
    "docs/" + "/".join(["d"] * 40) + "/deep.md",
    "docs/README.md",
    "docs/a.tr.md",
    "docs/k.md",
    "docs/\u212a.md",
]
_TEMPLATES = ["locales/{path}.pot", "locales/{path}.pot", "docs/{path}.pot", "{path}.pot"]
_CATALOGS = ["locales/{locale}/{path}.po", "docs/{path}.{lang}.po", "locales/{lang}/{folder}{name}.po"]
_COMPACT = [("locales/messages.pot", "locales/{locale}.po"), ("messages.pot", "locales/{locale}/all.po")]
_OUTPUTS = [
    "site/{lang}/{path}.md",
    "site/{lang}/{path}.md",
    "{path}.{lang}.md",
    "docs/{path}.{lang}.md",
    "site/{lang}/{folder}{name}.md",
    "../out/{lang}/{path}.md",
    "/abs/{lang}/{path}.md",
    "site/{lang}/CON/{path}.md",
    "site/{locale}/{path}.md",
    "root/site/{lang}/{path}.md",
    "site/{lang}/" + TEMP_PREFIX + "{name}" + TEMP_SUFFIX,
]
_BY_LANGUAGE = ["site/TR/{path}.md", "site/tr/{path}.md", "site/de/{path}.md", "locales/{lang}/{path}.md"]
_SOURCE_OUTPUTS = ["", "", "{path}.md", "site/en/{path}.md", "docs/{path}.md", "site/tr/{path}.md"]


def _random_config(rng: random.Random, root: Path) -> tuple[Config, list[str], list[str] | None]:
    tags = rng.sample(_TAGS, rng.randint(1, 4))
    if rng.random() < 0.3:
        template, catalog = rng.choice(_COMPACT)
    else:
        template, catalog = rng.choice(_TEMPLATES), rng.choice(_CATALOGS)
    by_language = ()
    if rng.random() < 0.3:
        by_language = ((rng.choice(tags), rng.choice(_BY_LANGUAGE)),)
    settings = Settings(
        languages=tuple(tags),
        sources=("docs/**/*.md",),
        source_root="docs",
        template=template,
        catalog=catalog,
        output=rng.choice(_OUTPUTS),
        output_by_language=by_language,
        source_output=rng.choice(_SOURCE_OUTPUTS),
    )
    config = Config(root, "i18n-sync.toml", settings, tuple(_LANGUAGES[tag] for tag in tags))
    sources = rng.sample(_SOURCES, rng.randint(1, 4))
    narrowed = None if rng.random() < 0.4 else rng.sample(tags, rng.randint(1, len(tags)))
    return config, sources, narrowed


def _both_ways(config: Config, sources: list[str], languages: list[str] | None) -> tuple[object, object]:
    documents = [plan._plan(config, source) for source in sorted(sources)]
    with _old_spelling():
        old = _outcome(_old_check_targets, documents, config, languages)
    new = _outcome(plan._check_targets, documents, config, languages)
    return old, new


def test_check_targets_answers_as_before_on_generated_projects(tmp_path: Path) -> None:
    rng = random.Random(4)
    outside = _outside(tmp_path)
    seen: dict[str, int] = {}
    for number in range(500):
        root = tmp_path / f"p{number}"
        (root / "docs").mkdir(parents=True)
        _make_disk(root, outside, rng.sample(_DISK_STEPS, rng.randint(0, 7)))
        config, sources, narrowed = _random_config(rng, root)
        old, new = _both_ways(config, sources, narrowed)
        assert new == old, (number, config.settings, sources, narrowed)
        kind = "none" if old is None else str(old[1]).split(": ", 1)[-1][:28]
        seen[kind] = seen.get(kind, 0) + 1
    # The generator reaches every refusal the loop can make, and runs that pass.
    for start in (
        "none",
        "its folder is the folder",
        "two documents would write",
        "differs from",
        "is a symlink",
    ):
        assert any(kind.startswith(start) for kind in seen), (start, seen)


def _fixed(root: Path, **values: object) -> Config:
    tags = values.pop("tags", ("tr", "de"))
    settings = Settings(
        languages=tuple(tags),  # type: ignore[arg-type]
        sources=("docs/**/*.md",),
        source_root="docs",
        template=str(values.pop("template", "locales/{path}.pot")),
        catalog=str(values.pop("catalog", "locales/{locale}/{path}.po")),
        output=str(values.pop("output", "site/{lang}/{path}.md")),
        output_by_language=values.pop("by_language", ()),  # type: ignore[arg-type]
        source_output=str(values.pop("source_output", "")),
    )
    assert not values
    return Config(root, "i18n-sync.toml", settings, tuple(_LANGUAGES[tag] for tag in tags))  # type: ignore[union-attr]


@pytest.mark.parametrize(
    ("case", "steps", "values", "languages", "refusal"),
    [
        (
            "one place, two names",
            [("dir", "site/tr", ""), ("link", "site/de", "tr")],
            {},
            None,
            "under another",
        ),
        (
            "narrowed to the link",
            [("dir", "site/tr", ""), ("link", "site/de", "tr")],
            {},
            ["de"],
            "under another",
        ),
        (
            "narrowed to the folder",
            [("dir", "site/tr", ""), ("link", "site/de", "tr")],
            {},
            ["tr"],
            "under another",
        ),
        ("compact shared", [], {"template": "locales/m.pot", "catalog": "locales/{locale}.po"}, None, None),
        (
            "compact narrowed",
            [],
            {"template": "locales/m.pot", "catalog": "locales/{locale}.po"},
            ["de"],
            None,
        ),
        ("case only", [], {"by_language": (("de", "site/TR/{path}.md"),)}, None, "differs from"),
        ("case only, narrowed", [], {"by_language": (("de", "site/TR/{path}.md"),)}, ["de"], "differs from"),
        ("other's path bad", [], {"by_language": (("de", "site/CON/{path}.md"),)}, ["tr"], None),
        ("own path bad", [], {"by_language": (("de", "site/CON/{path}.md"),)}, ["de"], "device name"),
        ("other's folder out", [("link", "site/de", "{outside}")], {}, ["tr"], None),
        ("own folder out", [("link", "site/de", "{outside}")], {}, ["de"], "outside the repository"),
        (
            "own file a link",
            [("dir", "site/de", ""), ("link", "site/de/a.md", "../../docs/a.md")],
            {},
            None,
            "symlink",
        ),
        ("root folder", [("link", "a.de.md", "docs/a.md")], {"output": "{path}.{lang}.md"}, None, "symlink"),
        (
            "root name",
            [("link", "site", ".")],
            {"output": "{path}.{lang}.md", "by_language": (("de", "site/{path}.md"),)},
            None,
            "under another",
        ),
    ],
)
def test_check_targets_answers_as_before_on_named_cases(
    tmp_path: Path,
    case: str,
    steps: list[tuple[str, str, str]],
    values: dict[str, object],
    languages: list[str] | None,
    refusal: str | None,
) -> None:
    outside = _outside(tmp_path)
    root = tmp_path / "repo"
    (root / "docs").mkdir(parents=True)
    _make_disk(root, outside, steps)
    config = _fixed(root, **values)
    old, new = _both_ways(config, ["docs/a.md", "docs/b.md", "docs/sub/c.md"], languages)
    assert new == old, case
    assert (refusal is None) == (new is None), (case, new)
    if refusal is not None:
        assert refusal in str(new), (case, new)


# ---------------------------------------------------------------------------
# 2 and 3. Names folded, names judged


def test_folding_every_ascii_name_of_two_characters_is_the_unicode_fold() -> None:
    for first in range(128):
        for second in range(128):
            name = chr(first) + chr(second)
            assert folded(name) == _old_folded(name), repr(name)
    for name in ("README.MD", "Docs/Guide-01.md", "\x00\x7f", "Ab" * 200):
        assert folded(name) == _old_folded(name)


def test_every_control_character_is_unprintable() -> None:
    """`_name_problem` looks for control characters only in an unprintable name: none is printable."""
    printable = [
        hex(c) for c in range(sys.maxunicode + 1) if files._is_control(chr(c)) and chr(c).isprintable()
    ]
    assert printable == []


def test_names_are_judged_as_before() -> None:
    rng = random.Random(3)
    odd = "\t\n\r\x00\x1b\x7f\x85\u200b\u200e\u202e\u2028\u2029\u2066\xa0\u3000\ufeff\ud800.．:ＣＯＮ /é中"
    pool = odd + "abcXYZ019-_~"
    for _ in range(20000):
        name = "".join(rng.choice(pool) for _ in range(rng.randint(0, 6)))
        assert files._name_problem(name) == _old_name_problem(name), repr(name)
        assert path_problem(f"docs/{name}/x.md") == _old_path_problem(f"docs/{name}/x.md"), repr(name)


# ---------------------------------------------------------------------------
# 5. PO strings and headers


_PO_CHARACTERS = [
    "a",
    "Z",
    " ",
    "\n",
    "\n",
    "\r",
    "\t",
    '"',
    "\\",
    "\\n",
    "\u2028",
    "\u2029",
    "\x85",
    "\ud800",
    "\udfff",
    "é",
    "中",
    "\x0b",
    "\x0c",
    "\x07",
    "\x08",
    "\x00",
    "\x7f",
    "\xa0",
    "\u200b",
    "\ue000",
    "\U0001f600",
    "#",
    "%s",
]


def _long_string(prefix: str, keyword: str, text: str) -> str:
    return "\n".join(po_write._string_lines(prefix, keyword, text, None))


def test_unwrapped_strings_are_laid_out_as_the_long_way() -> None:
    rng = random.Random(5)
    for _ in range(40000):
        text = "".join(rng.choice(_PO_CHARACTERS) for _ in range(rng.randint(0, 9)))
        for prefix in ("", "#~ ", "#| ", "#~| "):
            assert po_write._unwrapped_string(prefix, "msgstr", text) == _long_string(
                prefix, "msgstr", text
            ), repr(text)


@pytest.mark.parametrize(
    "text",
    [
        "\n",
        "\n\n\n",
        "a\n",
        "\na",
        "a\n\nb",
        "a\nb\n\n",
        "Language: tr\nX: y\n",
        "a\r\nb",
        "\u2028\n",
        "x\n\\",
    ],
)
def test_line_feed_only_texts_are_laid_out_as_the_long_way(text: str) -> None:
    assert po_write._unwrapped_string("", "msgid", text) == _long_string("", "msgid", text)


def _old_header_check(catalog: Catalog, path: str | None) -> None:
    for name, value in catalog.header:
        if "\n" in name + value or ":" in name or po_write.UNWRITABLE.search(name + value):
            raise CatalogError(f"header field {name!r} cannot be written as 'Name: value'", path)


def test_header_errors_name_the_same_field_as_before() -> None:
    rng = random.Random(6)
    pool = ["Language", "tr", "X", ":", "\n", "\x01", "\x07", "\r", "\t", "\ud800", " ", "\x9f", "é", "\x0e"]
    refused = 0
    for _ in range(20000):
        header = tuple(
            (
                "".join(rng.choice(pool) for _ in range(rng.randint(0, 3))),
                "".join(rng.choice(pool) for _ in range(rng.randint(0, 3))),
            )
            for _ in range(rng.randint(0, 4))
        )
        catalog = Catalog(header, ())
        old = _outcome(_old_header_check, catalog, "x.po")
        assert _outcome(po_write._check_catalog, catalog, "x.po") == old, header
        refused += old is not None
    assert 1000 < refused < 19000


@pytest.mark.skipif(shutil.which("msgcat") is None, reason="GNU msgcat is not installed")
def test_catalogues_of_line_feed_texts_are_written_as_msgcat_writes_them(tmp_path: Path) -> None:
    rng = random.Random(7)
    pieces = ["a", "B", " ", "\n", "\n", "\t", '"', "\\", "é", "中", "\r", "%d", "\u2028"]
    header = (
        ("Project-Id-Version", "x"),
        ("Language", "tr"),
        ("MIME-Version", "1.0"),
        ("Content-Type", "text/plain; charset=UTF-8"),
        ("Content-Transfer-Encoding", "8bit"),
        ("X-Note", 'a "quote" and a \\ and \t'),
    )
    messages = {}
    while len(messages) < 300:
        text = "".join(rng.choice(pieces) for _ in range(rng.randint(1, 10)))
        messages[text] = Message(msgid=text, msgstr=text if rng.random() < 0.7 else "")
    ours = format_po(Catalog(header, tuple(messages.values())))
    file = tmp_path / "x.po"
    file.write_bytes(ours.encode("utf-8"))
    gnu = subprocess.run(["msgcat", "--no-wrap", "--force-po", str(file)], capture_output=True, check=True)
    assert gnu.stdout.decode("utf-8") == ours
    assert parse_po(ours, "x.po").header == header


# ---------------------------------------------------------------------------
# 6. Switcher links


_LINK_STARTS = [
    "",
    "docs",
    "docs/tr",
    "site/tr/a b",
    "docs/docs",
    "a/b/c",
    "x",
    "..",
    "../up",
    "docs/..",
    "./docs",
]
_LINK_PARTS = ["docs", "tr", "a b", "x.md", "x#y?.md", "%20", "(1)", "<a>", "..", ".", "", "site", "c", "b"]


def _one_by_one(start: str, targets: tuple[str, ...]) -> list[str]:
    made = []
    for target in targets:
        folder, _, name = target.rpartition("/")
        tail = name.translate(links._LINK_UNSAFE)
        made.append(links._joined(start, target, name, tail, links._folder_link(folder, start)))
    return made


def _outcome_of(call: object, *args: object) -> object:
    """What `call` returns, or the type and message of what it raises."""
    try:
        return call(*args)  # type: ignore[operator]
    except Exception as problem:
        return type(problem).__name__, str(problem)


def test_switcher_links_are_made_as_one_by_one_on_generated_paths() -> None:
    rng = random.Random(8)
    plain = 0
    for _ in range(6000):
        count = rng.randint(1, 4)
        targets = tuple(
            ("/" if rng.random() < 0.05 else "")
            + "/".join(rng.choice(_LINK_PARTS) for _ in range(rng.randint(1, 4)))
            for _ in range(count)
        )
        start = rng.choice(_LINK_STARTS + [t.rpartition("/")[0] for t in targets])
        plain += links._in_folders(targets)[3]
        made = _outcome_of(links.links_from, start, targets)
        assert made == _outcome_of(_one_by_one, start, targets), (start, targets)
        if ".." not in start.split("/") and "" not in targets:
            source = f"{start}/page.md" if start else "page.md"
            assert made == [links.relative_link(target, source) for target in targets], (start, targets)
    assert 500 < plain < 5500  # both ways were taken


# ---------------------------------------------------------------------------
# 7. `TargetResult` without its target; `Combined.add_member`


def _old_shaped(rebuild: object) -> bytes:
    """A pickle of a `TargetResult` as 4aebd74 wrote it: its target first."""
    target = Target(_LANGUAGES["tr"], "locales/tr/a.po", "site/tr/a.md")
    values = (target, Accepted({}), Counts(), ())

    class OldShape:
        def __reduce__(self) -> tuple[object, tuple[object, ...]]:
            return rebuild, (TargetResult, values)

    return pickle.dumps(CatalogueResult("locales/tr/a.po", None, (OldShape(),)))  # type: ignore[arg-type]


def test_the_removed_target_field_is_read_nowhere() -> None:
    """Nothing in src or tests makes a `TargetResult` with a target, nor reads one off a result's
    members (`result.members[i].target`, or `.target` of the `member` `add_member` takes)."""
    assert list(TargetResult.__dataclass_fields__) == ["accepted", "counts", "diagnostics"]
    made_with_target = re.compile(r"TargetResult\(\s*(target\b|[^)]*\btarget=)")
    read = re.compile(r"results?\.members\[[^\]]*\]\.target\b")
    for file in [*(SRC / "i18n_sync").rglob("*.py"), *SRC.parent.joinpath("tests").glob("*.py")]:
        if file.name == Path(__file__).name:
            continue  # this file names what it looks for
        text = file.read_text(encoding="utf-8")
        assert not made_with_target.search(text), file
        assert not read.search(text), file
    combined = (SRC / "i18n_sync" / "project" / "combined.py").read_text(encoding="utf-8")
    body = combined[combined.index("    def add_member") : combined.index("    def publish_all")]
    assert "member = result.members[index]" in body
    assert "member.target" not in body  # `job.members[...]` carries the target


@pytest.mark.parametrize("rebuild", [_rebuilt, _remade], ids=["by-init", "by-state"])
def test_a_pickle_of_the_old_record_is_a_cache_miss(tmp_path: Path, rebuild: object) -> None:
    data = _old_shaped(rebuild)
    with pytest.raises(ValueError):
        load_kept(data)
    cache = JobCache(tmp_path / "jobs", b"base", {"key": (1, data)}, {})
    assert cache.get("key") is None
    current = CatalogueResult("x.po", None, (TargetResult(Accepted({}), Counts(1, 0, 0)),))
    cache = JobCache(tmp_path / "jobs", b"base", {"key": (1, pickle.dumps(current))}, {})
    assert cache.get("key") == current  # the current shape is read back


_PAGE = "# Page {n}\n\nText {n}.\n"
_PO = 'msgid ""\nmsgstr ""\n"Language: tr\\n"\n"Content-Type: text/plain; charset=UTF-8\\n"\n\n{entries}'


@pytest.mark.parametrize("compact", [False, True], ids=["own-catalogues", "shared-catalogue"])
def test_each_document_takes_its_own_part_of_its_catalogue(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, compact: bool
) -> None:
    """`add_member` takes index 0 for a catalogue of one document: each output still gets
    the translations of its own document, in both layouts."""
    monkeypatch.setenv(CACHE_VARIABLE, "off")
    root = tmp_path
    (root / "docs").mkdir()
    for n in range(3):
        (root / "docs" / f"p{n}.md").write_text(_PAGE.format(n=n), encoding="utf-8")
    layout = (
        'template = "locales/all.pot"\ncatalog = "locales/{locale}.po"\n'
        if compact
        else 'template = "locales/{path}.pot"\ncatalog = "locales/{locale}/{path}.po"\n'
    )
    (root / "i18n-sync.toml").write_text(
        'languages = ["tr"]\nsources = ["docs/*.md"]\nsource_root = "docs"\n'
        f'{layout}output = "site/{{lang}}/{{path}}.md"\nsource_output = ""\n',
        encoding="utf-8",
    )
    assert invoke(root, "sync").exit_code == 0
    entries = {
        n: f'msgid "Page {n}"\nmsgstr "Sayfa {n}"\n\nmsgid "Text {n}."\nmsgstr "Metin {n}."\n'
        for n in range(3)
    }
    if compact:
        (root / "locales" / "tr.po").write_text(
            _PO.format(entries="\n".join(entries.values())), encoding="utf-8"
        )
    else:
        for n, text in entries.items():
            (root / "locales" / "tr" / f"p{n}.po").write_text(_PO.format(entries=text), encoding="utf-8")
    result = invoke(root, "sync")
    assert result.exit_code == 0, result.output
    for n in range(3):
        output = (root / "site" / "tr" / f"p{n}.md").read_text(encoding="utf-8")
        assert f"# Sayfa {n}" in output and f"Metin {n}." in output, output
        assert all(f"Sayfa {other}" not in output for other in range(3) if other != n)


def test_a_folder_nested_too_deep_to_search_is_a_clear_error(tmp_path: Path) -> None:
    """A pull request can add a folder some thousand levels deep under the sources: pathlib's
    search recursed once a level and `sync` died with a bare ``RecursionError``."""
    root = tmp_path / "repo"
    (root / "docs").mkdir(parents=True)
    (root / "docs" / "a.md").write_text("# A\n", encoding="utf-8")
    (root / "i18n-sync.toml").write_text(
        'languages = ["tr"]\nsources = ["docs/**/*.md"]\nsource_root = "docs"\n', encoding="utf-8"
    )
    levels = sys.getrecursionlimit() + 100
    _deep_folders(root / "docs", levels)
    try:
        result = invoke(root, "sync")
    finally:
        _deep_folders(root / "docs", levels, remove=True)  # shutil.rmtree recurses too
    assert not (root / "docs" / "d").exists()
    assert result.exit_code == 1
    assert "nested too deep to search" in result.output
    assert "Traceback" not in result.output
    assert not (root / "locales").exists()


def _deep_folders(top: Path, levels: int, remove: bool = False) -> None:
    """Make (or remove) ``d/d/d/...`` under `top`, `levels` deep, a level at a time from the one
    above, one folder open at a time: the whole path is longer than a path may be."""
    handle = os.open(top, os.O_RDONLY)
    try:
        for _ in range(levels):
            if not remove:
                os.mkdir("d", dir_fd=handle)
            handle, above = os.open("d", os.O_RDONLY, dir_fd=handle), handle
            os.close(above)
        for _ in range(levels if remove else 0):
            handle, below = os.open("..", os.O_RDONLY, dir_fd=handle), handle
            os.close(below)
            os.rmdir("d", dir_fd=handle)
    finally:
        os.close(handle)
