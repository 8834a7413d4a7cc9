"""The real README with every heading translated: no in-page link breaks, none changes target.

The newest English revision of the corpus README links to its own headings
from a table of contents. Rendered with a pseudo-translation that changes
every heading's anchor, every link to a heading must reach the same heading in
the output as in English; rendered into a subfolder, every relative link and
image must still reach its file.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from corpus import CORPUS, NEWEST_README, SKIP_REASON, available, read_text
from helpers import accented
from i18n_sync.cli import main
from i18n_sync.gettext.po import format_po, parse_po
from i18n_sync.project.config import Settings, format_config
from links_check import anchors_of, explicit_anchors, link_targets

pytestmark = pytest.mark.skipif(not available(), reason=SKIP_REASON)


def translate_catalog(path: Path) -> None:
    catalog = parse_po(path.read_text(encoding="utf-8"), str(path))
    messages = tuple(type(m)(**{**_fields(m), "msgstr": accented(m.msgid)}) for m in catalog.messages)
    path.write_text(
        format_po(type(catalog)(catalog.header, messages, catalog.header_comments)), encoding="utf-8"
    )


def _fields(message: object) -> dict[str, object]:
    return {name: getattr(message, name) for name in message.__dataclass_fields__}  # type: ignore[attr-defined]


def build(root: Path, **settings: object) -> str:
    """A project whose README is the corpus README, translated into Turkish; the English text."""
    english = read_text(CORPUS / "awesome-rlhf" / NEWEST_README)
    (root / "content").mkdir()
    (root / "content" / "README.md").write_text(english, encoding="utf-8")
    config = Settings(languages=("tr",), generated_header=False, **settings)  # type: ignore[arg-type]
    (root / "i18n-sync.toml").write_text(format_config(config), encoding="utf-8")
    runner = CliRunner()
    assert runner.invoke(main, ["sync", "--root", str(root)]).exit_code == 0
    translate_catalog(root / "locales" / "tr" / "README.po")
    result = runner.invoke(main, ["sync", "--root", str(root)])
    assert result.exit_code == 0, result.output
    return english


def heading_of(anchor: str, anchors: list[str]) -> int | None:
    return anchors.index(anchor) if anchor in anchors else None


def test_every_in_page_link_reaches_the_same_heading(tmp_path: Path) -> None:
    english = build(tmp_path)
    output = (tmp_path / "README.tr.md").read_text(encoding="utf-8")
    english_anchors, output_anchors = anchors_of(english), anchors_of(output)
    changed = sum(1 for a, b in zip(english_anchors, output_anchors, strict=True) if a != b)
    assert changed > len(english_anchors) // 2, "the pseudo-translation must change most anchors"
    english_links = [t for t in link_targets(english) if t.startswith("#")]
    output_links = [t for t in link_targets(output) if t.startswith("#")]
    assert len(english_links) == len(output_links) > 10
    working = broken = 0
    for before, after in zip(english_links, output_links, strict=True):
        target = heading_of(before[1:], english_anchors)
        if target is None:
            continue  # already broken in English: nothing to keep
        working += 1
        assert heading_of(after[1:], output_anchors) == target, f"{before} became {after}"
    for after in output_links:
        if after[1:] not in set(output_anchors) | explicit_anchors(output):
            broken += 1
    english_broken = sum(1 for t in english_links if heading_of(t[1:], english_anchors) is None)
    print(f"\nin-page links: {working} reach their heading, {broken} broken (English: {english_broken})")
    assert broken == english_broken


def test_outputs_in_a_subfolder_reach_every_file(tmp_path: Path) -> None:
    english = build(tmp_path, output="i18n/{lang}/{path}.md")
    relative = [t for t in link_targets(english) if not t.startswith("#") and "://" not in t and "@" not in t]
    assert relative, "the corpus README links to files of its repository"
    for target in relative:  # the files the English README links to, present in this project
        path = tmp_path / target.split("#")[0].split("?")[0]
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(b"")
    output = tmp_path / "i18n" / "tr" / "README.md"
    text = output.read_text(encoding="utf-8")
    targets = [t for t in link_targets(text) if not t.startswith("#") and "://" not in t and "@" not in t]
    assert len(targets) == len(relative)
    for target in targets:
        assert (output.parent / target.split("#")[0].split("?")[0]).resolve().is_file(), target
