"""The real English history of awesome-rlhf, replayed through `update`, with GNU msgmerge beside it.

The first revision (2023-04-17) is fully pseudo-translated; each later revision
up to 2025-12-09 is then merged in, in order. The figures (kept, fuzzy, new,
obsolete, back per revision, and where msgmerge and we differ) are printed at
the end of the pytest run, whatever the capture mode, and recorded as
properties for ``--junitxml``.
"""

from __future__ import annotations

import hashlib
import shutil
import subprocess
import sys
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field, replace
from functools import cache
from itertools import pairwise
from pathlib import Path

import pytest
from rapidfuzz import fuzz

from corpus import SKIP_REASON, available, english_revisions
from helpers import FIXED_DATE, uppercase
from i18n_sync.gettext.catalog import build_template
from i18n_sync.gettext.matcher import SIMILARITY_THRESHOLD, similarity, word_similarity, words_of
from i18n_sync.gettext.merge import merge_catalog, source_of
from i18n_sync.gettext.po import format_po, parse_po
from i18n_sync.markdown.document import load_document
from i18n_sync.markdown.extract import extract_units
from i18n_sync.model import Catalog, Message

pytestmark = [pytest.mark.corpus, pytest.mark.skipif(not available(), reason=SKIP_REASON)]

HEADER = (
    ("Content-Type", "text/plain; charset=UTF-8"),
    ("Language", "tr"),
    ("Plural-Forms", "nplurals=1; plural=0;"),
)
Emit = Callable[[str, list[str]], None]


class _Summary:
    """A tiny pytest plugin: lines to show in the terminal summary."""

    def __init__(self) -> None:
        self.sections: dict[str, list[str]] = {}

    def pytest_terminal_summary(self, terminalreporter: pytest.TerminalReporter) -> None:
        for title, lines in self.sections.items():
            terminalreporter.section(title)
            for line in lines:
                terminalreporter.write_line(line)


@pytest.fixture
def emit(request: pytest.FixtureRequest, record_property: Callable[[str, object], None]) -> Emit:
    """Report figures in the test output: terminal summary, junit property, and stderr under ``-s``."""
    manager = request.config.pluginmanager
    plugin = manager.get_plugin("merge-history-summary")
    if plugin is None:
        plugin = _Summary()
        manager.register(plugin, "merge-history-summary")

    def report(title: str, lines: list[str]) -> None:
        plugin.sections[title] = lines
        record_property(title, "\n".join(lines))
        print(title, *lines, sep="\n", file=sys.stderr)

    return report


@cache
def history() -> tuple[tuple[str, Catalog], ...]:
    """Each English revision's template, oldest first, named by its date."""
    result = []
    for sample in english_revisions():
        units = extract_units(load_document(sample.text, "README.md")).units
        result.append((sample.name.split(".")[1], build_template(units, "README.md", "t", None, FIXED_DATE)))
    return tuple(result)


def first_translation() -> Catalog:
    """The first revision, every entry translated (UPPERCASED), some with a comment and a flag."""
    template = history()[0][1]
    messages = tuple(
        replace(m, msgstr=uppercase(m.msgid), comments=(f"checked {i}",) if i % 5 == 0 else ())
        for i, m in enumerate(template.messages)
    )
    return Catalog(HEADER, messages, ("tr translation of README.md.",))


def holders(catalog: Catalog, old: Message, active_only: bool = False) -> list[Message]:
    """The entries of `catalog` that carry `old`'s translation: same msgstr, for the same English."""
    english = source_of(old)[1]
    return [
        m
        for m in catalog.messages
        if m.msgstr == old.msgstr
        and english in (m.msgid, m.previous_msgid)
        and not (active_only and m.obsolete)
    ]


def assert_nothing_lost(before: Catalog, after: Catalog) -> None:
    for old in before.messages:
        if old.msgstr:
            found = holders(after, old)
            assert found, f"lost {source_of(old)[1]!r}"
            assert any(m.comments == old.comments for m in found), f"comments of {old.msgid!r} lost"


def replay() -> Iterator[tuple[str, Catalog, Catalog, Catalog]]:
    """(revision, old catalogue, template, our update) for each revision after the first."""
    current = first_translation()
    for name, template in history()[1:]:
        merged, _ = merge_catalog(current, template)
        merged = parse_po(format_po(merged), f"{name}.po")
        yield name, current, template, merged
        current = merged


def test_replaying_the_real_history_loses_nothing(emit: Emit) -> None:
    rows = [f"{'revision':<12}{'entries':>8}{'kept':>6}{'fuzzy':>7}{'new':>5}{'obsolete':>10}{'back':>6}"]
    first = first_translation()
    total_fuzzy = 0
    for name, old, template, merged in replay():
        _, report = merge_catalog(old, template)
        assert_nothing_lost(old, merged)
        assert [m.msgid for m in merged.active] == [m.msgid for m in template.messages]
        for entry in merged.active:
            if entry.is_fuzzy:
                assert entry.previous_msgid is not None
                assert similarity(entry.msgid, entry.previous_msgid) >= SIMILARITY_THRESHOLD
        total_fuzzy += report.fuzzy
        rows.append(
            f"{name:<12}{len(template.messages):>8}{report.kept:>6}{report.fuzzy:>7}{report.added:>5}"
            f"{report.obsolete:>10}{report.revived:>6}"
        )
    # Every translation of the first revision is still there at the end, through every update.
    assert_nothing_lost(first, merged)
    assert total_fuzzy, "the history has reworded entries; some must have been offered as fuzzy"
    emit("merge history: awesome-rlhf, first revision fully translated", rows)


@dataclass(slots=True)
class Differences:
    """How our update and msgmerge's differ on one revision, new msgid by new msgid."""

    same: int = 0
    lines: list[str] = field(default_factory=list)
    counts: Counter[str] = field(default_factory=Counter)

    def add(self, kind: str, line: str) -> None:
        self.counts[kind] += 1
        self.lines.append(f"  {kind}: {line}")


def _short(text: str | None) -> str:
    text = text or ""
    return repr(text if len(text) <= 60 else text[:57] + "...")


def _similarity(a: str, b: str) -> str:
    words = float(word_similarity(words_of(a), words_of(b)))
    return f"ours {float(similarity(a, b)):.2f}, words {words:.2f}, characters {fuzz.ratio(a, b) / 100:.2f}"


def compare(old: Catalog, gnu: Catalog, ours: Catalog) -> Differences:
    """Each active entry of msgmerge's result against ours, by msgid."""
    mine = {m.msgid: m for m in ours.active}
    known = {m.msgid for m in old.messages}
    found = Differences()
    for theirs in gnu.active:
        own = mine[theirs.msgid]
        state = (bool(theirs.msgstr), theirs.is_fuzzy, theirs.previous_msgid)
        if state == (bool(own.msgstr), own.is_fuzzy, own.previous_msgid) and theirs.msgstr == own.msgstr:
            found.same += 1
            found.counts["same new fuzzy suggestion"] += theirs.is_fuzzy and theirs.msgid not in known
        elif theirs.is_fuzzy and not own.msgstr:
            # msgmerge compares with the old msgid and keeps an old fuzzy entry's previous msgid.
            source = holders(old, theirs)[0].msgid
            # We decline only suggestions below our threshold: the index misses nothing msgmerge finds.
            assert similarity(theirs.msgid, source) < SIMILARITY_THRESHOLD
            via = "" if source == theirs.previous_msgid else f", compared with {_short(source)}"
            found.add(
                "msgmerge fuzzy, we leave it new",
                f"{_short(theirs.msgid)} <- {_short(theirs.previous_msgid)}{via} "
                f"({_similarity(theirs.msgid, source)})",
            )
        elif theirs.is_fuzzy and own.is_fuzzy:
            found.add(
                "both fuzzy, other source",
                f"{_short(theirs.msgid)}: msgmerge <- {_short(theirs.previous_msgid)}, "
                f"we <- {_short(own.previous_msgid)}",
            )
        elif own.is_fuzzy and not theirs.msgstr:
            found.add(
                "we fuzzy, msgmerge leaves it new",
                f"{_short(own.msgid)} <- {_short(own.previous_msgid)} "
                f"({_similarity(own.msgid, own.previous_msgid or '')})",
            )
        else:
            found.add("other", f"{_short(theirs.msgid)}: msgmerge {state}, we {own}")
    return found


@pytest.mark.skipif(shutil.which("msgmerge") is None, reason="GNU msgmerge is not installed")
def test_every_translation_msgmerge_carries_over_we_carry_over_too(tmp_path: Path, emit: Emit) -> None:
    lines: list[str] = []
    totals: Counter[str] = Counter()
    for name, old, template, ours in replay():
        gnu = run_msgmerge(tmp_path, old, template)
        assert [m.msgid for m in gnu.active] == [m.msgid for m in ours.active]
        theirs = {m.msgid: m for m in gnu.active}
        for entry in ours.active:
            if theirs[entry.msgid].is_translated:
                assert entry.is_translated and entry.msgstr == theirs[entry.msgid].msgstr, entry.msgid
        for previous in old.messages:
            if not previous.msgstr:
                continue
            # What msgmerge keeps in use (translated or fuzzy), we keep in use too...
            if holders(gnu, previous, active_only=True):
                assert holders(ours, previous, active_only=True), f"{previous.msgid!r} not carried over"
            # ...and what it keeps at all, we keep.
            if holders(gnu, previous):
                assert holders(ours, previous), f"{previous.msgid!r} lost"
        differences = compare(old, gnu, ours)
        known = {m.msgid for m in old.messages}
        gnu_fuzzy = sum(1 for m in gnu.active if m.is_fuzzy and m.msgid not in known)
        ours_fuzzy = sum(1 for m in ours.active if m.is_fuzzy and m.msgid not in known)
        lines.append(
            f"{name}: {len(template.messages)} entries, {differences.same} alike; new fuzzy suggestions: "
            f"msgmerge {gnu_fuzzy}, we {ours_fuzzy}; obsolete: msgmerge {len(gnu.messages) - len(gnu.active)}"
            f", we {len(ours.messages) - len(ours.active)}"
        )
        lines.extend(differences.lines)
        for kind, count in differences.counts.items():
            totals[kind] = totals.get(kind, 0) + count
    assert "other" not in totals, "\n".join(lines)
    assert "both fuzzy, other source" not in totals, "\n".join(lines)
    lines.append(
        "totals: " + (", ".join(f"{count} {kind}" for kind, count in totals.items()) or "no differences")
    )
    emit("merge history: differences from GNU msgmerge (fuzzy matching on)", lines)


LABELS = Path(__file__).parent / "fixtures" / "merge" / "labelled-suggestions.tsv"


def digest(text: str) -> str:
    """How the labelled sample names a corpus msgid without copying it."""
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:12]


def labels() -> dict[tuple[str, str, str], str]:
    """(revision, new msgid digest, old msgid digest) → useful or junk, as labelled by hand."""
    rows = [line.split("\t") for line in LABELS.read_text("utf-8").splitlines() if not line.startswith("#")]
    return {(row[0], row[1], row[2]): row[3] for row in rows[1:]}


def suggestions(old: Catalog, merged: Catalog) -> dict[str, str]:
    """New msgid → the old msgid whose translation was offered as fuzzy."""
    known = {m.msgid for m in old.messages}
    return {
        m.msgid: m.previous_msgid
        for m in merged.active
        if m.is_fuzzy and m.msgid not in known and m.previous_msgid is not None
    }


@pytest.mark.skipif(shutil.which("msgmerge") is None, reason="GNU msgmerge is not installed")
def test_fuzzy_suggestions_against_msgmerge_on_a_hand_labelled_sample(tmp_path: Path, emit: Emit) -> None:
    """Each revision, fully translated, merged into the next: every suggestion either tool makes, judged.

    Ours must be right where msgmerge is right in at least 90% of the cases,
    with fewer junk suggestions; every suggestion we make must be in the sample.
    """
    labelled = labels()
    tally: Counter[str] = Counter()
    unlabelled = []
    revisions = history()
    for (_, before), (name, template) in pairwise(revisions):
        old = replace(
            first_translation(),
            messages=tuple(replace(m, msgstr=uppercase(m.msgid)) for m in before.messages),
        )
        gnu = suggestions(old, run_msgmerge(tmp_path, old, template))
        ours = suggestions(old, merge_catalog(old, template)[0])
        for new, previous in ours.items():
            label = labelled.get((name, digest(new), digest(previous)))
            if label is None:
                unlabelled.append(f"{name}\t{digest(new)}\t{digest(previous)}\t?\t{new!r} <- {previous!r}")
            tally[f"ours {label}"] += 1
        for new, previous in gnu.items():
            label = labelled.get((name, digest(new), digest(previous)))
            tally[f"msgmerge {label}"] += 1
            if label == "useful":
                ours_label = labelled.get((name, digest(new), digest(ours.get(new, ""))))
                tally["msgmerge useful, ours useful too"] += ours_label == "useful"
    assert not unlabelled, "label these suggestions in " + str(LABELS) + ":\n" + "\n".join(unlabelled)
    assert tally["msgmerge useful"] + tally["msgmerge junk"] >= 60, tally
    right = tally["msgmerge useful, ours useful too"] / tally["msgmerge useful"]
    assert right >= 0.9, tally
    assert tally["ours junk"] < tally["msgmerge junk"], tally
    emit(
        "merge history: fuzzy suggestions against msgmerge, hand-labelled sample",
        [
            f"labelled suggestions: {len(labelled)}; msgmerge made {tally['msgmerge useful']} useful, "
            f"{tally['msgmerge junk']} junk ({tally['msgmerge None']} unlabelled); we made "
            f"{tally['ours useful']} useful, {tally['ours junk']} junk",
            f"where msgmerge is right, we are right too in {tally['msgmerge useful, ours useful too']} of "
            f"{tally['msgmerge useful']} ({right:.0%})",
        ],
    )


def run_msgmerge(folder: Path, old: Catalog, template: Catalog) -> Catalog:
    """GNU msgmerge on the same two files, as a translator's tool chain would run it."""
    (folder / "old.po").write_text(format_po(old), encoding="utf-8")
    (folder / "new.pot").write_text(format_po(template), encoding="utf-8")
    output = folder / "gnu.po"
    subprocess.run(
        ["msgmerge", "--quiet", "--previous", "--no-wrap", "--output-file", str(output), "old.po", "new.pot"],
        cwd=folder,
        check=True,
        capture_output=True,
    )
    return parse_po(output.read_text(encoding="utf-8"), str(output))
