"""Time extract and render against markdown-it-py's bare parse of the same files.

The inputs are real Markdown: every ``.md`` file of the awesome-rlhf corpus
(all README revisions and translations), every CommonMark spec example and
every GFM fixture case, each as its own document. All texts are loaded into
memory before anything is timed. Each stage runs once untimed (warm-up), then
`--repeat` rounds; a round times every stage once, in turn, so that noise from
other work on the machine falls on all stages alike. The table reports the
median and the minimum of the rounds and the ratio of each median to the bare
parse's median.

Run from the repository root::

    python benchmarks/bench_pipeline.py [--repeat 7] [--corpus PATH] [--no-sync]
"""

from __future__ import annotations

import argparse
import gc
import json
import os
import platform
import re
import statistics
import sys
import tempfile
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from importlib.metadata import version
from pathlib import Path

from caches import empty, input_caches
from markdown_it import MarkdownIt
from mdit_py_plugins.gfm import gfm_plugin

from i18n_sync.errors import I18nSyncError
from i18n_sync.markdown.document import Document, load_document
from i18n_sync.markdown.extract import Extraction, extract_units
from i18n_sync.markdown.parser import MAX_NESTING
from i18n_sync.project.config import load_config
from i18n_sync.project.sync import run
from i18n_sync.render.splice import render_document

DEFAULT_CORPUS = Path(__file__).resolve().parents[1] / ".." / "shared" / "corpus"
TARGET = 1.5
"""The issue's target: each stage within this factor of the bare parse."""
SYNC_LABEL = "sync.run (2 languages, no catalogues)"


@dataclass(frozen=True, slots=True)
class Sample:
    """One input document: a name for messages and its text."""

    name: str
    text: str


@dataclass(frozen=True, slots=True)
class Prepared:
    """A sample loaded and extracted once, for the stages that start after extraction."""

    sample: Sample
    doc: Document
    extraction: Extraction


@dataclass(frozen=True, slots=True)
class Timing:
    """The rounds of one measurement, in seconds."""

    label: str
    seconds: tuple[float, ...]

    @property
    def median(self) -> float:
        return statistics.median(self.seconds)

    @property
    def best(self) -> float:
        return min(self.seconds)


# --- inputs -----------------------------------------------------------------


def _fixture_cases(text: str) -> Iterator[str]:
    """The inputs of a markdown-it-py fixture file: title, ".", input, ".", output, "."."""
    lines = text.split("\n")
    index = 0
    while index < len(lines):
        if lines[index] != ".":
            index += 1
            continue
        end = lines.index(".", index + 1)  # end of the input
        yield "\n".join(lines[index + 1 : end]) + "\n"
        index = lines.index(".", end + 1) + 1  # skip the expected output


def load_corpus(corpus: Path) -> list[Sample]:
    """Every document of the corpus, read into memory."""
    samples = [
        Sample(str(path.relative_to(corpus)), path.read_text(encoding="utf-8"))
        for path in sorted((corpus / "awesome-rlhf").glob("*.md"))
    ]
    spec = json.loads((corpus / "commonmark" / "commonmark-0.31.2.json").read_text(encoding="utf-8"))
    samples += [Sample(f"commonmark/example-{case['example']:04d}", case["markdown"]) for case in spec]
    for path in sorted((corpus / "commonmark").glob("gfm-*.fixtures.md")):
        cases = _fixture_cases(path.read_text(encoding="utf-8"))
        samples += [Sample(f"{path.stem}/case-{n:03d}", text) for n, text in enumerate(cases, start=1)]
    return samples


def prepare(samples: Sequence[Sample]) -> tuple[list[Prepared], list[str]]:
    """Load and extract every sample once; set aside those the tool refuses."""
    prepared: list[Prepared] = []
    refused: list[str] = []
    for sample in samples:
        try:
            doc = load_document(sample.text, sample.name)
            prepared.append(Prepared(sample, doc, extract_units(doc)))
        except I18nSyncError as error:
            refused.append(str(error))
    return prepared, refused


# A word is translated unless it is inside something a translator must keep:
# a placeholder, a code span, a tag or autolink, an entity, a URL, an address.
_KEEP_OR_WORD = re.compile(
    r"(\{\d+\}|(`+).*?\2|<[^>\n]*>|&#?\w+;|\w+://\S+|www\.\S+|\S+@\S+\.\w+)|([^\W\d_]+)",
    re.DOTALL,
)


def pseudo_translate(msgid: str) -> str:
    """A changed text of the same shape: each word reversed with its case swapped."""
    return _KEEP_OR_WORD.sub(lambda m: m.group(0) if m.group(1) else m.group(3)[::-1].swapcase(), msgid)


def pseudo_catalogue(prepared: Sequence[Prepared]) -> dict[str, str]:
    """A full translation: every msgid of every document mapped to its pseudo-translation."""
    return {unit.msgid: pseudo_translate(unit.msgid) for p in prepared for unit in p.extraction.units}


# --- the stages timed -------------------------------------------------------


def bare_parser() -> MarkdownIt:
    """markdown-it-py configured as the tool configures it, without its position marks."""
    md = MarkdownIt("commonmark").use(gfm_plugin, front_matter=True)
    md.options["maxNesting"] = MAX_NESTING
    return md


def stages(prepared: Sequence[Prepared], full: Mapping[str, str]) -> dict[str, Callable[[], object]]:
    """The measurements, by label; each processes every document once."""
    md = bare_parser()
    texts = [(p.sample.text, p.sample.name) for p in prepared]
    empty: dict[str, str] = {}

    def parse() -> None:
        for text, _ in texts:
            md.parse(text)

    def extract() -> None:
        for text, name in texts:
            extract_units(load_document(text, name))

    def render(translations: Mapping[str, str]) -> Callable[[], None]:
        def timed() -> None:
            for p in prepared:
                e = p.extraction
                render_document(p.doc, e.units, translations, e.context, outline=e.outline)

        return timed

    def extract_and_render() -> None:
        for text, name in texts:
            doc = load_document(text, name)
            e = extract_units(doc)
            render_document(doc, e.units, full, e.context, outline=e.outline)

    return {
        "bare parse (markdown-it-py)": parse,
        "extract": extract,
        "render, empty catalogue": render(empty),
        "render, full pseudo-translation": render(full),
        "extract + render (full)": extract_and_render,
    }


def sync_stage(samples: Sequence[Sample], workdir: Path) -> Callable[[], object]:
    """`sync.run` over a temporary project holding the samples (two languages, no catalogues).

    Nothing is written, so every round does the same work: extract, template,
    merge into new catalogues, render. Reading the sources is part of it.
    """
    (workdir / "i18n-sync.toml").write_text('languages = ["tr", "zh-CN"]\n', encoding="utf-8")
    for number, sample in enumerate(samples):
        path = workdir / "content" / f"doc{number:04d}.md"
        path.parent.mkdir(exist_ok=True)
        path.write_text(sample.text, encoding="utf-8", newline="")
    config = load_config(workdir)

    return lambda: run(config, environ={"SOURCE_DATE_EPOCH": "0"})


def warm_up(cases: dict[str, Callable[[], object]], optional: str) -> str | None:
    """Run each case once, untimed; drop the `optional` case if it fails, saying why."""
    for label, case in list(cases.items()):
        try:
            case()
        except Exception as error:  # the optional pass must not cost the main figures
            if label != optional:
                raise
            del cases[label]
            return f"{label} left out: it failed with {type(error).__name__}: {error}"
    return None


def measure(cases: Mapping[str, Callable[[], object]], repeat: int) -> list[Timing]:
    """Time `repeat` interleaved rounds of already warmed-up cases.

    Each stage starts with the package's input caches empty, as a fresh run does:
    otherwise a round would find the checks' parses of the previous round.
    """
    caches = input_caches()
    rounds: dict[str, list[float]] = {label: [] for label in cases}
    for _ in range(repeat):
        for label, case in cases.items():
            empty(caches)
            gc.collect()
            start = time.perf_counter()
            case()
            rounds[label].append(time.perf_counter() - start)
    return [Timing(label, tuple(seconds)) for label, seconds in rounds.items()]


# --- report -----------------------------------------------------------------


def describe_inputs(prepared: Sequence[Prepared], refused: Sequence[str]) -> list[str]:
    """Versions and the size of what was timed."""
    texts = [p.sample.text for p in prepared]
    size = sum(len(text.encode("utf-8")) for text in texts)
    lines = sum(len(p.doc.lines) for p in prepared)
    units = sum(len(p.extraction.units) for p in prepared)
    lines_out = [
        f"Python {platform.python_version()}, markdown-it-py {version('markdown-it-py')}, "
        f"mdit-py-plugins {version('mdit-py-plugins')}, i18n-sync {version('i18n-sync')}",
        f"input: {len(texts)} files, {size / 1e6:.2f} MB, {lines} lines, {units} units",
    ]
    if refused:
        lines_out.append(f"left out: {len(refused)} files the tool refuses, e.g. {refused[0]}")
    return lines_out


def render_coverage(prepared: Sequence[Prepared], full: Mapping[str, str]) -> str:
    """How much of the pseudo-translation render actually spliced in."""
    units = translated = rejected = 0
    for p in prepared:
        e = p.extraction
        rendered = render_document(p.doc, e.units, full, e.context, outline=e.outline)
        units += len(p.extraction.units)
        translated += rendered.translated
        rejected += len(rendered.diagnostics)
    return (
        f"pseudo-translation: {translated} of {units} units spliced, {rejected} rejected by render's checks"
    )


def table(timings: Sequence[Timing]) -> list[str]:
    """A plain aligned table: median, min, and each as a ratio to the bare parse's."""
    base = timings[0].median
    width = max(len(t.label) for t in timings)
    best = timings[0].best
    rows = [f"{'stage':<{width}}  {'median ms':>10}  {'min ms':>10}  {'median/parse':>12}  {'min/parse':>9}"]
    rows += [
        f"{t.label:<{width}}  {t.median * 1e3:>10.1f}  {t.best * 1e3:>10.1f}"
        f"  {t.median / base:>11.2f}x  {t.best / best:>8.2f}x"
        for t in timings
    ]
    return rows


def verdicts(timings: Sequence[Timing]) -> list[str]:
    """One line per target: extract and each render within `TARGET` of the parse."""
    base = timings[0].median
    lines = []
    for timing in timings:
        if timing.label == "extract" or timing.label.startswith("render"):
            ratio = timing.median / base
            verdict = "OK" if ratio <= TARGET else "MISSED"
            lines.append(f"{timing.label} / parse = {ratio:.2f}x (target <= {TARGET}x): {verdict}")
    return lines


def parse_args(argv: Sequence[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--corpus", type=Path, default=DEFAULT_CORPUS, help="the shared corpus directory")
    parser.add_argument("--repeat", type=int, default=7, help="timed rounds per stage (default 7)")
    parser.add_argument("--no-sync", action="store_true", help="skip the sync.run pass over a temp project")
    args = parser.parse_args(argv)
    if args.repeat < 1:
        parser.error("--repeat must be at least 1")
    return args


def main(argv: Sequence[str] = sys.argv[1:]) -> int:
    args = parse_args(argv)
    corpus = args.corpus.resolve()
    if not (corpus / "awesome-rlhf").is_dir() or not (corpus / "commonmark").is_dir():
        print(
            f"no corpus at {corpus} (needs awesome-rlhf/ and commonmark/); pass --corpus PATH",
            file=sys.stderr,
        )
        return 2
    samples = load_corpus(corpus)
    prepared, refused = prepare(samples)
    full = pseudo_catalogue(prepared)
    print("\n".join(describe_inputs(prepared, refused)))
    print(render_coverage(prepared, full))
    print(f"{args.repeat} rounds per stage, median and min\n")
    cases = stages(prepared, full)
    with tempfile.TemporaryDirectory(prefix="i18n-sync-bench-") as workdir:
        if not args.no_sync:
            cases[SYNC_LABEL] = sync_stage([p.sample for p in prepared], Path(workdir))
        problem = warm_up(cases, SYNC_LABEL)
        if problem:
            print(problem + "\n")
        timings = measure(cases, args.repeat)
    print("\n".join(table(timings)))
    # Other people share this machine: a high load explains a wide median/min gap.
    print("load average at the end: " + ", ".join(f"{load:.2f}" for load in os.getloadavg()))
    print()
    print("\n".join(verdicts(timings)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
