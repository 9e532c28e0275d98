"""Messages screens for the team: people to call, letters to print, failed sendings (thin views)."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db.models import Count
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_POST

from tremplin.beneficiaries import disclosure
from tremplin.beneficiaries.enums import AccessPurpose
from tremplin.notifications import selectors, services
from tremplin.notifications.enums import ContactChannel, NotificationStatus
from tremplin.notifications.letters import letters_pdf
from tremplin.notifications.perms import can_handle_notifications, visible_notifications
from tremplin.www.redirects import next_or

from .forms import NotificationBatchForm

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


def _page(request, queryset, purpose: str):
    """One page of messages, each with `.person` as this viewer may see them (the one read path)."""
    page = Paginator(queryset.with_context().order_by("created_at", "pk"), PAGE_SIZE).get_page(request.GET.get("page"))
    page.object_list = _show(request, page.object_list, purpose, about=f"page {page.number}")
    page.masked_count = sum(1 for notification in page.object_list if notification.person.is_masked)
    return page


def _show(request, notifications, purpose: str, about: str = ""):
    return disclosure.attach_people(request.user, notifications, purpose=purpose, about=about)


def _shown_one(request, notification, purpose: str):
    return disclosure.person_shown(
        request.user, notification.beneficiary, purpose=purpose, about=f"message n° {notification.pk}"
    )


OTHER_STRUCTURE_LETTER = (
    "Ce courrier est destiné à une personne suivie par une autre structure : c'est elle qui l'imprime."
)


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


NO_PHONE_PAGE = "page_sans_numero"


@login_required
def to_call(request):
    """One row per person and day, with every message to tell them; people with no number in a list of their own
    (told at the counter or by post). Both pages are shown through the read path at once (one journal entry)."""
    to_call = _visible(request).to_call()
    pages = {
        with_phone: Paginator(selectors.call_groups(to_call, with_phone=with_phone), PAGE_SIZE).get_page(
            request.GET.get("page" if with_phone else NO_PHONE_PAGE)
        )
        for with_phone in (True, False)
    }
    rows = {with_phone: selectors.call_rows(to_call, page.object_list) for with_phone, page in pages.items()}
    _show(
        request,
        [notification for page_rows in rows.values() for row in page_rows for notification in row.notifications],
        AccessPurpose.CALL_LIST,
        about=f"page {pages[True].number}, sans numéro page {pages[False].number}",
    )
    for with_phone, page in pages.items():
        page.object_list = rows[with_phone]
        page.masked_count = sum(1 for row in page.object_list if row.person.is_masked)
    context = _context(
        request,
        "to_call",
        "À appeler",
        page=pages[True],
        no_phone_page=pages[False],
        no_phone_param=NO_PHONE_PAGE,
        masked_count=pages[True].masked_count + pages[False].masked_count,
    )
    return render(request, "notifications/to_call.html", context)


@login_required
@require_POST
def calls_done(request):
    """ "Appel fait" for one row of the list: every message of that person and day, in one go. A message outside
    the viewer's lists answers 404; one already done is left as it is."""
    form = NotificationBatchForm(request.POST, queryset=_visible(request))
    if not form.is_valid():
        raise Http404("Message introuvable")
    notifications = list(form.cleaned_data["notifications"].select_related("beneficiary").order_by("pk"))
    count = services.notifications_call_done(notifications=notifications, user=request.user)
    if count:
        person = _shown_one(request, notifications[0], AccessPurpose.CALL_LIST)
        what = f" ({count} messages)" if count > 1 else ""
        messages.success(request, f"Appel à {person.name} noté comme fait{what}.")
    else:
        messages.info(request, "Cet appel était déjà noté comme fait.")
    return redirect(next_or(request, "notifications:to_call"))


@login_required
def letters(request):
    page = _page(request, _visible(request).to_print(), AccessPurpose.LETTERS)
    printable = [n for n in page.object_list if n.person.in_scope]
    form = NotificationBatchForm(queryset=_visible(request).to_print(), initial={"notifications": printable})
    context = _context(request, "to_print", "Courriers à imprimer", page=page, form=form, printable=printable)
    return render(request, "notifications/letters.html", context)


def _pdf_response(notifications, filename: str) -> HttpResponse:
    response = HttpResponse(letters_pdf(notifications), content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="{filename}"'
    return response


@login_required
def letter_pdf(request, pk):
    notification = get_object_or_404(
        _visible(request).filter(channel=ContactChannel.LETTER).select_related("beneficiary"), pk=pk
    )
    if _shown_one(request, notification, AccessPurpose.LETTER_PDF).is_masked:
        raise PermissionDenied(OTHER_STRUCTURE_LETTER)
    return _pdf_response([notification], f"courrier-{notification.pk}.pdf")


@login_required
def letters_batch_pdf(request):
    """The letters listed on the page, as one PDF to print in one go."""
    form = NotificationBatchForm(request.GET, queryset=_visible(request).to_print())
    if not form.is_valid():
        messages.info(request, "Ces courriers ont déjà été imprimés, ou vous n'y avez pas accès.")
        return redirect("notifications:letters")
    batch = _show(
        request,
        form.cleaned_data["notifications"].select_related("beneficiary").order_by("created_at", "pk"),
        AccessPurpose.LETTER_PDF,
        about="courriers imprimés ensemble",
    )
    printable = [n for n in batch if n.person.in_scope]
    if not printable:
        messages.info(request, OTHER_STRUCTURE_LETTER)
        return redirect("notifications:letters")
    return _pdf_response(printable, f"courriers-{timezone.localdate():%Y-%m-%d}.pdf")


@login_required
@require_POST
def letters_printed(request):
    form = NotificationBatchForm(request.POST, queryset=_visible(request).to_print())
    if form.is_valid():
        count = services.letters_mark_printed(notifications=form.cleaned_data["notifications"], user=request.user)
        messages.success(request, f"{count} courrier{'s' if count > 1 else ''} noté{'s' if count > 1 else ''} imprimé.")
    else:
        messages.warning(request, "Ces courriers ont déjà été notés imprimés, ou vous n'y avez pas accès.")
    return redirect("notifications:letters")


@login_required
def failures(request):
    visible = _visible(request)
    page = _page(request, visible.failed(), AccessPurpose.FAILED_SENDS)
    retrying = _show(
        request,
        visible.retrying().with_context().order_by("next_attempt_at", "pk")[:50],
        AccessPurpose.FAILED_SENDS,
        about="nouveaux essais en cours",
    )
    context = _context(request, "failed", "Échecs d'envoi", page=page, retrying=retrying)
    return render(request, "notifications/failures.html", context)


@login_required
@require_POST
def retry(request, pk):
    notification = get_object_or_404(_visible(request).select_related("beneficiary"), pk=pk)
    if services.notification_retry(notification=notification, user=request.user):
        person = _shown_one(request, notification, AccessPurpose.FAILED_SENDS)
        messages.success(request, f"Nouvel envoi demandé pour {person.name}.")
    else:
        messages.info(request, "Ce message n'est plus en échec.")
    return redirect("notifications:failures")
