from django import forms
from dsfr.forms import DsfrBaseForm
from dsfr.widgets import InlineRadioSelect

from tremplin.beneficiaries import consents
from tremplin.beneficiaries.enums import ConsentKind, ContactChannel, Gender, SocialStatus
from tremplin.beneficiaries.models import PHONE_VALIDATOR, normalize_phone, record_errors, validate_birth_year
from tremplin.privacy.enums import ErasureReason
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


class BirthYearField(forms.IntegerField):
    """A birth year between 1900 and this year, with the one bounds message (tremplin.beneficiaries.models)."""

    default_validators = [validate_birth_year]

    def __init__(self, **kwargs):
        kwargs.setdefault("widget", forms.NumberInput(attrs={"inputmode": "numeric"}))
        super().__init__(**kwargs)
        self.error_messages["invalid"] = "Indiquez une année en chiffres, par exemple 1952."


def text_field(label: str, what: str, max_length: int, **kwargs) -> forms.CharField:
    """A text field whose length error names the field: « Le nom ne doit pas dépasser 100 caractères. »"""
    field = forms.CharField(label=label, max_length=max_length, **kwargs)
    field.error_messages["max_length"] = f"{what} ne doit pas dépasser {max_length} caractères."
    return field


class PhoneField(forms.CharField):
    """A French or international number, stored as the record stores it (normalised, then checked)."""

    def __init__(self, **kwargs):
        kwargs.setdefault("max_length", 20)
        super().__init__(**kwargs)
        self.error_messages["max_length"] = PHONE_VALIDATOR.message

    def to_python(self, value):
        return normalize_phone(super().to_python(value))

    def validate(self, value):
        super().validate(value)
        if value:
            PHONE_VALIDATOR(value)


class BeneficiaryForm(DsfrBaseForm):
    """Every field is checked at once, each fault on its field (the record's own rules: record_errors)."""

    first_name = text_field("Prénom", "Le prénom", 100, required=False)
    last_name = text_field("Nom", "Le nom", 100, required=False)
    pseudonym = text_field(
        "Pseudonyme",
        "Le pseudonyme",
        100,
        required=False,
        help_text="Si la personne ne souhaite pas donner son nom : un prénom d'usage ou un surnom.",
    )
    birth_year = BirthYearField(
        label="Année de naissance",
        required=False,
        help_text="Sert uniquement à calculer la tranche d'âge, par exemple 1952.",
    )
    commune = CommuneField(required=False)
    site = forms.ModelChoiceField(label="Lieu de suivi", queryset=None, required=False, empty_label="Aucun lieu précis")
    mobile_phone = PhoneField(label="Téléphone mobile", required=False)
    landline_phone = PhoneField(label="Téléphone fixe", required=False)
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
        for field, messages in record_errors(data, skip=set(self.errors)).items():
            self.add_error(field, messages)
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


class ErasureForm(DsfrBaseForm):
    """Why the record is erased (a code in the record's journal). Without an answer: the person's request."""

    reason = forms.ChoiceField(
        label="Pourquoi effacer cette fiche ?",
        choices=[(reason.value, reason.label) for reason in (ErasureReason.REQUEST, ErasureReason.NOT_NEEDED)],
        initial=ErasureReason.REQUEST,
        required=False,
        widget=forms.RadioSelect,
    )

    def clean_reason(self):
        return self.cleaned_data.get("reason") or ErasureReason.REQUEST
