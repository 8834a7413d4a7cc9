"""Second review of the file signatures and the remembered plan (230c015..a218734): each test
failed on a218734.

The contract: a run answered from the cache reports exactly what a run with
``I18N_SYNC_CACHE_DIR=off`` reports, and a run never ends in a traceback where a run
without the cache would give a result or a clear error. The runs' clock is moved ten
seconds on (`later`, in tests/conftest.py), so that files written a moment
before count as settled.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from helpers import invoke
from i18n_sync.errors import I18nSyncError
from i18n_sync.project.cache import CACHE_VARIABLE
from i18n_sync.project.config import load_config
from i18n_sync.project.files import is_current
from i18n_sync.project.sync import run
from test_job_cache import synced
from test_scale import make_docs

OFF = {CACHE_VARIABLE: "off"}


def outcome(root: Path, environ: dict[str, str] | None = None) -> object:
    """What a run says: its error's text, or its errors, warnings, figures and the changes it
    holds that are not on disk yet."""
    try:
        report = run(load_config(root), environ=os.environ if environ is None else environ)
    except I18nSyncError as error:
        return f"error: {error}"
    return (
        tuple((type(error).__name__, str(error)) for error in report.errors),
        report.diagnostics,
        report.languages,
        tuple(change.path for change in report.changes if not is_current(root, change)),
    )


def test_a_project_folder_whose_name_is_not_utf8_crashes_every_cached_run(
    tmp_path: Path, later: None
) -> None:
    """A project in a folder whose name holds a byte that is not UTF-8 (``caf\\xe9``, as a
    Latin-1 system names it) syncs without the cache, but with the cache every run ends in
    a ``UnicodeEncodeError`` traceback: `cache._folder` names the project by
    ``str(config.root.resolve()).encode()``, strict UTF-8, and since a218734 `quick_memo`
    calls it first thing in `run` (before: `open_memo`, the same line). Nothing in the
    repository is at fault; the file names inside it are all UTF-8."""
    folder = os.fsencode(tmp_path) + b"/caf\xe9"
    os.mkdir(folder)
    root = make_docs(Path(os.fsdecode(folder)))
    fresh = outcome(root, OFF)
    assert not isinstance(fresh, str)
    assert outcome(root) == fresh  # UnicodeEncodeError: surrogates not allowed


def test_a_compendium_name_longer_than_the_file_system_allows_is_a_traceback(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The previous review's fix made a `compendia` pattern that glob refuses a configuration
    error, but only for glob patterns: a plain one is first looked at with
    ``Path.is_file()``, which on Python 3.11 raises ``OSError: [Errno 36] File name too long``
    for a name over 255 bytes (only ENOENT, ENOTDIR, EBADF and ELOOP are swallowed).
    `inputs.find_compendia` catches `I18nSyncError` only, and it runs first in every `run`, with the
    cache or without it: a configuration a pull request can edit ends every run in a
    traceback instead of an error naming 'compendia' (or a "no such file" warning)."""
    root = synced(tmp_path)
    config = root / "i18n-sync.toml"
    config.write_text(
        config.read_text(encoding="utf-8") + f'compendia = ["{"m" * 300}.po"]\n', encoding="utf-8"
    )
    for cache in (os.environ[CACHE_VARIABLE], "off"):
        monkeypatch.setenv(CACHE_VARIABLE, cache)
        result = invoke(root, "sync")
        assert not isinstance(result.exception, OSError), (cache, result.exception)


class _WideInodes:
    """`os.lstat` as Python 3.12+ gives it on Windows for a file on ReFS (a Dev Drive): the
    file identifier in `st_ino` is up to 128 bits ("On Windows, st_ino may now be up to 128
    bits, depending on the file system", Doc/library/os.rst, versionchanged 3.12)."""

    def __init__(self, real: object) -> None:
        self.real = real

    def __call__(self, path: object, *args: object, **kwargs: object) -> os.stat_result:
        found: os.stat_result = self.real(path, *args, **kwargs)  # type: ignore[operator]
        fields = list(found)
        fields[1] = found.st_ino | 1 << 100  # ReFS: the volume's 64 high bits are not zero
        extra = {name: getattr(found, name) for name in dir(found) if name.startswith("st_")}
        for name in ("st_mode", "st_ino", "st_dev", "st_nlink", "st_uid", "st_gid", "st_size"):
            del extra[name]
        return os.stat_result(fields, extra)


def test_a_file_identifier_over_64_bits_crashes_the_run(
    tmp_path: Path, later: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    """`signatures` packs each file's signature with ``struct.Struct("<QQQIqq")``: the inode
    as an unsigned 64-bit number. Python 3.12 and later report a 128-bit `st_ino` on Windows
    where the file system has such identifiers (ReFS, which Windows 11's Dev Drives use), and
    the package runs on Windows (``requires-python >= 3.11``; `files`, `cache` and this module's
    docstring handle Windows). There, every run with the cache ends in ``struct.error:
    argument out of range`` (`_save`, and `Seen.packed`), where a run without the cache
    works: a signature that does not fit should only mean the file is read."""
    root = synced(tmp_path)
    monkeypatch.setattr(os, "lstat", _WideInodes(os.lstat))
    fresh = outcome(root, OFF)
    assert not isinstance(fresh, str)
    assert outcome(root) == fresh  # struct.error: argument out of range
    assert outcome(root) == fresh
