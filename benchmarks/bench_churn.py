"""Churn: the lines a no-op ``sync`` changes in catalogues that another tool saved last.

A translator's tool re-saves a catalogue in its own layout: GNU ``msgcat``
(``--no-wrap``, its default width 79, ``--width=76``), ``msgmerge`` (default
width), Translate Toolkit's ``pypo`` (the library Weblate uses, width 77, every
unit's strings set again as Weblate does when it saves a translation), polib
(width 78) or i18n-sync itself. Then ``i18n-sync sync`` runs with nothing
changed in English; its churn is the number of catalogue lines it adds plus the
number it removes (as ``git diff --numstat`` counts them). A second figure
edits one English paragraph and counts the lines changed outside that entry.

Projects: this repository (content/README.md and its tr and zh_CN catalogues)
and, from ``../shared/corpus``, the newest English README of awesome-rlhf, wtfjs
and nodebestpractices with tr and zh-CN catalogues pseudo-translated (every
msgstr is the msgid in capitals, so strings are as long as real ones).

Run from the repository root (tools that are not installed are skipped)::

    PYTHONPATH=src python benchmarks/bench_churn.py [--corpus PATH] [--keep DIR]
"""

from __future__ import annotations

import argparse
import difflib
import os
import re
import shutil
import sys
import tempfile
from dataclasses import replace
from pathlib import Path

from click.testing import CliRunner

from i18n_sync.cli import main
from i18n_sync.gettext.po import format_po, parse_po

ROOT = Path(__file__).resolve().parents[1]
CORPUS = ROOT / ".." / "shared" / "corpus"
CORPUS_SOURCES = (
    "awesome-rlhf/en.2025-12-09.e5942c0.md",
    "wtfjs/README.en.f0afdea.md",
    "nodebestpractices/README.en.fedb0bd.md",
)

# The editors' round trips, as the tests run them (tests/po_writers.py).
sys.path.insert(0, str(ROOT / "tests"))
from po_writers import WRITERS, Writer, is_available  # noqa: E402


def sync(root: Path, *args: str) -> None:
    result = CliRunner().invoke(main, ["sync", *args, "--root", str(root)])
    if result.exit_code not in (0, 1) or (result.exception and not isinstance(result.exception, SystemExit)):
        raise RuntimeError(f"sync failed in {root}: {result.output}")


def catalogues(root: Path) -> list[tuple[Path, Path]]:
    """Every catalogue of a project and its template."""
    found = []
    for path in sorted((root / "locales").rglob("*.po")):
        found.append((path, root / "locales" / path.relative_to(root / "locales").with_suffix(".pot").name))
    return found


def pseudo_translate(root: Path) -> None:
    """Fill every msgstr with the msgid in capitals (placeholders kept)."""
    keep = re.compile(r"(`+[^`]*`+|\{\d+\}|<[^>]*>|&#?\w+;)")
    for path, _ in catalogues(root):
        catalog = parse_po(path.read_text("utf-8"), str(path))
        messages = tuple(
            replace(m, msgstr="".join(p if keep.fullmatch(p) else p.upper() for p in keep.split(m.msgid)))
            for m in catalog.messages
        )
        path.write_text(format_po(replace(catalog, messages=messages)), "utf-8")


def make_projects(base: Path, corpus: Path) -> dict[str, Path]:
    projects = {}
    repository = base / "repository"
    (repository / "content").mkdir(parents=True)
    shutil.copyfile(ROOT / "content" / "README.md", repository / "content" / "README.md")
    shutil.copyfile(ROOT / "i18n-sync.toml", repository / "i18n-sync.toml")
    shutil.copytree(ROOT / "locales", repository / "locales")
    projects["repository"] = repository
    for source in CORPUS_SOURCES:
        if not (corpus / source).is_file():
            continue
        name = source.split("/")[0]
        root = base / name
        (root / "content").mkdir(parents=True)
        shutil.copyfile(ROOT / "i18n-sync.toml", root / "i18n-sync.toml")
        shutil.copyfile(corpus / source, root / "content" / "README.md")
        sync(root)
        pseudo_translate(root)
        projects[name] = root
    for root in projects.values():
        sync(root)  # settle: what the tool writes from what it has
        sync(root)
    return projects


def snapshot(root: Path) -> dict[Path, str]:
    return {path: path.read_text("utf-8") for path, _ in catalogues(root)}


def changed_lines(before: dict[Path, str], after: dict[Path, str]) -> int:
    """Lines added plus lines removed, over every catalogue."""
    total = 0
    for path, old in before.items():
        diff = difflib.unified_diff(old.split("\n"), after[path].split("\n"), lineterm="", n=0)
        total += sum(1 for line in diff if line[:1] in "+-" and line[:3] not in ("+++", "---"))
    return total


def edited_source(text: str) -> str | None:
    """The source with one word added to its longest paragraph line (None: none found)."""
    lines = text.split("\n")
    candidates = [i for i, line in enumerate(lines) if line[:1].isalpha() and len(line) > 60]
    if not candidates:
        return None
    index = max(candidates, key=lambda i: len(lines[i]))
    lines[index] = lines[index].replace(" ", " really ", 1)
    return "\n".join(lines)


def measure(project: Path, writer: Writer, work: Path) -> tuple[int, int, int]:
    """(churn of a no-op sync, lines changed by one English edit, catalogue lines)."""
    root = work / "noop"
    shutil.rmtree(root, ignore_errors=True)
    shutil.copytree(project, root)
    for path, template in catalogues(root):
        writer(path, template)
    saved = snapshot(root)
    sync(root)
    churn = changed_lines(saved, snapshot(root))
    # The English edit, on a copy saved by the same writer.
    root2 = work / "edit"
    shutil.rmtree(root2, ignore_errors=True)
    shutil.copytree(project, root2)
    for path, template in catalogues(root2):
        writer(path, template)
    saved = snapshot(root2)
    source = root2 / "content" / "README.md"
    edited = edited_source(source.read_text("utf-8"))
    edit = -1
    if edited is not None:
        source.write_text(edited, "utf-8")
        sync(root2)
        edit = changed_lines(saved, snapshot(root2))
    return churn, edit, sum(text.count("\n") for text in saved.values())


def main_(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--corpus", type=Path, default=CORPUS)
    parser.add_argument("--keep", type=Path, help="build the projects in this folder and keep them")
    args = parser.parse_args(argv)
    os.environ.setdefault("SOURCE_DATE_EPOCH", "1767225600")
    base = args.keep or Path(tempfile.mkdtemp(prefix="bench-churn-"))
    try:
        projects = make_projects(base / "projects", args.corpus)
        writers = {name: w for name, (w, need) in WRITERS.items() if is_available(need)}
        print("churn: catalogue lines (added + removed) changed by sync after each writer re-saved them")
        print("edit: lines changed when one English paragraph gets one more word (~4 is one entry x 2 langs)")
        print(f"{'project':<18} {'writer':<20} {'lines':>7} {'churn':>7} {'edit':>6}")
        for name, project in projects.items():
            for writer_name, writer in writers.items():
                churn, edit, lines = measure(project, writer, base / "work")
                print(f"{name:<18} {writer_name:<20} {lines:>7} {churn:>7} {edit:>6}", flush=True)
    finally:
        if args.keep is None:
            shutil.rmtree(base, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main_())
