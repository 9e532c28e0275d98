from django import forms
from dsfr.forms import DsfrBaseForm

from tremplin.places.schema import SERVICES  # the official values of the national schema
from tremplin.referrals.enums import DeclineReason


class ServiceForm(DsfrBaseForm):
    service = forms.ChoiceField(
        label="Service dont la personne a besoin",
        choices=[("", "Tous les services")] + [(s, s) for s in SERVICES],
        required=False,
    )


class ReferralForm(DsfrBaseForm):
    place = forms.TypedChoiceField(label="Lieu", coerce=int, widget=forms.RadioSelect)
    service = forms.ChoiceField(label="Service demandé", choices=[(s, s) for s in SERVICES])
    reason = forms.CharField(
        label="Motif de l'orientation",
        max_length=300,
        help_text="En quelques mots, ce que la personne vient chercher. Il sera imprimé sur la fiche.",
    )
    note = forms.CharField(
        label="À savoir pour le lieu qui reçoit (facultatif)",
        max_length=1000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="Ce que l'accompagnant suivant doit savoir. Pas d'information de santé.",
    )

    def __init__(self, *args, choices=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["place"].choices = [
            (
                c.place.pk,
                c.place.name + (f" — {c.distance_km:.1f} km".replace(".", ",") if c.distance_km is not None else ""),
            )
            for c in choices
        ]


def _label(choice) -> str:
    place = choice.place
    label = f"{place.name} — {place.address}, {place.postcode} {place.city}"
    if choice.distance_km is not None:
        label += f" ({choice.distance_km:.1f} km)".replace(".", ",")
    return label


class DeclineForm(DsfrBaseForm):
    reason = forms.ChoiceField(label="Motif du refus", choices=[("", "Choisir un motif")] + DeclineReason.choices)
    text = forms.CharField(
        label="Précision (facultatif, obligatoire pour « Autre raison »)", max_length=300, required=False
    )

    def clean(self):
        data = super().clean()
        if data.get("reason") == DeclineReason.OTHER and not (data.get("text") or "").strip():
            self.add_error("text", "Précisez la raison du refus.")
        return data
