"""FranceConnect identity check before a mandate: start (POST, to FranceConnect) and the way back.

The rules (state, tokens, signatures, comparison with the record) are in tremplin/mandates/franceconnect.py; the
record of the check is written by `services.identity_check_record`. FranceConnect's answer is never shown.
"""

from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import urlencode
from django.views.decorators.http import require_GET, require_POST

from tremplin.beneficiaries.disclosure import person_for_viewer
from tremplin.beneficiaries.enums import AccessPurpose
from tremplin.beneficiaries.models import Beneficiary
from tremplin.beneficiaries.perms import visible_beneficiaries
from tremplin.mandates import franceconnect, services
from tremplin.mandates.enums import IdentityMethod
from tremplin.mandates.perms import acting_block

# The record is opened to compare its name and birth year with FranceConnect's answer (never shown).
PURPOSE = AccessPurpose.IDENTITY
ABOUT = "vérification d'identité avec FranceConnect"


def _person_or_404(request, pk) -> Beneficiary:
    try:
        return person_for_viewer(request.user, pk, purpose=PURPOSE, about=ABOUT)
    except Beneficiary.DoesNotExist:
        raise Http404("Personne introuvable") from None


def _problem(request, message: str, *, person_pk: int | None = None, status: int = 400):
    """The French page that says the identity is not confirmed, with the way back to the person."""
    crumbs = [("Accueil", reverse("home:index")), ("Personnes", reverse("beneficiaries:list"))]
    if person_pk is not None:
        crumbs.append(("Fiche de la personne", reverse("beneficiaries:detail", args=[person_pk])))
    context = {
        "title": "Identité non confirmée par FranceConnect",
        "breadcrumb": [*crumbs, ("Vérification avec FranceConnect", None)],
        "message": message,
        "person_pk": person_pk,
    }
    return render(request, "mandates/franceconnect_error.html", context, status=status)


@login_required
@require_POST
def franceconnect_start(request, pk):
    person = _person_or_404(request, pk)
    if not franceconnect.enabled():
        return _problem(request, franceconnect.DISABLED_MESSAGE, person_pk=person.pk, status=200)
    # Said before the person signs in, rather than after (the service would refuse to record the check).
    block = acting_block(request.user, person.organisation_id)
    if block:
        return _problem(request, block, person_pk=person.pk, status=403)
    renews = str(request.POST.get("renouvelle", ""))  # the mandate being renewed (checked by the creation page)
    try:
        return redirect(
            franceconnect.authorization_url(request, person.pk, renews_id=int(renews) if renews.isdigit() else None)
        )
    except franceconnect.FranceConnectError as error:
        return _problem(request, error.message, person_pk=person.pk, status=error.status)


@login_required
@require_GET
def franceconnect_callback(request):
    try:
        claims = franceconnect.complete(request)
    except franceconnect.FranceConnectError as error:
        back = _visible_pk(request, error.beneficiary_id)
        return _problem(request, error.message, person_pk=back, status=error.status)
    person = _person_or_404(request, claims.beneficiary_id)  # still in the mediator's scope
    problem = franceconnect.mismatch(
        claims, first_name=person.first_name, last_name=person.last_name, birth_year=person.birth_year
    )
    if problem:
        return _problem(request, problem, person_pk=person.pk, status=200)
    try:
        check = services.identity_check_record(
            beneficiary=person,
            organisation=person.organisation,
            method=IdentityMethod.FRANCECONNECT,
            franceconnect_subject=claims.sub,
            by=request.user,
        )
    except ValidationError as error:
        return _problem(request, " ".join(error.messages), person_pk=person.pk, status=403)
    query = {"verification": check.pk} | ({"renouvelle": claims.renews_id} if claims.renews_id else {})
    return redirect(reverse("mandates:create", args=[person.pk]) + "?" + urlencode(query))


def _visible_pk(request, pk: int | None) -> int | None:
    """The person to link back to, if the mediator still sees them (the link is never a dead end)."""
    if pk is None:
        return None
    return pk if visible_beneficiaries(request.user).filter(pk=pk).exists() else None
