"""The package's shape, read from its imports with `ast` so that it stays true."""

from __future__ import annotations

import ast
from pathlib import Path

PACKAGE = Path(__file__).resolve().parents[1] / "src" / "i18n_sync"

# Each third-party library is imported by exactly one module.
OWNERS = {
    "markdown_it": "markdown.parser",
    "mdit_py_plugins": "markdown.parser",
    "babel": "locales",
    "click": "cli",
    "cmarkgfm": "checks.github",
    "polib": "gettext.compendium",
    "html5lib": "checks.github",
}

# Imports run one way: a module may import only modules of a lower layer.
LAYERS = [
    {"errors", "model", "reports.sanitize"},
    {
        "markdown.document",
        "markdown.parser",
        "locales",
        "gettext.stats",
        "markdown.anchors",
        "markdown.links",
        "gettext.linebreak",
        "gettext.po_text",
        "checks.github",
    },
    {
        "markdown.msgid",
        "markdown.html",
        "project.files",
        "gettext.po_write",
        "project.config",
        "reports.status",
    },
    {
        "markdown.extract",
        "gettext.po",
        "gettext.catalog",
        "checks.translation",
        "reports.badge",
        "gettext.matcher",
        "project.ownership",
    },
    {"gettext.memory", "importing.cues", "checks.guard"},
    {"gettext.merge", "gettext.layout", "render.splice", "reports.history", "gettext.compendium"},
    {"importing.align"},
    {"render.decorate"},
    {"render.publish"},
    {"project.plan", "project.pool", "project.cache"},
    {"project.memory"},
    {"project.jobs"},
    {"project.sync", "project.adopt"},
    {"importing.importer", "reports.review", "project.relayout"},
    {"reports.output", "reports.page"},
    {"api", "reports.server"},
    {"cli", "__init__", "__main__"},
]

# The stage subpackages; a newcomer finds a feature by these names.
STAGES = {"markdown", "gettext", "checks", "render", "project", "reports", "importing"}


def name_of(path: Path) -> str:
    """`markdown.parser` for ``src/i18n_sync/markdown/parser.py``."""
    return ".".join(path.relative_to(PACKAGE).with_suffix("").parts)


def layer_of(module: str) -> int:
    for index, members in enumerate(LAYERS):
        if module in members:
            return index
    raise AssertionError(f"module {module!r} has no layer in test_architecture.LAYERS; add it")


def imports_of(path: Path) -> tuple[set[str], set[str]]:
    """The package modules and the top-level third-party packages a file imports."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    local: set[str] = set()
    external: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom):
            assert not node.level, f"{path.name}: write package imports as 'from i18n_sync.x import'"
            if node.module and node.module.startswith("i18n_sync."):
                local.add(node.module.removeprefix("i18n_sync."))
            elif node.module:
                external.add(node.module.split(".")[0])
        elif isinstance(node, ast.Import):
            external.update(alias.name.split(".")[0] for alias in node.names)
    return local, external


def modules() -> list[Path]:
    return sorted(p for p in PACKAGE.rglob("*.py") if p.name != "__init__.py" or p.parent == PACKAGE)


def test_modules_live_in_stage_subpackages() -> None:
    top = {p.stem for p in PACKAGE.glob("*.py")}
    assert top <= {"__init__", "__main__", "api", "cli", "errors", "model", "locales"}, top
    folders = {p.name for p in PACKAGE.iterdir() if p.is_dir() and p.name != "__pycache__"}
    assert folders - {"messages"} == STAGES


def test_each_third_party_library_has_one_owner() -> None:
    for path in modules():
        _, external = imports_of(path)
        for library, owner in OWNERS.items():
            if library in external:
                assert name_of(path) == owner, f"{name_of(path)} imports {library}; only {owner} may"


def test_polib_is_not_trusted_at_run_time() -> None:
    # Only compendia, whose translations are suggestions, are read with polib; gettext.po reads ours.
    for path in modules():
        if "polib" in imports_of(path)[1]:
            assert name_of(path) == OWNERS["polib"], f"{path.name} imports polib; gettext.po reads PO files"


def test_imports_run_one_way() -> None:
    for path in modules():
        local, _ = imports_of(path)
        here = name_of(path)
        for module in local:
            assert layer_of(module) < layer_of(here) or here in ("__init__", "__main__"), (
                f"{here} (layer {layer_of(here)}) imports {module} (layer {layer_of(module)})"
            )


def test_library_code_never_prints() -> None:
    for path in modules():
        if name_of(path) in ("cli", "__main__"):
            continue
        tree = ast.parse(path.read_text(encoding="utf-8"))
        calls = [
            n for n in ast.walk(tree) if isinstance(n, ast.Call) and getattr(n.func, "id", "") == "print"
        ]
        assert not calls, f"{path.name} prints; return data and let the CLI show it"
