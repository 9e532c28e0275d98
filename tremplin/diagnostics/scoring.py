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

The learning path (`learning_path`) is the one advice the result page, the person's PDF and the booking
filter show: a level bounded by the weakest need, and only themes the catalogue teaches at that level.
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


# --- Learning path ---------------------------------------------------------------------------------
WORKSHOP_LEVELS = (DEBUTANT, INTERMEDIAIRE, AVANCE)  # from the easiest
# Highest workshop level a use case allows, by the person's autonomy on it (Coop scale, DigComp L1 / L2).
USE_CASE_LEVEL = {ENTIEREMENT_ACCOMPAGNE: DEBUTANT, PARTIELLEMENT_AUTONOME: INTERMEDIAIRE}
NO_INTERNET_REASON = "pas d'usage d'Internet ces 3 derniers mois"
NO_DEVICE_REASON = "pas de téléphone, de tablette ni d'ordinateur"


@dataclass(frozen=True)
class PathRules:
    """What the questionnaire file and the national taxonomies say (built by Questionnaire.path_rules)."""

    area_themes: Mapping[str, str]
    use_case_themes: Mapping[str, str]
    theme_order: Sequence[str]
    labels: Mapping[str, str] = field(default_factory=dict)  # area and use-case ids, autonomy values
    no_internet_themes: Sequence[str] = ()
    no_equipment_theme: str | None = None
    devices: Sequence[str] = ()


@dataclass(frozen=True)
class Need:
    theme: str
    level: str  # the highest workshop level this need allows
    reason: str


@dataclass(frozen=True)
class PathTheme:
    theme: str
    reasons: tuple[str, ...]


@dataclass(frozen=True)
class LearningPath:
    level: str | None  # None: no workshop of the catalogue answers the needs (or there are none)
    themes: tuple[PathTheme, ...]
    unmet: tuple[PathTheme, ...] = ()  # needs the catalogue has no workshop for at this level

    @property
    def theme_values(self) -> list[str]:
        return [item.theme for item in self.themes]


def needs(
    result: DsiResult, rules: PathRules, *, use_cases: Mapping[str, str] | None = None, equipment=None
) -> list[Need]:
    """Every need the diagnostic shows, with the workshop level it allows and why:

    - no Internet use in the last 3 months: the first-steps themes and every area's theme, beginner;
    - each area with no activity (`none`): its theme, at the level of the INSEE class (`learning_level`);
    - each use case not done autonomously: its theme, beginner when done only with guidance (Coop
      « entièrement accompagné », DigComp level 1), intermediate when autonomous with occasional help;
    - no device at all among `rules.devices` (when the equipment is known): `no_equipment_theme`, beginner.
    """
    labels = rules.labels
    found: list[Need] = []
    if result.overall == NOT_ASSESSABLE:
        found += [Need(theme, DEBUTANT, NO_INTERNET_REASON) for theme in rules.no_internet_themes]
    for area in AREAS:
        if result.areas[area] != NONE:
            continue
        if result.overall == NOT_ASSESSABLE:
            found.append(Need(rules.area_themes[area], DEBUTANT, NO_INTERNET_REASON))
        else:
            reason = f"« {labels.get(area, area)} » : aucune activité ces 3 derniers mois"
            found.append(Need(rules.area_themes[area], learning_level(result.insee), reason))
    for use_case, autonomy in (use_cases or {}).items():
        if autonomy in USE_CASE_LEVEL and use_case in rules.use_case_themes:
            reason = f"« {labels.get(use_case, use_case)} » : {labels.get(autonomy, autonomy).lower()}"
            found.append(Need(rules.use_case_themes[use_case], USE_CASE_LEVEL[autonomy], reason))
    if equipment is not None and rules.no_equipment_theme and not set(equipment) & set(rules.devices):
        found.append(Need(rules.no_equipment_theme, DEBUTANT, NO_DEVICE_REASON))
    return found


def recommend_themes(result: DsiResult, rules: PathRules, *, use_cases=None, equipment=None) -> list[str]:
    """Every theme the person needs, in `rules.theme_order`, whether or not a workshop teaches it."""
    order = {theme: index for index, theme in enumerate(rules.theme_order)}
    themes = {need.theme for need in needs(result, rules, use_cases=use_cases, equipment=equipment)}
    return sorted(themes, key=lambda theme: order.get(theme, len(order)))


def learning_path(
    result: DsiResult,
    rules: PathRules,
    *,
    offer: Iterable[tuple[str, str]],
    use_cases: Mapping[str, str] | None = None,
    equipment=None,
) -> LearningPath:
    """The one learning path of a diagnostic: a workshop level and the catalogue's themes at that level.

    `offer` is the (theme, level) pairs of the catalogue's active programmes. The rule:

    1. the needs are those of `needs()`; the weakest of them bounds the level: never a level above the
       lowest level a need allows (a person needing full guidance for one use is sent to beginner
       workshops, whatever else they can do);
    2. among the levels up to that bound, the level is the one at which the catalogue teaches the most
       needed themes (on a tie, the higher one); no theme the catalogue does not teach at that level is
       part of the path, so that every theme of the path has sessions to book at the path's level;
    3. the themes are ordered by the weakest need first, then by `rules.theme_order`; each carries the
       reasons that led to it. Needs no workshop answers at that level are `unmet`.
    No need: no level and no theme.
    """
    found = needs(result, rules, use_cases=use_cases, equipment=equipment)
    offered = {(str(theme), str(level)) for theme, level in offer}  # plain values (TextChoices hash by name)
    rank = {level: index for index, level in enumerate(WORKSHOP_LEVELS)}
    order = {theme: index for index, theme in enumerate(rules.theme_order)}
    reasons: dict[str, list[str]] = {}
    weakest: dict[str, int] = {}
    for need in found:
        if need.reason not in reasons.setdefault(need.theme, []):
            reasons[need.theme].append(need.reason)
        weakest[need.theme] = min(weakest.get(need.theme, len(rank)), rank[need.level])
    ordered = sorted(reasons, key=lambda theme: (weakest[theme], order.get(theme, len(order)), theme))
    level = None
    if found:
        bound = min(weakest.values())
        candidates = [(sum((theme, lv) in offered for theme in ordered), rank[lv], lv) for lv in WORKSHOP_LEVELS]
        best = max((c for c in candidates if c[1] <= bound and c[0]), default=None)
        level = best[2] if best else None
    path = tuple(PathTheme(t, tuple(reasons[t])) for t in ordered if level and (t, level) in offered)
    unmet = tuple(PathTheme(t, tuple(reasons[t])) for t in ordered if not level or (t, level) not in offered)
    return LearningPath(level=level, themes=path, unmet=unmet)


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
