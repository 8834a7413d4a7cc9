"""Wrapped writing: i18n-sync's `format_po(catalog, width)` against ``msgcat --width=N``.

Input: the newest English README of awesome-rlhf, wtfjs and nodebestpractices
from ``../shared/corpus``, extracted into one catalogue and pseudo-translated
(every msgstr is its msgid in capitals with accented vowels, so that wrapping
sees non-ASCII text too), repeated ``--copies`` times with distinct msgids
to make a file of a few MB.

Timed in the same run, `--repeat` rounds each, median and minimum of the CPU
time (the process's own, msgcat's as a child's; wall time varies too much on a
shared machine):

- msgcat: ``msgcat --width=N in.po -o out.po`` as a process (read, wrap, write);
- ours, read + write: `parse_po` of the same file, then `format_po` at width N
  and writing the result (what msgcat does);
- ours, write only: `format_po` at width N.

The ratio lines divide our medians by msgcat's. Run from the repository root::

    PYTHONPATH=src python benchmarks/bench_wrap.py [--width 79] [--copies 4] [--repeat 5]
"""

from __future__ import annotations

import argparse
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path

from i18n_sync.gettext.catalog import build_template
from i18n_sync.gettext.po import format_po, parse_po
from i18n_sync.markdown.document import load_document
from i18n_sync.markdown.extract import extract_units
from i18n_sync.model import Catalog

ROOT = Path(__file__).resolve().parents[1]
SOURCES = (
    "awesome-rlhf/en.2025-12-09.e5942c0.md",
    "wtfjs/README.en.f0afdea.md",
    "nodebestpractices/README.en.fedb0bd.md",
)
_ACCENTS = str.maketrans("AEIOU", "ÂÊÎÔÛ")


def build_catalog(corpus: Path, copies: int) -> Catalog:
    messages = []
    for source in SOURCES:
        text = (corpus / source).read_bytes().decode("utf-8")
        units = extract_units(load_document(text, source)).units
        messages += build_template(units, source, "bench", None, "2026-01-01 00:00+0000").messages
    unique = {m.msgid: m for m in messages}.values()  # the documents share some headings
    copied = [
        replace(m, msgid=f"{m.msgid} ({n})" if n else m.msgid, msgstr=m.msgid.upper().translate(_ACCENTS))
        for n in range(copies)
        for m in unique
    ]
    header = (("Language", "tr"), ("Content-Type", "text/plain; charset=UTF-8"))
    return Catalog(header, tuple(copied))


def _cpu() -> float:
    """CPU seconds of this process and its finished children: steadier than wall time on a busy machine."""
    own = resource.getrusage(resource.RUSAGE_SELF)
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime


def timed(action: Callable[[], object], repeat: int) -> list[float]:
    """CPU seconds of each of `repeat` runs, after one to warm up."""
    action()
    times = []
    for _ in range(repeat):
        start = _cpu()
        action()
        times.append(_cpu() - start)
    return times


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--corpus", type=Path, default=ROOT / ".." / "shared" / "corpus")
    parser.add_argument("--width", type=int, default=79)
    parser.add_argument("--copies", type=int, default=4)
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args(argv)
    if shutil.which("msgcat") is None:
        print("msgcat is not installed", file=sys.stderr)
        return 1
    catalog = build_catalog(args.corpus, args.copies)
    with tempfile.TemporaryDirectory() as folder:
        source, output = Path(folder) / "in.po", Path(folder) / "out.po"
        source.write_bytes(format_po(catalog).encode("utf-8"))
        command = ["msgcat", f"--width={args.width}", str(source), "-o", str(output)]

        def ours_read_write() -> None:
            parsed = parse_po(source.read_bytes().decode("utf-8"), "in.po")
            output.write_bytes(format_po(parsed, args.width).encode("utf-8"))

        cases = {
            "msgcat --width": timed(lambda: subprocess.run(command, check=True), args.repeat),
            "ours, read + write": timed(ours_read_write, args.repeat),
            "ours, write only": timed(lambda: format_po(catalog, args.width), args.repeat),
        }
        ours = format_po(catalog, args.width)
        subprocess.run(command, check=True)
        same = output.read_bytes().decode("utf-8") == ours
    size = len(format_po(catalog).encode("utf-8")) / 1e6
    print(f"{len(catalog.messages)} entries, {size:.1f} MB unwrapped, width {args.width}")
    print(f"the same bytes as msgcat: {same}")
    floor = statistics.median(cases["msgcat --width"])
    print(f"{'case':<22} {'median CPU ms':>14} {'min':>8} {'/ msgcat':>9}")
    for name, times in cases.items():
        median = statistics.median(times)
        print(f"{name:<22} {median * 1e3:>14.1f} {min(times) * 1e3:>8.1f} {median / floor:>8.2f}x")
    return 0


if __name__ == "__main__":
    sys.exit(main())
