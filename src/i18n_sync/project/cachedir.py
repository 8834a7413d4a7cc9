"""Where the run cache lives and what seals its files: its folder (`cache_folder`), which may
not be inside the repository (`refusal_at`), the tool's fingerprint (`tool_fingerprint`),
and the table of languages earlier runs parsed (`recall_languages`, `keep_languages`).

Apart from the run memo (`cache`) and the job cache (`jobcache`), and light: the process
that lists a run's sources while the program loads (`ahead`) reads the table too.
"""

from __future__ import annotations

import hashlib
import os
import sys
import unicodedata
from collections.abc import Iterable, Mapping
from functools import cache
from importlib.util import find_spec
from pathlib import Path

from i18n_sync.locales import remember_languages, take_learned_languages
from i18n_sync.project.cachefiles import read_sealed, write_sealed

CACHE_VARIABLE = "I18N_SYNC_CACHE_DIR"
# The libraries whose data or parsing shapes the output: distribution, and the module it installs.
_LIBRARIES = (
    ("babel", "babel"),
    ("markdown-it-py", "markdown_it"),
    ("mdit-py-plugins", "mdit_py_plugins"),
    ("cmarkgfm", "cmarkgfm"),
    ("html5lib", "html5lib"),
    ("polib", "polib"),
    ("rapidfuzz", "rapidfuzz"),
)


def cache_folder(environ: Mapping[str, str]) -> Path | None:
    """Where the run cache lives, or None when it is turned off, or when there is no home
    folder to keep it in (`cache_warning` says so)."""
    chosen = environ.get(CACHE_VARIABLE)
    if chosen is not None:
        chosen = chosen.strip()
        return None if chosen.lower() in ("", "off", "0", "no", "false", "none") else Path(chosen)
    base = environ.get("XDG_CACHE_HOME") or (environ.get("LOCALAPPDATA") if sys.platform == "win32" else None)
    if base and os.path.isabs(base):  # the XDG rule: a relative path there is invalid, and ignored
        return Path(base) / "i18n-sync"
    try:
        home = Path.home()
    except (RuntimeError, KeyError, OSError):  # no HOME, and no account for this user (a container)
        return None
    return home / ".cache" / "i18n-sync"


@cache
def tool_fingerprint() -> str:
    """The package's own code, its libraries' versions and the Python running it: a new
    release, or another interpreter, never reuses a cache."""
    digest = hashlib.sha256()
    package = os.path.dirname(os.path.dirname(os.path.realpath(__file__)))
    for relative in _package_files(package):
        with open(os.path.join(package, relative), "rb") as file:
            digest.update(relative.replace(os.sep, "/").encode() + b"\0" + file.read() + b"\0")
    # The interpreter too: its Unicode tables shape anchors and checks (`unicodedata`).
    digest.update(f"{sys.version}\0{unicodedata.unidata_version}\0".encode())
    for name, module in _LIBRARIES:
        digest.update(f"{name}={installed_version(name, module)}\0".encode())
    return digest.hexdigest()


# The package's files its behaviour comes from: its code, its messages and its schemas.
_PACKAGE_SUFFIXES = (".py", ".po", ".pot", ".json")


def _package_files(package: str) -> list[str]:
    """The package's own files (`_PACKAGE_SUFFIXES`), relative to it, in order: found with
    `os.walk` and read with `open`, as `Path.rglob` and `Path.read_bytes` did in 5 ms of
    every run's start for 124 files.

    Regular files only, as `Path.is_file` tells them (a link to one too): not the lock an
    editor keeps beside a file it edits (Emacs's ``.#cache.py``, a link to nowhere), nor a
    named pipe, which would wait for a writer.
    """
    found = []
    for folder, folders, files in os.walk(package):
        folders[:] = [name for name in folders if name != "__pycache__"]
        inside = os.path.relpath(folder, package)
        for name in files:
            if name.endswith(_PACKAGE_SUFFIXES) and os.path.isfile(os.path.join(folder, name)):
                found.append(name if inside == "." else os.path.join(inside, name))
    return sorted(found)


def installed_version(name: str, module: str) -> str:
    """The installed version of distribution `name`, which provides `module` ("none": not installed).

    Read off the name of its ``.dist-info`` folder beside the module, as pip
    and every installer following the wheel format write it
    (``markdown_it_py-4.3.0.dist-info``); `importlib.metadata` finds the same
    and more, but costs 25 ms a run to import and search: it is asked only
    where there is no such folder (an egg, an unusual layout).
    """
    try:
        spec = find_spec(module)  # finds, without importing it
    except (ImportError, ValueError):
        spec = None
    if spec is None or spec.origin is None:
        return "none"
    origin = Path(spec.origin)
    folder = origin.parent.parent if spec.submodule_search_locations is not None else origin.parent
    prefix = name.replace("-", "_").lower() + "-"
    found = [
        entry[len(prefix) : -len(".dist-info")]
        for entry in _entries(str(folder))
        if entry.lower().startswith(prefix) and entry.endswith(".dist-info")
    ]
    if len(found) == 1:
        return found[0]
    from importlib import metadata

    try:
        return metadata.version(name)
    except metadata.PackageNotFoundError:
        return "none"


@cache
def _entries(folder: str) -> tuple[str, ...]:
    try:
        return tuple(os.listdir(folder))
    except OSError:
        return ()


def project_name(root: Path) -> str:
    """The name of the project at `root` in the cache's folder: its files' names end with it."""
    # The folder's name as the file system holds it: not always UTF-8 (a Latin-1 system's).
    return hashlib.sha256(os.fsencode(root.resolve())).hexdigest()[:24]


def usable_folder(root: Path, environ: Mapping[str, str]) -> Path | None:
    """The cache's folder for the project at `root`; None when the cache is off, or refused
    there (`refusal_at`)."""
    folder = cache_folder(environ)
    return None if folder is None or refusal_at(folder, root) is not None else folder


def remembers_a_plan(root: Path, environ: Mapping[str, str]) -> bool:
    """Whether the cache holds a plan a run of the project at `root` remembered, of any kind
    (`cache.quick_memo`): a run that takes one lists no sources."""
    folder = usable_folder(root, environ)
    if folder is None:
        return False
    ending = f"plan-{project_name(root)}.cache"
    try:
        return any(name.endswith(ending) for name in os.listdir(folder))
    except OSError:  # no folder yet: no plan either
        return False


def refusal_at(folder: Path, root: Path) -> str | None:
    """Why the cache of the project at `root` may not live in `folder`, or None when it may.

    A record says what a run found, and a pull request that planted one (its keys can
    be computed from the files it commits) could make a run report or write what it
    chose; it is a pickle too, read as the package's records only (`cachefiles`), but
    crafted ones can still crash the unpickler. So the folder must be out of reach of
    a pull request: outside the project and outside the git checkout that holds it (a
    project in ``docs/`` of a checkout whose CI keeps its cache in the workspace).
    """
    try:
        where = folder.resolve()
        root = root.resolve()
    except (OSError, RuntimeError):  # a symlink loop (RuntimeError before Python 3.13)
        return f"its folder {folder} cannot be resolved (a symlink loop?)"
    checkout = next((above for above in (root, *root.parents) if (above / ".git").exists()), root)
    # The checkout is the project's folder or one above it: inside it is inside both.
    inside = where.is_relative_to(checkout) or _under(where, (root, checkout))
    if not inside:
        return None
    shown = str(folder) if str(folder) == str(where) else f"{folder} ({where})"
    return f"its folder {shown} is inside the repository, where a pull request could plant a record"


def _under(path: Path, folders: Iterable[Path]) -> bool:
    """Whether `path` or a folder above it is one of `folders` to the file system (the same
    device and inode): where case is ignored (macOS, Windows) or through a bind mount, one
    folder has two spellings that `Path.resolve` keeps apart."""
    wanted = set()
    for folder in folders:
        try:
            found = os.stat(folder)
        except OSError:
            continue
        if found.st_ino:  # 0 where a file system has no inode numbers: nothing to compare
            wanted.add((found.st_dev, found.st_ino))
    for above in (path, *path.parents):
        try:
            found = os.stat(above)
        except OSError:
            continue  # not made yet
        if (found.st_dev, found.st_ino) in wanted:
            return True
    return False


# The languages earlier runs parsed (`locales.remember_languages`): one file for every project,
# sealed with the tool's fingerprint, which holds CLDR's version with Babel's.
_LANGUAGES = b"i18n-sync languages 1\n"
_LANGUAGES_FILE = "languages.cache"
_LANGUAGES_LIMIT = 1 << 20


def recall_languages(root: Path, environ: Mapping[str, str]) -> None:
    """Let `locales.parse_language` take the languages an earlier run parsed with the same tool
    and CLDR data, from the cache folder (where the cache of the project at `root` may be):
    loading CLDR's data to parse a project's languages took 8 ms of every run, and importing
    Babel 9 more."""
    where = _languages_file(root, environ)
    payload = None if where is None else read_sealed(where, _LANGUAGES, _LANGUAGES_LIMIT, tool_fingerprint())
    if payload is not None:
        lines = bytes(payload).decode("utf-8", "replace").splitlines()
        remember_languages(tuple(line.split("\t")) for line in lines)


def keep_languages(root: Path, environ: Mapping[str, str]) -> None:
    """Keep the languages this process parsed with Babel since it last kept some
    (`locales.take_learned_languages`) for the next run, beside those an earlier one kept
    (`recall_languages`): the file is read again, and written, only when there are some."""
    learned = take_learned_languages()
    if not learned:
        return
    where = _languages_file(root, environ)
    if where is None:
        return
    payload = read_sealed(where, _LANGUAGES, _LANGUAGES_LIMIT, tool_fingerprint())
    kept = set() if payload is None else set(bytes(payload).decode("utf-8", "replace").splitlines())
    lines = kept | {"\t".join(entry) for entry in learned}
    if lines != kept:  # written only when it learns a language
        write_sealed(where, _LANGUAGES, "\n".join(sorted(lines)).encode(), tool_fingerprint(), flush=False)


def _languages_file(root: Path, environ: Mapping[str, str]) -> Path | None:
    folder = usable_folder(root, environ)
    return None if folder is None else folder / _LANGUAGES_FILE
