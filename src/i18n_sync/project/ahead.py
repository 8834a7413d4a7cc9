"""A run's sources, listed while the command line loads (`start`, `listed`).

The ``i18n-sync`` program spends a tenth of a second importing its modules
before a command runs, on one core. A run then reads its configuration and
lists its sources (`plan.source_candidates`, `plan.find_sources`: 17 ms of a
render of the 652 CommonMark examples), on one core still. So when the command
line is a run's, a process of its own (`background.in_background`), forked
before those imports, reads the configuration and lists the sources meanwhile.
The run takes that listing where it read the very same configuration for the
very same folder (`listed`), and lists them itself otherwise: a process that
failed, or a command line read otherwise than click reads it, costs nothing
but the other core's time.

A listing taken a moment before the run would take it is as good as the run's
own: a file added in between is the next run's, as it would be a moment later.
Not so for a run that waits for another's lock: the listing is dropped then
(`forget`), older than that run's writes. The process writes nothing.
"""

from __future__ import annotations

import atexit
import os
from collections.abc import Sequence
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING

from i18n_sync.project.background import Background, in_background
from i18n_sync.record import record

if TYPE_CHECKING:
    from i18n_sync.locales import Language
    from i18n_sync.project.config import Config, Settings

# The commands that plan a run, and the options before them that take a value.
_PLANNING = frozenset({"sync", "render", "update", "extract", "status", "check"})
_VALUED = frozenset({"--root", "--format"})


@record
class Listing:
    """What the process found: the configuration it read, for the project at `root` (resolved),
    and the `sources` patterns' files (`plan.source_candidates`) and the sources among them
    (`plan.find_sources`; None where the cache remembers a plan of the project, which a run
    takes instead of listing them)."""

    root: str
    file: str
    settings: Settings
    languages: tuple[Language, ...]
    candidates: tuple[str, ...]
    sources: tuple[str, ...] | None

    def fits(self, config: Config) -> bool:
        """Whether the listing was made with `config`, read from the same file of the same folder."""
        return (
            self.root == str(config.root.resolve())
            and self.file == config.file
            and self.settings == config.settings
            and self.languages == config.languages
        )


_ahead: Background[Listing] | None = None


def start(args: Sequence[str]) -> None:
    """List the sources in a process of its own, when `args` (the command line, without the
    program's name) run a command that plans a run. A listing nobody took (the command
    failed before its run) is stopped when the program ends."""
    global _ahead
    root = planned_root(args)
    if root is None:
        return
    forget()
    _ahead = in_background(partial(_list, root))
    if _ahead is not None:
        atexit.register(forget)


def forget() -> None:
    """Drop the listing made ahead, untaken, and end its process, done or not: for a run that
    waited for another run's lock (the listing is older than that run's writes), and at the
    program's end, in a process that goes on (a test, a tool that runs the command line in
    its own process)."""
    global _ahead
    untaken, _ahead = _ahead, None
    if untaken is not None:
        untaken.stop()
        atexit.unregister(forget)


def taken(config: Config) -> Listing | None:
    """The listing made ahead for `config`, once; None where none was (another command, no fork
    here), or where it was made for another configuration."""
    global _ahead
    ahead, _ahead = _ahead, None
    if ahead is None:
        return None
    atexit.unregister(forget)  # nothing left to stop at the end
    with ahead:  # stopped, and waited for, even when a ^C ends the wait for its listing
        found = ahead.result()
    return found if found is not None and found.fits(config) else None


class Listed:
    """A run's candidates (`plan.source_candidates`) and sources (`sources`, `plan.find_sources`):
    as the process listed them ahead, else listed here, the sources when first asked for."""

    __slots__ = ("_config", "_sources", "candidates")

    def __init__(self, config: Config, candidates: set[str], sources: list[str] | None = None) -> None:
        self._config, self.candidates, self._sources = config, candidates, sources

    def sources(self) -> list[str]:
        if self._sources is None:
            from i18n_sync.project.plan import find_sources  # imported by then: this module starts first

            self._sources = find_sources(self._config, self.candidates)
        return self._sources


def listed(config: Config) -> Listed:
    """The candidates and the sources of a run of `config`: those listed ahead for it (`taken`),
    else listed here (the candidates now, which raises what is wrong with the patterns)."""
    found = taken(config)
    if found is None:
        from i18n_sync.project.plan import source_candidates  # imported by then, as above

        return Listed(config, source_candidates(config))
    return Listed(config, set(found.candidates), None if found.sources is None else list(found.sources))


def planned_root(args: Sequence[str]) -> str | None:
    """The project folder of a command line that plans a run, as click reads it: the command's
    own ``--root``, else the group's, else the current folder; None for another command line
    (another command, ``--help``, ``--version``, an option it does not know before the command).
    A misreading costs nothing: the run takes the listing only for its own configuration."""
    root = "."
    words = list(args)
    command = None
    index = 0
    while index < len(words):
        word = words[index]
        if word in ("--help", "-h", "--version", "--"):
            return None
        name, equals, value = word.partition("=")
        if name == "--root" or (command is None and name in _VALUED):
            if not equals:
                index += 1
                if index >= len(words):
                    return None
                value = words[index]
            if name == "--root":
                root = value
        elif command is None:
            if word.startswith("-") and word not in ("-q", "--quiet", "-v", "--verbose"):
                return None
            if not word.startswith("-"):
                command = word
        index += 1
    return root if command in _PLANNING else None


def _list(root: str) -> Listing:
    """In the process `start` forked: read the configuration, its languages as an earlier run
    parsed them where it can (`cachedir.recall_languages`: CLDR's data for 21 languages took
    the process longer than the program's imports), and list the sources."""
    from i18n_sync.project.cachedir import recall_languages, remembers_a_plan
    from i18n_sync.project.config import load_config
    from i18n_sync.project.plan import find_sources, source_candidates

    recall_languages(Path(root), os.environ)
    config = load_config(Path(root))
    candidates = source_candidates(config)
    # A run that takes a remembered plan asks only for the candidates (a no-op run, a run
    # after a change): listing the sources too took 60-90 ms of the other core on a tree in
    # 21 languages, beside the signatures that run looks at on both cores.
    planned = remembers_a_plan(config.root, os.environ)
    found = None if planned else tuple(find_sources(config, candidates))
    resolved = str(config.root.resolve())
    return Listing(resolved, config.file, config.settings, config.languages, tuple(sorted(candidates)), found)
