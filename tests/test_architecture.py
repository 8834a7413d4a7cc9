"""The package's shape, read from its imports with `ast` so that it stays true."""

from __future__ import annotations

import ast
from pathlib import Path

PACKAGE = Path(__file__).resolve().parents[1] / "src" / "i18n_sync"

# Each third-party library is imported by one module, or by the modules of one package
# (click: the cli). markdown-it by two: the product's parser and the checks' parser, whose
# rule wrappers and token walkers go together (markdown/facts.py says why); markdown_it
# types and tokens stay inside the two.
OWNERS = {
    "markdown_it": ("markdown.parser", "markdown.facts"),
    "mdit_py_plugins": ("markdown.parser",),
    "babel": ("locales",),
    "click": ("cli",),
    "cmarkgfm": ("checks.github",),
    "polib": ("gettext.compendium",),
    "html5lib": ("checks.github",),
}

# Imports run one way: a module may import only modules of a lower layer.
LAYERS = [
    {"record"},  # `record`, the decorator of every module's records
    {"model"},  # the base records
    {"errors", "reports.sanitize", "markdown.records", "markdown.dispatch"},
    {
        "markdown.document",
        "markdown.parser",
        "markdown.html",
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
        "markdown.facts",
        "project.files",
        "project.pool",
        "gettext.po_write",
        "project.config",
        "reports.status",
    },
    {"checks.compare", "gettext.po_read", "project.background"},
    {
        "markdown.extract",
        "gettext.po",
        "gettext.catalog",
        "checks.translation",
        "reports.badge",
        "gettext.matcher",
        "project.ownership",
        "project.temps",
        "project.flushing",
        "project.pruning",
    },
    {"gettext.memory", "importing.cues", "checks.guard", "project.staging"},
    {
        "gettext.merge",
        "gettext.layout",
        "render.splice",
        "reports.history",
        "gettext.compendium",
        "project.writing",
    },
    {"importing.align", "project.cachefiles"},
    {"importing.proposals", "project.signatures", "project.cachedir"},
    {"render.decorate", "project.snapshot"},
    {"render.publish"},
    {"project.plan"},
    {"project.memory", "project.ahead"},
    {"project.jobs"},
    {"project.jobcache", "project.inputs"},
    {"project.merging", "project.cache", "project.names"},
    {"project.combined"},
    {"project.sync", "project.adopt"},
    {"project.inspect"},
    {"importing.importer", "reports.review", "project.relayout"},
    {"reports.output", "reports.page"},
    {"api", "reports.server"},
    {"cli.options"},
    {"cli.display"},
    {"cli.run", "cli.adopt", "cli.layout", "cli.reports"},
    {"cli.group"},
    {"cli.script"},
    {"cli", "__init__", "__main__"},
]

# The stage subpackages; a newcomer finds a feature by these names. The cli is the edge, not a stage.
STAGES = {"markdown", "gettext", "checks", "render", "project", "reports", "importing"}


def name_of(path: Path) -> str:
    """`markdown.parser` for ``markdown/parser.py``; a package's ``__init__.py`` is the package (`cli`)."""
    parts = path.relative_to(PACKAGE).with_suffix("").parts
    if len(parts) > 1 and parts[-1] == "__init__":
        parts = parts[:-1]
    return ".".join(parts)


def is_in(module: str, owner: str) -> bool:
    """Whether `module` is `owner` or, for a package such as `cli`, one of its modules."""
    return module == owner or module.startswith(owner + ".")


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
            if node.module == "i18n_sync":  # from i18n_sync import api
                local.update(alias.name for alias in node.names)
            elif node.module and node.module.startswith("i18n_sync."):
                local.add(node.module.removeprefix("i18n_sync."))
            elif node.module:
                external.add(node.module.split(".")[0])
        elif isinstance(node, ast.Import):
            for alias in node.names:
                if alias.name.startswith("i18n_sync."):
                    local.add(alias.name.removeprefix("i18n_sync."))
                else:
                    external.add(alias.name.split(".")[0])
    return local, external


def modules() -> list[Path]:
    return sorted(PACKAGE.rglob("*.py"))


def test_modules_live_in_stage_subpackages() -> None:
    top = {p.stem for p in PACKAGE.glob("*.py")}
    assert top <= {"__init__", "__main__", "api", "errors", "model", "record", "locales"}, top
    folders = {p.name for p in PACKAGE.iterdir() if p.is_dir() and p.name != "__pycache__"}
    assert folders - {"messages"} == STAGES | {"cli"}


def test_each_third_party_library_has_one_owner() -> None:
    for path in modules():
        _, external = imports_of(path)
        for library, owners in OWNERS.items():
            if library in external:
                allowed = any(is_in(name_of(path), owner) for owner in owners)
                assert allowed, f"{name_of(path)} imports {library}; only {owners} may"


def test_polib_is_not_trusted_at_run_time() -> None:
    # Only compendia, whose translations are suggestions, are read with polib; gettext.po reads ours.
    for path in modules():
        if "polib" in imports_of(path)[1]:
            assert name_of(path) in OWNERS["polib"], f"{path.name} imports polib; gettext.po reads PO files"


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
        if is_in(name_of(path), "cli") or name_of(path) == "__main__":
            continue
        tree = ast.parse(path.read_text(encoding="utf-8"))
        calls = [
            n for n in ast.walk(tree) if isinstance(n, ast.Call) and getattr(n.func, "id", "") == "print"
        ]
        assert not calls, f"{path.name} prints; return data and let the CLI show it"
