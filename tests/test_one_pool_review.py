"""Review of the one-pool first run (`project/merging.py`) and its companions.

Each scenario is run twice on identical copies of a project: once as the code
chooses (the one pool of document jobs on a first run) and once with the two
stages forced (`merging._one_pool_fits` returns False); files, messages, exit
codes and the job cache must agree, with one worker and with two.
"""

from __future__ import annotations

import gc
import os
from collections.abc import Callable
from pathlib import Path

import pytest

from helpers import file_tree, invoke, temps_in, without_rename_new
from i18n_sync.project import jobcache, merging
from i18n_sync.project.cache import CACHE_VARIABLE
from i18n_sync.project.files import TEMP_PREFIX
from test_scale import TR, make_docs


def _cache_records(folder: Path) -> list[bytes]:
    found = sorted(folder.glob("jobs-*.cache"))
    if not found:
        return []
    (kept,) = found
    return sorted(bytes(pickled) for _, pickled in jobcache._load(kept).values())


def _both_paths(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    build: Callable[[Path], Path],
    runs: list[tuple[str, ...] | Callable[[Path], object]],
    workers: str,
    expect_one_pool: bool = True,
) -> dict[str, list[object]]:
    """Build the project twice and run `runs` (CLI argument lists, or edits of the project
    between them) on each copy, once as the code chooses and once with the two stages
    forced; what each run says and leaves."""
    monkeypatch.setenv("I18N_SYNC_JOBS", workers)
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1700000000")
    real = merging._one_pool_fits
    seen: dict[str, list[object]] = {}
    for name in ("onepool", "twostage"):
        base = tmp_path / name
        base.mkdir()
        root = build(base)
        cache = tmp_path / f"{name}-cache"
        monkeypatch.setenv(CACHE_VARIABLE, str(cache))
        taken: list[bool] = []

        def fits(*args: object, name: str = name, taken: list[bool] = taken) -> bool:
            taken.append(name == "onepool" and real(*args))  # type: ignore[arg-type]
            return taken[-1]

        monkeypatch.setattr(merging, "_one_pool_fits", fits)
        results: list[object] = []
        for args in runs:
            if callable(args):
                args(root)
                continue
            outcome = invoke(root, *args)
            if outcome.exception is not None and not isinstance(outcome.exception, SystemExit):
                raise outcome.exception
            results.append((args, outcome.exit_code, outcome.output.replace(str(base), "<base>")))
        if name == "onepool" and expect_one_pool:
            assert True in taken, "the scenario never took the one pool"
        results.append(file_tree(root))
        results.append(_cache_records(cache))
        results.append(sorted(p.name for p in root.rglob("*") if p.name.startswith(TEMP_PREFIX)))
        seen[name] = results
    return seen


def _assert_same(seen: dict[str, list[object]]) -> None:
    one, two = seen["onepool"], seen["twostage"]
    for index, (a, b) in enumerate(zip(one, two, strict=True)):
        if isinstance(a, dict):
            assert sorted(a) == sorted(b), f"item {index}: different files"  # type: ignore[arg-type]
            for path in a:
                assert a[path] == b[path], f"item {index}: {path} differs"  # type: ignore[index]
        else:
            assert a == b, f"item {index} differs"


WORKERS = pytest.mark.parametrize("workers", ["1", "2"])


def _with_config(root: Path, extra: str) -> Path:
    config = root / "i18n-sync.toml"
    config.write_text(config.read_text(encoding="utf-8") + extra, encoding="utf-8")
    return root


def _bad_sources(base: Path) -> Path:
    root = _with_config(make_docs(base, count=12), "max_file_size = 3000\n")
    (root / "docs" / "guide4.md").write_bytes(b"# Guide 4\n\n\xff\xfe not UTF-8\n")
    (root / "docs" / "part" / "guide7.md").write_text("# Big\n\n" + "word " * 1000 + "\n", encoding="utf-8")
    return root


def _bad_catalogues(base: Path) -> Path:
    root = make_docs(base, count=12)
    (root / "locales" / "tr" / "part").mkdir(parents=True)
    (root / "locales" / "tr" / "part" / "guide1.po").write_text(TR.format(number=1), encoding="utf-8")
    (root / "locales" / "de" / "part").mkdir(parents=True)
    (root / "locales" / "de" / "part" / "guide3.po").write_text('msgid "x"\nmsgstr "y\n', encoding="utf-8")
    (root / "locales" / "tr" / "guide6.po").write_bytes(b'msgid ""\nmsgstr "\xff"\n')
    return root


def _plain(base: Path) -> Path:
    root = make_docs(base, count=20)
    (root / "locales" / "tr" / "part").mkdir(parents=True)
    (root / "locales" / "tr" / "part" / "guide1.po").write_text(TR.format(number=1), encoding="utf-8")
    return root


def _edit_one(root: Path) -> None:
    (root / "docs" / "guide0.md").write_text("# Guide 0\n\nA new paragraph.\n", encoding="utf-8")


@WORKERS
@pytest.mark.parametrize("project", [_plain, _bad_sources, _bad_catalogues], ids=lambda make: make.__name__)
def test_a_first_sync_and_the_next_same_both_paths(tmp_path, monkeypatch, workers, project):
    """A first sync (the one pool), a sync with nothing to do, then one after a source changed
    (the two stages, from the job cache the first sync filled): plainly, with a source that is
    not UTF-8 and one over max_file_size, or with catalogues that cannot be parsed or are not
    UTF-8, mid-run."""
    runs = [("sync",), ("sync",), _edit_one, ("sync",)]
    seen = _both_paths(tmp_path, monkeypatch, project, runs, workers)
    _assert_same(seen)
    if project is _plain:
        output = seen["onepool"][-3]["site/tr/part/guide1.md"].decode()  # type: ignore[index]
        assert "# Kılavuz 1" in output and "[Sonraki kılavuza](../guide2.md)" in output


def _thresholds(base: Path) -> Path:
    root = _bad_catalogues(base)
    return _with_config(root, 'publish_threshold_by_language = { de = 50, "zh-CN" = 10 }\n')


@WORKERS
@pytest.mark.parametrize(
    "runs",
    [
        (("sync", "--lang", "tr"), ("sync",)),
        (("sync", "--check"), ("sync", "--check", "--lang", "de")),
        (("status",), ("status", "--format", "json")),
        (("extract",), ("update",), ("render",)),
        (("update",), ("sync", "--lang", "zh-CN")),
        (("render",), ("sync", "--format", "json")),
    ],
    ids=["lang", "check", "status", "steps", "update", "render"],
)
def test_narrowed_runs_same_both_paths(tmp_path, monkeypatch, workers, runs):
    """--lang with publish thresholds, --check, status, single steps."""
    seen = _both_paths(tmp_path, monkeypatch, _thresholds, list(runs), workers, expect_one_pool=False)
    _assert_same(seen)


def _big_template(base: Path) -> Path:
    root = _with_config(make_docs(base, count=12), "max_file_size = 2200\n")
    body = "\n\n".join(f"Paragraph {n} of the long guide." for n in range(60))
    (root / "docs" / "guide2.md").write_text(f"# Long\n\n{body}\n", encoding="utf-8")
    return root


@WORKERS
def test_template_over_max_file_size_same_both_paths(tmp_path, monkeypatch, workers):
    """A template or catalogue that would exceed max_file_size."""
    seen = _both_paths(tmp_path, monkeypatch, _big_template, [("sync",), ("sync",)], workers)
    _assert_same(seen)


def _disk_full_at(monkeypatch: pytest.MonkeyPatch, suffixes: tuple[str, ...]) -> None:
    """Every temporary file for a path ending in one of `suffixes` fails as on a full disk."""
    import errno

    from helpers import patch_write_temp
    from i18n_sync.project import temps
    from i18n_sync.project.files import write_failure
    from i18n_sync.project.staging import Staging

    real = temps.write_temp

    def failing(target, *args, **kwargs):  # type: ignore[no-untyped-def]
        if str(target).endswith(suffixes):
            raise OSError(errno.ENOSPC, "No space left on device")
        return real(target, *args, **kwargs)

    patch_write_temp(monkeypatch, failing)  # a file beside its target
    real_write = Staging._write

    def staging_write(self, change, mode, watch=True):  # type: ignore[no-untyped-def]
        # A file staged in a folder written whole is named by the folder it is written in.
        if change.path.endswith(suffixes):
            raise write_failure(change.path, OSError(errno.ENOSPC, "No space left on device"))
        return real_write(self, change, mode, watch)

    monkeypatch.setattr(Staging, "_write", staging_write)


@WORKERS
def test_write_error_reported_is_the_same_on_both_paths(tmp_path, monkeypatch, workers):
    """A first sync of 40 documents (160 templates and catalogues: more than one
    `Staging.add` batch) where the disk is full for a catalogue of the first document and the
    template of the second. The two-stage run stages every template first, the one pool each
    document's template then its catalogues; both report the template, the earliest failure
    in the staging order (templates, then catalogues: `Staging._place`)."""
    _disk_full_at(monkeypatch, ("locales/tr/guide0.po", "locales/part/guide1.pot"))
    seen = _both_paths(tmp_path, monkeypatch, lambda b: make_docs(b, count=40), [("sync",)], workers)
    assert seen["onepool"][0][1] != 0  # type: ignore[index]
    _assert_same(seen)


@pytest.mark.parametrize("workers", [1, 2])
def test_progress_reaches_its_total_when_a_source_fails(tmp_path, workers):
    """`progress` is told ``(done, total)`` of every job, the last one ``(total, total)``,
    also when a source fails to extract: the one pool counts its document jobs (10 of 10),
    whose merges are known only once each extracted; the two stages count the merges they
    run (27 of 27)."""
    from i18n_sync.project.config import load_config
    from i18n_sync.project.sync import run

    root = make_docs(tmp_path, count=10)
    (root / "docs" / "guide4.md").write_bytes(b"# Guide 4\n\n\xff not UTF-8\n")
    heard: list[tuple[str, int, int]] = []
    run(load_config(root), workers=workers, progress=lambda *told: heard.append(told))
    for stage in {stage for stage, _, _ in heard}:
        told = [(done, total) for s, done, total in heard if s == stage]
        total = told[-1][1]
        assert told == [(n, total) for n in range(1, total + 1)], stage


def compact_docs(base: Path) -> Path:
    """`make_docs` in the compact layout, with a Turkish catalogue."""
    root = make_docs(base, count=12)
    config = (root / "i18n-sync.toml").read_text(encoding="utf-8")
    config = config.replace("locales/{path}.pot", "locales/docs.pot").replace(
        "{locale}/{path}.po", "{locale}.po"
    )
    (root / "i18n-sync.toml").write_text(config, encoding="utf-8")
    (root / "locales").mkdir()
    (root / "locales" / "tr.po").write_text(TR.format(number=1), encoding="utf-8")
    return root


@WORKERS
def test_relayout_to_per_document_same_both_paths(tmp_path, monkeypatch, workers):
    """Relayout from compact to per-document (seeded catalogues, no cache)."""
    runs = [
        ("sync",),
        ("relayout", "--template", "locales/{path}.pot", "--catalog", "locales/{locale}/{path}.po"),
        ("sync",),
        ("relayout", "--template", "locales/all.pot", "--catalog", "locales/{locale}/all.po"),
    ]
    seen = _both_paths(tmp_path, monkeypatch, compact_docs, runs, workers, expect_one_pool=False)
    _assert_same(seen)


DUPLICATE = """msgid ""
msgstr ""
"Language: de\\n"
"Content-Type: text/plain; charset=UTF-8\\n"

msgid "Guide {number}"
msgstr "Anleitung {number}"

msgid "Guide {number}"
msgstr "Leitfaden {number}"

#, fuzzy
msgid "Old text"
msgstr "Alter Text"
"""


def _diagnostics(base: Path) -> Path:
    root = _with_config(
        make_docs(base, count=14), 'languages = ["tr", "zh-CN", "de", "kab"]\n'.replace("languages", "# x")
    )
    (root / "locales" / "part").mkdir(parents=True)
    (root / "locales" / "part" / "guide3.pot").write_text('msgid "broken\n', encoding="utf-8")
    (root / "locales" / "guide6.pot").write_bytes(b"\xff\xfe")
    (root / "locales" / "de" / "part").mkdir(parents=True)
    (root / "locales" / "de" / "part" / "guide5.po").write_text(DUPLICATE.format(number=5), encoding="utf-8")
    (root / "locales" / "de" / "guide2.po").write_text(DUPLICATE.format(number=2), encoding="utf-8")
    (root / "docs" / "guide8.md").write_text(
        "# Guide 8\n\n<div>\n<p>Unclosed <b>html\n</div>\n\n| a | b |\n|---|---|\n| [x](y) | z |\n",
        encoding="utf-8",
    )
    return root


@WORKERS
def test_diagnostics_order_same_both_paths(tmp_path, monkeypatch, workers):
    """Broken templates (regenerated, with a warning) and catalogues with
    duplicate entries, mid-run: the warnings come in the same order."""
    seen = _both_paths(
        tmp_path, monkeypatch, _diagnostics, [("sync",), ("sync", "--format", "json")], workers
    )
    _assert_same(seen)


@pytest.mark.parametrize("workers", ["1", "2"])
def test_a_job_failing_in_the_one_pool_leaves_no_temporary_file_and_the_collector_on(
    tmp_path, monkeypatch, workers
):
    """An unexpected exception in a document job (after others were staged)
    propagates, every staged temporary file is removed, and the cycle collector is on again."""
    from i18n_sync.api import sync
    from i18n_sync.project import jobs
    from i18n_sync.project.config import load_config

    monkeypatch.setenv("I18N_SYNC_JOBS", workers)
    root = make_docs(tmp_path, count=60)
    real = jobs.process_catalogue

    def failing(context, job):  # type: ignore[no-untyped-def]
        if job.path.endswith("de/part/guide51.po"):
            raise RuntimeError("boom")
        return real(context, job)

    monkeypatch.setattr(merging, "process_catalogue", failing)
    assert gc.isenabled()
    with pytest.raises(RuntimeError, match="boom"):
        sync(load_config(root))
    assert gc.isenabled()
    assert not temps_in(root)
    assert not (root / "locales").exists() or not [p for p in (root / "locales").rglob("*") if p.is_file()]


@pytest.mark.parametrize("one_step", [True, False], ids=["in one step", "looked at, then renamed"])
@pytest.mark.parametrize("made", ["file", "folder", "dangling symlink", "symlink"])
def test_a_catalogue_made_by_hand_during_a_first_run_is_not_overwritten(
    tmp_path, monkeypatch, made, one_step
):
    """A missing catalogue is renamed into place only where nothing stands: here with its
    folder, written whole (`staging`), in one step (`temps.rename_new`), or after one lstat
    where the system cannot. Anything that appeared since the run looked is reported and
    left: a file, a folder, a symlink, even one to a file of the repository that does not
    exist (a read would find nothing there). Made there, it made the folder, in which
    nothing is written then."""
    from i18n_sync.project import writing

    if not one_step:
        without_rename_new(monkeypatch)

    root = make_docs(tmp_path, count=12)
    target = root / "locales" / "tr" / "guide0.po"
    real = writing._flush

    def editor_first(*args, **kwargs):  # type: ignore[no-untyped-def]
        target.parent.mkdir(parents=True, exist_ok=True)
        if made == "file":
            target.write_text("mine\n", encoding="utf-8")
        elif made == "folder":
            target.mkdir()
        else:
            target.symlink_to("elsewhere.po" if made == "dangling symlink" else "../../i18n-sync.toml")
        return real(*args, **kwargs)

    monkeypatch.setattr(writing, "_flush", editor_first)
    outcome = invoke(root, "sync")
    assert outcome.exit_code != 0
    assert (
        "locales: was made, or the folder it was being written in changed, while i18n-sync was running"
        in outcome.output
    )
    if made == "file":
        assert target.read_text(encoding="utf-8") == "mine\n"
    elif made == "folder":
        assert target.is_dir()
    else:
        assert target.is_symlink()
        assert os.readlink(target) == (
            "elsewhere.po" if made == "dangling symlink" else "../../i18n-sync.toml"
        )
        assert (root / "i18n-sync.toml").read_text(encoding="utf-8").startswith("languages")
    assert not temps_in(root)


def _random_tree(rng, base: str) -> None:  # type: ignore[no-untyped-def]
    names = ["a", "b", "c", "d"]
    dirs = [""]
    for _ in range(rng.randint(3, 12)):
        parent, name = rng.choice(dirs), rng.choice(names)
        path = os.path.join(base, parent, name)
        if os.path.lexists(path):
            continue
        kind = rng.random()
        if kind < 0.35:
            os.mkdir(path)
            dirs.append(f"{parent}/{name}".lstrip("/"))
        elif kind < 0.45:
            open(path, "w").close()
        else:
            pick = rng.random()
            if pick < 0.4:
                target = "/".join(rng.choice([*names, "..", "."]) for _ in range(rng.randint(1, 3)))
            elif pick < 0.6:
                target = os.path.join(base, *[rng.choice([*names, ".."]) for _ in range(rng.randint(0, 2))])
            elif pick < 0.7:
                target = "/tmp"
            elif pick < 0.8:
                target = name
            else:
                target = os.path.relpath(os.path.join(base, rng.choice(dirs)), os.path.join(base, parent))
            os.symlink(target, path)


def test_folders_real_is_realpath_but_where_the_path_loops(tmp_path):
    """`Folders._real` against `os.path.realpath` over random trees of symlink
    chains, '..' and absolute targets, dangling links, links to files and loops. They agree on
    every path the system can resolve; on a path that loops (ELOOP) they may differ, and then
    `_real` never calls inside the root a place `realpath` calls outside."""
    import errno
    import random

    from i18n_sync.project.files import Folders

    for seed in range(400):
        rng = random.Random(seed)
        base = str(tmp_path / f"p{seed}" / "proj")
        os.makedirs(base)
        _random_tree(rng, base)
        folders = Folders(Path(base))
        folders.place("")
        for _ in range(15):
            query = "/".join(rng.choice("abcdx") for _ in range(rng.randint(1, 4)))
            got, want = folders._real(query), os.path.realpath(os.path.join(base, query))
            if got == want:
                continue
            parts, loops = query.split("/"), False
            for end in range(1, len(parts) + 1):
                try:
                    os.stat(os.path.join(base, *parts[:end]))
                except OSError as problem:
                    loops = problem.errno == errno.ELOOP
                    break
            assert loops, (seed, query, got, want)

            def inside(path: str, base: str = base) -> bool:
                return path == base or path.startswith(base + os.sep)

            assert inside(want) or not inside(got), (seed, query, got, want)
