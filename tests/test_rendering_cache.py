"""The job cache keeps each rendering with what it read of its language's site (`jobs.Rendered`'s
`looked`): an edit that changes one document's anchors, or a document added, renders again the
outputs whose links reach it, and takes the others from the cache."""

from __future__ import annotations

import pickle
from pathlib import Path

import pytest

from helpers import invoke
from i18n_sync.markdown.links import Page
from i18n_sync.model import FileChange
from i18n_sync.project import jobcache, jobs

CONFIG = """\
languages = ["tr"]
sources = ["docs/*.md"]
source_root = "docs"
template = "locales/{path}.pot"
catalog = "locales/{locale}/{path}.po"
output = "site/{lang}/{path}.md"
source_output = ""
translation_memory = "off"
"""
# Without a translation memory: with one, a translation in one catalogue is a suggestion for
# every other catalogue of its language, whose merges, and so renderings, are made again.


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, rendered: list[str]) -> Path:
    monkeypatch.setenv("I18N_SYNC_JOBS", "1")  # every rendering in this process, to be counted
    monkeypatch.setenv("I18N_SYNC_CACHE_DIR", str(tmp_path / "cache"))
    root = tmp_path / "project"
    (root / "docs").mkdir(parents=True)
    (root / "i18n-sync.toml").write_text(CONFIG, encoding="utf-8")
    linking = "# Linking\n\nSee [the part](target.md#part).\n"
    (root / "docs" / "linking.md").write_text(linking, encoding="utf-8")
    (root / "docs" / "target.md").write_text("# Target\n\n## Part\n\nText.\n", encoding="utf-8")
    (root / "docs" / "alone.md").write_text("# Alone\n\nSee [later](later.md).\n", encoding="utf-8")
    # The first sync writes the catalogues, so the job cache keeps none of their merges, nor
    # their renderings; the second keeps them.
    assert invoke(root, "sync").exit_code == 0
    assert invoke(root, "sync").exit_code == 0
    rendered.clear()
    return root


@pytest.fixture
def rendered(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The outputs each later run renders (not taken from the job cache)."""
    outputs: list[str] = []
    real = jobs.render_output

    def render_output(context: jobs.RunContext, job: jobs.PublishJob) -> jobs.Rendered:
        outputs.append(job.prepared.output)
        return real(context, job)

    monkeypatch.setattr(jobs, "render_output", render_output)
    return outputs


def _translate(root: Path, name: str, english: str, turkish: str) -> None:
    catalogue = root / "locales" / "tr" / f"{name}.po"
    text = catalogue.read_text(encoding="utf-8")
    entry = f'msgid "{english}"\nmsgstr ""\n'
    assert entry in text, text
    catalogue.write_text(text.replace(entry, f'msgid "{english}"\nmsgstr "{turkish}"\n'), encoding="utf-8")


def test_a_heading_translated_renders_again_only_what_links_to_it(project: Path, rendered: list[str]) -> None:
    _translate(project, "target", "Part", "Bölüm")
    assert invoke(project, "sync").exit_code == 0
    # The target's own output, and the output whose link reaches its anchor; not the third.
    assert sorted(rendered) == ["site/tr/linking.md", "site/tr/target.md"]
    assert "target.md#bölüm" in (project / "site/tr/linking.md").read_text(encoding="utf-8")
    rendered.clear()
    _translate_again(project, "Bölüm", "Kısım")
    assert invoke(project, "sync").exit_code == 0
    assert sorted(rendered) == ["site/tr/linking.md", "site/tr/target.md"]
    linking = (project / "site/tr/linking.md").read_text(encoding="utf-8")
    assert "target.md#kısım" in linking and "bölüm" not in linking


def _translate_again(root: Path, before: str, after: str) -> None:
    catalogue = root / "locales" / "tr" / "target.po"
    text = catalogue.read_text(encoding="utf-8")
    assert f'msgstr "{before}"' in text
    catalogue.write_text(text.replace(f'msgstr "{before}"', f'msgstr "{after}"'), encoding="utf-8")


def test_a_document_added_where_a_link_pointed_renders_that_output_again(
    project: Path, rendered: list[str]
) -> None:
    """`alone.md` links to `later.md`, which is not there: its output read that no such page was
    in the site. Once it is, that output is rendered again; once the new document is
    translated, the link goes to its Turkish output."""
    assert "](../../docs/later.md)" in (project / "site/tr/alone.md").read_text(encoding="utf-8")
    (project / "docs" / "later.md").write_text("# Later\n\nText.\n", encoding="utf-8")
    assert invoke(project, "sync").exit_code == 0
    assert sorted(rendered) == ["site/tr/alone.md", "site/tr/later.md"]
    rendered.clear()
    assert invoke(project, "sync").exit_code == 0  # the job cache keeps the new merge from now on
    rendered.clear()
    _translate(project, "later", "Later", "Sonra")
    assert invoke(project, "sync").exit_code == 0
    assert sorted(rendered) == ["site/tr/alone.md", "site/tr/later.md"]
    assert "](later.md)" in (project / "site/tr/alone.md").read_text(encoding="utf-8")


def test_an_edit_elsewhere_renders_nothing_else(project: Path, rendered: list[str]) -> None:
    """A paragraph added to one document renders its output alone."""
    with (project / "docs" / "target.md").open("a", encoding="utf-8") as file:
        file.write("\nOne more paragraph.\n")
    assert invoke(project, "sync").exit_code == 0
    assert rendered == ["site/tr/target.md"]


def test_a_worker_sends_back_what_only_the_cache_keeps_once_stored() -> None:
    """A worker stores a result, then sends back what `Cached.sent` leaves of it: a rendering
    without what it asked of the site (`jobs.unlooked`); run here, the result stays whole."""
    how: jobcache.Cached[str, str, tuple[str, str]] = jobcache.Cached(
        lambda job: job, lambda job, result: ("kept", result), lambda job, kept: kept[1], lambda kept: True,
        sent=lambda result: result.upper(),
    )  # fmt: skip
    sent, kept = jobcache.kept_of(how, True, "job", "whole")
    assert sent == "WHOLE" and kept is not None and pickle.loads(kept) == ("kept", "whole")
    assert jobcache.kept_of(how, False, "job", "whole")[0] == "whole"
    page = Page("site/tr/a.md", {"part": "bölüm"})
    change = FileChange("site/tr/a.md", b"text", "output")
    published = jobs.Published(change, (), looked=(("docs/a.md", page), ("docs/b.md", None)))
    light = jobs.unlooked(published)
    assert light.looked == () and (light.change, light.diagnostics, light.owned) == (change, (), True)
    assert jobs.unlooked(light) is light
