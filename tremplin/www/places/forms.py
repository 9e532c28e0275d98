import datetime

from django import forms
from django.utils import timezone
from dsfr.forms import DsfrBaseForm

from tremplin.places import needs, opening_hours, schema
from tremplin.www.beneficiaries.forms import CommuneField

RADIUS_CHOICES = [(2, "2 km"), (5, "5 km"), (10, "10 km"), (20, "20 km"), (50, "50 km")]
WHEN_CHOICES = [
    ("", "Peu importe"),
    ("maintenant", "Ouvert maintenant"),
    ("date", "Ouvert le jour et à l'heure choisis"),
]


def _choices(values):
    return [(value, value) for value in values]


class PlaceSearchForm(DsfrBaseForm):
    commune = CommuneField(
        label="Commune", help_text="Nom, code postal ou code INSEE, par exemple « Lannion » ou « 22300 »."
    )
    radius_km = forms.TypedChoiceField(label="Distance", choices=RADIUS_CHOICES, coerce=int, initial=10, required=False)
    need = forms.ChoiceField(label="Besoin", choices=[("", "Tous les besoins"), *needs.CHOICES], required=False)
    service = forms.ChoiceField(
        label="Service", choices=[("", "Tous les services"), *_choices(schema.SERVICES)], required=False
    )
    when = forms.ChoiceField(label="Horaires", choices=WHEN_CHOICES, required=False)
    day = forms.DateField(label="Jour", required=False, widget=forms.DateInput(attrs={"type": "date"}))
    time = forms.TimeField(label="Heure", required=False, widget=forms.TimeInput(attrs={"type": "time"}))
    accessible = forms.BooleanField(label="Avec une fiche d'accessibilité (Acceslibre)", required=False)

    def clean(self):
        data = super().clean()
        if data.get("when") == "date" and not (data.get("day") and data.get("time")):
            self.add_error("day", "Choisissez le jour et l'heure, ou « Peu importe ».")
        return data

    def open_at(self, now):
        """The moment the places must be open, or None."""
        when = self.cleaned_data.get("when")
        if when == "maintenant":
            return now
        if when == "date":
            naive = datetime.datetime.combine(self.cleaned_data["day"], self.cleaned_data["time"])
            return timezone.make_aware(naive)
        return None


class _ListField(forms.CharField):
    """A few values, one a line (e-mails, websites)."""

    widget = forms.Textarea(attrs={"rows": 2})

    def prepare_value(self, value):
        return "\n".join(value) if isinstance(value, list) else value

    def clean(self, value):
        value = super().clean(value) or ""
        return [line.strip() for line in value.replace(",", "\n").splitlines() if line.strip()]


class PlaceEditForm(DsfrBaseForm):
    hours = forms.CharField(
        label="Horaires d'ouverture",
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text="Syntaxe OpenStreetMap, par exemple « Mo-Fr 09:00-12:00,14:00-18:00; Sa 09:00-12:00 ».",
    )
    services = forms.MultipleChoiceField(
        label="Services proposés",
        choices=_choices(schema.SERVICES),
        widget=forms.CheckboxSelectMultiple,
        error_messages={"required": "Cochez au moins un service."},
    )
    phone = forms.CharField(label="Téléphone", required=False, max_length=40, help_text="Par exemple +33296460000.")
    emails = _ListField(label="Courriels", required=False, help_text="Un courriel par ligne.")
    website = _ListField(label="Sites web", required=False, help_text="Une adresse par ligne.")
    appointment_url = forms.URLField(
        label="Prise de rendez-vous en ligne", required=False, max_length=500, assume_scheme="https"
    )
    publics = forms.MultipleChoiceField(
        label="Publics spécifiquement adressés",
        choices=_choices(schema.PUBLICS),
        widget=forms.CheckboxSelectMultiple,
        required=False,
    )
    access_modes = forms.MultipleChoiceField(
        label="Modalités d'accès",
        choices=_choices(schema.ACCESS_MODES),
        widget=forms.CheckboxSelectMultiple,
        required=False,
    )
    support_modes = forms.MultipleChoiceField(
        label="Modalités d'accompagnement",
        choices=_choices(schema.SUPPORT_MODES),
        widget=forms.CheckboxSelectMultiple,
        required=False,
    )

    def clean_hours(self):
        hours = (self.cleaned_data.get("hours") or "").strip()
        error = opening_hours.validate(hours)
        if error:
            raise forms.ValidationError(error)
        return hours

    def clean_emails(self):
        emails = self.cleaned_data["emails"]
        validator = forms.EmailField()
        for email in emails:
            try:
                validator.clean(email)
            except forms.ValidationError:
                raise forms.ValidationError(f"« {email} » n'est pas un courriel valide.") from None
        return emails
