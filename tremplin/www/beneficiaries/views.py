"""People screens: list and search, record with duplicates check, detail (journaled), consent, merge, delete."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db.models import Prefetch
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_http_methods, require_POST

from tremplin.activities import perms as activity_perms
from tremplin.activities import selectors as activity_selectors
from tremplin.beneficiaries import disclosure, perms, services
from tremplin.beneficiaries.enums import AccessPurpose, ConsentKind
from tremplin.beneficiaries.models import Beneficiary
from tremplin.diagnostics import selectors as diagnostic_selectors
from tremplin.diagnostics.models import Diagnostic, Screening
from tremplin.diagnostics.perms import visible_screenings
from tremplin.mandates import selectors as mandate_selectors
from tremplin.mandates.models import Mandate
from tremplin.referrals import selectors as referral_selectors

from .forms import BeneficiaryCreateForm, BeneficiaryForm, ConsentForm, ErasureForm, SearchForm

PAGE_SIZE = 25
HISTORY_JOURNAL_SIZE = 200  # a record's journal is short; the openings are paginated


def _crumbs(*items):
    return [("Accueil", reverse("home:index")), ("Personnes", reverse("beneficiaries:list")), *items]


def get_visible_person_or_404(request, pk, purpose=AccessPurpose.RECORD, queryset=None, about="") -> Beneficiary:
    """The person if `request.user` may see them, journaled (tremplin.beneficiaries.disclosure); otherwise 404."""
    try:
        return disclosure.person_for_viewer(request.user, pk, purpose=purpose, about=about, queryset=queryset)
    except Beneficiary.DoesNotExist:
        raise Http404("Personne introuvable") from None


@login_required
def person_list(request):
    form = SearchForm(request.GET or None)
    people = perms.visible_beneficiaries(request.user).select_related("commune", "site")
    query = request.GET.get("q", "").strip()
    if query:
        people = people.search(query)
    page = Paginator(people.order_by("last_name", "first_name", "pseudonym", "pk"), PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    page.object_list = disclosure.attach_people(
        request.user, page.object_list, purpose=AccessPurpose.LIST, about=_list_about(query, page), attribute=None
    )
    context = {
        "title": "Personnes accompagnées",
        "breadcrumb": _crumbs(),
        "form": form,
        "query": query,
        "page": page,
        "can_record": perms.can_record_beneficiary(request.user),
    }
    return render(request, "beneficiaries/list.html", context)


def _list_about(query: str, page) -> str:
    """What the list showed, without the search text (it may be a name or a phone number)."""
    return f"page {page.number}" + (" d'une recherche" if query else "")


def _person_fields(data) -> dict:
    """The record's fields from a valid form (text fields are '' when empty; year, commune, site None)."""
    return {name: data.get(name) for name in services.EDITABLE_FIELDS}


@login_required
@require_http_methods(["GET", "POST"])
def person_create(request):
    user = request.user
    if not perms.can_record_beneficiary(user):
        raise PermissionDenied("Votre rôle ne permet pas d'enregistrer des personnes.")
    sites = perms.recording_sites(user)
    screening_id = str(request.POST.get("screening") or request.GET.get("reperage") or "")
    screening = visible_screenings(user).filter(pk=screening_id).first() if screening_id.isdigit() else None
    form = BeneficiaryCreateForm(
        request.POST or None, sites=sites, initial={"screening": screening.pk if screening else None}
    )
    candidates = []
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        consents_given = [ConsentKind.DATA_PROCESSING] + ([ConsentKind.CONTACT] if data["consent_contact"] else [])
        try:
            if screening_id and screening is None:
                raise ValidationError("Ce repérage est introuvable dans votre périmètre : la fiche n'a pas été créée.")
            # One service, one transaction: the record, its consents and the screening, or nothing.
            person = services.beneficiary_register(
                organisation=user.organisation,
                created_by=user,
                consents_given=consents_given,
                screening=screening,
                duplicates_among=perms.visible_beneficiaries(user),
                ignore_duplicates=data["confirm_not_duplicate"],
                **_person_fields(data),
            )
        except services.PossibleDuplicates as duplicates:
            candidates = disclosure.attach_people(
                user,
                duplicates.candidates,
                purpose=AccessPurpose.DUPLICATES,
                about="création d'une fiche",
                attribute=None,
            )
            form.data = form.data.copy()
            form.data["confirm_not_duplicate"] = "on"
        except ValidationError as error:
            errors = error.message_dict.items() if hasattr(error, "error_dict") else [(None, error.messages)]
            for field, field_messages in errors:
                form.add_error(field if field in form.fields else None, field_messages)
        else:
            messages.success(request, f"La fiche de {person.display_name} est créée.")
            return redirect("beneficiaries:detail", pk=person.pk)
    context = {
        "title": "Nouvelle personne",
        "breadcrumb": _crumbs(("Nouvelle personne", None)),
        "form": form,
        "candidates": candidates,
        "screening": screening if screening and screening.beneficiary_id is None else None,
    }
    return render(request, "beneficiaries/form.html", context)


@login_required
def person_detail(request, pk):
    user = request.user
    person = get_visible_person_or_404(
        request,
        pk,
        queryset=Beneficiary.objects.select_related("commune", "site", "organisation", "created_by").prefetch_related(
            Prefetch("consents", queryset=_consents()),
            Prefetch("screenings", queryset=Screening.objects.select_related("site", "performed_by")),
            Prefetch("diagnostics", queryset=Diagnostic.objects.select_related("performed_by")),
        ),
    )
    diagnostics = list(person.diagnostics.all())
    can_edit = perms.can_record_beneficiary(user)
    duplicates = []
    if can_edit:  # only those who can merge are shown the look-alike records
        look_alikes = (
            perms.visible_beneficiaries(user)
            .duplicates_of(
                first_name=person.first_name,
                last_name=person.last_name,
                pseudonym=person.pseudonym,
                birth_year=person.birth_year,
                commune_id=person.commune_id,
                phones=(person.mobile_phone, person.landline_phone),
                email=person.email,
            )
            .exclude(pk=person.pk)
            .select_related("commune")
        )
        duplicates = disclosure.attach_people(
            user, look_alikes, purpose=AccessPurpose.DUPLICATES, about=f"fiche n° {person.pk}", attribute=None
        )
    context = (
        {
            "title": person.display_name,
            "breadcrumb": _crumbs((person.display_name, None)),
            "person": person,
            "consents": services.current_consents(person),
            "consent_form": ConsentForm(),
            "screenings": person.screenings.all(),
            "diagnostics": diagnostics,
            "progress": diagnostic_selectors.progress(diagnostics),
            "duplicates": duplicates,
            "can_edit": can_edit,
            "can_assess": perms.can_assess(user),
            "timeline": activity_selectors.person_timeline(person, user),
            "can_record_activity": activity_perms.can_record_activity(user),
        }
        | mandate_selectors.person_mandates(user, person)
        | referral_selectors.person_referrals(user, person)
    )
    return render(request, "beneficiaries/detail.html", context)


@login_required
def person_history(request, pk):
    """What happened to the record (journal) and who opened it, when and why, refusals included: whoever
    follows the person can check that nobody else looked at it."""
    person = get_visible_person_or_404(request, pk)
    openings = person.access_logs.select_related("user").order_by("-at", "-pk")
    context = {
        "title": f"Historique — {person.display_name}",
        "breadcrumb": _crumbs(
            (person.display_name, reverse("beneficiaries:detail", args=[person.pk])), ("Historique", None)
        ),
        "person": person,
        "journal": person.journal.select_related("actor").order_by("-at", "-pk")[:HISTORY_JOURNAL_SIZE],
        "page": Paginator(openings, PAGE_SIZE).get_page(request.GET.get("page")),
    }
    return render(request, "beneficiaries/history.html", context)


def _consents():
    from tremplin.beneficiaries.models import Consent

    return Consent.objects.select_related("recorded_by")


@login_required
@require_http_methods(["GET", "POST"])
def person_edit(request, pk):
    if not perms.can_record_beneficiary(request.user):
        raise PermissionDenied("Votre rôle ne permet pas de modifier les fiches.")
    person = get_visible_person_or_404(request, pk, queryset=Beneficiary.objects.select_related("commune"))
    initial = {name: getattr(person, name) for name in services.EDITABLE_FIELDS}
    form = BeneficiaryForm(request.POST or None, initial=initial, sites=perms.recording_sites(request.user))
    if request.method == "POST" and form.is_valid():
        changes = _person_fields(form.cleaned_data)
        if not form.fields["site"].queryset.exists():
            changes.pop("site")  # a coordinator without sites keeps the person's place as it is
        try:
            services.beneficiary_update(beneficiary=person, by=request.user, **changes)
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, "Les modifications sont enregistrées.")
            return redirect("beneficiaries:detail", pk=person.pk)
    context = {
        "title": f"Modifier — {person.display_name}",
        "breadcrumb": _crumbs(
            (person.display_name, reverse("beneficiaries:detail", args=[person.pk])), ("Modifier", None)
        ),
        "form": form,
        "person": person,
    }
    return render(request, "beneficiaries/form.html", context)


@login_required
@require_POST
def person_consent(request, pk):
    if not perms.can_record_beneficiary(request.user):
        raise PermissionDenied("Votre rôle ne permet pas d'enregistrer un consentement.")
    person = get_visible_person_or_404(request, pk)
    form = ConsentForm(request.POST)
    if form.is_valid():
        services.consent_record(
            beneficiary=person, kind=form.cleaned_data["kind"], given=form.cleaned_data["given"], by=request.user
        )
        messages.success(request, "La réponse de la personne est enregistrée.")
    else:
        messages.error(request, "Choisissez l'objet et la réponse de la personne.")
    return redirect(f"{reverse('beneficiaries:detail', args=[person.pk])}#consentements")


@login_required
@require_http_methods(["GET", "POST"])
def person_merge(request, pk, other):
    if not perms.can_record_beneficiary(request.user):
        raise PermissionDenied("Votre rôle ne permet pas de fusionner des fiches.")
    kept = get_visible_person_or_404(request, pk, queryset=Beneficiary.objects.select_related("commune"))
    duplicate = get_visible_person_or_404(request, other, queryset=Beneficiary.objects.select_related("commune"))
    if request.method == "POST":
        try:
            services.beneficiary_merge(kept=kept, duplicate=duplicate, by=request.user)
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
        else:
            messages.success(request, "Les deux fiches sont fusionnées : tout l'historique est sur cette fiche.")
        return redirect("beneficiaries:detail", pk=kept.pk)
    context = {
        "title": "Fusionner deux fiches",
        "breadcrumb": _crumbs(
            (kept.display_name, reverse("beneficiaries:detail", args=[kept.pk])), ("Fusionner", None)
        ),
        "kept": kept,
        "duplicate": duplicate,
    }
    return render(request, "beneficiaries/merge.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def person_delete(request, pk):
    if not perms.can_record_beneficiary(request.user):
        raise PermissionDenied("Votre rôle ne permet pas de supprimer des fiches.")
    person = get_visible_person_or_404(request, pk)
    form = ErasureForm(request.POST if request.method == "POST" else None)  # an empty POST: the request
    if request.method == "POST" and form.is_valid():
        # The erasure asked by the person (RGPD art. 17), or of a record no longer needed: journaled with who and why.
        services.beneficiary_anonymise(beneficiary=person, by=request.user, reason=form.cleaned_data["reason"])
        messages.success(request, "La fiche est supprimée : nom et coordonnées sont effacés définitivement.")
        return redirect("beneficiaries:list")
    context = {
        "title": "Supprimer la fiche",
        "breadcrumb": _crumbs(
            (person.display_name, reverse("beneficiaries:detail", args=[person.pk])), ("Supprimer", None)
        ),
        "person": person,
        "form": form,
        "valid_mandates": Mandate.objects.valid().filter(beneficiary=person).count(),
    }
    return render(request, "beneficiaries/delete.html", context)
