"""Reads across screenings, diagnostics, people and the workshop catalogue: the learning path, progress of a
person, moves out of illectronisme."""

from dataclasses import dataclass

from django.db.models import Count, OuterRef, QuerySet, Subquery

from tremplin.beneficiaries.models import Beneficiary

from . import questionnaire as questionnaires
from . import scoring
from .enums import AUTONOMY_RANK, Area, AreaLevel, Autonomy, InseeClass
from .models import Diagnostic


def catalogue_offer() -> set[tuple[str, str]]:
    """(theme, level) of the programmes in the catalogue (active): what a learning path may propose."""
    from tremplin.workshops.models import Programme

    return set(Programme.objects.filter(is_active=True).values_list("theme", "level").distinct())


def learning_path(diagnostic: Diagnostic, *, offer=None) -> scoring.LearningPath:
    """The learning path of a recorded diagnostic, against today's catalogue: what its result page, the
    person's PDF and the « Inscrire aux ateliers conseillés » link show (scoring.learning_path)."""
    questionnaire = questionnaires.load(diagnostic.questionnaire_id, diagnostic.questionnaire_version)
    result = scoring.DsiResult(areas=diagnostic.area_levels, overall=diagnostic.overall, insee=diagnostic.insee)
    return questionnaire.learning_path(
        result,
        offer=catalogue_offer() if offer is None else offer,
        use_cases=diagnostic.use_cases,
        equipment=diagnostic.equipment,
    )


AREA_RANK = {level: rank for rank, level in enumerate(scoring.AREA_LEVELS)}


@dataclass(frozen=True)
class Change:
    key: str
    label: str
    before: str
    before_label: str
    after: str
    after_label: str
    trend: int  # -1 worse, 0 same, 1 better


@dataclass(frozen=True)
class Progress:
    first: Diagnostic
    latest: Diagnostic
    areas: list[Change]
    use_cases: list[Change]

    @property
    def left_illectronisme(self) -> bool:
        return self.first.insee == InseeClass.ILLECTRONISME and self.latest.insee != InseeClass.ILLECTRONISME


def _sign(value: int) -> int:
    return (value > 0) - (value < 0)


def progress(diagnostics: list[Diagnostic]) -> Progress | None:
    """Before (first diagnostic) / after (latest one), per area and per use case; None with fewer than two."""
    if len(diagnostics) < 2:
        return None
    ordered = sorted(diagnostics, key=lambda d: (d.performed_at, d.pk))
    first, latest = ordered[0], ordered[-1]
    area_labels = dict(AreaLevel.choices)
    areas = [
        Change(
            area,
            Area(area).label,
            first.area_levels[area],
            area_labels[first.area_levels[area]],
            latest.area_levels[area],
            area_labels[latest.area_levels[area]],
            _sign(AREA_RANK[latest.area_levels[area]] - AREA_RANK[first.area_levels[area]]),
        )
        for area in scoring.AREAS
    ]
    autonomy_labels = dict(Autonomy.choices)
    use_cases = []
    questionnaire = questionnaires.load(latest.questionnaire_id, latest.questionnaire_version)
    for use_case in questionnaire.use_cases:
        before, after = first.use_cases.get(use_case["id"], ""), latest.use_cases.get(use_case["id"], "")
        if not (before or after):
            continue
        use_cases.append(
            Change(
                use_case["id"],
                use_case["label"],
                before,
                autonomy_labels.get(before, "Non renseigné"),
                after,
                autonomy_labels.get(after, "Non renseigné"),
                _sign(AUTONOMY_RANK.get(after, 0) - AUTONOMY_RANK.get(before, 0)) if before and after else 0,
            )
        )
    return Progress(first=first, latest=latest, areas=areas, use_cases=use_cases)


def with_first_and_latest_insee(beneficiaries: QuerySet[Beneficiary]) -> QuerySet[Beneficiary]:
    diagnostics = Diagnostic.objects.filter(beneficiary=OuterRef("pk"))
    return beneficiaries.annotate(
        diagnostic_count=Count("diagnostics", distinct=True),
        first_insee=Subquery(diagnostics.order_by("performed_at", "pk").values("insee")[:1]),
        latest_insee=Subquery(diagnostics.order_by("-performed_at", "-pk").values("insee")[:1]),
    )


def out_of_illectronisme(beneficiaries: QuerySet[Beneficiary] | None = None) -> QuerySet[Beneficiary]:
    """People whose first diagnostic said illectronisme and whose latest one no longer does.

    Merged duplicates are left out (their diagnostics moved to the kept record); anonymised people
    still count. Pass a scoped queryset (e.g. a département's people) to narrow it.
    """
    beneficiaries = Beneficiary.objects.not_merged() if beneficiaries is None else beneficiaries
    return (
        with_first_and_latest_insee(beneficiaries)
        .filter(diagnostic_count__gte=2, first_insee=InseeClass.ILLECTRONISME)
        .exclude(latest_insee=InseeClass.ILLECTRONISME)
    )


def count_out_of_illectronisme(beneficiaries: QuerySet[Beneficiary] | None = None) -> int:
    return out_of_illectronisme(beneficiaries).count()
