"""The run's first two stages: extract every document, then merge every catalogue with its template.

Two pools of workers (`pool.map_jobs`), the second waiting for the first: a
template is built from the extractions of the documents it serves, and every
language's catalogue is merged with it. Or one pool, when each document has a
template and catalogues of its own and the job cache has none of its
extractions (a first run): a document job extracts its document, builds its
template and merges its catalogues (`document_job`), so that no worker waits
for the others, nor for this process, between the two stages; this process
gathers each document's records as its job comes (`Stages.gather`). The run
gets the same records, in the same order, either way.
"""

from __future__ import annotations

import pickle
from collections import Counter
from collections.abc import Callable, Collection, Mapping, Sequence
from dataclasses import replace
from functools import partial
from typing import TypeVar

from i18n_sync.model import Catalog, FileChange
from i18n_sync.project.jobcache import (
    Cached,
    JobCache,
    catalogue_stage,
    kept_of,
    kept_template,
    map_cached,
    source_stage,
    template_file,
)
from i18n_sync.project.jobs import (
    CatalogueJob,
    CatalogueResult,
    Member,
    RunContext,
    SourceResult,
    TemplateResult,
    build_template_file,
    extract_source,
    process_catalogue,
)
from i18n_sync.project.plan import SourceDocument
from i18n_sync.project.pool import forks, map_jobs
from i18n_sync.project.staging import Staged, Staging
from i18n_sync.record import record

T = TypeVar("T")
R = TypeVar("R")

Told = Callable[[str], Callable[[int, int], None] | None]
"""The run's progress for a stage ("extract", "update"), as `map_jobs` hears it."""

Gather = Callable[
    [
        SourceResult,
        Mapping[str, TemplateResult],
        Mapping[tuple[str, str], tuple[CatalogueJob, CatalogueResult]],
    ],
    None,
]
"""Given each document's records, in document order: its extraction, the templates (its own
among them), and its part of each catalogue by (language, path), with the catalogue's job."""


@record
class Stages:
    """What the two stages are given: the run's context and cache, the number of workers, the
    languages to merge and those whose catalogues to write (to `staging`, as they come), where
    progress goes (`told`) and where each document's records go (`gather`); and `ahead`, work
    of this process for a later stage, done while the first workers run (`pool.map_jobs`'s
    `meanwhile`), before their first results come."""

    context: RunContext
    cache: JobCache | None
    workers: int
    languages: Collection[str]
    written: Collection[str]
    staging: Staging | None
    told: Told
    gather: Gather
    ahead: Callable[[], object] | None = None


@record
class DocumentOutcome:
    """What a document job sends back: its extraction, its template, its catalogues' merges.

    Each record the job cache keeps comes pickled by the worker, beside it (as
    `jobcache.kept_of` sends it), with its key; a result sent only so is None.
    """

    source: SourceResult | None
    source_kept: bytes | None
    template: TemplateResult | None
    merges: tuple[tuple[CatalogueResult | None, bytes | None], ...]
    # The job-cache key of the extraction and of each merge the cache keeps (None: not kept).
    # Made by the worker: a key spells out its job's records (`JobCache.key`), work this
    # process did alone after the pool (a render of 652 documents: 16 ms, on 2 cores as
    # much longer in the pool, on more a cut).
    source_key: str | None = None
    merge_keys: tuple[str | None, ...] = ()
    # What the worker wrote ahead (`Staging.stage_here`): the template's file, then each merged
    # catalogue's, None for one not to be written; empty when the worker was not to write.
    staged: tuple[Staged | None, ...] = ()
    # The template's key and pickle, when the job cache keeps it (`jobcache.kept_template`).
    template_kept: tuple[str, bytes] | None = None


def extract_and_merge(
    stages: Stages, documents: Sequence[SourceDocument]
) -> tuple[list[CatalogueJob], list[str | None]]:
    """Extract every document and merge each of its catalogues in the stages' languages.

    Each document's records go to `Stages.gather`, in document order. Returns every
    catalogue job, in document order, and the job-cache key of each one's result
    (None: the cache did not keep it; none without a cache). With `Stages.staging`,
    each template and each catalogue of a language in `Stages.written` is written
    to a temporary file as it comes (`staging.Staging`), while the workers go on.
    """
    context, cache, staging = stages.context, stages.cache, stages.staging
    languages = stages.languages if context.steps & {"update", "render"} else ()
    if _one_pool_fits(documents, cache):
        return _in_one_pool(stages, documents, languages)
    how = source_stage(cache) if cache else None
    early, build_early = _early_templates(context, cache, documents)
    extract = partial(extract_source, context)
    told = stages.told("extract")
    sources, _ = map_cached(cache, how, extract, documents, stages.workers, told, stages.ahead, build_early)
    templates = _build_templates(context, cache, sources, early)
    jobs = _catalogue_jobs(sources, templates, languages)
    stage = catalogue_stage(cache, context, rewrites=staging is not None) if cache else None
    # While the workers merge, this process has little to do: it writes the templates, then
    # each catalogue as it comes, to temporary files.
    meanwhile = each = None
    if staging is not None:
        meanwhile = partial(staging.stage, [t.change for t in templates.values() if t.change], flush=False)
        written = {job.path for job in jobs if _language(job) in stages.written}
        each = partial(_stage_catalogue, staging, written)
    merge = partial(process_catalogue, context)
    told = stages.told("update")
    results, keys = map_cached(cache, stage, merge, jobs, stages.workers, told, meanwhile, each)
    catalogues = {
        (_language(job), job.path): (job, result) for job, result in zip(jobs, results, strict=True)
    }
    for source in sources:
        stages.gather(source, templates, catalogues)
    return jobs, keys


def _one_pool_fits(documents: Sequence[SourceDocument], cache: JobCache | None) -> bool:
    """Whether the stages can run as document jobs: no template or catalogue serves two
    documents, and the job cache has none of the extractions (it would have the merges of
    few of them either: an extraction comes again only when its source is unchanged)."""
    uses = Counter(path for d in documents for path in (d.template, *(t.catalog for t in d.targets)))
    if any(count > 1 for count in uses.values()):
        return False
    if cache is None or cache.empty:
        return True
    how = source_stage(cache)
    return not any(cache.has(how.key(document)) for document in documents)


def _in_one_pool(
    stages: Stages, documents: Sequence[SourceDocument], languages: Collection[str]
) -> tuple[list[CatalogueJob], list[str | None]]:
    """The two stages as one pool of document jobs (see the module's docstring)."""
    cache = stages.cache
    sources_how = source_stage(cache) if cache else None
    rewrites = stages.staging is not None
    merges_how = catalogue_stage(cache, stages.context, rewrites=rewrites) if cache else None
    job = partial(
        document_job,
        stages.context,
        frozenset(languages),
        sources_how,
        merges_how,
        forks(stages.workers, len(documents)),
        cache=cache,
    )
    # Progress is told of each document job, as the stage that merges (extracts, when there
    # is nothing to merge): how many merges a job makes is known only once it extracted.
    progress = stages.told("update" if languages else "extract")
    gathered = _Gathered(stages, languages, progress, documents, (sources_how, merges_how))
    staging = stages.staging
    written = frozenset(languages) & frozenset(stages.written)
    # The folders of the files the workers may write, swept before they fork: only those the
    # steps make (a render writes no template nor catalogue: 52 folders swept for nothing,
    # 5 ms of the render of the CommonMark examples).
    steps = stages.context.steps
    templates = [d.template for d in documents] if "extract" in steps else []
    catalogues = [t.catalog for d in documents for t in d.targets if t.language.tag in written]
    paths = templates + (catalogues if "update" in steps else [])
    if staging is not None and staging.open_to_workers(paths):  # the workers write their files ahead
        job = partial(job, staging=staging, written=written)
    # The workers write their files ahead themselves. Where they may not (a failed sweep),
    # the last catalogues added to the staging (`Staging.add`) are written with the other
    # settled files while the workers render.
    map_jobs(job, documents, stages.workers, meanwhile=stages.ahead, each=gathered.take)
    if staging is not None:
        staging.close_to_workers()
    for key, kept in zip(gathered.keys, gathered.kept, strict=True):
        if cache is not None and key is not None and kept is not None:  # a key: kept, with a cache
            cache.put_pickled(key, kept)
    return gathered.jobs, gathered.keys


class _Gathered:
    """The document jobs' outcomes, taken in document order as they come (`take`)."""

    def __init__(
        self,
        stages: Stages,
        languages: Collection[str],
        progress: Callable[[int, int], object] | None,
        plans: Sequence[SourceDocument],
        hows: tuple[
            Cached[SourceDocument, SourceResult, SourceResult] | None,
            Cached[CatalogueJob, CatalogueResult, CatalogueResult] | None,
        ],
    ) -> None:
        self.stages, self.languages, self.plans, self.hows = stages, languages, plans, hows
        self.progress, self.documents, self.total = progress, 0, len(plans)  # told of each document
        self.jobs: list[CatalogueJob] = []
        self.kept: list[bytes | None] = []  # each merge's pickle, when the cache keeps it
        self.keys: list[str | None] = []  # and its key

    def take(self, outcome: DocumentOutcome) -> None:
        """Gather one document's records; write its template and catalogues to temporary files."""
        stages, staging = self.stages, self.stages.staging
        sources_how, merges_how = self.hows
        # A record sent as what the cache keeps is made again from it and its job (`kept_of`).
        source = outcome.source or _restored(sources_how, self.plans[self.documents], outcome.source_kept)
        self.documents += 1
        if stages.cache is not None and outcome.source_key is not None and outcome.source_kept is not None:
            stages.cache.put_pickled(outcome.source_key, outcome.source_kept)
        if stages.cache is not None and outcome.template_kept is not None:
            stages.cache.put_pickled(*outcome.template_kept)
        template = outcome.template
        if template is None:  # the extraction failed
            stages.gather(source, {}, {})
            self._told()
            return
        # What a worker wrote ahead is taken over at once (`Staging.adopt`). Else the last
        # document's files wait for the render stage, which stages what `add` holds, in the
        # order added, while its workers render (`Combined.publish_all`): staging a batch now
        # would keep the render pool waiting, the workers being done. A run without the render
        # stage stages them now, as the other documents'.
        batch = self.documents < self.total or "render" not in stages.context.steps
        # One per file, the template's first, as the worker wrote them (`document_job`).
        staged = iter(outcome.staged or [None] * (1 + len(outcome.merges)))

        def take_file(change: FileChange | None, due: bool) -> None:
            written = next(staged)
            if staging is None or change is None:
                return
            if written is not None:
                staging.adopt(change, written)
            elif due and not outcome.staged:  # the worker was not to write: staged here
                staging.add(change, batch)

        take_file(template.change, True)
        catalogues = {}
        own = _own_catalogue_jobs(source, template, self.languages)  # as the worker made them
        for catalogue, (result, kept), key in zip(own, outcome.merges, outcome.merge_keys, strict=True):
            merged = result or _restored(merges_how, catalogue, kept)
            catalogues[(_language(catalogue), catalogue.path)] = (catalogue, merged)
            self.jobs.append(catalogue)
            self.kept.append(kept)
            self.keys.append(key)
            take_file(merged.change, merged.error is None and _language(catalogue) in stages.written)
        stages.gather(source, {template.path: template}, catalogues)
        self._told()

    def _told(self) -> None:
        if self.progress is not None:
            self.progress(self.documents, self.total)


def _restored(how: Cached[T, R, R] | None, job: T, kept: bytes | None) -> R:
    """The result a worker sent as its pickle for the cache (`jobcache.kept_of`), made again."""
    assert how is not None and kept is not None  # sent so only with a cache, and then kept
    return how.restore(job, pickle.loads(kept))


def document_job(
    context: RunContext,
    languages: Collection[str],
    sources_how: Cached[SourceDocument, SourceResult, SourceResult] | None,
    merges_how: Cached[CatalogueJob, CatalogueResult, CatalogueResult] | None,
    forked: bool,
    plan: SourceDocument,
    staging: Staging | None = None,
    written: Collection[str] = (),
    cache: JobCache | None = None,
) -> DocumentOutcome:
    """Extract one document, build its template, merge its catalogues in `languages`.

    What the job cache keeps (`jobcache.source_stage` and `jobcache.catalogue_stage`)
    is pickled here, on the worker's core, and its key made here. With `staging`
    (`Staging.open_to_workers`), the template and the catalogues of the languages
    `written` that change are written ahead to temporary files here too. With `cache`, the
    template is pickled here too when the cache keeps it (`jobcache.kept_template`).
    """
    source = extract_source(context, plan)
    made = kept_of(sources_how, forked, plan, source)  # unpacked apart: mypy infers it wrongly
    sent, source_kept = made
    source_key = None if source_kept is None or sources_how is None else sources_how.key(plan)
    if source.error is not None:
        return DocumentOutcome(sent, source_kept, None, (), source_key=source_key)
    template = build_template_file(context, plan.template, [source])
    template_kept = (
        None if cache is None else kept_template(cache, context, plan.template, [source], template)
    )
    merges: list[tuple[CatalogueResult | None, bytes | None]] = []
    keys: list[str | None] = []
    changes = [template.change]
    for job in _own_catalogue_jobs(source, template, languages):
        result = process_catalogue(context, job)
        merged = kept_of(merges_how, forked, job, result)
        merges.append(merged)
        keys.append(None if merged[1] is None or merges_how is None else merges_how.key(job))
        due = result.error is None and _language(job) in written
        changes.append(result.change if due else None)
    # Written once the job is done: a job that fails leaves no file behind.
    staged = () if staging is None else tuple(None if c is None else staging.stage_here(c) for c in changes)
    if forked:  # the merges are made: the template's entries are of no more use (`_Gathered.take`)
        template = replace(template, catalog=_SENT_WITHOUT)
    return DocumentOutcome(
        sent, source_kept, template, tuple(merges), source_key, tuple(keys), staged, template_kept
    )


# What a worker sends instead of a template's entries. The process that gathers the document
# jobs uses its template's path, change and diagnostics, and its catalogues' merges, made
# already: the entries were half of what it unpickled after the extraction (a render of the
# 652 CommonMark examples: 0.5 MB, 5 ms).
_SENT_WITHOUT = Catalog((), ())


def _own_catalogue_jobs(
    source: SourceResult, template: TemplateResult, languages: Collection[str]
) -> list[CatalogueJob]:
    """A document's catalogue jobs in `languages`, each catalogue its own: what
    `_catalogue_jobs` makes of the document when no catalogue is shared (`_one_pool_fits`)."""
    return [
        CatalogueJob(target.catalog, template.catalog, (Member(source, target),), own_template=True)
        for target in source.plan.targets
        if target.language.tag in languages
    ]


def _language(job: CatalogueJob) -> str:
    return job.members[0].target.language.tag


def _stage_catalogue(staging: Staging, written: Collection[str], result: CatalogueResult) -> None:
    """Stage a merged catalogue that changes its file, if it is one of the paths `written`."""
    if result.error is None and result.change is not None and result.path in written:
        staging.add(result.change)


def _early_templates(
    context: RunContext, cache: JobCache | None, documents: Sequence[SourceDocument]
) -> tuple[dict[str, TemplateResult], Callable[[SourceResult], None]]:
    """The templates built so far, and what builds each template that serves one document as
    its extraction comes, while the workers extract the others (a shared template, a compact
    layout's, is built by `_build_templates` once all of its documents are in)."""
    users = Counter(document.template for document in documents)
    built: dict[str, TemplateResult] = {}

    def build(source: SourceResult) -> None:
        if source.error is None and users[source.plan.template] == 1:
            built[source.plan.template] = template_file(cache, context, source.plan.template, [source])

    return built, build


def _build_templates(
    context: RunContext,
    cache: JobCache | None,
    sources: Sequence[SourceResult],
    built: Mapping[str, TemplateResult],
) -> dict[str, TemplateResult]:
    """Each template file, from the documents it serves (one, or every one for a shared template),
    in document order; those `built` already are taken as they are."""
    groups: dict[str, list[SourceResult]] = {}
    for source in sources:
        if source.error is None:
            groups.setdefault(source.plan.template, []).append(source)
    return {
        path: built[path] if path in built else template_file(cache, context, path, members)
        for path, members in groups.items()
    }


def _catalogue_jobs(
    sources: Sequence[SourceResult], templates: Mapping[str, TemplateResult], languages: Collection[str]
) -> list[CatalogueJob]:
    """One job per catalogue file and language, with the documents it holds in document order.
    A job whose one document is the only one its template was built from says so
    (`CatalogueJob.own_template`), as `_own_catalogue_jobs` does: the job cache spells
    its key the same whichever way the run went."""
    groups: dict[tuple[str, str], list[Member]] = {}
    users: Counter[str] = Counter()  # the documents each template was built from (`_build_templates`)
    for source in sources:
        if source.error is None:
            users[source.plan.template] += 1
            for target in source.plan.targets:
                if target.language.tag in languages:
                    groups.setdefault((target.language.tag, target.catalog), []).append(
                        Member(source, target)
                    )
    jobs = []
    for (_, path), members in groups.items():
        template = members[0].source.plan.template
        own = len(members) == 1 and users[template] == 1
        jobs.append(CatalogueJob(path, templates[template].catalog, tuple(members), own_template=own))
    return jobs
