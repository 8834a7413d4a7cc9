"""Of the words a reader sees in GitHub's rendering of a README, at least 99% are in some unit.

What counts as a seen word, and how units' words are matched, is in tests/visible_words.py;
`benchmarks/html_coverage.py` prints the same figures per README.
"""

from __future__ import annotations

import pytest

from corpus import SKIP_REASON, available, readme_documents

pytest.importorskip("cmarkgfm", reason="cmark-gfm is the reference renderer these figures need")

from visible_words import coverage, render, visible_words  # after the skip

SMALL = """\
<h1 align="center">Sync the words</h1>

<p align="center"><img src="logo.png" alt="Logo"> Keep <b>every</b> reader</p>

<pre>
hidden code words
</pre>

Plain `inline code` and text.
"""


def test_seen_words_leave_out_code_and_attributes() -> None:
    words = visible_words(render(SMALL))
    assert words["every"] == 1 and words["Plain"] == 1
    assert not words["hidden"] and not words["inline"] and not words["Logo"]


def test_a_readme_opening_with_html_is_covered_whole() -> None:
    found = coverage(SMALL)
    assert found.total == 9
    assert (found.covered, found.missing) == (9, ())


def test_comments_are_not_seen_and_words_outside_units_are_missing() -> None:
    # A bare URL is no unit (nothing to translate), yet a reader sees its words.
    found = coverage("<div>\n<!-- note -->\nSeen text\n</div>\n\nhttps://example.com\n")
    assert (found.covered, found.total) == (2, 5)
    assert sorted(found.missing) == ["com", "example", "https"]


README_NAMES = [sample.name for sample in readme_documents()] if available() else []


def test_every_corpus_readme_is_measured() -> None:
    if not available():
        pytest.skip(SKIP_REASON)
    assert len(README_NAMES) == 39  # 9 awesome-rlhf, 17 nodebestpractices, 13 wtfjs


@pytest.mark.corpus
@pytest.mark.parametrize("name", README_NAMES)
def test_corpus_readmes_are_covered(name: str) -> None:
    sample = next(sample for sample in readme_documents() if sample.name == name)
    found = coverage(sample.text, sample.name)
    assert found.total > 500, sample.name
    assert found.share >= 0.99, f"{sample.name}: {found.share:.2%}, missing {found.missing}"
