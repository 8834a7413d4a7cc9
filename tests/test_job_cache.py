"""The job cache: a run redoes only the jobs whose inputs changed, and never trusts a record blindly."""

from __future__ import annotations

import os
import pickle
from pathlib import Path

import pytest

from helpers import invoke
from i18n_sync.project import cache as run_cache_module
from i18n_sync.project import jobcache as jobcache_module
from i18n_sync.project.cache import CACHE_VARIABLE
from i18n_sync.project.combined import RunReport
from i18n_sync.project.config import load_config
from i18n_sync.project.jobs import RunContext, extract_source
from i18n_sync.project.plan import find_sources, plan_documents
from i18n_sync.project.sync import check_policy, run
from test_scale import TR, make_docs, report_bytes

# A fixed date: a template's creation date is the minute it was made, and the runs
# compared below may fall on either side of a minute.
DATE = {"SOURCE_DATE_EPOCH": "1764000000"}
NO_CACHE = {CACHE_VARIABLE: "off", **DATE}
# A run that redoes every job: 12 documents extracted and their 36 catalogues merged, a job
# per document (`merging`, told of as the merging stage), and 36 renderings.
EVERYTHING = {"update": 12, "render": 36}


@pytest.fixture(autouse=True)
def fixed_date(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SOURCE_DATE_EPOCH", DATE["SOURCE_DATE_EPOCH"])


def counted(root: Path) -> tuple[RunReport, dict[str, int]]:
    """A run (with the test's cache) and how many jobs each stage ran; a stage with none is left out."""
    totals: dict[str, int] = {}
    report = run(load_config(root), progress=lambda stage, done, total: totals.__setitem__(stage, total))
    return report, totals


def synced(tmp_path: Path) -> Path:
    """A docs tree of 12 documents in 3 languages, synced, every file up to date."""
    root = make_docs(tmp_path)
    assert invoke(root, "sync").exit_code == 0
    assert invoke(root, "sync", "--check").exit_code == 0
    return root


def without_cache(root: Path) -> list[tuple[str, bytes]]:
    return report_bytes(run(load_config(root), environ=NO_CACHE))


def test_an_edited_document_redoes_its_own_jobs_only(tmp_path: Path, run_cache: Path) -> None:
    root = synced(tmp_path)
    source = root / "docs" / "guide4.md"
    source.write_text(source.read_text(encoding="utf-8") + "\nA new paragraph.\n", encoding="utf-8")
    report, totals = counted(root)
    # One document read, its catalogue merged and its output rendered in each of 3 languages.
    assert totals == {"extract": 1, "update": 3, "render": 3}
    assert report_bytes(report) == without_cache(root)
    assert any(path == "locales/tr/guide4.po" for path, _ in report_bytes(report))
    # Once those files are written, the next run merges the three catalogues it wrote (their
    # bytes changed) and finds nothing else to do; the run after that is the run memo's.
    assert invoke(root, "sync").exit_code == 0
    report, totals = counted(root)
    assert totals == {"update": 3, "render": 3}
    assert all(change.current for change in report.changes)
    assert counted(root)[1] == {}


def test_a_translated_catalogue_redoes_its_language_only(tmp_path: Path, run_cache: Path) -> None:
    root = synced(tmp_path)
    (root / "locales" / "tr" / "part" / "guide1.po").write_text(TR.format(number=1), encoding="utf-8")
    report, totals = counted(root)
    # The Turkish memory changed, so every Turkish catalogue is merged again; the translated
    # heading moves an anchor, so every Turkish output is rendered again. Nothing else is.
    assert totals == {"update": 12, "render": 12}
    assert report_bytes(report) == without_cache(root)
    outputs = dict(report_bytes(report))
    assert "# Kılavuz 1" in outputs["site/tr/part/guide1.md"].decode("utf-8")


def test_a_damaged_job_cache_is_ignored_and_rebuilt(tmp_path: Path, run_cache: Path) -> None:
    root = synced(tmp_path)
    (record,) = run_cache.glob("jobs-*")
    good = record.read_bytes()
    source = root / "docs" / "guide4.md"
    for number, damaged in enumerate(
        (good[:-7], good[:40] + bytes([good[40] ^ 1]) + good[41:], b"", b"junk")
    ):
        record.write_bytes(damaged)
        source.write_text(source.read_text(encoding="utf-8") + f"\nParagraph {number}.\n", encoding="utf-8")
        report, totals = counted(root)
        assert totals == EVERYTHING, "a damaged record was trusted"
        assert report_bytes(report) == without_cache(root)
        # Rebuilt: the next change redoes its own jobs only.
        source.write_text(source.read_text(encoding="utf-8") + "\nOne more.\n", encoding="utf-8")
        assert counted(root)[1] == {"extract": 1, "update": 3, "render": 3}


def test_a_new_version_of_the_tool_redoes_everything(
    tmp_path: Path, run_cache: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    root = synced(tmp_path)
    source = root / "docs" / "guide4.md"
    source.write_text(source.read_text(encoding="utf-8") + "\nA new paragraph.\n", encoding="utf-8")
    monkeypatch.setattr(run_cache_module, "tool_fingerprint", lambda: "another version")
    assert counted(root)[1] == EVERYTHING


def test_the_same_files_with_and_without_the_cache_after_many_changes(
    tmp_path: Path, run_cache: Path
) -> None:
    root = synced(tmp_path)
    edits = [
        ("docs/guide2.md", "# Guide 2 renamed\n\nSee [the next guide](part/guide3.md).\n"),
        ("locales/tr/guide0.po", TR.format(number=0)),
        ("docs/part/guide5.md", "# Guide 5\n\nNew text, and a link [home](../guide0.md#guide-0).\n"),
        ("i18n-sync.toml", (root / "i18n-sync.toml").read_text(encoding="utf-8") + "notice = false\n"),
    ]
    for path, text in edits:
        (root / path).write_text(text, encoding="utf-8")
        cached = run(load_config(root))
        assert report_bytes(cached) == without_cache(root), f"after editing {path}"
        assert invoke(root, "sync").exit_code == 0
        assert invoke(root, "sync", "--check").exit_code == 0


def test_results_outlive_a_run_that_did_not_need_them(tmp_path: Path, run_cache: Path) -> None:
    root = synced(tmp_path)
    source = root / "docs" / "guide4.md"
    source.write_text(source.read_text(encoding="utf-8") + "\nA new paragraph.\n", encoding="utf-8")
    totals: dict[str, int] = {}
    run(load_config(root), languages=("tr",), progress=lambda s, d, t: totals.__setitem__(s, t))
    assert totals == {"extract": 1, "update": 1, "render": 1}  # a CI job for Turkish only
    # The whole run after it still finds the other languages' results: only guide4 is new.
    assert counted(root)[1] == {"update": 2, "render": 2}


def kept_entries(run_cache: Path) -> int:
    (record,) = run_cache.glob("jobs-*")
    return len(jobcache_module._load(record))


def test_a_sync_does_not_keep_what_its_own_writes_make_stale(tmp_path: Path, run_cache: Path) -> None:
    # A catalogue the sync rewrites has other bytes next run, so its merge has another key,
    # and so do the renderings made from it: kept, they would only fill the cache.
    root = make_docs(tmp_path)
    assert invoke(root, "sync").exit_code == 0
    # A first sync writes every catalogue: it keeps the 12 extractions, not the 36 merges
    # and 36 renderings, which no later run asks for; and each language's name for itself.
    names = 3
    assert kept_entries(run_cache) == 12 + names
    assert counted(root)[1] == {"update": 36, "render": 36}
    # A run that writes nothing (status, --check) keeps all it made, the files staying as it
    # found them: 36 merges, 36 renderings, each catalogue's translation memory, and each of
    # the 12 templates, which their files hold (`jobcache.template_file`).
    assert kept_entries(run_cache) == 12 + names + 36 + 36 + 36 + 12
    source = root / "docs" / "guide4.md"
    source.write_text(source.read_text(encoding="utf-8") + "\nA new paragraph.\n", encoding="utf-8")
    assert invoke(root, "sync").exit_code == 0
    # The sync keeps guide4's new extraction; its three merges it wrote over are not kept, nor
    # its template, which it wrote over too.
    assert kept_entries(run_cache) == 12 + names + 36 + 36 + 36 + 12 + 1
    assert counted(root)[1] == {"update": 3, "render": 3}


def test_a_render_reads_no_template(tmp_path: Path, run_cache: Path) -> None:
    # A run that writes neither templates nor catalogues never shows a template's header:
    # it takes the entries from the sources and reads no template file, so it has nothing
    # to say of a damaged one, and the run's date does not move its job cache's keys.
    root = synced(tmp_path)
    (root / "locales" / "tr" / "part" / "guide1.po").write_text(TR.format(number=1), encoding="utf-8")
    rendered = run(load_config(root), ("render",), NO_CACHE)
    for template in (root / "locales").rglob("*.pot"):
        template.write_text('msgid "damaged\n', encoding="utf-8")
    totals: dict[str, int] = {}
    for date in ("1764000000", "1764999999"):
        for record in run_cache.glob("run-*"):
            record.unlink()  # the run memo forgotten: each job meets the job cache
        totals.clear()
        environ = {**os.environ, "SOURCE_DATE_EPOCH": date}
        report = run(
            load_config(root), ("render",), environ, progress=lambda s, d, t: totals.__setitem__(s, t)
        )
        assert report_bytes(report) == report_bytes(rendered)
        assert report.diagnostics == rendered.diagnostics
    assert totals == {}  # the second run, at another date: every result from the cache


def test_the_run_memo_of_a_render_reads_no_template(
    tmp_path: Path, run_cache: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The run memo keys a run by the files its result depends on: a render's do not include
    # the templates, so it neither looks at them nor runs again when only a template changed.
    root = synced(tmp_path)
    wanted: list[str] = []
    real = run_cache_module.observe

    def observe(root: Path, relatives: list[str], *args: object) -> object:
        wanted.extend(relatives)
        return real(root, relatives, *args)  # type: ignore[arg-type]

    monkeypatch.setattr(run_cache_module, "observe", observe)
    run(load_config(root), ("render",))
    assert wanted and not [path for path in wanted if path.endswith(".pot")]
    wanted.clear()
    run(load_config(root), ("update",))  # new catalogues take their header from the template
    assert len([path for path in wanted if path.endswith(".pot")]) == 12


def test_a_first_run_spells_only_the_keys_of_what_it_keeps(tmp_path: Path) -> None:
    # A key hashes the job's inputs (a whole template, a whole site): a run with an empty
    # cache has nothing to look up, and spells the key of a result only to keep it.
    spelled: list[int] = []
    ran: list[int] = []

    def key(job: int) -> str:
        spelled.append(job)
        return f"job {job}"

    def work(job: int) -> int:
        ran.append(job)
        return job * 10

    # Even jobs are kept; odd ones are not (as a merge whose catalogue the run rewrites).
    how = jobcache_module.Cached(
        key,
        lambda job, result: result if job % 2 == 0 else None,
        lambda job, kept: kept,
        lambda kept: isinstance(kept, int),
    )
    file = tmp_path / "jobs.cache"
    cache = jobcache_module.open_job_cache(file, b"base", {})
    assert cache.empty
    results, keys = jobcache_module.map_cached(cache, how, work, list(range(6)), workers=1)
    assert results == [0, 10, 20, 30, 40, 50]
    assert spelled == [0, 2, 4]
    assert keys == ["job 0", None, "job 2", None, "job 4", None]
    assert cache.save()
    # The next run looks every job up, and runs only those the cache lacks.
    spelled.clear()
    ran.clear()
    cache = jobcache_module.open_job_cache(file, b"base", {})
    assert not cache.empty
    results, keys = jobcache_module.map_cached(cache, how, work, list(range(6)), workers=1)
    assert results == [0, 10, 20, 30, 40, 50]
    assert spelled == [0, 1, 2, 3, 4, 5]
    assert ran == [1, 3, 5]
    assert keys == ["job 0", None, "job 2", None, "job 4", None]


def test_a_catalogue_kept_as_it_was_is_pickled_once(tmp_path: Path, run_cache: Path) -> None:
    """A catalogue the run leaves as it is carries its bytes and the bytes read as one object,
    so each pickle the job cache keeps of it holds them once."""
    import pickle

    from i18n_sync.project.jobs import CatalogueResult

    root = synced(tmp_path)
    run(load_config(root))  # keeps the merges of the catalogues the first sync wrote
    kept = jobcache_module._load(next(run_cache.glob("jobs-*.cache")))
    merges = [pickle.loads(data) for _, data in kept.values()]
    results = [value for value in merges if isinstance(value, CatalogueResult) and value.change]
    assert len(results) == 36
    for result in results:
        change = result.change
        assert change is not None and change.current and change.content is change.original
        assert pickle.dumps(change).count(change.content) == 1


def test_an_extraction_is_kept_and_sent_without_its_plan(tmp_path: Path, run_cache: Path) -> None:
    """What the cache keeps of an extraction, which a worker sends as it is, leaves out the
    document's plan (every path of it in every language: its job holds it), and the plan is
    given back: the run is the same, with a first run's two workers and a cached run's."""
    root = make_docs(tmp_path)
    config = load_config(root)
    documents = plan_documents(config, find_sources(config))
    context = RunContext(config, frozenset({"extract"}), "2025-11-24 16:00+0000", check_policy(config))
    source = extract_source(context, documents[0])
    how = jobcache_module.source_stage(jobcache_module.open_job_cache(tmp_path / "jobs", b"base", {}))
    kept = how.store(documents[0], source)
    assert kept is not None and kept.plan == jobcache_module._UNPLANNED and how.rebuilds
    assert b"locales" not in pickle.dumps(kept) and b"locales" in pickle.dumps(source)
    assert how.restore(documents[0], kept) == source
    sent, data = jobcache_module.kept_of(how, True, documents[0], source)  # on a worker: the pickle alone
    assert sent is None and data is not None and how.restore(documents[0], pickle.loads(data)) == source
    assert jobcache_module.kept_of(how, False, documents[0], source)[0] is source  # in this process
    first = report_bytes(run(config, workers=2))
    assert first == without_cache(root) == report_bytes(run(config, workers=2))  # the second from the cache


def test_a_save_keeps_what_was_used_lately_read_back_from_its_file_or_given(tmp_path: Path) -> None:
    """A save keeps the entries this run used or made, stamped with its number, and the others
    used in the last saves (`_KEPT_FOR`); older ones go. The same whether the entries came
    from a file or were given."""
    file = tmp_path / "jobs.cache"
    newest = 10
    given = {f"{n:064x}": (newest - n, pickle.dumps(n)) for n in range(8)}  # saves 10 down to 3
    first = jobcache_module.JobCache(file, b"base", given, {})
    assert first.get(f"{7:064x}") == 7  # a hit on an entry of save 3: stamped 11
    first.put("new", 5)
    assert first.save()
    packed = jobcache_module._load(file)
    stale = {f"{n:064x}" for n in range(7) if newest - n <= newest + 1 - jobcache_module._KEPT_FOR}
    assert set(packed) == set(given) - stale | {"new"}
    assert packed[f"{7:064x}"][0] == packed["new"][0] == newest + 1
    assert bytes(packed["new"][1]) == pickle.dumps(5, jobcache_module.PROTOCOL)
    # Read back, the next run stamps what it uses with the save after, and keeps the rest
    # for as long as a dict of the same entries would.
    for entries in (packed, dict(reversed(packed.items()))):
        again = jobcache_module.JobCache(file, b"base", entries, {})
        assert again.get("new") == 5
        again.put("newer", 6)
        assert again.save()
        kept = jobcache_module._load(file)
        assert kept["new"][0] == kept["newer"][0] == newest + 2
        assert set(kept) == {
            k for k, (save, _) in packed.items() if save > newest + 2 - jobcache_module._KEPT_FOR
        } | {
            "new",
            "newer",
        }


@pytest.mark.parametrize("edit", ["header", "entries"])
def test_a_catalogue_merge_is_redone_when_its_own_template_file_changes(
    tmp_path: Path, run_cache: Path, edit: str
) -> None:
    """A template of one document is spelled in the merge's key by its document and, in a run
    that reads it, by its file's bytes: a template file edited by hand (its header, or an entry
    the next run takes back out) gives the same catalogues as a run without the cache."""
    root = synced(tmp_path)
    template = root / "locales" / "guide4.pot"
    text = template.read_text(encoding="utf-8")
    if edit == "header":
        older = 'POT-Creation-Date: 2001-01-01 00:00+0000\\n"\n"X-Old: '
        edited = text.replace("POT-Creation-Date: ", older)
    else:
        edited = text + '\nmsgid "An entry of no document"\nmsgstr ""\n'
    assert edited != text
    template.write_text(edited, encoding="utf-8")
    report, totals = counted(root)
    assert totals["update"] >= 1
    assert report_bytes(report) == without_cache(root)


def test_a_run_in_two_stages_finds_the_merges_a_run_of_document_jobs_kept(
    tmp_path: Path, run_cache: Path
) -> None:
    """The first run merges in document jobs (`merging._in_one_pool`), a run whose cache holds
    the extractions in two stages; each spells the key of a merge whose template is its
    document's own alike, so the second finds the first's merges."""
    root = synced(tmp_path)
    for record in run_cache.iterdir():  # the merges kept again by a run of document jobs alone
        record.unlink()
    assert invoke(root, "sync", "--check").exit_code == 0
    (root / "docs" / "new.md").write_text("# New\n\nA new page.\n", encoding="utf-8")
    report, totals = counted(root)
    assert totals == {"extract": 1, "update": 3, "render": 3}
    assert report_bytes(report) == without_cache(root)
