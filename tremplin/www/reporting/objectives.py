"""Objectives and teams screens (/pilotage/objectifs/): thin views over tremplin.reporting.objectives (figures),
perms (who) and services (writes). Mediators' names are staff data; no person accompanied is ever named here."""

import math
from dataclasses import dataclass

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_http_methods, require_POST

from tremplin.reporting import objectives as figures
from tremplin.reporting import perms, services
from tremplin.reporting.enums import ObjectiveMeasure, ObjectiveScope
from tremplin.reporting.forecast import METHOD as FORECAST_METHOD
from tremplin.reporting.models import Objective, Team, TeamMember

from .forms_objectives import ObjectiveForm, TeamForm, TeamLeaveForm, TeamMemberForm

MAX_OBJECTIVES = 30
PARTS_ON_LIST = 5
PARTS_ON_DETAIL = 50
NBSP = "\u202f"
COUNTING_METHOD = (
    "« Personnes » : personnes identifiées différentes accompagnées depuis la date de début (une personne vue "
    "plusieurs fois, dans plusieurs lieux ou par plusieurs médiateurs compte une fois ; les accompagnements "
    "anonymes ne sont pas comptés comme des personnes). « Accompagnements » : accompagnements individuels, "
    "ateliers, diagnostics et démarches sous mandat. Rythme nécessaire : ce qui reste à faire divisé par le nombre "
    "de semaines restantes. Les chiffres sont ceux de votre périmètre."
)


def fr_int(value) -> str:
    return f"{round(value):,}".replace(",", NBSP)


def _significant(value: float, *, up: bool | None = None) -> int:
    """Rounded to 3 significant digits (down, up or nearest), so that a band does not pretend to be precise."""
    if value < 1000:
        return math.floor(value) if up is False else math.ceil(value) if up else round(value)
    step = 10 ** (int(math.log10(value)) - 2)
    if up is None:
        return round(value / step) * step
    return (math.ceil(value / step) if up else math.floor(value / step)) * step


def _pace(value) -> str:
    if value is None:
        return "—"
    return f"{value:,.1f}".replace(",", NBSP).replace(".", ",") if value < 100 else fr_int(value)


def forecast_sentence(progress) -> str:
    result = progress.forecast
    deadline = f"{progress.objective.deadline:%d/%m/%Y}"
    if progress.finished:
        return f"Échéance passée : {fr_int(progress.done)} au {deadline}."
    if not result.available:
        return result.reason
    if not result.has_band:
        return f"À ce rythme : environ {fr_int(_significant(result.expected))} au {deadline} ({result.reason})"
    if result.high - result.low < 1:  # a steady pace: no band to speak of
        return f"À ce rythme : {fr_int(_significant(result.expected))} au {deadline}."
    low, high = _significant(result.low, up=False), _significant(result.high, up=True)
    return f"À ce rythme : entre {fr_int(low)} et {fr_int(high)} au {deadline}."


def _unit(objective) -> str:
    return "personnes" if objective.measure == ObjectiveMeasure.PEOPLE else "accompagnements"


@dataclass
class Row:
    """An objective as the page shows it."""

    progress: object
    sentence: str
    unit: str
    can_manage: bool
    departements: list
    mediators: list
    departements_more: int = 0
    mediators_more: int = 0

    @property
    def objective(self):
        return self.progress.objective

    @property
    def done_text(self) -> str:
        return fr_int(self.progress.done)

    @property
    def target_text(self) -> str:
        return fr_int(self.progress.target)

    @property
    def pace_needed_text(self) -> str:
        return _pace(self.progress.pace_needed)

    @property
    def recent_pace_text(self) -> str:
        return _pace(self.progress.recent_pace)

    @property
    def status_class(self) -> str:
        return {True: "success", False: "error", None: "info"}[self.progress.on_track]


@dataclass
class PartRow:
    label: str
    done: str
    share: str
    own_objective: bool
    recent_pace: str
    pace_needed: str
    percent: int
    behind: bool


def _part_rows(parts) -> list[PartRow]:
    return [
        PartRow(
            label=str(part.label),
            done=fr_int(part.done),
            share=fr_int(part.share_target),
            own_objective=part.share_source == "objectif",
            recent_pace=_pace(part.recent_pace),
            pace_needed=_pace(part.pace_needed),
            percent=part.percent,
            behind=part.behind,
        )
        for part in parts
    ]


def _scope_text(objective) -> str:
    if objective.scope == ObjectiveScope.PROGRAMME:
        return f"Programme {objective.organisation.name}"
    if objective.scope == ObjectiveScope.DEPARTEMENT:
        return f"Département : {objective.departement}"
    if objective.scope == ObjectiveScope.SITE:
        return f"Lieu : {objective.site.name}"
    return f"Médiateur : {objective.mediator.get_full_name() or objective.mediator.email}"


def _row(progress, user, *, parts: int, detail: bool = False) -> Row:
    """On the list, a programme objective shows its départements and mediators behind; on its own page, a
    département objective shows its mediators too."""
    objective = progress.objective
    departements, mediators = [], []
    if objective.scope == ObjectiveScope.PROGRAMME:
        departements = figures.departements_behind(user, objective, today=progress.today)
    if objective.scope == ObjectiveScope.PROGRAMME or (detail and objective.scope == ObjectiveScope.DEPARTEMENT):
        mediators = figures.mediators_behind(user, objective, today=progress.today)
    objective.scope_text = _scope_text(objective)
    return Row(
        progress=progress,
        sentence=forecast_sentence(progress),
        unit=_unit(objective),
        can_manage=perms.can_manage_objective(user, objective),
        departements=_part_rows(departements[:parts]),
        mediators=_part_rows(mediators[:parts]),
        departements_more=max(0, len(departements) - parts),
        mediators_more=max(0, len(mediators) - parts),
    )


def _objectives(user):
    return perms.visible_objectives(user).select_related("organisation", "departement", "site", "mediator")


def _crumbs(*items):
    return [
        ("Accueil", reverse("home:index")),
        ("Pilotage", reverse("reporting:dashboard")),
        ("Objectifs", reverse("reporting:objectives") if items else None),
        *items,
    ]


def _refuse_without_objectives(user):
    if perms.objective_scope(user) is None:
        raise PermissionDenied("Votre rôle ne donne pas accès aux objectifs.")


@login_required
def objective_list(request):
    user = request.user
    _refuse_without_objectives(user)
    chosen = list(_objectives(user)[: MAX_OBJECTIVES + 1])
    ranked = figures.ranking(chosen[:MAX_OBJECTIVES], user)
    context = {
        "title": "Objectifs",
        "breadcrumb": _crumbs(),
        "rows": [_row(progress, user, parts=PARTS_ON_LIST) for progress in ranked],
        "too_many": len(chosen) > MAX_OBJECTIVES,
        "max_objectives": MAX_OBJECTIVES,
        "can_set": perms.can_set_objectives(user),
        "can_teams": perms.can_create_team(user),
        "forecast_method": FORECAST_METHOD,
        "counting_method": COUNTING_METHOD,
        "split_method": figures.SPLIT_METHOD,
    }
    return render(request, "reporting/objective_list.html", context)


def _visible_objective(user, pk) -> Objective:
    _refuse_without_objectives(user)
    objective = _objectives(user).filter(pk=pk).first()
    if objective is None:
        raise Http404("Objectif introuvable.")
    return objective


@login_required
def objective_detail(request, pk):
    user = request.user
    objective = _visible_objective(user, pk)
    row = _row(figures.progress(objective, user), user, parts=PARTS_ON_DETAIL, detail=True)
    context = {
        "title": objective.label,
        "breadcrumb": _crumbs((objective.label, None)),
        "row": row,
        "forecast_method": FORECAST_METHOD,
        "counting_method": COUNTING_METHOD,
        "split_method": figures.SPLIT_METHOD,
    }
    return render(request, "reporting/objective_detail.html", context)


def _add_errors(form, error: ValidationError) -> None:
    if hasattr(error, "error_dict"):
        for field, errors in error.message_dict.items():
            form.add_error(field if field in form.fields else None, errors)
    else:
        form.add_error(None, error.messages)


@login_required
@require_http_methods(["GET", "POST"])
def objective_create(request):
    user = request.user
    if not perms.can_set_objectives(user):
        raise PermissionDenied("Seuls les pilotes nationaux et les coordinateurs fixent des objectifs.")
    form = ObjectiveForm(request.POST or None, user=user)
    if request.method == "POST" and form.is_valid():
        try:
            objective = services.objective_create(by=user, **form.cleaned_data)
        except ValidationError as error:
            _add_errors(form, error)
        else:
            messages.success(request, f"Objectif « {objective.label} » enregistré.")
            return redirect("reporting:objective", pk=objective.pk)
    context = {
        "title": "Nouvel objectif",
        "breadcrumb": _crumbs(("Nouvel objectif", None)),
        "form": form,
        "cancel_url": reverse("reporting:objectives"),
    }
    return render(request, "reporting/objective_form.html", context)


def _managed_objective(user, pk) -> Objective:
    objective = _visible_objective(user, pk)
    if not perms.can_manage_objective(user, objective):
        raise PermissionDenied("Vous ne pouvez pas modifier cet objectif.")
    return objective


FORM_FIELDS = (
    "label",
    "scope",
    "organisation",
    "departement",
    "site",
    "mediator",
    "measure",
    "target",
    "starts_on",
    "deadline",
)


@login_required
@require_http_methods(["GET", "POST"])
def objective_update(request, pk):
    user = request.user
    objective = _managed_objective(user, pk)
    initial = {name: getattr(objective, name) for name in FORM_FIELDS}
    form = ObjectiveForm(request.POST or None, user=user, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            services.objective_update(objective=objective, by=user, **form.cleaned_data)
        except ValidationError as error:
            _add_errors(form, error)
        else:
            messages.success(request, "Objectif modifié.")
            return redirect("reporting:objective", pk=objective.pk)
    context = {
        "title": f"Modifier l'objectif « {objective.label} »",
        "breadcrumb": _crumbs(
            (objective.label, reverse("reporting:objective", args=[objective.pk])), ("Modifier", None)
        ),
        "form": form,
        "cancel_url": reverse("reporting:objective", args=[objective.pk]),
    }
    return render(request, "reporting/objective_form.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def objective_delete(request, pk):
    user = request.user
    objective = _managed_objective(user, pk)
    if request.method == "POST":
        try:
            services.objective_delete(objective=objective, by=user)
        except ValidationError as error:
            raise PermissionDenied(" ".join(error.messages)) from error
        messages.success(request, f"Objectif « {objective.label} » supprimé.")
        return redirect("reporting:objectives")
    context = {
        "title": f"Supprimer l'objectif « {objective.label} »",
        "breadcrumb": _crumbs(
            (objective.label, reverse("reporting:objective", args=[objective.pk])), ("Supprimer", None)
        ),
        "objective": objective,
    }
    return render(request, "reporting/objective_confirm_delete.html", context)


# --- teams ------------------------------------------------------------------------------------------------------


def _team_crumbs(*items):
    return _crumbs(("Équipes", reverse("reporting:teams") if items else None), *items)


@login_required
@require_http_methods(["GET", "POST"])
def team_list(request):
    user = request.user
    if not perms.can_create_team(user) and not perms.visible_teams(user).exists():
        raise PermissionDenied("Votre rôle ne donne pas accès aux équipes.")
    form = TeamForm(request.POST or None, user=user) if perms.can_create_team(user) else None
    if request.method == "POST":
        if form is None:
            raise PermissionDenied("Vous ne pouvez pas créer d'équipe.")
        if form.is_valid():
            try:
                team = services.team_create(by=user, **form.cleaned_data)
            except ValidationError as error:
                _add_errors(form, error)
            else:
                messages.success(request, f"Équipe « {team.name} » créée.")
                return redirect("reporting:team_members", pk=team.pk)
    teams = list(perms.visible_teams(user).select_related("coordinator", "organisation").order_by("name"))
    context = {"title": "Équipes", "breadcrumb": _team_crumbs(), "teams": teams, "form": form}
    return render(request, "reporting/team_list.html", context)


def _visible_team(user, pk) -> Team:
    team = perms.visible_teams(user).select_related("coordinator", "organisation").filter(pk=pk).first()
    if team is None:
        raise Http404("Équipe introuvable.")
    return team


@login_required
@require_http_methods(["GET", "POST"])
def team_members(request, pk):
    user = request.user
    team = _visible_team(user, pk)
    can_manage = perms.can_manage_team(user, team)
    add_form = None
    if can_manage:
        add_form = TeamMemberForm(request.POST or None, candidates=perms.team_candidates(user, team))
    if request.method == "POST":
        if not can_manage:
            raise PermissionDenied("Vous ne gérez pas cette équipe.")
        if add_form.is_valid():
            try:
                member = services.team_member_add(team=team, by=user, **add_form.cleaned_data)
            except ValidationError as error:
                _add_errors(add_form, error)
            else:
                name = member.mediator.get_full_name() or member.mediator.email
                messages.success(request, f"{name} fait partie de l'équipe depuis le {member.joined_on:%d/%m/%Y}.")
                return redirect("reporting:team_members", pk=team.pk)
    members = list(team.members.select_related("mediator").order_by("left_on", "joined_on", "pk"))
    for member in members:
        member.name = member.mediator.get_full_name() or member.mediator.email
        if can_manage and member.left_on is None:
            member.leave_form = TeamLeaveForm(prefix=f"depart-{member.pk}")
    context = {
        "title": f"Équipe « {team.name} »",
        "breadcrumb": _team_crumbs((team.name, None)),
        "team": team,
        "members": members,
        "current": [m for m in members if m.left_on is None],
        "former": [m for m in members if m.left_on is not None],
        "add_form": add_form,
        "can_manage": can_manage,
        "dashboard_url": reverse("reporting:team", args=[team.pk]),
    }
    return render(request, "reporting/team_members.html", context)


@login_required
@require_POST
def team_member_leave(request, pk):
    user = request.user
    member = get_object_or_404(TeamMember.objects.select_related("team", "mediator"), pk=pk)
    team = _visible_team(user, member.team_id)
    if not perms.can_manage_team(user, team):
        raise PermissionDenied("Vous ne gérez pas cette équipe.")
    form = TeamLeaveForm(request.POST, prefix=f"depart-{member.pk}")
    name = member.mediator.get_full_name() or member.mediator.email
    if form.is_valid():
        try:
            services.team_member_leave(member=member, left_on=form.cleaned_data["left_on"], by=user)
        except ValidationError as error:
            for message in error.messages:
                messages.error(request, f"{name} : {message}")
        else:
            messages.success(request, f"{name} a quitté l'équipe le {form.cleaned_data['left_on']:%d/%m/%Y}.")
    else:
        messages.error(request, f"{name} : indiquez une date de départ valide (JJ/MM/AAAA).")
    return redirect("reporting:team_members", pk=team.pk)
