"""`model.quick_pickle`: the records that cross processes pickle to the same values, only faster.

Every record a run's jobs return is quick; it comes back equal and whole through every
protocol and `copy`; a state of another length is a job-cache miss; one worker and two
give the same bytes, with the job cache cold and warm (the last four from a review).
"""

from __future__ import annotations

import copy
import dataclasses
import io
import pickle
from collections.abc import Callable
from pathlib import Path

import pytest

from helpers import invoke
from i18n_sync.errors import Diagnostic
from i18n_sync.model import Message, Region, quick_pickle
from i18n_sync.project import pool
from i18n_sync.project.config import load_config
from i18n_sync.project.jobcache import JobCache
from i18n_sync.project.sync import run
from test_scale import COMPACT, TR, make_docs


class _Seen(pickle.Pickler):
    """A pickler that keeps one instance of each of the package's dataclasses it pickles."""

    def __init__(self) -> None:
        super().__init__(io.BytesIO(), pickle.HIGHEST_PROTOCOL)
        self.found: dict[type, object] = {}

    def reducer_override(self, obj: object) -> object:
        if dataclasses.is_dataclass(obj) and type(obj).__module__.startswith("i18n_sync"):
            self.found.setdefault(type(obj), obj)
        return NotImplemented


def _quick(cls: type) -> bool:
    return "quick_pickle" in getattr(cls.__getstate__, "__qualname__", "")


def _watch(monkeypatch: pytest.MonkeyPatch) -> _Seen:
    """Note what every pool's jobs return, run in this process (one worker)."""
    monkeypatch.setenv("I18N_SYNC_JOBS", "1")
    seen = _Seen()
    collect = pool._collect

    def watched(results, total, progress, each=None):  # type: ignore[no-untyped-def]
        def noted():  # type: ignore[no-untyped-def]
            for result in results:
                seen.dump(result)
                yield result

        return collect(noted(), total, progress, each)

    monkeypatch.setattr(pool, "_collect", watched)
    return seen


# A translation with an error-level finding (a raw HTML tag the English lacks): the run
# keeps it out as a `Rejection` holding the `Finding`s, in the workers' results.
REJECTED = TR.format(number=1).replace('msgstr "Kılavuz 1"', 'msgstr "<b>Kılavuz</b> 1"')


def _rejecting_project(root: Path) -> Path:
    root.mkdir(parents=True, exist_ok=True)
    make_docs(root)
    (root / "locales" / "tr" / "part").mkdir(parents=True)
    (root / "locales" / "tr" / "part" / "guide1.po").write_text(REJECTED, encoding="utf-8")
    return root


def _translated_project(root: Path) -> Path:
    make_docs(root)
    (root / "locales" / "tr" / "part").mkdir(parents=True)
    (root / "locales" / "tr" / "part" / "guide1.po").write_text(TR.format(number=1), encoding="utf-8")
    return root


def _compact_project(root: Path) -> Path:
    """A compact layout, a compendium (translation memory), a source that is not UTF-8 and a
    broken catalogue."""
    make_docs(root)
    (root / "i18n-sync.toml").write_text(COMPACT + 'compendia = ["memory/*.po"]\n', encoding="utf-8")
    (root / "memory").mkdir()
    (root / "memory" / "tr.po").write_text(TR.format(number=3), encoding="utf-8")
    (root / "locales").mkdir()
    (root / "locales" / "tr.po").write_text(TR.format(number=2), encoding="utf-8")
    (root / "locales" / "de.po").write_text('msgid "a"\nmsgstr "b" x\n', encoding="utf-8")
    (root / "docs" / "bad.md").write_bytes(b"\xff\xfe not UTF-8")
    return root


@pytest.mark.parametrize(
    ("build", "commands", "expected"),
    [
        (_translated_project, ["sync", "status", "render --lang tr"], {"SourceResult", "Published", "Unit"}),
        # `Accepted.rejected` and `Rendered.rejected` hold `splice.Rejection`, which holds
        # `checks.translation.Finding`: in every run where a check keeps a translation out.
        (_rejecting_project, ["sync", "check", "status", "render --lang tr"], {"Rejection", "Accepted"}),
        (_compact_project, ["sync", "update", "check", "status"], {"CatalogueResult", "Accepted"}),
    ],
    ids=["translated", "rejected", "compact-compendium-errors"],
)
def test_every_record_a_runs_jobs_return_pickles_the_quick_way(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    build: Callable[[Path], Path],
    commands: list[str],
    expected: set[str],
) -> None:
    """What the workers send back (and the job cache keeps) is all quick: a record added to
    a job's result without `quick_pickle` fails here, naming it."""
    seen = _watch(monkeypatch)
    root = build(tmp_path)
    for command in commands:
        invoke(root, *command.split())
    assert expected <= {cls.__name__ for cls in seen.found}
    slow = sorted(cls.__qualname__ for cls in seen.found if not _quick(cls))
    assert slow == [], f"records pickled without quick_pickle: {slow}"


def _fields(record: object) -> list[object]:
    return [getattr(record, f.name) for f in dataclasses.fields(record)]  # type: ignore[arg-type]


def _hashable(record: object) -> bool:
    try:
        hash(record)
    except TypeError:  # a field holds a dict (`Accepted.texts`)
        return False
    return True


def test_every_record_a_run_returns_round_trips_with_every_protocol_and_copy(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Each quick record a run's jobs return (a real one of each class), through protocols 0 to
    5, `copy.copy` and `copy.deepcopy`: equal, every field the same (those equality leaves
    out too), the same hash, and still frozen."""
    seen = _watch(monkeypatch)
    root = _rejecting_project(tmp_path)
    for args in (("sync",), ("status",), ("render", "--lang", "tr")):
        invoke(root, *args)
    quick = {cls: record for cls, record in seen.found.items() if _quick(cls)}
    assert len(quick) >= 20
    for cls, record in quick.items():
        copies = [
            pickle.loads(pickle.dumps(record, protocol)) for protocol in range(pickle.HIGHEST_PROTOCOL + 1)
        ]
        copies += [copy.copy(record), copy.deepcopy(record)]
        for back in copies:
            assert type(back) is cls
            assert back == record, cls
            assert _fields(back) == _fields(record), cls
            if _hashable(record):
                assert hash(back) == hash(record), cls
            with pytest.raises(dataclasses.FrozenInstanceError):
                setattr(back, dataclasses.fields(back)[0].name, None)  # type: ignore[arg-type]


@dataclasses.dataclass(frozen=True)
class _Noted(Diagnostic):
    note: str = ""


@dataclasses.dataclass(frozen=True)
class _Spanned(Region):
    width: int = 0


def test_a_subclass_of_a_quick_record_keeps_its_own_fields(tmp_path: Path) -> None:
    """A subclass inherits the quick state functions: they read its own fields too, as the
    dataclass's do (`Diagnostic` is public, re-exported by `api`), through `pickle` and `copy`."""

    for record in (_Noted("docs/a.md", 3, "a warning", note="mine"), _Spanned(1, 2, 3, 4, width=9)):
        for back in (pickle.loads(pickle.dumps(record, pickle.HIGHEST_PROTOCOL)), copy.copy(record)):
            assert back == record, back


def _old_style(cls: type, monkeypatch: pytest.MonkeyPatch) -> None:
    """Give `cls` the dataclass's own state functions back (the code before the change)."""
    monkeypatch.setattr(cls, "__getstate__", dataclasses._dataclass_getstate)  # type: ignore[attr-defined]
    monkeypatch.setattr(cls, "__setstate__", dataclasses._dataclass_setstate)  # type: ignore[attr-defined]


def test_pickles_of_the_code_before_read_now_and_the_other_way(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A job cache written by the code before (a list state) reads back whole, and one written
    now (a tuple) reads back whole in the code before."""
    message = Message(
        "Guide", "Kılavuz", None, ("fuzzy",), ("a note",), (), ("docs/a.md:1",), None, "Old", False, 7
    )
    new = pickle.dumps(message, pickle.HIGHEST_PROTOCOL)
    with monkeypatch.context() as patch:
        _old_style(Message, patch)
        old = pickle.dumps(message, pickle.HIGHEST_PROTOCOL)
        read_by_old = pickle.loads(new)
    assert old != new  # another state: a list, not a tuple
    for back in (pickle.loads(old), read_by_old):
        assert back == message and _fields(back) == _fields(message)


@quick_pickle
@dataclasses.dataclass(frozen=True, slots=True)
class _Versioned:
    first: int
    second: str = ""


def test_a_state_of_another_length_is_a_cache_miss_never_a_half_record() -> None:
    """A record pickled when it had fewer or more fields (the same class name) is refused:
    `JobCache.get` finds nothing, not a record with a field unset or shifted."""
    good = pickle.dumps(_Versioned(1, "a"), pickle.HIGHEST_PROTOCOL)
    shorter = pickle.dumps(_Versioned(1, "a"), 0).replace(b"(I1\nVa\np5\nt", b"(I1\nt")
    longer = pickle.dumps(_Versioned(1, "a"), 0).replace(b"(I1\nVa\np5\nt", b"(I1\nVa\np5\nI3\nt")
    assert shorter != pickle.dumps(_Versioned(1, "a"), 0) != longer
    cache = JobCache(Path("unused"), b"", {"good": (1, good), "short": (1, shorter), "long": (1, longer)}, {})
    assert cache.get("good") == _Versioned(1, "a")
    assert cache.get("short") is None
    assert cache.get("long") is None
    for state in ((1,), [1], (1, "a", 3), [1, "a", 3]):
        blank = _Versioned.__new__(_Versioned)
        with pytest.raises(ValueError):
            blank.__setstate__(state)  # type: ignore[attr-defined]


def test_one_worker_and_two_give_the_same_bytes_cold_and_warm(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """With rejections and diagnostics in the results: one worker without cache, two workers
    with a cold job cache, then two with it warm (every job's result unpickled from it)."""
    root = _rejecting_project(tmp_path / "repo")
    config = load_config(root)
    off = {"I18N_SYNC_CACHE_DIR": "off"}
    cache = {"I18N_SYNC_CACHE_DIR": str(tmp_path / "cache")}
    serial = run(config, environ=off, workers=1)
    cold = run(config, environ=cache, workers=2)
    # `run` writes nothing: the run memo keeps no record, the job cache answers the jobs.
    hits: list[object] = []
    get = JobCache.get

    def counted(self: JobCache, key: str) -> object | None:
        found = get(self, key)
        if found is not None:
            hits.append(found)
        return found

    monkeypatch.setattr(JobCache, "get", counted)
    warm = run(config, environ=cache, workers=2)
    assert len(hits) >= 12
    assert list(tmp_path.joinpath("cache").glob("jobs-*.cache"))
    for other in (cold, warm):
        assert [(c.path, c.content) for c in other.changes] == [(c.path, c.content) for c in serial.changes]
        assert other.diagnostics == serial.diagnostics
        assert other.languages == serial.languages
    assert any("not used" in d.message for d in serial.diagnostics)


def test_a_record_with_one_field_pickles_too() -> None:
    @quick_pickle
    @dataclasses.dataclass(frozen=True, slots=True)
    class One:
        value: int

    assert One.__getstate__(One(5)) == (5,)  # type: ignore[attr-defined]


def test_only_frozen_slotted_dataclasses_are_taken() -> None:
    @dataclasses.dataclass(frozen=True)
    class Plain:
        value: int

    with pytest.raises(TypeError, match="Plain is not a frozen slotted dataclass"):
        quick_pickle(Plain)
