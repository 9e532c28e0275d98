"""The public verification page of a mandate (no account): what the QR code of an attestation opens.

It says whether the mandate is valid now, for which categories and until when, and which organisation holds it:
nothing about the person (no name, initials, birth year). Each lookup is a journal entry (found or not, never the
visitor's address); lookups are rate-limited per client address. Neither indexed nor sent as a referrer.
"""

from dataclasses import dataclass, field
from functools import wraps

from django import forms
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET
from django_ratelimit.decorators import ratelimit
from dsfr.forms import DsfrBaseForm

from tremplin.frenchdates import french_date
from tremplin.mandates import journal
from tremplin.mandates.documents import valid_until_text
from tremplin.mandates.enums import JournalAction, Status
from tremplin.mandates.models import Mandate
from tremplin.mandates.services import normalise_code

VERIFY_RATE = "60/h"  # lookups per client address (a desk checking papers all day stays far below)
LIMITED_MESSAGE = "Trop de vérifications depuis cette connexion. Réessayez dans une heure."
CODE_MAX_LENGTH = 14  # Mandate.verification_code


class CodeForm(DsfrBaseForm):
    code = forms.CharField(
        label="Code de vérification",
        help_text="Il est écrit en gros sur le mandat, à côté du QR code. Majuscules, espaces et tirets : comme vous "
        "voulez.",
        max_length=40,
        widget=forms.TextInput(attrs={"autocomplete": "off", "autocapitalize": "characters", "spellcheck": "false"}),
    )

    def clean_code(self):
        code = normalise_code(self.cleaned_data["code"])
        if not code:
            raise forms.ValidationError("Tapez le code écrit sur le mandat : des lettres et des chiffres.")
        return code


@dataclass
class Verdict:
    """What the page says of one code."""

    found: bool
    valid: bool
    heading: str
    explanation: str = ""
    tone: str = "error"  # DSFR alert: success, error, warning, info
    organisation_name: str = ""
    categories: list[str] = field(default_factory=list)
    until: str = ""


def _private(view):
    """Not indexed, no referrer (the code is in the address), never cached."""

    @wraps(view)
    def wrapped(request, *args, **kwargs):
        response = view(request, *args, **kwargs)
        response["X-Robots-Tag"] = "noindex, nofollow"
        response["Referrer-Policy"] = "no-referrer"
        return response

    return never_cache(wrapped)


def find_mandate(raw_code: str) -> Mandate | None:
    """The mandate with this code, however it was typed (case, spaces, dashes): one lookup on the unique index."""
    code = normalise_code(raw_code)
    if not code or len(code) > CODE_MAX_LENGTH:
        return None
    return Mandate.objects.select_related("organisation").filter(verification_code=code).first()


def verdict(mandate: Mandate | None, at=None) -> Verdict:
    at = at or timezone.now()
    if mandate is None:
        return Verdict(
            found=False,
            valid=False,
            heading="Aucun mandat ne correspond à ce code",
            explanation="Vérifiez le code écrit sur le mandat, lettre par lettre. Si vous l'avez bien tapé, ce "
            "papier n'est pas un mandat de Tremplin : ne faites aucune démarche avec lui.",
        )
    found = {"found": True, "valid": False, "organisation_name": mandate.organisation.name}
    ended_on = french_date(mandate.ended_at, "j F Y") if mandate.ended_at else ""
    until = valid_until_text(mandate.ends_at) if mandate.ends_at else ""
    status = mandate.status
    if status == Status.SIGNED and mandate.ends_at and mandate.ends_at <= at:
        status = Status.EXPIRED  # past its end, whether or not the expiry task ran
    if status == Status.AWAITING_SIGNATURE:
        return Verdict(
            **found,
            heading="Mandat pas encore signé",
            explanation="Ce mandat a été préparé, mais la personne ne l'a pas encore signé : il ne permet aucune "
            "démarche.",
            tone="warning",
        )
    if status == Status.CANCELLED:
        return Verdict(
            **found,
            heading="Mandat non valable : jamais signé",
            explanation="Ce mandat a été abandonné avant d'être signé : il n'a jamais permis aucune démarche.",
        )
    if status == Status.REVOKED:
        return Verdict(
            **found,
            heading=f"Mandat plus valable : révoqué le {ended_on}" if ended_on else "Mandat plus valable : révoqué",
            explanation="Il a été arrêté avant sa fin. Il ne permet plus aucune démarche.",
        )
    if status == Status.EXPIRED:
        return Verdict(
            **found,
            heading="Mandat plus valable : expiré",
            explanation=f"Il était valable {until}. Il ne permet plus aucune démarche." if until else "",
        )
    if status == Status.RENEWED:
        return Verdict(
            **found,
            heading=f"Mandat plus valable : renouvelé le {ended_on}" if ended_on else "Mandat plus valable : renouvelé",
            explanation="Il a été remplacé par un nouveau mandat signé par la personne, qui a son propre code. "
            "Demandez à voir le nouveau mandat.",
            tone="info",
        )
    if status == Status.TRANSFERRED:
        return Verdict(
            **found,
            heading=f"Mandat plus valable : transféré le {ended_on}" if ended_on else "Mandat plus valable : transféré",
            explanation="La personne a confié ses démarches à une autre organisation, avec un nouveau mandat.",
            tone="info",
        )
    # Signed and not past its end.
    if mandate.starts_at and mandate.starts_at > at:
        return Verdict(
            **found,
            heading="Mandat pas encore valable",
            explanation=f"Il sera valable à partir du {french_date(mandate.starts_at, 'j F Y')}, {until}.",
            tone="warning",
        )
    categories = [a.get_category_display() for a in mandate.authorisations.active()]
    if not categories:
        return Verdict(
            **found,
            heading="Mandat plus valable : toutes ses démarches ont été retirées",
            explanation="La personne a arrêté chacune des démarches de ce mandat. Il ne permet plus rien.",
        )
    return Verdict(
        found=True,
        valid=True,
        heading="Mandat valable",
        explanation="Les médiateurs habilités de cette organisation peuvent faire ces démarches en ligne pour la "
        "personne, et seulement celles-ci.",
        tone="success",
        organisation_name=mandate.organisation.name,
        categories=categories,
        until=until,
    )


@_private
@require_GET
def verify(request):
    """Type the code (for whoever has the paper but no camera): then the page of that code."""
    form = CodeForm(request.GET or None)
    if form.is_bound and form.is_valid():
        return redirect("mandates_public:verify_code", code=form.cleaned_data["code"])
    context = {"title": "Vérifier un mandat", "form": form}
    return render(request, "mandates/verify.html", context)


@_private
@require_GET
@ratelimit(key="ip", rate=VERIFY_RATE, method="GET", block=False)
def verify_code(request, code):
    if getattr(request, "limited", False):
        context = {"title": "Trop de vérifications", "message": LIMITED_MESSAGE}
        return render(request, "mandates/verify_limited.html", context, status=429)
    mandate = find_mandate(code)
    journal.append(action=JournalAction.VERIFICATION_LOOKUP, mandate=mandate, details={"found": mandate is not None})
    result = verdict(mandate)
    context = {
        "title": result.heading,
        "verdict": result,
        "code": normalise_code(code[:40]),
        "checked_at": french_date(timezone.now(), r"l j F Y \à H\hi"),
    }
    return render(request, "mandates/verify_result.html", context)
