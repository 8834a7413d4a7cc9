"""Time `update` (the merge) against GNU msgmerge on large real catalogues, fuzzy matching on.

Inputs. Every English revision of ``../shared/corpus/awesome-rlhf`` (2023-04-17 to
2025-12-09) is extracted with i18n-sync into a template. A large documentation
set is made of "chapters": chapter ``c`` is the pair of revisions ``(k, k + 1)``
with ``k = c mod 5``, so every real edit of the history appears, the old
revision fully pseudo-translated as the old catalogue and the next one as the
new template. Chapter 0 is the text as it is; every other chapter renames the
words through its own permutation of the corpus's vocabulary, so chapters do
not match each other but keep English words, entry lengths, Markdown and the
real edits (a one-word change stays a one-word change). All chapters go into
one PO file and one POT file: about 5,000 old and 6,400 new entries with the
default 20 chapters, of which about 1,400 have no exact match and go through
fuzzy matching.

Timed on the same two files, in the same run:

- ours, end to end: read and parse both files, merge with fuzzy matching,
  lay the result out and write it (what ``update`` does per catalogue);
- ours, merge only: `merge_catalog` on the parsed catalogues, and the two
  other parts of end to end on their own: reading and parsing both files,
  laying out and writing the result (``po.py``);
- ``msgmerge --no-fuzzy-matching`` and ``msgmerge`` (fuzzy matching on), both
  with ``--previous --no-wrap``, as processes.

Each case runs `--repeat` rounds (msgmerge with fuzzy matching `--gnu-repeat`
rounds, default 1: it takes tens of seconds). The table shows the median and
minimum wall-clock time and the median CPU time (the process's own for ours,
the child's user + system time for msgmerge): on a shared machine, CPU time is
the steadier figure. Ratios come from medians of the same run.

Run from the repository root::

    python benchmarks/bench_merge.py [--chapters 20] [--repeat 5] [--gnu-repeat 1] [--keep DIR]
"""

from __future__ import annotations

import argparse
import os
import random
import re
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from importlib.metadata import version
from pathlib import Path

from caches import empty, input_caches

from i18n_sync.gettext.catalog import build_template
from i18n_sync.gettext.matcher import SIMILARITY_THRESHOLD
from i18n_sync.gettext.merge import merge_catalog
from i18n_sync.gettext.po import format_po, parse_po
from i18n_sync.markdown.document import load_document
from i18n_sync.markdown.extract import extract_units
from i18n_sync.model import Catalog, Message

DEFAULT_CORPUS = Path(__file__).resolve().parents[1] / ".." / "shared" / "corpus"
WITHIN_NO_FUZZY = 2.0
"""Target: our fuzzy merge within this factor of ``msgmerge --no-fuzzy-matching``."""
FASTER_THAN_FUZZY = 50.0
"""Target: our fuzzy merge at least this many times faster than msgmerge's fuzzy merge."""

_WORD = re.compile(r"[A-Za-z]+")
HEADER = (
    ("Project-Id-Version", "bench"),
    ("Content-Type", "text/plain; charset=UTF-8"),
    ("Content-Transfer-Encoding", "8bit"),
    ("Language", "tr"),
    ("Plural-Forms", "nplurals=1; plural=0;"),
)


@dataclass(frozen=True, slots=True)
class Timing:
    """One case's rounds: wall-clock and CPU seconds."""

    name: str
    wall: tuple[float, ...]
    cpu: tuple[float, ...]


def templates(corpus: Path) -> list[Catalog]:
    """Each English revision's template, oldest first, extracted by i18n-sync."""
    paths = sorted((corpus / "awesome-rlhf").glob("en.*.md"))
    if len(paths) < 2:
        raise SystemExit(f"no English revisions under {corpus / 'awesome-rlhf'}")
    result = []
    for path in paths:
        units = extract_units(load_document(path.read_bytes().decode("utf-8"), "README.md")).units
        result.append(build_template(units, "README.md", "bench", None, "2026-01-01 00:00+0000"))
    return result


def renamer(vocabulary: Sequence[str], chapter: int) -> Callable[[str], str]:
    """Chapter 0 keeps its words; any other renames them through its own permutation."""
    if chapter == 0:
        return lambda text: text
    shuffled = list(vocabulary)
    random.Random(chapter).shuffle(shuffled)
    table = dict(zip(vocabulary, shuffled, strict=True))
    return lambda text: _WORD.sub(lambda match: table[match.group()], text)


def build_inputs(revisions: Sequence[Catalog], chapters: int) -> tuple[Catalog, Catalog]:
    """The old catalogue (fully translated) and the new template, each one file of every chapter."""
    vocabulary = sorted({w for t in revisions for m in t.messages for w in _WORD.findall(m.msgid)})
    old: dict[str, Message] = {}
    new: dict[str, Message] = {}
    pairs = len(revisions) - 1
    for chapter in range(chapters):
        rename, k = renamer(vocabulary, chapter), chapter % pairs
        for message in revisions[k].messages:
            msgid = rename(message.msgid)
            old.setdefault(msgid, replace(message, msgid=msgid, msgstr=f"[tr] {msgid}"))
        for message in revisions[k + 1].messages:
            msgid = rename(message.msgid)
            new.setdefault(msgid, replace(message, msgid=msgid))
    return Catalog(HEADER, tuple(old.values())), Catalog(HEADER, tuple(new.values()))


def ours_end_to_end(old_po: Path, pot: Path, out: Path) -> Callable[[], object]:
    def run() -> None:
        old = parse_po(old_po.read_bytes().decode("utf-8"), str(old_po))
        template = parse_po(pot.read_bytes().decode("utf-8"), str(pot))
        merged, _ = merge_catalog(old, template)
        out.write_bytes(format_po(merged).encode("utf-8"))

    return run


def msgmerge(old_po: Path, pot: Path, out: Path, *options: str) -> Callable[[], object]:
    command = [
        "msgmerge",
        "--quiet",
        "--previous",
        "--no-wrap",
        *options,
        "-o",
        str(out),
        str(old_po),
        str(pot),
    ]
    return lambda: subprocess.run(command, check=True)


def measure(name: str, action: Callable[[], object], rounds: int, child: bool = False) -> Timing:
    """Time `rounds` runs; CPU time is the child's for a subprocess, the process's own otherwise.

    Each round starts with the package's caches of results empty, as a fresh run does.
    """
    walls, cpus = [], []
    caches = input_caches()
    for _ in range(rounds):
        empty(caches)
        usage = resource.getrusage(resource.RUSAGE_CHILDREN)
        cpu, start = time.process_time(), time.perf_counter()
        action()
        walls.append(time.perf_counter() - start)
        if child:
            after = resource.getrusage(resource.RUSAGE_CHILDREN)
            cpus.append(after.ru_utime + after.ru_stime - usage.ru_utime - usage.ru_stime)
        else:
            cpus.append(time.process_time() - cpu)
    return Timing(name, tuple(walls), tuple(cpus))


def fuzzy_count(path: Path) -> tuple[int, int]:
    """Active entries and fuzzy ones with a previous msgid, in a merged file."""
    catalog = parse_po(path.read_bytes().decode("utf-8"), str(path))
    active = catalog.active
    return len(active), sum(1 for m in active if m.is_fuzzy and m.previous_msgid is not None)


def report(timings: dict[str, Timing]) -> list[str]:
    lines = [f"{'case':<40}{'median s':>10}{'min s':>9}{'CPU s':>9}"]
    for timing in timings.values():
        lines.append(
            f"{timing.name:<40}{statistics.median(timing.wall):>10.3f}{min(timing.wall):>9.3f}"
            f"{statistics.median(timing.cpu):>9.3f}"
        )
    return lines


def ratios(timings: dict[str, Timing]) -> list[str]:
    def median(name: str, cpu: bool) -> float:
        return statistics.median(timings[name].cpu if cpu else timings[name].wall)

    lines = []
    for ours in ("ours end to end", "ours merge only"):
        for kind, cpu in (("wall", False), ("CPU", True)):
            within = median(ours, cpu) / median("msgmerge --no-fuzzy-matching", cpu)
            faster = median("msgmerge (fuzzy)", cpu) / median(ours, cpu)
            lines.append(
                f"{ours} ({kind}): {within:.2f}x msgmerge --no-fuzzy-matching "
                f"(target <= {WITHIN_NO_FUZZY:g}: {'met' if within <= WITHIN_NO_FUZZY else 'MISSED'}); "
                f"{faster:.0f}x faster than msgmerge fuzzy "
                f"(target >= {FASTER_THAN_FUZZY:g}: {'met' if faster >= FASTER_THAN_FUZZY else 'MISSED'})"
            )
    return lines


def parse_args(argv: Sequence[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--corpus", type=Path, default=DEFAULT_CORPUS, help="the shared corpus directory")
    parser.add_argument("--chapters", type=int, default=20, help="chapters to build (default 20)")
    parser.add_argument("--repeat", type=int, default=5, help="rounds per case (default 5)")
    parser.add_argument(
        "--gnu-repeat", type=int, default=1, help="rounds of msgmerge's fuzzy merge (default 1)"
    )
    parser.add_argument("--keep", type=Path, help="write the inputs and outputs here and keep them")
    return parser.parse_args(argv)


def main(argv: Sequence[str] = sys.argv[1:]) -> int:
    args = parse_args(argv)
    if shutil.which("msgmerge") is None:
        print("GNU msgmerge is not installed; nothing to compare with", file=sys.stderr)
        return 1
    folder = args.keep or Path(tempfile.mkdtemp(prefix="bench-merge-"))
    folder.mkdir(parents=True, exist_ok=True)
    old, template = build_inputs(templates(args.corpus), args.chapters)
    old_po, pot = folder / "old.po", folder / "new.pot"
    old_po.write_bytes(format_po(old).encode("utf-8"))
    pot.write_bytes(format_po(template).encode("utf-8"))
    parsed_old = parse_po(old_po.read_text("utf-8"), str(old_po))
    parsed_template = parse_po(pot.read_text("utf-8"), str(pot))
    merged, _ = merge_catalog(parsed_old, parsed_template)
    unmatched = len({m.msgid for m in template.messages} - {m.msgid for m in old.messages})
    gnu_version = subprocess.run(["msgmerge", "--version"], capture_output=True, text=True).stdout.split(
        "\n"
    )[0]
    print(f"inputs: {args.chapters} chapters of the awesome-rlhf history, in {folder}")
    print(
        f"  old catalogue: {len(old.messages)} entries, all translated, {old_po.stat().st_size // 1024} KiB"
    )
    print(
        f"  new template:  {len(template.messages)} entries, {unmatched} without an exact match, "
        f"{pot.stat().st_size // 1024} KiB"
    )
    print(
        f"  Python {sys.version.split()[0]}, rapidfuzz {version('rapidfuzz')}, {gnu_version}, "
        f"{os.cpu_count()} CPUs, load average {os.getloadavg()[0]:.2f}"
    )
    print(
        f"  our similarity: words (and characters for short texts), Indel >= {float(SIMILARITY_THRESHOLD)}; "
        "msgmerge: characters >= 0.6"
    )

    cases: dict[str, tuple[Callable[[], object], int, bool]] = {
        "ours end to end": (ours_end_to_end(old_po, pot, folder / "ours.po"), args.repeat, False),
        "ours merge only": (lambda: merge_catalog(parsed_old, parsed_template), args.repeat, False),
        "  of which: read + parse both (po.py)": (
            lambda: [parse_po(f.read_bytes().decode("utf-8"), str(f)) for f in (old_po, pot)],
            args.repeat,
            False,
        ),
        "  of which: format + write (po.py)": (
            lambda: (folder / "ours.po").write_bytes(format_po(merged).encode("utf-8")),
            args.repeat,
            False,
        ),
        "msgmerge --no-fuzzy-matching": (
            msgmerge(old_po, pot, folder / "gnu-exact.po", "--no-fuzzy-matching"),
            args.repeat,
            True,
        ),
        "msgmerge (fuzzy)": (msgmerge(old_po, pot, folder / "gnu.po"), args.gnu_repeat, True),
    }
    ours_end_to_end(old_po, pot, folder / "ours.po")()  # warm-up: imports, caches
    timings = {name: measure(name, action, rounds, child) for name, (action, rounds, child) in cases.items()}
    print()
    print("\n".join(report(timings)))
    print()
    print("\n".join(ratios(timings)))
    ours_active, ours_fuzzy = fuzzy_count(folder / "ours.po")
    gnu_active, gnu_fuzzy = fuzzy_count(folder / "gnu.po")
    print(f"fuzzy entries offered: ours {ours_fuzzy} of {ours_active}, msgmerge {gnu_fuzzy} of {gnu_active}")
    print(f"load average after: {os.getloadavg()[0]:.2f}")
    if not args.keep:
        shutil.rmtree(folder)
    return 0


if __name__ == "__main__":
    sys.exit(main())
