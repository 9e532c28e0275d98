"""Messages screens for the team: people to call, letters to print, failed sendings (thin views)."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db.models import Count
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_POST

from tremplin.notifications import services
from tremplin.notifications.enums import ContactChannel, NotificationStatus
from tremplin.notifications.letters import letters_pdf
from tremplin.notifications.perms import can_handle_notifications, visible_notifications

from .forms import LetterBatchForm

PAGE_SIZE = 50

SECTIONS = [
    ("to_call", "À appeler", "notifications:to_call", (NotificationStatus.TO_CALL,)),
    ("to_print", "Courriers à imprimer", "notifications:letters", (NotificationStatus.TO_PRINT,)),
    ("failed", "Échecs d'envoi", "notifications:failures", (NotificationStatus.FAILED,)),
]


def _visible(request):
    if not can_handle_notifications(request.user):
        raise PermissionDenied("Votre rôle ne donne pas accès aux messages.")
    return visible_notifications(request.user)


def _menu(request, current: str) -> list[dict]:
    """The side menu with the number of items waiting in each list (one query)."""
    counts = dict(
        _visible(request)
        .filter(status__in=[NotificationStatus.TO_CALL, NotificationStatus.TO_PRINT, NotificationStatus.FAILED])
        .values_list("status")
        .annotate(n=Count("pk"))
        .order_by()
    )
    return [
        {
            "key": key,
            "label": label,
            "url": reverse(url),
            "count": counts.get(statuses[0], 0),
            "current": key == current,
        }
        for key, label, url, statuses in SECTIONS
    ]


def _page(request, queryset):
    return Paginator(queryset.with_context().order_by("created_at", "pk"), PAGE_SIZE).get_page(request.GET.get("page"))


def _context(request, current: str, title: str, **extra) -> dict:
    crumbs = [("Accueil", reverse("home:index")), ("Messages", reverse("notifications:index"))]
    if current != "index":
        crumbs.append((title, None))
    return {"title": title, "breadcrumb": crumbs, "menu": _menu(request, current), "current": current, **extra}


@login_required
def index(request):
    _visible(request)
    context = _context(request, "index", "Messages aux personnes")
    return render(request, "notifications/index.html", context)


@login_required
def to_call(request):
    page = _page(request, _visible(request).to_call())
    return render(request, "notifications/to_call.html", _context(request, "to_call", "À appeler", page=page))


@login_required
@require_POST
def call_done(request, pk):
    notification = get_object_or_404(_visible(request), pk=pk)
    if services.notification_call_done(notification=notification, user=request.user):
        messages.success(request, f"Appel à {notification.beneficiary.display_name} noté comme fait.")
    else:
        messages.info(request, "Cet appel était déjà noté comme fait.")
    return redirect("notifications:to_call")


@login_required
def letters(request):
    page = _page(request, _visible(request).to_print())
    form = LetterBatchForm(queryset=_visible(request).to_print(), initial={"notifications": list(page.object_list)})
    context = _context(request, "to_print", "Courriers à imprimer", page=page, form=form)
    return render(request, "notifications/letters.html", context)


def _pdf_response(notifications, filename: str) -> HttpResponse:
    response = HttpResponse(letters_pdf(notifications), content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="{filename}"'
    return response


@login_required
def letter_pdf(request, pk):
    notification = get_object_or_404(_visible(request).filter(channel=ContactChannel.LETTER), pk=pk)
    return _pdf_response([notification], f"courrier-{notification.pk}.pdf")


@login_required
def letters_batch_pdf(request):
    """The letters listed on the page, as one PDF to print in one go."""
    form = LetterBatchForm(request.GET, queryset=_visible(request).to_print())
    if not form.is_valid():
        messages.info(request, "Ces courriers ont déjà été imprimés, ou vous n'y avez pas accès.")
        return redirect("notifications:letters")
    batch = form.cleaned_data["notifications"].order_by("created_at", "pk")
    return _pdf_response(batch, f"courriers-{timezone.localdate():%Y-%m-%d}.pdf")


@login_required
@require_POST
def letters_printed(request):
    form = LetterBatchForm(request.POST, queryset=_visible(request).to_print())
    if form.is_valid():
        count = services.letters_mark_printed(notifications=form.cleaned_data["notifications"], user=request.user)
        messages.success(request, f"{count} courrier{'s' if count > 1 else ''} noté{'s' if count > 1 else ''} imprimé.")
    else:
        messages.warning(request, "Ces courriers ont déjà été notés imprimés, ou vous n'y avez pas accès.")
    return redirect("notifications:letters")


@login_required
def failures(request):
    visible = _visible(request)
    page = _page(request, visible.failed())
    retrying = visible.retrying().with_context().order_by("next_attempt_at", "pk")[:50]
    context = _context(request, "failed", "Échecs d'envoi", page=page, retrying=retrying)
    return render(request, "notifications/failures.html", context)


@login_required
@require_POST
def retry(request, pk):
    notification = get_object_or_404(_visible(request), pk=pk)
    if services.notification_retry(notification=notification, user=request.user):
        messages.success(request, f"Nouvel envoi demandé pour {notification.beneficiary.display_name}.")
    else:
        messages.info(request, "Ce message n'est plus en échec.")
    return redirect("notifications:failures")
