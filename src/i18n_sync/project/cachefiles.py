"""The cache's files, read as untrusted bytes: sealed, keyed before they are unpickled, checked after.

The run memo (`cache`) and the job cache (`jobcache`) keep pickles under the
user's cache folder. A pickle names the functions that remake its objects, and
the C unpickler trusts what it reads: a planted file could name ``os.system``,
crash the interpreter with a deeply nested tuple, or make it allocate gigabytes.
The cache is kept out of a pull request's reach (`cachedir.refusal_at`), but CI caches
move between jobs and a folder can be shared by mistake, so a file is read in
three guarded steps:

- **Sealed** (`seal`, `opened`; `write_sealed`, `read_sealed` for a file): a
  header naming the format and a SHA-256 of the rest: a torn or damaged file is a miss.
- **Bounded** (`read_sealed`'s limit): a file larger than the tool writes is not
  read: a sparse file of gigabytes takes no disk space.
- **Keyed first**: a record is unpickled only when it is filed under a key this
  run computed from the bytes of every input (`seal`'s `key`; the job cache's
  index, `pack_entries`, which is not a pickle at all). A file planted blind is
  never unpickled; one must be made for the exact state of the files (whoever can
  read the cache folder can read its keys, though).
- **Records only** (`load_kept`, `conforms`): the pickle may name only classes
  made by `record`, the package's errors, and `record`'s rebuilders (as stand-ins
  that cannot be changed); what it makes must have the types the caller expects.

What is left: a pickle made for this run's keys can still make the C unpickler
crash or allocate too much, which no check short of not using pickle prevents,
and a job result of the right class with fields of wrong types still fails the
run (`jobcache.Cached`). Keep the cache in a folder only you can write.
"""

from __future__ import annotations

import dataclasses
import hashlib
import io
import pickle
import struct
import sys
import types
import typing
from collections import abc
from collections.abc import Iterator, Mapping
from functools import cache, partial
from itertools import accumulate
from pathlib import Path
from typing import Any

from i18n_sync.errors import I18nSyncError
from i18n_sync.project.files import read_bytes
from i18n_sync.project.pool import collector_paused
from i18n_sync.project.writing import write_atomic
from i18n_sync.record import REBUILDERS, is_record

_DIGEST = 32


def seal(header: bytes, payload: bytes, key: str = "") -> bytes:
    """A cache file: `header`, the `key` it is filed under (a hex digest, or none), a SHA-256
    of the payload, the payload."""
    return header + key.encode("ascii") + hashlib.sha256(payload).digest() + payload


def opened(data: bytes | None, header: bytes, key: str = "") -> memoryview | None:
    """The payload of a file `seal` made with this `header` and `key` (a view: not copied); None
    for any other file (another format, another key, a damaged one). The key is compared
    before anything else."""
    start = len(header) + len(key)
    if data is None or not data.startswith(header) or data[len(header) : start] != key.encode("ascii"):
        return None
    view = memoryview(data)
    checksum, payload = view[start : start + _DIGEST], view[start + _DIGEST :]
    return payload if hashlib.sha256(payload).digest() == checksum else None


def read_sealed(file: Path, header: bytes, limit: int, key: str = "") -> memoryview | None:
    """The payload of the cache file `file`, sealed with this `header` and `key` (`opened`);
    None when it is missing, damaged, another's, or larger than `limit` bytes (not read: a
    sparse file of gigabytes takes no disk space, and reading it whole could take the memory)."""
    try:
        data = read_bytes(file.parent, file.name, limit) if file.parent.is_dir() else None
    except I18nSyncError:  # too large too
        return None
    return opened(data, header, key)


def write_sealed(file: Path, header: bytes, payload: bytes, key: str = "", flush: bool = True) -> bool:
    """Write `payload` to the cache file `file`, sealed (`seal`), atomically (flushed to the
    disk if `flush`); False when it cannot be: a cache not written is only a slower next run."""
    try:
        file.parent.mkdir(parents=True, exist_ok=True)
        write_atomic(file, seal(header, payload, key), flush=flush)
    except OSError:
        return False
    return True


# The job cache's payload (`pack_entries`): the number of entries; the save that last used each
# entry; the length of each one's pickle; the length of the keys, the keys (UTF-8, one after the
# other, each on a line of its own); the pickles, one after the other. Numbers are 8 bytes,
# little-endian. Read with one call per part, not one per entry: a run after one change of a
# docs tree in 21 languages reads 42,000 entries, in 51 ms parsed one by one, some 30 ms so.
_COUNT = struct.Struct("<Q")
# Saves are counted one a run: a larger count was not written by the tool (and near 2**64,
# the next save's count would not fit its field).
_MOST_SAVES = 2**48

_Entry = tuple[int, bytes | memoryview]


def pack_entries(entries: Mapping[str, _Entry]) -> bytes:
    """Entries (key -> (save, pickle)) as one payload, without pickling the whole (`unpack_entries`).

    A key holding a line feed is left out: the keys are told apart by their lines (the
    tool's are hex digests).
    """
    keys = [key for key in entries if "\n" not in key]
    kept = [entries[key] for key in keys]
    pickles = [data for _, data in kept]
    count = len(keys)
    spelled = "\n".join(keys).encode("utf-8")
    numbers = struct.pack(f"<{2 * count}Q", *[save for save, _ in kept], *map(len, pickles))
    return b"".join([_COUNT.pack(count), numbers, _COUNT.pack(len(spelled)), spelled, *pickles])


def unpack_entries(payload: bytes | memoryview) -> dict[str, _Entry] | None:
    """The entries `pack_entries` wrote; None when the payload is not such a list (a key twice,
    a length past its end, a count of saves no run makes). Each pickle is a view of `payload`,
    not a copy (a run reads only some of them)."""
    view = memoryview(payload)
    try:
        (count,) = _COUNT.unpack_from(view)
        if count > (len(view) - 2 * _COUNT.size) // (2 * _COUNT.size):  # more than the file holds
            return None
        numbers = struct.unpack_from(f"<{2 * count}Q", view, _COUNT.size)
        at = _COUNT.size * (1 + 2 * count)
        (size,) = _COUNT.unpack_from(view, at)
        at += _COUNT.size
        if size > len(view) - at:
            return None
        text = bytes(view[at : at + size]).decode("utf-8")
    except (struct.error, UnicodeDecodeError):
        return None
    keys = text.split("\n") if count else []
    saves, lengths = numbers[:count], numbers[count:]
    if len(keys) != count or (count == 0 and size) or max(saves, default=0) > _MOST_SAVES:
        return None
    offsets = list(accumulate(lengths, initial=at + size))
    if offsets[-1] != len(view):
        return None
    # Each entry made by `map` and `zip`, not a loop of Python's own: a plain dict, whose
    # lookups a run after one change makes 42,000 of. Made with the cycle collector paused:
    # its passes over the run's heap, as 84,000 objects are made, took as long as the making.
    pickles: Iterator[bytes | memoryview] = map(view.__getitem__, map(slice, offsets, offsets[1:]))
    with collector_paused():
        entries: dict[str, _Entry] = dict(zip(keys, zip(saves, pickles, strict=True), strict=True))
    return entries if len(entries) == count else None


class _Rebuilder:
    """Stands in for one of `record`'s rebuilders while a cache file is read: calls it, and
    cannot be changed. Given the function itself, a pickle could set its attributes (BUILD on
    an object without ``__setstate__``): a new ``__module__`` made the next pickle of a record
    import that module, running it."""

    __slots__ = ("_function",)
    _function: Any

    def __init__(self, function: Any) -> None:
        object.__setattr__(self, "_function", function)

    def __call__(self, *arguments: Any) -> Any:
        return self._function(*arguments)

    def __setattr__(self, name: str, value: object) -> None:
        raise AttributeError("a rebuilder cannot be changed")


class _RecordsOnly(pickle.Unpickler):
    """Reads a pickle of the package's records and errors and Python's own values, nothing else.

    Anything else a pickle names is refused (`pickle.UnpicklingError`), a miss. No
    module is imported on a pickle's word: a class of a module not imported yet is
    refused too (importing ``i18n_sync.__main__`` would run the command line).
    """

    def find_class(self, module: str, name: str) -> object:
        found = _ALLOWED.get((module, name))
        if found is None:
            found = _allowed(module, name)
        return found


# The globals a cache file may name, by (module, name): the rebuilders' stand-ins from the
# start, and each class `_allowed` let through once (an incremental run reads thousands of
# pickles, each naming the same few classes).
_ALLOWED: dict[tuple[str, str], object] = {
    (function.__module__, function.__name__): _Rebuilder(function) for function in REBUILDERS
}


def _allowed(module: str, name: str) -> object:
    """The class `module.name`, if a cache file may name it (`_RecordsOnly`); the rebuilders'
    stand-ins are in `_ALLOWED` already."""
    # Read from the module's own names: a module's `__getattr__` (PEP 562) could do anything.
    loaded = sys.modules.get(module)
    found = vars(loaded).get(name) if loaded is not None else None
    if not (is_record(found) or (isinstance(found, type) and issubclass(found, I18nSyncError))):
        raise pickle.UnpicklingError(f"a cache file names {module}.{name}, which no cache file holds")
    _ALLOWED[(module, name)] = found
    return found


def load_kept(data: bytes | memoryview) -> object:
    """Unpickle what a cache file keeps: only the package's own records (`_RecordsOnly`).

    `pickle.UnpicklingError` (or another exception, for a damaged pickle) when it
    holds anything else: the caller takes that as a miss.
    """
    return _RecordsOnly(io.BytesIO(data)).load()


# The largest whole number a record holds: a count. A larger one (a planted 10**5000) could
# not even be printed (Python refuses to spell integers of more than 4,300 digits).
_LARGEST = 2**63


def conforms(value: object, hint: object) -> bool:
    """Whether `value` has the type `hint`: records field by field (their annotations), tuples,
    lists, dicts, sets and unions by their members, the package's errors by what their
    ``__init__`` sets. For a record read from a cache file, before a run uses it: a record
    that unpickles is not yet one of the right types."""
    if hint is typing.Any or hint is object:
        return True
    if hint is None or hint is type(None):
        return value is None
    origin, arguments = _shape(hint)
    if origin in (typing.Union, types.UnionType):
        return any(conforms(value, member) for member in arguments)
    if origin is not None:  # list[str], tuple[int, ...], dict[str, Catalog], Literal["a"]...
        return _check_of(hint)(value)
    if hint is float and type(value) is int:  # the typing rule: an int is a float's value too
        return -_LARGEST < value < _LARGEST
    if not isinstance(hint, type) or not isinstance(value, hint):
        return False
    if is_record(hint) or issubclass(hint, I18nSyncError):
        return _fields_conform(value, I18nSyncError if isinstance(value, I18nSyncError) else type(value))
    if isinstance(value, int):
        return -_LARGEST < value < _LARGEST
    return hint.__module__ == "builtins"  # str, bytes...: nothing inside to check


_MISSING = object()


# The collections an annotation may name, with the types a value of each may have.
_COLLECTIONS: dict[object, tuple[type, ...]] = {
    list: (list,),
    set: (set,),
    frozenset: (frozenset,),
    abc.Sequence: (tuple, list),
    abc.Set: (set, frozenset),
    abc.Collection: (tuple, list, set, frozenset),
}


@cache
def _shape(hint: Any) -> tuple[object, tuple[Any, ...]]:
    """`typing.get_origin` and `typing.get_args` of a hint, asked once: thousands of values
    are checked against the same few hints."""
    return typing.get_origin(hint), typing.get_args(hint)


@cache
def _field_checks(cls: Any) -> tuple[tuple[str, abc.Callable[[object], bool]], ...] | None:
    """(name, check) of each field of a record class (`_fields`), each check `conforms` to
    the field's type: a remembered report holds hundreds of thousands of fields."""
    made = _fields(cls)
    return None if made is None else tuple((name, _check_of(kind)) for name, kind in made)


@cache
def _check_of(hint: Any) -> abc.Callable[[object], bool]:
    """``conforms(value, hint)`` as a function of the value, made once a hint: without its
    steps for the types most fields and items have (text, flags, counts, those or None), and
    the only checks of generic hints (`_generic_check`): a remembered report's English by
    catalogue is 13,000 pairs of a language and a path."""
    if hint in (str, bytes, bool):  # builtins with nothing inside to check
        return lambda value: isinstance(value, hint)
    if hint is int:
        return lambda value: isinstance(value, int) and -_LARGEST < value < _LARGEST
    origin, arguments = _shape(hint)
    if origin in (typing.Union, types.UnionType) and len(arguments) == 2 and type(None) in arguments:
        other = _check_of(next(member for member in arguments if member is not type(None)))
        return lambda value: value is None or other(value)
    if origin is not None and origin not in (typing.Union, types.UnionType):
        return _generic_check(origin, arguments)
    if isinstance(hint, type) and is_record(hint):
        return partial(_is_record_of, hint)
    return lambda value: conforms(value, hint)


def _generic_check(origin: object, arguments: tuple[Any, ...]) -> abc.Callable[[object], bool]:
    """`_check_of` a generic hint: its origin, with each member checked by its own check."""
    if origin is typing.Literal:
        return lambda value: value in arguments
    if origin is tuple and len(arguments) == 2 and arguments[1] is Ellipsis:
        each = _check_of(arguments[0])
        return lambda value: isinstance(value, tuple) and all(map(each, value))
    if origin is tuple:
        checks = tuple(map(_check_of, arguments))
        return lambda value: (
            isinstance(value, tuple)
            and len(value) == len(checks)
            and all(check(item) for check, item in zip(checks, value, strict=True))
        )
    if origin in _COLLECTIONS and len(arguments) == 1:
        kinds, each = _COLLECTIONS[origin], _check_of(arguments[0])
        return lambda value: (
            isinstance(value, kinds) and all(map(each, typing.cast("abc.Iterable[object]", value)))
        )
    if origin in (dict, abc.Mapping) and len(arguments) == 2:
        key_fits, item_fits = _check_of(arguments[0]), _check_of(arguments[1])
        return lambda value: (
            isinstance(value, dict) and all(key_fits(key) and item_fits(item) for key, item in value.items())
        )
    return lambda value: False  # a generic no record field has (type[X], Callable[...])


def _is_record_of(cls: type, value: object) -> bool:
    """``conforms(value, cls)`` for a record class `cls`."""
    return isinstance(value, cls) and _fields_conform(value, type(value))


def _fields_conform(value: object, cls: type) -> bool:
    """Whether each field of `value`, a `cls` (a record class, or `I18nSyncError`), conforms to
    its type. Read with a default: a pickle can make a record and never set its fields."""
    made = _field_checks(cls)
    if made is None:
        return False
    # A loop, not all() of a generator, which costs a frame a record: a report has 41,000.
    for name, check in made:  # noqa: SIM110
        if not check(getattr(value, name, _MISSING)):
            return False
    return True


@cache
def _fields(cls: Any) -> tuple[tuple[str, object], ...] | None:
    """(name, type) of each field of a record class, or of what an error's ``__init__`` sets;
    None when the annotations cannot be read."""
    try:
        if issubclass(cls, I18nSyncError):
            hints = typing.get_type_hints(I18nSyncError.__init__)
            return tuple((name, kind) for name, kind in hints.items() if name != "return")
        hints = typing.get_type_hints(cls)
    except Exception:  # an annotation that names what its module does not have
        return None
    return tuple((item.name, hints[item.name]) for item in dataclasses.fields(cls))
