"""Loading the real-world corpus that lives beside the checkout, in ../shared/corpus.

The corpus is data, never copied into the project: tests read it by path and
skip, with `SKIP_REASON`, when it is not there. Every loader returns `Sample`s
named so that a failure message says which example or file broke.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import cache
from pathlib import Path

CORPUS = Path(__file__).resolve().parents[1] / ".." / "shared" / "corpus"
SKIP_REASON = f"the shared corpus is not at {CORPUS} (it sits in ../shared beside the checkout)"
NEWEST_README = "en.2025-12-09.e5942c0.md"
OLDER_README = "en.2023-04-17.94e8dd8.md"


@dataclass(frozen=True, slots=True)
class Sample:
    """One Markdown document of the corpus and a name a failure message can show."""

    name: str
    text: str


def available() -> bool:
    """Whether the corpus is there to test against."""
    return (CORPUS / "commonmark").is_dir() and (CORPUS / "awesome-rlhf").is_dir()


def read_text(path: Path) -> str:
    """Read UTF-8 exactly: no newline translation, so byte-for-byte checks mean bytes."""
    return path.read_bytes().decode("utf-8")


@cache
def commonmark_examples() -> tuple[Sample, ...]:
    """Every example of the CommonMark 0.31.2 spec, each its own document."""
    examples = json.loads(read_text(CORPUS / "commonmark" / "commonmark-0.31.2.json"))
    return tuple(
        Sample(f"CommonMark example {item['example']} ({item['section']})", item["markdown"])
        for item in examples
    )


def fixture_inputs(text: str) -> list[tuple[int, str, str]]:
    """Split a markdown-it fixture file into (line, title, input) triples.

    A case is a title line, a ``.`` line, the input, a ``.`` line, the expected
    HTML and a closing ``.`` line; `line` is the 1-based line of the first ``.``.
    """
    lines = text.split("\n")
    cases: list[tuple[int, str, str]] = []
    index = 0
    while index < len(lines):
        if lines[index] != ".":
            index += 1
            continue
        input_end = lines.index(".", index + 1)
        html_end = lines.index(".", input_end + 1)
        title = lines[index - 1].strip() if index else ""
        body = lines[index + 1 : input_end]
        cases.append((index + 1, title, "".join(line + "\n" for line in body)))
        index = html_end + 1
    return cases


@cache
def gfm_fixture_files() -> tuple[Path, ...]:
    """The GFM fixture files (alerts, linkify, strikethrough, tables, task lists)."""
    return tuple(sorted((CORPUS / "commonmark").glob("gfm-*.fixtures.md")))


@cache
def gfm_cases() -> tuple[Sample, ...]:
    """The input of every case of every GFM fixture file."""
    return tuple(
        Sample(f"{path.name}:{line} ({title or 'untitled'})", source)
        for path in gfm_fixture_files()
        for line, title, source in fixture_inputs(read_text(path))
    )


@cache
def rlhf_documents() -> tuple[Sample, ...]:
    """Every Markdown file of the awesome-rlhf corpus: English revisions and translations."""
    return tuple(
        Sample(path.name, read_text(path)) for path in sorted((CORPUS / "awesome-rlhf").glob("*.md"))
    )


def english_revisions() -> tuple[Sample, ...]:
    """The English README revisions, oldest first."""
    return tuple(sample for sample in rlhf_documents() if sample.name.startswith("en."))


def rlhf_document(name: str) -> Sample:
    """One awesome-rlhf file by name."""
    return Sample(name, read_text(CORPUS / "awesome-rlhf" / name))


@cache
def readme_documents() -> tuple[Sample, ...]:
    """Every README of the corpus, English revisions and translations, named folder/file.

    awesome-rlhf's files (its own README.md describes the folder, and is left out), then
    nodebestpractices' and wtfjs' ``README.*.md``.
    """
    rlhf = sorted(
        p for p in (CORPUS / "awesome-rlhf").glob("*.md") if p.name.startswith(("en.", "tr.", "zh"))
    )
    others = sorted(p for name in ("nodebestpractices", "wtfjs") for p in (CORPUS / name).glob("README.*.md"))
    return tuple(Sample(f"{path.parent.name}/{path.name}", read_text(path)) for path in (*rlhf, *others))


@cache
def project_readmes(project: str) -> tuple[Sample, ...]:
    """The ``README.*.md`` files of nodebestpractices or wtfjs."""
    return tuple(s for s in readme_documents() if s.name.startswith(project + "/"))


def all_samples() -> tuple[Sample, ...]:
    """Every document the corpus holds: spec examples, GFM cases and awesome-rlhf files."""
    return (*commonmark_examples(), *gfm_cases(), *rlhf_documents())
