import datetime

from django import forms
from django.utils import timezone
from dsfr.forms import DsfrBaseForm

from tremplin.accounts.enums import Role
from tremplin.accounts.models import User
from tremplin.beneficiaries.models import PHONE_VALIDATOR, normalize_phone
from tremplin.workshops.enums import Thematique, WorkshopLevel
from tremplin.workshops.models import Programme
from tremplin.workshops.perms import session_leaders
from tremplin.workshops.services import MAX_SERIES_WEEKS
from tremplin.www.beneficiaries.forms import BirthYearField


class ProgrammeForm(DsfrBaseForm):
    title = forms.CharField(label="Intitulé", max_length=200)
    theme = forms.ChoiceField(label="Thématique", choices=Thematique.choices)
    level = forms.ChoiceField(label="Niveau", choices=WorkshopLevel.choices)
    duration_minutes = forms.IntegerField(label="Durée (minutes)", min_value=15, max_value=480, initial=90)
    objective = forms.CharField(
        label="Objectif : à la fin, la personne sait, seule…",
        max_length=300,
        help_text="Ex. : crée une adresse e-mail et envoie une pièce jointe.",
    )
    prerequisites = forms.CharField(label="Prérequis", required=False, widget=forms.Textarea(attrs={"rows": 2}))
    equipment = forms.CharField(label="Matériel", required=False, widget=forms.Textarea(attrs={"rows": 2}))
    is_active = forms.BooleanField(label="Proposé au catalogue", required=False, initial=True)


class SessionForm(DsfrBaseForm):
    programme = forms.ModelChoiceField(label="Atelier", queryset=Programme.objects.none())
    site = forms.ModelChoiceField(label="Lieu", queryset=None, required=False)
    is_remote = forms.BooleanField(label="À distance (visioconférence)", required=False)
    mediator = forms.ModelChoiceField(label="Médiateur ou médiatrice", queryset=User.objects.none(), required=False)
    date = forms.DateField(label="Date", widget=forms.DateInput(attrs={"type": "date"}))
    start_time = forms.TimeField(label="Heure de début", widget=forms.TimeInput(attrs={"type": "time"}))
    end_time = forms.TimeField(
        label="Heure de fin",
        required=False,
        widget=forms.TimeInput(attrs={"type": "time"}),
        help_text="Laissée vide : selon la durée de l'atelier.",
    )
    capacity = forms.IntegerField(label="Nombre de places", min_value=1, max_value=200, initial=10)
    equipment_lent = forms.CharField(
        label="Matériel prêté", required=False, max_length=200, help_text="Ex. : 8 tablettes, 2 ordinateurs."
    )
    weeks = forms.IntegerField(
        label="Répéter chaque semaine pendant (semaines)",
        min_value=1,
        max_value=MAX_SERIES_WEEKS,
        initial=1,
        help_text="1 : une seule séance. 6 : la même séance six semaines de suite.",
    )

    def __init__(self, *args, sites, user, with_weeks=True, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["programme"].queryset = Programme.objects.filter(is_active=True)
        self.fields["site"].queryset = sites
        self.user = user
        if user.role == Role.MEDIATOR:
            del self.fields["mediator"]
        else:
            self.fields["mediator"].queryset = session_leaders(user).order_by("last_name", "first_name", "pk")
            self.fields["mediator"].required = True
            if user.role == Role.PARTNER_STAFF:
                self.fields["mediator"].label = "Animée par"
                self.fields["mediator"].initial = self.initial.get("mediator") or user.pk
        if not with_weeks:
            del self.fields["weeks"]

    def clean(self):
        data = super().clean()
        if not data.get("site") and not data.get("is_remote"):
            self.add_error("site", "Choisissez un lieu, ou cochez « à distance ».")
        if data.get("date") and data.get("start_time"):
            starts_at = timezone.make_aware(datetime.datetime.combine(data["date"], data["start_time"]))
            data["starts_at"] = starts_at
            data["ends_at"] = None
            if data.get("end_time"):
                ends_at = timezone.make_aware(datetime.datetime.combine(data["date"], data["end_time"]))
                if ends_at <= starts_at:
                    self.add_error("end_time", "L'heure de fin doit être après l'heure de début.")
                data["ends_at"] = ends_at
        return data


class PublicBookingForm(DsfrBaseForm):
    session = forms.TypedChoiceField(label="Choisissez une date", coerce=int, widget=forms.RadioSelect)
    first_name = forms.CharField(
        label="Votre prénom", max_length=100, widget=forms.TextInput({"autocomplete": "given-name"})
    )
    last_name = forms.CharField(
        label="Votre nom", max_length=100, widget=forms.TextInput({"autocomplete": "family-name"})
    )
    phone = forms.CharField(
        label="Votre numéro de téléphone",
        max_length=20,
        help_text="Portable ou fixe, par exemple 06 12 34 56 78. Nous vous enverrons un rappel.",
        widget=forms.TextInput({"autocomplete": "tel", "inputmode": "tel", "type": "tel"}),
    )
    # The bounds and their message are the record's (this year, not the year the server started).
    birth_year = BirthYearField(label="Votre année de naissance (facultatif)", required=False)
    callback_requested = forms.BooleanField(label="Je préfère qu'on m'appelle pour confirmer", required=False)
    consent = forms.BooleanField(
        label="J'accepte que ces informations soient enregistrées pour organiser l'atelier et me prévenir.",
        help_text="Vous pouvez demander à tout moment à les voir, les corriger ou les supprimer.",
    )
    # Honeypot: invisible to people, filled in by robots.
    website = forms.CharField(label="Ne pas remplir ce champ", required=False)

    def __init__(self, *args, sessions, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["session"].choices = [(s.pk, s.public_label) for s in sessions]
        self.fields["session"].error_messages["required"] = "Choisissez une date."
        self.fields["consent"].error_messages["required"] = "Cochez cette case pour pouvoir vous inscrire."

    def clean_phone(self):
        phone = normalize_phone(self.cleaned_data["phone"])
        PHONE_VALIDATOR(phone)
        return phone
