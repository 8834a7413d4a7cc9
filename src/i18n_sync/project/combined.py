"""The one place a run's records meet (`Combined`): each document's extraction, template and
part of each catalogue, gathered in document order, then every output rendered and judged.
What it holds becomes the run's report (`RunReport`, a `LanguageReport` per language).
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Mapping, Sequence
from dataclasses import dataclass, field
from functools import partial

from i18n_sync.errors import CatalogError, Diagnostic, I18nSyncError
from i18n_sync.gettext.merge import MergeReport
from i18n_sync.gettext.stats import Counts
from i18n_sync.locales import Language
from i18n_sync.markdown.links import relative_link
from i18n_sync.model import FileChange
from i18n_sync.project.config import Config
from i18n_sync.project.jobcache import JobCache, map_cached, publish_stage
from i18n_sync.project.jobs import (
    CatalogueJob,
    CatalogueResult,
    Published,
    PublishJob,
    RunContext,
    SourceResult,
    TemplateResult,
    prepared_for,
    publish_and_stage,
    publish_output,
)
from i18n_sync.project.ownership import manifest_change, read_manifest, refusal
from i18n_sync.project.plan import SourceDocument, Target
from i18n_sync.project.staging import Staging
from i18n_sync.record import record
from i18n_sync.render.decorate import Decorations, generated_header, notice_template, notice_text
from i18n_sync.render.publish import Prepared, build_site
from i18n_sync.render.splice import Accepted


@record
class LanguageReport:
    """What a run did for one language, summed over its documents."""

    language: Language
    counts: Counts = field(default_factory=Counts)
    merge: MergeReport = field(default_factory=MergeReport)
    rendered: int = 0
    failed: bool = False


@record
class RunReport:
    """Everything a run found: the files it wants, per-language figures, problems."""

    changes: tuple[FileChange, ...]
    languages: tuple[LanguageReport, ...]
    diagnostics: tuple[Diagnostic, ...] = ()
    errors: tuple[I18nSyncError, ...] = ()


@dataclass(slots=True)
class Combined:
    """The records of every job, gathered in document order: the one place results meet."""

    config: Config
    chosen: Collection[str]
    force: bool = False
    changes: dict[str, list[FileChange]] = field(default_factory=dict)
    reports: dict[str, LanguageReport] = field(default_factory=dict)
    diagnostics: list[Diagnostic] = field(default_factory=list)
    errors: list[I18nSyncError] = field(default_factory=list)
    prepared: dict[str, list[Prepared]] = field(default_factory=dict)
    counts: dict[tuple[str, str], Counts] = field(default_factory=dict)
    # The outputs the tool wrote before (see `ownership`), read when the first output is added.
    manifest: dict[str, str] | None = None
    manifest_bytes: bytes | None = None
    planned: set[str] = field(default_factory=set)
    cache: JobCache | None = None
    staging: Staging | None = None
    # The key of the catalogue job that prepared each (language, document), with a cache
    # (None: its result was not kept).
    origins: dict[tuple[str, str], str | None] = field(default_factory=dict)
    templates_seen: set[str] = field(default_factory=set)  # `add_document`

    def add_change(self, group: str, change: FileChange | None) -> None:
        if change is None:
            return
        limit = self.config.settings.max_file_size
        if change.kind in ("template", "catalog") and len(change.content) > limit:
            # Never write a file the next run would refuse to read.
            self.errors.append(
                CatalogError(
                    f"would be {len(change.content):,} bytes, more than max_file_size ({limit:,}), "
                    "so the tool could not read it back; split the source, or raise max_file_size",
                    change.path,
                )
            )
            if group in self.reports:
                self.reports[group] = _replace_report(self.reports[group], failed=True)
            return
        self.changes.setdefault(group, []).append(change)

    def add_document(
        self,
        source: SourceResult,
        templates: Mapping[str, TemplateResult],
        catalogues: Mapping[tuple[str, str], tuple[CatalogueJob, CatalogueResult]],
    ) -> None:
        """Gather one document's records: its extraction, its template (the first time it comes),
        its part of each catalogue (by language and path). Called in document order
        (`merging.extract_and_merge`), as a one-document-at-a-time run would gather them."""
        if source.error is not None:
            self.errors.append(source.error)
            return
        self.diagnostics.extend(source.diagnostics)
        template = templates[source.plan.template]
        if template.path not in self.templates_seen:
            self.templates_seen.add(template.path)
            self.diagnostics.extend(template.diagnostics)
            self.add_change("", template.change)
        plan = source.plan
        if plan.source_output:
            assert source.doc is not None and source.extraction is not None
            english = Prepared(
                plan.source,
                plan.source_output,
                plan.source_output,
                source.doc,
                source.extraction,
                Accepted({}),
            )
            self.prepared.setdefault("", []).append(english)
        for target in plan.targets:
            if (target.language.tag, target.catalog) in catalogues:
                self.add_member(plan, *catalogues[(target.language.tag, target.catalog)])

    def add_member(self, plan: SourceDocument, job: CatalogueJob, result: CatalogueResult) -> None:
        """One document's part of a catalogue; the catalogue itself counts with its first document."""
        members = job.members
        # A catalogue of its own (most layouts) has the document alone: no records compared.
        index = 0 if len(members) == 1 else next(i for i, m in enumerate(members) if m.source.plan == plan)
        tag = job.members[0].target.language.tag
        report = self.reports[tag]
        if result.error is not None:
            if index == 0:
                self.errors.append(result.error)
            self.reports[tag] = _replace_report(report, failed=True)
            return
        counts, merge = report.counts, report.merge
        if index == 0:
            self.add_change(tag, result.change)
            self.diagnostics.extend(result.diagnostics)
            counts, merge = counts + result.counts, merge + result.merge
        member = result.members[index]
        self.diagnostics.extend(member.diagnostics)
        self.counts[(tag, plan.source)] = member.counts
        self.prepared.setdefault(tag, []).append(prepared_for(job.members[index], member.accepted))
        rendered = report.rendered + len(member.accepted.texts)
        # The constructor, not `replace`: a docs tree in many languages adds thousands.
        self.reports[tag] = LanguageReport(report.language, counts, merge, rendered, report.failed)

    def publish_all(
        self,
        context: RunContext,
        documents: Sequence[SourceDocument],
        workers: int,
        progress: Callable[[int, int], None] | None = None,
    ) -> None:
        """Render every output; each language's site is laid out first so links between outputs resolve.

        With `staging`, the templates and catalogues not staged during the merge,
        which are settled by now, are written to temporary files while the workers
        render, and each output by the worker that renders it (`publish_and_stage`):
        they cost the run's end nothing.
        """
        meanwhile = None if self.staging is None else partial(_stage_settled, self.staging, self.settled())
        # Read first, so that each job is made with its output's record, once: thousands.
        unreadable = None
        try:
            manifest, manifest_bytes = read_manifest(self.config.root)
        except I18nSyncError as problem:
            manifest, manifest_bytes, unreadable = {}, None, problem
        planned = self.plan_outputs(documents, manifest)
        jobs = [job for job in planned if isinstance(job, PublishJob)]
        if jobs and unreadable is not None:
            self.errors.append(unreadable)  # without it no output can be told the tool's
        if not jobs or unreadable is not None:
            if meanwhile is not None:
                meanwhile()
            return
        self.manifest, self.manifest_bytes = manifest, manifest_bytes
        how = publish_stage(self.cache, context) if self.cache else None
        job = partial(publish_output, context)
        # The workers write the outputs they render to temporary files (no thread while they fork).
        if self.staging is not None and self.staging.open_to_workers(j.prepared.output for j in jobs):
            job = partial(publish_and_stage, context, self.staging, self.force)
        each = None if self.staging is None else self.stage_output
        # Renderings are short: a pool for a few hundred costs more than it saves (`map_jobs`).
        outputs = iter(
            map_cached(self.cache, how, job, jobs, workers, progress, meanwhile, each, tried=True)[0]
        )
        if self.staging is not None:
            self.staging.close_to_workers()
            self.staging.stage_added()
        for entry in planned:
            if isinstance(entry, Diagnostic):
                self.diagnostics.append(entry)
                continue
            output = next(outputs)
            self.add_output(entry.group, entry.prepared, output)
            self.diagnostics.extend(output.diagnostics)

    def plan_outputs(
        self, documents: Sequence[SourceDocument], manifest: Mapping[str, str]
    ) -> list[PublishJob | Diagnostic]:
        """A job for each output to render, in document order, and why the others are not.

        `manifest` is the ownership manifest's record of each output (`project.ownership`).
        """
        by_source = {d.source: d for d in documents}
        withheld = self.withheld()
        planned: list[PublishJob | Diagnostic] = []
        switchers: dict[str, tuple[tuple[Language | None, str], ...]] = {}  # one per document
        # Each document's targets by language, looked up once per output: a docs tree in 21
        # languages has 13,692 outputs, each of which searched its document's 21 targets.
        targets: dict[str, dict[str, Target]] = {}
        switched = self.config.settings.language_switcher != "off"
        for tag, prepared in self.prepared.items():
            if tag and (tag not in self.chosen or self.reports[tag].failed):
                continue  # the English output ("") is always written
            below = withheld.get(tag, set())
            shown = [p for p in prepared if p.source not in below]
            site = build_site(shown, [p.home for p in prepared if p.source in below])
            english_anchors = self.config.settings.english_anchors and bool(tag)
            for item in prepared:
                if item.source in below:
                    planned.append(self.unpublished(tag, item))
                    continue
                plan = by_source[item.source]
                if plan.source not in targets:
                    targets[plan.source] = {t.language.tag: t for t in plan.targets}
                    if switched:
                        switchers[plan.source] = self.switcher_targets(plan, withheld)
                warnings: list[Diagnostic] = []
                decorations = self.decorations(plan, targets[plan.source].get(tag), warnings)
                planned += warnings
                switcher = switchers.get(plan.source, ())
                origin = self.origins.get((tag, item.source), "")
                recorded = manifest.get(item.output)
                planned.append(
                    PublishJob(tag, item, site, decorations, english_anchors, switcher, origin, recorded)
                )
        return planned

    def stage_output(self, output: Published) -> None:
        """Take over the temporary file the worker wrote for an output that `add_output` will
        add (`Staging.adopt`), or write it to one (`Staging.add`): a cached rendering."""
        assert self.staging is not None
        if output.staged is not None:
            self.staging.adopt(output.change, output.staged)
        elif output.error is None and (output.owned or self.force):
            self.staging.add(output.change)

    def add_output(self, tag: str, item: Prepared, output: Published) -> None:
        """Add an output, unless it would replace a file the tool did not write (see `ownership`)."""
        if output.error is not None:
            self.errors.append(output.error)
        elif output.owned or self.force:
            self.add_change(tag, output.change)
        else:
            self.errors.append(refusal(item.output, tag, item.source, len(self.prepared.get(tag, ())) > 1))

    def withheld(self) -> dict[str, set[str]]:
        """Each language's documents whose output is not complete enough to write (by source);
        a language with none, as every language without a publish threshold, is left out."""
        settings = self.config.settings
        thresholds = {lang.tag: settings.publish_threshold_for(lang.tag) for lang in self.config.languages}
        found: dict[str, set[str]] = {}
        if not any(thresholds.values()):
            return found
        for (tag, source), counts in self.counts.items():
            if counts.is_below(thresholds.get(tag, settings.publish_threshold)):
                found.setdefault(tag, set()).add(source)
        return found

    def unpublished(self, tag: str, item: Prepared) -> Diagnostic:
        percent = self.counts[(tag, item.source)].shown_percent
        threshold = self.config.settings.publish_threshold_for(tag)
        message = f"not published: {percent}% translated, below the publish threshold of {threshold}%"
        return Diagnostic(item.output, None, message)

    def decorations(
        self, plan: SourceDocument, target: Target | None, warnings: list[Diagnostic]
    ) -> Decorations:
        """The output's header and notice, in the language of `target` (None: English); its
        switcher's links are made by its job."""
        settings = self.config.settings
        output = target.output if target else plan.source_output or ""
        catalog = target.catalog if target else None
        header = generated_header(plan.source, catalog) if settings.generated_header else ""
        notice = ""
        if settings.notice and target is not None:
            code = target.language.code
            counts = self.counts[(target.language.tag, plan.source)]
            notice = notice_text(code, counts, relative_link(target.catalog, output))
            if notice and notice_template(code) is None:
                warnings.append(Diagnostic(output, None, untranslated_notice(code)))
        return Decorations(header, "", notice, settings.language_switcher == "top")

    def switcher_targets(
        self, plan: SourceDocument, withheld: Mapping[str, Collection[str]]
    ) -> tuple[tuple[Language | None, str], ...]:
        """The switcher's languages for one document: (language, file), English (None) first,
        leaving out each language whose output of it is `withheld` (see `withheld`).

        The labels are the publish job's to look up (`jobs.switcher_entries`):
        CLDR's names cost a data file per language, which a run whose every
        output is in the job cache never needs.
        """
        entries: list[tuple[Language | None, str]] = [(None, plan.source_output or plan.source)]
        for target in plan.targets:
            if plan.source not in withheld.get(target.language.tag, ()):
                entries.append((target.language, target.output))
        return tuple(entries)

    def settled(self) -> list[FileChange]:
        """The changes wanted so far, of the languages that have not failed: final but for outputs."""
        dropped = {tag for tag, report in self.reports.items() if report.failed or tag not in self.chosen}
        return [c for group, items in self.changes.items() if group not in dropped for c in items]

    def result(self) -> RunReport:
        changes = self.settled()
        manifest = self.manifest_change(changes)
        if manifest is not None:
            changes.append(manifest)
        reports = tuple(report for tag, report in self.reports.items() if tag in self.chosen)
        return RunReport(tuple(changes), reports, tuple(self.diagnostics), tuple(self.errors))

    def manifest_change(self, changes: Sequence[FileChange]) -> FileChange | None:
        """The record of the outputs this run writes: kept with the header off, or once it exists."""
        if self.manifest is None:  # nothing rendered
            return None
        if self.config.settings.generated_header and self.manifest_bytes is None:
            return None
        outputs = {c.path: c.content for c in changes if c.kind == "output"}
        return manifest_change(self.manifest, self.manifest_bytes, outputs, self.planned)


def _stage_settled(staging: Staging, settled: list[FileChange]) -> None:
    """Stage what `Staging.add` holds, in the order added (document by document, as every batch
    before it), then the other settled files: the order decides which write error a run
    reports, the earliest, and it is the same whether the run extracted and merged in one
    pool of document jobs or in two stages (`merging`)."""
    staging.stage_added()
    staging.stage(settled)


def untranslated_notice(code: str) -> str:
    """The warning for a notice shown in English: i18n-sync has no translation of it yet."""
    return (
        f"the notice is in English: i18n-sync has no {code} translation of it yet; "
        f"turn 'notice' off, or contribute src/i18n_sync/messages/{code}.po to i18n-sync"
    )


def _replace_report(report: LanguageReport, failed: bool) -> LanguageReport:
    return LanguageReport(report.language, report.counts, report.merge, report.rendered, failed)
