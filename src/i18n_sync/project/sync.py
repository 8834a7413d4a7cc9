"""The main job: extract, update and render every document in every language.

`run` plans the documents, runs one job per document (`project.jobs`; on
every core, `project.pool`), combines their records in one place
(`combined.Combined`), and then publishes every output, again as independent
jobs. It returns the files it wants written as `FileChange`s: the caller writes
them (`writing.apply_changes`) or, for ``--check``, only compares them.
"""

from __future__ import annotations

import os
from collections import ChainMap
from collections.abc import Callable, Collection, Mapping, MutableMapping, Sequence
from contextlib import nullcontext
from dataclasses import replace
from functools import cache as cache_function
from functools import partial
from typing import cast

from i18n_sync.checks.translation import Policy, make_policy
from i18n_sync.errors import ConfigError, Diagnostic
from i18n_sync.gettext.catalog import creation_date
from i18n_sync.project.ahead import listed
from i18n_sync.project.background import Background
from i18n_sync.project.cache import RunMemo, cache_warning, memo_kind, memo_over, memo_reads, quick_memo
from i18n_sync.project.cachefiles import conforms
from i18n_sync.project.combined import Combined, LanguageReport, RunReport
from i18n_sync.project.config import Config
from i18n_sync.project.inputs import find_compendia, listing_digest, needed_languages, read_paths
from i18n_sync.project.jobcache import (
    JobCache,
    map_cached,
    memory_stage,
    recalled_native_names,
)
from i18n_sync.project.jobs import (
    RunContext,
)
from i18n_sync.project.memory import (
    catalogue_suggestions,
    gather_memories,
    memory_catalogues,
)
from i18n_sync.project.merging import Stages, extract_and_merge
from i18n_sync.project.names import may_show_switcher, names_ahead, names_meanwhile, unnamed_languages
from i18n_sync.project.plan import (
    SourceDocument,
    checked_paths,
    find_sources,
    output_paths,
    plan_documents,
    targets_checked,
)
from i18n_sync.project.pool import collector_paused, worker_count
from i18n_sync.project.snapshot import present
from i18n_sync.project.staging import Staging

STEPS = ("extract", "update", "render")

Progress = Callable[[str, int, int], None]
"""Told ``(stage, done, total)`` as a run's jobs finish; the stages are the `STEPS`."""


def run(
    config: Config,
    steps: Collection[str] = STEPS,
    environ: Mapping[str, str] = os.environ,
    workers: int | None = None,
    languages: Collection[str] = (),
    progress: Progress | None = None,
    force: bool = False,
    seeds: Mapping[str, bytes | None] | None = None,
    staging: Staging | None = None,
) -> RunReport:
    """Run the given steps over every document of the project.

    `workers` is the number of processes (default: `pool.worker_count`); the
    result is the same whatever it is. `languages` (BCP 47 tags) narrows the
    run to those languages, for CI jobs that share the languages out: their
    outputs are the same bytes as a whole run writes. A run identical to an
    earlier one that found nothing to do returns that run's report
    (`project.cache`). `progress` hears of every finished job. An output that
    exists and was not written by the tool is left alone and reported as an
    error, unless `force` is set (see `ownership`). `seeds` gives catalogues
    and templates to read from these bytes instead of their files (see
    `jobs.RunContext`); such a run is never cached. With `staging`, the files
    known before the outputs are written to temporary files while the outputs
    are rendered; give it to `writing.apply_changes`, which renames them.
    """
    # Read before the memo can answer: a malformed variable is refused on every run, not
    # only on one with work to do (`check_environment` reads them the same way).
    workers = worker_count(dict(environ)) if workers is None else workers
    date = creation_date(environ)
    scan = listed(config)
    candidates = scan.candidates
    memo_steps = (*steps, *(f"lang:{tag}" for tag in languages), *(("force",) if force else ()))
    compendia = find_compendia(config) if seeds is None else None
    listing = None if compendia is None else listing_digest(candidates, compendia)
    kind = memo_kind(languages)
    quick = None if listing is None else quick_memo(config, memo_steps, listing, environ, kind, workers)
    remembered = _recalled(quick)
    if quick is not None and remembered is not None:
        quick.keep_plan()
        return remembered
    needed = needed_languages(config, languages)
    # The switchers' language names, looked up on the core the planning leaves idle.
    looking = names_meanwhile(config, steps, workers)
    with looking or nullcontext():
        # A run given `seeds` reads no memo: its plan checks its paths, as any plan does.
        documents = plan_documents(config, scan.sources(), needed, check=seeds is not None)
        memo = None
        cache: JobCache | None = None
        if seeds is None:

            @cache_function
            def run_paths() -> list[str]:
                return sorted({*read_paths(config, documents, steps, compendia, needed), *candidates})

            # The paths are checked while the files, and the job cache, are read: by another
            # process on a docs tree, which starts before they are listed where it can. Nothing
            # is written before the verdict, nor kept (the plan).
            aside = workers > 1 and memo_reads(quick, config, run_paths, environ)
            with targets_checked(documents, config, needed, aside):
                paths = run_paths()
                memo = memo_over(quick, config, memo_steps, paths, environ, listing or b"", kind)
                remembered = None if memo is quick else _recalled(memo)
                cache = memo.jobs(config) if memo is not None and remembered is None else None
            if memo is not None and remembered is not None:
                memo.keep_plan(checked_paths(documents, needed))  # the next run need not plan
                return remembered
        # Why the cache is off, asked only when it is: the same look at its folder as `open_memo`.
        warning = cache_warning(config, environ) if memo is None and seeds is None else None
        files = memo.snapshot if memo is not None else {}
        combined = execute(
            config,
            steps,
            environ,
            workers,
            documents,
            languages,
            progress,
            force,
            cache,
            seeds or {},
            staging,
            files,
            date,
            looking=looking,
        )
    report = combined.result()
    if warning is not None:
        report = replace(report, diagnostics=(warning, *report.diagnostics))
    if memo is not None:
        memo.remember(
            report.changes, bool(report.errors), replace(report, changes=()), checked_paths(documents, needed)
        )
    if cache is not None:
        cache.save()
    return report


def check_environment(environ: Mapping[str, str] = os.environ) -> None:
    """Raise `UsageError` for a malformed ``I18N_SYNC_JOBS`` or ``SOURCE_DATE_EPOCH``, as a run
    would: for a command that writes or serves something before its run reads them."""
    worker_count(dict(environ))
    creation_date(environ)


def _recalled(memo: RunMemo | None) -> RunReport | None:
    """The report the memo remembers, if any.

    A run is remembered without its changes (it had none to make): a record that holds
    some, or fields of other types, was not written by this code, and is not trusted.
    """
    remembered = None if memo is None else memo.recall()
    if isinstance(remembered, RunReport) and conforms(remembered, RunReport) and not remembered.changes:
        return remembered
    return None


@collector_paused()
def execute(
    config: Config,
    steps: Collection[str],
    environ: Mapping[str, str],
    workers: int | None = None,
    documents: Sequence[SourceDocument] | None = None,
    languages: Collection[str] = (),
    progress: Progress | None = None,
    force: bool = False,
    cache: JobCache | None = None,
    seeds: Mapping[str, bytes | None] | None = None,
    staging: Staging | None = None,
    files: Mapping[str, bytes | None] | None = None,
    date: str | None = None,
    needed: Collection[str] | None = None,
    looking: Background[dict[str, str]] | None = None,
) -> Combined:
    """The run's jobs, combined: `run` without its memo (for `status`, which wants every record).

    `cache`, `seeds`, `staging` and `files` are `run`'s; see there. `date` is the
    templates' creation date (default: `creation_date` of `environ`). `needed` is the
    languages merged (default: `needed_languages`, which adds to `languages` those whose
    figures a rendering needs). `looking` is looking up the languages' names for the
    switchers in a process of its own (`names.names_meanwhile`). Python's cycle collector is
    paused meanwhile (`pool.collector_paused`).
    """
    if documents is None:
        documents = plan_documents(config, find_sources(config))
    if workers is None:
        workers = worker_count(dict(environ))
    warnings: list[Diagnostic] = []
    chosen = set(languages) or {language.tag for language in config.languages}
    needed = needed_languages(config, languages) if needed is None else set(needed)
    memories = {}
    # Read as the jobs read them (`RunContext`); not copied: a snapshot reads most files only
    # when asked (`snapshot.Snapshot`).
    given: Mapping[str, bytes | None] = files or {}
    if seeds:  # the seeds first, then the files (a lookup, never a write: no copy is made)
        given = ChainMap(dict(seeds), cast(MutableMapping[str, bytes | None], given))
    if "update" in steps:
        # A catalogue the snapshot found missing has nothing to give: no job for it (a first run).
        paths = [p for p in memory_catalogues(config, documents, needed) if present(given, p)]
        read = partial(catalogue_suggestions, config, seeds=given)
        found, _ = map_cached(cache, memory_stage(cache, config) if cache else None, read, paths, workers)
        memories = gather_memories(config, documents, warnings, dict(zip(paths, found, strict=True)), needed)
    policy = check_policy(config)
    date = creation_date(environ) if date is None else date
    # The languages' names an earlier run looked up: the run's own, for its switchers.
    switched = "render" in steps and may_show_switcher(config, (d.source for d in documents), given)
    unnamed = unnamed_languages(config) if switched else []
    names = {} if cache is None else recalled_native_names(cache, unnamed)
    if looking is not None and all(tag in names for tag in unnamed):  # none to name, or all known
        looking.stop()
        looking = None
    context = RunContext(
        config,
        frozenset(steps),
        date,
        policy,
        memories,
        seeds or {},
        files or {},
        tuple(sorted(names.items())),
    )
    planned = output_paths(documents)
    combined = Combined(config, chosen, force, planned=planned, cache=cache, staging=staging)
    combined.diagnostics += warnings
    combined.reports = {language.tag: LanguageReport(language) for language in config.languages}
    told = _stage(progress)
    staged = chosen if staging is not None else ()  # not a language merged only for its figures
    # The render stage's workers, forked later, inherit what this process looks up meanwhile.
    ahead = partial(names_ahead, config, cache, names, looking) if switched else None
    stages = Stages(context, cache, workers, needed, staged, staging, told, combined.add_document, ahead)
    jobs, keys = extract_and_merge(stages, documents)
    # What each document's rendering in each language is made from, for the job cache.
    for job, key in zip(jobs, keys, strict=False):
        for index, member in enumerate(job.members):
            origin = None if key is None else f"{key}:{index}"
            combined.origins[(member.target.language.tag, member.source.plan.source)] = origin
    if "render" in steps:
        combined.publish_all(context, documents, workers, told("render"))
    return combined


def _stage(progress: Progress | None) -> Callable[[str], Callable[[int, int], None] | None]:
    """`progress` with the stage filled in, for `map_jobs`."""
    return lambda stage: None if progress is None else partial(progress, stage)


# --- i18n-sync check ---------------------------------------------------------------------------


def check_policy(config: Config) -> Policy:
    """The project's check levels; `ConfigError` for an unknown check or a lowered mandatory one."""
    try:
        return make_policy(config.settings.checks, config.settings.checks_off)
    except ValueError as error:
        key = "checks_off" if "'checks_off'" in str(error) else "checks"
        raise ConfigError(f"{error}; fix '{key}'", config.file) from None
