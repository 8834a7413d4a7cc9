"""Every input that changes a job's result changes its key: the job cache never answers stale.

Each test compares a run that may use the cache with one that may not (or
checks that what a key is made of moves when an input does); a failure is a
wrong cache hit, a run returning stale output. The first were found by a
hostile review of the cache; the ``test_control_*`` ones guard inputs the
review found covered.
"""

from __future__ import annotations

import os
import shutil
import sys
import unicodedata
from collections import namedtuple
from pathlib import Path

import pytest

from helpers import invoke
from i18n_sync import api
from i18n_sync.project import cachedir as run_cache_module
from i18n_sync.project.cache import CACHE_VARIABLE
from i18n_sync.project.config import load_config
from i18n_sync.project.sync import run
from test_scale import TR, make_docs, report_bytes

DATE = {"SOURCE_DATE_EPOCH": "1764000000"}
NO_CACHE = {CACHE_VARIABLE: "off", **DATE}


@pytest.fixture(autouse=True)
def fixed_date(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SOURCE_DATE_EPOCH", DATE["SOURCE_DATE_EPOCH"])


def synced(tmp_path: Path) -> Path:
    root = make_docs(tmp_path)
    assert invoke(root, "sync").exit_code == 0
    assert invoke(root, "sync", "--check").exit_code == 0
    return root


def without_cache(root: Path, **options: object) -> list[tuple[str, bytes]]:
    return report_bytes(run(load_config(root), environ=NO_CACHE, **options))  # type: ignore[arg-type]


def cached(root: Path, **options: object) -> list[tuple[str, bytes]]:
    return report_bytes(run(load_config(root), **options))  # type: ignore[arg-type]


# --- Wrong hits ---------------------------------------------------------------------------------
# The key names each file by its digest in the run's snapshot (read before any job), but
# the jobs read the file again from the disk. A file saved in between (an editor, or a
# `sync` while an unlocked `sync --check` runs) gives a result made from the new bytes,
# stored under the key of the old ones: once the file holds the old bytes again (an undo,
# `git checkout`, `git stash`), every run takes that result.


def test_a_source_saved_during_a_run_is_not_remembered_under_its_old_bytes(tmp_path: Path) -> None:
    root = synced(tmp_path)
    first, fourth = root / "docs" / "guide0.md", root / "docs" / "guide4.md"
    first.write_text(first.read_text(encoding="utf-8") + "\nEdited.\n", encoding="utf-8")
    before = fourth.read_text(encoding="utf-8") + "\nBefore the save.\n"
    fourth.write_text(before, encoding="utf-8")

    def editor_saves(stage: str, done: int, total: int) -> None:
        if stage == "extract" and done == 1:  # guide0 is read, guide4 is not yet
            fourth.write_text(before + "\nSaved by an editor during the run.\n", encoding="utf-8")

    run(load_config(root), workers=1, progress=editor_saves)
    fourth.write_text(before, encoding="utf-8")  # the editor's undo
    outputs = dict(cached(root))
    assert "Saved by an editor" not in outputs["locales/guide4.pot"].decode(), "stale extraction reused"
    assert cached(root) == without_cache(root)


def test_a_catalogue_saved_during_a_run_is_not_remembered_under_its_old_bytes(tmp_path: Path) -> None:
    root = synced(tmp_path)
    catalogue = root / "locales" / "tr" / "part" / "guide1.po"
    raw = TR.format(number=1)  # as a translator wrote it: the merge reformats it
    catalogue.write_text(raw, encoding="utf-8")
    assert invoke(root, "sync").exit_code == 0
    merged = catalogue.read_bytes()
    assert merged != raw.encode()
    source = root / "docs" / "guide0.md"
    original = source.read_text(encoding="utf-8")

    catalogue.write_text(raw, encoding="utf-8")  # the translator pastes the raw file again...
    source.write_text(original + "\nEdited.\n", encoding="utf-8")  # (one job before the catalogue's)

    def editor_saves(stage: str, done: int, total: int) -> None:
        if stage == "extract" and done == 1:
            catalogue.write_bytes(merged)  # ...and a `sync` in another terminal rewrites it

    run(load_config(root), workers=1, progress=editor_saves)
    catalogue.write_text(raw, encoding="utf-8")  # `git checkout` of the raw file
    source.write_text(original, encoding="utf-8")
    # The restored change says the file already holds the merged bytes (current=True), so
    # `sync --check` passes, and `sync` writes nothing, while the disk holds the raw file.
    assert invoke(root, "sync", "--check").exit_code == 1, "--check passed with a catalogue to merge"
    report = run(load_config(root))
    change = next(c for c in report.changes if c.path == "locales/tr/part/guide1.po")
    assert not change.current, "a catalogue the disk does not hold is reported current"


# The tool's fingerprint (the code and some libraries' versions) is in every key, and in
# the run memo's; the cache folder is the user's, shared by every Python and every
# virtual environment that runs the tool on the project.


def test_the_fingerprint_changes_with_the_python_version(monkeypatch: pytest.MonkeyPatch) -> None:
    """Anchors (`markdown.anchors`: unicodedata.category), the checks (categories, names) and
    `html.unescape` follow the interpreter's Unicode tables: Python 3.12 → 3.13 is Unicode
    15.0 → 15.1, so a heading with a new letter gets another anchor; a record made by one
    Python must not answer another."""
    before = run_cache_module.tool_fingerprint.__wrapped__()
    version = namedtuple("version", "major minor micro releaselevel serial")(3, 99, 0, "final", 0)
    monkeypatch.setattr(sys, "version", "3.99.0 (another interpreter)")
    monkeypatch.setattr(sys, "version_info", version)
    monkeypatch.setattr(sys, "hexversion", 0x036300F0)
    monkeypatch.setattr(unicodedata, "unidata_version", "99.0.0")
    assert run_cache_module.tool_fingerprint.__wrapped__() != before


def test_the_fingerprint_changes_with_html5lib(monkeypatch: pytest.MonkeyPatch) -> None:
    """`checks.github.render_html` parses raw HTML with html5lib to decide what GitHub shows;
    the document guard's verdict decides which translations are accepted and rendered."""
    before = run_cache_module.tool_fingerprint.__wrapped__()
    real = run_cache_module.installed_version
    monkeypatch.setattr(
        run_cache_module,
        "installed_version",
        lambda name, module: "999.0" if name == "html5lib" else real(name, module),
    )
    assert run_cache_module.tool_fingerprint.__wrapped__() != before


def test_installed_versions_are_those_importlib_metadata_finds() -> None:
    """The versions in the fingerprint, read off the ``.dist-info`` folders, are the installed ones."""
    from importlib import metadata

    for name, module in run_cache_module._LIBRARIES:
        assert run_cache_module.installed_version(name, module) == metadata.version(name), name
    assert run_cache_module.installed_version("no-such-distribution", "no_such_module") == "none"


# --- Controls: inputs checked and found in the keys --------------------------------------------


def test_control_no_obsolete_and_compendium_options(tmp_path: Path) -> None:
    root = synced(tmp_path)
    guide = root / "docs" / "guide3.md"
    guide.write_text("# Guide 3\n\nA wholly new text.\n", encoding="utf-8")
    catalogue = root / "locales" / "tr" / "part" / "guide3.po"
    catalogue.write_text(TR.format(number=3), encoding="utf-8")
    for keep in (None, False, None):
        project = load_config(root)
        api.sync(project, check=True, keep_obsolete=keep)
        expected = api.sync(project, check=True, keep_obsolete=keep)
        assert expected.report.changes  # cached now
        from dataclasses import replace

        settings = project.settings if keep is None else replace(project.settings, keep_obsolete=keep)
        config = replace(project, settings=settings)
        assert report_bytes(run(config)) == report_bytes(run(config, environ=NO_CACHE))
    compendium = root / "extra.po"
    compendium.write_text(
        'msgid ""\nmsgstr ""\n"Language: de\\n"\n\nmsgid "Guide 3"\nmsgstr "Anleitung 3"\n',
        encoding="utf-8",
    )
    from dataclasses import replace

    project = load_config(root)
    with_it = replace(project, settings=replace(project.settings, compendia=("extra.po",)))
    assert report_bytes(run(with_it)) == report_bytes(run(with_it, environ=NO_CACHE))
    compendium.write_text(compendium.read_text(encoding="utf-8").replace("Anleitung", "Führer"), "utf-8")
    assert report_bytes(run(with_it)) == report_bytes(run(with_it, environ=NO_CACHE))


def test_control_thresholds_languages_and_names(tmp_path: Path) -> None:
    root = synced(tmp_path)
    (root / "locales" / "tr" / "part" / "guide1.po").write_text(TR.format(number=1), encoding="utf-8")
    toml = root / "i18n-sync.toml"
    base = toml.read_text(encoding="utf-8")
    for extra in (
        "",
        "publish_threshold = 50\n",
        'language_switcher = "top"\n',
        'language_switcher = "top"\nlanguage_names = { tr = "Turkish" }\n',
        "english_anchors = true\n",
        "notice = true\n",
        'translation_memory = "fuzzy"\n',
        "keep_obsolete = false\n",
    ):
        toml.write_text(base + extra, encoding="utf-8")
        for languages in ((), ("tr",), ("de",), ()):
            assert cached(root, languages=languages) == without_cache(root, languages=languages), (
                extra,
                languages,
            )


def test_control_a_new_language_on_another_day(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    root = synced(tmp_path)
    toml = root / "i18n-sync.toml"
    toml.write_text(toml.read_text(encoding="utf-8").replace('"de"]', '"de", "fr"]'), encoding="utf-8")
    assert cached(root) == without_cache(root)
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1864000000")
    later = {CACHE_VARIABLE: "off", "SOURCE_DATE_EPOCH": "1864000000"}
    assert cached(root) == report_bytes(run(load_config(root), environ=later))


def test_the_fingerprint_reads_every_file_of_the_package_and_changes_with_any(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The code, the messages and the schemas: the files `Path.rglob` finds with those suffixes,
    no compiled file; a byte changed in any of them (a message translated again) is another
    fingerprint."""
    package = Path(run_cache_module.__file__).resolve().parents[1]
    suffixes = (".py", ".po", ".pot", ".json")
    found = {
        p.relative_to(package).as_posix() for p in package.rglob("*") if p.is_file() and p.suffix in suffixes
    }
    listed = run_cache_module._package_files(str(package))
    assert listed == sorted(listed) and {name.replace(os.sep, "/") for name in listed} == found
    assert {"project/cache.py", "messages/tr.po", "reports/status.schema.json"} <= found
    copy = tmp_path / "i18n_sync"
    shutil.copytree(package, copy, ignore=shutil.ignore_patterns("__pycache__"))
    monkeypatch.setattr(run_cache_module, "__file__", str(copy / "project" / "cache.py"))
    before = run_cache_module.tool_fingerprint.__wrapped__()
    assert run_cache_module.tool_fingerprint.__wrapped__() == before
    messages = copy / "messages" / "tr.po"
    messages.write_bytes(messages.read_bytes() + b"\n")
    assert run_cache_module.tool_fingerprint.__wrapped__() != before
