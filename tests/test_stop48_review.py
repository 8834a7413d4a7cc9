"""Review of "records compiled once per shape", "sources cut as text", "job cache format 4",
"the target check starts before the paths are listed" and "the fingerprint walks with os.walk":
the defects found (tests that fail until fixed), and the probes that hold.
"""

from __future__ import annotations

import copy
import dataclasses
import inspect
import os
import pickle
import random
import shutil
import struct
import threading
import tracemalloc
import typing
from pathlib import Path
from types import SimpleNamespace

import pytest

from helpers import invoke
from i18n_sync.project import cache as run_memo_module
from i18n_sync.project import cachedir as cache_module
from i18n_sync.project.cache import CACHE_VARIABLE, _jobs_name, memo_reads
from i18n_sync.project.cachefiles import (
    pack_entries,
    unpack_entries,
)
from i18n_sync.project.config import load_config
from i18n_sync.project.plan import source_candidates
from i18n_sync.record import record
from test_files import SOURCE, project  # noqa: F401 - the fixture

# --- Defects ---------------------------------------------------------------------------------------


def _package_copy(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A copy of the package whose fingerprint `tool_fingerprint` takes (its `__file__` moved)."""
    package = Path(cache_module.__file__).resolve().parents[1]
    copied = tmp_path / "i18n_sync"
    shutil.copytree(package, copied, ignore=shutil.ignore_patterns("__pycache__"))
    monkeypatch.setattr(cache_module, "__file__", str(copied / "project" / "cache.py"))
    return copied


def test_a_dangling_symlink_in_the_package_is_no_traceback(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Defect (low-medium, `cache._package_files`/`tool_fingerprint`): `os.walk` lists a symlink
    among the files whatever it points to, and `open` follows it. Emacs keeps a lock beside
    every file it edits, `.#cache.py`, a symlink to nowhere: before, `Path.is_file` left it
    out; now every run of a checkout being edited stops on FileNotFoundError (the fingerprint
    is taken at the start of each cached run)."""
    copied = _package_copy(tmp_path, monkeypatch)
    before = cache_module.tool_fingerprint.__wrapped__()
    (copied / "project" / ".#cache.py").symlink_to("user@host.1234:1700000000")
    assert cache_module.tool_fingerprint.__wrapped__() == before


def test_a_dangling_symlink_in_the_package_stops_a_sync(
    project: Path,  # noqa: F811
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Defect (same): through the command line, a sync of an unchanged project with the cache
    on ends in an uncaught FileNotFoundError instead of exit 0."""
    copied = _package_copy(tmp_path / "copy", monkeypatch)
    (copied / "project" / ".#cache.py").symlink_to("user@host.1234:1700000000")
    cache_module.tool_fingerprint.cache_clear()
    try:
        result = invoke(project, "sync")
    finally:
        cache_module.tool_fingerprint.cache_clear()
    assert result.exit_code == 0, (result.output, result.exception)


def test_a_fifo_in_the_package_does_not_hang_the_fingerprint(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Defect (low, same place): a named pipe with a listed suffix is opened and read: the run
    waits forever for a writer. `Path.is_file` left anything but a regular file out."""
    copied = _package_copy(tmp_path, monkeypatch)
    before = cache_module.tool_fingerprint.__wrapped__()
    fifo = copied / "messages" / "pipe.json"
    os.mkfifo(fifo)
    found: list[object] = []
    worker = threading.Thread(
        target=lambda: found.append(cache_module.tool_fingerprint.__wrapped__()), daemon=True
    )
    worker.start()
    worker.join(5)
    hung = worker.is_alive()
    if hung:  # let the blocked open go: a writer that closes at once (the reader sees the end)
        os.close(os.open(fifo, os.O_WRONLY))
        worker.join(5)
    assert not hung, "the fingerprint blocked on a named pipe"
    assert found == [before]


def test_a_record_with_self_and_the_dataclass_own_name_is_refused() -> None:
    """Defect (low, `record._init_of`): fields `__dataclass_self__` and `self` make the
    parameters (`__dataclass_self__`, `__dataclass_self__`, `self`). Compiled from source (the
    code before, and the dataclass) that was a SyntaxError when the class was made;
    `CodeType.replace` checks no names, so the class is made, its signature is wrong and no
    call can make a record."""

    with pytest.raises((SyntaxError, TypeError)):

        @record
        class Odd:
            __dataclass_self__: int
            self: int


# --- What holds: records ---------------------------------------------------------------------------


@record
class __:
    __set: int
    __factory: int = 3
    __make_0: list[int] = dataclasses.field(default_factory=list)
    __field_0: str = "q"


def test_holds_records_named_like_the_placeholders_and_the_closure() -> None:
    """Holds: a field named `self` (with a factory), and, in a class whose name is all
    underscores (no name mangling), fields named `__set`, `__factory`, `__make_0` and
    `__field_0`: positional and keyword calls, defaults, factories, the signature, type hints,
    pickling, copies and `dataclasses.replace` are right (the code before broke on `__set`)."""

    @record
    class Selfish:
        self: int
        items: list[int] = dataclasses.field(default_factory=list)

    made = Selfish(self=2)
    assert (made.self, made.items) == (2, []) and Selfish(1).items is not Selfish(1).items
    parameters = inspect.signature(Selfish).parameters
    assert list(parameters) == ["self", "items"] and repr(parameters["items"].default) == "<factory>"

    names = [item.name for item in dataclasses.fields(__)]
    assert names == ["__set", "__factory", "__make_0", "__field_0"]
    one = __(1)
    assert [getattr(one, name) for name in names] == [1, 3, [], "q"]
    other = __(__set=5, __field_0="z", __make_0=[7])
    assert [getattr(other, name) for name in names] == [5, 3, [7], "z"]
    assert list(inspect.signature(__).parameters) == names
    assert pickle.loads(pickle.dumps(other)) == other == copy.deepcopy(other) == copy.copy(other)
    assert dataclasses.replace(other, __factory=4).__factory == 4  # type: ignore[attr-defined]


def test_holds_shapes_share_code_but_not_names_defaults_hints_or_placement() -> None:
    """Holds: factories at the start, middle and end; many fields (`__field_1` versus
    `__field_10`); text annotations resolve in the module (`typing.get_type_hints`); each
    class's `__init__` has its own qualname, defaults and module."""

    @record
    class Front:
        a: list[int] = dataclasses.field(default_factory=list)
        b: int = 2
        c: str | None = None

    @record
    class Back:
        a: list[str] = dataclasses.field(default_factory=lambda: ["x"])
        b: int = 5
        c: dict[str, int] = dataclasses.field(default_factory=dict)

    assert (Front().a, Front().b, Front().c) == ([], 2, None)
    assert (Back().a, Back().b, Back().c) == (["x"], 5, {})
    assert Front(c="s", b=1).c == "s" and Back(c={"k": 1}).c == {"k": 1}
    assert typing.get_type_hints(Front.__init__)["c"] == str | None
    assert Front.__init__.__qualname__.endswith("Front.__init__")
    assert Front.__init__.__code__.co_qualname.endswith("Front.__init__")
    assert Front.__init__.__module__ == __name__

    namespace = {"__annotations__": {f"f{i}": int for i in range(12)}}
    Wide = record(type("Wide", (), namespace))
    wide = Wide(*range(12))
    assert [getattr(wide, f"f{i}") for i in range(12)] == list(range(12))
    assert Wide(**{f"f{i}": i * 2 for i in range(12)}).f10 == 20


# --- What holds: sources cut as text ---------------------------------------------------------------


def _rooted(config, root: str, prefix: str):  # type: ignore[no-untyped-def]
    settings = dataclasses.replace(
        config.settings, sources=tuple(prefix + s for s in config.settings.sources)
    )
    return dataclasses.replace(config, root=Path(root), settings=settings)


def test_holds_sources_under_the_root_slash_double_slash_and_dotdot(project: Path) -> None:  # noqa: F811
    """Holds: with the root "/", "//" (kept as such by `Path`), one with a trailing separator or
    a "..", the sources are the paths relative to it, as `Path.relative_to` gave them."""
    config = load_config(project)
    expected = source_candidates(config)
    inside = str(project).lstrip("/") + "/"
    parent, name = project.parent, project.name
    for root, prefix, result in (
        ("/", inside, {inside + path for path in expected}),
        ("//", inside, {inside + path for path in expected}),
        (str(parent) + "/", name + "/", {f"{name}/{path}" for path in expected}),
        (f"{project}/content/..", "", expected),
    ):
        assert source_candidates(_rooted(config, root, prefix)) == result, root


def test_holds_hostile_names_are_told_as_path_is_file_told_them(project: Path) -> None:  # noqa: F811
    """Holds: a dangling symlink, a symlink loop, a folder named as a source, a symlink to a
    source and names with spaces, backslashes and line feeds are taken or left out as
    `Path.is_file` and `Path.relative_to` did."""
    content = project / "content"
    (content / "gone.md").symlink_to("nowhere.md")
    (content / "loop.md").symlink_to("loop.md")
    (content / "folder.md").mkdir()
    (content / "linked.md").symlink_to("README.md")
    for odd in (" spaced .md", "back\\slash.md", "line\nfeed.md"):
        (content / odd).write_text(SOURCE, encoding="utf-8")
    config = load_config(project)
    old = {
        path.relative_to(project).as_posix()
        for pattern in config.settings.sources
        for path in project.glob(pattern)
        if path.is_file()
    }
    found = source_candidates(config)
    assert found <= old
    assert {
        "content/README.md",
        "content/linked.md",
        "content/back\\slash.md",
        "content/line\nfeed.md",
    } <= found
    assert "content/ spaced .md" in found
    assert not {"content/gone.md", "content/loop.md", "content/folder.md"} & found


# --- What holds: job cache format 4 ----------------------------------------------------------------


def _payload(count: int, saves: list[int], lengths: list[int], keys: bytes, pickles: bytes = b"") -> bytes:
    numbers = struct.pack(f"<Q{len(saves) + len(lengths)}Q", count, *saves, *lengths)
    return numbers + struct.pack("<Q", len(keys)) + keys + pickles


@pytest.mark.parametrize(
    "payload",
    [
        _payload(2**64 - 1, [1], [0], b"k"),  # the largest count
        _payload(2**60, [1], [0], b"k"),  # 16 times it wraps 2**64
        _payload(2, [1, 1], [2**64 - 1, 2], b"a\nb", b"x"),  # lengths whose sum wraps to 1
        _payload(1, [1], [0], b"\xed\xa0\x80"),  # a surrogate spelled in UTF-8
        _payload(1, [2**48 + 1], [0], b"k"),  # a save no run makes
        _payload(1, [1], [0], b"k")[:-1],  # keys cut
        struct.pack("<QQ", 0, 2**64 - 1),  # keys longer than anything
        struct.pack("<Q", 0),  # no keys' length
        b"",
    ],
    ids=[
        "count-max",
        "count-wrap",
        "lengths-wrap",
        "surrogate",
        "save",
        "cut",
        "keys-size",
        "short",
        "empty",
    ],
)
def test_holds_crafted_payloads_are_refused_quietly(payload: bytes) -> None:
    """Holds: numbers that would overflow in C, a key that is not strict UTF-8, a save count no
    run makes and cut payloads are all None (a cache miss), never an error."""
    assert unpack_entries(payload) is None


def test_holds_keys_read_back_as_written() -> None:
    """Holds: an empty key, keys with a carriage return or a Unicode line separator read back
    (only "\\n" splits); a key with a line feed is left out by `pack_entries`, as it says."""
    entries = {"": (1, b"a"), "cr\r": (2, b""), "ls\u2028ps\u2029": (3, b"bc"), "é" * 64: (2**48, b"d")}
    back = unpack_entries(pack_entries({**entries, "line\nfeed": (4, b"x")}))
    assert back == entries and list(back) == list(entries)
    assert unpack_entries(pack_entries({"": (5, b"")})) == {"": (5, b"")}


def test_holds_entries_read_back_are_the_entries_packed() -> None:
    """Holds: on random entries, what `unpack_entries` reads back is a plain dict of the same
    entries in the same order (`JobCache` keeps and saves them as before). (The review tested
    `newest_save` and `entries_since` here, since gone with the lazy mapping they served.)"""
    rng = random.Random(48)
    for _ in range(50):
        entries = {
            f"{rng.getrandbits(64):016x}": (
                rng.randint(0, 12),
                bytes(rng.getrandbits(8) for _ in range(rng.randint(0, 5))),
            )
            for _ in range(rng.randint(0, 30))
        }
        back = unpack_entries(pack_entries(entries))
        assert type(back) is dict
        assert list(back.items()) == list(entries.items())


def test_holds_a_crafted_count_costs_a_bounded_multiple_of_the_file() -> None:
    """Holds: the count is checked against the file's size before the numbers are read; the
    numbers of a count as large as the file allows take some 6 times the file, transiently
    (the old format's per-entry dict took more per entry)."""
    count = 1 << 15
    numbers = struct.pack(f"<{2 * count}Q", *range(1000, 1000 + 2 * count))  # no shared small ints
    payload = struct.pack("<Q", count) + numbers + struct.pack("<Q", 0)
    tracemalloc.start()
    try:
        assert unpack_entries(payload) is None
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak < 8 * len(payload)


# --- What holds: the target check's choice -----------------------------------------------------------


def test_holds_memo_reads_answers_as_before(project: Path, run_cache: Path) -> None:  # noqa: F811
    """Holds: for every combination (no quick memo, one that read these paths, one that read
    others; job cache file there or not; cache off), `memo_reads` answers what
    `not _read_already(quick, paths) or exists` answered, and asks for the paths only then."""
    config = load_config(project)
    environ = {CACHE_VARIABLE: str(run_cache)}
    where = run_memo_module._folder(config, environ)
    assert where is not None
    jobs = where[0] / _jobs_name(where[1])
    paths = ["a.md", "b.md"]
    for exists in (False, True):
        if exists:
            jobs.parent.mkdir(parents=True, exist_ok=True)
            jobs.write_bytes(b"x")
        else:  # the fixture's sync wrote one
            jobs.unlink(missing_ok=True)
        for quick in (None, SimpleNamespace(digests=dict.fromkeys(paths)), SimpleNamespace(digests={"c": 1})):
            asked: list[int] = []

            def listed(asked: list[int] = asked) -> list[str]:
                asked.append(1)
                return paths

            old = not (quick is not None and quick.digests.keys() == set(paths)) or exists
            assert memo_reads(quick, config, listed, environ) is old  # type: ignore[arg-type]
            assert len(asked) <= 1
            assert memo_reads(quick, config, lambda: paths, {CACHE_VARIABLE: "off"}) is False  # type: ignore[arg-type]


def test_holds_the_package_listing_matches_rglob_but_for_bare_suffix_names(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Holds (with a note): on a package with nested folders, `__pycache__`, a symlinked folder
    and other suffixes, `_package_files` lists what `rglob` + `is_file` + `suffix` listed.
    The one difference: a file named just ".json" (no suffix for `Path`) is now read too."""
    copied = _package_copy(tmp_path, monkeypatch)
    (copied / "project" / "__pycache__").mkdir()
    (copied / "project" / "__pycache__" / "x.json").write_text("{}")
    (copied / "elsewhere").symlink_to(copied / "messages", target_is_directory=True)
    (copied / "notes.txt").write_text("no")
    old = sorted(
        path.relative_to(copied).as_posix()
        for path in copied.rglob("*")
        if path.is_file()
        and path.suffix in (".py", ".po", ".pot", ".json")
        and "__pycache__" not in path.parts
    )
    assert sorted(cache_module._package_files(str(copied))) == old
    (copied / ".json").write_text("{}")
    assert ".json" in cache_module._package_files(str(copied))
