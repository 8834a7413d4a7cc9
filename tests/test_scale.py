"""Runs at scale: the same result on one worker or many, and a run cache that is never trusted blindly."""

from __future__ import annotations

import hashlib
import io
import itertools
import json
import os
import posixpath
import shutil
import sys
from collections.abc import Iterable
from dataclasses import replace
from pathlib import Path

import pytest

try:
    import fcntl as fcntl_module
except ImportError:  # Windows
    fcntl_module = None  # type: ignore[assignment]
from helpers import invoke
from i18n_sync.errors import ConfigError
from i18n_sync.model import FileChange
from i18n_sync.project import combined, merging, sync
from i18n_sync.project.cache import CACHE_VARIABLE
from i18n_sync.project.combined import RunReport
from i18n_sync.project.config import load_config
from i18n_sync.project.files import TEMP_PREFIX, read_many
from i18n_sync.project.plan import find_sources, plan_documents
from i18n_sync.project.staging import Staging
from i18n_sync.project.sync import run

CONFIG = """languages = ["tr", "zh-CN", "de"]
sources = ["docs/**/*.md"]
source_root = "docs"
template = "locales/{path}.pot"
catalog = "locales/{locale}/{path}.po"
output = "site/{lang}/{path}.md"
source_output = ""
"""

TR = """msgid ""
msgstr ""
"Language: tr\\n"
"Content-Type: text/plain; charset=UTF-8\\n"

msgid "Guide {number}"
msgstr "Kılavuz {number}"

msgid "See [the next guide]({{1}})."
msgstr "[Sonraki kılavuza]({{1}}) bakın."
"""


def make_docs(root: Path, count: int = 12) -> Path:
    """A docs tree whose documents link to each other, with Turkish catalogues for some."""
    (root / "i18n-sync.toml").write_text(CONFIG, encoding="utf-8")

    def folder_of(number: int) -> str:
        return "docs/part" if number % 2 else "docs"

    for number in range(count):
        folder = root / folder_of(number)
        folder.mkdir(parents=True, exist_ok=True)
        after = (number + 1) % count
        following = posixpath.relpath(f"{folder_of(after)}/guide{after}.md", folder_of(number))
        (folder / f"guide{number}.md").write_text(
            f"# Guide {number}\n\nSee [the next guide]({following}).\n\n"
            f"<!-- i18n-sync:languages -->\n\nText {number} that nobody translated.\n",
            encoding="utf-8",
        )
    return root


def report_bytes(report: RunReport) -> list[tuple[str, bytes]]:
    return [(change.path, change.content) for change in report.changes]


def test_one_worker_and_many_give_the_same_run(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(CACHE_VARIABLE, "off")
    root = make_docs(tmp_path)
    assert invoke(root, "sync").exit_code == 0
    tr = root / "locales" / "tr" / "part" / "guide1.po"
    tr.write_text(TR.format(number=1), encoding="utf-8")
    config = load_config(root)
    serial, parallel = run(config, workers=1), run(config, workers=2)
    assert report_bytes(serial) == report_bytes(parallel)
    assert serial.diagnostics == parallel.diagnostics
    assert serial.languages == parallel.languages
    output = dict(report_bytes(parallel))["site/tr/part/guide1.md"].decode()
    assert "# Kılavuz 1" in output and "[Sonraki kılavuza](../guide2.md)" in output


def _uncached_docs(
    root: Path, monkeypatch: pytest.MonkeyPatch, count: int
) -> tuple[Path, list[tuple[str, bytes]]]:
    """`make_docs` with the cache off, and the files a first sync of it writes."""
    monkeypatch.setenv(CACHE_VARIABLE, "off")
    # One date for this run and the sync the test compares with it: the templates carry
    # it to the minute, and a minute can turn between the two.
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1764000000")
    make_docs(root, count=count)
    return root, report_bytes(run(load_config(root)))


def _staged_ahead(monkeypatch: pytest.MonkeyPatch) -> set[str]:
    """The paths the writes find staged ahead (`Staging.holding`), filled in as a run writes."""
    held: set[str] = set()
    real = Staging.holding

    def holding(self: Staging, changes: Iterable[FileChange]) -> dict[str, str]:
        found = real(self, changes)
        held.update(found)
        return found

    monkeypatch.setattr(Staging, "holding", holding)
    return held


def test_every_output_is_staged_before_the_writes_batch_or_not(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # 150 outputs: 128 staged as one batch while the workers render, the last 22 after them.
    # Every one is staged by the time the files are written, each file holds what a run that
    # writes nothing reports, and no temporary file is left behind.
    root, expected = _uncached_docs(tmp_path, monkeypatch, count=50)
    outputs = {path for path, _ in expected if path.startswith("site/")}
    assert len(outputs) == 150
    held = _staged_ahead(monkeypatch)
    assert invoke(root, "sync").exit_code == 0
    assert outputs <= held
    assert all((root / path).read_bytes() == content for path, content in expected)
    assert not [p for p in root.rglob("*") if p.name.startswith(TEMP_PREFIX)]


def test_the_last_documents_files_wait_for_the_render_pool_and_are_staged_all_the_same(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # 32 documents, each with a template and three catalogues: the last document's files fill a
    # batch of 128. Staged as it is taken, they kept the render pool waiting, the workers being
    # done; they are staged first thing while the workers render (`_stage_settled`).
    root, expected = _uncached_docs(tmp_path, monkeypatch, count=32)
    config = load_config(root)
    last = plan_documents(config, find_sources(config))[-1]
    taking: list[int] = []  # the number of the document being taken
    batches: list[int] = []  # the document taken when a batch was staged
    with_the_render: set[str] = set()  # staged by the time the render stage staged the settled files
    real_take, real_stage_added, real_settled = (
        merging._Gathered.take,
        Staging.stage_added,
        combined._stage_settled,
    )

    def take(self: merging._Gathered, outcome: merging.DocumentOutcome) -> None:
        taking.append(self.documents + 1)
        try:
            real_take(self, outcome)
        finally:
            taking.pop()

    def stage_added(self: Staging) -> None:
        batches.extend(taking[-1:])
        real_stage_added(self)

    def stage_settled(staging: Staging, settled: list[FileChange]) -> None:
        real_settled(staging, settled)
        with_the_render.update(staging.holding(settled))

    monkeypatch.setattr(merging._Gathered, "take", take)
    monkeypatch.setattr(Staging, "stage_added", stage_added)
    monkeypatch.setattr(combined, "_stage_settled", stage_settled)
    held = _staged_ahead(monkeypatch)
    assert invoke(root, "sync").exit_code == 0
    assert batches == []  # none while a document is taken
    assert {last.template, *(target.catalog for target in last.targets)} <= with_the_render
    assert held == {path for path, _ in expected}
    assert all((root / path).read_bytes() == content for path, content in expected)


def test_a_run_with_nothing_to_do_is_remembered_and_its_report_reused(
    tmp_path: Path, run_cache: Path
) -> None:
    root = make_docs(tmp_path)
    assert invoke(root, "sync").exit_code == 0
    config = load_config(root)
    first = run(config)  # finds nothing to do: remembered
    assert first.changes and list(run_cache.iterdir()), "no record was written"
    second = run(config)  # the same report, without the files that were all current anyway
    assert second == replace(first, changes=())
    assert invoke(root, "sync", "--check").exit_code == 0


def test_a_changed_byte_anywhere_means_a_new_run(tmp_path: Path) -> None:
    root = make_docs(tmp_path)
    assert invoke(root, "sync").exit_code == 0
    run(load_config(root))  # remembered
    output = root / "site" / "de" / "guide0.md"
    output.write_text(output.read_text(encoding="utf-8") + "edited by hand\n", encoding="utf-8")
    result = invoke(root, "sync", "--check")
    assert result.exit_code == 1 and "site/de/guide0.md" in result.output
    (root / "locales" / "tr" / "part").mkdir(parents=True, exist_ok=True)
    (root / "locales" / "tr" / "part" / "guide1.po").write_text(TR.format(number=1), encoding="utf-8")
    assert invoke(root, "sync").exit_code == 0
    assert "# Kılavuz 1" in (root / "site" / "tr" / "part" / "guide1.md").read_text(encoding="utf-8")
    assert invoke(root, "sync", "--check").exit_code == 0


def test_a_damaged_or_foreign_record_is_detected_and_rebuilt(tmp_path: Path, run_cache: Path) -> None:
    root = make_docs(tmp_path)
    assert invoke(root, "sync").exit_code == 0
    expected = replace(run(load_config(root)), changes=())
    (record,) = run_cache.glob("run-*")
    good = record.read_bytes()
    for damaged in (good[:-7], good[:40] + bytes([good[40] ^ 1]) + good[41:], b"", b"junk"):
        record.write_bytes(damaged)
        again = run(load_config(root))
        assert again.changes, "the damaged record was trusted"
        assert replace(again, changes=()) == expected
        assert record.read_bytes() == good  # and the record rebuilt
    # A configuration change is a new key even when no file changed.
    config = (root / "i18n-sync.toml").read_text(encoding="utf-8")
    (root / "i18n-sync.toml").write_text(config + "generated_header = false\n", encoding="utf-8")
    result = invoke(root, "sync", "--check")
    assert result.exit_code == 1 and "would write site/tr/guide0.md" in result.output


@pytest.mark.parametrize("where", ["absolute", "relative", "XDG_CACHE_HOME"])
def test_the_cache_is_never_inside_the_repository_and_the_run_says_so(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, where: str
) -> None:
    """A folder a pull request could fill is never used, and never silently: CI that keeps
    its cache in the workspace hears why every run starts from scratch."""
    root = make_docs(tmp_path)
    if where == "XDG_CACHE_HOME":  # the default place, under a cache home set in the workspace
        monkeypatch.delenv(CACHE_VARIABLE)
        monkeypatch.setenv("XDG_CACHE_HOME", str(root / ".cache"))
    else:
        monkeypatch.chdir(root)
        monkeypatch.setenv(CACHE_VARIABLE, str(root / ".cache") if where == "absolute" else ".cache")
    for _ in range(2):
        result = invoke(root, "sync")
        assert result.exit_code == 0
        assert result.stderr.startswith(f"{CACHE_VARIABLE}: warning: the run cache is off: its folder ")
        assert (
            " is inside the repository, where a pull request could plant a record; set "
            f"{CACHE_VARIABLE} to a folder outside the repository, or to 'off'\n"
        ) in result.stderr
    report = run(load_config(root))
    assert [d.path for d in report.diagnostics] == [CACHE_VARIABLE]
    assert not (root / ".cache").exists()
    quiet = invoke(root, "sync", "--quiet")
    assert quiet.exit_code == 0 and quiet.stderr == ""
    outside = tmp_path.parent / f"{tmp_path.name}-cache"  # used, and without a word
    monkeypatch.setenv(CACHE_VARIABLE, str(outside))
    assert invoke(root, "sync").stderr == ""
    assert outside.is_dir()


def test_without_a_home_folder_the_run_goes_on_without_its_cache_and_says_so(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A container running as a user with no account and no HOME: `Path.home()` raises. The run
    goes on without the cache, says why; a relative XDG_CACHE_HOME is ignored, as its spec asks."""

    def no_home() -> Path:
        raise RuntimeError("Could not determine home directory.")

    root = make_docs(tmp_path)
    monkeypatch.chdir(root)
    monkeypatch.delenv(CACHE_VARIABLE)
    monkeypatch.delenv("HOME", raising=False)
    monkeypatch.setenv("XDG_CACHE_HOME", "relative/cache")
    monkeypatch.setattr(Path, "home", staticmethod(no_home))
    result = invoke(root, "sync")
    assert result.exit_code == 0, result.output
    assert result.stderr == (
        f"{CACHE_VARIABLE}: warning: the run cache is off: there is no home folder to keep it in "
        f"(HOME is not set); set {CACHE_VARIABLE} to a folder outside the repository, or to 'off'\n"
    )
    assert not (root / "relative").exists()
    monkeypatch.setenv(CACHE_VARIABLE, "off")  # turned off on purpose: no word
    assert invoke(root, "sync").stderr == ""


COMPACT = CONFIG.replace('template = "locales/{path}.pot"', 'template = "locales/messages.pot"').replace(
    'catalog = "locales/{locale}/{path}.po"', 'catalog = "locales/{locale}.po"'
)


def test_one_catalogue_per_language_holds_every_document(tmp_path: Path) -> None:
    root = make_docs(tmp_path, count=4)
    (root / "i18n-sync.toml").write_text(COMPACT, encoding="utf-8")
    assert invoke(root, "sync").exit_code == 0
    assert sorted(p.name for p in (root / "locales").iterdir()) == [
        "de.po",
        "messages.pot",
        "tr.po",
        "zh_CN.po",
    ]
    tr = (root / "locales" / "tr.po").read_text(encoding="utf-8")
    # Identical English across documents is one entry that names every document using it.
    assert tr.count('msgid "See [the next guide]({1})."') == 1
    assert "#: docs/guide0.md docs/guide2.md docs/part/guide1.md docs/part/guide3.md\n" in tr
    assert tr.count('msgid "Guide 2"') == 1 and "#: docs/guide2.md\n" in tr
    translated = tr.replace(
        'msgid "See [the next guide]({1})."\nmsgstr ""',
        'msgid "See [the next guide]({1})."\nmsgstr "[Sonraki]({1})."',
    )
    (root / "locales" / "tr.po").write_text(translated, encoding="utf-8")
    assert invoke(root, "sync").exit_code == 0
    for number, folder in ((0, ""), (1, "part/"), (3, "part/")):
        output = (root / "site" / "tr" / f"{folder}guide{number}.md").read_text(encoding="utf-8")
        assert "[Sonraki](" in output, f"guide{number} did not get the shared translation"
    status = invoke(root, "status", "--format", "json")
    assert status.exit_code == 0, status.output
    documents = next(lang for lang in json.loads(status.output)["languages"] if lang["language"] == "tr")
    assert len(documents["documents"]) == 4
    check = invoke(root, "check")
    assert check.exit_code == 0, check.output
    assert invoke(root, "sync", "--check").exit_code == 0


def test_the_compact_layout_needs_both_patterns_without_path(tmp_path: Path) -> None:
    root = make_docs(tmp_path, count=2)
    half = CONFIG.replace('catalog = "locales/{locale}/{path}.po"', 'catalog = "locales/{locale}.po"')
    (root / "i18n-sync.toml").write_text(half, encoding="utf-8")
    result = invoke(root, "sync")
    assert result.exit_code == 1
    assert "i18n-sync.toml:5: 'template' and 'catalog' must both contain {path}" in result.output


@pytest.mark.parametrize("threshold", [0, 50])
def test_languages_shared_out_between_jobs_write_what_one_run_writes(
    tmp_path: Path, threshold: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1767225600")  # new templates: one date in every run
    root = make_docs(tmp_path, count=4)
    config_text = CONFIG + f"publish_threshold_by_language = {{ de = {threshold} }}\n"
    (root / "i18n-sync.toml").write_text(config_text, encoding="utf-8")
    (root / "locales" / "tr" / "part").mkdir(parents=True)
    (root / "locales" / "tr" / "part" / "guide1.po").write_text(TR.format(number=1), encoding="utf-8")
    config = load_config(root)
    whole = dict(report_bytes(run(config)))
    shards: dict[str, bytes] = {}
    for languages in (["tr"], ["zh-CN", "de"]):
        for path, content in report_bytes(run(config, languages=languages)):
            assert shards.setdefault(path, content) == content, f"two shards disagree on {path}"
    assert shards == whole
    tr_only = invoke(root, "sync", "--lang", "tr")
    assert tr_only.exit_code == 0 and "zh-CN:" not in tr_only.output and "tr:" in tr_only.output
    assert not (root / "site" / "de").exists()
    switcher = (root / "site" / "tr" / "guide0.md").read_text(encoding="utf-8")
    # The German entry follows German's own threshold, though German was not part of this job.
    assert ("[Deutsch]" in switcher) == (threshold == 0)
    assert invoke(root, "sync", "--lang", "xx").exit_code == 2


def test_progress_is_told_every_job_of_every_stage_in_order(tmp_path: Path, run_cache: Path) -> None:
    """Told of every job, in order, stage after stage. A first run merges as it extracts, in
    a job per document (`merging`): it is told of those as the merging stage; a run whose
    extractions the job cache has (one source changed since) is told of the extraction, then
    of each merge."""
    root = make_docs(tmp_path, count=10)
    heard: list[tuple[str, int, int]] = []
    for workers, extractions in ((1, 0), (2, 0), (1, 1), (2, 1)):
        heard.clear()
        if extractions:  # the cache has every extraction but one; its merges and renderings too
            (root / "docs" / "guide0.md").write_text(f"# Guide zero, {workers}\n", encoding="utf-8")
        else:
            shutil.rmtree(run_cache)
        run(load_config(root), workers=workers, progress=lambda *told: heard.append(told))
        merged, rendered = (3, 3) if extractions else (10, 30)
        stages = [stage for stage, _, _ in heard]
        assert stages == ["extract"] * extractions + ["update"] * merged + ["render"] * rendered
        for stage, total in (("extract", extractions), ("update", merged), ("render", rendered)):
            assert [(d, t) for s, d, t in heard if s == stage] == [(n, total) for n in range(1, total + 1)]


def test_a_long_list_of_files_is_summed_up_unless_verbose(tmp_path: Path) -> None:
    root = make_docs(tmp_path, count=6)  # 6 templates, 18 catalogues, 18 outputs
    result = invoke(root, "sync")
    assert result.exit_code == 0
    assert "wrote 42 files (18 catalogues, 18 outputs, 6 templates); --verbose lists them" in result.output
    assert "wrote site/tr/guide0.md" not in result.output
    (root / "docs" / "guide0.md").write_text("# Guide zero\n", encoding="utf-8")
    result = invoke(root, "sync", "--verbose")
    assert "wrote site/tr/guide0.md" in result.output and "up to date site/tr/guide2.md" in result.output


def test_progress_bars_show_only_the_long_stages(monkeypatch: pytest.MonkeyPatch) -> None:
    """Long: many jobs, or a while taken. A few documents in many languages are few jobs, each
    long: their stage gets a bar once it has taken a second, timed from the stage before."""
    from i18n_sync.cli import display

    stream = io.StringIO()
    monkeypatch.setattr(sys, "stderr", stream)
    now = [0.0]
    bars = display._ProgressBars(clock=lambda: now[0])
    stages = (("extract", 150, 0.001), ("update", 10, 0.05), ("render", 120, 0.001), ("update", 8, 0.3))
    seen, first_shown = [], []
    for stage, total, each in stages:
        first_shown.append(None)
        for done in range(1, total + 1):
            now[0] += each
            bars(stage, done, total)
            if bars.bar is not None and first_shown[-1] is None:
                first_shown[-1] = done
        bars.close()
        seen.append(stream.getvalue())
        stream.seek(0)
        stream.truncate()
    assert first_shown == [1, None, 1, 4]  # the slow stage: once it has taken a second
    extracting, quick, rendering, slow = seen
    assert "extracting" in extracting and "rendering" in rendering and "merging" in slow
    assert quick == ""  # 10 jobs over in half a second


@pytest.mark.skipif(not hasattr(os, "O_NOFOLLOW"), reason="needs O_NOFOLLOW")
def test_the_cache_snapshot_gives_up_on_symlinks_and_reads_plain_files(tmp_path: Path) -> None:
    (tmp_path / "docs").mkdir()
    (tmp_path / "docs" / "a.md").write_text("A\n", encoding="utf-8")
    assert read_many(tmp_path, ["docs/a.md", "docs/missing.md"]) == {
        "docs/a.md": b"A\n",
        "docs/missing.md": None,
    }
    (tmp_path / "docs" / "b.md").symlink_to(tmp_path / "docs" / "a.md")
    assert read_many(tmp_path, ["docs/a.md", "docs/b.md"]) is None
    outside = tmp_path.parent / f"{tmp_path.name}-outside"
    outside.mkdir()
    (outside / "c.md").write_text("C\n", encoding="utf-8")
    (tmp_path / "linked").symlink_to(outside)
    assert read_many(tmp_path, ["linked/c.md"]) is None


# --- The pool and the garbage collector ---------------------------------------------------------


def _freeze_count(_: int) -> int:
    import gc

    return gc.get_freeze_count()


@pytest.mark.skipif(not hasattr(os, "fork"), reason="the pool forks only where there is fork")
def test_the_pool_freezes_what_workers_inherit_and_then_unfreezes_it() -> None:
    """Workers see the parent's objects frozen (a collection there would copy every page it
    walks); after the batch the parent's are collectable again, unless the program had frozen
    objects of its own, which stay frozen."""
    import gc

    from i18n_sync.project.pool import map_jobs

    assert gc.get_freeze_count() == 0
    seen = map_jobs(_freeze_count, list(range(16)), workers=2)
    assert min(seen) > 0  # in every worker
    assert gc.get_freeze_count() == 0
    gc.freeze()
    try:
        frozen = gc.get_freeze_count()
        map_jobs(_freeze_count, list(range(16)), workers=2)
        assert gc.get_freeze_count() >= frozen
    finally:
        gc.unfreeze()


def test_the_number_of_workers_is_the_cores_or_what_the_variable_says() -> None:
    from i18n_sync.project.pool import JOBS_VARIABLE, worker_count

    cores = worker_count({})
    assert cores >= 1
    assert worker_count({JOBS_VARIABLE: ""}) == worker_count({JOBS_VARIABLE: "  "}) == cores
    assert worker_count({JOBS_VARIABLE: "3"}) == 3
    assert worker_count({JOBS_VARIABLE: " 12 "}) == 12


def _cgroup_tree(root: Path, own: str, files: dict[str, str]) -> str:
    """A /proc/self/cgroup saying `own`, and cgroup files under /sys/fs/cgroup: a fake root."""
    (root / "proc" / "self").mkdir(parents=True)
    (root / "proc" / "self" / "cgroup").write_text(own, encoding="utf-8")
    for name, text in files.items():
        path = root / "sys" / "fs" / "cgroup" / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="ascii")
    return str(root)


@pytest.mark.parametrize(
    ("own", "files", "cpus"),
    [
        ("0::/\n", {}, None),  # no controller files: no limit known
        ("0::/\n", {"cpu.max": "max 100000\n"}, None),
        ("0::/\n", {"cpu.max": "200000 100000\n"}, 2.0),  # a container's own, at the root
        ("0::/\n", {"cpu.max": "150000 100000\n"}, 1.5),
        ("0::/ci/job\n", {"ci/cpu.max": "100000 100000\n", "ci/job/cpu.max": "max 100000\n"}, 1.0),
        ("0::/ci/job\n", {"ci/cpu.max": "400000 100000\n", "ci/job/cpu.max": "300000 100000\n"}, 3.0),
        ("4:cpu,cpuacct:/docker/x\n", {"cpu,cpuacct/cpu.cfs_quota_us": "-1\n"}, None),
        (
            "4:cpu,cpuacct:/docker/x\n",
            {
                "cpu,cpuacct/docker/x/cpu.cfs_quota_us": "50000\n",
                "cpu,cpuacct/docker/x/cpu.cfs_period_us": "100000\n",
            },
            0.5,
        ),
        ("1:cpu:/\n", {"cpu/cpu.cfs_quota_us": "300000\n", "cpu/cpu.cfs_period_us": "100000\n"}, 3.0),
        ("0::/\n", {"cpu.max": "lots\n"}, None),  # unreadable as a quota: ignored
        ("0::/\n", {"cpu.max": "100000 0\n"}, None),
        ("0::/../../etc\n", {"cpu.max": "100000 100000\n"}, 1.0),  # ".." never leaves the mount
    ],
)
def test_a_containers_cpu_limit_is_read_from_its_cgroup(
    tmp_path: Path, own: str, files: dict[str, str], cpus: float | None
) -> None:
    from i18n_sync.project.pool import cgroup_cpus

    assert cgroup_cpus(_cgroup_tree(tmp_path, own, files)) == cpus


def test_the_workers_are_the_cores_a_containers_cpu_limit_allows(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Rounded up, never more than the cores, never fewer than one; I18N_SYNC_JOBS still rules."""
    from i18n_sync.project import pool

    monkeypatch.setattr(pool.os, "sched_getaffinity", lambda pid: set(range(64)), raising=False)
    for limit, workers in [(None, 64), (2.0, 2), (1.5, 2), (0.5, 1), (0.01, 1), (128.0, 64)]:
        monkeypatch.setattr(pool, "cgroup_cpus", lambda limit=limit: limit)
        assert pool.worker_count({}) == workers
        assert pool.worker_count({pool.JOBS_VARIABLE: "3"}) == 3


@pytest.mark.parametrize("value", ["abc", "0", "-2", "2.5", "4 cores", "\u00b2", "\u0663"])
def test_a_jobs_value_other_than_a_whole_number_of_one_or_more_is_refused(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, value: str
) -> None:
    """A typo must not run on every core without a word, nor end in a traceback ("\u00b2" is a
    digit to `str.isdigit`, not to `int`); nothing is written. A run the memo would answer
    refuses it too."""
    from i18n_sync.project.pool import JOBS_VARIABLE

    root = make_docs(tmp_path, count=2)
    for first in (True, False):
        if not first:  # two runs: the second finds nothing to do, so the memo answers the next
            monkeypatch.delenv(JOBS_VARIABLE)
            assert invoke(root, "sync").exit_code == invoke(root, "sync").exit_code == 0
        before = {path: path.read_bytes() for path in root.rglob("*") if path.is_file()}
        monkeypatch.setenv(JOBS_VARIABLE, value)
        result = invoke(root, "sync")
        assert result.exit_code == 2, result.output
        assert f"Error: {JOBS_VARIABLE}={value!r} is not a number of processes; " in result.stderr
        assert "unset it to use every core" in result.stderr
        assert isinstance(result.exception, SystemExit)  # a usage error, not a crash
        assert {path: path.read_bytes() for path in root.rglob("*") if path.is_file()} == before


@pytest.mark.parametrize("workers", [1, 2, 3, 8])
def test_spans_hand_out_every_job_once_in_order_the_last_ones_short(workers: int) -> None:
    """Each job is in one span, in order; a span is never longer than the one before it, and
    the last spans are short, so that no worker ends the pool alone with a long one."""
    from i18n_sync.project.pool import spans

    for total in [*range(0, 40), 94, 1974, 4000]:
        cut = spans(total, workers)
        assert [index for start, stop in cut for index in range(start, stop)] == list(range(total))
        sizes = [stop - start for start, stop in cut]
        assert all(later <= earlier for earlier, later in itertools.pairwise(sizes))
        if total >= 1000:
            assert sizes[0] > 8 * sizes[-1]  # first long, last short
            assert sizes[-1] <= 4


@pytest.mark.skipif(not hasattr(fcntl_module, "F_GETPIPE_SZ"), reason="pipe sizes are Linux's")
def test_a_pools_results_go_through_a_pipe_of_a_megabyte(monkeypatch: pytest.MonkeyPatch) -> None:
    """A worker sending a span's results does not wait for this process to read them 64 KiB at
    a time: its pipe holds a megabyte where the system allows; where it does not, the pool
    runs with the pipe as it was."""
    from i18n_sync.project import pool
    from i18n_sync.project.pool import map_jobs

    limit = int(Path("/proc/sys/fs/pipe-max-size").read_text(encoding="ascii"))
    sizes: list[int] = []
    widen = pool._widen

    def widened(writer: int) -> None:
        widen(writer)
        sizes.append(fcntl_module.fcntl(writer, fcntl_module.F_GETPIPE_SZ))

    monkeypatch.setattr(pool, "_widen", widened)
    assert map_jobs(_big_result, list(range(16)), workers=2) == [_big_result(n) for n in range(16)]
    assert sizes == [min(1 << 20, limit)] * 2

    def refused(*args: object) -> int:
        raise PermissionError(1, "over the limit")

    monkeypatch.setattr(fcntl_module, "fcntl", refused)
    assert map_jobs(_big_result, list(range(16)), workers=2) == [_big_result(n) for n in range(16)]


def _big_result(number: int) -> bytes:
    return bytes([number]) * 200_000


# --- Extracting and merging in one pool of document jobs (`merging`) ---------------------------


def test_document_jobs_only_where_each_document_has_its_own_catalogues(tmp_path: Path) -> None:
    """One pool of document jobs needs each document's template and catalogues to be its own,
    and no extraction already in the job cache; else the two stages run."""
    from i18n_sync.project.jobcache import open_job_cache, source_stage
    from i18n_sync.project.merging import _one_pool_fits
    from i18n_sync.project.plan import find_sources, plan_documents

    (tmp_path / "own").mkdir()
    (tmp_path / "compact").mkdir()
    root = make_docs(tmp_path / "own", count=3)
    documents = plan_documents(load_config(root), find_sources(load_config(root)))
    assert _one_pool_fits(documents, None)
    digests = {d.source: hashlib.sha256((root / d.source).read_bytes()).digest() for d in documents}
    cache = open_job_cache(tmp_path / "jobs.cache", b"", digests)
    assert _one_pool_fits(documents, cache)  # empty
    cache.put_pickled(source_stage(cache).key(documents[1]), b"kept")
    cache.save()
    assert not _one_pool_fits(documents, open_job_cache(tmp_path / "jobs.cache", b"", digests))
    compact = make_docs(tmp_path / "compact", count=3)
    config = (compact / "i18n-sync.toml").read_text(encoding="utf-8")
    config = config.replace("locales/{path}.pot", "locales/docs.pot").replace(
        "{locale}/{path}.po", "{locale}.po"
    )
    (compact / "i18n-sync.toml").write_text(config, encoding="utf-8")
    shared = plan_documents(load_config(compact), find_sources(load_config(compact)))
    assert not _one_pool_fits(shared, None)


def test_the_cycle_collector_is_paused_while_the_jobs_run_and_put_back_after(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Paused during the jobs (in this process and in the workers forked meanwhile), and put back
    as it was after: on again after a run that failed, still off where the program had it off."""
    import gc

    root = make_docs(tmp_path, count=10)
    during: list[bool] = []
    gc.enable()
    run(load_config(root), workers=2, progress=lambda *told: during.append(gc.isenabled()))
    assert during and not any(during) and gc.isenabled()
    assert map_in_workers_while_paused() == [False] * 8

    def fails(*args: object) -> None:
        raise ConfigError("no such check; fix 'checks'")

    with monkeypatch.context() as patched:
        patched.setattr(sync, "check_policy", fails)  # in the middle of the jobs' setting up
        with pytest.raises(ConfigError):
            run(load_config(root), workers=1)
    assert gc.isenabled()
    gc.disable()
    try:
        (tmp_path / "again").mkdir()
        run(load_config(make_docs(tmp_path / "again", count=2)), workers=1)
        assert not gc.isenabled()
    finally:
        gc.enable()


def map_in_workers_while_paused() -> list[bool]:
    from i18n_sync.project.pool import collector_paused, map_jobs

    with collector_paused():
        return map_jobs(_collector_on, list(range(8)), workers=2)


def _collector_on(_: int) -> bool:
    import gc

    return gc.isenabled()


def test_the_language_names_are_looked_up_once_before_the_render_workers_fork(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Each language's own name (the switcher's label) loads its CLDR data: looked up in this
    # process while the first workers run, it is inherited by every render worker.
    from i18n_sync import locales

    monkeypatch.setenv(CACHE_VARIABLE, "off")
    root = make_docs(tmp_path, count=12)
    monkeypatch.setattr(locales, "_NATIVE_NAMES", {})  # none looked up yet in this process
    report = run(load_config(root), workers=2)
    assert {"tr", "zh-CN", "de"} <= locales._NATIVE_NAMES.keys()
    assert "[Türkçe]" in dict(report_bytes(report))["site/de/guide0.md"].decode()
