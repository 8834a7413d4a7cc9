"""The languages' names for themselves, which the language switchers show: looked up once a run.

A language the configuration names (``language_names``) is shown so; any other by
its own name as CLDR gives it (`locales.native_name_of`: Türkçe, 日本語). CLDR's
names come with each language's whole data, some 4 ms a language to load, so a
run takes them from the job cache where an earlier run kept them
(`jobcache.recalled_native_names`), and looks up the others before its render
stage forks its workers, which inherit them: in a process of its own while the
run plans (`names_meanwhile`), on the core the planning leaves idle, or else in
the run's own process while its first workers run (`names_ahead`).
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Mapping, Sequence
from functools import partial

from i18n_sync.locales import native_name_of, remember_native_names
from i18n_sync.project.background import Background, in_background
from i18n_sync.project.config import Config
from i18n_sync.project.jobcache import JobCache, keep_native_names
from i18n_sync.project.snapshot import read_already
from i18n_sync.render.decorate import SWITCHER_MARKER

# Fewer languages to name than this are looked up by the run itself (`names_ahead`): a
# process of its own costs more than it saves.
_WORTH_A_PROCESS = 4


def unnamed_languages(config: Config) -> list[str]:
    """The tags of the languages the configuration gives no name: each shown by its own name."""
    given = dict(config.settings.language_names)  # as `jobs._labels` reads them
    return [language.tag for language in config.languages if not given.get(language.tag)]


def may_show_switcher(config: Config, sources: Iterable[str], given: Mapping[str, bytes | None]) -> bool:
    """Whether an output of one of these `sources` may show a language switcher, and so its
    languages' names be wanted. With ``language_switcher = "top"`` every output shows
    one; with "marker" (the default), those of a source that holds the marker line,
    which the bytes `given` tell (the run's snapshot; a source not in them may). A docs
    tree of hundreds of documents often has none: no name is then looked up ahead (a
    rendering that wants one after all looks it up itself)."""
    mode = config.settings.language_switcher
    if mode != "marker":
        return mode != "off"
    marker = SWITCHER_MARKER.encode()  # the line is ASCII; the sources are UTF-8
    # A source not read yet (`snapshot.Snapshot`: unchanged since the remembered run) may:
    # reading every source to tell was most of what a run after one change read.
    for source in sources:
        read, data = read_already(given, source)
        if not read or data is None or marker in data:
            return True
    return False


def learn_language_names(config: Config, known: Collection[str] = ()) -> list[str]:
    """Look up, in this process, the name each language has for itself that a switcher shows,
    but those `known` (tags) already; return the tags looked up."""
    tags = [tag for tag in unnamed_languages(config) if tag not in known]
    for tag in tags:
        native_name_of(tag)
    return tags


def names_meanwhile(
    config: Config, steps: Collection[str], workers: int
) -> Background[dict[str, str]] | None:
    """The names of the languages the configuration does not name, looked up by a process of
    its own (`background.in_background`) while this one plans; `names_ahead` takes them. A first
    sync in 21 languages spent some 80 ms on them beside its first workers. None for a run
    that shows no switcher, has one core, or has few languages to name."""
    if "render" not in steps or config.settings.language_switcher == "off" or workers < 2:
        return None
    tags = unnamed_languages(config)
    if len(tags) < _WORTH_A_PROCESS:
        return None
    return in_background(partial(_native_names, tags))


def _native_names(tags: Sequence[str]) -> dict[str, str]:
    """Each language's name for itself (`native_name_of`), by tag: `names_meanwhile`'s work."""
    return {tag: native_name_of(tag) for tag in tags}


def names_ahead(
    config: Config,
    cache: JobCache | None,
    known: Collection[str],
    looking: Background[dict[str, str]] | None = None,
) -> None:
    """Look up the languages' names for themselves that the job cache did not have (`known`:
    those it had), while the first workers run, and keep them there for the next run. Those
    `looking` found (`names_meanwhile`) are taken first, waiting for it if it is not done."""
    if looking is not None:
        remember_native_names(looking.result() or {})
    looked = learn_language_names(config, known)
    if cache is not None:
        keep_native_names(cache, looked)
