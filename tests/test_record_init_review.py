"""Review of `record` writing ``__init__`` and frozenness itself (`_init_of`, `_frozen_of`).

Each test holds a record against what ``dataclass(frozen=True, slots=True)`` does with the same
class body (its "twin", `twins`), on the running Python, and failed where the two parted
before the fix. Where `record` cannot tell a class as the dataclass does (`InitVar` or
``KW_ONLY`` under another name), it refuses the class instead of making it wrong. The
annotations are text (as in every module of the package), and the dataclass reads the names
in them in this module: the aliases below are at module level for that.
"""

from __future__ import annotations

import dataclasses
import inspect
import typing
from collections.abc import Callable
from dataclasses import KW_ONLY as KeywordsFollow
from dataclasses import InitVar as OnlyPassed
from dataclasses import field

import pytest

from i18n_sync.model import Region, Unit
from i18n_sync.record import record
from test_record import twins


def _placed() -> type:
    class Placed:
        name: str
        region: Region
        tags: list[str] = field(default_factory=list)

    return Placed


def test_the_type_hints_of_init_resolve_in_the_records_module() -> None:
    """The dataclass compiles ``__init__`` in the globals of the class's module; `_init_of` in a
    scope of its own. A text annotation naming a class of the module (`Region`, in every module
    of the package) no longer resolves: `typing.get_type_hints(cls.__init__)` and
    ``inspect.signature(cls, eval_str=True)`` raise NameError, for `Unit` itself too."""
    ours, theirs = twins(_placed)
    assert typing.get_type_hints(ours.__init__) == typing.get_type_hints(theirs.__init__)
    assert str(inspect.signature(ours, eval_str=True)) == str(inspect.signature(theirs, eval_str=True))
    assert typing.get_type_hints(Unit.__init__)["region"] is Region


def _scaled() -> type:
    class Scaled:
        start: int
        scale: OnlyPassed[int] = 1  # `InitVar` under another name

    return Scaled


def _keywords() -> type:
    class Keywords:
        first: int
        _: KeywordsFollow  # `KW_ONLY` under another name
        second: int = 0

    return Keywords


@pytest.mark.parametrize(
    ("body", "signature"),
    [
        (_scaled, "(start: 'int', scale: 'OnlyPassed[int]' = 1) -> None"),
        (_keywords, "(first: 'int', *, second: 'int' = 0) -> None"),
    ],
    ids=["InitVar", "KW_ONLY"],
)
def test_init_only_and_keyword_only_under_other_names_are_refused_not_made_wrong(
    body: Callable[[], type], signature: str
) -> None:
    """`_is_plain` tells `InitVar` and ``KW_ONLY`` by their names, before the dataclass reads the
    class; the dataclass resolves them. Imported under another name, they passed as plain, and
    ``__init__`` lost the init-only parameter, or took the keyword-only field by position.
    `record` now refuses such a class, saying why, where it made it wrong."""
    with pytest.raises(TypeError, match="spell InitVar, ClassVar and KW_ONLY by those names"):
        record(body())
    assert str(inspect.signature(dataclasses.dataclass(frozen=True, slots=True)(body()))) == signature


def _inited_out_of_order() -> type:
    class Inited:
        first: int = 0
        second: int

        def __init__(self, second: int) -> None:
            object.__setattr__(self, "first", 0)
            object.__setattr__(self, "second", second)

    return Inited


@pytest.mark.parametrize(
    "make", [record, dataclasses.dataclass(frozen=True, slots=True)], ids=["record", "dataclass"]
)
def test_a_class_with_its_own_init_and_fields_out_of_order_is_refused(
    make: Callable[[type], type],
) -> None:
    """The dataclass checks the order of the fields (a field without default after one with)
    even where the class writes ``__init__`` itself; `record` checks it only in `_init_of`, which
    it skips for such a class, and makes a class the dataclass refuses."""
    with pytest.raises(TypeError, match="non-default argument 'second' follows default argument"):
        make(_inited_out_of_order())


def _listed() -> type:
    class Listed:
        items: list[int] = field(default_factory=list)

    return Listed


def test_a_factory_default_in_the_signature_is_the_dataclasses_sentinel() -> None:
    """The signature shows ``<factory>`` for both, but the dataclass's default is its sentinel
    ``dataclasses._HAS_DEFAULT_FACTORY``, which tools reading signatures (documentation hooks)
    test by identity; `record`'s is `_FACTORY`, a value of its own. Passed explicitly, the
    dataclass's sentinel still calls the factory; `record` stores it as the field's value."""
    sentinel = dataclasses._HAS_DEFAULT_FACTORY  # type: ignore[attr-defined]
    ours, theirs = twins(_listed)
    assert inspect.signature(theirs).parameters["items"].default is sentinel
    assert inspect.signature(ours).parameters["items"].default is sentinel
    assert ours(sentinel).items == theirs(sentinel).items == []


def _signed() -> type:
    class Signed:
        name: str

        @property
        def __signature__(self) -> inspect.Signature:  # read on instances; a property on the class
            return inspect.Signature()

    return Signed


def test_a_class_whose_signature_cannot_be_read_is_still_made() -> None:
    """The dataclass writes the class's doc from `inspect.signature` within ``try``: a signature
    it cannot read (TypeError, ValueError) leaves the doc the class's name. `record` calls
    `inspect.signature` bare, and the class is not made at all (TypeError)."""
    ours, theirs = twins(_signed)
    assert ours.__doc__ == theirs.__doc__ == "Signed"
