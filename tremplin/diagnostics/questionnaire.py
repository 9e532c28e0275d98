"""Versioned questionnaires (data files in questionnaires/): one JSON file per version, named `<id>-<version>.json`.

A diagnostic stores the id and version it was taken with; old files are never edited, a change of
wording or of items gets a new version file.
"""

import functools
import json
from dataclasses import dataclass
from pathlib import Path

from tremplin.diagnostics import scoring

DIRECTORY = Path(__file__).resolve().parent / "questionnaires"
BASE = "dsi2-base"


class QuestionnaireError(ValueError):
    pass


@dataclass(frozen=True)
class Questionnaire:
    id: str
    version: str
    data: dict

    @property
    def title(self) -> str:
        return self.data["title"]

    @property
    def internet_question(self) -> dict:
        return self.data["internet_question"]

    @property
    def areas(self) -> list[dict]:
        return self.data["areas"]

    @property
    def area_items(self) -> dict[str, list[str]]:
        return {area["id"]: [item["id"] for item in area["items"]] for area in self.areas}

    @property
    def item_ids(self) -> set[str]:
        return {item for items in self.area_items.values() for item in items}

    @property
    def area_themes(self) -> dict[str, str]:
        return {area["id"]: area["theme"] for area in self.areas}

    @property
    def use_cases(self) -> list[dict]:
        return self.data["use_cases"]

    @property
    def use_case_themes(self) -> dict[str, str]:
        return {use_case["id"]: use_case["theme"] for use_case in self.use_cases}

    @property
    def equipment(self) -> list[dict]:
        return self.data["equipment"]

    @property
    def devices(self) -> list[str]:
        return [item["id"] for item in self.equipment if item.get("device")]

    def score(self, internet_last_3_months: bool, answers: dict[str, bool]) -> scoring.DsiResult:
        return scoring.score(internet_last_3_months, answers, self.area_items)

    @functools.cached_property
    def path_rules(self) -> scoring.PathRules:
        from tremplin.diagnostics.enums import Area, Autonomy, Thematique

        labels = dict(Area.choices) | dict(Autonomy.choices) | {u["id"]: u["label"] for u in self.use_cases}
        return scoring.PathRules(
            area_themes=self.area_themes,
            use_case_themes=self.use_case_themes,
            theme_order=Thematique.values,
            labels=labels,
            no_internet_themes=tuple(self.data.get("no_internet_themes", ())),
            no_equipment_theme=self.data.get("no_equipment_theme"),
            devices=tuple(self.devices),
        )

    def recommend(self, result, *, use_cases=None, equipment=None) -> list[str]:
        """Every theme the person needs (taught by a workshop or not); the advice is `learning_path`."""
        return scoring.recommend_themes(result, self.path_rules, use_cases=use_cases, equipment=equipment)

    def learning_path(self, result, *, offer, use_cases=None, equipment=None) -> scoring.LearningPath:
        return scoring.learning_path(result, self.path_rules, offer=offer, use_cases=use_cases, equipment=equipment)


def _validate(data: dict, path: Path) -> None:
    from tremplin.diagnostics.enums import Thematique

    areas = [area["id"] for area in data["areas"]]
    if sorted(areas) != sorted(scoring.AREAS):
        raise QuestionnaireError(f"{path.name} : domaines {areas}, attendus {list(scoring.AREAS)}")
    ids = [item["id"] for area in data["areas"] for item in area["items"]]
    ids += [u["id"] for u in data["use_cases"]] + [e["id"] for e in data["equipment"]]
    duplicates = sorted({i for i in ids if ids.count(i) > 1})
    if duplicates:
        raise QuestionnaireError(f"{path.name} : identifiants en double {duplicates}")
    themes = [area["theme"] for area in data["areas"]] + [u["theme"] for u in data["use_cases"]]
    themes += list(data.get("no_internet_themes", [])) + [data.get("no_equipment_theme") or "email"]
    unknown = sorted(set(themes) - set(Thematique.values))
    if unknown:
        raise QuestionnaireError(f"{path.name} : thématiques inconnues {unknown}")


@functools.cache
def load(questionnaire_id: str, version: str) -> Questionnaire:
    path = DIRECTORY / f"{questionnaire_id}-{version}.json"
    if not path.is_file():
        raise QuestionnaireError(f"Questionnaire introuvable : {questionnaire_id} version {version}")
    data = json.loads(path.read_text(encoding="utf-8"))
    if data.get("id") != questionnaire_id or data.get("version") != version:
        raise QuestionnaireError(f"{path.name} : id/version du contenu différents du nom du fichier")
    _validate(data, path)
    return Questionnaire(id=questionnaire_id, version=version, data=data)


def versions(questionnaire_id: str = BASE) -> list[str]:
    prefix = f"{questionnaire_id}-"
    found = [p.stem[len(prefix) :] for p in DIRECTORY.glob(f"{prefix}*.json")]
    return sorted(found, key=lambda v: [int(x) if x.isdigit() else x for x in v.split(".")])


def current(questionnaire_id: str = BASE) -> Questionnaire:
    available = versions(questionnaire_id)
    if not available:
        raise QuestionnaireError(f"Aucun questionnaire {questionnaire_id}")
    return load(questionnaire_id, available[-1])
