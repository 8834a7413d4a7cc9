"""The tools translators save catalogues with, as functions that re-save one file in place.

Each is what a translator's round trip does to a catalogue: GNU msgcat (no wrap,
its default width 79, width 76), msgmerge against the template, Translate
Toolkit's pypo as Weblate drives it (width 77; every unit's strings set again,
as when Weblate saves a translation), polib (width 78). `available_writers`
leaves out the tools that are not installed.
"""

from __future__ import annotations

import importlib.util
import shutil
import subprocess
from collections.abc import Callable
from pathlib import Path

Writer = Callable[[Path, Path], None]
"""Re-saves the catalogue at the first path; the second is its template."""


def _gnu(*options: str, merge: bool = False) -> Writer:
    def write(path: Path, template: Path) -> None:
        tool = ["msgmerge", "--quiet", "--previous", *options, str(path), str(template)]
        command = tool if merge else ["msgcat", *options, str(path)]
        subprocess.run([*command, "-o", str(path)], check=True, capture_output=True)

    return write


def translate_toolkit(path: Path, template: Path) -> None:
    from translate.storage import pypo

    store = pypo.pofile(width=77)
    store.parse(path.read_bytes())
    for unit in store.units:
        if not unit.isheader():
            unit.source = unit.source
            unit.target = unit.target
    path.write_bytes(bytes(store))


def polib_writer(path: Path, template: Path) -> None:
    import polib

    polib.pofile(str(path)).save(str(path))


def ours(path: Path, template: Path) -> None:
    """The file as i18n-sync left it."""


WRITERS: dict[str, tuple[Writer, str]] = {
    "i18n-sync": (ours, ""),
    "msgcat --no-wrap": (_gnu("--no-wrap"), "msgcat"),
    "msgcat": (_gnu(), "msgcat"),
    "msgcat --width=76": (_gnu("--width=76"), "msgcat"),
    "msgmerge": (_gnu(merge=True), "msgmerge"),
    "Translate Toolkit": (translate_toolkit, "translate"),
    "polib": (polib_writer, "polib"),
}


def is_available(requirement: str) -> bool:
    if not requirement:
        return True
    if requirement.startswith("msg"):
        return shutil.which(requirement) is not None
    return importlib.util.find_spec(requirement) is not None
