"""Mandate screens for the organisation's staff: prepare (identity, categories, duration), print, sign, act for the
person, revoke, renew, transfer. Thin views over tremplin.mandates.services; the person's name only through
tremplin.beneficiaries.disclosure."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_http_methods, require_POST

from tremplin.accounts import second_factor
from tremplin.beneficiaries import disclosure
from tremplin.beneficiaries.enums import AccessPurpose
from tremplin.beneficiaries.models import Beneficiary
from tremplin.mandates import documents, franceconnect, perms, services
from tremplin.mandates.enums import IdentityMethod, SignatureMethod, Status
from tremplin.mandates.habilitation_perms import can_request_own_habilitation
from tremplin.mandates.models import Authorisation, IdentityCheck, Mandate

from .forms import (
    IdentityDocumentForm,
    MandateForm,
    RevocationForm,
    SignatureForm,
    TransferForm,
    UseForm,
    add_service_errors,
)

PAGE_SIZE = 50
LIST_FILTERS = {
    "valables": ("Valables", lambda qs: qs.valid()),
    "a-signer": ("À signer", lambda qs: qs.filter(status=Status.AWAITING_SIGNATURE)),
    "termines": ("Terminés", lambda qs: qs.exclude(status__in=[Status.SIGNED, Status.AWAITING_SIGNATURE])),
}


def _crumbs(*items):
    return [("Accueil", reverse("home:index")), ("Mandats", reverse("mandates:list")), *items]


def _mandate_or_404(request, pk) -> Mandate:
    mandate = (
        perms.visible_mandates(request.user)
        .select_related("organisation", "beneficiary", "created_by", "identity_check", "ended_by")
        .filter(pk=pk)
        .first()
    )
    if mandate is None:
        raise Http404("Mandat introuvable")
    return mandate


def _person(request, mandate: Mandate, purpose=AccessPurpose.MANDATE):
    return disclosure.person_shown(
        request.user, mandate.beneficiary, purpose=purpose, about=f"mandat {mandate.verification_code}"
    )


def _person_or_404(request, pk) -> Beneficiary:
    try:
        return disclosure.person_for_viewer(request.user, pk, purpose=AccessPurpose.MANDATE, about="préparer un mandat")
    except Beneficiary.DoesNotExist:
        raise Http404("Personne introuvable") from None


def _pdf(data: bytes, filename: str) -> HttpResponse:
    response = HttpResponse(data, content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="{filename}"'
    response["Cache-Control"] = "no-store"
    return response


@login_required
def mandate_list(request):
    """The organisation's mandates (valid first), with the person's name through the read path."""
    key = request.GET.get("etat", "valables")
    if key not in LIST_FILTERS:
        key = "valables"
    queryset = LIST_FILTERS[key][1](perms.visible_mandates(request.user))
    page = Paginator(
        queryset.select_related("organisation", "beneficiary")
        .prefetch_related("authorisations")
        .order_by("ends_at", "-created_at", "pk"),
        PAGE_SIZE,
    ).get_page(request.GET.get("page"))
    rows = disclosure.attach_people(request.user, page.object_list, purpose=AccessPurpose.LIST, about="mandats")
    context = {
        "title": "Mandats",
        "breadcrumb": [("Accueil", reverse("home:index")), ("Mandats", None)],
        "rows": rows,
        "page": page,
        "filters": [(k, label) for k, (label, _) in LIST_FILTERS.items()],
        "current": key,
        "now": timezone.now(),
        "own_habilitation": can_request_own_habilitation(request.user),
        "journal_page": request.user.is_national,
    }
    return render(request, "mandates/list.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def mandate_create(request, person_pk):
    """Step 1: confirm the person's identity (FranceConnect or a document seen); step 2: categories and duration.
    `?renouvelle=<id>` prepares the renewal of that mandate (same flow: a new consent, in person)."""
    try:
        person, shown = disclosure.person_and_shown(
            request.user, person_pk, purpose=AccessPurpose.MANDATE, about="préparer un mandat"
        )
    except Beneficiary.DoesNotExist:
        raise Http404("Personne introuvable") from None
    renews = None
    if request.GET.get("renouvelle"):
        renews = _mandate_or_404(request, request.GET["renouvelle"])
        if renews.beneficiary_id != person.pk:
            raise Http404("Mandat introuvable")
    block = perms.acting_block(request.user, person.organisation_id)
    if renews and not block:
        block = services.renewal_block(renews)
    check = (
        IdentityCheck.objects.filter(pk=request.GET.get("verification"), checked_by=request.user).first()
        if str(request.GET.get("verification", "")).isdigit()
        else None
    )
    if not services.usable_identity_check(check, beneficiary=person, organisation_id=person.organisation_id):
        check = None
    form = MandateForm(request.POST or None, initial=_renewal_initial(renews))
    if request.method == "POST" and not block and check is not None and form.is_valid():
        try:
            if renews:
                mandate = services.mandate_renew(
                    mandate=renews,
                    identity_check=check,
                    by=request.user,
                    duration=form.cleaned_data["duration"],
                    categories=form.cleaned_data["categories"],
                )
            else:
                mandate = services.mandate_create(
                    beneficiary=person,
                    organisation=person.organisation,
                    categories=form.cleaned_data["categories"],
                    duration=form.cleaned_data["duration"],
                    identity_check=check,
                    by=request.user,
                )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, "Mandat préparé : imprimez-le et faites-le signer à la personne.")
            return redirect("mandates:sign", mandate.pk)
    title = "Renouveler un mandat" if renews else "Préparer un mandat"
    context = {
        "title": title,
        "breadcrumb": _crumbs(
            (shown.name, reverse("beneficiaries:detail", args=[person.pk])),
            (title, None),
        ),
        "person": shown,
        "person_pk": person.pk,
        "refusal": block,
        "check": check,
        "renews": renews,
        "identity_form": IdentityDocumentForm(),
        "form": form,
        "franceconnect_enabled": franceconnect.enabled(),
    }
    response = render(request, "mandates/create.html", context)
    if sources := franceconnect.form_action_sources():
        # The browser follows the start view's redirect to FranceConnect only if this page's CSP allows it.
        response._csp_update = {"form-action": sources}
    return response


def _renewal_initial(renews: Mandate | None) -> dict:
    if renews is None:
        return {}
    categories = [a.category for a in renews.authorisations.all() if a.revoked_at is None] or [
        a.category for a in renews.authorisations.all()
    ]
    return {"categories": categories, "duration": renews.duration}


@login_required
@require_POST
def identity_document(request, person_pk):
    """The mediator saw an identity document: record which kind, then go on to the mandate's categories."""
    person = _person_or_404(request, person_pk)
    form = IdentityDocumentForm(request.POST)
    next_url = reverse("mandates:create", args=[person.pk])
    renews = request.POST.get("renouvelle", "")
    if not form.is_valid():
        messages.error(request, "Indiquez la pièce d'identité présentée.")
        return redirect(next_url + (f"?renouvelle={renews}" if renews.isdigit() else ""))
    try:
        check = services.identity_check_record(
            beneficiary=person,
            organisation=person.organisation,
            method=IdentityMethod.DOCUMENT,
            document=form.cleaned_data["document"],
            by=request.user,
        )
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
        return redirect(next_url)
    query = f"?verification={check.pk}" + (f"&renouvelle={renews}" if renews.isdigit() else "")
    return redirect(next_url + query)


@login_required
def mandate_detail(request, pk):
    mandate = _mandate_or_404(request, pk)
    person = _person(request, mandate)
    authorisations = list(mandate.authorisations.select_related("revoked_by"))
    uses = list(mandate.uses.select_related("mediator"))
    entries = list(mandate.journal.select_related("actor").order_by("position"))
    can_act = perms.can_act(request.user, mandate.organisation_id)
    context = {
        "title": f"Mandat {mandate.verification_code}",
        "breadcrumb": _crumbs((f"Mandat {mandate.verification_code}", None)),
        "mandate": mandate,
        "person": person,
        "authorisations": authorisations,
        "uses": uses,
        "entries": entries,
        "valid": mandate.is_valid(),
        "now": timezone.now(),
        "has_revoked": any(a.revoked_at for a in authorisations),
        "can_act": can_act,
        "can_end": perms.can_end(request.user, mandate),
        "can_renew": can_act and services.renewal_block(mandate) is None,
        "revocation_form": RevocationForm(),
        "verification_url": documents.verification_url(mandate),
    }
    return render(request, "mandates/detail.html", context)


def _attestation(request, mandate, person, signature_png=None) -> bytes:
    return documents.attestation_pdf(
        mandate=mandate,
        person=person,
        organisation_name=mandate.organisation.name,
        mediator_name=mandate.created_by.get_full_name() or str(mandate.created_by),
        signature_png=signature_png,
    )


@login_required
def attestation_pdf(request, pk):
    mandate = _mandate_or_404(request, pk)
    if mandate.status == Status.CANCELLED:
        raise Http404("Mandat abandonné")
    person = _person(request, mandate, purpose=AccessPurpose.MANDATE_PDF)
    return _pdf(_attestation(request, mandate, person), f"mandat-{mandate.verification_code}.pdf")


@login_required
@require_http_methods(["GET", "POST"])
def mandate_sign(request, pk):
    """The person signs in front of the mediator: on the printed mandate, or on the tablet."""
    mandate = _mandate_or_404(request, pk)
    person = _person(request, mandate)
    if mandate.status != Status.AWAITING_SIGNATURE:
        return redirect("mandates:detail", mandate.pk)
    block = perms.acting_block(request.user, mandate.organisation_id)
    form = SignatureForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and not block and form.is_valid():
        try:
            if form.cleaned_data["method"] == SignatureMethod.TABLET:
                signature_png = documents.decode_signature(form.cleaned_data["signature"])
                signed = _attestation(request, mandate, person, signature_png=signature_png)
            else:
                signed = form.cleaned_data["scan"] or _attestation(request, mandate, person)
            services.mandate_sign(
                mandate=mandate,
                method=form.cleaned_data["method"],
                document_sha256=documents.sha256_hex(signed),
                by=request.user,
            )
        except ValueError as error:  # an unreadable drawn signature
            form.add_error("method", str(error))
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, "Mandat signé : il est valable dès maintenant.")
            return redirect("mandates:detail", mandate.pk)
    context = {
        "title": "Signature du mandat",
        "breadcrumb": _crumbs(
            (f"Mandat {mandate.verification_code}", reverse("mandates:detail", args=[mandate.pk])),
            ("Signature", None),
        ),
        "mandate": mandate,
        "person": person,
        "authorisations": list(mandate.authorisations.all()),
        "form": form,
        "refusal": block,
    }
    return render(request, "mandates/sign.html", context)


@login_required
@require_POST
def mandate_cancel(request, pk):
    mandate = _mandate_or_404(request, pk)
    try:
        services.mandate_cancel(mandate=mandate, by=request.user)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, "Mandat abandonné : il n'a jamais été valable.")
    return redirect("mandates:detail", mandate.pk)


@login_required
@require_POST
def mandate_revoke(request, pk):
    mandate = _mandate_or_404(request, pk)
    form = RevocationForm(request.POST)
    if not form.is_valid():
        messages.error(request, "Indiquez qui demande la révocation.")
        return redirect("mandates:detail", mandate.pk)
    try:
        services.mandate_revoke(mandate=mandate, by=request.user, **form.cleaned_data)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, "Mandat révoqué. Imprimez le reçu pour la personne.")
    return redirect("mandates:detail", mandate.pk)


@login_required
@require_POST
def authorisation_revoke(request, pk, authorisation_pk):
    mandate = _mandate_or_404(request, pk)
    authorisation = Authorisation.objects.filter(mandate=mandate, pk=authorisation_pk).first()
    if authorisation is None:
        raise Http404("Autorisation introuvable")
    form = RevocationForm(request.POST)
    if not form.is_valid():
        messages.error(request, "Indiquez qui demande la révocation.")
        return redirect("mandates:detail", mandate.pk)
    try:
        services.authorisation_revoke(authorisation=authorisation, by=request.user, **form.cleaned_data)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, f"Autorisation « {authorisation.get_category_display()} » révoquée.")
    return redirect("mandates:detail", mandate.pk)


@login_required
def receipt_pdf(request, pk):
    mandate = _mandate_or_404(request, pk)
    revoked = [a for a in mandate.authorisations.all() if a.revoked_at]
    if not revoked:
        raise Http404("Rien n'a été révoqué sur ce mandat")
    person = _person(request, mandate, purpose=AccessPurpose.MANDATE_PDF)
    data = documents.revocation_receipt_pdf(mandate=mandate, person=person)
    return _pdf(data, f"recu-revocation-{mandate.verification_code}.pdf")


@login_required
@require_http_methods(["GET", "POST"])
def mandate_transfer(request, pk):
    mandate = _mandate_or_404(request, pk)
    person = _person(request, mandate)
    block = perms.acting_block(request.user, mandate.organisation_id)
    form = TransferForm(request.POST or None, current_organisation_id=mandate.organisation_id)
    if request.method == "POST" and not block and form.is_valid():
        try:
            created = services.mandate_transfer(mandate=mandate, by=request.user, **form.cleaned_data)
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            organisation = form.cleaned_data["to_organisation"]
            messages.success(
                request, f"{len(created)} mandat(s) transféré(s) à {organisation.name}, avec la fiche de la personne."
            )
            return redirect("mandates:list")
    context = {
        "title": "Transférer à une autre organisation",
        "breadcrumb": _crumbs(
            (f"Mandat {mandate.verification_code}", reverse("mandates:detail", args=[mandate.pk])),
            ("Transfert", None),
        ),
        "mandate": mandate,
        "person": person,
        "form": form,
        "refusal": block or (None if mandate.is_valid() else "Seul un mandat valable peut être transféré."),
    }
    return render(request, "mandates/transfer.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def mandate_use(request, pk):
    """Record a démarche done for the person: a second-factor code within the last 15 minutes is asked first."""
    mandate = _mandate_or_404(request, pk)
    block = perms.acting_block(request.user, mandate.organisation_id)
    if not block and not mandate.is_valid():
        block = "Ce mandat n'est pas valable : aucune démarche ne peut être faite en son nom."
    if not block and not second_factor.verified_within(request, minutes=15):
        return redirect(second_factor.reverify_url(request.get_full_path()))
    person = _person(request, mandate)
    categories = list(mandate.authorisations.active().values_list("category", flat=True))
    form = UseForm(request.POST or None, categories=categories)
    if request.method == "POST" and not block and form.is_valid():
        try:
            services.mandate_use(
                mandate=mandate,
                by=request.user,
                second_factor_at=second_factor.verified_at(request),
                **form.cleaned_data,
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, "Démarche enregistrée dans l'historique du mandat.")
            return redirect("mandates:detail", mandate.pk)
    context = {
        "title": "Agir pour la personne",
        "breadcrumb": _crumbs(
            (f"Mandat {mandate.verification_code}", reverse("mandates:detail", args=[mandate.pk])),
            ("Démarche", None),
        ),
        "mandate": mandate,
        "person": person,
        "form": form,
        "refusal": block,
    }
    return render(request, "mandates/use.html", context)
