"""Where a link in a rendered file must point: anchors, sibling documents, rebased paths.

Links in a source are written for the English file readers see (its
`home`: the English output, or the source itself when there is none). In a
translated output the same link must reach the same place:

- ``#overview`` → the anchor of that heading as rendered in this output;
- ``CONTRIBUTING.md#setup`` → that document's output in the same language
  (or its English home when that language is not published), with the
  fragment rewritten the same way;
- ``README.md`` in ``README.md`` itself (a hand-made language bar) → the
  English document still, rebased like any other path;
- any other relative path → rebased when the output lives in another folder;
- absolute URLs, ``mailto:`` and other schemes → untouched.

A link that needs no change is returned as the very same string, so outputs
stay byte-identical to the source when nothing is translated.
"""

from __future__ import annotations

import posixpath
import re
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import field
from functools import lru_cache
from urllib.parse import unquote

from i18n_sync.record import record

_SCHEME = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]*:")


@record
class Page:
    """One rendered file: its repository-relative path and its anchors.

    `anchors` maps each English heading anchor of the document to the anchor
    the same heading has in this file.
    """

    path: str
    anchors: Mapping[str, str] = field(default_factory=dict)


@record
class Site:
    """The pages of one language, by the English home path of each document."""

    pages: Mapping[str, Page] = field(default_factory=dict)


class LookedUp(Mapping[str, Page]):
    """A site's pages, noting each one asked for and what was found (None: no such page): what
    a rendering read of its site, for the job cache to hold it against another run's site.

    Asked through `get`, ``[]`` or ``in``; going through them all notes them all.
    """

    def __init__(self, pages: Mapping[str, Page]) -> None:
        self._pages = pages
        self.looked: dict[str, Page | None] = {}

    def get(self, key: str, default: Page | None = None) -> Page | None:  # type: ignore[override]
        found = self._pages.get(key)
        self.looked[key] = found
        return default if found is None else found

    def __getitem__(self, key: str) -> Page:
        found = self.get(key)
        if found is None:
            raise KeyError(key)
        return found

    def __contains__(self, key: object) -> bool:
        return isinstance(key, str) and self.get(key) is not None

    def __iter__(self) -> Iterator[str]:
        self.looked.update(self._pages)
        return iter(self._pages)

    def __len__(self) -> int:
        return len(self._pages)


def reads_alike(pages: Mapping[str, Page], looked: Iterable[tuple[str, Page | None]]) -> bool:
    """Whether `pages` answers each question a rendering asked of its site as that site did."""
    return all(pages.get(home) == page for home, page in looked)


def _split(url: str) -> tuple[str, str, str]:
    """Split a destination into path, query (with ``?``) and fragment (without ``#``)."""
    path, hash_mark, fragment = url.partition("#")
    path, question, query = path.partition("?")
    return path, question + query, fragment if hash_mark else ""


def _anchor(page: Page, fragment: str) -> str:
    return page.anchors.get(fragment) or page.anchors.get(unquote(fragment)) or fragment


def _relative(target: str, start_folder: str) -> str:
    """`posixpath.relpath` for repository-relative paths, without its two `abspath` calls.

    A run asks for one link per language pair and document (the switcher), so
    this is on the hot path; a start above the repository is left to `relpath`.
    """
    start = _parts(start_folder)
    if ".." in start or target.startswith("/"):
        return posixpath.relpath(target, start_folder or ".")
    parts = _parts(target)
    common = 0
    limit = min(len(start), len(parts))
    while common < limit and start[common] == parts[common]:
        common += 1
    return "/".join([".."] * (len(start) - common) + list(parts[common:])) or "."


# A switcher links each output of a document to the same paths in every language,
# and the outputs of a language share their folders: each path is split once.
@lru_cache(maxsize=1 << 16)
def _parts(path: str) -> tuple[str, ...]:
    """A path's parts once normalized, without "." ("" and "." have none)."""
    return tuple(part for part in posixpath.normpath(path or ".").split("/") if part != ".")


# What a link destination cannot hold as it is: a space ends it, "#" and "?" start a
# fragment or a query, "%" an escape, and unbalanced parentheses or "<" ">" end it.
_LINK_UNSAFE = {ord(char): f"%{ord(char):02X}" for char in " #?%()<>"}


def relative_link(target: str, source: str) -> str:
    """A link written in the file at `source` to the file at `target` (both repository-relative)."""
    start = posixpath.dirname(source)
    folder, _, name = target.rpartition("/")
    return _joined(start, target, name, name.translate(_LINK_UNSAFE), _folder_link(folder, start))


# The switcher links each output of a document to its file in every language: a tree of 652
# documents in 21 languages asks for 287,532 links, between 12,012 pairs of folders. Each
# link is made of the link between the two folders, the same for every document of the
# folder, and the target's escaped name, the same for every output of the document.
def links_from(start: str, targets: tuple[str, ...]) -> list[str]:
    """`relative_link` to each of `targets` from a file in the folder `start`."""
    folders, names, escaped, plain = _in_folders(targets)
    parts = zip(targets, names, escaped, _folder_links(start, folders), strict=True)
    if plain:  # `_joined`'s common case, tested inline: 22 links an output in 21 languages
        return [
            prefix + tail
            if prefix is not None and name != inside
            else _joined(start, target, name, tail, (prefix, inside))
            for target, name, tail, (prefix, inside) in parts
        ]
    return [_joined(start, target, name, tail, folder_link) for target, name, tail, folder_link in parts]


def _joined(start: str, target: str, name: str, tail: str, folder_link: tuple[str | None, str | None]) -> str:
    """The link to `target`: its folder's link and its escaped name (`tail`), except for a name
    that is no file's, one that is a folder of the start, an absolute target, or where
    `_folder_link` left the whole link to `_relative` (None)."""
    prefix, inside = folder_link
    if prefix is None or target.startswith("/") or name in ("", ".", "..", inside):
        return _relative(target, start).translate(_LINK_UNSAFE)
    return prefix + tail


@lru_cache(maxsize=1 << 10)
def _in_folders(
    targets: tuple[str, ...],
) -> tuple[tuple[str, ...], tuple[str, ...], tuple[str, ...], bool]:
    """The folder, the name and the escaped name of each target; and whether every target is a
    relative path to a file (no name is "", "." or ".."), as `_joined` tells first."""
    splits = [target.rpartition("/") for target in targets]
    names = tuple(name for _, _, name in splits)
    plain = not any(target.startswith("/") for target in targets) and not {"", ".", ".."} & set(names)
    folders = tuple(folder for folder, _, _ in splits)
    return folders, names, tuple(n.translate(_LINK_UNSAFE) for n in names), plain


@lru_cache(maxsize=1 << 12)
def _folder_links(start: str, folders: tuple[str, ...]) -> tuple[tuple[str | None, str | None], ...]:
    """`_folder_link` from `start` to each of `folders`."""
    return tuple(_folder_link(folder, start) for folder in folders)


@lru_cache(maxsize=1 << 14)
def _folder_link(folder: str, start: str) -> tuple[str | None, str | None]:
    """The start of a link from the folder `start` to a file in `folder`, escaped ("../de/"; ""
    for `start` itself), and the part of `start` right below `folder` when `start` lies inside
    it (a file of that name is a folder of the start: its link is shorter, `_relative`'s).

    None where the start climbs out of the repository (``..``): `posixpath.relpath`, whose
    answer depends on the working folder there, makes the whole link."""
    starts = _parts(start)
    if ".." in starts:
        return None, None
    relative = _relative(folder, start)
    prefix = "" if relative == "." else relative.translate(_LINK_UNSAFE) + "/"
    folders = _parts(folder)
    depth = len(folders)
    inside = starts[depth] if len(starts) > depth and starts[:depth] == folders else None
    return prefix, inside


def resolve_url(url: str, home: str, page: Page, site: Site) -> str:
    """The destination `url`, written in the document at `home`, needs in `page`."""
    bracketed = url.startswith("<") and url.endswith(">")
    raw = url[1:-1] if bracketed else url
    if not raw or _SCHEME.match(raw) or raw.startswith("//"):
        return url
    path, query, fragment = _split(raw)
    if path:
        home_folder = posixpath.dirname(home)
        target = posixpath.normpath(posixpath.join(home_folder, unquote(path)))
        # A link to the document itself (a hand-made language bar's "English")
        # means the English document, not the page it now stands in.
        sibling = None if target == home else site.pages.get(target)
        new_path = _new_path(path, target, sibling, home_folder, page.path)
        if sibling is not None and fragment:
            fragment = _anchor(sibling, fragment)
    else:
        new_path = ""
        if fragment:
            fragment = _anchor(page, fragment)
    resolved = new_path + query + ("#" + fragment if "#" in raw else "")
    if resolved == raw:
        return url
    return f"<{resolved}>" if bracketed else resolved


def _new_path(path: str, target: str, sibling: Page | None, home_folder: str, page_path: str) -> str:
    """The path part of a relative link, seen from the page."""
    page_folder = posixpath.dirname(page_path)
    if sibling is not None and sibling.path != target:
        return relative_link(sibling.path, page_path)
    if page_folder == home_folder:
        return path
    rebased = _relative(posixpath.normpath(posixpath.join(home_folder, path)), page_folder)
    return rebased + "/" if path.endswith("/") and not rebased.endswith("/") else rebased
