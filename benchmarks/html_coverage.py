"""Print, per corpus README, the share of the words a reader sees that are inside some unit.

What counts is said in tests/visible_words.py: words of the text nodes of cmark-gfm's
rendering, code excluded, matched as a multiset against the words of the units' msgids
rendered the same way. Run from the repository root::

    python benchmarks/html_coverage.py [--corpus PATH]
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))

import corpus
from visible_words import coverage


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--corpus", type=Path, default=corpus.CORPUS)
    options = parser.parse_args()
    corpus.CORPUS = options.corpus
    if not corpus.available():
        print(f"no corpus at {options.corpus}", file=sys.stderr)
        return 1
    worst = 1.0
    print(f"{'README':58} {'covered':>8} {'words':>7} {'share':>7}  first words outside units")
    for sample in corpus.readme_documents():
        found = coverage(sample.text, sample.name)
        worst = min(worst, found.share)
        missing = " ".join(found.missing[:6])
        print(f"{sample.name:58} {found.covered:8} {found.total:7} {found.share:7.2%}  {missing}")
    print(f"lowest share: {worst:.2%}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
