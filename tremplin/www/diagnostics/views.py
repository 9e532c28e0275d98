"""Counter screening, diagnostic, result page and the person's one-page summary (PDF)."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import urlencode
from django.views.decorators.http import require_http_methods

from tremplin.beneficiaries import perms as beneficiary_perms
from tremplin.beneficiaries.enums import AccessPurpose
from tremplin.beneficiaries.models import Beneficiary
from tremplin.diagnostics import questionnaire as questionnaires
from tremplin.diagnostics import scoring, selectors, services
from tremplin.diagnostics.enums import (
    THEME_PLAIN_WORDS,
    Area,
    AreaLevel,
    Autonomy,
    InseeClass,
    Thematique,
    WorkshopLevel,
)
from tremplin.diagnostics.models import Diagnostic
from tremplin.diagnostics.perms import visible_screenings
from tremplin.referrals import perms as referral_perms
from tremplin.www.beneficiaries.views import get_visible_person_or_404

from .forms import SCREENING_QUESTIONS, DiagnosticForm, ScreeningForm
from .pdf import summary_pdf

# What the result means, in plain words, for the staff page and the person's summary.
PROFILES = {
    InseeClass.ILLECTRONISME: ("Grand débutant", "Internet est encore nouveau : on commence par les premiers pas."),
    InseeClass.LOW_CAPACITY: ("En progrès", "Vous savez déjà faire des choses. Quelques ateliers vous aideront."),
    InseeClass.AUTONOMOUS: ("Autonome", "Vous vous débrouillez bien sur Internet."),
}
LEVEL_WORDS = {
    scoring.NONE: "À découvrir",
    scoring.BASIC: "Les bases",
    scoring.ABOVE_BASIC: "Bien",
}


def _crumbs(*items):
    return [("Accueil", reverse("home:index")), *items]


@login_required
@require_http_methods(["GET", "POST"])
def screening_new(request):
    user = request.user
    if not beneficiary_perms.can_screen(user):
        raise PermissionDenied("Votre rôle ne permet pas de faire un repérage.")
    person = None
    person_pk = request.GET.get("personne") or request.POST.get("personne")
    if person_pk:
        person = get_visible_person_or_404(request, person_pk, purpose=AccessPurpose.SCREENING)
    form = ScreeningForm(request.POST or None, sites=beneficiary_perms.recording_sites(user))
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            screening = services.screening_create(
                performed_by=user,
                organisation=user.organisation,
                site=data["site"],
                beneficiary=person,
                **{name: data[name] for name in SCREENING_QUESTIONS},
            )
        except ValidationError as error:
            form.add_error(None, error)
        else:
            return redirect("diagnostics:screening_result", pk=screening.pk)
    crumbs = [("Repérage au guichet", None)]
    if person:
        crumbs.insert(0, (person.display_name, reverse("beneficiaries:detail", args=[person.pk])))
    context = {"title": "Repérage au guichet", "breadcrumb": _crumbs(*crumbs), "form": form, "person": person}
    return render(request, "diagnostics/screening_form.html", context)


@login_required
def screening_result(request, pk):
    screening = get_object_or_404(
        visible_screenings(request.user).select_related("beneficiary", "site", "performed_by"), pk=pk
    )
    person = None
    if screening.beneficiary_id:
        person = get_visible_person_or_404(
            request, screening.beneficiary_id, purpose=AccessPurpose.SCREENING, about=f"repérage n° {screening.pk}"
        )
    context = {
        "person": person,
        "title": "Résultat du repérage",
        "breadcrumb": _crumbs(("Repérage au guichet", reverse("diagnostics:screening")), ("Résultat", None)),
        "screening": screening,
        "questions": [(label, getattr(screening, name)) for name, label in SCREENING_QUESTIONS.items()],
        "can_record": beneficiary_perms.can_record_beneficiary(request.user),
        "can_refer": person is not None and referral_perms.can_refer(request.user, person),
    }
    return render(request, "diagnostics/screening_result.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def diagnostic_new(request, person_pk):
    user = request.user
    if not beneficiary_perms.can_assess(user):
        raise PermissionDenied("Votre rôle ne permet pas de faire un diagnostic.")
    person = get_visible_person_or_404(request, person_pk, purpose=AccessPurpose.DIAGNOSTIC)
    questionnaire = questionnaires.current()
    previous = person.diagnostics.order_by("-performed_at", "-pk").first()
    initial = {"site": person.site_id}
    if previous is not None:
        initial |= {f"usage_{k}": v for k, v in previous.use_cases.items()} | {"equipment": previous.equipment}
    form = DiagnosticForm(
        request.POST or None,
        questionnaire=questionnaire,
        sites=beneficiary_perms.recording_sites(user),
        initial=initial,
    )
    if request.method == "POST" and form.is_valid():
        try:
            diagnostic = services.diagnostic_create(
                beneficiary=person,
                performed_by=user,
                site=form.cleaned_data["site"] or person.site,
                internet_last_3_months=form.cleaned_data["internet_last_3_months"],
                answers=form.answers(),
                use_cases=form.use_cases(),
                equipment=form.cleaned_data["equipment"],
                questionnaire=questionnaire,
            )
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, "Le diagnostic est enregistré.")
            return redirect("diagnostics:detail", pk=diagnostic.pk)
    context = {
        "title": "Réévaluation" if previous else "Diagnostic numérique",
        "breadcrumb": _crumbs(
            ("Personnes", reverse("beneficiaries:list")),
            (person.display_name, reverse("beneficiaries:detail", args=[person.pk])),
            ("Diagnostic", None),
        ),
        "form": form,
        "person": person,
        "questionnaire": questionnaire,
        "is_reassessment": previous is not None,
    }
    return render(request, "diagnostics/diagnostic_form.html", context)


def _visible_diagnostic(request, pk, purpose) -> Diagnostic:
    diagnostic = Diagnostic.objects.filter(pk=pk).only("pk", "beneficiary_id").first()
    if diagnostic is None:
        raise Http404("Diagnostic introuvable")
    person = get_visible_person_or_404(
        request, diagnostic.beneficiary_id, purpose=purpose, queryset=Beneficiary.objects.select_related("commune")
    )
    diagnostic = Diagnostic.objects.select_related("performed_by", "site").get(pk=pk)
    diagnostic.beneficiary = person
    return diagnostic


def _themes(items) -> list[dict]:
    return [
        {
            "value": item.theme,
            "label": Thematique(item.theme).label,
            "plain": THEME_PLAIN_WORDS.get(item.theme, Thematique(item.theme).label),
            "reasons": item.reasons,
        }
        for item in items
    ]


def _result_context(diagnostic: Diagnostic) -> dict:
    """What the result page and the person's PDF show; the learning path is the same for both."""
    questionnaire = questionnaires.load(diagnostic.questionnaire_id, diagnostic.questionnaire_version)
    path = selectors.learning_path(diagnostic)
    autonomy_labels, level_labels = dict(Autonomy.choices), dict(AreaLevel.choices)
    profile, profile_text = PROFILES[diagnostic.insee]
    done = set(diagnostic.answers)
    return {
        "diagnostic": diagnostic,
        "questionnaire": questionnaire,
        "profile": profile,
        "profile_text": profile_text,
        "areas": [
            {
                "id": area["id"],
                "label": Area(area["id"]).label,
                "level": diagnostic.area_levels[area["id"]],
                "level_label": level_labels[diagnostic.area_levels[area["id"]]],
                "plain": LEVEL_WORDS[diagnostic.area_levels[area["id"]]],
                "done": [item["label"] for item in area["items"] if item["id"] in done],
            }
            for area in questionnaire.areas
        ],
        "use_cases": [
            {"label": u["label"], "autonomy": autonomy_labels.get(diagnostic.use_cases.get(u["id"]), "Non renseigné")}
            for u in questionnaire.use_cases
        ],
        "equipment": [e["label"] for e in questionnaire.equipment if e["id"] in diagnostic.equipment],
        "path": path,
        "path_level": WorkshopLevel(path.level).label if path.level else "",
        "themes": _themes(path.themes),
        "unmet": _themes(path.unmet),
        "booking_query": urlencode([("theme", t) for t in path.theme_values] + [("niveau", path.level or "")]),
    }


@login_required
def diagnostic_detail(request, pk):
    diagnostic = _visible_diagnostic(request, pk, AccessPurpose.DIAGNOSTIC)
    person = diagnostic.beneficiary
    context = _result_context(diagnostic) | {
        "title": f"Diagnostic du {timezone.localtime(diagnostic.performed_at):%d/%m/%Y}",
        "breadcrumb": _crumbs(
            ("Personnes", reverse("beneficiaries:list")),
            (person.display_name, reverse("beneficiaries:detail", args=[person.pk])),
            ("Diagnostic", None),
        ),
        "person": person,
        "can_refer": referral_perms.can_refer(request.user, person),
    }
    return render(request, "diagnostics/diagnostic_detail.html", context)


@login_required
def diagnostic_pdf(request, pk):
    diagnostic = _visible_diagnostic(request, pk, AccessPurpose.SUMMARY_PDF)
    context = _result_context(diagnostic) | {"person": diagnostic.beneficiary}
    response = HttpResponse(summary_pdf(context), content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="mon-bilan-numerique-{diagnostic.pk}.pdf"'
    return response
