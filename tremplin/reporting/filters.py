"""The one filter set of the dashboards: the page, its exports, its share links and the statistics API read the
same parameters, with the same names and the same French errors.

Parameters (query string): `from`, `to` (ISO dates, included), `departement` (INSEE code), `organisation`, `site`,
`mediateur`, `equipe` (ids), `theme` (a Coop theme or administrative theme code), `type` (an activity kind)."""

import datetime
from collections.abc import Mapping
from dataclasses import asdict, dataclass, fields

from tremplin.activities.enums import AdministrativeTheme, Kind, Thematique

PARAMS = {
    "date_from": "from",
    "date_to": "to",
    "departement": "departement",
    "organisation": "organisation",
    "site": "site",
    "mediator": "mediateur",
    "team": "equipe",
    "theme": "theme",
    "kind": "type",
}
THEMES = {**dict(Thematique.choices), **dict(AdministrativeTheme.choices)}
KINDS = dict(Kind.choices)


@dataclass(frozen=True)
class StatsFilters:
    date_from: datetime.date | None = None
    date_to: datetime.date | None = None
    departement: str | None = None
    organisation: int | None = None
    site: int | None = None
    mediator: int | None = None
    team: int | None = None
    theme: str | None = None
    kind: str | None = None

    @classmethod
    def from_params(cls, params: Mapping[str, str]) -> tuple["StatsFilters", dict[str, str]]:
        """Filters read from a query string, and the French error of each parameter that could not be read (that
        parameter is then left out: the page says so instead of failing)."""
        values: dict = {}
        errors: dict[str, str] = {}
        for attribute, name in PARAMS.items():
            raw = (params.get(name) or "").strip()
            if not raw:
                continue
            if attribute in ("date_from", "date_to"):
                try:
                    values[attribute] = datetime.date.fromisoformat(raw)
                except ValueError:
                    errors[name] = f"Date illisible : « {raw[:20]} » (attendu : AAAA-MM-JJ)."
            elif attribute in ("organisation", "site", "mediator", "team"):
                if raw.isdigit() and len(raw) < 12:
                    values[attribute] = int(raw)
                else:
                    errors[name] = f"Identifiant illisible : « {raw[:20]} »."
            elif attribute == "departement":
                code = raw.upper()
                if len(code) <= 3 and code.isalnum():
                    values[attribute] = code
                else:
                    errors[name] = f"Code de département illisible : « {raw[:20]} »."
            elif attribute == "theme":
                if raw in THEMES:
                    values[attribute] = raw
                else:
                    errors[name] = f"Thématique inconnue : « {raw[:40]} »."
            elif attribute == "kind":
                if raw in KINDS:
                    values[attribute] = raw
                else:
                    errors[name] = f"Type d'activité inconnu : « {raw[:40]} »."
        if values.get("date_from") and values.get("date_to") and values["date_from"] > values["date_to"]:
            errors["to"] = "La fin de la période est avant son début."
            values.pop("date_to")
        return cls(**values), errors

    def as_params(self) -> dict[str, str]:
        """The query string of these filters (links, exports, share links)."""
        out = {}
        for attribute, value in asdict(self).items():
            if value is not None:
                out[PARAMS[attribute]] = value.isoformat() if isinstance(value, datetime.date) else str(value)
        return out

    def replace(self, **changes) -> "StatsFilters":
        return StatsFilters(**{**{f.name: getattr(self, f.name) for f in fields(self)}, **changes})

    def describe(self, names: Mapping[str, str] | None = None) -> list[tuple[str, str]]:
        """The filters in French, for the top of the exports and the report: [("Période", "du … au …"), …].
        `names` maps "organisation:3", "site:5", "mediateur:7", "equipe:2" to display names when known."""
        names = names or {}
        lines = []
        if self.date_from and self.date_to:
            lines.append(("Période", f"du {self.date_from:%d/%m/%Y} au {self.date_to:%d/%m/%Y}"))
        elif self.date_from:
            lines.append(("Période", f"depuis le {self.date_from:%d/%m/%Y}"))
        elif self.date_to:
            lines.append(("Période", f"jusqu'au {self.date_to:%d/%m/%Y}"))
        else:
            lines.append(("Période", "depuis le début"))
        if self.departement:
            lines.append(("Département", names.get(f"departement:{self.departement}", self.departement)))
        for attribute, label in (
            ("organisation", "Organisation"),
            ("site", "Lieu"),
            ("mediator", "Médiateur"),
            ("team", "Équipe"),
        ):
            value = getattr(self, attribute)
            if value is not None:
                lines.append((label, names.get(f"{PARAMS[attribute]}:{value}", f"n° {value}")))
        if self.theme:
            lines.append(("Thématique", THEMES[self.theme]))
        if self.kind:
            lines.append(("Type d'activité", KINDS[self.kind]))
        return lines
