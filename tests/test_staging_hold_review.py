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
@pytest.mark.parametrize(("count", "german_at", "turkish_at"), [(64, 34, 40), (40, 10, 20)], ids=["64", "40"])
def test_a_sync_reports_the_same_write_error_on_both_paths(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, workers: str, count: int, german_at: int, turkish_at: int
) -> None:
    """A first sync of `count` documents in 3 languages, where the disk is full for the German
    catalogue of one document and the Turkish one of a later document (counted from 0, in
    document order); both paths must report the German one, the earlier in the staging order.

    64 documents (256 templates and catalogues, two full `Staging.add` batches, the second
    filled by the last document): the one pool held its second batch for the render stage,
    which staged it from `settled()`, language by language, and reported the Turkish catalogue,
    where the two stages report the German one. (Before 989613b the two paths agreed here.)

    40 documents: the one pool stages documents 0-31 in a batch, by document; the two stages
    fill no batch with their 120 catalogues, and staged them all from `settled()`: they reported
    the Turkish catalogue, the one pool the German one, before 989613b too.

    The render stage now stages what `Staging.add` holds first, in the order added."""
    (tmp_path / "probe").mkdir()
    probe = make_docs(tmp_path / "probe", count=count)
    german, turkish = _catalogue(probe, german_at, "de"), _catalogue(probe, turkish_at, "tr")
    _disk_full_at(monkeypatch, (german, turkish))
    seen = _both_paths(tmp_path, monkeypatch, lambda b: make_docs(b, count=count), [("sync",)], workers)
    assert seen["twostage"][0][1] != 0  # type: ignore[index]
    assert german in seen["twostage"][0][2]  # type: ignore[index]
    _assert_same(seen)
