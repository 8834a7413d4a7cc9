"""The package's shape, read from its imports with `ast` so that it stays true."""

from __future__ import annotations

import ast
from pathlib import Path

PACKAGE = Path(__file__).resolve().parents[1] / "src" / "i18n_sync"

# Each third-party library is imported by exactly one module.
OWNERS = {
    "markdown_it": "markdown",
    "mdit_py_plugins": "markdown",
    "babel": "locales",
    "click": "cli",
}

# Imports run one way: a module may import only modules of a lower layer.
LAYERS = [
    {"errors", "model"},
    {"document", "markdown", "locales", "stats", "anchors", "links"},
    {"msgid", "files", "po", "config", "status"},
    {"extract", "catalog", "checks", "badge"},
    {"merge", "render", "align", "history"},
    {"decorate"},
    {"publish"},
    {"project"},
    {"sync"},
    {"importer"},
    {"cli", "__init__", "__main__"},
]


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
            if node.level:
                if node.module:
                    local.add(node.module.split(".")[0])
                else:
                    local.update(alias.name for alias in node.names)
            elif node.module:
                external.add(node.module.split(".")[0])
        elif isinstance(node, ast.Import):
            external.update(alias.name.split(".")[0] for alias in node.names)
    return local, external


def modules() -> list[Path]:
    return sorted(PACKAGE.glob("*.py"))


def test_each_third_party_library_has_one_owner() -> None:
    for path in modules():
        _, external = imports_of(path)
        for library, owner in OWNERS.items():
            if library in external:
                assert path.stem == owner, f"{path.name} imports {library}; only {owner}.py may"


def test_polib_is_not_trusted_at_run_time() -> None:
    for path in modules():
        assert "polib" not in imports_of(path)[1], f"{path.name} imports polib; po.py reads PO files"


def test_imports_run_one_way() -> None:
    for path in modules():
        local, _ = imports_of(path)
        for module in local:
            assert layer_of(module) < layer_of(path.stem) or (path.stem in ("__init__", "__main__")), (
                f"{path.stem} (layer {layer_of(path.stem)}) imports {module} (layer {layer_of(module)})"
            )


def test_library_code_never_prints() -> None:
    for path in modules():
        if path.stem in ("cli", "__main__"):
            continue
        tree = ast.parse(path.read_text(encoding="utf-8"))
        calls = [
            n for n in ast.walk(tree) if isinstance(n, ast.Call) and getattr(n.func, "id", "") == "print"
        ]
        assert not calls, f"{path.name} prints; return data and let the CLI show it"
