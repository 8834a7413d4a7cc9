"""Review of `record`: a record behaves as the frozen slotted dataclass, in the corners too.

Each test holds a record against what ``dataclass(frozen=True, slots=True)`` does with the same
class body (its "twin"), on the running Python. The classes pickled are at module level, so that
`pickle` finds them by name.
"""

from __future__ import annotations

import collections.abc
import copy
import dataclasses
import inspect
import pickle
from collections.abc import Callable
from dataclasses import KW_ONLY, InitVar, field
from pathlib import Path
from typing import ClassVar

import pytest

from i18n_sync.errors import Diagnostic
from i18n_sync.model import Region
from i18n_sync.record import record
from test_record import copies, fields_of, twins

PROTOCOLS = range(pickle.HIGHEST_PROTOCOL + 1)
frozen_slotted = dataclasses.dataclass(frozen=True, slots=True)


# --- Defects the review found, fixed -------------------------------------------------------------


@record
class _WithClassVar:
    """A class constant: not a field (`dataclasses.fields` leaves it out)."""

    KINDS: ClassVar[frozenset[str]] = frozenset({"a", "b"})
    kind: str
    size: int = 0


def test_a_record_with_a_class_variable_copies_and_pickles() -> None:
    """A ``ClassVar`` is in ``__dataclass_fields__`` but is no field: `_rebuilt` counted it and
    refused every pickle and copy of the record (ValueError), as the dataclass does not."""
    original = _WithClassVar("a", 3)
    for back in copies(original):
        assert back == original and fields_of(back) == ["a", 3]


def test_a_record_with_a_class_variable_is_a_job_cache_hit() -> None:
    """The job cache takes the ValueError for another version of the class: every run misses,
    silently, for any result holding such a record."""
    from i18n_sync.project.jobcache import JobCache

    data = pickle.dumps(_WithClassVar("a", 3), pickle.HIGHEST_PROTOCOL)
    cache = JobCache(Path("unused"), b"", {"key": (1, data)}, {})
    assert cache.get("key") == _WithClassVar("a", 3)


@record
class _WithInitVar:
    """An init-only variable with a default and no ``__post_init__`` (the dataclass allows it):
    ``__init__`` takes (start, scale, end), the fields are (start, end)."""

    start: int
    scale: InitVar[int] = 1
    end: int = 0


def test_a_record_with_an_init_only_variable_copies_and_pickles_whole() -> None:
    """Refused before (the InitVar was counted as a field); counted right but still remade by
    calling the class, `end` would land in `scale` and come back as its default."""
    original = _WithInitVar(1, 5, 2)
    for back in copies(original):
        assert back == original and fields_of(back) == [1, 2]


def _own_state(name: str) -> type:
    """A class that drops what it can rebuild when pickled, with its own state functions; at
    module level as `name`, so that `pickle` finds it."""

    class OwnState:
        text: str
        cache: tuple[str, ...] = ()

        def __getstate__(self) -> tuple[object, ...]:
            return (self.text,)

        def __setstate__(self, state: tuple[object, ...]) -> None:
            object.__setattr__(self, "text", state[0])
            object.__setattr__(self, "cache", ())

    OwnState.__qualname__ = OwnState.__name__ = name
    return OwnState


_OwnState = record(_own_state("_OwnState"))
_OwnStateTwin = frozen_slotted(_own_state("_OwnStateTwin"))


def test_state_functions_the_class_writes_itself_are_kept_and_used() -> None:
    """`record` overwrote a class's own ``__getstate__``/``__setstate__`` and, with its
    ``__reduce__``, would have bypassed them anyway; the dataclass keeps and uses them."""
    for cls in (_OwnState, _OwnStateTwin):
        for back in copies(cls("a", ("big",))):
            assert fields_of(back) == ["a", ()], cls.__name__
    assert _OwnState.__getstate__.__module__ == _OwnState.__setstate__.__module__ == __name__
    assert _OwnState.__getstate__.__qualname__ == "_own_state.<locals>.OwnState.__getstate__"


def _own_eq() -> type:
    class OwnEq:
        text: str

        def __eq__(self, other: object) -> bool:
            return isinstance(other, OwnEq) and self.text.casefold() == other.text.casefold()

    return OwnEq


def test_a_record_that_writes_its_own_eq_only_is_hashable_as_the_dataclass() -> None:
    """Writing ``__eq__`` puts ``__hash__ = None`` in the class body; the dataclass does not take
    that for a hash of the class's own and adds the fields' hash. `record` counted it as the
    class's own, and the record was unhashable."""
    ours, theirs = twins(_own_eq)
    assert hash(theirs("a")) == hash(("a",))
    assert hash(ours("a")) == hash(theirs("a"))


def _holder() -> type:
    class Holder:
        items: list[object]

    return Holder


def test_deepcopy_keeps_a_cycle_through_a_record() -> None:
    """A record holding a list that holds the record: `copy.deepcopy` copies the arguments of
    ``__reduce__`` before it makes (and remembers) the copy, so the list's copy holds a second
    copy of the record, not the copy. The dataclass (a state set on a remembered blank) keeps
    the cycle."""
    for cls in twins(_holder):
        holder = cls([1])
        holder.items.append(holder)
        back = copy.deepcopy(holder)
        assert back.items[1] is back, cls


def _hashable() -> type:
    class Key(collections.abc.Hashable):
        name: str

    return Key


def test_a_record_implementing_an_abstract_hash_can_be_made() -> None:
    """The dataclass re-reads the abstract methods (`abc.update_abstractmethods`) after adding
    ``__hash__``; `record` added it after that, and the class stayed abstract."""
    for cls in twins(_hashable):
        assert hash(cls("a")) == hash(("a",)), cls


# --- Held under attack ---------------------------------------------------------------------


def _floats() -> type:
    class Score:
        value: float
        label: str = ""

    return Score


def test_equality_with_a_field_unequal_to_itself_is_the_dataclasses() -> None:
    """NaN: the tuple comparison of Python 3.11 and 3.12 takes the same object as equal. The
    dataclass of 3.13 compares field by field (``a.x == b.x and ...``), and there two records
    holding one NaN are not equal: `record` compares as the running Python's dataclass does."""
    nan = float("nan")
    ours, theirs = twins(_floats)
    assert (ours(nan) == ours(nan)) == (theirs(nan) == theirs(nan))
    assert (ours(nan) != ours(nan)) == (theirs(nan) != theirs(nan))
    mine, reference = ours(nan), theirs(nan)
    assert (mine == mine) == (reference == reference)
    assert (ours(float("nan")) == ours(float("nan"))) == (theirs(float("nan")) == theirs(float("nan")))


def _kinds() -> type:
    class Shown:
        """A documented record."""

        name: str
        table: dict[str, int] = field(default_factory=dict, hash=False)
        call: Callable[[str], int] = field(default=len, compare=False)

    return Shown


def test_match_signature_doc_fields_and_unhashable_fields_are_the_dataclasses() -> None:
    ours, theirs = twins(_kinds)
    assert ours.__match_args__ == theirs.__match_args__ == ("name", "table", "call")
    assert str(inspect.signature(ours)) == str(inspect.signature(theirs))
    assert ours.__doc__ == theirs.__doc__
    for cls in (ours, theirs):
        value = cls("a", {"k": 1}, str.upper)
        match value:
            case cls(name, table, call):  # type: ignore[misc]
                assert (name, table, call) == ("a", {"k": 1}, str.upper)
            case _:
                pytest.fail("no match")
        assert dataclasses.astuple(value) == ("a", {"k": 1}, str.upper)
        assert dataclasses.asdict(value) == {"name": "a", "table": {"k": 1}, "call": str.upper}
        assert dataclasses.replace(value, name="b").table == {"k": 1}
        assert hash(value) == hash(("a",))  # the dict: hash=False; the callable: compare=False
        assert value == cls("a", {"k": 1}, len) != cls("a", {"k": 2}, str.upper)
    assert repr(ours("a", {"k": 1})).split("(", 1)[1] == repr(theirs("a", {"k": 1})).split("(", 1)[1]


def test_a_record_compares_with_subclasses_both_ways_as_the_dataclass() -> None:
    ours, theirs = twins(_floats)

    class OurChild(ours):  # type: ignore[valid-type,misc]
        pass

    class TheirChild(theirs):  # type: ignore[valid-type,misc]
        pass

    for cls, child in ((ours, OurChild), (theirs, TheirChild)):
        assert (cls(1.0) == child(1.0), child(1.0) == cls(1.0)) == (False, False)
        assert (cls(1.0) != child(1.0), child(1.0) != cls(1.0)) == (True, True)
        assert child(1.0) == child(1.0) and hash(child(1.0)) == hash(cls(1.0))
        assert cls(1.0).__eq__(child(1.0)) is NotImplemented
        assert repr(child(1.0)).startswith("test_a_record_compares_with_subclasses_both_ways")


@record
class _Pair:
    first: object
    second: object = None


@record
class _KeywordOnly:
    first: int
    _: KW_ONLY
    second: int = 0


@record
class _NotInInit:
    first: int
    derived: int = field(init=False, default=0)

    def __post_init__(self) -> None:
        object.__setattr__(self, "derived", self.first * 2)


@dataclasses.dataclass(frozen=True, slots=True)
class _SlottedChild(Region):
    width: int = 0


@dataclasses.dataclass(frozen=True)
class _CodedDiagnostic(Diagnostic):
    """A user's subclass of the public `Diagnostic`, with a class constant of its own."""

    PREFIX: ClassVar[str] = "X"
    code: str = ""


def test_cycles_and_shared_records_survive_every_pickle_protocol() -> None:
    """Pickling through ``__init__`` reaches a record again before it is made: `pickle` takes
    the copy it made first, and the cycle, and a record held twice, come back as one object."""
    items: list[object] = []
    looped = _Pair((items,), 1)
    items.append(looped)
    shared = _Pair(1, 2)
    twice = _Pair(shared, [shared, shared])
    for protocol in PROTOCOLS:
        back = pickle.loads(pickle.dumps(looped, protocol))
        assert back.first[0][0] is back
        again = pickle.loads(pickle.dumps(twice, protocol))
        assert again.first is again.second[0] is again.second[1]


def test_records_remade_from_state_and_subclasses_round_trip() -> None:
    """Keyword-only fields and fields outside ``__init__`` go through the state functions; a
    slotted dataclass child of a record and a user's child of `Diagnostic` (with a ClassVar of
    its own) through their own fields."""
    values: list[object] = [
        _KeywordOnly(1, second=2),
        _NotInInit(4),
        _SlottedChild(1, 2, 3, 4, width=5),
        _CodedDiagnostic("docs/a.md", 3, "a warning", code="X1"),
    ]
    for original in values:
        for back in copies(original):
            assert type(back) is type(original)
            assert back == original and fields_of(back) == fields_of(original)
            with pytest.raises(dataclasses.FrozenInstanceError):
                setattr(back, dataclasses.fields(back)[0].name, None)  # type: ignore[arg-type]
