"""The package's caches of results, which each benchmark round empties first.

A round must cost what a fresh run costs: if it found the previous round's
results in a cache (the checks' parses of a msgid, the written form of a
reference line), it would measure less work than a user's run does.
"""

from __future__ import annotations

import sys
from typing import Any


def input_caches() -> list[Any]:
    """The package's caches of results for given inputs: its bounded `lru_cache`s.

    Unbounded `functools.cache`s hold what is built once per process (the
    parsers, the line-breaking table) and are kept.
    """
    found: list[Any] = []
    for name, module in list(sys.modules.items()):
        if name == "i18n_sync" or name.startswith("i18n_sync."):
            for value in vars(module).values():
                info = getattr(value, "cache_info", None)
                if info is not None and info().maxsize is not None and value not in found:
                    found.append(value)
    return found


def empty(caches: list[Any]) -> None:
    """Empty each of `caches` (from `input_caches`)."""
    for cache in caches:
        cache.cache_clear()
