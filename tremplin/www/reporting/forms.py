"""Forms of the dashboards: the shared filter form (read by reporting.filters.StatsFilters, never validated here, so
that an unreadable parameter becomes a notice instead of an error page) and the share-link form."""

import datetime

from django import forms
from django.utils import timezone
from dsfr.forms import DsfrBaseForm

from tremplin.activities.enums import AdministrativeTheme, Kind, Thematique

MAX_SHARE_DAYS = 366


class DashboardFilterForm(DsfrBaseForm):
    """Fields named like the query parameters of StatsFilters (`from`, `to`, `departement`, `organisation`, `theme`,
    `type`). Shown with the values typed (unbound: `initial`), so that the page always renders."""

    def __init__(self, *args, params=None, departements=(), organisations=(), hide=(), **kwargs):
        """`departements`: [(code, name)]; `organisations`: Organisation objects; `hide`: fields the level fixes."""
        params = params or {}
        super().__init__(*args, initial={key: params.get(key, "") for key in params}, **kwargs)
        self.fields["from"] = forms.DateField(
            label="Du", required=False, widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
        )
        self.fields["to"] = forms.DateField(
            label="Au (inclus)", required=False, widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
        )
        if departements and "departement" not in hide:
            self.fields["departement"] = forms.ChoiceField(
                label="Département",
                required=False,
                choices=[("", "Tous")] + [(code, f"{code} — {name}") for code, name in departements],
            )
        if organisations and "organisation" not in hide:
            self.fields["organisation"] = forms.ChoiceField(
                label="Organisation",
                required=False,
                choices=[("", "Toutes")] + [(str(o.pk), o.name) for o in organisations],
            )
        self.fields["theme"] = forms.ChoiceField(
            label="Thématique",
            required=False,
            choices=[
                ("", "Toutes"),
                ("Médiation numérique", Thematique.choices),
                ("Démarches administratives", AdministrativeTheme.choices),
            ],
        )
        self.fields["type"] = forms.ChoiceField(
            label="Type d'activité", required=False, choices=[("", "Tous"), *Kind.choices]
        )


class ShareLinkForm(DsfrBaseForm):
    label = forms.CharField(
        label="Pour qui",
        max_length=200,
        help_text="Par exemple « Préfecture des Côtes-d'Armor — comité de pilotage ». Affiché sur la page partagée.",
    )
    expires_on = forms.DateField(
        label="Valable jusqu'au (inclus)",
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        help_text=f"Au plus {MAX_SHARE_DAYS} jours.",
    )

    def clean_expires_on(self):
        day = self.cleaned_data["expires_on"]
        today = timezone.localdate()
        if day < today:
            raise forms.ValidationError("La date de fin est passée.")
        if day > today + datetime.timedelta(days=MAX_SHARE_DAYS):
            raise forms.ValidationError(f"Un lien de partage vaut au plus {MAX_SHARE_DAYS} jours.")
        return day

    @property
    def expires_at(self) -> datetime.datetime:
        """End of the chosen day (Paris time)."""
        day = self.cleaned_data["expires_on"]
        end = datetime.datetime.combine(day, datetime.time(23, 59, 59))
        return timezone.make_aware(end)
