"""Review of keeping each language's name for itself in the job cache (`jobcache.recalled_native_names`,
`jobcache.keep_native_names`): failing tests for the defects found, and probes that held.

The tests marked DEFECT failed on the commit reviewed (24feb01), which learnt a name read back
for the whole process and took any text as a name; they pass since e44b826.

Every test starts, and ends, with no name known in this process (as a new process would), so that
no name learnt here reaches another test: `locales._NATIVE_NAMES` and the switchers' labels
(`jobs._labels`, which caches labels made from it) are emptied around each."""

from __future__ import annotations

import json
import shutil
import threading
from pathlib import Path

import babel
import pytest

from helpers import invoke
from i18n_sync import locales
from i18n_sync.project import jobs, pool
from i18n_sync.project.cache import CACHE_VARIABLE
from i18n_sync.project.config import load_config
from i18n_sync.project.jobcache import JobCache, keep_native_names, open_job_cache, recalled_native_names
from i18n_sync.project.sync import run
from test_scale import CONFIG, make_docs


@pytest.fixture(autouse=True)
def no_name_known(monkeypatch: pytest.MonkeyPatch) -> object:
    fresh_process(monkeypatch)
    yield
    jobs._labels.cache_clear()  # labels made from a planted name must not reach later tests


def fresh_process(monkeypatch: pytest.MonkeyPatch) -> None:
    """This process as a new one finds it: no language's name looked up or learnt yet."""
    monkeypatch.setattr(locales, "_NATIVE_NAMES", {})
    jobs._labels.cache_clear()


def spy_caches(monkeypatch: pytest.MonkeyPatch) -> list[JobCache]:
    """The job cache of each run from now on, as it saves (a run saves it, new entries or not)."""
    seen: list[JobCache] = []
    real = JobCache.save

    def save(self: JobCache) -> bool:
        seen.append(self)
        return real(self)

    monkeypatch.setattr(JobCache, "save", save)
    return seen


def reopened(cache: JobCache) -> JobCache:
    """The job cache `cache` was read from, as the next run of its project opens it."""
    return open_job_cache(cache.file, cache._base, {})


def plant(cache: JobCache, tag: str, value: object) -> None:
    """Put `value` in the job cache file under `tag`'s name's key: what anyone who can write the
    cache folder (or a damaged disk behind a valid checksum) leaves there."""
    again = reopened(cache)
    again.put(again.key("native-name", tag), value)
    assert again.save()


def kept_name(cache: JobCache, tag: str) -> object:
    return reopened(cache).get(cache.key("native-name", tag))


def project(folder: Path, count: int = 4) -> Path:
    folder.mkdir()
    return make_docs(folder, count=count)


def edit(root: Path, *numbers: int) -> None:
    for number in numbers or (0,):
        folder = "docs/part" if number % 2 else "docs"
        source = root / folder / f"guide{number}.md"
        source.write_text(source.read_text("utf-8") + "\nA paragraph added since.\n", "utf-8")


def switcher(root: Path, output: str = "site/de/guide0.md") -> str:
    return next(line for line in (root / output).read_text("utf-8").splitlines() if "[English]" in line)


def outputs(root: Path) -> dict[str, bytes]:
    return {str(p.relative_to(root)): p.read_bytes() for p in sorted((root / "site").rglob("*.md"))}


def status_names(root: Path, *args: str) -> list[str]:
    result = invoke(root, "status", "--format", "json", *args)
    assert result.exception is None or isinstance(result.exception, SystemExit), result.exception
    return [language["name"] for language in json.loads(result.stdout)["languages"]]


# --- defects --------------------------------------------------------------------------------------

# A kept name is taken if it is a `str`: any text. The lookup it replaces never gave an empty
# name (`or tag`), nor one with a line break or a lone surrogate (not UTF-8 at all).
NOT_A_NAME = [
    pytest.param("", id="empty"),
    pytest.param("\ud800", id="lone-surrogate"),
    pytest.param("Tür\n\n# kçe", id="line-breaks"),
]


@pytest.mark.parametrize("planted", NOT_A_NAME)
def test_a_kept_name_that_is_no_name_is_looked_up_again_by_a_sync(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, planted: str
) -> None:
    """DEFECT: "" gives the switcher an empty label `[](../tr/guide0.md)`; "\\ud800" kills the
    run with a UnicodeEncodeError traceback from a render worker; line breaks break the
    switcher's line (a heading inside it). A kept value that is no name should be a miss."""
    caches = spy_caches(monkeypatch)
    root = project(tmp_path / "docs-project")
    assert invoke(root, "sync").exit_code == 0
    plant(caches[-1], "tr", planted)
    fresh_process(monkeypatch)
    edit(root)
    result = invoke(root, "sync")
    assert result.exception is None or isinstance(result.exception, SystemExit), repr(result.exception)
    assert result.exit_code == 0, result.output
    assert "[Türkçe](../tr/guide0.md)" in switcher(root)


@pytest.mark.parametrize("planted", NOT_A_NAME)
def test_a_kept_name_that_is_no_name_is_looked_up_again_by_a_report(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, planted: str
) -> None:
    """DEFECT: `status --format json` shows the planted text as the language's name; with
    "\\ud800" it dies with a UnicodeEncodeError traceback while printing."""
    caches = spy_caches(monkeypatch)
    root = project(tmp_path / "docs-project")
    assert invoke(root, "sync").exit_code == 0
    plant(caches[-1], "tr", planted)
    fresh_process(monkeypatch)
    assert status_names(root) == ["Türkçe", "简体中文", "Deutsch"]


def planted_and_run(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> list[JobCache]:
    """A project synced, "Planted" put in its job cache as Turkish's name, and synced again after
    an edit by a process that knew no name (it reads the planted one: its cache, its business);
    each run's job cache, as it saved."""
    caches = spy_caches(monkeypatch)
    first = project(tmp_path / "first")
    assert invoke(first, "sync").exit_code == 0
    plant(caches[-1], "tr", "Planted")
    fresh_process(monkeypatch)
    edit(first)
    assert invoke(first, "sync").exit_code == 0
    return caches


def test_a_name_learnt_from_one_projects_cache_is_not_another_projects(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """DEFECT: the name one project's job cache held is learnt for the whole process
    (`locales._NATIVE_NAMES`): a later run of another project in the same process (the API,
    the review server, a test session) shows it, even with the cache off."""
    planted_and_run(tmp_path, monkeypatch)
    other = project(tmp_path / "other")
    monkeypatch.setenv(CACHE_VARIABLE, "off")
    assert invoke(other, "sync").exit_code == 0
    assert "[Türkçe](../tr/guide0.md)" in switcher(other)


def test_a_name_learnt_from_one_projects_cache_is_not_kept_in_anothers(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """DEFECT: worse, the other project's run misses the name in its own cache and keeps there
    what `native_name_of` answers, the learnt name: every later process on it shows it too."""
    caches = planted_and_run(tmp_path, monkeypatch)
    other = project(tmp_path / "other")
    assert invoke(other, "sync").exit_code == 0
    assert kept_name(caches[-1], "tr") == "Türkçe"


def test_a_learnt_name_goes_with_the_job_cache_it_came_from(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """DEFECT: deleting the job cache is always safe (jobcache's docstring), but a process that
    learnt a name from it (the review server) keeps showing it, in reports and outputs."""
    caches = spy_caches(monkeypatch)
    root = project(tmp_path / "docs-project")
    assert invoke(root, "sync").exit_code == 0
    plant(caches[-1], "tr", "Planted")
    fresh_process(monkeypatch)
    assert status_names(root)[0] == "Planted"  # the planted cache's own report: its business
    caches[-1].file.unlink()
    edit(root)
    assert status_names(root)[0] == "Türkçe"


# --- probes ---------------------------------------------------------------------------------------


def test_probe_cache_on_and_off_give_the_same_outputs_and_report(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """PROBE (held): a run after a change, names from the job cache, writes the bytes a run with
    the cache off writes, and reports the same names."""
    on = project(tmp_path / "on")
    assert invoke(on, "sync").exit_code == 0
    shutil.copytree(on, tmp_path / "off")
    off = tmp_path / "off"
    fresh_process(monkeypatch)
    edit(on, 0, 1)
    assert invoke(on, "sync").exit_code == 0
    names_on = status_names(on)
    fresh_process(monkeypatch)
    monkeypatch.setenv(CACHE_VARIABLE, "off")
    edit(off, 0, 1)
    assert invoke(off, "sync").exit_code == 0
    assert outputs(on) == outputs(off)
    assert status_names(off) == names_on == ["Türkçe", "简体中文", "Deutsch"]


def test_probe_the_names_follow_the_configuration(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """PROBE (held): a name given in `language_names`, then taken away; a language added, then
    removed: each run's switcher and report show the right names (the base key holds the
    configuration)."""
    root = project(tmp_path / "docs-project")
    assert invoke(root, "sync").exit_code == 0
    config = root / "i18n-sync.toml"
    config.write_text(CONFIG + '\n[language_names]\ntr = "Turkish"\n', "utf-8")
    fresh_process(monkeypatch)
    assert invoke(root, "sync").exit_code == 0
    assert "[Turkish](../tr/guide0.md)" in switcher(root)
    assert status_names(root) == ["Turkish", "简体中文", "Deutsch"]
    config.write_text(CONFIG.replace('"de"]', '"de", "ja"]'), "utf-8")
    fresh_process(monkeypatch)
    assert invoke(root, "sync").exit_code == 0
    assert "[Türkçe](../tr/guide0.md)" in switcher(root) and "[日本語](../ja/guide0.md)" in switcher(root)
    fresh_process(monkeypatch)
    assert status_names(root) == ["Türkçe", "简体中文", "Deutsch", "日本語"]
    config.write_text(CONFIG, "utf-8")
    fresh_process(monkeypatch)
    assert invoke(root, "sync").exit_code == 0
    assert "日本語" not in switcher(root) and "[Türkçe]" in switcher(root)


def test_probe_close_tags_keep_their_own_names(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """PROBE (held): zh-CN/zh-TW and pt-BR/pt-PT, recalled from the cache, each keep their own."""
    root = project(tmp_path / "docs-project")
    (root / "i18n-sync.toml").write_text(
        CONFIG.replace('["tr", "zh-CN", "de"]', '["zh-CN", "zh-TW", "pt-BR", "pt-PT"]'), "utf-8"
    )
    assert invoke(root, "sync").exit_code == 0
    expected = status_names(root)
    fresh_process(monkeypatch)
    edit(root)
    assert invoke(root, "sync").exit_code == 0
    fresh_process(monkeypatch)
    edit(root, 1)
    assert status_names(root) == expected and len(set(expected)) == 4


def test_probe_a_narrowed_run_and_report(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """PROBE (held): `sync --lang tr` labels every language of its switchers from the cache,
    and `status --lang zh-CN` shows that language's name."""
    root = project(tmp_path / "docs-project")
    assert invoke(root, "sync").exit_code == 0
    fresh_process(monkeypatch)
    edit(root)
    assert invoke(root, "sync", "--lang", "tr").exit_code == 0
    assert switcher(root, "site/tr/guide0.md") == (
        "[English](../../docs/guide0.md) | **Türkçe** | "
        "[简体中文](../zh-CN/guide0.md) | [Deutsch](../de/guide0.md)"
    )
    fresh_process(monkeypatch)
    assert status_names(root, "--lang", "zh-CN") == ["简体中文"]


def test_probe_render_workers_inherit_the_names_learnt_from_the_cache(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """PROBE (held): with CLDR's answer replaced after the first run, a run rendering on forked
    workers labels its switchers with the kept names: the workers inherit what this process
    learnt before they forked, and look nothing up."""
    monkeypatch.setenv("I18N_SYNC_JOBS", "2")
    root = project(tmp_path / "docs-project", count=12)
    assert invoke(root, "sync").exit_code == 0
    fresh_process(monkeypatch)
    monkeypatch.setattr(locales, "_native_name", lambda locale: "LOOKED-UP")
    edit(root, *range(12))
    assert pool.forks(2, 36)
    assert invoke(root, "sync").exit_code == 0
    labels = {switcher(root, f"site/{tag}/guide{n}.md") for tag in ("tr", "de") for n in (0, 2, 4)}
    assert all("LOOKED-UP" not in line and "Türkçe" in line for line in labels), labels


def test_probe_a_run_that_finds_everything_cached_writes_no_job_cache(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, run_cache: Path
) -> None:
    """PROBE (held): with the run memos deleted, a sync, then a report, that find every job
    (and every name) in the job cache leave its file as it was."""
    caches = spy_caches(monkeypatch)
    root = project(tmp_path / "docs-project")
    assert invoke(root, "sync").exit_code == 0
    assert invoke(root, "status").exit_code == 0

    def without_memos() -> None:
        for path in run_cache.iterdir():
            if path.is_file() and not path.name.startswith("jobs-"):
                path.unlink()

    for _ in range(2):  # the first may keep what the one before wrote over
        without_memos()
        fresh_process(monkeypatch)
        assert invoke(root, "sync").exit_code == 0
    file = caches[-1].file
    before = file.read_bytes()
    for command in ("sync", "status", "sync", "status"):
        without_memos()
        fresh_process(monkeypatch)
        saves = len(caches)
        assert invoke(root, command).exit_code == 0
        assert len(caches) == saves + 1  # the memo did not answer: the job cache was asked
        # Its mtime is touched (kept by `pruning`); its bytes, not written, stay.
        assert not caches[-1]._added and file.read_bytes() == before, command


def test_probe_a_report_with_names_given_keeps_no_name(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """PROBE (held): a language named in the configuration is neither looked up nor kept."""
    caches = spy_caches(monkeypatch)
    root = project(tmp_path / "docs-project")
    (root / "i18n-sync.toml").write_text(CONFIG + '\n[language_names]\ntr = "Turkish"\n', "utf-8")
    assert status_names(root) == ["Turkish", "简体中文", "Deutsch"]
    assert kept_name(caches[-1], "tr") is None and kept_name(caches[-1], "de") == "Deutsch"


def test_probe_recalling_on_many_threads(tmp_path: Path) -> None:
    """PROBE (held): threads recalling names from their own caches (the review server's
    reports) while others look names up all end with CLDR's names."""
    tags = ["tr", "zh-CN", "de", "ja", "pt-BR", "es-419", "zh-Hant"]
    expected = {tag: locales._native_name(babel.Locale.parse(tag, sep="-")) for tag in tags}
    seed = open_job_cache(tmp_path / "jobs.cache", b"base", {})
    keep_native_names(seed, tags)
    seed.save()
    locales._NATIVE_NAMES.clear()
    errors: list[BaseException] = []

    def work(index: int) -> None:
        try:
            if index % 2:
                found = recalled_native_names(open_job_cache(tmp_path / "jobs.cache", b"base", {}), tags)
                assert found == expected
            else:
                for tag in tags:
                    locales.native_name_of(tag)
        except BaseException as error:
            errors.append(error)

    threads = [threading.Thread(target=work, args=(index,)) for index in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not errors
    assert {tag: locales.native_name_of(tag) for tag in tags} == expected


def test_probe_the_api_run_with_a_cache_names_as_without(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """PROBE (held): `sync.run` in process, twice, cache on: the second (names recalled) reports
    the first's bytes for every output."""
    root = project(tmp_path / "docs-project")
    first = {c.path: c.content for c in run(load_config(root), workers=1).changes}
    fresh_process(monkeypatch)
    second = {c.path: c.content for c in run(load_config(root), workers=1, force=True).changes}
    for path, content in second.items():
        if path.startswith("site/"):
            assert first[path] == content
