"""The national managers' view of the mandate journal: last verification, size, head hash, latest entries.

No person is named here: entries show ids and the mandate's verification code, and the actor (a staff member)."""

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.shortcuts import render
from django.urls import reverse

from tremplin.mandates.models import JournalEntry, JournalHead, JournalVerification

LATEST = 50


@login_required
def journal(request):
    if not request.user.is_national:
        raise PermissionDenied("Le journal des mandats est réservé aux pilotes nationaux et aux administrateurs.")
    head = JournalHead.objects.filter(pk=1).first()
    entries = (
        JournalEntry.objects.select_related("actor", "mandate")
        .only(
            "position",
            "at",
            "action",
            "hash",
            "actor__first_name",
            "actor__last_name",
            "actor__email",
            "mandate__verification_code",
        )
        .order_by("-position")[:LATEST]
    )
    context = {
        "title": "Journal des mandats",
        "breadcrumb": [("Accueil", reverse("home:index")), ("Journal des mandats", None)],
        "verification": JournalVerification.objects.order_by("-at", "-pk").first(),
        "entry_count": JournalEntry.objects.count(),
        "head": head,
        "entries": list(entries),
        "latest": LATEST,
    }
    return render(request, "mandates/journal.html", context)
