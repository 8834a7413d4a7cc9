"""`model.quick_pickle`: the records that cross processes pickle to the same values, only faster."""

from __future__ import annotations

import dataclasses
import io
import pickle
from pathlib import Path

import pytest

from helpers import invoke
from i18n_sync.errors import Diagnostic
from i18n_sync.model import Catalog, FileChange, Message, Region, quick_pickle
from i18n_sync.project import pool
from i18n_sync.project.cache import CACHE_VARIABLE
from test_scale import TR, make_docs


class _Seen(pickle.Pickler):
    """A pickler that notes the package's dataclasses it pickles."""

    def __init__(self) -> None:
        super().__init__(io.BytesIO(), pickle.HIGHEST_PROTOCOL)
        self.types: set[type] = set()

    def reducer_override(self, obj: object) -> object:
        if dataclasses.is_dataclass(obj) and type(obj).__module__.startswith("i18n_sync"):
            self.types.add(type(obj))
        return NotImplemented


def _quick(cls: type) -> bool:
    return "quick_pickle" in getattr(cls.__getstate__, "__qualname__", "")


def test_every_record_a_runs_jobs_return_pickles_the_quick_way(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """What the workers send back (and the job cache keeps) is all quick: a record added to
    a job's result without `quick_pickle` fails here, naming it."""
    root = make_docs(tmp_path)
    (root / "locales" / "tr" / "docs").mkdir(parents=True)
    (root / "locales" / "tr" / "docs" / "guide1.po").write_text(TR, encoding="utf-8")
    monkeypatch.setenv(CACHE_VARIABLE, str(tmp_path / "cache"))
    monkeypatch.setenv("I18N_SYNC_JOBS", "1")  # the jobs run here, where they can be watched
    seen = _Seen()
    collect = pool._collect

    def watched(results, total, progress, each=None):  # type: ignore[no-untyped-def]
        def noted():  # type: ignore[no-untyped-def]
            for result in results:
                seen.dump(result)
                yield result

        return collect(noted(), total, progress, each)

    monkeypatch.setattr(pool, "_collect", watched)
    for args in (("sync",), ("status",), ("render", "--lang", "tr")):
        assert invoke(root, *args).exit_code == 0
    names = {cls.__name__ for cls in seen.types}
    assert {"SourceResult", "CatalogueResult", "Published", "Message", "Unit"} <= names
    slow = sorted(cls.__qualname__ for cls in seen.types if not _quick(cls))
    assert slow == [], f"records pickled without quick_pickle: {slow}"


@pytest.mark.parametrize(
    "record",
    [
        Region(1, 2, 3, 4),
        Message(
            "Guide", "Kılavuz", None, ("fuzzy",), ("a note",), (), ("docs/a.md:1",), None, "Old", False, 7
        ),
        Catalog((("Language", "tr"),), (Message("a"), Message("b", obsolete=True)), ("# c",), ("fuzzy",)),
        FileChange("a.po", b"bytes", "catalog", b"before", guarded=True),
        Diagnostic("docs/a.md", 3, "a warning"),
    ],
    ids=lambda record: type(record).__name__,
)
def test_a_record_comes_back_equal_whole_and_frozen(record: object) -> None:
    back = pickle.loads(pickle.dumps(record, pickle.HIGHEST_PROTOCOL))
    assert back == record
    # Every field, the ones equality leaves out too (`Message.line`).
    assert [getattr(back, f.name) for f in dataclasses.fields(back)] == [  # type: ignore[arg-type]
        getattr(record, f.name)
        for f in dataclasses.fields(record)  # type: ignore[arg-type]
    ]
    with pytest.raises(dataclasses.FrozenInstanceError):
        back.__setattr__(dataclasses.fields(back)[0].name, None)  # type: ignore[arg-type]


def test_the_dataclasss_own_state_a_list_is_read_back() -> None:
    """A record pickled by the dataclass's own ``__getstate__`` (a list of the values)."""
    region = Region.__new__(Region)
    region.__setstate__([1, 2, 3, 4])  # type: ignore[attr-defined]
    assert region == Region(1, 2, 3, 4)


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
