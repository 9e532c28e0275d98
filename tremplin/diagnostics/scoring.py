"""Scoring of the digital-skills diagnostic and of the counter screening. Pure functions, no Django.

Official rules (fragility-methods.md §1, Eurostat Digital Skills Indicator 2.0 and INSEE 2021):

- area level — information, communication: 0 activity → none, 1 → basic, 2+ → above_basic;
  content, safety, problem_solving: 0 → none, 1–2 → basic, 3+ → above_basic;
- overall (Eurostat): no Internet use in the last 3 months → not_assessable; otherwise, counting the
  areas at basic or above: 5 all above basic → above_basic; 5 → basic; 4 → low; 3 → narrow;
  2 → limited; 0–1 → no_skills;
- INSEE: illectronisme when no Internet use in the last 3 months or basic skills missing in at least 4
  of the 5 areas; capacites_faibles when missing in 1 to 3 areas; autonome otherwise.

Which activity belongs to which area, and which workshop theme answers which gap, come from the
questionnaire data file (tremplin/diagnostics/questionnaires/); the functions take them as arguments.
"""

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field

INFORMATION, COMMUNICATION, CONTENT, SAFETY, PROBLEM_SOLVING = (
    "information",
    "communication",
    "content",
    "safety",
    "problem_solving",
)
AREAS = (INFORMATION, COMMUNICATION, CONTENT, SAFETY, PROBLEM_SOLVING)
# Minimum number of activities for "basic" and for "above basic", per area (DSI 2.0, CBS wording).
THRESHOLDS = {
    INFORMATION: (1, 2),
    COMMUNICATION: (1, 2),
    CONTENT: (1, 3),
    SAFETY: (1, 3),
    PROBLEM_SOLVING: (1, 3),
}

# Area levels
NONE, BASIC, ABOVE_BASIC = "none", "basic", "above_basic"
AREA_LEVELS = (NONE, BASIC, ABOVE_BASIC)
# Overall Eurostat levels, from least to most skilled
NOT_ASSESSABLE, NO_SKILLS, LIMITED, NARROW, LOW = "not_assessable", "no_skills", "limited", "narrow", "low"
OVERALL_LEVELS = (NOT_ASSESSABLE, NO_SKILLS, LIMITED, NARROW, LOW, BASIC, ABOVE_BASIC)
# INSEE classes
ILLECTRONISME, CAPACITES_FAIBLES, AUTONOME = "illectronisme", "capacites_faibles", "autonome"
INSEE_CLASSES = (ILLECTRONISME, CAPACITES_FAIBLES, AUTONOME)
# Learning-path levels (Coop NiveauAtelier) and autonomy scale (Coop Autonomie)
DEBUTANT, INTERMEDIAIRE, AVANCE = "debutant", "intermediaire", "avance"
ENTIEREMENT_ACCOMPAGNE, PARTIELLEMENT_AUTONOME = "entierement_accompagne", "partiellement_autonome"
AUTONOMY_LEVELS = (ENTIEREMENT_ACCOMPAGNE, PARTIELLEMENT_AUTONOME, AUTONOME)


def area_level(area: str, count: int) -> str:
    """Level of one area from the number of activities done in the last 3 months."""
    if count < 0:
        raise ValueError(f"nombre d'activités négatif : {count}")
    basic, above = THRESHOLDS[area]
    if count >= above:
        return ABOVE_BASIC
    if count >= basic:
        return BASIC
    return NONE


def areas_at_least_basic(levels: Mapping[str, str]) -> int:
    return sum(1 for area in AREAS if levels[area] in (BASIC, ABOVE_BASIC))


def overall_level(internet_last_3_months: bool, levels: Mapping[str, str]) -> str:
    if not internet_last_3_months:
        return NOT_ASSESSABLE
    count = areas_at_least_basic(levels)
    if count == 5:
        return ABOVE_BASIC if all(levels[area] == ABOVE_BASIC for area in AREAS) else BASIC
    return {4: LOW, 3: NARROW, 2: LIMITED}.get(count, NO_SKILLS)


def insee_class(internet_last_3_months: bool, levels: Mapping[str, str]) -> str:
    if not internet_last_3_months:
        return ILLECTRONISME
    missing = 5 - areas_at_least_basic(levels)
    if missing >= 4:
        return ILLECTRONISME
    if missing >= 1:
        return CAPACITES_FAIBLES
    return AUTONOME


@dataclass(frozen=True)
class DsiResult:
    areas: dict[str, str]
    overall: str
    insee: str
    counts: dict[str, int] = field(default_factory=dict)


def score(
    internet_last_3_months: bool, answers: Mapping[str, bool], area_items: Mapping[str, Sequence[str]]
) -> DsiResult:
    """Score yes/no answers; `area_items` maps each of the 5 areas to its activity identifiers.

    Absent answers count as "no". Without Internet use in the last 3 months no online activity counts
    (the survey does not ask them), so every area is `none`.
    """
    counts = {
        area: (sum(1 for item in area_items[area] if answers.get(item) is True) if internet_last_3_months else 0)
        for area in AREAS
    }
    levels = {area: area_level(area, counts[area]) for area in AREAS}
    return DsiResult(
        areas=levels,
        overall=overall_level(internet_last_3_months, levels),
        insee=insee_class(internet_last_3_months, levels),
        counts=counts,
    )


def learning_level(insee: str) -> str:
    return {ILLECTRONISME: DEBUTANT, CAPACITES_FAIBLES: INTERMEDIAIRE}.get(insee, AVANCE)


def recommend_themes(
    result: DsiResult,
    *,
    area_themes: Mapping[str, str],
    theme_order: Sequence[str],
    no_internet_themes: Iterable[str] = (),
    use_cases: Mapping[str, str] | None = None,
    use_case_themes: Mapping[str, str] | None = None,
    equipment: Iterable[str] | None = None,
    no_equipment_theme: str | None = None,
    devices: Iterable[str] = (),
) -> list[str]:
    """Workshop themes for the person, in the order of `theme_order` (the Coop Thématique list).

    - no Internet use: `no_internet_themes` (handling a device, browsing);
    - each area with no activity (`none`): that area's theme;
    - each use case not done autonomously: that use case's theme;
    - no device at all among `devices`: `no_equipment_theme`.
    """
    themes: set[str] = set()
    if result.insee == ILLECTRONISME and result.overall == NOT_ASSESSABLE:
        themes.update(no_internet_themes)
    themes.update(area_themes[area] for area in AREAS if result.areas[area] == NONE)
    for use_case, autonomy in (use_cases or {}).items():
        if autonomy != AUTONOME and use_case_themes and use_case in use_case_themes:
            themes.add(use_case_themes[use_case])
    if equipment is not None and no_equipment_theme and not set(equipment) & set(devices):
        themes.add(no_equipment_theme)
    order = {theme: index for index, theme in enumerate(theme_order)}
    return sorted(themes, key=lambda theme: order.get(theme, len(order)))


# --- Counter screening ---------------------------------------------------------------------------
DIAGNOSTIC, WORKSHOP, PARTNER, NOTHING = "diagnostic", "atelier", "partenaire", "rien"


@dataclass(frozen=True)
class ScreeningOutcome:
    fragile: bool
    next_step: str


def screening_outcome(
    *, used_internet: bool, has_email: bool, struggles_online: bool, has_device: bool
) -> ScreeningOutcome:
    """One next step from four yes/no answers, the strongest need first:

    1. no Internet use in the last 3 months → a full diagnostic;
    2. no device of their own → a partner (access to equipment, solidarity purchase);
    3. no e-mail and trouble with online procedures → a full diagnostic;
    4. no e-mail, or trouble with online procedures → a workshop;
    5. otherwise nothing, not fragile.
    """
    if not used_internet:
        step = DIAGNOSTIC
    elif not has_device:
        step = PARTNER
    elif not has_email and struggles_online:
        step = DIAGNOSTIC
    elif not has_email or struggles_online:
        step = WORKSHOP
    else:
        step = NOTHING
    return ScreeningOutcome(fragile=step != NOTHING, next_step=step)
