"""The run's first two stages: extract every document, then merge every catalogue with its template.

Two pools of workers (`pool.map_jobs`), the second waiting for the first: a
template is built from the extractions of the documents it serves, and every
language's catalogue is merged with it. Or one pool, when each document has a
template and catalogues of its own and the job cache has none of its
extractions (a first run): a document job extracts its document, builds its
template and merges its catalogues (`document_job`), so that no worker waits
for the others, nor for this process, between the two stages. The run gets
the same records either way (`Extracted`).
"""

from __future__ import annotations

import pickle
from collections import Counter
from collections.abc import Callable, Collection, Mapping, Sequence
from dataclasses import dataclass
from functools import partial

from i18n_sync.project.jobcache import (
    PROTOCOL,
    Cached,
    JobCache,
    catalogue_stage,
    made_and_kept,
    map_cached,
    source_stage,
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
from i18n_sync.project.writing import Staging

Told = Callable[[str], Callable[[int, int], None] | None]
"""The run's progress for a stage ("extract", "update"), as `map_jobs` hears it."""


@dataclass(frozen=True, slots=True)
class Extracted:
    """The two stages' records: each document's extraction and template, each catalogue's merge.

    `jobs` and `results` go together, in document order; `keys` are the merges'
    job-cache keys (None: the cache did not keep the result; none without a cache).
    """

    sources: list[SourceResult]
    templates: dict[str, TemplateResult]
    jobs: list[CatalogueJob]
    results: list[CatalogueResult]
    keys: list[str | None]


@dataclass(frozen=True, slots=True)
class DocumentOutcome:
    """What a document job sends back: its extraction, its template, its catalogues' merges.

    Each record the job cache keeps comes pickled by the worker, beside it (as
    `jobcache.made_and_kept` sends it); a result sent only so is None.
    """

    source: SourceResult | None
    source_kept: bytes | None
    template: TemplateResult | None
    merges: tuple[tuple[CatalogueResult | None, bytes | None], ...]


def extract_and_merge(
    context: RunContext,
    documents: Sequence[SourceDocument],
    cache: JobCache | None,
    workers: int,
    languages: Collection[str],
    written: Collection[str],
    staging: Staging | None,
    told: Told,
) -> Extracted:
    """Extract every document and merge each of its catalogues in `languages`.

    With `staging`, each template and each catalogue of a language in `written`
    is written to a temporary file as it comes (`writing.Staging`), while the
    workers go on.
    """
    merges = context.steps & {"update", "render"}
    if _one_pool_fits(documents, cache):
        return _in_one_pool(
            context, documents, cache, workers, languages if merges else (), written, staging, told
        )
    how = source_stage(cache) if cache else None
    early, build_early = _early_templates(context, documents)
    extract = partial(extract_source, context)
    sources, _ = map_cached(cache, how, extract, documents, workers, told("extract"), each=build_early)
    templates = _build_templates(context, sources, early)
    jobs = _catalogue_jobs(sources, templates, languages) if merges else []
    stage = catalogue_stage(cache, context, rewrites=staging is not None) if cache else None
    # While the workers merge, this process has little to do: it writes the templates, then
    # each catalogue as it comes, to temporary files.
    meanwhile = each = None
    if staging is not None:
        meanwhile = partial(staging.stage, [t.change for t in templates.values() if t.change], flush=False)
        each = partial(_stage_catalogue, staging, {job.path for job in jobs if _language(job) in written})
    merge = partial(process_catalogue, context)
    results, keys = map_cached(cache, stage, merge, jobs, workers, told("update"), meanwhile, each)
    return Extracted(list(sources), templates, jobs, results, keys)


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
    context: RunContext,
    documents: Sequence[SourceDocument],
    cache: JobCache | None,
    workers: int,
    languages: Collection[str],
    written: Collection[str],
    staging: Staging | None,
    told: Told,
) -> Extracted:
    """The two stages as one pool of document jobs (see the module's docstring)."""
    sources_how = source_stage(cache) if cache else None
    merges_how = catalogue_stage(cache, context, rewrites=staging is not None) if cache else None
    job = partial(
        document_job,
        context,
        frozenset(languages),
        sources_how.store if sources_how else None,
        merges_how.store if merges_how else None,
        forks(workers, len(documents)),
    )
    # Progress is told of each merge (of each extraction, when there are no merges): the
    # extractions, made along with them, are not a stage of their own here.
    total = sum(1 for d in documents for t in d.targets if t.language.tag in languages)
    gathered = _Gathered(cache, sources_how, languages, written, staging)
    gathered.progress = told("update") if total else told("extract")
    gathered.by_merge, gathered.total = bool(total), total or len(documents)
    # The last catalogues added to the staging (`Staging.add`) are written with the other
    # settled files while the workers render.
    map_jobs(job, documents, workers, each=gathered.take)
    jobs = _catalogue_jobs(gathered.sources, gathered.templates, languages)
    keys: list[str | None] = []
    for catalogue, kept in zip(jobs, gathered.kept, strict=True):
        key = None
        if cache is not None and merges_how is not None and kept is not None:
            key = merges_how.key(catalogue)
            cache.put_pickled(key, kept)
        keys.append(key)
    return Extracted(gathered.sources, gathered.templates, jobs, gathered.results, keys)


class _Gathered:
    """The document jobs' outcomes, taken in document order as they come (`take`)."""

    def __init__(
        self,
        cache: JobCache | None,
        sources_how: Cached[SourceDocument, SourceResult, SourceResult] | None,
        languages: Collection[str],
        written: Collection[str],
        staging: Staging | None,
    ) -> None:
        self.cache, self.sources_how, self.staging = cache, sources_how, staging
        self.languages, self.written = languages, written
        self.sources: list[SourceResult] = []
        self.templates: dict[str, TemplateResult] = {}
        self.results: list[CatalogueResult] = []
        self.kept: list[bytes | None] = []  # each merge's pickle, when the cache keeps it
        # Told of each merge, or of each document when there are no merges (`by_merge`).
        self.progress: Callable[[int, int], object] | None = None
        self.by_merge = True
        self.total = 0

    def take(self, outcome: DocumentOutcome) -> None:
        """Gather one document's records; write its template and catalogues to temporary files."""
        source = outcome.source or pickle.loads(outcome.source_kept)  # type: ignore[arg-type]
        self.sources.append(source)
        if self.cache is not None and self.sources_how is not None and outcome.source_kept is not None:
            self.cache.put_pickled(self.sources_how.key(source.plan), outcome.source_kept)
        template = outcome.template
        if template is not None:
            self.templates[template.path] = template
            if self.staging is not None and template.change is not None:
                self.staging.add(template.change)
        targets = [] if source.error else [t for t in source.plan.targets if t.language.tag in self.languages]
        for target, (result, kept) in zip(targets, outcome.merges, strict=True):
            merged = result or pickle.loads(kept)  # type: ignore[arg-type]
            self.results.append(merged)
            self.kept.append(kept)
            if self.staging is not None and target.language.tag in self.written:
                _stage_catalogue(self.staging, {merged.path}, merged)
            if self.progress is not None and self.by_merge:
                self.progress(len(self.results), self.total)
        if self.progress is not None and not self.by_merge:
            self.progress(len(self.sources), self.total)


def document_job(
    context: RunContext,
    languages: Collection[str],
    source_store: Callable[[SourceDocument, SourceResult], object] | None,
    merge_store: Callable[[CatalogueJob, CatalogueResult], CatalogueResult | None] | None,
    forked: bool,
    plan: SourceDocument,
) -> DocumentOutcome:
    """Extract one document, build its template, merge its catalogues in `languages`.

    What the job cache keeps (the stores of `jobcache.source_stage` and
    `jobcache.catalogue_stage`) is pickled here, on the worker's core.
    """
    source = extract_source(context, plan)
    kept = source_store(plan, source) if source_store else None
    source_kept = None if kept is None else pickle.dumps(kept, PROTOCOL)
    sent = None if forked and kept is source else source
    if source.error is not None:
        return DocumentOutcome(sent, source_kept, None, ())
    template = build_template_file(context, plan.template, [source])
    merge = partial(made_and_kept, partial(process_catalogue, context), merge_store, forked)
    merges: list[tuple[CatalogueResult | None, bytes | None]] = []
    for target in plan.targets:
        if target.language.tag in languages:
            merges.append(merge(CatalogueJob(target.catalog, template.catalog, (Member(source, target),))))
    return DocumentOutcome(sent, source_kept, template, tuple(merges))


def _language(job: CatalogueJob) -> str:
    return job.members[0].target.language.tag


def _stage_catalogue(staging: Staging, written: Collection[str], result: CatalogueResult) -> None:
    if result.error is None and result.change is not None and result.path in written:
        staging.add(result.change)


def _early_templates(
    context: RunContext, documents: Sequence[SourceDocument]
) -> tuple[dict[str, TemplateResult], Callable[[SourceResult], None]]:
    """The templates built so far, and what builds each template that serves one document as
    its extraction comes, while the workers extract the others (a shared template, a compact
    layout's, is built by `_build_templates` once all of its documents are in)."""
    users: dict[str, int] = {}
    for document in documents:
        users[document.template] = users.get(document.template, 0) + 1
    built: dict[str, TemplateResult] = {}

    def build(source: SourceResult) -> None:
        if source.error is None and users[source.plan.template] == 1:
            built[source.plan.template] = build_template_file(context, source.plan.template, [source])

    return built, build


def _build_templates(
    context: RunContext, sources: Sequence[SourceResult], built: Mapping[str, TemplateResult]
) -> dict[str, TemplateResult]:
    """Each template file, from the documents it serves (one, or every one for a shared template),
    in document order; those `built` already are taken as they are."""
    groups: dict[str, list[SourceResult]] = {}
    for source in sources:
        if source.error is None:
            groups.setdefault(source.plan.template, []).append(source)
    return {
        path: built[path] if path in built else build_template_file(context, path, members)
        for path, members in groups.items()
    }


def _catalogue_jobs(
    sources: Sequence[SourceResult], templates: Mapping[str, TemplateResult], languages: Collection[str]
) -> list[CatalogueJob]:
    """One job per catalogue file and language, with the documents it holds in document order."""
    groups: dict[tuple[str, str], list[Member]] = {}
    for source in sources:
        if source.error is None:
            for target in source.plan.targets:
                if target.language.tag in languages:
                    groups.setdefault((target.language.tag, target.catalog), []).append(
                        Member(source, target)
                    )
    return [
        CatalogueJob(path, templates[members[0].source.plan.template].catalog, tuple(members))
        for (_, path), members in groups.items()
    ]
