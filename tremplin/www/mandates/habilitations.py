"""Habilitation screens: the managers' list per département, one mediator's path and decisions, and the
mediator's own page ("Mon habilitation"). Thin views: rules live in tremplin.mandates.habilitation.

Staff names are shown here (mediators, trainers, deciders): they are staff, not the people helped."""

from dataclasses import dataclass

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db.models import Count, F, IntegerField, OuterRef, Prefetch, Subquery
from django.db.models.functions import Coalesce
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_http_methods, require_POST
from django_otp import user_has_device
from dsfr.forms import DsfrBaseForm

from tremplin.accounts.models import User
from tremplin.mandates import habilitation as services
from tremplin.mandates.enums import HabilitationStatus, JournalAction, TrainingModule
from tremplin.mandates.habilitation_perms import (
    can_request_own_habilitation,
    can_view_habilitations,
    habilitation_departements,
    habilitation_subjects,
)
from tremplin.mandates.models import Habilitation, JournalEntry, TrainingStep
from tremplin.network.models import Site

H = HabilitationStatus
PAGE_SIZE = 50
HISTORY_SIZE = 100
STATE_FILTERS = [
    (services.NONE, "Non demandée"),
    *H.choices,
    (services.TO_RECHECK, "À revérifier (six mois sans utilisation)"),
]
MOTIFS = {services.BY_DECISION: "décision", services.BY_INACTIVITY: "six mois sans utilisation"}


# --- forms -----------------------------------------------------------------------------------------


class ConfirmForm(DsfrBaseForm):
    """An action with nothing to fill in (request, re-check): the button is the decision."""


class TrainingStepForm(DsfrBaseForm):
    module = forms.ChoiceField(label="Module", choices=TrainingModule.choices)
    completed_on = forms.DateField(label="Suivi le", widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"))
    trainer = forms.CharField(label="Formateur ou formatrice", max_length=120)

    def __init__(self, *args, remaining=None, **kwargs):
        super().__init__(*args, **kwargs)
        if remaining is not None:
            self.fields["module"].choices = [(module.value, module.label) for module in remaining]


class GrantForm(DsfrBaseForm):
    certificate_number = forms.CharField(label="Numéro du certificat", max_length=60)
    certified_on = forms.DateField(
        label="Certifié le", widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
    )
    skills_score = forms.IntegerField(
        label="Score au test de compétences (sur 100)",
        min_value=0,
        max_value=100,
        help_text=f"Au moins {services.PASS_SCORE}/100 pour être habilité.",
    )


class ReasonForm(DsfrBaseForm):
    reason = forms.CharField(label="Motif", max_length=300, widget=forms.Textarea(attrs={"rows": 2}))


@dataclass(frozen=True)
class Action:
    title: str
    button: str
    form: type[DsfrBaseForm]
    done: str  # the success message


ACTIONS = {
    "request": Action(
        "Inscrire à la formation", "Enregistrer la demande", ConfirmForm, "La demande d'habilitation est enregistrée."
    ),
    "step": Action(
        "Enregistrer un module suivi", "Enregistrer le module", TrainingStepForm, "Le module suivi est enregistré."
    ),
    "grant": Action("Habiliter", "Habiliter le médiateur", GrantForm, "Le médiateur est habilité."),
    "suspend": Action("Suspendre l'habilitation", "Suspendre", ReasonForm, "L'habilitation est suspendue."),
    "recheck": Action("Revérifier et rétablir", "Rétablir l'habilitation", ConfirmForm, "L'habilitation est rétablie."),
    "withdraw": Action("Retirer l'habilitation", "Retirer", ReasonForm, "L'habilitation est retirée."),
}


def _status(habilitation):
    return None if habilitation is None else habilitation.status


def allowed_actions(habilitation: Habilitation | None, missing: list) -> list[str]:
    """Which decisions the current state allows (the viewer's right to decide is checked by the scope)."""
    status = _status(habilitation)
    allowed = {
        "request": status in (None, H.WITHDRAWN),
        "step": status in (H.REQUESTED, H.IN_TRAINING) and bool(missing),
        "grant": status == H.IN_TRAINING and not missing,
        "suspend": status == H.HABILITATED,
        "recheck": status == H.SUSPENDED and bool(habilitation.certificate_number),
        "withdraw": status not in (None, H.WITHDRAWN),
    }
    return [name for name in ACTIONS if allowed[name]]


def _form(name: str, data=None, missing=None):
    form_class = ACTIONS[name].form
    kwargs = {"remaining": missing} if form_class is TrainingStepForm else {}
    return form_class(data, prefix=name, **kwargs)


# --- helpers ---------------------------------------------------------------------------------------


def _crumbs(*items):
    return [("Accueil", reverse("home:index")), *items]


def _require_manager(user) -> None:
    if not can_view_habilitations(user):
        raise PermissionDenied("Cette page est réservée aux coordinateurs et aux pilotes du programme.")


def _habilitation_of(user) -> Habilitation | None:
    try:
        return user.habilitation
    except Habilitation.DoesNotExist:
        return None


def _subject_or_404(request, user_id) -> User:
    subject = (
        habilitation_subjects(request.user)
        .select_related("organisation", "habilitation__status_changed_by")
        .prefetch_related(Prefetch("habilitation__steps", queryset=TrainingStep.objects.all()))
        .filter(pk=user_id)
        .first()
    )
    if subject is None:
        raise Http404("Médiateur introuvable")
    return subject


def _label(choices, code) -> str:
    try:
        return choices(code).label
    except ValueError:
        return "—" if code is None else str(code)


def _history(subject: User) -> list[dict]:
    entries = (
        JournalEntry.objects.filter(action=JournalAction.HABILITATION_CHANGED, details__user=subject.pk)
        .select_related("actor")
        .order_by("-position")[:HISTORY_SIZE]
    )
    return [
        {
            "entry": entry,
            "from": _label(H, entry.details.get("from")) if entry.details.get("from") else "Aucune",
            "to": _label(H, entry.details.get("to")),
            "module": _label(TrainingModule, entry.details["module"]) if entry.details.get("module") else "",
            "motif": MOTIFS.get(entry.details.get("motif"), ""),
        }
        for entry in entries
    ]


# --- managers' list --------------------------------------------------------------------------------


@login_required
def habilitation_list(request):
    viewer = request.user
    _require_manager(viewer)
    now = timezone.now()
    subjects = habilitation_subjects(viewer)
    staff = User.sites.through.objects.filter(user__in=subjects.values("pk"))
    by_departement = list(
        staff.filter(site__commune__departement__in=habilitation_departements(viewer).values("code"))
        .values(code=F("site__commune__departement"), name=F("site__commune__departement__name"))
        .annotate(**services.state_counts(now=now, prefix="user__"))
        .order_by("code")
    )
    totals = subjects.aggregate(**services.state_counts(now=now))
    codes = {row["code"] for row in by_departement}

    rows = subjects
    state = request.GET.get("etat", "")
    if state in dict(STATE_FILTERS):
        rows = rows.filter(services.user_state_q(state, now=now))
    departement = request.GET.get("departement", "")
    if departement:
        in_departement = staff.filter(site__commune__departement=departement).values("user_id")
        rows = rows.filter(pk__in=in_departement) if departement in codes else rows.none()
    modules_done = (
        TrainingStep.objects.filter(habilitation__user=OuterRef("pk"))
        .order_by()
        .values("habilitation")
        .annotate(n=Count("pk"))
        .values("n")
    )
    rows = (
        rows.select_related("habilitation", "organisation")
        .annotate(modules_done=Coalesce(Subquery(modules_done, output_field=IntegerField()), 0))
        .prefetch_related(Prefetch("sites", queryset=Site.objects.select_related("commune").order_by("name")))
        .order_by("last_name", "first_name", "pk")
    )
    page = Paginator(rows, PAGE_SIZE).get_page(request.GET.get("page"))
    for subject in page:
        subject.habilitation_or_none = _habilitation_of(subject)
        subject.to_recheck = services.needs_recheck(subject.habilitation_or_none, now=now)
        subject.departement_codes = sorted(
            {site.commune.departement_id for site in subject.sites.all() if site.commune}
        )
    context = {
        "title": "Habilitation des médiateurs",
        "breadcrumb": _crumbs(("Habilitation des médiateurs", None)),
        "by_departement": by_departement,
        "totals": totals,
        "page": page,
        "state": state,
        "departement": departement,
        "state_filters": STATE_FILTERS,
        "module_count": len(TrainingModule),
        "pass_score": services.PASS_SCORE,
    }
    return render(request, "mandates/habilitation_list.html", context)


# --- one mediator ----------------------------------------------------------------------------------


def _detail(request, subject: User, *, bound: dict | None = None, status: int = 200):
    habilitation = _habilitation_of(subject)
    missing = services.missing_modules(habilitation)
    bound = bound or {}
    actions = [
        {
            "name": name,
            "title": ACTIONS[name].title,
            "button": ACTIONS[name].button,
            "form": bound.get(name) or _form(name, missing=missing),
            "url": reverse(f"mandates:habilitation_{name}", args=[subject.pk]),
        }
        for name in allowed_actions(habilitation, missing)
    ]
    context = {
        "title": f"Habilitation — {subject.get_full_name() or subject.email}",
        "breadcrumb": _crumbs(
            ("Habilitation des médiateurs", reverse("mandates:habilitation_list")), (subject.get_full_name(), None)
        ),
        "subject": subject,
        "habilitation": habilitation,
        "steps": habilitation.steps.all() if habilitation else [],
        "missing": missing,
        "module_count": len(TrainingModule),
        "refusal": services.habilitation_block(subject),
        "to_recheck": services.needs_recheck(habilitation),
        "history": _history(subject),
        "actions": actions,
        "pass_score": services.PASS_SCORE,
    }
    return render(request, "mandates/habilitation_detail.html", context, status=status)


@login_required
def habilitation_detail(request, user_id):
    _require_manager(request.user)
    return _detail(request, _subject_or_404(request, user_id))


def _run(name: str, *, subject: User, habilitation: Habilitation | None, data: dict, by):
    if name == "request":
        return services.habilitation_request(user=subject, by=by)
    if habilitation is None:
        raise ValidationError("Ce médiateur n'a pas encore demandé d'habilitation.")
    if name == "step":
        return services.training_step_record(habilitation=habilitation, by=by, **data)
    if name == "grant":
        return services.habilitation_grant(habilitation=habilitation, by=by, **data)
    if name == "suspend":
        return services.habilitation_suspend(habilitation=habilitation, by=by, **data)
    if name == "withdraw":
        return services.habilitation_withdraw(habilitation=habilitation, by=by, **data)
    return services.habilitation_recheck(habilitation=habilitation, by=by)


@login_required
@require_POST
def habilitation_action(request, user_id, action):
    _require_manager(request.user)
    subject = _subject_or_404(request, user_id)
    habilitation = _habilitation_of(subject)
    missing = services.missing_modules(habilitation)
    form = _form(action, request.POST, missing=missing)
    shown = action in allowed_actions(habilitation, missing)
    if form.is_valid():
        try:
            _run(action, subject=subject, habilitation=habilitation, data=form.cleaned_data, by=request.user)
        except ValidationError as error:
            if not shown:  # the form is not on the page any more (state changed meanwhile): say why, plainly
                for message in error.messages:
                    messages.error(request, message)
                return redirect("mandates:habilitation_detail", subject.pk)
            form.add_error(None, error)
        else:
            messages.success(request, ACTIONS[action].done)
            return redirect("mandates:habilitation_detail", subject.pk)
    elif not shown:
        messages.error(request, "Cette décision n'est pas possible dans l'état actuel de l'habilitation.")
        return redirect("mandates:habilitation_detail", subject.pk)
    return _detail(request, subject, bound={action: form})


# --- the mediator's own page -----------------------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def habilitation_mine(request):
    user = request.user
    if not can_request_own_habilitation(user):
        raise PermissionDenied(
            "L'habilitation à agir pour une personne concerne les médiateurs "
            "et le personnel des structures partenaires."
        )
    if request.method == "POST":
        try:
            services.habilitation_request(user=user, by=user)
        except ValidationError as error:
            for message in error.messages:
                messages.error(request, message)
        else:
            messages.success(
                request,
                "Votre demande d'habilitation est enregistrée : votre coordinateur vous inscrira à la formation.",
            )
        return redirect("mandates:habilitation_mine")
    habilitation = Habilitation.objects.filter(user=user).prefetch_related("steps").first()
    missing = services.missing_modules(habilitation)
    context = {
        "title": "Mon habilitation",
        "breadcrumb": _crumbs(("Mon habilitation", None)),
        "habilitation": habilitation,
        "steps": habilitation.steps.all() if habilitation else [],
        "missing": missing,
        "module_count": len(TrainingModule),
        "refusal": services.habilitation_block(user),
        "has_device": user_has_device(user, confirmed=True),
        "to_recheck": services.needs_recheck(habilitation),
        "can_request": _status(habilitation) in (None, H.WITHDRAWN),
        "pass_score": services.PASS_SCORE,
    }
    return render(request, "mandates/habilitation_mine.html", context)
