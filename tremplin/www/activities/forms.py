"""Forms of the activity records. Every rule of a record is checked by tremplin.activities.services (all faults at
once, each on its field); these forms only read what was typed."""

from django import forms
from django.utils import timezone
from dsfr.forms import DsfrBaseForm
from dsfr.widgets import InlineCheckboxSelectMultiple, InlineRadioSelect

from tremplin.activities.enums import (
    AdministrativeTheme,
    Autonomy,
    Equipment,
    PlaceType,
    StructureKind,
    Thematique,
    WorkshopLevel,
)
from tremplin.activities.services import BREAKDOWN
from tremplin.beneficiaries.enums import AgeBand, Gender, SocialStatus
from tremplin.taxonomy.coop import DURATION_PRESETS
from tremplin.www.beneficiaries.forms import CommuneField

OTHER_DURATION = "autre"
YES_NO = [("non", "Non"), ("oui", "Oui")]
BREAKDOWN_CHOICES = {"genre": Gender, "tranche_age": AgeBand, "statut_social": SocialStatus}
BREAKDOWN_LABELS = {"genre": "Genre", "tranche_age": "Tranche d'âge", "statut_social": "Statut social"}


def duration_label(minutes: int) -> str:
    hours, rest = divmod(minutes, 60)
    if not hours:
        return f"{minutes} min"
    return f"{hours} h" + (f" {rest:02d}" if rest else "")


def _radios(field: forms.Field) -> forms.Field:
    field.template_name = "dsfr/form_field_snippets/radioselect_snippet.html"
    return field


class RecordForm(DsfrBaseForm):
    """What an individual accompaniment and a workshop typed by hand share (the form's order is the tab order)."""

    date = forms.DateField(
        label="Date",
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        error_messages={
            "invalid": "Indiquez une date valide, par exemple 14/03/2026.",
            "required": "Indiquez la date.",
        },
    )
    duration = forms.ChoiceField(
        label="Durée",
        choices=[(str(m), duration_label(m)) for m in DURATION_PRESETS] + [(OTHER_DURATION, "Autre durée")],
        required=False,
        widget=InlineRadioSelect,
    )
    duration_other = forms.IntegerField(
        label="Autre durée (en minutes)",
        required=False,
        min_value=1,
        widget=forms.NumberInput(attrs={"inputmode": "numeric"}),
        error_messages={"invalid": "Indiquez la durée en minutes, en chiffres.", "min_value": "Au moins 1 minute."},
    )
    place_type = forms.ChoiceField(label="Canal", choices=PlaceType.choices, required=False, widget=InlineRadioSelect)
    site = forms.ModelChoiceField(label="Lieu d'activité", queryset=None, required=False, empty_label="Choisir un lieu")
    commune = CommuneField(
        label="Commune (à domicile ou autre lieu)",
        required=False,
        help_text="Nom, code postal ou code INSEE, par exemple « Lannion » ou « 22113 ».",
    )
    equipment = forms.MultipleChoiceField(
        label="Matériel utilisé", choices=Equipment.choices, required=False, widget=InlineCheckboxSelectMultiple
    )
    themes = forms.MultipleChoiceField(
        label="Thématiques (au moins une)",
        choices=Thematique.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    admin_themes = forms.MultipleChoiceField(
        label="Démarches administratives",
        help_text="Avec la thématique « Aide aux démarches administratives ».",
        choices=AdministrativeTheme.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    procedure = forms.CharField(
        label="Précisions sur la démarche",
        help_text="Par exemple « Demande de carte grise » (sans donnée personnelle).",
        max_length=200,
        required=False,
        error_messages={"max_length": "Les précisions ne doivent pas dépasser 200 caractères."},
    )
    notes = forms.CharField(
        label="Notes",
        help_text="Jamais de donnée de santé ni d'information superflue.",
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
    )

    # The fields that, in the service's errors, belong to a form field of another name.
    SERVICE_FIELDS = {"duration_minutes": "duration", "anonymous_breakdown": None, "organisation": None}

    def __init__(self, *args, sites, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["site"].queryset = sites
        for name in ("duration", "place_type"):
            _radios(self.fields[name])
        self.fields["date"].initial = self.fields["date"].initial or timezone.localdate()

    def clean(self):
        data = super().clean()
        duration = data.get("duration")
        if duration == OTHER_DURATION:
            data["duration_minutes"] = data.get("duration_other")
            if data["duration_minutes"] is None and "duration_other" not in self.errors:
                self.add_error("duration_other", "Indiquez la durée en minutes.")
        elif duration:
            data["duration_minutes"] = int(duration)
            if data.get("duration_other"):
                self.add_error("duration_other", "Choisissez « Autre durée » pour saisir une durée en minutes.")
        else:
            data["duration_minutes"] = data.get("duration_other")
        return data

    def record_fields(self) -> dict:
        """What the service is given, from what could be read (a field in error is left out: the service then
        reports its own faults of the other fields, all at once)."""
        data = self.cleaned_data
        place_type = data.get("place_type") or ""
        fields = {
            "date": data.get("date"),
            "duration_minutes": data.get("duration_minutes"),
            "place_type": place_type,
            # A site for a place of activity, a commune elsewhere: what does not apply to the channel is dropped.
            "site": data.get("site") if place_type == PlaceType.ACTIVITY_PLACE else None,
            "commune": data.get("commune") if place_type in (PlaceType.HOME, PlaceType.OTHER) else None,
            "equipment": data.get("equipment") or [],
            "themes": data.get("themes") or [],
            "admin_themes": data.get("admin_themes") or [],
            "procedure": data.get("procedure") or "",
            "notes": data.get("notes") or "",
        }
        return fields

    def add_service_errors(self, error) -> None:
        """The service's ValidationError (a dict of field → messages) as this form's errors."""
        items = error.message_dict.items() if hasattr(error, "error_dict") else [(None, error.messages)]
        for field, messages in items:
            target = self.SERVICE_FIELDS.get(field, field)
            if target is not None and target not in self.fields:
                target = None
            if target is not None and target in self.errors:
                continue  # the form's own reading error of that field is enough
            self.add_error(target, messages)


class AccompanimentForm(RecordForm):
    """An individual accompaniment: the person is optional (then what is known of them, if anything)."""

    beneficiary = forms.TypedChoiceField(
        label="Personne accompagnée", coerce=int, empty_value=None, required=False, choices=()
    )
    anonymous_gender = forms.ChoiceField(
        label="Genre (si connu)", choices=Gender.choices, initial=Gender.UNDISCLOSED, required=False
    )
    anonymous_age_band = forms.ChoiceField(
        label="Tranche d'âge (si connue)", choices=AgeBand.choices, initial=AgeBand.UNDISCLOSED, required=False
    )
    anonymous_status = forms.ChoiceField(
        label="Statut social (si connu)", choices=SocialStatus.choices, initial=SocialStatus.UNDISCLOSED, required=False
    )
    autonomy = forms.ChoiceField(
        label="Niveau d'autonomie atteint", choices=Autonomy.choices, required=False, widget=InlineRadioSelect
    )
    referred = forms.ChoiceField(
        label="Bénéficiaire réorienté", choices=YES_NO, initial="non", widget=InlineRadioSelect
    )
    structure_kind = forms.ChoiceField(
        label="Structure de redirection",
        choices=[("", "Choisir un type de structure"), *StructureKind.choices],
        required=False,
    )

    SERVICE_FIELDS = {**RecordForm.SERVICE_FIELDS, "anonymous_breakdown": "anonymous_gender", "anonymous_count": None}
    field_order = [
        "beneficiary",
        "anonymous_gender",
        "anonymous_age_band",
        "anonymous_status",
        "date",
        "duration",
        "duration_other",
        "place_type",
        "site",
        "commune",
        "equipment",
        "themes",
        "admin_themes",
        "procedure",
        "autonomy",
        "referred",
        "structure_kind",
        "notes",
    ]

    def __init__(self, *args, people_choices=(), fixed_person=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fixed_person = fixed_person
        for name in ("autonomy", "referred"):
            _radios(self.fields[name])
        if fixed_person is not None:
            del self.fields["beneficiary"]
            for name in ("anonymous_gender", "anonymous_age_band", "anonymous_status"):
                del self.fields[name]
        else:
            self.fields["beneficiary"].choices = [("", "Personne sans fiche (accompagnement anonyme)"), *people_choices]
            self.fields["beneficiary"].error_messages["invalid_choice"] = (
                "Cette personne n'est pas dans la liste des personnes que vous suivez."
            )
        # The cursor starts in the form: everything else is reached with Tab.
        first = "date" if fixed_person is not None else "beneficiary"
        self.fields[first].widget.attrs["autofocus"] = True

    def record_fields(self) -> dict:
        data = self.cleaned_data
        fields = super().record_fields()
        fields["autonomy"] = data.get("autonomy") or ""
        fields["referred"] = data.get("referred") == "oui"
        fields["structure_kind"] = data.get("structure_kind") or ""
        breakdown = {}
        if self.fixed_person is None and not data.get("beneficiary"):
            for dimension, name in (
                ("genre", "anonymous_gender"),
                ("tranche_age", "anonymous_age_band"),
                ("statut_social", "anonymous_status"),
            ):
                value = data.get(name)
                if value and value in BREAKDOWN[dimension]:
                    breakdown[dimension] = {value: 1}
        fields["anonymous_breakdown"] = breakdown
        if self.fixed_person is None and not data.get("beneficiary"):
            fields["anonymous_count"] = 1  # one person without a record (the service says so too)
        return fields


class BreakdownMixin:
    """The anonymous head count and its breakdown: one number per value of each dimension."""

    def add_breakdown_fields(self):
        self.fields["anonymous_count"] = forms.IntegerField(
            label="Participants sans fiche (nombre)",
            min_value=0,
            max_value=1000,
            initial=0,
            required=False,
            widget=forms.NumberInput(attrs={"inputmode": "numeric"}),
            error_messages={
                "invalid": "Indiquez un nombre.",
                "min_value": "Le nombre ne peut pas être négatif.",
                "max_value": "Au plus 1000 participants.",
            },
        )
        self.breakdown_groups = []
        for dimension, enum in BREAKDOWN_CHOICES.items():
            names = []
            for value in BREAKDOWN[dimension]:
                name = f"{dimension}__{value}"
                self.fields[name] = forms.IntegerField(
                    label=enum(value).label,
                    min_value=0,
                    max_value=1000,
                    required=False,
                    widget=forms.NumberInput(attrs={"inputmode": "numeric"}),
                    error_messages={
                        "invalid": "Indiquez un nombre.",
                        "min_value": "Le nombre ne peut pas être négatif.",
                    },
                )
                names.append(name)
            self.breakdown_groups.append((BREAKDOWN_LABELS[dimension], names))

    def breakdown_initial(self, breakdown: dict) -> dict:
        return {
            f"{dimension}__{value}": number
            for dimension, counts in (breakdown or {}).items()
            for value, number in counts.items()
        }

    def breakdown_fields(self) -> dict:
        data = self.cleaned_data
        breakdown = {}
        for dimension in BREAKDOWN_CHOICES:
            counts = {
                value: data[f"{dimension}__{value}"]
                for value in BREAKDOWN[dimension]
                if data.get(f"{dimension}__{value}")
            }
            if counts:
                breakdown[dimension] = counts
        return {"anonymous_count": data.get("anonymous_count") or 0, "anonymous_breakdown": breakdown}

    @property
    def breakdown_rows(self):
        return [(label, [self[name] for name in names]) for label, names in self.breakdown_groups]


class WorkshopForm(BreakdownMixin, RecordForm):
    """A collective workshop held outside the booking tool, typed by hand."""

    title = forms.CharField(
        label="Nom de l'atelier",
        max_length=200,
        required=False,
        error_messages={"max_length": "200 caractères au plus."},
    )
    level = forms.ChoiceField(
        label="Niveau", choices=[("", "Non précisé"), *WorkshopLevel.choices], required=False, widget=InlineRadioSelect
    )
    participants = forms.TypedMultipleChoiceField(
        label="Participants ayant une fiche",
        help_text="Les personnes que vous suivez, parmi celles accompagnées récemment ou trouvées par la recherche.",
        coerce=int,
        required=False,
        choices=(),
        widget=forms.CheckboxSelectMultiple,
    )

    SERVICE_FIELDS = {
        **RecordForm.SERVICE_FIELDS,
        "beneficiary": "participants",
        "anonymous_breakdown": "anonymous_count",
    }
    field_order = [
        "title",
        "level",
        "date",
        "duration",
        "duration_other",
        "place_type",
        "site",
        "commune",
        "themes",
        "admin_themes",
        "procedure",
        "equipment",
        "participants",
    ]

    def __init__(self, *args, people_choices=(), **kwargs):
        super().__init__(*args, **kwargs)
        _radios(self.fields["level"])
        self.fields["participants"].choices = list(people_choices)
        self.fields["participants"].error_messages["invalid_choice"] = (
            "Une des personnes n'est pas dans la liste des personnes que vous suivez."
        )
        self.add_breakdown_fields()
        self.order_fields([*self.field_order, "anonymous_count", *self._breakdown_names(), "notes"])

    def _breakdown_names(self):
        return [name for _, names in self.breakdown_groups for name in names]

    def record_fields(self) -> dict:
        data = self.cleaned_data
        return {
            **super().record_fields(),
            "title": data.get("title") or "",
            "level": data.get("level") or "",
            **self.breakdown_fields(),
        }


class SessionRecordForm(BreakdownMixin, DsfrBaseForm):
    """What the attendance sheet of a session does not say: people without a record, extra themes, equipment."""

    themes = RecordForm.base_fields["themes"]
    admin_themes = RecordForm.base_fields["admin_themes"]
    procedure = RecordForm.base_fields["procedure"]
    equipment = RecordForm.base_fields["equipment"]
    notes = RecordForm.base_fields["notes"]

    SERVICE_FIELDS = {"anonymous_breakdown": "anonymous_count"}
    add_service_errors = RecordForm.add_service_errors

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["themes"].label = "Thématiques"
        self.add_breakdown_fields()
        breakdown = [name for _, names in self.breakdown_groups for name in names]
        self.order_fields(["anonymous_count", *breakdown, "themes", "admin_themes", "procedure", "equipment", "notes"])

    def record_fields(self) -> dict:
        data = self.cleaned_data
        return {
            "themes": data.get("themes") or [],
            "admin_themes": data.get("admin_themes") or [],
            "procedure": data.get("procedure") or "",
            "equipment": data.get("equipment") or [],
            "notes": data.get("notes") or "",
            **self.breakdown_fields(),
        }


class ActivityFilterForm(DsfrBaseForm):
    """The list's filters, named as the dashboards' (tremplin.reporting.filters: from, to, type, theme)."""

    def __init__(self, *args, kinds, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["from"] = forms.DateField(
            label="Du", required=False, widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
        )
        self.fields["to"] = forms.DateField(
            label="Au", required=False, widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
        )
        self.fields["type"] = forms.ChoiceField(label="Type", choices=[("", "Tous les types"), *kinds], required=False)
        self.fields["theme"] = forms.ChoiceField(
            label="Thématique",
            choices=[("", "Toutes les thématiques"), *Thematique.choices, *AdministrativeTheme.choices],
            required=False,
        )
