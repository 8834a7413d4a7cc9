"""Heading anchors agree with GitHub's, on headings as people write them."""

from __future__ import annotations

import pytest

from i18n_sync.markdown.anchors import slugify, unique_anchors
from i18n_sync.markdown.parser import heading_text

# (heading as written in Markdown, anchor GitHub gives it)
GITHUB_ANCHORS = [
    ("Table of Contents", "table-of-contents"),
    ("Overview of RLHF", "overview-of-rlhf"),
    ("RLHF'ye Genel Bakış", "rlhfye-genel-bakış"),
    ("Kod tabanları", "kod-tabanları"),
    ("İstanbul ve Iğdır", "i̇stanbul-ve-iğdır"),
    ("ılık süt", "ılık-süt"),
    ("Türkçe Kılavuz: Kurulum", "türkçe-kılavuz-kurulum"),
    ("论文", "论文"),
    ("中文，标点。", "中文标点"),
    ("「引用」と『書名』", "引用と書名"),
    ("日本語のドキュメント", "日本語のドキュメント"),
    ("한국어 문서", "한국어-문서"),
    ("Привет, мир!", "привет-мир"),
    ("Ελληνικά", "ελληνικά"),
    ("عربي", "عربي"),
    ("🚀 Getting Started", "-getting-started"),
    ("émoji 🎉 party", "émoji--party"),
    ("⚠️ Warning", "\ufe0f-warning"),
    ("What's New?", "whats-new"),
    ("FAQ & Troubleshooting", "faq--troubleshooting"),
    ("Q&A", "qa"),
    ("C++ & Rust", "c--rust"),
    ("Node.js", "nodejs"),
    ("v1.2.3", "v123"),
    ("Version 2.0 (beta)", "version-20-beta"),
    ("Step 1: Install", "step-1-install"),
    ("100% Pure", "100-pure"),
    ("x² and H₂O", "x-and-ho"),
    ("hello_world", "hello_world"),
    ("--dashes--", "--dashes--"),
    ("a  b", "a--b"),
    ("Trailing closing hashes ##", "trailing-closing-hashes"),
    ("`code` heading", "code-heading"),
    ("`npm install` & `pip install`", "npm-install--pip-install"),
    ("[Link](https://example.com) heading", "link-heading"),
    ("Heading with [link](#x) and ![img](y.png)", "heading-with-link-and-"),
    ("**Bold** and *emphasis*", "bold-and-emphasis"),
    ("<a id='x'></a>Anchored", "anchored"),
    ("Fish &amp; Chips", "fish--chips"),
    ("Café au lait", "café-au-lait"),
    ("Straße", "straße"),
    ("Ａｂｃ full width", "ａｂｃ-full-width"),
    ("Español (ES)", "español-es"),
    ("Über uns", "über-uns"),
]


@pytest.mark.parametrize(("heading", "anchor"), GITHUB_ANCHORS, ids=[a for _, a in GITHUB_ANCHORS])
def test_anchor_agrees_with_github(heading: str, anchor: str) -> None:
    content = heading.removesuffix(" ##")
    assert slugify(heading_text(content)) == anchor


def test_the_table_is_large_enough() -> None:
    assert len(GITHUB_ANCHORS) >= 40


def test_repeated_headings_are_numbered_like_github() -> None:
    assert unique_anchors(["Usage", "Usage", "Install", "Usage"]) == [
        "usage",
        "usage-1",
        "install",
        "usage-2",
    ]


def test_github_can_produce_the_same_anchor_twice_and_so_do_we() -> None:
    # GitHub numbers repeats per base anchor, so a heading literally named
    # "usage-1" after two "Usage" headings gets "usage-1" too.
    assert unique_anchors(["Usage", "Usage", "usage-1"]) == ["usage", "usage-1", "usage-1"]
