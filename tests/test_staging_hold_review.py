"""Review of commit 989613b: the last document job's files are held (`Staging.add(batch=False)`)
for the render stage to stage "with the settled files while the workers render". Each test
failed on fe3dccd; the last one on the code before 989613b too.

What is held is staged later, or not at all, and in another order: a run without the render step
(`i18n-sync update`) never stages it (`apply_changes` writes it itself, after raising any failure
the staging kept), and the render stage stages it from `settled()`, language by language, where
`add` staged it document by document. So the write error a run reports, the earliest in the
staging order, now depends on which path (one pool, two stages) the run took, where it did not.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from i18n_sync.project.config import load_config
from i18n_sync.project.plan import find_sources, plan_documents
from test_one_pool_review import _assert_same, _both_paths, _disk_full_at
from test_scale import CONFIG, make_docs

FOUR = CONFIG.replace('languages = ["tr", "zh-CN", "de"]', 'languages = ["tr", "zh-CN", "de", "fr"]')


def _four_languages(base: Path) -> Path:
    """32 documents in four languages: 128 catalogues, the 128th (a full `Staging.add` batch)
    the last document's."""
    root = make_docs(base, count=32)
    (root / "i18n-sync.toml").write_text(FOUR, encoding="utf-8")
    return root


def _catalogue(root: Path, index: int, tag: str) -> str:
    """The catalogue in `tag` of the project's document number `index`, in document order."""
    config = load_config(root)
    document = plan_documents(config, find_sources(config))[index]
    return next(t.catalog for t in document.targets if t.language.tag == tag)


@pytest.mark.parametrize("workers", ["1", "2"])
def test_an_update_run_reports_the_same_write_error_on_both_paths(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, workers: str
) -> None:
    """`i18n-sync update` (no render step) of 32 documents in 4 languages, where the disk is full
    for the first document's French catalogue and the last document's Turkish one.

    Both paths make the same `Staging.add` calls, in the same (document) order, and the last
    one fills a batch. The two stages stage that batch, and report the first document's French
    catalogue, the earliest in the staging order (as the one pool did before 989613b). The one
    pool now holds the batch for a render stage that never comes: nothing is staged,
    `apply_changes` writes the 128 catalogues itself, language by language, and reports the
    Turkish catalogue. The same run names another file depending on the path it took."""
    (tmp_path / "probe").mkdir()
    probe = _four_languages(tmp_path / "probe")
    french, turkish = _catalogue(probe, 0, "fr"), _catalogue(probe, -1, "tr")
    _disk_full_at(monkeypatch, (french, turkish))
    seen = _both_paths(tmp_path, monkeypatch, _four_languages, [("update",)], workers)
    assert seen["twostage"][0][1] != 0  # type: ignore[index]
    assert french in seen["twostage"][0][2]  # type: ignore[index]
    _assert_same(seen)


@pytest.mark.parametrize("workers", ["1", "2"])
def test_a_sync_of_64_documents_reports_the_same_write_error_on_both_paths(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, workers: str
) -> None:
    """A first sync of 64 documents in 3 languages (256 templates and catalogues, two full
    `Staging.add` batches, the second filled by the last document), where the disk is full for
    the German catalogue of document 34 and the Turkish one of document 40 (counted from 0, in
    document order).

    The two stages stage the catalogues by document (their 128th, document 42's, fills a batch),
    and report the German one, as the one pool did before 989613b. The one pool now holds its
    second batch (documents 32 to 63) for the render stage, which stages it from `settled()`,
    language by language: Turkish first, and it reports the Turkish catalogue.

    (Not new in kind: with 40 documents the two paths disagree before and after the commit, the
    one pool staging documents 0-31 by document and the two stages all of the catalogues from
    `settled()`. The commit moves the disagreement to other document counts, such as 64.)"""
    (tmp_path / "probe").mkdir()
    probe = make_docs(tmp_path / "probe", count=64)
    german, turkish = _catalogue(probe, 34, "de"), _catalogue(probe, 40, "tr")
    _disk_full_at(monkeypatch, (german, turkish))
    seen = _both_paths(tmp_path, monkeypatch, lambda b: make_docs(b, count=64), [("sync",)], workers)
    assert seen["twostage"][0][1] != 0  # type: ignore[index]
    assert german in seen["twostage"][0][2]  # type: ignore[index]
    _assert_same(seen)


@pytest.mark.parametrize("workers", ["1", "2"])
def test_a_sync_of_40_documents_reports_the_same_write_error_on_both_paths(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, workers: str
) -> None:
    """A first sync of 40 documents in 3 languages, where the disk is full for the German
    catalogue of document 10 and the Turkish one of document 20 (counted from 0).

    The one pool stages documents 0-31 in a batch, by document; the two stages fill no batch
    with their 120 catalogues. Before the mend, the render stage staged what was left from
    `settled()`, language by language: the one pool reported the German catalogue, the two
    stages the Turkish one. The render stage now stages what `Staging.add` holds first, in
    the order added, and both paths report the German catalogue."""
    (tmp_path / "probe").mkdir()
    probe = make_docs(tmp_path / "probe", count=40)
    german, turkish = _catalogue(probe, 10, "de"), _catalogue(probe, 20, "tr")
    _disk_full_at(monkeypatch, (german, turkish))
    seen = _both_paths(tmp_path, monkeypatch, lambda b: make_docs(b, count=40), [("sync",)], workers)
    assert german in seen["twostage"][0][2]  # type: ignore[index]
    _assert_same(seen)
