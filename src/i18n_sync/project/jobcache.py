"""Remember each job's result under the digest of its inputs, so that a run redoes only what changed.

A job (`project.jobs`) is a pure function of what it is given and of the
bytes of the files it reads. Its key hashes all of that: the tool's own code
and libraries (`cachedir.tool_fingerprint`), the configuration, and the job's
own inputs, which the run names with the SHA-256 of each file it read (from
the run memo's snapshot) and with the keys of the jobs it depends on. A job
whose key is in the cache is not run again: editing one document of a docs
tree in twenty languages redoes that document's jobs (and the outputs whose
language's headings changed), not the tree's.

The results live in one file per project beside the run memo, outside the
repository, rewritten at the end of each run that made new ones, with the
entries used in the last few runs: it stays near one run's worth. It carries a
checksum; a damaged, foreign or stale file is ignored and rebuilt, and deleting
it is always safe. Nothing in it is trusted without its key: a changed byte in
any input gives another key, and so a miss. Each result is a pickle, read only
when a run asks for its key, as the package's own records of the types its
stage keeps (`cachefiles`); a planted file could still hold wrong results under
the right keys, so like everything under the user's cache folder it must be
writable by that user alone (do not point ``I18N_SYNC_CACHE_DIR`` at a folder
others can write).
"""

from __future__ import annotations

import hashlib
import pickle
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import fields, replace
from functools import partial
from operator import attrgetter
from pathlib import Path
from typing import Generic, TypeVar

from i18n_sync.gettext.memory import Suggestion
from i18n_sync.locales import Language, native_name_of
from i18n_sync.markdown.links import reads_alike
from i18n_sync.model import Catalog
from i18n_sync.project.cachefiles import load_kept, pack_entries, read_sealed, unpack_entries, write_sealed
from i18n_sync.project.config import Config
from i18n_sync.project.jobs import (
    CatalogueJob,
    CatalogueResult,
    Member,
    Published,
    PublishJob,
    Rendered,
    RunContext,
    SourceResult,
    TemplateResult,
    build_template_file,
    judge_output,
    reads_templates,
    unlooked,
)
from i18n_sync.project.plan import SourceDocument, Target
from i18n_sync.project.pool import forks, map_jobs
from i18n_sync.project.signatures import MISSING
from i18n_sync.render.decorate import Decorations

T = TypeVar("T")
R = TypeVar("R")
S = TypeVar("S")

_FORMAT = b"i18n-sync job cache 4\n"
PROTOCOL = pickle.HIGHEST_PROTOCOL


# An entry no run has used for this many saves is dropped: long enough for a few runs of
# other kinds in between (``update`` then ``sync``, CI jobs sharing out ``--lang``), short
# enough that the file stays near one run's worth.
_KEPT_FOR = 4

# key -> (the save that last used it, the pickled result: new, or a view of the file read)
_Entries = dict[str, tuple[int, bytes | memoryview]]


class JobCache:
    """The results of earlier jobs by key, and which of them this run used or made."""

    def __init__(
        self,
        file: Path,
        base: bytes,
        entries: _Entries,
        digests: Mapping[str, bytes] | None = None,
    ) -> None:
        self.file = file
        self._base = base
        # Every key starts with `base`: hashed once, each key goes on from a copy (`key`).
        self._hashed_base = hashlib.sha256(base)
        self._entries = entries
        # The SHA-256 of each file the run reads, as the run memo found them (`Seen.digests`):
        # hashed once for the run's key, not again for each job's.
        self._known = digests or {}
        self._digests: dict[str, str] = {}
        self._languages: dict[int, tuple[Language, str]] = {}  # `language`
        self._generation = 1 + max((generation for generation, _ in entries.values()), default=0)
        self._used: _Entries = {}
        self._added = False

    @property
    def empty(self) -> bool:
        """Whether the cache holds no earlier result (a first run, or one after it was deleted)."""
        return not self._entries

    def file_digest(self, path: str) -> str:
        """The SHA-256 of a file as the run found it ("-": no such file, or not one the run read)."""
        found = self._digests.get(path)
        if found is None:
            known = self._known.get(path, MISSING)
            found = self._digests[path] = "-" if known == MISSING else known.hex()
        return found

    def language(self, language: Language) -> str:
        """A language record as a key spells it (`key`), spelled once: a docs tree in 21
        languages has thousands of targets and switcher entries for each."""
        found = self._languages.get(id(language))
        if found is None:  # the language is kept too, so its id stays its own
            found = self._languages[id(language)] = (language, repr(language))
        return found[1]

    def key(self, *parts: object) -> str:
        """The key of a job given by `parts`: file digests (not contents) and the project's records.

        A part is spelled by its `repr`, which for the frozen dataclasses, tuples,
        dicts and strings the jobs take is complete and the same in every process.
        Not a pickle: that depends on which equal objects happen to be one object.
        """
        digest = self._hashed_base.copy()
        digest.update(repr(parts).encode("utf-8", "backslashreplace"))
        return digest.hexdigest()

    def has(self, key: str) -> bool:
        """Whether an earlier run kept a result under `key` (not read: see `get`)."""
        return key in self._entries

    def get(self, key: str, fits: Callable[[object], bool] = lambda value: True) -> object | None:
        """The result kept under `key`, if there is one and it `fits` (else a miss, not kept on)."""
        found = self._entries.get(key)
        if found is None:
            return None
        try:
            value = load_kept(found[1])
        except Exception:  # a record from another version of a class: a miss
            return None
        if not fits(value):
            return None
        self._used[key] = (self._generation, found[1])
        return value

    def put(self, key: str, value: object) -> None:
        """Keep `value` under `key`, pickled here."""
        self.put_pickled(key, pickle.dumps(value, PROTOCOL))

    def put_pickled(self, key: str, data: bytes) -> None:
        """Keep a result pickled already (by the job that made it)."""
        self._used[key] = (self._generation, data)
        self._added = True

    def save(self) -> bool:
        """Write the entries this run used or made, and those used lately; not when nothing is new."""
        if not self._added:
            return False
        kept = {
            key: entry
            for key, entry in self._entries.items()
            if key not in self._used and entry[0] > self._generation - _KEPT_FOR
        }
        kept.update(self._used)
        # Not flushed to the disk: a torn file fails its checksum and is rebuilt.
        return write_sealed(self.file, _FORMAT, pack_entries(kept), flush=False)


def open_job_cache(
    file: Path, base: bytes, digests: Mapping[str, bytes] | None = None, inputs: int = 0
) -> JobCache:
    """The job cache in `file` (empty when missing or damaged); `digests` are the SHA-256 of the
    run's input files (`JobCache.file_digest`), and `inputs` their bytes (its size limit)."""
    limit = max(_SMALLEST_LIMIT, _LIMIT_PER_INPUT_BYTE * inputs)
    return JobCache(file, base, _load(file, limit), digests)


# A job cache holds about one run's results: twice the bytes of the run's inputs for the corpus
# of 94 documents in 21 languages (28 MB). A larger file was not written by the tool for these
# inputs, and reading it whole could take the memory (an 8 GB sparse file takes no disk space).
_SMALLEST_LIMIT = 256 << 20
_LIMIT_PER_INPUT_BYTE = 16


def _load(file: Path, limit: int = _SMALLEST_LIMIT) -> _Entries:
    payload = read_sealed(file, _FORMAT, limit)
    entries = None if payload is None else unpack_entries(payload)
    return entries or {}  # missing, damaged or of another version: rebuilt by this run


class Cached(Generic[T, R, S]):
    """How one stage's jobs meet the cache: each job's key, and how a result is stored and restored.

    `store` turns a job's result into what is kept (None: not kept, e.g. an
    error that may be the disk's, or a result whose key names a file the run
    rewrites, which no later run would ask for); `restore` turns a kept value
    back into the result, given the job (a kept result need not repeat what
    the job already holds). `fits` tells a kept value of the right kind: one
    read back that does not is a miss. It looks at the value's class (a list's
    items' too), not at the types of its fields (`cachefiles.conforms`): for the
    6,016 results of the corpus in 21 languages, unpickled in 58 ms, checking
    their fields took 22 ms more, all the way down 124 ms, on every run after a
    change; and a value made for a run's keys could hurt the unpickler anyway.
    With `rebuilds`, `restore` makes the very result again from what is kept and
    the job (`kept_of` then sends a worker's result as that pickle alone). `holds`
    tells whether a kept value holds for the job, where the key leaves out some of
    what the result depends on (a rendering, its language's site): one that does
    not is a miss. `sent` is what a worker sends back of a result once it is
    stored (`kept_of`): nothing only the cache needed.
    """

    def __init__(
        self,
        key: Callable[[T], str],
        store: Callable[[T, R], S | None],
        restore: Callable[[T, S], R],
        fits: Callable[[object], bool],
        rebuilds: bool = False,
        holds: Callable[[T, S], bool] | None = None,
        sent: Callable[[R], R] | None = None,
    ):
        self.key = key
        self.store = store
        self.restore = restore
        self.fits = fits
        self.rebuilds = rebuilds
        self.holds = holds
        self.sent = sent


def map_cached(
    cache: JobCache | None,
    how: Cached[T, R, S] | None,
    function: Callable[[T], R],
    jobs: Sequence[T],
    workers: int,
    progress: Callable[[int, int], None] | None = None,
    meanwhile: Callable[[], object] | None = None,
    each: Callable[[R], object] | None = None,
    tried: bool = False,
) -> tuple[list[R], list[str | None]]:
    """Each job's result, from the cache where its key is there, else from `function` on `workers`.

    Returns the results in job order, and each job's key (none without a
    cache); a result the cache did not keep has None, the key of nothing.
    `progress`, `meanwhile`, `each` and `tried` are `pool.map_jobs`'s; `each` is
    also given each result the cache has.
    """
    if cache is None or how is None:
        return map_jobs(function, jobs, workers, progress, meanwhile, each, tried), []
    results, keys, missing = _look_up(cache, how, jobs)
    hits = [result for result in results if result is not None]

    def first() -> None:  # while the workers run: `meanwhile`, then the results the cache had
        if meanwhile is not None:
            meanwhile()
        if each is not None:
            for result in hits:
                each(result)

    made = _run_missing(function, how, [jobs[i] for i in missing], workers, progress, first, each, tried)
    for index, (result, kept_bytes) in zip(missing, made, strict=True):
        results[index] = result
        if kept_bytes is None:
            keys[index] = None
        else:
            keys[index] = key = keys[index] or how.key(jobs[index])
            cache.put_pickled(key, kept_bytes)
    return results, keys  # type: ignore[return-value]


def _look_up(
    cache: JobCache, how: Cached[T, R, S], jobs: Sequence[T]
) -> tuple[list[R | None], list[str | None], list[int]]:
    """What the cache has: each job's result (None: missing) and key, and the missing jobs' indexes.

    An empty cache (a first run) has nothing to find, and spelling a key (a template's
    or a site's whole text, hashed) costs: no key is spelled; `map_cached` spells the
    key of a result the cache is to keep.
    """
    results: list[R | None] = [None] * len(jobs)
    keys: list[str | None] = [None] * len(jobs)
    if cache.empty:
        return results, keys, list(range(len(jobs)))
    missing = []
    for index, job in enumerate(jobs):
        keys[index] = key = how.key(job)
        kept = cache.get(key, how.fits)
        if kept is None or (how.holds is not None and not how.holds(job, kept)):  # type: ignore[arg-type]
            missing.append(index)
        else:
            results[index] = how.restore(job, kept)  # type: ignore[arg-type]
    return results, keys, missing


def _run_missing(
    function: Callable[[T], R],
    how: Cached[T, R, S],
    jobs: Sequence[T],
    workers: int,
    progress: Callable[[int, int], None] | None,
    first: Callable[[], object],
    each: Callable[[R], object] | None,
    tried: bool = False,
) -> list[tuple[R, bytes | None]]:
    """Run the jobs the cache lacks: each result, with what the cache is to keep of it, pickled."""
    # Each job pickles what the cache keeps of its result itself, on its own core.
    run = partial(made_and_kept, function, how, forks(workers, len(jobs)))
    arrived: list[tuple[R, bytes | None]] = []

    def take(made: tuple[R | None, bytes | None]) -> None:
        result, kept_bytes = made
        if result is None:  # sent as what the cache keeps: made again from it and the job
            assert kept_bytes is not None
            result = how.restore(jobs[len(arrived)], pickle.loads(kept_bytes))
        arrived.append((result, kept_bytes))
        if each is not None:
            each(arrived[-1][0])

    map_jobs(run, jobs, workers, progress, first, take, tried)
    return arrived


def made_and_kept(
    function: Callable[[T], R], how: Cached[T, R, S] | None, forked: bool, job: T
) -> tuple[R | None, bytes | None]:
    """A job's result, and what the cache keeps of it (`how`; none without), pickled (None:
    not kept): `kept_of` the result `function` makes."""
    return kept_of(how, forked, job, function(job))


def kept_of(how: Cached[T, R, S] | None, forked: bool, job: T, result: R) -> tuple[R | None, bytes | None]:
    """`result`, and what the cache keeps of it (`how.store`; none without), pickled (None: not
    kept).

    On a worker (`forked`), when the cache keeps the whole result, or what makes
    it again (`Cached.rebuilds`), only its pickle is returned (the result is None;
    the parent restores it, `Cached.restore`): the result goes to the parent
    pickled, and pickling it twice cost as much as the extraction it carries. Else
    the result is what `Cached.sent` leaves of it, once stored.
    """
    kept = None if how is None else how.store(job, result)
    if forked and how is not None and how.sent is not None:  # what the parent needs of it
        result = how.sent(result)
    if kept is None:
        return result, None
    data = pickle.dumps(kept, PROTOCOL)
    assert how is not None
    return (None if forked and (kept is result or how.rebuilds) else result), data


# --- What each kind of job's key holds -----------------------------------------------------------
# Every input a job reads or is given, as digests: a file by its SHA-256, a record by its pickle.


# A target's fields but its language, which `catalogue_stage` spells once for all its targets.
_target_rest = attrgetter(*(item.name for item in fields(Target) if item.name != "language"))


# A publish job's decorations, as its key spells them: a record's own repr, thousands of times,
# cost a tenth of a run after one change (`publish_stage`).
_decorations_fields = attrgetter(*(item.name for item in fields(Decorations)))


# What an extraction is kept with instead of its document's plan, which its job holds: the
# paths of the document in every language, three fifths of the pickle of a short document
# in two languages, more in 21.
_UNPLANNED = SourceDocument("", "", "", None, ())


def source_stage(cache: JobCache) -> Cached[SourceDocument, SourceResult, SourceResult]:
    """Extraction: the source's bytes (and the configuration, in every key). It is kept
    without the document's plan (`_UNPLANNED`), given back by its job."""
    return Cached(
        lambda plan: cache.key("source", plan.source, cache.file_digest(plan.source)),
        lambda plan, result: None if result.error is not None else replace(result, plan=_UNPLANNED),
        lambda plan, kept: replace(kept, plan=plan),
        lambda kept: isinstance(kept, SourceResult),
        rebuilds=True,
    )


def catalogue_stage(
    cache: JobCache, context: RunContext, rewrites: bool = False
) -> Cached[CatalogueJob, CatalogueResult, CatalogueResult]:
    """Merge and check: the catalogue's bytes, its template, its language's memory, its documents.

    With `rewrites` (the run writes the catalogues it changes), a result that
    changes its catalogue is not kept: the file will have other bytes, and so
    the job another key. A run that writes nothing (``--check``, ``status``)
    keeps it, for the next run that finds the same bytes.
    """
    memories: dict[str, str] = {}

    def memory(tag: str) -> str:
        if tag not in memories:
            found = context.memories.get(tag)
            memories[tag] = cache.key("memory", tuple(found.suggestions)) if found else ""
        return memories[tag]

    templates: dict[int, tuple[Catalog, str]] = {}  # a template serves every language's job
    reads = reads_templates(context.steps)

    def template(job: CatalogueJob) -> str:
        if job.own_template:
            # Built from the one document (`jobs.build_template_file`): its source's bytes,
            # and, in a run that reads it, the template file's bytes and the run's date. Spelled
            # so, not entry by entry: a render of 652 documents spent 9 ms on the entries.
            plan = job.members[0].source.plan
            made_from = (plan.source, plan.name, cache.file_digest(plan.source))
            file = (cache.file_digest(plan.template), context.date) if reads else ()
            return cache.key("own template", plan.template, made_from, file)
        if id(job.template) not in templates:  # the template is kept too, so its id stays its own
            templates[id(job.template)] = (job.template, cache.key("template", job.template))
        return templates[id(job.template)][1]

    def target(member: Member) -> tuple[object, ...]:
        """The member's target, its language spelled once (`JobCache.language`), and its source."""
        target = member.target
        return (
            cache.language(target.language),
            _target_rest(target),
            cache.file_digest(member.source.plan.source),
        )

    def key(job: CatalogueJob) -> str:
        digest = cache.file_digest(job.path)
        members = [target(member) for member in job.members]
        # A new catalogue's header carries the run's date; an existing one keeps its own.
        date = context.date if digest == "-" else ""
        writes = "update" in context.steps  # the steps matter only through this
        tag = job.members[0].target.language.tag
        return cache.key("catalogue", writes, job.path, digest, template(job), memory(tag), members, date)

    def store(job: CatalogueJob, result: CatalogueResult) -> CatalogueResult | None:
        if result.error is not None:
            return None
        # Kept, a first run's every result would only fill the cache.
        rewritten = rewrites and result.change is not None and not result.change.current
        return None if rewritten else result

    return Cached(key, store, lambda job, kept: kept, lambda kept: isinstance(kept, CatalogueResult))


def template_file(
    cache: JobCache | None, context: RunContext, path: str, sources: Sequence[SourceResult]
) -> TemplateResult:
    """`jobs.build_template_file`, from the cache where it kept the template: by the template
    file's bytes and its documents' sources (a run after one change built, read and parsed
    every template of a docs tree again: 60 ms for 652 documents).

    Only a template its file holds already is kept (a run that writes templates, whose
    change is current). Its entries are then those of the file, whose header it keeps: the
    run's date, which a new header takes, does not shape it, and is left out of the key.
    """
    key = None if cache is None else _template_key(cache, context, path, sources)
    if cache is None or key is None:
        return build_template_file(context, path, sources)
    kept = cache.get(key, lambda value: isinstance(value, TemplateResult))
    if isinstance(kept, TemplateResult):
        return kept
    built = build_template_file(context, path, sources)
    if _keeps(built):
        cache.put(key, built)
    return built


def kept_template(
    cache: JobCache, context: RunContext, path: str, sources: Sequence[SourceResult], built: TemplateResult
) -> tuple[str, bytes] | None:
    """What the job cache keeps of a template a worker built (`template_file`): its key and its
    pickle, made on the worker's core; None when it is not kept."""
    key = _template_key(cache, context, path, sources) if _keeps(built) else None
    return None if key is None else (key, pickle.dumps(built, PROTOCOL))


def _template_key(
    cache: JobCache, context: RunContext, path: str, sources: Sequence[SourceResult]
) -> str | None:
    """The key of a template (`template_file`); None for a run that keeps none (one that does not
    write templates, whose templates have no header)."""
    if "extract" not in context.steps:
        return None
    members = [(s.plan.source, s.plan.name, cache.file_digest(s.plan.source)) for s in sources]
    return cache.key("template", path, cache.file_digest(path), sorted(context.steps), members)


def _keeps(built: TemplateResult) -> bool:
    """Whether a template is kept: its file holds it (see `template_file`)."""
    return built.change is not None and built.change.current


def publish_stage(cache: JobCache, context: RunContext) -> Cached[PublishJob, Published, Rendered]:
    """Rendering: the source, the accepted translations, the decorations; and the pages of its
    language's site it asked for, which the key leaves out: a kept rendering holds for a site
    that answers it alike (`jobs.Rendered`).

    Only the rendering is kept: whether the file at the output is the tool's is
    read anew each run (`jobs.judge_output`).
    """
    switchers: dict[int, tuple[object, str]] = {}  # one per document, shared by its languages

    def switcher(job: PublishJob) -> str:
        if id(job.switcher) not in switchers:
            entries = tuple(
                (None if lang is None else cache.language(lang), file) for lang, file in job.switcher
            )
            switchers[id(job.switcher)] = (job.switcher, cache.key("switcher", entries))
        return switchers[id(job.switcher)][1]

    def key(job: PublishJob) -> str:
        item = job.prepared
        # The translations accepted are those of the catalogue job named by `origin`:
        # its key stands for them (their sets have no fixed order from one process to
        # the next, so no spelling of them would do). English has none (""). None: the
        # cache did not keep those translations, nor so their rendering; its key is one
        # nothing kept has.
        made_from = "not kept" if job.origin is None else job.origin or cache.file_digest(item.source)
        decorations = _decorations_fields(job.decorations)  # every field, without the record's repr
        parts = (item.home, item.output, decorations, switcher(job), job.english_anchors)
        # Not the site: a rendering is taken back where the site answers as it did (`holds`).
        return cache.key("publish", item.source, made_from, parts)

    def store(job: PublishJob, published: Published) -> Rendered | None:
        if published.error is not None or job.origin is None:  # None: see `PublishJob`
            return None
        return Rendered(published.change.content, published.diagnostics, published.looked)

    def holds(job: PublishJob, kept: Rendered) -> bool:
        return reads_alike(job.site.pages, kept.looked)

    def fits(kept: object) -> bool:
        return isinstance(kept, Rendered)

    return Cached(key, store, partial(judge_output, context), fits, holds=holds, sent=unlooked)


def recalled_native_names(cache: JobCache, tags: Iterable[str]) -> dict[str, str]:
    """The names for themselves that an earlier run looked up for these languages (tags), those
    the job cache has: loading CLDR's data for one costs some 4 ms, and a run after a small
    change, or a report, would load every language's again. (The cache's keys hold the
    libraries' versions: CLDR's with Babel's.) They are the run's own (`RunContext`), not
    the process's, and each is a name as CLDR gives one, else it is looked up again."""
    found = {}
    for tag in tags:
        kept = cache.get(cache.key("native-name", tag), _is_name)
        if isinstance(kept, str) and _is_name(kept):
            found[tag] = kept
    return found


def keep_native_names(cache: JobCache, tags: Iterable[str]) -> None:
    """Keep the names these languages (tags) have for themselves, as CLDR gives them
    (`locales.native_name_of`), for the next run (`recalled_native_names`)."""
    for tag in tags:
        cache.put(cache.key("native-name", tag), native_name_of(tag))


def _is_name(value: object) -> bool:
    """Whether a kept value could be a language's name as CLDR gives one: a line of text."""
    return type(value) is str and 0 < len(value) <= _LONGEST_NAME and value.isprintable()


# CLDR's longest name of a language for itself is some 40 characters.
_LONGEST_NAME = 200


def memory_stage(cache: JobCache, config: Config) -> Cached[str, list[Suggestion], list[Suggestion]]:
    """Translation memory: each catalogue's translated entries, by the catalogue's bytes."""
    mode = config.settings.translation_memory
    return Cached(
        lambda path: cache.key("suggestions", path, cache.file_digest(path), mode),
        lambda path, found: found,
        lambda path, kept: kept,
        lambda kept: isinstance(kept, list) and all(isinstance(item, Suggestion) for item in kept),
    )
