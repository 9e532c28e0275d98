"""Workshop screens: catalogue, sessions, calendar and iCal, booking (staff and public), attendance,
printable sheet, CSV, certificates, statistics. Thin views: rules live in tremplin.workshops."""

import datetime

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Prefetch, Q
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.template.defaultfilters import pluralize
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_http_methods, require_POST
from django_ratelimit.decorators import ratelimit

from tremplin.accounts.perms import visible_sites
from tremplin.beneficiaries import disclosure
from tremplin.beneficiaries.enums import AccessPurpose
from tremplin.frenchdates import french_date
from tremplin.network.models import Site
from tremplin.notifications import services as notification_services
from tremplin.notifications.enums import NotificationKind
from tremplin.pdf import render_pdf
from tremplin.workshops import perms, selectors, services
from tremplin.workshops.enums import (
    DAY_NAMES,
    Attendance,
    Autonomy,
    RegistrationSource,
    RegistrationStatus,
    SessionStatus,
    Thematique,
    WorkshopLevel,
)
from tremplin.workshops.models import CalendarFeed, Programme, Registration, Session
from tremplin.workshops.nearby import WEEKS_AHEAD
from tremplin.www import ratelimits
from tremplin.www.framing import embeddable
from tremplin.www.redirects import next_or, safe_next

from . import documents
from .forms import ProgrammeForm, PublicBookingForm, SessionForm


def _crumbs(*items):
    return [("Accueil", reverse("home:index")), ("Ateliers", reverse("workshops:index")), *items]


def _visible_session_or_404(request, pk, queryset=None) -> Session:
    queryset = queryset if queryset is not None else Session.objects.all()
    session = perms.visible_sessions(request.user, queryset).filter(pk=pk).first()
    if session is None:
        raise Http404("Séance introuvable")
    return session


def _about(session: Session) -> str:
    """What a screen about this session says in the access journal (never a person's name)."""
    return f"séance n° {session.pk} du {timezone.localtime(session.starts_at):%d/%m/%Y}"


def _show_people(request, registrations, purpose: str, session: Session) -> list[Registration]:
    """Each registration gets `.person`: what this viewer may see of the person (the one read path)."""
    return disclosure.attach_people(request.user, registrations, purpose=purpose, about=_about(session))


def _require(allowed: bool, message: str) -> None:
    if not allowed:
        raise PermissionDenied(message)


# --- sessions list, detail -------------------------------------------------------------------------


@login_required
def index(request):
    user = request.user
    sessions = selectors.with_counts(perms.visible_sessions(user).upcoming()).select_related(
        "programme", "site", "mediator"
    )
    site_id = request.GET.get("lieu")
    sites = visible_sites(user).filter(sessions__isnull=False).distinct().order_by("name")
    if site_id and site_id.isdigit():
        sessions = sessions.filter(site_id=int(site_id))
    context = {
        "title": "Ateliers à venir",
        "breadcrumb": _crumbs(),
        "sessions": sessions.order_by("starts_at", "pk")[:200],
        "sites": sites if not user.is_national else [],
        "site_id": site_id,
        "can_organise": perms.can_organise(user),
        "can_edit_catalogue": perms.can_edit_catalogue(user),
    }
    return render(request, "workshops/index.html", context)


@login_required
def session_detail(request, pk):
    user = request.user
    session = _visible_session_or_404(
        request,
        pk,
        Session.objects.select_related("programme", "site", "mediator", "series", "updated_by").prefetch_related(
            Prefetch(
                "registrations",
                queryset=Registration.objects.active().select_related("beneficiary", "created_by"),
            )
        ),
    )
    registrations = _show_people(request, session.registrations.all(), AccessPurpose.SESSION, session)
    confirmed = [r for r in registrations if r.status == RegistrationStatus.CONFIRMED]
    waitlisted = sorted(
        (r for r in registrations if r.status == RegistrationStatus.WAITLISTED), key=lambda r: (r.created_at, r.pk)
    )
    context = {
        "title": str(session.programme.title),
        "breadcrumb": _crumbs((f"Séance du {timezone.localtime(session.starts_at):%d/%m/%Y}", None)),
        "session": session,
        "confirmed": confirmed,
        "waitlisted": waitlisted,
        "free": max(0, session.capacity - len(confirmed)),
        "masked_count": sum(1 for r in registrations if r.person.is_masked),
        "requests": _show_people(
            request, Registration.objects.pending_requests(session), AccessPurpose.SESSION, session
        ),
        "can_organise": perms.can_organise(user),
        "is_planned": session.status == SessionStatus.PLANNED,
        "has_started": session.starts_at <= timezone.now(),
    }
    return render(request, "workshops/session_detail.html", context)


# --- catalogue -------------------------------------------------------------------------------------


@login_required
def catalogue(request):
    context = {
        "title": "Catalogue des ateliers",
        "breadcrumb": _crumbs(("Catalogue", None)),
        "programmes": Programme.objects.all(),
        "can_edit": perms.can_edit_catalogue(request.user),
    }
    return render(request, "workshops/catalogue.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def programme_edit(request, pk=None):
    _require(perms.can_edit_catalogue(request.user), "Votre rôle ne permet pas de modifier le catalogue.")
    programme = get_object_or_404(Programme, pk=pk) if pk else None
    initial = {name: getattr(programme, name) for name in services.PROGRAMME_FIELDS} if programme else None
    form = ProgrammeForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            if programme:
                services.programme_update(programme=programme, by=request.user, **form.cleaned_data)
            else:
                programme = services.programme_create(by=request.user, **form.cleaned_data)
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, f"L'atelier « {programme.title} » est enregistré.")
            return redirect("workshops:catalogue")
    title = f"Modifier — {programme.title}" if programme else "Nouvel atelier au catalogue"
    context = {
        "title": title,
        "breadcrumb": _crumbs(("Catalogue", reverse("workshops:catalogue")), (title, None)),
        "form": form,
    }
    return render(request, "workshops/form.html", context)


# --- sessions: create, edit, cancel ----------------------------------------------------------------


def _session_fields(request, data) -> dict:
    return {
        "programme": data["programme"],
        "site": None if data.get("is_remote") and not data.get("site") else data.get("site"),
        "is_remote": data.get("is_remote", False),
        "mediator": data.get("mediator") or request.user,
        "starts_at": data["starts_at"],
        "ends_at": data["ends_at"],
        "capacity": data["capacity"],
        "equipment_lent": data.get("equipment_lent", ""),
    }


@login_required
@require_http_methods(["GET", "POST"])
def session_create(request):
    _require(perms.can_organise(request.user), "Votre rôle ne permet pas de programmer des séances.")
    sites = visible_sites(request.user).order_by("name")
    form = SessionForm(
        request.POST or None, sites=sites, user=request.user, initial={"programme": request.GET.get("atelier")}
    )
    if request.method == "POST" and form.is_valid():
        fields = _session_fields(request, form.cleaned_data)
        try:
            weeks = form.cleaned_data["weeks"]
            if weeks > 1:
                created = services.session_series_create(weeks=weeks, by=request.user, **fields)
            else:
                created = [services.session_create(by=request.user, **fields)]
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(
                request,
                f"{len(created)} séance{'s' if len(created) > 1 else ''} programmée{'s' if len(created) > 1 else ''}.",
            )
            return redirect("workshops:session", pk=created[0].pk)
    context = {
        "title": "Programmer une séance",
        "breadcrumb": _crumbs(("Programmer une séance", None)),
        "form": form,
    }
    return render(request, "workshops/form.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def session_edit(request, pk):
    _require(perms.can_organise(request.user), "Votre rôle ne permet pas de modifier des séances.")
    session = _visible_session_or_404(request, pk)
    local_start, local_end = timezone.localtime(session.starts_at), timezone.localtime(session.ends_at)
    initial = {
        "programme": session.programme_id,
        "site": session.site_id,
        "is_remote": session.is_remote,
        "mediator": session.mediator_id,
        "date": local_start.date(),
        "start_time": local_start.time(),
        "end_time": local_end.time(),
        "capacity": session.capacity,
        "equipment_lent": session.equipment_lent,
    }
    sites = visible_sites(request.user).order_by("name")
    form = SessionForm(request.POST or None, initial=initial, sites=sites, user=request.user, with_weeks=False)
    if request.method == "POST" and form.is_valid():
        fields = _session_fields(request, form.cleaned_data)
        if "mediator" not in form.fields:
            fields["mediator"] = session.mediator
        fields["ends_at"] = fields["ends_at"] or fields["starts_at"] + (session.ends_at - session.starts_at)
        try:
            services.session_update(session=session, by=request.user, **fields)
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(
                request,
                "La séance est modifiée. Les personnes inscrites sont prévenues d'un changement de date ou de lieu.",
            )
            return redirect("workshops:session", pk=session.pk)
    context = {
        "title": "Modifier la séance",
        "breadcrumb": _crumbs(
            (str(session.programme.title), reverse("workshops:session", args=[pk])), ("Modifier", None)
        ),
        "form": form,
    }
    return render(request, "workshops/form.html", context)


def _confirm(request, *, title: str, session: Session, lines: list[str], confirm_label: str, back: str):
    """The confirmation page of a destructive action (GET): what will happen, who is told, « Oui » posts the same
    address, « Non, revenir » goes back. No JavaScript needed."""
    session_url = reverse("workshops:session", args=[session.pk])
    context = {
        "title": title,
        "breadcrumb": _crumbs(
            (f"Séance du {timezone.localtime(session.starts_at):%d/%m/%Y}", session_url),
            (title, None),
        ),
        "session": session,
        "lines": lines,
        "confirm_label": confirm_label,
        "back": back,
        "next": safe_next(request),
    }
    return render(request, "workshops/confirm.html", context)


SESSION_WHEN = r"l j F Y \à H\hi"


def _session_label(session: Session) -> str:
    return f"« {session.programme.title} » du {french_date(session.starts_at, SESSION_WHEN)}"


@login_required
@require_http_methods(["GET", "POST"])
def session_cancel(request, pk):
    _require(perms.can_organise(request.user), "Votre rôle ne permet pas d'annuler des séances.")
    session = _visible_session_or_404(request, pk, Session.objects.select_related("programme"))
    if request.method == "GET":
        counts = {status: 0 for status in RegistrationStatus}
        for status in session.registrations.values_list("status", flat=True):
            counts[status] += 1
        seated, waiting = counts[RegistrationStatus.CONFIRMED], counts[RegistrationStatus.WAITLISTED]
        requested = counts[RegistrationStatus.REQUESTED]
        told = "chacune est prévenue par son moyen de contact (SMS, e-mail, appel ou courrier)"
        lines = [
            f"La séance {_session_label(session)} sera annulée, ainsi que toutes ses inscriptions.",
            f"{seated} personne{pluralize(seated)} inscrite{pluralize(seated)} et {waiting} en liste d'attente : "
            f"{told if seated + waiting else 'personne à prévenir'}.",
        ]
        if requested:
            lines.append(
                f"{requested} demande{pluralize(requested)} faite{pluralize(requested)} en ligne, pas encore "
                f"confirmée{pluralize(requested)} : écartée{pluralize(requested)} sans message (une demande ne "
                "tient aucune place)."
            )
        lines.append("Une séance annulée ne peut pas être rétablie : il faudra en créer une nouvelle.")
        return _confirm(
            request,
            title="Annuler la séance ?",
            session=session,
            lines=lines,
            confirm_label="Oui, annuler la séance",
            back=reverse("workshops:session", args=[pk]),
        )
    try:
        services.session_cancel(session=session, by=request.user)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, "La séance est annulée. Chaque personne inscrite est prévenue.")
    return redirect("workshops:session", pk=pk)


@login_required
@require_http_methods(["GET", "POST"])
def registration_cancel(request, pk):
    """Cancel a registration, or « Écarter » a request made on the public page; GET asks first."""
    registration = get_object_or_404(
        perms.visible_registrations(request.user).select_related("session__programme", "beneficiary"), pk=pk
    )
    _require(perms.can_manage_registrations(request.user), "Votre rôle ne permet pas d'annuler des inscriptions.")
    is_request = registration.status == RegistrationStatus.REQUESTED
    person = disclosure.person_shown(
        request.user, registration.beneficiary, purpose=AccessPurpose.SESSION, about=_about(registration.session)
    )
    if request.method == "GET":
        return _registration_cancel_confirm(request, registration, person, is_request)
    try:
        services.registration_cancel(registration=registration, user=request.user)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
        return redirect("workshops:session", pk=registration.session_id)
    what = "La demande d'inscription" if is_request else "L'inscription"
    messages.success(request, f"{what} de {person.name} est {'écartée' if is_request else 'annulée'}.")
    return redirect(next_or(request, "workshops:session", registration.session_id))


def _registration_cancel_confirm(request, registration: Registration, person, is_request: bool):
    session = registration.session
    back = safe_next(request) or reverse("workshops:session", args=[session.pk])
    if registration.status == RegistrationStatus.CANCELLED:
        messages.info(request, "Cette inscription est déjà annulée.")
        return redirect(back)
    if is_request:
        lines = [
            f"La demande d'inscription de {person.name} à la séance {_session_label(session)} sera écartée.",
            "Elle ne tenait aucune place : personne n'est prévenu, et les appels ou courriers qui l'attendaient "
            "sont retirés des listes.",
        ]
        title, label = "Écarter la demande ?", "Oui, écarter la demande"
    else:
        told = (
            notification_services.how_told(registration.beneficiary, kind=NotificationKind.CANCELLATION)
            if person.in_scope
            else "par sa structure"
        )
        lines = [
            f"L'inscription de {person.name} à la séance {_session_label(session)} sera annulée.",
            f"La personne est prévenue {told}.",
        ]
        if registration.status == RegistrationStatus.CONFIRMED and session.registrations.waitlisted().exists():
            lines.append("Sa place revient à la première personne de la liste d'attente, qui est prévenue.")
        title, label = "Annuler l'inscription ?", "Oui, annuler l'inscription"
    return _confirm(request, title=title, session=session, lines=lines, confirm_label=label, back=back)


@login_required
@require_POST
def registration_request_confirm(request, pk):
    """An agent confirms a request from the public page, after calling the person (session page)."""
    registration = get_object_or_404(perms.visible_registrations(request.user), pk=pk)
    _require(perms.can_manage_registrations(request.user), "Votre rôle ne permet pas de confirmer des inscriptions.")
    try:
        registration = services.registration_request_confirm(registration=registration, by=request.user)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        if registration.status == RegistrationStatus.CONFIRMED:
            messages.success(request, "La demande est confirmée : la personne est inscrite. Elle est prévenue.")
        elif registration.status == RegistrationStatus.WAITLISTED:
            messages.info(
                request,
                f"La demande est confirmée, mais la séance est complète : la personne est en liste d'attente "
                f"(position {registration.position}). Elle est prévenue.",
            )
        else:
            messages.info(request, "Cette personne était déjà inscrite à la séance : la demande est retirée.")
    return redirect("workshops:session", pk=registration.session_id)


# --- booking from a person's record ----------------------------------------------------------------


def _person(request, pk):
    from tremplin.www.beneficiaries.views import get_visible_person_or_404

    return get_visible_person_or_404(request, pk, purpose=AccessPurpose.BOOKING)


@login_required
def person_booking(request, pk):
    user = request.user
    person = _person(request, pk)
    themes = [t for t in request.GET.getlist("theme") if t in Thematique.values]
    level = request.GET.get("niveau", "")
    sessions = selectors.with_counts(perms.visible_sessions(user).upcoming()).select_related("programme", "site")
    if themes:
        sessions = sessions.filter(programme__theme__in=themes)
    if level in WorkshopLevel.values:
        sessions = sessions.filter(programme__level=level)
    own = (
        person.registrations.active()
        .filter(session__status=SessionStatus.PLANNED, session__starts_at__gte=timezone.now())
        .select_related("session__programme", "session__site")
        .order_by("session__starts_at")
    )
    booked = {r.session_id for r in own}
    context = {
        "title": f"Inscrire {person.display_name} à un atelier",
        "breadcrumb": [
            ("Accueil", reverse("home:index")),
            ("Personnes", reverse("beneficiaries:list")),
            (person.display_name, reverse("beneficiaries:detail", args=[person.pk])),
            ("Ateliers", None),
        ],
        "person": person,
        "registrations": own,
        "sessions": [s for s in sessions.order_by("starts_at", "pk")[:100] if s.pk not in booked],
        "themes": themes,
        "theme_choices": Thematique.choices,
        "level": level,
        "level_choices": WorkshopLevel.choices,
        "can_book": perms.can_book(user),
    }
    return render(request, "workshops/person_booking.html", context)


@login_required
@require_POST
def person_book(request, pk, session_pk):
    _require(perms.can_book(request.user), "Votre rôle ne permet pas d'inscrire des personnes.")
    person = _person(request, pk)
    session = _visible_session_or_404(request, session_pk)
    try:
        registration = services.registration_create(
            session=session,
            beneficiary=person,
            source=RegistrationSource.STAFF,
            user=request.user,
            callback_requested=bool(request.POST.get("callback_requested")),
        )
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        if registration.status == RegistrationStatus.CONFIRMED:
            messages.success(request, f"{person.display_name} est inscrit·e à la séance du {_when(session)}.")
        else:
            messages.info(
                request,
                f"La séance est complète : {person.display_name} est en liste d'attente "
                f"(position {registration.position}). La personne sera prévenue si une place se libère.",
            )
    return redirect("workshops:person", pk=person.pk)


def _when(session: Session) -> str:
    start = timezone.localtime(session.starts_at)
    return f"{DAY_NAMES[start.weekday()]} {start:%d/%m/%Y à %Hh%M}"


# --- calendar and iCal -----------------------------------------------------------------------------


@login_required
def calendar_week(request):
    user = request.user
    today = timezone.localdate()
    try:
        day = datetime.date.fromisoformat(request.GET.get("semaine", ""))
    except ValueError:
        day = today
    monday = day - datetime.timedelta(days=day.weekday())
    start = timezone.make_aware(datetime.datetime.combine(monday, datetime.time.min))
    end = start + datetime.timedelta(days=7)
    sessions = (
        selectors.with_counts(perms.visible_sessions(user).filter(Q(mediator=user) | Q(site__in=user.sites.all())))
        .filter(starts_at__gte=start, starts_at__lt=end)
        .select_related("programme", "site", "mediator")
        .order_by("starts_at")
    )
    days = [{"date": monday + datetime.timedelta(days=i), "name": DAY_NAMES[i], "sessions": []} for i in range(7)]
    for session in sessions:
        days[timezone.localtime(session.starts_at).weekday()]["sessions"].append(session)
    feed = CalendarFeed.objects.filter(user=user).first()
    context = {
        "title": f"Mon agenda — semaine du {monday:%d/%m/%Y}",
        "breadcrumb": _crumbs(("Agenda", None)),
        "days": days,
        "monday": monday,
        "previous": monday - datetime.timedelta(days=7),
        "next": monday + datetime.timedelta(days=7),
        "today": today,
        "feed_url": request.build_absolute_uri(reverse("workshops:ical", args=[feed.token])) if feed else None,
    }
    return render(request, "workshops/calendar.html", context)


@login_required
@require_POST
def calendar_feed(request):
    services.calendar_feed_for(request.user, renew=bool(request.POST.get("renouveler")))
    messages.success(request, "Votre adresse d'agenda est prête. Gardez-la pour vous : elle donne accès à vos séances.")
    return redirect("workshops:calendar")


def ical(request, token):
    feed = get_object_or_404(CalendarFeed.objects.select_related("user"), token=token, user__is_active=True)
    now = timezone.now()
    sessions = (
        Session.objects.filter(mediator=feed.user, starts_at__gte=now - datetime.timedelta(days=30))
        .filter(starts_at__lte=now + datetime.timedelta(days=365))
        .select_related("programme", "site")
        .order_by("starts_at")
    )
    body = documents.ical_feed(sessions, user=feed.user, base_url=request.build_absolute_uri("/"))
    response = HttpResponse(body, content_type="text/calendar; charset=utf-8")
    response["Content-Disposition"] = 'inline; filename="ateliers.ics"'
    return response


# --- attendance, documents -------------------------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def attendance(request, pk):
    _require(perms.can_organise(request.user), "Votre rôle ne permet pas de remplir la feuille de présence.")
    session = _visible_session_or_404(request, pk, Session.objects.select_related("programme", "site"))
    registrations = list(
        session.registrations.confirmed()
        .select_related("beneficiary")
        .order_by("beneficiary__last_name", "beneficiary__first_name", "pk")
    )
    errors = []
    if request.method == "POST":
        marks = {
            r.pk: (request.POST.get(f"presence-{r.pk}", ""), request.POST.get(f"autonomie-{r.pk}", ""))
            for r in registrations
        }
        try:
            services.attendance_record(session=session, marks=marks, by=request.user)
        except ValidationError as error:
            errors = error.messages
        else:
            messages.success(request, "La feuille de présence est enregistrée.")
            return redirect("workshops:session", pk=pk)
    registrations = _show_people(request, registrations, AccessPurpose.ATTENDANCE, session)
    context = {
        "title": f"Présences — {session.programme.title}",
        "breadcrumb": _crumbs(
            (str(session.programme.title), reverse("workshops:session", args=[pk])), ("Présences", None)
        ),
        "session": session,
        "registrations": registrations,
        "attendance_choices": Attendance.choices,
        "autonomy_choices": Autonomy.choices,
        "errors": errors,
        "has_started": session.starts_at <= timezone.now(),
    }
    return render(request, "workshops/attendance.html", context)


def _organised_session(request, pk) -> Session:
    _require(perms.can_manage_registrations(request.user), "Votre rôle ne donne pas accès aux documents des séances.")
    return _visible_session_or_404(request, pk, Session.objects.select_related("programme", "site", "mediator"))


@login_required
def attendance_sheet_pdf(request, pk):
    session = _organised_session(request, pk)
    registrations = _show_people(
        request,
        session.registrations.confirmed()
        .select_related("beneficiary")
        .order_by("beneficiary__last_name", "beneficiary__first_name", "pk"),
        AccessPurpose.ATTENDANCE_PDF,
        session,
    )
    pdf = render_pdf("workshops/pdf/attendance_sheet.html", {"session": session, "registrations": registrations})
    return _pdf_response(pdf, f"feuille-presence-{session.pk}.pdf")


@login_required
def participants_csv(request, pk):
    session = _organised_session(request, pk)
    registrations = _show_people(
        request,
        session.registrations.select_related("beneficiary", "created_by", "cancelled_by").order_by(
            "status", "created_at", "pk"
        ),
        AccessPurpose.PARTICIPANTS_CSV,
        session,
    )
    response = HttpResponse(documents.participants_csv(session, registrations), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="participants-seance-{session.pk}.csv"'
    return response


@login_required
def certificate_pdf(request, pk):
    registration = get_object_or_404(
        perms.visible_registrations(request.user).select_related(
            "beneficiary", "session__programme", "session__site", "session__mediator"
        ),
        pk=pk,
        attendance=Attendance.PRESENT,
    )
    registration.person = disclosure.person_shown(
        request.user, registration.beneficiary, purpose=AccessPurpose.CERTIFICATE, about=_about(registration.session)
    )
    if registration.person.is_masked:
        raise PermissionDenied(
            "Cette personne est suivie par une autre structure : c'est elle qui lui remet son attestation."
        )
    pdf = render_pdf("workshops/pdf/certificate.html", {"registration": registration, "session": registration.session})
    return _pdf_response(pdf, f"attestation-atelier-{registration.pk}.pdf")


def _pdf_response(pdf: bytes, filename: str) -> HttpResponse:
    response = HttpResponse(pdf, content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="{filename}"'
    return response


# --- statistics, people to call --------------------------------------------------------------------


@login_required
def stats(request):
    _require(perms.can_view_stats(request.user), "Votre rôle ne donne pas accès aux statistiques des ateliers.")
    try:
        days = max(7, min(int(request.GET.get("jours", 90)), 730))
    except ValueError:
        days = 90
    now = timezone.now()
    sessions = perms.visible_sessions(request.user).filter(
        starts_at__gte=now - datetime.timedelta(days=days), starts_at__lt=now
    )
    by_site = selectors.rates_by_site(sessions)
    context = {
        "title": "Statistiques des ateliers",
        "breadcrumb": _crumbs(("Statistiques", None)),
        "days": days,
        "total": selectors.total(by_site),
        "by_site": by_site,
        "by_mediator": selectors.rates_by_mediator(sessions),
        "by_session": selectors.rates_by_session(sessions)[:50],
    }
    return render(request, "workshops/stats.html", context)


# --- public pages (no account) ---------------------------------------------------------------------


@embeddable
@require_http_methods(["GET", "POST"])
@ratelimit(key="ip", rate=ratelimits.PUBLIC_BOOKING_RATE, method="POST", block=False)
def public_booking(request, site_id):
    """Self-booking page of a place; `?integre=1` drops the header and footer to be embedded in a partner's site."""
    site = get_object_or_404(Site, pk=site_id)
    embedded = request.GET.get("integre") == "1"
    now = timezone.now()
    sessions = list(
        selectors.with_counts(Session.objects.upcoming().filter(site=site))
        .filter(starts_at__lte=now + datetime.timedelta(weeks=WEEKS_AHEAD))
        .select_related("programme")
        .order_by("starts_at", "pk")
    )
    for session in sessions:
        session.free_seats = max(0, session.capacity - session.confirmed_count)
        plural = "s" if session.free_seats > 1 else ""
        seats = (
            f"{session.free_seats} place{plural} libre{plural}" if session.free_seats else "complet : liste d'attente"
        )
        session.public_label = f"{session.programme.title} — {_when(session)} ({seats})"
    programme_id = request.GET.get("atelier", "")
    shown = [s for s in sessions if str(s.programme_id) == programme_id] if programme_id.isdigit() else sessions
    form = PublicBookingForm(request.POST or None, sessions=sessions, initial={"session": request.GET.get("seance")})
    if request.method == "POST":
        if request.limited:
            form.add_error(None, ratelimits.LIMITED_MESSAGE)
        elif form.is_valid() and not form.cleaned_data["website"]:
            data = form.cleaned_data
            session = next(s for s in sessions if s.pk == data["session"])
            try:
                # A request, confirmed by the link sent to the person's own contact: the phone number typed may
                # be someone else's, so the answer is the same whether it is known, already booked, or new.
                services.registration_request(
                    session=session,
                    first_name=data["first_name"],
                    last_name=data["last_name"],
                    phone=data["phone"],
                    birth_year=data["birth_year"],
                    callback_requested=data["callback_requested"],
                    consent_given=data["consent"],
                )
            except ValidationError as error:
                for field, field_messages in services_errors(error).items():
                    form.add_error(field if field in form.fields else None, field_messages)
            else:
                # Answered on this page (not a redirect): it is the only one that may be shown in a frame. It shows
                # what the visitor chose, and nothing of any registration.
                context = {
                    "title": "Votre demande est enregistrée",
                    "site": site,
                    "session": session,
                    "when": _when(session),
                    "embedded": embedded,
                    "callback_requested": data["callback_requested"],
                }
                return render(request, "workshops/public_booked.html", context)
        elif form.is_valid():
            form.add_error(None, "Votre demande n'a pas pu être enregistrée.")
    programmes = {s.programme_id: s.programme for s in sessions}
    context = {
        "title": f"S'inscrire à un atelier — {site.name}",
        "site": site,
        "sessions": shown,
        "programmes": list(programmes.values()),
        "programme_id": programme_id,
        "form": form,
        "embedded": embedded,
    }
    return render(request, "workshops/public_booking.html", context)


def services_errors(error: ValidationError) -> dict:
    if not hasattr(error, "error_dict"):
        return {None: error.messages}
    return {("phone" if k in ("mobile_phone", "landline_phone") else k): v for k, v in error.message_dict.items()}


@require_http_methods(["GET", "POST"])
@ratelimit(key="ip", rate=ratelimits.MANAGE_REGISTRATION_RATE, method="POST")  # limited: settings.RATELIMIT_VIEW
def manage_registration(request, token):
    """The link of every message: the person validates their request from the public page, confirms they will
    come, or cancels, without an account. It shows this registration only (never the person's other ones)."""
    registration = get_object_or_404(
        Registration.objects.select_related("session__programme", "session__site"), token=token
    )
    session = registration.session
    if request.method == "POST":
        action = request.POST.get("action")
        try:
            if action == "valider":
                validated = services.registration_request_confirm(registration=registration)
                if validated.status == RegistrationStatus.CONFIRMED:
                    messages.success(request, "Merci, votre inscription est validée : votre place est réservée.")
                elif validated.status == RegistrationStatus.WAITLISTED:
                    messages.info(
                        request,
                        "Merci, votre demande est validée. L'atelier est complet : vous êtes sur la liste "
                        f"d'attente, en position {validated.position}. Nous vous prévenons si une place se libère.",
                    )
                else:
                    messages.info(
                        request, "Vous étiez déjà inscrit·e à cette séance : rien ne change, votre place est gardée."
                    )
            elif action == "confirmer":
                services.registration_confirm_by_person(registration=registration)
                messages.success(request, "Merci, votre présence est confirmée. À bientôt !")
            elif action == "annuler":
                was_request = registration.status == RegistrationStatus.REQUESTED
                services.registration_cancel(registration=registration)
                messages.success(
                    request,
                    "Votre demande est annulée : aucune place n'est réservée."
                    if was_request
                    else "Votre inscription est annulée. Votre place est proposée à une autre personne.",
                )
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
        return redirect("workshops:manage", token=token)
    registration.refresh_from_db()
    context = {
        "title": "Mon inscription à l'atelier",
        "registration": registration,
        "session": session,
        "when": _when(session),
        "position": services.waitlist_position(registration),
        # « Je ne pourrai pas venir » first asks: a tap by mistake must not give the seat away.
        "confirm_cancel": request.GET.get("annuler") == "1",
        "is_open": session.status == SessionStatus.PLANNED and session.starts_at > timezone.now(),
        "public_url": reverse("workshops:public", args=[session.site_id]) if session.site_id else None,
    }
    return render(request, "workshops/manage_registration.html", context)
