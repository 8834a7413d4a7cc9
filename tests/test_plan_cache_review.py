"""Review of the memoised `plan._plan`: a plan follows the configuration it is given, in one
process, however often the library is called and whatever moved between the calls."""

from __future__ import annotations

from pathlib import Path

import pytest

from i18n_sync import api
from i18n_sync.errors import ConfigError
from i18n_sync.project.plan import _plan, plan_documents
from test_scale import CONFIG, TR, make_docs


def _project(root: Path) -> Path:
    root.mkdir(parents=True, exist_ok=True)
    make_docs(root, count=4)
    return root


def test_editing_the_configuration_between_library_calls_moves_the_outputs(tmp_path: Path) -> None:
    root = _project(tmp_path / "repo")
    api.sync(api.load_project(root))
    assert (root / "site" / "tr" / "guide0.md").is_file()
    (root / "i18n-sync.toml").write_text(CONFIG.replace("site/{lang}", "out/{lang}"), encoding="utf-8")
    api.sync(api.load_project(root))
    assert (root / "out" / "tr" / "guide0.md").is_file()
    (root / "i18n-sync.toml").write_text(CONFIG.replace('"tr", ', ""), encoding="utf-8")
    project = api.load_project(root)
    assert {t.language.tag for d in plan_documents(project, ["docs/guide0.md"]) for t in d.targets} == {
        "zh-CN",
        "de",
    }


def test_two_projects_with_equal_settings_plan_their_own_roots(tmp_path: Path) -> None:
    """The same settings in two repositories (and one repository under two spellings): the
    plan holds no root, so one cached plan serves both; the checks of each root still run."""
    first, second = _project(tmp_path / "a"), _project(tmp_path / "b")
    outside = tmp_path / "outside"
    outside.mkdir()
    (second / "site").mkdir()
    (second / "site" / "tr").symlink_to(outside)
    one, other = api.load_project(first), api.load_project(second)
    assert one.settings == other.settings
    plan_documents(one, ["docs/guide0.md"])
    with pytest.raises(Exception, match="outside the repository"):
        plan_documents(other, ["docs/guide0.md"])
    spelled = api.load_project(tmp_path / "a" / ".." / "a")
    assert plan_documents(spelled, ["docs/guide0.md"]) == plan_documents(one, ["docs/guide0.md"])


def test_a_source_outside_source_root_is_refused_every_time(tmp_path: Path) -> None:
    project = api.load_project(_project(tmp_path / "repo"))
    for _ in range(2):
        with pytest.raises(ConfigError, match="not inside source_root"):
            _plan(project, "elsewhere/a.md")


def test_relayout_then_status_in_one_process(tmp_path: Path) -> None:
    """`relayout` plans with the old configuration and the new one; `status` then plans with
    the new one, read from the file relayout wrote."""
    root = _project(tmp_path / "repo")
    (root / "locales" / "tr" / "part").mkdir(parents=True)
    (root / "locales" / "tr" / "part" / "guide1.po").write_text(TR.format(number=1), encoding="utf-8")
    api.sync(api.load_project(root))
    assert "# Kılavuz 1" in (root / "site" / "tr" / "part" / "guide1.md").read_text(encoding="utf-8")
    api.relayout(api.load_project(root), template="locales/messages.pot", catalog="locales/{locale}.po")
    assert (root / "locales" / "tr.po").is_file()
    project = api.load_project(root)
    assert project.settings.catalog == "locales/{locale}.po"
    (target,) = [
        t for t in plan_documents(project, ["docs/part/guide1.md"])[0].targets if t.language.tag == "tr"
    ]
    assert target.catalog == "locales/tr.po"
    report = api.status(project, ["tr"], history=False)
    assert report is not None
    api.sync(project)
    after = (root / "site" / "tr" / "part" / "guide1.md").read_text(encoding="utf-8")
    assert "# Kılavuz 1" in after and "locales/tr.po" in after  # the header names the new catalogue
    assert (root / "i18n-sync.toml").read_text(encoding="utf-8").count("locales/{locale}.po") == 1


NAMED_SOURCES = [
    *("docs/a.md", "docs/.md", "docs/a.b.md", "docs/x/y.md", "docs/x.md/y", "docs", "docs/a.MD"),
    *("docs/a.md.md", "a.md", ".md", "docs/a", "docs2/a.md", "docsa.md", "docs/..md", "docs/...md"),
    *("docs/a.", "docs/ a.md", "x/docs/a.md", "docs/sub/.hidden.md", "docs/é.md", "docs//a.md"),
    *("./docs/a.md", "docs/./a.md", "/docs/a.md", "docs/a.md/"),
]
NAMED_ROOTS = ["", ".", "docs", "docs/", "./docs", "docs/x", "doc", "/docs", "docs//", "x/docs", "docs/."]


def test_a_documents_name_is_spelled_as_the_path_objects_spell_it() -> None:
    """`plan._document_name` takes plain string steps where it can: the same name, or none
    (not inside the root), as `PurePosixPath` gives, over sources and roots spelled oddly."""
    from i18n_sync.project.plan import _document_name, _document_name_of_paths

    pairs = [(source, root) for source in NAMED_SOURCES for root in NAMED_ROOTS]
    assert [_document_name(*pair) for pair in pairs] == [_document_name_of_paths(*pair) for pair in pairs]
    assert (
        _document_name("docs/part/a.b.md", "docs") == "part/a.b" and _document_name("x/a.md", "docs") is None
    )


def test_checked_paths_takes_a_folder_of_another_language_once_one_path_there_may_be_written() -> None:
    """`plan.checked_paths` looks at another language's paths only until their folder is in: the
    same folders as looking at every path, a folder whose every path has a problem left out."""
    from i18n_sync.locales import parse_language
    from i18n_sync.project.files import path_problem
    from i18n_sync.project.plan import SourceDocument, Target, _written, checked_paths

    tr, de = parse_language("tr"), parse_language("de")

    def document(name: str, folder: str) -> SourceDocument:
        targets = tuple(
            Target(language, f"locales/{language.code}/{name}.po", f"{folder}/{language.tag}/{name}.md")
            for language in (tr, de)
        )
        return SourceDocument(f"docs/{name}.md", name, f"locales/{name}.pot", None, targets)

    # "CON" is a name Windows reserves: alone in its folder, that folder is left out; beside a
    # name that may be written, the folder is in.
    documents = [
        document("CON", "bad"),
        document("CON", "mixed"),
        document("fine", "mixed"),
        document("a", "ok"),
    ]
    every = [path for path, mine in _written(documents, {"tr"}) if not mine and path_problem(path) is None]
    assert checked_paths(documents, {"tr"})[-3:] == sorted({p.rpartition("/")[0] + "/" for p in every})
    assert "bad/de/" not in checked_paths(documents, {"tr"}) and "mixed/de/" in checked_paths(
        documents, {"tr"}
    )
