"""The whole rendered document, guarded: what only shows once a translation is in place.

Each translation passed the per-entry checks (`checks.translation`) alone, in its block.
In its place, a list item or a quote around it can change what it means: ``[x]`` makes
a task box, ``[!NOTE]`` an alert, a line a reference definition, and GitHub can link or
show what it did not alone. `guard_document` compares the rendered document's block
outline with the English one, `guard_shown` what GitHub shows of it (`checks.github`);
both name the units that break it and drop them one by one, so one hostile unit does
not blank the document.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Hashable, Sequence
from typing import TypeVar

from i18n_sync.checks.compare import describe_blocks
from i18n_sync.checks.github import differences, shown_in, without_front_matter
from i18n_sync.checks.translation import DEFAULT_POLICY, ERROR, Finding, Policy
from i18n_sync.markdown.parser import document_outline
from i18n_sync.markdown.records import Outline


def _nothing_allowed(url: str) -> bool:
    return False


U = TypeVar("U", bound=Hashable)
R = TypeVar("R")

Renderer = Callable[[Collection[U]], str]
"""The document (or a part of it) with only the chosen units translated."""
ProblemOf = Callable[[Sequence[U]], Finding | None]
"""The test of a rendering: what is wrong with it, or None."""
Tester = Callable[[Renderer[U], str], ProblemOf[U]]
"""For a renderer and its reference rendering, the test of a rendering."""
Part = tuple[Sequence[U], Renderer[U]]
"""Some of the translated units, and the part of the document they stand in, rendered."""


def _first_breaking(
    fixed: Sequence[U], candidates: Sequence[U], broken: Callable[[Sequence[U]], R | None]
) -> tuple[int, R]:
    """The smallest k such that `fixed` plus the first k candidates is broken, and why.

    `fixed` alone must not be broken and everything must be; bisection finds a k whose
    predecessor is sound, so the k-th candidate is one that breaks the document.
    """
    low, high = 0, len(candidates)
    reason = broken([*fixed, *candidates])
    assert reason is not None, "everything together must be broken"
    while high - low > 1:
        middle = (low + high) // 2
        found = broken([*fixed, *candidates[:middle]])
        if found is None:
            low = middle
        else:
            high, reason = middle, found
    return high - 1, reason


def _describe_outlines(english: Outline, translation: Outline) -> str:
    if english.blocks != translation.blocks:
        return describe_blocks(english.blocks, translation.blocks)
    made = dict(translation.definitions)
    for label, href in english.definitions:
        if made.get(label) != href:
            return f"it changes where reference links [{label}] go; keep the English definitions"
    added = ", ".join(f"[{label}]" for label in made.keys() - dict(english.definitions).keys())
    return f"it defines link references the English does not have ({added}); escape the '['"


def _structure_problem(
    render: Callable[[Collection[U]], str], reference_text: str, known: Outline | None = None
) -> Callable[[Sequence[U]], Finding | None]:
    """The test of a rendering: its outline is the reference's (`known`, when the caller has it)."""
    outlines: dict[str, Outline] = {}  # bisection asks again for renderings it has seen
    if known is not None:
        outlines[reference_text] = known

    def outline_of(text: str) -> Outline:
        if text not in outlines:
            outlines[text] = document_outline(text)
        return outlines[text]

    reference = outline_of(reference_text)

    def broken(units: Sequence[U]) -> Finding | None:
        outline = outline_of(render(units))
        if outline == reference:
            return None
        reason = f"in the rendered document {_describe_outlines(reference, outline)}"
        return Finding("block-structure", ERROR, reason)

    return broken


_MAX_DROPS = 8
"""How many units one guard names one by one in a part (or the whole document).

Each costs a bisection of parses; past this many, the translations are hostile and the
rest of the part stays in English at once, which keeps a run's cost bounded.
"""


def _drop_breaking(
    kept: list[U], fixed: Sequence[U], broken: Callable[[Sequence[U]], Finding | None]
) -> list[tuple[U, Finding]]:
    """Remove candidates one by one until `fixed` plus the rest is sound."""
    dropped: list[tuple[U, Finding]] = []
    while kept and (found := broken([*fixed, *kept])) is not None:
        if len(dropped) == _MAX_DROPS:
            reason = f"{found.message}; so many translations break this part that all of it stays in English"
            dropped += [(unit, Finding(found.check, ERROR, reason)) for unit in kept]
            break
        index, finding = _first_breaking(fixed, kept, broken)
        dropped.append((kept.pop(index), finding))
    return dropped


def _guard(
    units: Sequence[U],
    exempt: Collection[U],
    whole: tuple[Renderer[U], Tester[U]],
    parts: Callable[[], Sequence[Part[U]]] | None,
) -> tuple[tuple[U, Finding], ...]:
    """Drop the units whose translation breaks the document; see `guard_document`.

    `whole` is the document's renderer and, for a renderer and its reference rendering,
    the test of a rendering. When the whole document is broken, each of `parts` (list
    items, top-level blocks) is tried alone first: a part's units are bisected within
    that part, whose parses are small, and the whole document is then bisected only for
    what shows across parts.
    """
    render, problem_of = whole
    exempt_units = set(exempt)
    fixed = [unit for unit in units if unit in exempt_units]
    candidates = [unit for unit in units if unit not in exempt_units]
    if not candidates:
        return ()
    broken = problem_of(render, render(fixed))
    if broken([*fixed, *candidates]) is None:
        return ()
    dropped: list[tuple[U, Finding]] = []
    for part_units, render_part in parts() if parts is not None else ():
        part_fixed = [unit for unit in part_units if unit in exempt_units]
        part_candidates = [unit for unit in part_units if unit not in exempt_units]
        if part_candidates:
            part_broken = problem_of(render_part, render_part(part_fixed))
            dropped += _drop_breaking(part_candidates, part_fixed, part_broken)
    gone = {unit for unit, _ in dropped}
    dropped += _drop_breaking([unit for unit in candidates if unit not in gone], fixed, broken)
    order = {unit: index for index, unit in enumerate(units)}
    return tuple(sorted(dropped, key=lambda item: order[item[0]]))


def guard_document(
    units: Sequence[U],
    render: Callable[[Collection[U]], str],
    exempt: Collection[U] = (),
    source: Outline | None = None,
    parts: Callable[[], Sequence[Part[U]]] | None = None,
) -> tuple[tuple[U, Finding], ...]:
    """Find the translated units that break the rendered document; each with its finding.

    `units` are the translated units in document order and `render(chosen)` the
    document with only the chosen ones translated. Its outline (block skeleton and
    reference definitions) must be the one it has with only the `exempt` units
    translated (those whose entries ignore ``block-structure``); units are dropped
    until it is, each named when adding it to a sound document breaks it. `source` is
    the outline of `render(())`, the untranslated document, when the caller has it
    from the extraction: then a document without exempt units is parsed once. `parts`
    gives the parts of the document that its units stand in (see `_guard`), asked for
    only when the whole document is broken.

    Only blocks are parsed: with the outline unchanged, every inline text of the output
    is an English one or a translation the per-entry checks (`run_checks`, unsafe URLs
    included) parsed already in the document's context, so a second inline parse of the
    whole output could find nothing new.
    """
    if not units:
        return ()
    known = source if source is not None and not set(exempt) & set(units) else None

    def problem_of(render_part: Callable[[Collection[U]], str], reference: str) -> ProblemOf[U]:
        return _structure_problem(render_part, reference, known if render_part is render else None)

    return _guard(units, exempt, (render, problem_of), parts)


# Which check a difference of what GitHub shows belongs to.
_CHECK_OF_DIFFERENCE = {
    "link": "link-targets",
    "element": "html-tags",
    "block": "block-structure",
    "attribute": "html-attributes",
    "bidi": "control-chars",
    "invisible": "invisible-chars",
}
GITHUB_CHECKS = frozenset(_CHECK_OF_DIFFERENCE.values())
"""The checks whose findings the document guard also looks for in what GitHub shows."""


def _shown_problem(
    allowed: Callable[[str], bool], policy: Policy
) -> Callable[[Callable[[Collection[U]], str], str], ProblemOf[U]]:
    def problem_of(render: Callable[[Collection[U]], str], reference: str) -> ProblemOf[U]:
        english = shown_in(without_front_matter(reference))

        def broken(units: Sequence[U]) -> Finding | None:
            found = differences(english, shown_in(without_front_matter(render(units))), allowed)
            for difference in found:
                check_id = _CHECK_OF_DIFFERENCE[difference.kind]
                if policy.level_of(check_id) == ERROR:
                    reason = f"on GitHub the document shows {difference.detail}, which the English does not"
                    return Finding(check_id, ERROR, reason)
            return None

        return broken

    return problem_of


def guard_shown(
    units: Sequence[U],
    render: Callable[[Collection[U]], str],
    exempt: Collection[U] = (),
    allowed: Callable[[str], bool] = _nothing_allowed,
    policy: Policy = DEFAULT_POLICY,
    parts: Callable[[], Sequence[Part[U]]] | None = None,
) -> tuple[tuple[U, Finding], ...]:
    """Find the translated units that make GitHub show what the English document does not.

    The document as GitHub renders it with the `units` translated (`render(chosen)`, as
    in `guard_document`) is compared with the English one: a link, image source, element,
    attribute value or hidden character it lacks is refused (where its check is an error
    in `policy`; a link to a page `allowed` is not), and units are dropped, each named,
    until none is left (`parts` as in `guard_document`). The per-entry checks saw each
    translation alone in its block; this sees them in place, where a unit next to
    another can mean something else. The `exempt` units (whose entries the configuration
    lets through) are always kept.
    """
    if not units:
        return ()
    return _guard(units, exempt, (render, _shown_problem(allowed, policy)), parts)
