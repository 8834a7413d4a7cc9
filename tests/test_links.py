"""Where links point in each output: anchors, sibling documents, rebased paths."""

from __future__ import annotations

import posixpath

import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

from i18n_sync.markdown.links import (
    _LINK_UNSAFE,
    Page,
    Site,
    _relative,
    links_from,
    relative_link,
    resolve_url,
)

TR_ROOT = Site(
    {
        "README.md": Page("README.tr.md", {"overview": "genel-bakış", "install": "kurulum"}),
        "CONTRIBUTING.md": Page("CONTRIBUTING.tr.md", {"pull-requests": "çekme-istekleri"}),
        "docs/guide.md": Page("docs/guide.tr.md", {"setup": "hazırlık"}),
    }
)
TR_FOLDER = Site(
    {
        "README.md": Page("i18n/tr/README.md", {"overview": "genel-bakış"}),
        "CONTRIBUTING.md": Page("i18n/tr/CONTRIBUTING.md", {"pull-requests": "çekme-istekleri"}),
    }
)


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("#overview", "#genel-bakış"),
        ("#unknown-anchor", "#unknown-anchor"),
        ("#", "#"),
        ("CONTRIBUTING.md", "CONTRIBUTING.tr.md"),
        ("CONTRIBUTING.md#pull-requests", "CONTRIBUTING.tr.md#çekme-istekleri"),
        ("./CONTRIBUTING.md#pull-requests", "CONTRIBUTING.tr.md#çekme-istekleri"),
        ("docs/guide.md#setup", "docs/guide.tr.md#hazırlık"),
        ("<docs/guide.md>", "<docs/guide.tr.md>"),
        ("LICENSE", "LICENSE"),
        ("img/logo.png", "img/logo.png"),
        ("https://example.com/README.md#overview", "https://example.com/README.md#overview"),
        ("mailto:team@example.com", "mailto:team@example.com"),
        ("//cdn.example.com/x.js", "//cdn.example.com/x.js"),
    ],
)
def test_links_from_a_root_readme(url: str, expected: str) -> None:
    page = TR_ROOT.pages["README.md"]
    assert resolve_url(url, "README.md", page, TR_ROOT) == expected


def test_links_from_a_document_in_a_subfolder() -> None:
    page = TR_ROOT.pages["docs/guide.md"]
    assert resolve_url("../README.md#install", "docs/guide.md", page, TR_ROOT) == "../README.tr.md#kurulum"
    assert resolve_url("#setup", "docs/guide.md", page, TR_ROOT) == "#hazırlık"


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("#overview", "#genel-bakış"),
        ("CONTRIBUTING.md#pull-requests", "CONTRIBUTING.md#çekme-istekleri"),
        ("LICENSE", "../../LICENSE"),
        ("img/logo.png?raw=true", "../../img/logo.png?raw=true"),
        ("docs/", "../../docs/"),
        ("https://example.com", "https://example.com"),
    ],
)
def test_outputs_in_another_folder_are_rebased(url: str, expected: str) -> None:
    page = TR_FOLDER.pages["README.md"]
    assert resolve_url(url, "README.md", page, TR_FOLDER) == expected


def test_an_unpublished_sibling_is_reached_in_english() -> None:
    site = Site({"README.md": Page("README.tr.md"), "CONTRIBUTING.md": Page("CONTRIBUTING.md")})
    page = site.pages["README.md"]
    assert resolve_url("CONTRIBUTING.md#setup", "README.md", page, site) == "CONTRIBUTING.md#setup"


def test_unchanged_links_are_the_same_string() -> None:
    url = "img/logo.png"
    page = TR_ROOT.pages["README.md"]
    assert resolve_url(url, "README.md", page, TR_ROOT) is url


_PART = st.sampled_from(["docs", "a b", "tr", "zh-CN", "README.md", "guide.md", "ü", "x.y"])


@given(st.lists(_PART, min_size=1, max_size=4), st.lists(_PART, max_size=4))
def test_relative_links_match_relpath(target: list[str], start: list[str]) -> None:
    # The fast path skips relpath's abspath calls; it must give the same answer.
    assert _relative("/".join(target), "/".join(start)) == posixpath.relpath(
        "/".join(target), "/".join(start) or "."
    )


# Spellings a path can have, the odd ones too: "." and ".." parts, empty parts (a doubled or
# trailing slash), a name that is also a folder of the start, characters a link escapes.
_SPELLING = st.sampled_from(["docs", "de", "a b", "x#1", "README.md", "guide.md", ".", "..", ""])


@given(
    st.lists(st.lists(_SPELLING, min_size=1, max_size=5), min_size=1, max_size=4),
    st.lists(_SPELLING, min_size=1, max_size=5),
)
def test_a_link_is_made_from_its_folder_as_from_the_whole_path(
    targets: list[list[str]], source: list[str]
) -> None:
    # `relative_link` and `links_from` (the switcher's) reuse the link between two folders for
    # every file in them; any path, however spelled, gets the link the whole path gives
    # (`_relative`, then escaped).
    assume([""] not in targets)  # no path at all: no file has it, and `relpath` refuses it
    start = posixpath.dirname("/".join(source))
    for lead in ("", "/"):
        paths = tuple(lead + "/".join(target) for target in targets)
        expected = [_relative(path, start).translate(_LINK_UNSAFE) for path in paths]
        assert [relative_link(path, "/".join(source)) for path in paths] == expected
        assert links_from(start, paths) == expected


@pytest.mark.parametrize(
    ("target", "source", "expected"),
    [
        ("site/de/guide.md", "site/tr/guide.md", "../de/guide.md"),
        ("site/de/a b/x#1.md", "site/tr/a b/x.md", "../../de/a%20b/x%231.md"),
        ("guide.md", "guide.md/deeper/page.md", ".."),  # the start is inside a folder of that name
        ("docs/guide.md", "docs/page.md", "guide.md"),
    ],
)
def test_relative_links(target: str, source: str, expected: str) -> None:
    assert relative_link(target, source) == expected
