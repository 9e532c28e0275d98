import datetime

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_http_methods, require_POST
from django_ratelimit.decorators import ratelimit

from tremplin.beneficiaries import disclosure
from tremplin.beneficiaries.enums import AccessPurpose
from tremplin.beneficiaries.models import Beneficiary
from tremplin.referrals import disclosure_link, documents, links, perms, selectors, services
from tremplin.referrals.enums import OPEN_STATUSES, Origin, Status
from tremplin.referrals.models import Referral
from tremplin.www import ratelimits

from .forms import DeclineForm, ReferralForm, ServiceForm


def _crumbs(*items):
    return [("Accueil", reverse("home:index")), ("Orientations", reverse("referrals:list")), *items]


def _error_text(error: ValidationError) -> str:
    return " ".join(error.messages)


def _with_related(queryset):
    return queryset.select_related("place", "referred_by", "from_organisation", "beneficiary").prefetch_related(
        "events__by"
    )


@login_required
def referral_list(request):
    user = request.user
    sent = list(_with_related(perms.sent_referrals(user))[:200])
    disclosure.attach_people(user, sent, purpose=AccessPurpose.LIST, about="orientations envoyées")
    received = disclosure_link.referred_people_shown(_with_related(perms.received_referrals(user))[:200], viewer=user)
    context = {
        "title": "Orientations",
        "breadcrumb": [("Accueil", reverse("home:index")), ("Orientations", None)],
        "sent": sent,
        "received": received,
        "is_partner": user.role == "partenaire",
        "can_view_stats": perms.can_view_stats(user),
        "open_statuses": [str(s) for s in OPEN_STATUSES],
    }
    return render(request, "referrals/list.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def referral_create(request):
    user = request.user
    try:
        person, shown = disclosure.person_and_shown(
            user, request.GET.get("personne"), purpose=AccessPurpose.RECORD, about="orientation vers un lieu"
        )
    except Beneficiary.DoesNotExist:
        raise Http404("Personne introuvable") from None
    if not perms.can_refer(user, person):
        raise Http404("Personne introuvable")
    origin = request.GET.get("origine", Origin.RECORD)
    if origin not in Origin.values:
        origin = Origin.RECORD
    service_form = ServiceForm(request.GET or None)
    service = request.POST.get("service") or (service_form.is_valid() and service_form.cleaned_data["service"]) or ""
    commune = person.commune
    choices = selectors.places_for_referral(
        latitude=getattr(commune, "latitude", None), longitude=getattr(commune, "longitude", None), service=service
    )
    form = ReferralForm(request.POST or None, choices=choices, initial={"service": service})
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        place = next(c.place for c in choices if c.place.pk == data["place"])
        try:
            referral = services.referral_create(
                beneficiary=person,
                place=place,
                service=data["service"],
                reason=data["reason"],
                note=data["note"],
                origin=origin,
                by=user,
            )
        except ValidationError as error:
            form.add_error(None, _error_text(error))
        else:
            messages.success(request, f"Orientation n° {referral.pk} envoyée au lieu « {place.name} ».")
            return redirect("referrals:detail", referral.pk)
    context = {
        "title": "Orienter la personne vers un lieu",
        "breadcrumb": _crumbs(("Nouvelle orientation", None)),
        "person": shown,
        "person_url": reverse("beneficiaries:detail", args=[person.pk]),
        "service_form": service_form,
        "service": service,
        "form": form,
        "choices": choices,
        "origin": origin,
        "personne": person.pk,
    }
    return render(request, "referrals/create.html", context)


def _referral_for(user, pk):
    """(referral, side) with side "referrer" or "place"; 404 outside the user's scope."""
    referral = _with_related(perms.sent_referrals(user)).filter(pk=pk).first()
    if referral is not None:
        return referral, "referrer"
    referral = _with_related(perms.received_referrals(user)).filter(pk=pk).first()
    if referral is not None:
        return referral, "place"
    raise Http404("Orientation introuvable")


@login_required
def referral_detail(request, pk):
    user = request.user
    referral, side = _referral_for(user, pk)
    if side == "referrer":
        referral.person = disclosure.person_shown(
            user, referral.beneficiary, purpose=AccessPurpose.RECORD, about=f"orientation n° {referral.pk}"
        )
    else:
        disclosure_link.referred_people_shown([referral], viewer=user)
    context = {
        "title": f"Orientation n° {referral.pk}",
        "breadcrumb": _crumbs((f"N° {referral.pk}", None)),
        "referral": referral,
        "side": side,
        "events": list(referral.events.all()),
        "decline_form": DeclineForm(prefix="refus"),
        "can_cancel": side == "referrer" and referral.status in OPEN_STATUSES and perms.can_cancel(user, referral),
        "map_link": documents.map_link(referral.place),
        "action_url": reverse("referrals:answer", args=[referral.pk]),
    }
    return render(request, "referrals/detail.html", context)


@login_required
def referral_sheet(request, pk):
    referral = get_object_or_404(_with_related(perms.sent_referrals(request.user)), pk=pk)
    response = HttpResponse(documents.referral_sheet_pdf(referral), content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="fiche-orientation-{referral.pk}.pdf"'
    return response


def _answer(request, referral, *, by=None, via_link=False):
    """Apply the POSTed action; returns (ok, decline_form)."""
    action = request.POST.get("action")
    decline_form = DeclineForm(request.POST if action == "refuser" else None, prefix="refus")
    try:
        if action == "accepter":
            services.referral_accept(referral=referral, by=by, via_link=via_link)
            messages.success(request, "Orientation acceptée. Contactez la personne pour convenir d'un rendez-vous.")
        elif action == "refuser":
            if not decline_form.is_valid():
                return False, decline_form
            data = decline_form.cleaned_data
            services.referral_decline(
                referral=referral, reason=data["reason"], text=data["text"], by=by, via_link=via_link
            )
            messages.success(request, "Refus enregistré. L'équipe qui a orienté la personne est prévenue.")
        elif action == "vue":
            services.referral_mark_seen(referral=referral, by=by, via_link=via_link)
            messages.success(request, "C'est noté : la personne a été reçue. Merci !")
        elif action == "pas_vue":
            services.referral_mark_not_seen(referral=referral, by=by, via_link=via_link)
            messages.success(request, "C'est noté : la personne n'est pas venue.")
        else:
            messages.error(request, "Action inconnue.")
            return False, decline_form
    except ValidationError as error:
        messages.error(request, _error_text(error))
        return False, decline_form
    return True, decline_form


@login_required
@require_POST
def referral_answer(request, pk):
    referral = get_object_or_404(perms.received_referrals(request.user), pk=pk)
    try:
        _answer(request, referral, by=request.user)
    except PermissionDenied:
        raise Http404("Orientation introuvable") from None
    if request.POST.get("retour") == "liste":
        return redirect("referrals:list")
    return redirect("referrals:detail", referral.pk)


@login_required
@require_POST
def referral_cancel(request, pk):
    referral = get_object_or_404(perms.sent_referrals(request.user), pk=pk)
    try:
        services.referral_cancel(referral=referral, by=request.user)
    except ValidationError as error:
        messages.error(request, _error_text(error))
    except PermissionDenied:
        raise Http404("Orientation introuvable") from None
    else:
        messages.success(request, "Orientation annulée. Le lieu ne peut plus y répondre.")
    return redirect("referrals:detail", referral.pk)


def _link_invalid(request, status=410):
    context = {"title": "Ce lien n'est plus valable"}
    return render(request, "referrals/link_invalid.html", context, status=status)


@require_http_methods(["GET", "POST"])
@ratelimit(key="ip", rate=links.setting("TREMPLIN_REFERRAL_LINK_RATE"), method=ratelimit.ALL, block=False)
def referral_link(request, token):
    """The place's page reached from the e-mail, without an account."""
    if getattr(request, "limited", False):
        return ratelimits.limited(request, None)
    referral = links.referral_for_token(token, queryset=_with_related(Referral.objects.all()))
    if referral is None:
        return _link_invalid(request)
    decline_form = DeclineForm(prefix="refus")
    if request.method == "POST":
        ok, decline_form = _answer(request, referral, via_link=True)
        if ok:
            referral.refresh_from_db()
            if referral.status in OPEN_STATUSES:
                return redirect("referrals:link", links.make_token(referral))
            return render(request, "referrals/link_done.html", {"title": "Réponse enregistrée", "referral": referral})
    disclosure_link.referred_people_shown([referral], via_link=True)
    context = {
        "title": f"Orientation n° {referral.pk}",
        "referral": referral,
        "decline_form": decline_form,
        "expires_on": referral.created_at + links.max_age(),
        "map_link": documents.map_link(referral.place),
        "action_url": request.path,
    }
    return render(request, "referrals/link.html", context)


PERIODS = {30: "30 derniers jours", 90: "90 derniers jours", 365: "12 derniers mois"}


@login_required
def referral_stats(request):
    user = request.user
    if not perms.can_view_stats(user):
        raise PermissionDenied
    try:
        days = int(request.GET.get("jours", 90))
    except ValueError:
        days = 90
    days = days if days in PERIODS else 90
    end = timezone.now()
    start = end - datetime.timedelta(days=days)
    places, total = selectors.referral_stats(perms.stats_referrals(user), start=start, end=end)
    context = {
        "title": "Statistiques des orientations",
        "breadcrumb": _crumbs(("Statistiques", None)),
        "places": places,
        "total": total,
        "days": days,
        "periods": PERIODS.items(),
        "outcomes": [Status(s).label for s in selectors.OUTCOMES],
    }
    return render(request, "referrals/stats.html", context)
