"""A review of narrowed runs and symlinks (58381cc, bd39544): what a narrowed run (``--lang``) checks, and
what the run memo reads through a symlink.

Each test compares a run with the cache (or a narrowed run) against what a whole run, or
a run with ``I18N_SYNC_CACHE_DIR=off``, refuses.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest
from click.testing import Result

from helpers import invoke
from i18n_sync.project.cache import CACHE_VARIABLE
from test_scale import CONFIG, TR, make_docs


def _project(tmp_path: Path, config: str = CONFIG, extra: str = "") -> Path:
    root = make_docs(tmp_path, count=2)
    (root / "i18n-sync.toml").write_text(config + extra, encoding="utf-8")
    return root


def _synced(tmp_path: Path, config: str = CONFIG) -> Path:
    root = _project(tmp_path, config)
    assert invoke(root, "sync").exit_code == 0
    (root / "locales" / "tr" / "guide0.po").write_text(TR.format(number=0), encoding="utf-8")
    assert invoke(root, "sync").exit_code == 0
    return root


def _off(root: Path, monkeypatch: pytest.MonkeyPatch, *args: str) -> Result:
    with monkeypatch.context() as patch:
        patch.setenv(CACHE_VARIABLE, "off")
        return invoke(root, *args)


def test_a_narrowed_run_refuses_its_folder_when_it_is_another_languages_folder(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """58381cc: `_check_targets` looks for "one folder under two names" only among the paths
    of the run's own languages. With site/de a symlink to site/tr, a whole run refuses
    ("its folder is the folder site/tr under another name"), and so did every narrowed run
    before; now `sync --lang de` exits 0 and writes the German outputs through the folder
    symlink over the Turkish ones (site/tr/guide0.md then says "from locales/de/guide0.po").
    """
    root = _synced(tmp_path)
    turkish = (root / "site" / "tr" / "guide0.md").read_bytes()
    shutil.rmtree(root / "site" / "de")
    (root / "site" / "de").symlink_to("tr")
    whole = _off(root, monkeypatch, "sync")
    assert whole.exit_code == 1 and "under another name" in whole.output
    narrowed = _off(root, monkeypatch, "sync", "--lang", "de")
    assert (root / "site" / "tr" / "guide0.md").read_bytes() == turkish  # fails: German now
    assert narrowed.exit_code == 1 and "under another name" in narrowed.output


@pytest.mark.parametrize(
    ("outputs", "refusal"),
    [
        ('{ de = "site/tr/{path}.md" }', "two documents would write site/tr/guide0.md"),
        ('{ de = "site/TR/{path}.md" }', "differs from site/tr/guide0.md only by case"),
    ],
    ids=["one-path", "case-only"],
)
def test_narrowed_runs_refuse_two_languages_writing_one_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, outputs: str, refusal: str
) -> None:
    """58381cc: a path of one language that is, or differs only by case from, a path of
    another is checked only when both languages are in the run. A whole run refuses; `sync
    --lang tr` and `sync --lang de` (the CI jobs that share the languages out) each exit 0,
    and both write site/tr/guide0.md (or site/tr and site/TR, one folder on Windows and
    macOS): the second job overwrites the first's output. Before, both refused.
    """
    root = _project(tmp_path, extra=f"output_by_language = {outputs}\n")
    whole = _off(root, monkeypatch, "sync")
    assert whole.exit_code == 1 and refusal in whole.output
    for language in ("tr", "de"):
        narrowed = _off(root, monkeypatch, "sync", "--lang", language)
        assert narrowed.exit_code == 1 and refusal in narrowed.output, (language, narrowed.output)


SOURCE_OUTPUT = CONFIG.replace('source_output = ""', 'source_output = "site/en/{path}.md"')


@pytest.mark.parametrize("narrowed", [False, True], ids=["whole", "narrowed"])
@pytest.mark.parametrize(
    "path", ["site/tr/guide0.md", "locales/tr/guide0.po", "locales/guide0.pot", "site/en/guide0.md"]
)
def test_a_remembered_run_is_not_recalled_once_a_file_it_writes_is_a_symlink(
    tmp_path: Path, later: None, monkeypatch: pytest.MonkeyPatch, path: str, narrowed: bool
) -> None:
    """bd39544: `signatures.observe` follows a symlink that stays in the repository for
    every file of the memo, the files the run writes among them. A remembered run's plan
    (`cache.quick_memo`) checks those files only through their signatures; when one
    differs, `_observed` reads them again, now through the symlink, finds the same bytes
    and the same key, and the remembered report is returned: the run exits 0. A run with
    the cache off (and every run before this commit) refuses: "<path>: is a symlink;
    refusing to write". Shown for the tr output, its catalogue, the template and the
    English `source_output`, in a whole run and in `sync --lang tr`.
    """
    root = _synced(tmp_path, SOURCE_OUTPUT)
    args = ("sync", "--lang", "tr") if narrowed else ("sync",)
    assert invoke(root, *args).exit_code == 0
    assert invoke(root, *args).exit_code == 0  # nothing to do: remembered, with its plan
    file = root / path
    copy = root / "copies" / "same"
    copy.parent.mkdir()
    shutil.copyfile(file, copy)  # the same bytes, at another place in the repository
    file.unlink()
    file.symlink_to(os.path.relpath(copy, file.parent))
    off = _off(root, monkeypatch, *args)
    assert off.exit_code == 1 and f"{path}: is a symlink; refusing to write" in off.output
    cached = invoke(root, *args)
    assert (cached.exit_code, cached.output) == (off.exit_code, off.output)


def test_a_remembered_narrowed_run_sees_another_languages_folder_turn_into_its_own(
    tmp_path: Path, later: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The remembered plan of `sync --lang tr` keeps the other languages' folders it looked at
    (`plan.checked_paths`): site/de turned into a symlink to site/tr after it is refused, as
    a run with the cache off refuses it, not recalled."""
    root = _synced(tmp_path)
    assert invoke(root, "sync", "--lang", "tr").exit_code == 0
    assert invoke(root, "sync", "--lang", "tr").exit_code == 0  # nothing to do: remembered
    shutil.rmtree(root / "site" / "de")
    (root / "site" / "de").symlink_to("tr")
    off = _off(root, monkeypatch, "sync", "--lang", "tr")
    assert off.exit_code == 1 and "under another name" in off.output
    cached = invoke(root, "sync", "--lang", "tr")
    assert (cached.exit_code, cached.output) == (off.exit_code, off.output)


def test_a_nul_in_another_languages_output_pattern_does_not_crash_the_cached_narrowed_run(
    tmp_path: Path, later: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    """`plan.checked_paths` gave the remembered plan each folder of the other languages' paths
    ("site/d\\x00e/"), and `cache._plain_paths` called `os.lstat` on it, which raises
    ValueError ("embedded null byte"), not OSError. The plan skips such a path for another
    language (its own run refuses it), so `sync --lang tr` with the cache off exits 0; with
    the cache on, every run after the first ended in that traceback."""
    root = _project(tmp_path, extra='output_by_language = { de = "site/d\\u0000e/{path}.md" }\n')
    assert _off(root, monkeypatch, "sync", "--lang", "tr").exit_code == 0
    off = _off(root, monkeypatch, "sync", "--lang", "tr")
    assert off.exit_code == 0
    for _ in range(3):  # nothing to do: remembered, then answered by the remembered plan
        cached = invoke(root, "sync", "--lang", "tr")
        assert not isinstance(cached.exception, ValueError), cached.exception
        assert (cached.exit_code, cached.output) == (off.exit_code, off.output)


@pytest.mark.parametrize("args", [("sync",), ("sync", "--lang", "tr")], ids=["whole", "narrowed"])
def test_two_languages_whose_folders_differ_only_by_unicode_form_are_refused(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, args: tuple[str, ...]
) -> None:
    """Paths that differ only by Unicode form (tr "site/café/..." with é precomposed, de
    "site/café/..." with e + U+0301) are one folder on macOS (APFS and HFS+ ignore the form, as
    `files.folded` says): the tr and de jobs would write the same files there. Compared with
    `str.casefold()` alone, a whole run and `sync --lang tr` both wrote two folders."""
    outputs = 'output_by_language = { tr = "site/caf\\u00e9/{path}.md", de = "site/cafe\\u0301/{path}.md" }\n'
    root = _project(tmp_path, extra=outputs)
    result = _off(root, monkeypatch, *args)
    assert result.exit_code == 1, result.output
    assert "only by case or Unicode form" in result.output
