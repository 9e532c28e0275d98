import re

from django import forms
from dsfr.forms import DsfrBaseForm

from tremplin.network.enums import SiteKind
from tremplin.planning.enums import Weight
from tremplin.planning.feasibility import PlanningError
from tremplin.planning.plan_files import MAX_BYTES as PLAN_MAX_BYTES
from tremplin.planning.plan_files import office_ids
from tremplin.planning.services import PlanOptions, plan_check, your_departements
from tremplin.www.uploads import check_upload

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
    start_plan = forms.FileField(
        label="Déploiement de départ (fichier d’un plan exporté)",
        required=False,
        help_text="L’export CSV ou GeoJSON d’un scénario (par exemple celui de l’an dernier) : ses bureaux sont "
        "imposés dans le nouveau plan, en plus des sites à imposer ci-dessus.",
    )
    time_limit_s = forms.IntegerField(
        label="Limite de temps du calcul (secondes)",
        min_value=1,
        max_value=MAX_TIME_LIMIT_S,
        initial=60,
        help_text=f"Au plus {MAX_TIME_LIMIT_S} secondes ; le meilleur plan trouvé est gardé, avec son écart garanti.",
    )

    def __init__(self, *args, departements, sites, restricted: bool, capacity: str = "", **kwargs):
        super().__init__(*args, **kwargs)
        self.allowed_departements = departements
        self.allowed_sites = sites
        self.restricted = restricted
        if capacity:  # what the user's départements allow, before they type anything
            self.fields["mediators"].help_text = capacity
            self["mediators"].help_text = capacity  # (the DSFR form has already bound its fields)
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
        return self._check_sites(split_list(self.cleaned_data.get(name, "")), forced_in=name == "forced_in")

    def _check_sites(self, ids: list[str], *, forced_in: bool, what: str = "Identifiants La Poste") -> list[str]:
        if not ids:
            return []
        found = dict(self.allowed_sites.filter(external_id__in=ids).values_list("external_id", "kind"))
        unknown = [site for site in ids if site not in found]
        if unknown:
            where = " dans vos départements" if self.restricted else ""
            raise forms.ValidationError(
                "%(what)s inconnus%(where)s : %(ids)s.",
                params={"what": what, "where": where, "ids": ", ".join(unknown)},
            )
        types = self.cleaned_data.get("site_types") or []
        if forced_in and types:
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

    def clean_start_plan(self):
        """The offices of an exported plan, checked like typed forced sites: one bad line and nothing of the
        file is used (the form is refused with the reason)."""
        upload = self.cleaned_data.get("start_plan")
        if not upload:
            return []
        # Size, extension and content first (tremplin/www/uploads.py), then the plan's own structure.
        check_upload(upload, kinds=("csv", "geojson"), max_bytes=PLAN_MAX_BYTES)
        try:
            ids = office_ids(upload.name, upload.read())
        except PlanningError as exc:
            raise forms.ValidationError(str(exc)) from None
        return self._check_sites(ids, forced_in=True, what="Bureaux du fichier, identifiants La Poste")

    def clean(self):
        """Refuse now what the worker would refuse later: `plan_check` applies the planner's own counting
        rules (offices of the chosen types in the chosen départements against M × K, D against M…) and
        says what is possible, next to the field concerned."""
        data = super().clean()
        if self.restricted:
            data["departements"] = 0
        if self.errors:
            return data
        data["forced_in"] = list(dict.fromkeys([*data.get("forced_in", []), *data.get("start_plan", [])]))
        typed = split_list(self.data.get("departement_list", ""))
        scope = None
        if self.restricted and not typed:  # all their départements, filled in by clean_departement_list
            scope = your_departements(len(data["departement_list"]))
        try:
            plan_check(self.options(), scope=scope)
        except PlanningError as exc:
            field = exc.param if exc.param in self.fields and not self.fields[exc.param].widget.is_hidden else None
            self.add_error(field, str(exc))
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
