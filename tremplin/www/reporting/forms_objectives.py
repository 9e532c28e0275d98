"""Forms of the objectives and teams screens. Choices are limited to what the user may set (tremplin.reporting.perms);
the services check again."""

from django import forms
from django.db.models import Q
from django.utils import timezone
from dsfr.forms import DsfrBaseForm

from tremplin.accounts.perms import visible_departements, visible_sites
from tremplin.network.models import Organisation
from tremplin.reporting import perms
from tremplin.reporting.enums import ObjectiveMeasure, ObjectiveScope


def _date_widget():
    return forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


class StaffChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj):
        return obj.get_full_name() or obj.email


class SiteChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj):
        return f"{obj.name} — {obj.commune.name}" if obj.commune_id else obj.name


class ObjectiveForm(DsfrBaseForm):
    label = forms.CharField(
        label="Intitulé",
        max_length=200,
        help_text="Par exemple « 320 000 personnes accompagnées d'ici fin 2023 ».",
    )
    scope = forms.ChoiceField(label="Périmètre", choices=ObjectiveScope.choices)
    organisation = forms.ModelChoiceField(label="Programme de", queryset=Organisation.objects.none())
    departement = forms.ModelChoiceField(label="Département (périmètre « Département »)", queryset=None, required=False)
    site = SiteChoiceField(label="Lieu (périmètre « Lieu »)", queryset=None, required=False)
    mediator = StaffChoiceField(label="Médiateur (périmètre « Médiateur »)", queryset=None, required=False)
    measure = forms.ChoiceField(label="Ce que l'on compte", choices=ObjectiveMeasure.choices)
    target = forms.IntegerField(label="Cible", min_value=1, max_value=100_000_000)
    starts_on = forms.DateField(label="Compté depuis le", widget=_date_widget())
    deadline = forms.DateField(label="Échéance (incluse)", widget=_date_widget())

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user
        if user.is_national:
            organisations = Organisation.objects.all()
            sites = visible_sites(user).filter(staff__isnull=False)
        else:
            organisations = Organisation.objects.filter(
                Q(pk=user.organisation_id) | Q(pk__in=user.memberships.values("organisation_id"))
            )
            sites = visible_sites(user)
            self.fields["scope"].choices = [c for c in ObjectiveScope.choices if c[0] != ObjectiveScope.PROGRAMME]
        self.fields["organisation"].queryset = organisations.order_by("name")
        self.fields["departement"].queryset = visible_departements(user)
        self.fields["site"].queryset = sites.select_related("commune").distinct().order_by("name")
        self.fields["mediator"].queryset = (
            perms.objective_mediators(user).distinct().order_by("last_name", "first_name")
        )
        if not self.is_bound and "starts_on" not in self.initial:
            today = timezone.localdate()
            self.initial.setdefault("starts_on", today.replace(month=1, day=1))
            self.initial.setdefault("deadline", today.replace(month=12, day=31))

    def clean(self):
        data = super().clean()
        scope = data.get("scope")
        needed = {
            ObjectiveScope.DEPARTEMENT: "departement",
            ObjectiveScope.SITE: "site",
            ObjectiveScope.MEDIATOR: "mediator",
        }
        field = needed.get(scope)
        if field and not data.get(field):
            self.add_error(field, "Ce champ est obligatoire pour ce périmètre.")
        starts_on, deadline = data.get("starts_on"), data.get("deadline")
        if starts_on and deadline and deadline <= starts_on:
            self.add_error("deadline", "L'échéance doit être après la date de début.")
        return data


class TeamForm(DsfrBaseForm):
    name = forms.CharField(label="Nom de l'équipe", max_length=200)
    organisation = forms.ModelChoiceField(label="Organisation", queryset=Organisation.objects.none())

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        if user.is_national:
            self.fields["organisation"].queryset = Organisation.objects.order_by("name")
        else:
            self.fields["organisation"].queryset = Organisation.objects.filter(
                Q(pk=user.organisation_id) | Q(pk__in=user.memberships.values("organisation_id"))
            ).order_by("name")
        if self.fields["organisation"].queryset.count() == 1:
            self.initial.setdefault("organisation", self.fields["organisation"].queryset.first())


class TeamMemberForm(DsfrBaseForm):
    mediator = StaffChoiceField(label="Médiateur à ajouter", queryset=None)
    joined_on = forms.DateField(label="Arrivé le", widget=_date_widget())

    def __init__(self, *args, candidates, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["mediator"].queryset = candidates.order_by("last_name", "first_name")
        self.initial.setdefault("joined_on", timezone.localdate())


class TeamLeaveForm(DsfrBaseForm):
    left_on = forms.DateField(label="Parti le (inclus)", widget=_date_widget())

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.initial.setdefault("left_on", timezone.localdate())
