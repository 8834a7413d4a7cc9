"""A run narrowed to some languages (``--lang``, a CI job's share) reads what those languages need.

It reads and remembers the catalogues, outputs and compendia of its own
languages, and of the others only those its switcher needs (a language with a
publish threshold: its figures decide its entry), and checks the paths it may
write: with twenty-one languages shared out between jobs, each job looks at its
own files, not all of them.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from helpers import invoke
from i18n_sync.project import sync as sync_module
from i18n_sync.project.config import load_config
from i18n_sync.project.inputs import needed_languages
from test_scale import CONFIG, TR, make_docs

ZH = """msgid ""
msgstr ""
"Language: zh_CN\\n"
"Content-Type: text/plain; charset=UTF-8\\n"

msgid "Guide {number}"
msgstr "指南 {number}"

msgid "See [the next guide]({{1}})."
msgstr "见[下一篇指南]({{1}})。"

msgid "Text {number} that nobody translated."
msgstr "第 {number} 段，已经翻译。"
"""


def _project(tmp_path: Path, extra: str = "") -> Path:
    root = make_docs(tmp_path, count=2)
    (root / "i18n-sync.toml").write_text(CONFIG + extra, encoding="utf-8")
    assert invoke(root, "sync").exit_code == 0
    (root / "locales" / "tr" / "guide0.po").write_text(TR.format(number=0), encoding="utf-8")
    return root


@pytest.fixture
def memo_files(monkeypatch: pytest.MonkeyPatch) -> list[list[str]]:
    """The files each run's memo covers (`inputs.read_paths`), one list a run that plans."""
    runs: list[list[str]] = []
    real = sync_module.read_paths

    def read_paths(*args: object) -> list[str]:
        runs.append(real(*args))  # type: ignore[arg-type]
        return runs[-1]

    monkeypatch.setattr(sync_module, "read_paths", read_paths)
    return runs


def test_a_run_narrowed_to_one_language_reads_none_of_the_others_files(
    tmp_path: Path, memo_files: list[list[str]], monkeypatch: pytest.MonkeyPatch
) -> None:
    root = _project(tmp_path)
    memo_files.clear()
    monkeypatch.setenv("I18N_SYNC_JOBS", "1")  # the translation memory is read in this process
    remembered: list[str] = []  # the catalogues the translation memory is made from
    real = sync_module.catalogue_suggestions

    def suggestions(config: object, path: str, **options: object) -> object:
        remembered.append(path)
        return real(config, path, **options)  # type: ignore[arg-type]

    monkeypatch.setattr(sync_module, "catalogue_suggestions", suggestions)
    assert invoke(root, "sync", "--lang", "tr").exit_code == 0
    (read,) = memo_files
    assert "locales/tr/guide0.po" in read and "site/tr/guide0.md" in read
    assert not [path for path in read if "zh_CN" in path or "zh-CN" in path or "/de/" in path]
    assert remembered == ["locales/tr/guide0.po", "locales/tr/part/guide1.po"]
    assert invoke(root, "sync", "--check").exit_code == 0  # the tr files are those a whole run writes


def test_a_narrowed_run_is_remembered_whatever_another_language_does(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    root = _project(tmp_path)
    assert invoke(root, "sync", "--lang", "tr").exit_code == 0  # writes the Turkish files
    assert invoke(root, "sync", "--lang", "tr").exit_code == 0  # finds nothing to do: remembered
    tr_output = (root / "site" / "tr" / "guide0.md").read_bytes()
    # Chinese is translated: not a byte of the Turkish job's result depends on it.
    (root / "locales" / "zh_CN" / "guide0.po").write_text(ZH.format(number=0), encoding="utf-8")
    runs: list[object] = []  # the runs that did their jobs (`sync.execute`)
    real = sync_module.execute

    def execute(*args: object, **options: object) -> object:
        runs.append(args)
        return real(*args, **options)  # type: ignore[arg-type]

    monkeypatch.setattr(sync_module, "execute", execute)
    assert invoke(root, "sync", "--lang", "tr").exit_code == 0
    assert runs == []  # the remembered run answered
    assert (root / "site" / "tr" / "guide0.md").read_bytes() == tr_output
    monkeypatch.setattr(sync_module, "execute", real)
    assert "指南" not in (root / "site" / "zh-CN" / "guide0.md").read_text(encoding="utf-8")  # not its job
    assert invoke(root, "sync", "--lang", "zh-CN").exit_code == 0
    assert "指南 0" in (root / "site" / "zh-CN" / "guide0.md").read_text(encoding="utf-8")
    assert invoke(root, "sync", "--check").exit_code == 0


def test_a_narrowed_run_follows_the_figures_of_a_language_with_a_threshold(tmp_path: Path) -> None:
    # Chinese is published once half of it is translated: its entry in the Turkish switcher
    # follows its catalogue, which the Turkish job reads for that.
    root = _project(tmp_path, 'publish_threshold_by_language = { "zh-CN" = 50 }\n')
    assert invoke(root, "sync", "--lang", "tr").exit_code == 0
    switcher = "[简体中文]"
    assert switcher not in (root / "site" / "tr" / "guide0.md").read_text(encoding="utf-8")
    (root / "locales" / "zh_CN" / "guide0.po").write_text(ZH.format(number=0), encoding="utf-8")
    assert invoke(root, "sync", "--lang", "tr").exit_code == 0
    tr_output = (root / "site" / "tr" / "guide0.md").read_bytes()
    assert switcher in tr_output.decode("utf-8")
    assert invoke(root, "sync").exit_code == 0  # every language: the Turkish file as the job wrote it
    assert (root / "site" / "tr" / "guide0.md").read_bytes() == tr_output


def test_the_languages_a_narrowed_run_needs(tmp_path: Path) -> None:
    root = _project(tmp_path, "publish_threshold_by_language = { de = 50 }\n")
    config = load_config(root)
    assert needed_languages(config) == {"tr", "zh-CN", "de"}
    assert needed_languages(config, ["tr"]) == {"tr", "de"}
    assert needed_languages(config, ["de"]) == {"de"}


def test_a_narrowed_run_checks_the_paths_it_may_write_only(tmp_path: Path) -> None:
    # A symlink where a German output goes stops every run that may write German, and the
    # Turkish job's own paths are checked as ever; the Turkish job has no German file to write.
    root = _project(tmp_path)
    german = root / "site" / "de" / "guide0.md"
    german.unlink()
    german.symlink_to("../tr/guide0.md")
    refused = invoke(root, "sync")
    assert refused.exit_code == 1 and "site/de/guide0.md: is a symlink" in refused.output
    assert invoke(root, "sync", "--lang", "tr").exit_code == 0
    assert invoke(root, "sync", "--lang", "de").exit_code == 1
    turkish = root / "site" / "tr" / "part" / "guide1.md"
    turkish.unlink()
    turkish.symlink_to("../../de/part/guide1.md")
    again = invoke(root, "sync", "--lang", "tr")
    assert again.exit_code == 1 and "site/tr/part/guide1.md: is a symlink" in again.output
    assert german.is_symlink() and turkish.is_symlink()  # nothing written through either
