import re

from django import forms
from dsfr.forms import DsfrBaseForm

from tremplin.network.enums import SiteKind
from tremplin.planning.enums import Weight
from tremplin.planning.services import PlanOptions

MAX_TIME_LIMIT_S = 300
SEPARATORS = re.compile(r"[\s,;]+")


def split_list(value: str, *, upper: bool = False) -> list[str]:
    """Codes typed as a list: separated by commas, semicolons, spaces or new lines; duplicates dropped."""
    seen = []
    for item in SEPARATORS.split(value or ""):
        item = item.strip().upper() if upper else item.strip()
        if item and item not in seen:
            seen.append(item)
    return seen


def decimal_field(**kwargs) -> forms.FloatField:
    """A number typed with a comma or a point (« 1,5 »), with the phone's decimal keyboard."""
    return forms.FloatField(localize=True, widget=forms.TextInput(attrs={"inputmode": "decimal"}), **kwargs)


class ScenarioForm(DsfrBaseForm):
    """Every input of a deployment scenario. `departements` and `sites` are the querysets the user may use."""

    token = forms.CharField(widget=forms.HiddenInput)
    name = forms.CharField(label="Nom du scénario", max_length=200, help_text="Par exemple « 100 médiateurs, 10 km ».")
    mediators = forms.IntegerField(label="Nombre de médiateurs (M)", min_value=1, max_value=1000, initial=100)
    offices_per_mediator = forms.IntegerField(label="Bureaux par médiateur (K)", min_value=1, max_value=20, initial=4)
    reach_km = decimal_field(
        label="Rayon d'accessibilité (km)",
        min_value=0,
        max_value=100,
        initial=10,
        help_text="Habitants atteints : ceux des communes dont le centre est à moins de ce rayon d'un bureau choisi.",
    )
    circuit_km = decimal_field(
        label="Rayon de tournée (km)",
        min_value=0,
        max_value=300,
        initial=25,
        help_text="Distance maximale entre deux bureaux d'un même médiateur.",
    )
    departements = forms.IntegerField(
        label="Nombre de départements (D)",
        min_value=0,
        max_value=101,
        initial=57,
        help_text="Choisis par le planificateur, chacun reçoit au moins un médiateur ; 0 = pas de contrainte. "
        "Ignoré si une liste de départements est donnée.",
    )
    departement_list = forms.CharField(
        label="Liste de départements",
        required=False,
        help_text="Codes séparés par des virgules (ex. : 22, 29, 56) ; chacun reçoit au moins un médiateur.",
    )
    weight = forms.ChoiceField(
        label="Pondération des communes", choices=Weight.choices, initial=Weight.POPULATION, widget=forms.RadioSelect
    )
    qpv_factor = decimal_field(
        label="Facteur QPV (pondération « priorité »)",
        min_value=1,
        max_value=10,
        initial=2,
        help_text="Multiplie le poids des communes ayant un quartier prioritaire.",
    )
    rural_factor = decimal_field(
        label="Facteur rural (pondération « priorité »)",
        min_value=1,
        max_value=10,
        initial=1.5,
        help_text="Multiplie le poids des communes rurales.",
    )
    site_types = forms.MultipleChoiceField(
        label="Types de sites éligibles",
        choices=SiteKind.choices,
        initial=[SiteKind.POST_OFFICE],
        widget=forms.CheckboxSelectMultiple,
        error_messages={"required": "Cochez au moins un type de site."},
    )
    forced_in = forms.CharField(
        label="Sites à imposer",
        required=False,
        help_text="Identifiants La Poste séparés par des virgules : ces sites font partie du plan.",
    )
    forced_out = forms.CharField(
        label="Sites à exclure",
        required=False,
        help_text="Identifiants La Poste séparés par des virgules : ces sites ne sont jamais choisis.",
    )
    time_limit_s = forms.IntegerField(
        label="Limite de temps du calcul (secondes)",
        min_value=1,
        max_value=MAX_TIME_LIMIT_S,
        initial=60,
        help_text=f"Au plus {MAX_TIME_LIMIT_S} secondes ; le meilleur plan trouvé est gardé, avec son écart garanti.",
    )

    def __init__(self, *args, departements, sites, restricted: bool, **kwargs):
        super().__init__(*args, **kwargs)
        self.allowed_departements = departements
        self.allowed_sites = sites
        self.restricted = restricted
        if restricted:
            self.fields["departements"].widget = forms.HiddenInput()
            self.fields["departements"].required = False

    def clean_departement_list(self):
        codes = split_list(self.cleaned_data.get("departement_list", ""), upper=True)
        known = set(self.allowed_departements.filter(code__in=codes).values_list("code", flat=True))
        unknown = [code for code in codes if code not in known]
        if unknown and self.restricted:
            raise forms.ValidationError(
                "Vous ne pouvez planifier que dans vos départements ; hors de votre périmètre : %(codes)s.",
                params={"codes": ", ".join(unknown)},
            )
        if unknown:
            raise forms.ValidationError("Départements inconnus : %(codes)s.", params={"codes": ", ".join(unknown)})
        if not codes and self.restricted:
            codes = list(self.allowed_departements.order_by("code").values_list("code", flat=True))
            if not codes:
                raise forms.ValidationError("Aucun département ne vous est rattaché : demandez-le à un administrateur.")
        return codes

    def _clean_sites(self, name: str) -> list[str]:
        ids = split_list(self.cleaned_data.get(name, ""))
        if not ids:
            return []
        found = dict(self.allowed_sites.filter(external_id__in=ids).values_list("external_id", "kind"))
        unknown = [site for site in ids if site not in found]
        if unknown:
            where = " dans vos départements" if self.restricted else ""
            raise forms.ValidationError(
                "Identifiants La Poste inconnus%(where)s : %(ids)s.", params={"where": where, "ids": ", ".join(unknown)}
            )
        types = self.cleaned_data.get("site_types") or []
        if name == "forced_in" and types:
            wrong = [site for site in ids if found[site] not in types]
            if wrong:
                raise forms.ValidationError(
                    "Ces sites ne sont pas d'un type éligible coché : %(ids)s.", params={"ids": ", ".join(wrong)}
                )
        return ids

    def clean_forced_in(self):
        return self._clean_sites("forced_in")

    def clean_forced_out(self):
        return self._clean_sites("forced_out")

    def clean(self):
        data = super().clean()
        mediators, per_mediator = data.get("mediators"), data.get("offices_per_mediator")
        codes = data.get("departement_list") or []
        if self.restricted:
            data["departements"] = 0
        if mediators is not None:
            if codes and len(codes) > mediators:
                self.add_error(
                    "mediators",
                    f"{len(codes)} départements listés : il faut au moins autant de médiateurs "
                    "(chacun reçoit au moins un médiateur).",
                )
            elif not codes and (data.get("departements") or 0) > mediators:
                self.add_error(
                    "departements",
                    "Le nombre de départements ne peut pas dépasser le nombre de médiateurs "
                    "(chaque département choisi reçoit au moins un médiateur).",
                )
        both = sorted(set(data.get("forced_in") or []) & set(data.get("forced_out") or []))
        if both:
            self.add_error("forced_out", f"Sites à la fois imposés et exclus : {', '.join(both)}.")
        if mediators and per_mediator and len(data.get("forced_in") or []) > mediators * per_mediator:
            self.add_error("forced_in", f"Trop de sites imposés pour {mediators * per_mediator} bureaux au total.")
        return data

    def options(self) -> PlanOptions:
        data = self.cleaned_data
        return PlanOptions(
            mediators=data["mediators"],
            offices_per_mediator=data["offices_per_mediator"],
            reach_km=data["reach_km"],
            circuit_km=data["circuit_km"],
            departements=0 if data["departement_list"] else data["departements"],
            departement_list=tuple(data["departement_list"]),
            weight=data["weight"],
            site_types=tuple(data["site_types"]),
            qpv_factor=data["qpv_factor"],
            rural_factor=data["rural_factor"],
            forced_in=tuple(data["forced_in"]),
            forced_out=tuple(data["forced_out"]),
            time_limit_s=float(data["time_limit_s"]),
        )


class CompareForm(DsfrBaseForm):
    a = forms.ModelChoiceField(label="Scénario A", queryset=None, empty_label="— Choisir —")
    b = forms.ModelChoiceField(label="Scénario B", queryset=None, empty_label="— Choisir —")

    def __init__(self, *args, scenarios, **kwargs):
        super().__init__(*args, **kwargs)
        for name in ("a", "b"):
            self.fields[name].queryset = scenarios
            self.fields[name].label_from_instance = lambda s: f"{s.name} (n° {s.pk}, {s.created_at:%d/%m/%Y})"

    def clean(self):
        data = super().clean()
        if data.get("a") and data.get("a") == data.get("b"):
            raise forms.ValidationError("Choisissez deux scénarios différents.")
        return data
