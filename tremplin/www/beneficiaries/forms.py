from django import forms
from django.utils import timezone
from dsfr.forms import DsfrBaseForm
from dsfr.widgets import InlineRadioSelect

from tremplin.beneficiaries import consents
from tremplin.beneficiaries.enums import ConsentKind, ContactChannel, Gender, SocialStatus
from tremplin.territories.models import Commune, normalize_search


class CommuneField(forms.CharField):
    """A commune typed by name, postcode or INSEE code; ambiguous input lists the candidates."""

    def __init__(self, **kwargs):
        kwargs.setdefault("label", "Commune de résidence")
        kwargs.setdefault("help_text", "Nom, code postal ou code INSEE, par exemple « Lannion » ou « 22300 ».")
        kwargs.setdefault("max_length", 120)
        super().__init__(**kwargs)

    def prepare_value(self, value):
        if isinstance(value, Commune):
            return f"{value.name} ({value.code_insee})"
        return value

    def clean(self, value):
        value = super().clean(value)
        if not value:
            return None
        if value.endswith(")") and "(" in value:  # "Lannion (22113)" as displayed back
            value = value.rsplit("(", 1)[1].rstrip(")").strip()
        exact = Commune.objects.filter(code_insee=value.upper()).first()
        if exact:
            return exact
        candidates = list(Commune.objects.actual().search(value).select_related("departement").order_by("name")[:20])
        same_name = [c for c in candidates if c.search_name == normalize_search(value)]
        if len(candidates) == 1 or len(same_name) == 1:
            return candidates[0] if len(candidates) == 1 else same_name[0]
        if not candidates:
            raise forms.ValidationError("Aucune commune ne correspond. Vérifiez l'orthographe ou le code postal.")
        listed = " ; ".join(f"{c.name} ({c.departement_id}) : {c.code_insee}" for c in candidates[:6])
        raise forms.ValidationError(f"Plusieurs communes correspondent. Saisissez le code INSEE : {listed}")


class BeneficiaryForm(DsfrBaseForm):
    first_name = forms.CharField(label="Prénom", max_length=100, required=False)
    last_name = forms.CharField(label="Nom", max_length=100, required=False)
    pseudonym = forms.CharField(
        label="Pseudonyme",
        max_length=100,
        required=False,
        help_text="Si la personne ne souhaite pas donner son nom : un prénom d'usage ou un surnom.",
    )
    birth_year = forms.IntegerField(
        label="Année de naissance",
        required=False,
        min_value=1900,
        help_text="Sert uniquement à calculer la tranche d'âge, par exemple 1952.",
        widget=forms.NumberInput(attrs={"inputmode": "numeric"}),
    )
    commune = CommuneField(required=False)
    site = forms.ModelChoiceField(label="Lieu de suivi", queryset=None, required=False, empty_label="Aucun lieu précis")
    mobile_phone = forms.CharField(label="Téléphone mobile", max_length=20, required=False)
    landline_phone = forms.CharField(label="Téléphone fixe", max_length=20, required=False)
    email = forms.EmailField(label="Adresse e-mail", required=False)
    postal_address = forms.CharField(label="Adresse postale", required=False, widget=forms.Textarea(attrs={"rows": 2}))
    preferred_channel = forms.ChoiceField(
        label="Comment la personne préfère-t-elle être contactée ?",
        choices=[("", "Pas de préférence"), *ContactChannel.choices],
        required=False,
        widget=InlineRadioSelect,
    )
    gender = forms.ChoiceField(
        label="Genre", choices=Gender.choices, initial=Gender.UNDISCLOSED, widget=InlineRadioSelect
    )
    social_status = forms.ChoiceField(label="Situation", choices=SocialStatus.choices, initial=SocialStatus.UNDISCLOSED)

    def __init__(self, *args, sites=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["birth_year"].max_value = timezone.localdate().year
        self.only_site = None
        site_field = self.fields["site"]
        site_field.queryset = sites
        site_list = list(sites[:2]) if sites is not None else []
        if len(site_list) == 1:  # one place: nothing to choose
            self.only_site = site_list[0]
            site_field.widget = forms.HiddenInput()
            site_field.initial = self.only_site.pk
        elif site_list:
            site_field.required = True
            site_field.empty_label = None

    def clean(self):
        data = super().clean()
        if self.only_site is not None and not data.get("site"):
            data["site"] = self.only_site
        if not data.get("pseudonym") and not (data.get("first_name") and data.get("last_name")):
            raise forms.ValidationError("Indiquez le prénom et le nom, ou un pseudonyme si la personne le préfère.")
        return data


class BeneficiaryCreateForm(BeneficiaryForm):
    consent_data = forms.BooleanField(
        label="La personne accepte l'enregistrement de ses informations",
        help_text=consents.text(ConsentKind.DATA_PROCESSING, consents.current_version(ConsentKind.DATA_PROCESSING)),
        required=True,
    )
    consent_contact = forms.BooleanField(
        label="La personne accepte d'être contactée",
        help_text=consents.text(ConsentKind.CONTACT, consents.current_version(ConsentKind.CONTACT)),
        required=False,
    )
    confirm_not_duplicate = forms.BooleanField(required=False, widget=forms.HiddenInput)
    screening = forms.IntegerField(required=False, widget=forms.HiddenInput)


class ConsentForm(DsfrBaseForm):
    kind = forms.ChoiceField(label="Objet", choices=ConsentKind.choices)
    given = forms.TypedChoiceField(
        label="Réponse de la personne",
        choices=[("oui", "Elle accepte"), ("non", "Elle refuse ou retire son accord")],
        coerce=lambda value: value == "oui",
        widget=InlineRadioSelect,
    )


class SearchForm(DsfrBaseForm):
    q = forms.CharField(label="Rechercher une personne", required=False, help_text="Nom, prénom, téléphone ou e-mail")
