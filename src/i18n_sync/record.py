"""`record`: the decorator of the package's records, a frozen slotted dataclass made and pickled quicker."""

from __future__ import annotations

import abc
import copy
import dataclasses
import inspect
import keyword
import sys
import unicodedata
from contextlib import suppress
from dataclasses import MISSING, Field, FrozenInstanceError, dataclass, field, fields
from functools import cache
from operator import attrgetter
from reprlib import recursive_repr
from types import CellType, CodeType, FunctionType
from typing import Any, TypeVar, dataclass_transform

T = TypeVar("T")

# The methods `record` gives a class, unless the class writes them itself.
_GIVEN = {"__repr__", "__eq__", "__hash__", "__getstate__", "__setstate__", "__reduce__", "__deepcopy__"}
# The classes whose records pickle as their fields' values (`_rebuilt`), with how many fields:
# a pickle that names any other class, or another count, is refused. (The count alone could be
# read off `__init__`, but not whether `__init__` takes exactly the fields: `record` found that.)
_FIELD_COUNTS: dict[type, int] = {}
# Every class `record` made (`is_record`).
_RECORDS: set[type] = set()


@dataclass_transform(frozen_default=True, field_specifiers=(field,))
def record(cls: type[T]) -> type[T]:
    """``dataclass(frozen=True, slots=True)``, made quicker: the decorator of the package's records.

    A dataclass compiles each method it writes from source (``exec``): six a
    frozen class, 0.6 ms a class with Python 3.11. Importing the command line
    makes some 90 records, and that was 50 ms of every run, on one core, before
    any work. Here one method is made, ``__init__`` (`_init_of`, as the
    dataclass writes it for a frozen class), from code compiled once for each
    shape of class (`_init_code`); the dataclass only finds the fields and
    makes the slots. The frozen ``__setattr__``/``__delattr__``,
    ``__repr__``, ``__eq__``, ``__hash__`` and the pickling state are closures
    over the field names, found once (`operator.attrgetter` reads them), which
    cost nothing to make. They return what the dataclass's own return,
    honouring ``field(repr=False, compare=False, hash=...)``; a method the class
    writes itself is kept. A class with more than plain fields (`_is_plain`)
    has its ``__init__`` and frozenness from the dataclass, as before. One
    difference is left: a base's ``__init_subclass__`` sees the class before
    `record` gives it these methods (the dataclass writes its own before it
    makes the class anew, with slots).

    Pickling is quicker too, where it matters most: a first sync of 94 documents
    in 21 languages sends its process some 30,000 records from the workers. A
    record pickles as its class and its fields' values in order, and unpickles
    by calling the class (its ``__init__``), where that does no more than set
    the fields: 10,000 `Region` records unpickle in 6.7 ms instead of 10.5
    through a state set field by field, 10,000 `Message` records in 15 instead of
    20 (and pickle in 9.3 instead of 11.4), for pickles 5-11% longer. Values
    pickled when the class had other fields are refused (`ValueError`,
    `_rebuilt`): the job cache takes that as a miss.
    The state functions stay, quick too, for a subclass, for a class whose
    ``__init__`` takes or does more than its fields or that pickles its own
    way, and for pickles of the code before; a subclass's state is all its
    fields. A deep copy remembers the copy before copying the fields into it,
    so that a cycle through the record leads back to the copy.
    """
    body = vars(cls)
    # Python puts ``__hash__ = None`` in a class that writes ``__eq__`` only: no hash of its
    # own, and the dataclass gives it one over the fields. So does `record`.
    unhashed = body.get("__hash__", 0) is None and "__eq__" in body
    own = {name for name in _GIVEN | {"__init__"} if name in body and not (name == "__hash__" and unhashed)}
    plain = _is_plain(cls)
    documented = bool(body.get("__doc__"))  # before the dataclass writes one
    if plain:  # as the dataclass refuses them in a frozen class
        for name in ("__setattr__", "__delattr__"):
            if name in body:
                raise TypeError(f"Cannot overwrite attribute {name} in class {cls.__name__}")
    made: Any = dataclass(init=not plain, frozen=not plain, slots=True, repr=False, eq=False)(cls)
    every = fields(made)
    names = tuple(item.name for item in every)
    if plain:
        _check_plain(made, every)
        if "__init__" not in own:
            made.__init__ = _init_of(made, every)
            if not documented:  # as the dataclass does: the class named with its signature
                made.__doc__ = made.__name__ + _signature_text(made)
        made.__setattr__, made.__delattr__ = _frozen_of(made, frozenset(names))
        params = made.__dataclass_params__
        # What the class now is; a dataclass subclassing it reads `frozen` (and must be frozen too).
        with suppress(AttributeError, TypeError):  # a Python whose parameters cannot be set
            params.init = params.frozen = params.repr = params.eq = True
    init = made.__init__.__code__ if "__init__" not in own else None
    # Remade by calling the class with its fields' values in order: where `__init__` takes
    # those and no more (no init-only variable, no keyword-only field) and does no more, and
    # where the class has no pickling of its own.
    by_init = (
        init is not None
        and not own & {"__getstate__", "__setstate__", "__reduce__"}
        and not hasattr(made, "__post_init__")
        and init.co_varnames[1 : init.co_argcount] == names
        and not init.co_kwonlyargcount
    )
    methods: dict[str, Any] = {
        "__repr__": _repr_of(tuple(item.name for item in every if item.repr)),
        "__eq__": _eq_of(_reader(tuple(item.name for item in every if item.compare))),
        "__hash__": _hash_of(
            _reader(tuple(item.name for item in every if (item.compare if item.hash is None else item.hash)))
        ),
        "__getstate__": _getstate_of(made, names),
        "__setstate__": _setstate_of(made, names),
    }
    if by_init:
        methods["__reduce__"] = _reduce_of(made, names)
        methods["__deepcopy__"] = _deepcopy_of()
        _FIELD_COUNTS[made] = len(names)
    for name, method in methods.items():
        if name not in own:
            method.__qualname__ = f"{made.__qualname__}.{name}"
            setattr(made, name, method)
    abc.update_abstractmethods(made)  # as the dataclass does: a hash it gives may be an abstract one
    _RECORDS.add(made)
    return made  # type: ignore[no-any-return]


def is_record(found: object) -> bool:
    """Whether `found` is a class made by `record` (not a subclass of one made otherwise)."""
    return isinstance(found, type) and found in _RECORDS


def _is_plain(cls: type) -> bool:
    """Whether `record` writes the class's ``__init__`` and frozenness itself (else the dataclass
    does): a class of plain fields, with no dataclass among its bases, no init-only or class
    variable, no keyword-only field or field outside ``__init__``, and no ``__post_init__``.

    Every record of the package is one. The others go the dataclass's way, which
    knows them all. Told before the dataclass reads the class, from the text of
    its annotations, where any doubt is the dataclass's way; `_check_plain` makes
    sure after.
    """
    if hasattr(cls, "__post_init__"):
        return False
    if any(hasattr(base, "__dataclass_fields__") for base in cls.__mro__[1:]):
        return False
    for value in vars(cls).get("__annotations__", {}).values():
        text = value if isinstance(value, str) else repr(value)
        if "ClassVar" in text or "InitVar" in text or "KW_ONLY" in text:
            return False
    return not any(
        isinstance(value, Field) and (value.kw_only is True or not value.init) for value in vars(cls).values()
    )


def _check_plain(cls: Any, every: tuple[Field[Any], ...]) -> None:
    """Refuse what `_is_plain` could not tell from the text of the annotations (`InitVar` or
    ``KW_ONLY`` imported under another name), and fields out of order, as the dataclass does
    even for a class that writes ``__init__`` itself."""
    # Besides the fields, the dataclass keeps its class variables and init-only variables.
    kept = {item.name for item in every}
    others = [item for name, item in cls.__dataclass_fields__.items() if name not in kept]
    if any(getattr(item, "_field_type", None) is not _CLASS_VARIABLE for item in others) or any(
        item.kw_only is True or not item.init for item in every
    ):
        raise TypeError(
            f"record cannot make {cls.__qualname__}: spell InitVar, ClassVar and KW_ONLY by those "
            "names, or make it with dataclass(frozen=True, slots=True)"
        )
    defaulted = None
    for item in every:
        if item.default is not MISSING or item.default_factory is not MISSING:
            defaulted = item.name
        elif defaulted is not None:
            raise TypeError(f"non-default argument {item.name!r} follows default argument {defaulted!r}")


# The dataclass's own markers, private to it: its kind of field for a class variable, and the
# default a field made by its ``default_factory`` shows in the signature. Tools reading
# signatures test that default by identity.
_CLASS_VARIABLE = getattr(dataclasses, "_FIELD_CLASSVAR", object())
_FACTORY = getattr(dataclasses, "_HAS_DEFAULT_FACTORY", None)
if _FACTORY is None:  # pragma: no cover - a Python whose dataclass has no such marker

    class _Factory:
        def __repr__(self) -> str:
            return "<factory>"

    _FACTORY = _Factory()


def _init_of(cls: type, every: tuple[Field[Any], ...]) -> Any:
    """``__init__`` setting each field, as the dataclass writes it for a frozen class.

    The dataclass compiles three methods a class (``__init__``, ``__setattr__``,
    ``__delattr__``), from source. Here the code of ``__init__`` is compiled once
    for each shape of class (`_init_code`: how many fields, which have factories),
    with placeholder names, and each class takes a copy named for its fields: 77
    records cost 9.6 ms to compile one by one, every run, before any work.

    Made, as the dataclass's, in the namespace of the class's module, so that the
    text annotations resolve there (`typing.get_type_hints`). The defaults are the
    function's own; a field with a factory defaults to a marker, replaced by what
    the factory makes (the marker is the dataclass's, which signatures show).
    """
    own = "__dataclass_self__" if "self" in {item.name for item in every} else "self"
    names = tuple(item.name for item in every)
    # What compiling the parameters from source refused, as the dataclass does: a name twice
    # (a field named as `own`), or a name no parameter can have (a keyword, or a name compiling
    # spells otherwise, made by `type`).
    if len({own, *names}) != 1 + len(names) or not all(_parameter(name) for name in names):
        raise SyntaxError(
            f"record cannot make {cls.__qualname__}: its fields cannot be the parameters {(own, *names)}"
        )
    made = tuple(index for index, item in enumerate(every) if item.default_factory is not MISSING)
    template = _init_code(len(every), made)
    placeholders = {f"{_PLACEHOLDER}{index}": name for index, name in enumerate(names)}
    code = template.replace(
        co_varnames=(own, *names),
        co_consts=tuple(placeholders.get(c, c) if isinstance(c, str) else c for c in template.co_consts),
        co_qualname=f"{cls.__qualname__}.__init__",
    )
    given: dict[str, Any] = {"__set": object.__setattr__, "__factory": _FACTORY}
    given.update((f"__make_{index}", every[index].default_factory) for index in made)
    defaults = [
        item.default if item.default is not MISSING else _FACTORY
        for item in every
        if item.default is not MISSING or item.default_factory is not MISSING
    ]
    module = sys.modules.get(cls.__module__)
    scope = vars(module) if module is not None else {"__name__": cls.__module__}
    closure = tuple(CellType(given[name]) for name in code.co_freevars)
    init = FunctionType(code, scope, "__init__", tuple(defaults) or None, closure)
    init.__qualname__ = f"{cls.__qualname__}.__init__"
    init.__annotations__ = {**{item.name: item.type for item in every}, "return": None}
    return init


def _parameter(name: str) -> bool:
    """Whether `name` can name a parameter of a function compiled from source: an identifier, not
    a keyword, and as compiling spells it (in its NFKC form: "ﬁ" names the parameter "fi")."""
    return name.isidentifier() and not keyword.iskeyword(name) and unicodedata.normalize("NFKC", name) == name


# The name of each field in the code `_init_code` compiles, followed by its index: not a
# name a field can have without two leading underscores, so no other constant of the code.
_PLACEHOLDER = "__field_"


@cache
def _init_code(count: int, made: tuple[int, ...]) -> CodeType:
    """The code of an ``__init__`` setting `count` fields in order, those at the indexes `made`
    from their factories unless given, with placeholder names (`_PLACEHOLDER`)."""
    parameters = ["self", *(f"{_PLACEHOLDER}{index}" for index in range(count))]
    lines = []
    for index in range(count):
        name = f"{_PLACEHOLDER}{index}"
        value = f"__make_{index}() if {name} is __factory else {name}" if index in made else name
        lines.append(f"        __set(self, {name!r}, {value})")
    free = ["__set", "__factory", *(f"__make_{index}" for index in made)]
    source = (
        f"def __create_fn__({', '.join(free)}):\n"
        f"    def __init__({', '.join(parameters)}):\n" + "\n".join(lines or ["        pass"]) + "\n"
        "    return __init__\n"
    )
    scope: dict[str, Any] = {}
    exec(source, {}, scope)  # of placeholder names only, above
    outer: CodeType = scope["__create_fn__"].__code__
    return next(constant for constant in outer.co_consts if isinstance(constant, CodeType))


def _signature_text(cls: type) -> str:
    """The class's signature as the dataclass shows it in the doc it writes (none if unreadable)."""
    try:
        return str(inspect.signature(cls)).replace(" -> None", "")
    except (TypeError, ValueError):
        return ""


def _frozen_of(cls: Any, names: frozenset[str]) -> tuple[Any, Any]:
    """``__setattr__`` and ``__delattr__`` refusing to change a field, as the dataclass writes them
    for a frozen class (closures: nothing to compile)."""

    def __setattr__(self: Any, name: str, value: object) -> None:
        if type(self) is cls or name in names:
            raise FrozenInstanceError(f"cannot assign to field {name!r}")
        super(cls, self).__setattr__(name, value)

    def __delattr__(self: Any, name: str) -> None:
        if type(self) is cls or name in names:
            raise FrozenInstanceError(f"cannot delete field {name!r}")
        super(cls, self).__delattr__(name)

    __setattr__.__qualname__ = f"{cls.__qualname__}.__setattr__"
    __delattr__.__qualname__ = f"{cls.__qualname__}.__delattr__"
    return __setattr__, __delattr__


def _reader(names: tuple[str, ...]) -> Any:
    """The values of the fields `names` of a record, as a tuple (even of one, or none)."""
    if len(names) > 1:
        return attrgetter(*names)
    if names:
        one = attrgetter(names[0])
        return lambda item: (one(item),)
    return lambda item: ()


def _repr_of(names: tuple[str, ...]) -> Any:
    @recursive_repr()
    def __repr__(self: Any) -> str:
        shown = ", ".join(f"{name}={getattr(self, name)!r}" for name in names)
        return f"{self.__class__.__qualname__}({shown})"

    return __repr__


def _eq_by_fields(read: Any) -> Any:
    """``__eq__`` as the dataclass of Python 3.13 and later writes it: the record itself first,
    then field by field (``self.a == other.a and ...``), where a field unequal to itself (NaN)
    makes two records unequal."""

    def __eq__(self: Any, other: object) -> Any:
        if self is other:
            return True
        if other.__class__ is not self.__class__:
            return NotImplemented
        same: Any = True
        for mine, theirs in zip(read(self), read(other), strict=True):
            same = mine == theirs
            if not same:
                return same
        return same

    return __eq__


def _eq_as_tuples(read: Any) -> Any:
    """``__eq__`` as the dataclass of Python 3.11 and 3.12 writes it: the fields as tuples."""

    def __eq__(self: Any, other: object) -> Any:
        if other.__class__ is self.__class__:
            return read(self) == read(other)
        return NotImplemented

    return __eq__


_eq_of = _eq_by_fields if sys.version_info >= (3, 13) else _eq_as_tuples


def _hash_of(read: Any) -> Any:
    def __hash__(self: Any) -> int:
        return hash(read(self))

    return __hash__


def _getstate_of(cls: type, names: tuple[str, ...]) -> Any:
    read = _reader(names)

    def __getstate__(self: Any) -> tuple[object, ...]:
        if type(self) is not cls:  # a subclass, with fields of its own
            return tuple(getattr(self, item.name) for item in fields(self))
        state: tuple[object, ...] = read(self)
        return state

    return __getstate__


def _reduce_of(cls: type, names: tuple[str, ...]) -> Any:
    read = _reader(names)

    def __reduce__(self: Any) -> tuple[Any, tuple[object, ...]]:
        if type(self) is not cls:  # a subclass: its own fields, its own `__init__`
            return _remade, (type(self), self.__getstate__())
        return _rebuilt, (cls, read(self))

    return __reduce__


def _rebuilt(cls: type[T], values: tuple[object, ...]) -> T:
    """A record of `cls` from its fields' values, all of them: one pickled when the class had
    other fields is refused (`ValueError`), never filled up with defaults."""
    if _FIELD_COUNTS.get(cls) != len(values):
        raise ValueError(f"{cls.__qualname__} is not a record of {len(values)} fields")
    return cls(*values)


def _deepcopy_of() -> Any:
    def __deepcopy__(self: Any, memo: dict[int, Any]) -> Any:
        # As `copy` remakes an object from its state: the copy is remembered before its
        # fields are copied, so a cycle through the record leads back to the copy.
        cls: Any = type(self)
        made = cls.__new__(cls)
        memo[id(self)] = made
        made.__setstate__(copy.deepcopy(self.__getstate__(), memo))
        return made

    return __deepcopy__


def _remade(cls: type[T], state: tuple[object, ...]) -> T:
    """A record of `cls` with the fields' values `state`, as `pickle` makes one from its state."""
    made = cls.__new__(cls)
    made.__setstate__(state)  # type: ignore[attr-defined]
    return made


REBUILDERS = frozenset({_rebuilt, _remade})
"""The functions a record's pickle calls to make it again (`_rebuilt` checks the class)."""


def _setstate_of(cls: type, names: tuple[str, ...]) -> Any:
    def __setstate__(self: Any, state: tuple[object, ...]) -> None:
        own = names if type(self) is cls else tuple(item.name for item in fields(self))
        for name, value in zip(own, state, strict=True):
            object.__setattr__(self, name, value)  # frozen: as the dataclass's own does

    return __setstate__
