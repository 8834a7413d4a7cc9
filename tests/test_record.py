"""`record`: a frozen slotted dataclass, made and pickled quicker, that behaves as one.

Its methods return what the dataclass's own return (repr, equality, hashing, the
fields' options, methods the class writes itself, subclasses). Every record a run's
jobs return pickles the quick way; it comes back equal and whole through every protocol
and `copy`; a state of another length is a job-cache miss; one worker and two give
the same bytes, with the job cache cold and warm.
"""

from __future__ import annotations

import copy
import copyreg
import dataclasses
import inspect
import io
import pickle
from collections.abc import Callable
from pathlib import Path

import pytest

from helpers import invoke
from i18n_sync import record as records
from i18n_sync.model import Message, Region, Unit
from i18n_sync.project import pool
from i18n_sync.project.config import load_config
from i18n_sync.project.jobcache import JobCache
from i18n_sync.project.sync import run
from i18n_sync.record import record
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
    return getattr(cls.__getstate__, "__module__", "") == "i18n_sync.record"


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
    a job's result made without `record` fails here, naming it."""
    seen = _watch(monkeypatch)
    root = build(tmp_path)
    for command in commands:
        invoke(root, *command.split())
    assert expected <= {cls.__name__ for cls in seen.found}
    slow = sorted(cls.__qualname__ for cls in seen.found if not _quick(cls))
    assert slow == [], f"records pickled without record: {slow}"


def fields_of(record: object) -> list[object]:
    return [getattr(record, f.name) for f in dataclasses.fields(record)]  # type: ignore[arg-type]


def copies(value: object) -> list[object]:
    """`value` through `copy.copy`, `copy.deepcopy` and `pickle` with every protocol."""
    made = [copy.copy(value), copy.deepcopy(value)]
    return made + [
        pickle.loads(pickle.dumps(value, protocol)) for protocol in range(pickle.HIGHEST_PROTOCOL + 1)
    ]


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
    quick = {cls: found for cls, found in seen.found.items() if _quick(cls)}
    assert len(quick) >= 20
    for cls, found in quick.items():
        for back in copies(found):
            assert type(back) is cls
            assert back == found, cls
            assert fields_of(back) == fields_of(found), cls
            if _hashable(found):
                assert hash(back) == hash(found), cls
            with pytest.raises(dataclasses.FrozenInstanceError):
                setattr(back, dataclasses.fields(back)[0].name, None)  # type: ignore[arg-type]


@dataclasses.dataclass(frozen=True)
class _Spanned(Region):
    width: int = 0


def _old_style(cls: type, monkeypatch: pytest.MonkeyPatch) -> None:
    """Give `cls` the dataclass's own state functions back (the code before the change)."""
    monkeypatch.setattr(cls, "__getstate__", dataclasses._dataclass_getstate)  # type: ignore[attr-defined]
    monkeypatch.setattr(cls, "__setstate__", dataclasses._dataclass_setstate)  # type: ignore[attr-defined]
    monkeypatch.setattr(cls, "__reduce__", object.__reduce__)


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
    assert old != new  # the class called with the fields, not a state (a list) set on a blank
    for back in (pickle.loads(old), read_by_old):
        assert back == message and fields_of(back) == fields_of(message)


@record
class _Versioned:
    first: int
    second: str = ""


class _Forged:
    """Pickles as the reduce value it is given: a record as another version of its class
    would have pickled it."""

    def __init__(self, reduced: tuple[object, ...]) -> None:
        self.reduced = reduced

    def __reduce__(self) -> tuple[object, ...]:
        return self.reduced


def test_a_record_of_another_length_is_a_cache_miss_never_a_half_record() -> None:
    """A record pickled when its class had fewer or more fields (the same class name) is
    refused, as the class called with its fields (this code) or as a state set on a blank
    one (the code before): `JobCache.get` finds nothing, not a record with a field left at
    its default or shifted."""
    pickled = {
        "good": pickle.dumps(_Versioned(1, "a"), pickle.HIGHEST_PROTOCOL),
        "old good": pickle.dumps(_Forged((copyreg._reconstructor, (_Versioned, object, None), (1, "a")))),
    }
    for values in ((1,), (1, "a", 3)):
        pickled[f"{len(values)}"] = pickle.dumps(_Forged((records._rebuilt, (_Versioned, values))))
        pickled[f"old {len(values)}"] = pickle.dumps(
            _Forged((copyreg._reconstructor, (_Versioned, object, None), values))
        )
    assert pickle.loads(pickled["old good"]) == _Versioned(1, "a")
    cache = JobCache(Path("unused"), b"", {key: (1, data) for key, data in pickled.items()}, {})
    assert cache.get("good") == _Versioned(1, "a")
    for key in ("1", "3", "old 1", "old 3"):
        assert cache.get(key) is None, key
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
    # One date for every run: the templates carry it, to the minute, and a minute can turn
    # between two runs.
    date = {"SOURCE_DATE_EPOCH": "1764000000"}
    off = {"I18N_SYNC_CACHE_DIR": "off", **date}
    cache = {"I18N_SYNC_CACHE_DIR": str(tmp_path / "cache"), **date}
    serial = run(config, environ=off, workers=1)
    cold = run(config, environ=cache, workers=2)
    # `run` writes nothing: the run memo keeps no record, the job cache answers the jobs.
    hits: list[object] = []
    get = JobCache.get

    def counted(
        self: JobCache, key: str, fits: Callable[[object], bool] = lambda value: True
    ) -> object | None:
        found = get(self, key, fits)
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
    @record
    class One:
        value: int

    assert One.__getstate__(One(5)) == (5,)  # type: ignore[attr-defined]
    blank = One.__new__(One)
    blank.__setstate__((5,))  # type: ignore[attr-defined]
    assert blank == One(5)


def twins(body: Callable[[], type]) -> tuple[type, type]:
    """The class `body` makes, as a `record` and as ``dataclass(frozen=True, slots=True)``."""
    return record(body()), dataclasses.dataclass(frozen=True, slots=True)(body())


def _options() -> type:
    class Options:
        name: str
        size: int = 0
        secret: bytes = dataclasses.field(default=b"", repr=False)
        line: int = dataclasses.field(default=0, compare=False)
        unhashed: tuple[str, ...] = dataclasses.field(default=(), hash=False)
        extra: tuple[int, ...] = dataclasses.field(default_factory=tuple)

    return Options


def _one() -> type:
    class One:
        value: str

    return One


def _none() -> type:
    class Empty:
        pass

    return Empty


def _own_methods() -> type:
    class Own:
        text: str
        size: int = 0

        def __repr__(self) -> str:
            return f"<{self.text}>"

        def __hash__(self) -> int:
            return len(self.text)

    return Own


@pytest.mark.parametrize(
    ("body", "arguments"),
    [
        (_options, [("a",), ("a", 1, b"x", 5, ("u",), (1,)), ("a", 1, b"y", 6, ("v",), (1,)), ("b", 2)]),
        (_one, [("a",), ("b",), ("é\n\\'",)]),
        (_none, [()]),
        (_own_methods, [("a",), ("a", 1), ("bb", 1)]),
    ],
    ids=["field-options", "one-field", "no-field", "own-methods"],
)
def test_a_record_behaves_as_the_frozen_slotted_dataclass(
    body: Callable[[], type], arguments: list[tuple[object, ...]]
) -> None:
    """repr, ==, !=, hash and the frozen fields are the dataclass's, value for value, whatever
    the fields' options (repr=False, compare=False, hash=False, a default factory); a
    `__repr__` or `__hash__` the class writes itself is kept."""
    ours, theirs = twins(body)
    pairs = [(ours(*values), theirs(*values)) for values in arguments]
    for mine, reference in pairs:
        assert repr(mine) == repr(reference)
        assert hash(mine) == hash(reference)
        assert (mine == ours(*fields_of(mine))) is True
        assert mine != reference  # another class: not equal, as two dataclasses are not
        assert mine.__eq__(reference) is NotImplemented
        assert fields_of(mine) == fields_of(reference)
        assert dataclasses.replace(mine) == mine
        assert hasattr(mine, "__slots__") and not hasattr(mine, "__dict__")
        for field in dataclasses.fields(mine):
            with pytest.raises(dataclasses.FrozenInstanceError):
                setattr(mine, field.name, None)
            with pytest.raises(dataclasses.FrozenInstanceError):
                delattr(mine, field.name)
    for left, right in ((a, b) for a in pairs for b in pairs):
        assert (left[0] == right[0]) == (left[1] == right[1])
        assert (left[0] != right[0]) == (left[1] != right[1])


def _shapes() -> type:
    class Shapes:
        self: str  # a field named as the first parameter of a method
        items: list[int] = dataclasses.field(default_factory=list)
        size: int = 0

    return Shapes


def test_a_records_init_and_frozenness_are_the_dataclasses() -> None:
    """`record` writes ``__init__`` and the frozen ``__setattr__``/``__delattr__`` itself: the
    same signature, defaults, factories and errors as the dataclass's, and the same view
    for a dataclass subclassing it."""
    ours, theirs = twins(_shapes)
    assert str(inspect.signature(ours)) == str(inspect.signature(theirs))
    assert ours.__init__.__annotations__ == theirs.__init__.__annotations__
    assert ours.__init__.__qualname__ == "_shapes.<locals>.Shapes.__init__"
    assert ours.__doc__ == theirs.__doc__
    first, second = ours("a"), ours(self="a", size=2)
    assert first.items == [] and first.items is not ours("a").items  # the factory, each time
    assert (second.self, second.items, second.size) == ("a", [], 2)
    for option in ("init", "repr", "eq", "frozen"):
        assert getattr(ours.__dataclass_params__, option) is getattr(theirs.__dataclass_params__, option)
    for cls in (ours, theirs):
        with pytest.raises(TypeError, match="cannot inherit non-frozen dataclass from a frozen one"):
            dataclasses.dataclass(type("Loose", (cls,), {"__annotations__": {"more": "int"}, "more": 0}))
        tight = type("Tight", (cls,), {"__annotations__": {"more": "int"}, "more": 0})
        frozen = dataclasses.dataclass(frozen=True)(tight)
        assert frozen("a", [1], 2, 3).more == 3
        plain = type("Plain", (cls,), {})(self="a")
        with pytest.raises(dataclasses.FrozenInstanceError, match="cannot assign to field 'self'"):
            plain.self = "b"
        with pytest.raises(dataclasses.FrozenInstanceError, match="cannot delete field 'size'"):
            del plain.size
    # A subclass without slots takes attributes of its own (the dataclass of Python 3.11
    # fails there: its `__setattr__` names the class as it was before it had slots).
    plain = type("Plain", (ours,), {})(self="a")
    plain.note = 1
    del plain.note
    assert not hasattr(plain, "note") and plain.self == "a"


@pytest.mark.parametrize(
    "make", [record, dataclasses.dataclass(frozen=True, slots=True)], ids=["record", "dataclass"]
)
def test_a_record_refuses_what_the_frozen_dataclass_refuses(make: Callable[[type], type]) -> None:
    class Assigns:
        name: str

        def __setattr__(self, name: str, value: object) -> None:
            raise AssertionError

    with pytest.raises(TypeError, match="Cannot overwrite attribute __setattr__ in class Assigns"):
        make(Assigns)

    class Unordered:
        first: int = 0
        second: int

    with pytest.raises(TypeError, match="non-default argument 'second' follows default argument"):
        make(Unordered)


def test_a_record_repr_of_itself_does_not_recurse() -> None:
    @record
    class Holder:
        items: list[object]

    holder = Holder([1])
    holder.items.append(holder)
    assert repr(holder) == "test_a_record_repr_of_itself_does_not_recurse.<locals>.Holder(items=[1, ...])"


def test_a_units_own_hash_is_kept_and_methods_are_named_after_the_class() -> None:
    """`Unit` hashes by where it starts and its msgid (its own `__hash__`); the methods
    `record` gives read as the class's in a traceback."""
    region = Region(1, 0, 1, 5)
    unit = Unit("paragraph", "Hello", (), region)
    assert hash(unit) == hash((1, 0, "Hello"))
    assert unit == Unit("paragraph", "Hello", (), region) != Unit("heading", "Hello", (), region)
    assert Region.__eq__.__qualname__ == "Region.__eq__"
    assert Message.__repr__.__qualname__ == "Message.__repr__"
    assert repr(region) == "Region(start_line=1, start_col=0, end_line=1, end_col=5)"


def test_a_subclass_made_by_dataclass_or_record_compares_and_shows_its_ownfields_of() -> None:
    @record
    class Child(Region):
        width: int = 0

    for cls in (Child, _Spanned):
        child = cls(1, 2, 3, 4, width=9)
        assert child == cls(1, 2, 3, 4, width=9) != cls(1, 2, 3, 4, width=8)
        assert child != Region(1, 2, 3, 4)
        assert repr(child).endswith("(start_line=1, start_col=2, end_line=3, end_col=4, width=9)")
        assert hash(child) == hash(cls(1, 2, 3, 4, width=9))


def test_every_record_of_the_package_is_made_by_record() -> None:
    """No frozen dataclass of the package is made the slow way (each costs every run 0.6 ms
    to import): each has the methods `record` gives, its ``__init__`` and frozenness too."""
    import importlib
    import pkgutil

    import i18n_sync

    slow = []
    for module in pkgutil.walk_packages(i18n_sync.__path__, "i18n_sync."):
        if module.name.endswith("__main__"):
            continue
        for value in vars(importlib.import_module(module.name)).values():
            if (
                isinstance(value, type)
                and dataclasses.is_dataclass(value)
                and value.__module__ == module.name
                and value.__dataclass_params__.frozen  # type: ignore[attr-defined]
                and not all(  # the frozen methods are `_frozen_of`'s: `__init__` is `_init_of`'s too
                    getattr(vars(value).get(name), "__module__", "") == "i18n_sync.record"
                    for name in ("__eq__", "__setattr__", "__delattr__")
                )
            ):
                slow.append(value.__qualname__)
    assert slow == []


def test_records_of_one_shape_share_compiled_code_but_not_names_defaults_or_factories() -> None:
    """`record` compiles ``__init__`` once per shape (how many fields, which have factories) and
    names each class's copy for its own fields: keyword arguments, defaults, factories and the
    errors of a wrong call are each class's, as the dataclass's are."""

    @record
    class Pair:
        left: str
        right: int = 1
        notes: list[str] = dataclasses.field(default_factory=list)

    @record
    class Span:
        start: int
        stop: int = 9
        marks: dict[str, int] = dataclasses.field(default_factory=dict)

    assert Pair.__init__.__code__.co_code == Span.__init__.__code__.co_code  # one shape
    pair, span = Pair(right=2, left="a"), Span(stop=3, start=1)
    assert (pair.left, pair.right, pair.notes) == ("a", 2, [])
    assert (span.start, span.stop, span.marks) == (1, 3, {})
    assert Pair("b").right == 1 and Span(0).stop == 9
    assert Pair("b").notes is not Pair("b").notes
    assert Pair.__init__.__code__.co_varnames == ("self", "left", "right", "notes")
    parameters = inspect.signature(Span).parameters
    assert [(name, p.default) for name, p in parameters.items()][:2] == [
        ("start", inspect.Parameter.empty),
        ("stop", 9),
    ]
    assert repr(parameters["marks"].default) == "<factory>"
    with pytest.raises(TypeError, match="missing 1 required positional argument: 'start'"):
        Span()
    with pytest.raises(TypeError, match="unexpected keyword argument 'left'"):
        Span(left="a")
    with pytest.raises(TypeError, match="got multiple values for argument 'left'"):
        Pair("a", left="b")
    with pytest.raises(dataclasses.FrozenInstanceError):
        pair.left = "c"  # type: ignore[misc]
