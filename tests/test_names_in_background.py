"""The switchers' language names are looked up by a process of their own while the run plans
(`names.names_meanwhile`, `background.in_background`), and no switcher is made where none is shown.

Every test starts, and ends, with no name known in this process, as a new process would.
"""

from __future__ import annotations

import multiprocessing
import os
import time
from multiprocessing.connection import Connection
from pathlib import Path

import pytest

from helpers import invoke, square
from i18n_sync import locales
from i18n_sync.markdown.document import load_document
from i18n_sync.project import background, jobs, pool, sync
from i18n_sync.project import names as naming
from i18n_sync.project.cache import CACHE_VARIABLE
from i18n_sync.project.config import load_config
from i18n_sync.project.sync import run
from i18n_sync.render.decorate import Decorations, shows_switcher

LANGUAGES = ("tr", "zh-CN", "de", "ja", "uk")

needs_fork = pytest.mark.skipif(
    "fork" not in multiprocessing.get_all_start_methods(),
    reason="no fork: no process of its own",
)


@pytest.fixture(autouse=True)
def no_name_known(monkeypatch: pytest.MonkeyPatch) -> object:
    monkeypatch.setattr(locales, "_NATIVE_NAMES", {})
    monkeypatch.setenv(CACHE_VARIABLE, "off")
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1764000000")
    jobs._labels.cache_clear()
    yield
    jobs._labels.cache_clear()


def project(
    root: Path, languages: tuple[str, ...] = LANGUAGES, switcher: str = "marker", marked: bool = True
) -> Path:
    quoted = ", ".join(f'"{tag}"' for tag in languages)
    (root / "i18n-sync.toml").write_text(
        f'languages = [{quoted}]\nsources = ["docs/*.md"]\nsource_root = "docs"\n'
        'template = "locales/{path}.pot"\ncatalog = "locales/{locale}/{path}.po"\n'
        f'output = "site/{{lang}}/{{path}}.md"\nsource_output = ""\nlanguage_switcher = "{switcher}"\n',
        encoding="utf-8",
    )
    (root / "docs").mkdir()
    for number in range(10):
        marker = "<!-- i18n-sync:languages -->\n\n" if number == 0 and marked else ""
        (root / "docs" / f"page{number}.md").write_text(
            f"# Page {number}\n\n{marker}Text of page {number}.\n", encoding="utf-8"
        )
    return root


def looked_up_here(monkeypatch: pytest.MonkeyPatch) -> list[tuple[int, str]]:
    """(process, tag) of each name CLDR is asked for from now on, in this process."""
    asked: list[tuple[int, str]] = []
    real = locales._native_name

    def native_name(locale: object) -> str:
        asked.append((os.getpid(), str(locale)))
        return real(locale)  # type: ignore[arg-type]

    monkeypatch.setattr(locales, "_native_name", native_name)
    return asked


def names_here() -> dict[str, str]:
    """Each language's name as this process looks it up (CLDR's, through Babel), anew."""
    kept = dict(locales._NATIVE_NAMES)
    locales._NATIVE_NAMES.clear()
    try:
        return {tag: locales.native_name_of(tag) for tag in LANGUAGES}
    finally:
        locales._NATIVE_NAMES.clear()
        locales._NATIVE_NAMES.update(kept)


def stops_seen(monkeypatch: pytest.MonkeyPatch) -> list[background.Background[object]]:
    """Each background process stopped from now on (`background.Background.stop`)."""
    stopped: list[background.Background[object]] = []
    real = background.Background.stop

    def stop(self: background.Background[object]) -> None:
        stopped.append(self)
        real(self)

    monkeypatch.setattr(background.Background, "stop", stop)
    return stopped


def switcher_of(report: sync.RunReport, path: str) -> str:
    text = dict((c.path, c.content) for c in report.changes)[path].decode()
    return next(line for line in text.splitlines() if "**" in line and "|" in line)


@needs_fork
def test_the_names_come_from_a_process_of_their_own_while_the_run_plans(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    asked = looked_up_here(monkeypatch)
    started: list[object] = []
    real = background.in_background

    def spied(function: object) -> object:
        started.append(function)
        return real(function)  # type: ignore[arg-type]

    monkeypatch.setattr(naming, "in_background", spied)
    report = run(load_config(project(tmp_path)), workers=2)
    assert len(started) == 1
    assert asked == []  # none in this process: every name came from the other one
    names = names_here()
    assert names == locales._NATIVE_NAMES
    links = [
        f"**{names['tr']}**" if tag == "tr" else f"[{names[tag]}](../{tag}/page0.md)" for tag in LANGUAGES
    ]
    assert switcher_of(report, "site/tr/page0.md") == " | ".join(["[English](../../docs/page0.md)", *links])


@needs_fork
def test_the_run_is_the_same_with_the_names_looked_up_here(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    root = project(tmp_path)
    config = load_config(root)
    with_helper = run(config, workers=2)
    monkeypatch.setattr(locales, "_NATIVE_NAMES", {})
    jobs._labels.cache_clear()
    asked = looked_up_here(monkeypatch)
    alone = run(config, workers=1)  # one core: no process of its own, the run looks them up
    assert len(asked) == len(LANGUAGES)  # each once, in this process
    assert [(c.path, c.content) for c in alone.changes] == [(c.path, c.content) for c in with_helper.changes]


@needs_fork
def test_a_failing_lookup_there_is_done_here(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    def broken(tags: object) -> dict[str, str]:
        raise RuntimeError("CLDR's data is gone")

    monkeypatch.setattr(naming, "_native_names", broken)  # the forked process runs it too
    asked = looked_up_here(monkeypatch)
    report = run(load_config(project(tmp_path)), workers=2)
    assert len(asked) == len(LANGUAGES)  # each once, in this process
    assert f"**{names_here()['ja']}**" in switcher_of(report, "site/ja/page0.md")


@needs_fork
def test_a_lookup_that_dies_is_done_here(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(naming, "_native_names", lambda tags: os._exit(3))
    report = run(load_config(project(tmp_path)), workers=2)
    assert f"**{names_here()['uk']}**" in switcher_of(report, "site/uk/page0.md")


def test_few_languages_or_no_switcher_start_no_process(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def refused(function: object) -> None:
        raise AssertionError("no process of its own was wanted")

    monkeypatch.setattr(naming, "in_background", refused)
    few = tmp_path / "few"
    few.mkdir()
    run(load_config(project(few, ("tr", "de"))), workers=2)
    off = tmp_path / "off"
    off.mkdir()
    asked = looked_up_here(monkeypatch)
    report = run(load_config(project(off, switcher="off")), workers=2)
    assert asked == []  # no switcher: no name is looked up at all
    assert "**" not in dict((c.path, c.content) for c in report.changes)["site/tr/page0.md"].decode()


@needs_fork
def test_a_run_the_memo_answers_stops_the_process(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(CACHE_VARIABLE, str(tmp_path / "cache"))
    monkeypatch.setenv("I18N_SYNC_JOBS", "2")
    root = tmp_path / "project"
    root.mkdir()
    project(root)
    assert invoke(root, "sync").exit_code == 0  # writes every file
    assert invoke(root, "sync").exit_code == 0  # finds nothing to do: remembered
    stopped = stops_seen(monkeypatch)
    for plan in (tmp_path / "cache").glob("plan-*"):  # no plan kept: planned again, then the memo answers
        plan.unlink()
    executed: list[object] = []
    monkeypatch.setattr(sync, "execute", lambda *args, **kwargs: executed.append(args))
    run(load_config(root), workers=2)
    assert executed == []
    assert stopped and not stopped[0]._process.is_alive()


def test_whether_a_switcher_may_be_shown_is_read_from_the_sources_bytes(tmp_path: Path) -> None:
    for name in ("marker", "top", "off"):
        (tmp_path / name).mkdir()
    marker = load_config(project(tmp_path / "marker"))
    given = {"docs/a.md": b"# A\n\n<!-- i18n-sync:languages -->\n", "docs/b.md": b"# B\n", "docs/c.md": None}
    assert naming.may_show_switcher(marker, ["docs/a.md", "docs/b.md"], given)
    assert not naming.may_show_switcher(marker, ["docs/b.md"], given)
    assert naming.may_show_switcher(marker, ["docs/c.md"], given)  # not read: it may
    assert naming.may_show_switcher(marker, ["docs/d.md"], given)
    assert naming.may_show_switcher(
        load_config(project(tmp_path / "top", switcher="top")), ["docs/b.md"], given
    )
    assert not naming.may_show_switcher(
        load_config(project(tmp_path / "off", switcher="off")), ["docs/a.md"], given
    )


@needs_fork
def test_no_name_is_looked_up_where_no_source_holds_the_marker(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """With the default marker mode and no marker in any source (as the run's snapshot of the
    sources tells), no output shows a switcher: the names are not looked up, here or in a
    process of its own (stopped), and the outputs are those of a run that looked them up."""
    monkeypatch.setenv(CACHE_VARIABLE, str(tmp_path / "cache"))  # a snapshot of the sources
    root = tmp_path / "unmarked"
    root.mkdir()
    config = load_config(project(root, marked=False))
    stopped = stops_seen(monkeypatch)
    asked = looked_up_here(monkeypatch)
    report = run(config, workers=2)
    assert asked == [] and locales._NATIVE_NAMES == {}
    assert stopped and not stopped[0]._process.is_alive()
    monkeypatch.setenv(CACHE_VARIABLE, "off")  # no snapshot: the names are looked up
    looked = run(config, workers=2)
    assert locales._NATIVE_NAMES != {}
    assert [(c.path, c.content) for c in report.changes] == [(c.path, c.content) for c in looked.changes]


# --- background.in_background ----------------------------------------------------------------------


@needs_fork
def test_a_function_in_the_background_gives_its_result() -> None:
    with background.in_background(lambda: {"tr": "Türkçe"}) as started:  # type: ignore[union-attr]
        assert started.result() == {"tr": "Türkçe"}
    started.stop()  # twice: nothing more to do


@needs_fork
def test_a_failing_or_dying_function_gives_none() -> None:
    def fails() -> None:
        raise ValueError("no")

    assert background.in_background(fails).result() is None  # type: ignore[union-attr]
    assert background.in_background(lambda: os._exit(1)).result() is None  # type: ignore[union-attr]


@needs_fork
def test_stopping_ends_a_process_still_at_work() -> None:
    started = background.in_background(lambda: time.sleep(60))
    assert started is not None
    begun = time.monotonic()
    started.stop()
    assert time.monotonic() - begun < 10
    assert not started._process.is_alive()


@needs_fork
def test_a_process_that_hangs_is_not_waited_for_long() -> None:
    started = background.in_background(lambda: time.sleep(60))
    assert started is not None
    begun = time.monotonic()
    assert started.result(patience=0.2) is None
    assert time.monotonic() - begun < 10
    assert not started._process.is_alive()


@needs_fork
def test_a_large_result_and_a_descriptor_past_1023_come_through() -> None:
    """The result comes whole through the pipe however long (more than the pipe holds), and is
    waited for with `poll`, which takes a descriptor past 1023 (`select` refuses one): a
    program with many files open."""
    held = []
    try:
        while len(held) < 1100:  # the next pipe's descriptors come past them
            held.append(os.open(os.devnull, os.O_RDONLY))
        big = {str(n): "x" * 100 for n in range(5000)}  # some 600 KB pickled
        started = background.in_background(lambda: big)
        assert started is not None and started._reader > 1023
        assert started.result() == big
    finally:
        for handle in held:
            os.close(handle)


def _in_a_daemon(writer: Connection) -> None:
    squares = pool.map_jobs(square, list(range(20)), 2)
    writer.send((pool.forks(2, 100), squares, background.in_background(lambda: 1)))


@needs_fork
def test_a_daemonic_process_runs_its_jobs_itself() -> None:
    """A daemonic process (a worker of a program's own `multiprocessing.Pool`) may not have
    children: its jobs run in it, and nothing starts in the background."""
    context = multiprocessing.get_context("fork")
    reader, writer = context.Pipe(duplex=False)
    process = context.Process(target=_in_a_daemon, args=(writer,), daemon=True)
    process.start()
    writer.close()
    try:
        assert reader.poll(60)
        assert reader.recv() == (False, [n * n for n in range(20)], None)
    finally:
        process.join(10)


def test_without_fork_nothing_starts(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(background, "can_fork", lambda: False)
    assert background.in_background(lambda: 1) is None


# --- no switcher made where none is shown ------------------------------------------------------


def test_a_switcher_is_made_only_where_it_is_shown() -> None:
    plain = load_document("# Title\n\nText.\n", "plain.md")
    marked = load_document("# Title\n\n<!-- i18n-sync:languages -->\n\nText.\n", "marked.md")
    assert not shows_switcher(plain, Decorations())
    assert shows_switcher(plain, Decorations(switcher_at_top=True))
    assert shows_switcher(marked, Decorations())


def switchers_made(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The output of each switcher a renderer makes from now on (`jobs.switcher_entries`)."""
    made: list[str] = []
    real = jobs.switcher_entries

    def entries(settings: object, targets: object, output: str, known: object = ()) -> object:
        made.append(output)
        return real(settings, targets, output, known)  # type: ignore[arg-type]

    monkeypatch.setattr(jobs, "switcher_entries", entries)
    return made


def test_an_output_without_a_marker_asks_for_no_label(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    made = switchers_made(monkeypatch)
    report = run(load_config(project(tmp_path)), workers=1)
    assert sorted(made) == sorted(f"site/{tag}/page0.md" for tag in LANGUAGES)  # the page with the marker
    outputs = dict((c.path, c.content.decode()) for c in report.changes)
    assert "**Deutsch**" in outputs["site/de/page0.md"]
    assert "Deutsch" not in outputs["site/de/page1.md"]
