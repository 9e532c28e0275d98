"""Activity records typed by mediators: « Mes activités », the individual accompaniment form, a workshop typed by
hand, a workshop session's record (from its attendance sheet), detail, correction, deletion. Thin views: the rules
are in tremplin.activities.services, the scopes in tremplin.activities.perms, the names come through
tremplin.beneficiaries.disclosure."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db import transaction
from django.db.models import Count, Q
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_http_methods

from tremplin.accounts.enums import Role
from tremplin.activities import perms, selectors, services
from tremplin.activities.enums import (
    AdministrativeTheme,
    Equipment,
    Kind,
    PlaceType,
    Thematique,
)
from tremplin.activities.models import Activity
from tremplin.beneficiaries import disclosure
from tremplin.beneficiaries.enums import AccessPurpose
from tremplin.beneficiaries.models import Beneficiary
from tremplin.beneficiaries.perms import recording_sites, visible_beneficiaries
from tremplin.network.models import Site
from tremplin.reporting.filters import StatsFilters
from tremplin.taxonomy.coop import DURATION_PRESETS
from tremplin.workshops import perms as workshop_perms
from tremplin.workshops.models import Session

from .forms import OTHER_DURATION, AccompanimentForm, ActivityFilterForm, SessionRecordForm, WorkshopForm

PAGE_SIZE = 50
SEARCH_RESULTS = 20
THEME_LABELS = {**dict(Thematique.choices), **dict(AdministrativeTheme.choices)}
EQUIPMENT_LABELS = dict(Equipment.choices)


def _crumbs(*items):
    return [("Accueil", reverse("home:index")), ("Activités", reverse("activities:list")), *items]


def _require(allowed: bool, message: str) -> None:
    if not allowed:
        raise PermissionDenied(message)


def _visible_activity_or_404(request, pk) -> Activity:
    activity = (
        perms.visible_activities(request.user)
        .select_related("site", "commune", "mediator", "session__programme", "organisation")
        .filter(pk=pk)
        .first()
    )
    if activity is None:
        raise Http404("Activité introuvable")
    return activity


def _themes(activity: Activity) -> list[str]:
    return [THEME_LABELS.get(code, code) for code in (*activity.themes, *activity.admin_themes)]


def _place(activity: Activity) -> str:
    if activity.site_id:
        return activity.site.name
    if activity.place_type == PlaceType.REMOTE:
        return "À distance"
    if activity.commune_id:
        return f"{activity.get_place_type_display()}, {activity.commune.name}"
    return activity.get_place_type_display() or "—"


# --- « Mes activités » -------------------------------------------------------------------------------------------


@login_required
def activity_list(request):
    user = request.user
    filters, filter_errors = StatsFilters.from_params(request.GET)
    activities = perms.visible_activities(user).between(filters.date_from, filters.date_to)
    if filters.kind:
        activities = activities.filter(kind=filters.kind)
    if filters.theme:
        activities = activities.with_theme(filters.theme)
    activities = (
        activities.select_related("site", "commune").annotate(named=Count("participants")).order_by("-date", "-pk")
    )
    page = Paginator(activities, PAGE_SIZE).get_page(request.GET.get("page"))
    rows = [
        {
            "activity": activity,
            "themes": _themes(activity),
            "place": _place(activity),
            "participants": activity.named + activity.anonymous_count,
        }
        for activity in page.object_list
    ]
    params = request.GET.copy()
    params.pop("page", None)
    own = user.role in (Role.MEDIATOR, Role.COUNTER_AGENT)
    context = {
        "title": "Mes activités" if own else "Activités",
        "breadcrumb": [("Accueil", reverse("home:index")), ("Activités", None)],
        "filter_form": ActivityFilterForm(request.GET or None, kinds=Kind.choices),
        "filter_errors": filter_errors,
        "page": page,
        "rows": rows,
        "query": params.urlencode(),
        "can_record": perms.can_record_activity(user),
    }
    return render(request, "activities/list.html", context)


# --- the forms' shared parts -------------------------------------------------------------------------------------


class _DryRun(Exception):
    """Raised to undo a successful call made only to collect its errors."""


def _service_errors(call) -> ValidationError | None:
    """The service's faults for what could be read of the form, without writing anything: the page then shows every
    fault at once (the form's reading errors and the record's rules)."""
    try:
        with transaction.atomic():
            call()
            raise _DryRun
    except ValidationError as error:
        return error
    except _DryRun:
        return None


def _prefill(user, sites) -> dict:
    """Today, the last duration and channel the mediator used, their usual site."""
    initial = {"date": timezone.localdate(), "place_type": PlaceType.ACTIVITY_PLACE}
    last = selectors.last_recorded(user)
    if last is not None:
        if last.duration_minutes in DURATION_PRESETS:
            initial["duration"] = str(last.duration_minutes)
        elif last.duration_minutes:
            initial["duration"], initial["duration_other"] = OTHER_DURATION, last.duration_minutes
        if last.place_type:
            initial["place_type"] = last.place_type
        if last.commune_id and last.place_type in (PlaceType.HOME, PlaceType.OTHER):
            initial["commune"] = last.commune
    site = selectors.usual_site(user, sites)
    if site is not None:
        initial["site"] = site.pk
    return initial


def _record_initial(activity: Activity) -> dict:
    """A record's values as the form's initial data (correction)."""
    minutes = activity.duration_minutes
    duration = {}
    if minutes in DURATION_PRESETS:
        duration = {"duration": str(minutes)}
    elif minutes:
        duration = {"duration": OTHER_DURATION, "duration_other": minutes}
    return {
        "date": activity.date,
        **duration,
        "place_type": activity.place_type,
        "site": activity.site_id,
        "commune": activity.commune if activity.place_type in (PlaceType.HOME, PlaceType.OTHER) else None,
        "equipment": activity.equipment,
        "themes": activity.themes,
        "admin_themes": activity.admin_themes,
        "procedure": activity.procedure,
        "notes": activity.notes,
        "autonomy": activity.autonomy,
        "referred": "oui" if activity.referred else "non",
        "structure_kind": activity.structure_kind,
        "title": activity.title,
        "level": activity.level,
    }


def _people_choices(request, *, extra_pks=(), about: str):
    """The people the form offers: those the mediator accompanied lately, those found by the search (`q`), and
    those already chosen; names shown through the one read path (journaled, purpose « activité »)."""
    user = request.user
    visible = visible_beneficiaries(user)
    people = selectors.recent_people(user, visible)
    query = request.GET.get("q", "").strip()[:100]
    found = []
    if len(query) >= 2:
        found = list(visible.search(query).order_by("last_name", "first_name", "pk")[:SEARCH_RESULTS])
    known = {p.pk for p in people}
    chosen = [pk for pk in extra_pks if pk not in known]
    if chosen:
        people += list(visible.filter(pk__in=chosen))
    people = found + [p for p in people if p.pk not in {f.pk for f in found}]
    shown = disclosure.people_shown(user, people, purpose=AccessPurpose.ACTIVITY, about=about)
    return [(p.pk, f"{shown[p.pk].name} (n° {p.pk})") for p in people], query, len(found)


def _posted_ids(request, name: str) -> list[int]:
    return [int(value) for value in request.POST.getlist(name) if value.isdigit() and len(value) < 12]


def _kept_query(request) -> str:
    params = request.GET.copy()
    return f"?{params.urlencode()}" if params else ""


# --- an individual accompaniment ---------------------------------------------------------------------------------


def _preselected_person(request):
    """The person of `?personne=`: on display, loaded and shown through disclosure.person_and_shown (journaled)."""
    pk = request.GET.get("personne", "")
    if not pk:
        return None, None
    try:
        if request.method == "POST":  # nothing is shown on success; a page redisplayed shows it again (journaled)
            person = visible_beneficiaries(request.user).get(pk=int(pk) if pk.isdigit() else -1)
            return person, None
        return disclosure.person_and_shown(
            request.user, pk, purpose=AccessPurpose.ACTIVITY, about="formulaire d'accompagnement"
        )
    except Beneficiary.DoesNotExist:
        raise Http404("Personne introuvable") from None


@login_required
@require_http_methods(["GET", "POST"])
def accompaniment_create(request):
    user = request.user
    _require(perms.can_record_activity(user), "Votre rôle ne permet pas d'enregistrer des accompagnements.")
    sites = recording_sites(user)
    person, shown = _preselected_person(request)
    people_choices, query, found = [], "", 0
    if person is None:
        people_choices, query, found = _people_choices(
            request, extra_pks=_posted_ids(request, "beneficiary"), about="formulaire d'accompagnement"
        )
    form = AccompanimentForm(
        request.POST if request.method == "POST" else None,  # an empty POST is a bound form too (not a 500)
        sites=sites,
        people_choices=people_choices,
        fixed_person=person,
        initial=_prefill(user, sites),
    )
    if request.method == "POST":
        beneficiary = person
        if person is None and form.is_valid() and form.cleaned_data.get("beneficiary"):
            beneficiary = visible_beneficiaries(user).filter(pk=form.cleaned_data["beneficiary"]).first()

        def record():
            return services.activity_record(
                by=user, kind=Kind.INDIVIDUAL, beneficiary=beneficiary, **form.record_fields()
            )

        if form.is_valid():
            try:
                record()
            except ValidationError as error:
                form.add_service_errors(error)
            else:
                messages.success(request, "L'accompagnement est enregistré.")
                if "encore" in request.POST:
                    return redirect("activities:create")
                if person is not None:
                    return redirect(reverse("beneficiaries:detail", args=[person.pk]) + "#parcours")
                return redirect("activities:list")
        else:
            error = _service_errors(record)
            if error is not None:
                form.add_service_errors(error)
        if person is not None:
            shown = disclosure.person_shown(
                user, person, purpose=AccessPurpose.ACTIVITY, about="formulaire d'accompagnement"
            )
    context = {
        "title": "Enregistrer un accompagnement",
        "breadcrumb": _crumbs(("Enregistrer un accompagnement", None)),
        "form": form,
        "person": person,
        "shown": shown,
        "query": query,
        "found": found,
        "action": request.path + _kept_query(request),
        "admin_theme": Thematique.AIDE_AUX_DEMARCHES_ADMINISTRATIVES,
    }
    return render(request, "activities/accompaniment_form.html", context)


# --- a workshop typed by hand ------------------------------------------------------------------------------------


def _workshop_people(request, form_participants, activity=None):
    if activity is not None:
        form_participants = [*form_participants, *activity.participants.values_list("beneficiary_id", flat=True)]
    return _people_choices(request, extra_pks=form_participants, about="formulaire d'atelier")


@login_required
@require_http_methods(["GET", "POST"])
def workshop_create(request):
    user = request.user
    _require(perms.can_record_activity(user), "Votre rôle ne permet pas d'enregistrer des ateliers.")
    sites = recording_sites(user)
    people_choices, query, found = _workshop_people(request, _posted_ids(request, "participants"))
    data = request.POST if request.method == "POST" else None  # an empty POST is a bound form too (not a 500)
    form = WorkshopForm(data, sites=sites, people_choices=people_choices, initial=_prefill(user, sites))
    if request.method == "POST":
        valid = form.is_valid()
        pks = form.cleaned_data.get("participants") or []
        participants = list(visible_beneficiaries(user).filter(pk__in=pks))

        def record():
            return services.activity_record(
                by=user, kind=Kind.COLLECTIVE, participants=participants, **form.record_fields()
            )

        if valid:
            try:
                activity = record()
            except ValidationError as error:
                form.add_service_errors(error)
            else:
                messages.success(request, "L'atelier est enregistré.")
                if "encore" in request.POST:
                    return redirect("activities:workshop_create")
                return redirect("activities:detail", pk=activity.pk)
        else:
            error = _service_errors(record)
            if error is not None:
                form.add_service_errors(error)
    context = {
        "title": "Enregistrer un atelier collectif",
        "breadcrumb": _crumbs(("Enregistrer un atelier collectif", None)),
        "form": form,
        "query": query,
        "found": found,
        "action": request.path + _kept_query(request),
        "admin_theme": Thematique.AIDE_AUX_DEMARCHES_ADMINISTRATIVES,
    }
    return render(request, "activities/workshop_form.html", context)


# --- a workshop session's record ---------------------------------------------------------------------------------


def _session_initial(activity: Activity, form_class) -> dict:
    initial = {
        "anonymous_count": activity.anonymous_count,
        "themes": activity.themes,
        "admin_themes": activity.admin_themes,
        "procedure": activity.procedure,
        "equipment": activity.equipment,
        "notes": activity.notes,
    }
    initial.update(form_class.breakdown_initial(None, activity.anonymous_breakdown))
    return initial


@login_required
@require_http_methods(["GET", "POST"])
def session_record(request, session_id):
    """The record of a held session: who came comes from its attendance sheet; the mediator adds what the sheet
    does not say. Only for the sessions the viewer may run (the attendance sheet's rule)."""
    user = request.user
    session = (
        workshop_perms.visible_sessions(user, Session.objects.select_related("programme", "site", "mediator"))
        .filter(pk=session_id)
        .first()
    )
    if session is None:
        raise Http404("Séance introuvable")
    _require(workshop_perms.can_organise(user), "Votre rôle ne permet pas de compléter le compte rendu des séances.")
    activity = Activity.objects.filter(session=session).first()
    about = f"séance n° {session.pk} du {timezone.localtime(session.starts_at):%d/%m/%Y}"
    context = {
        "title": f"Compte rendu — {session.programme.title}",
        "breadcrumb": [
            ("Accueil", reverse("home:index")),
            ("Ateliers", reverse("workshops:index")),
            (str(session.programme.title), reverse("workshops:session", args=[session.pk])),
            ("Compte rendu", None),
        ],
        "session": session,
        "activity": activity,
    }
    if activity is None:
        return render(request, "activities/session_record.html", context)
    can_edit = perms.can_edit_activity(user, activity)
    form = SessionRecordForm(request.POST or None, initial=_session_initial(activity, SessionRecordForm))
    if request.method == "POST":
        _require(
            can_edit,
            "Seuls l'animateur de la séance et la coordination de son organisation complètent ce compte rendu.",
        )
        if form.is_valid():
            try:
                services.activity_update(activity=activity, by=user, **form.record_fields())
            except ValidationError as error:
                form.add_service_errors(error)
            else:
                messages.success(request, "Le compte rendu de l'atelier est enregistré.")
                return redirect("activities:session", session_id=session.pk)
    participants = disclosure.attach_people(
        user,
        activity.participants.select_related("beneficiary").order_by("pk"),
        purpose=AccessPurpose.ACTIVITY,
        about=about,
    )
    context |= {
        "form": form if can_edit else None,
        "can_edit": can_edit,
        "participants": sorted(participants, key=lambda row: (row.person.is_masked, row.person.name.lower())),
        "themes": _themes(activity),
    }
    return render(request, "activities/session_record.html", context)


# --- detail, correction, deletion --------------------------------------------------------------------------------


@login_required
def activity_detail(request, pk):
    user = request.user
    activity = _visible_activity_or_404(request, pk)
    participants = disclosure.attach_people(
        user,
        activity.participants.select_related("beneficiary").order_by("pk"),
        purpose=AccessPurpose.ACTIVITY,
        about=f"activité n° {activity.pk}",
    )
    context = {
        "title": str(activity),
        "breadcrumb": _crumbs((str(activity), None)),
        "activity": activity,
        "participants": participants,
        "themes": [THEME_LABELS.get(code, code) for code in activity.themes],
        "admin_themes": [THEME_LABELS.get(code, code) for code in activity.admin_themes],
        "equipment": [EQUIPMENT_LABELS.get(code, code) for code in activity.equipment],
        "place": _place(activity),
        "breakdown": _breakdown_lines(activity.anonymous_breakdown),
        "can_edit": perms.can_edit_activity(user, activity) and activity.is_recorded_by_hand,
        "can_complete": activity.session_id is not None and perms.can_edit_activity(user, activity),
        "notes": activity.notes if perms.can_read_notes(user, activity) else "",
    }
    return render(request, "activities/detail.html", context)


def _breakdown_lines(breakdown: dict) -> list[tuple[str, str]]:
    from .forms import BREAKDOWN_CHOICES, BREAKDOWN_LABELS

    lines = []
    for dimension, counts in (breakdown or {}).items():
        enum = BREAKDOWN_CHOICES.get(dimension)
        if enum is None:
            continue
        parts = [f"{enum(value).label} : {number}" for value, number in counts.items() if value in enum.values]
        lines.append((BREAKDOWN_LABELS[dimension], ", ".join(parts)))
    return lines


def _editable_or_403(request, pk) -> Activity:
    activity = _visible_activity_or_404(request, pk)
    _require(
        perms.can_edit_activity(request.user, activity),
        "Seuls son médiateur et la coordination de son organisation peuvent modifier cette activité.",
    )
    return activity


@login_required
@require_http_methods(["GET", "POST"])
def activity_edit(request, pk):
    user = request.user
    activity = _editable_or_403(request, pk)
    if activity.session_id is not None:
        return redirect("activities:session", session_id=activity.session_id)
    # The record's own site stays choosable (a coordinator correcting it has no site of their own).
    sites = Site.objects.filter(Q(pk__in=recording_sites(user).values("pk")) | Q(pk=activity.site_id)).order_by("name")
    initial = _record_initial(activity)
    if activity.kind == Kind.COLLECTIVE:
        people_choices, query, found = _workshop_people(request, _posted_ids(request, "participants"), activity)
        initial["participants"] = list(activity.participants.values_list("beneficiary_id", flat=True))
        initial.update(WorkshopForm.breakdown_initial(None, activity.anonymous_breakdown))
        initial["anonymous_count"] = activity.anonymous_count
        form = WorkshopForm(request.POST or None, sites=sites, people_choices=people_choices, initial=initial)
        template = "activities/workshop_form.html"
    else:
        row = activity.participants.select_related("beneficiary").first()
        person = row.beneficiary if row else None
        people_choices, query, found = [], "", 0
        if person is None:
            people_choices, query, found = _people_choices(
                request, extra_pks=_posted_ids(request, "beneficiary"), about=f"activité n° {activity.pk}"
            )
            for dimension, name in (
                ("genre", "anonymous_gender"),
                ("tranche_age", "anonymous_age_band"),
                ("statut_social", "anonymous_status"),
            ):
                values = list((activity.anonymous_breakdown or {}).get(dimension, {}))
                if values:
                    initial[name] = values[0]
        form = AccompanimentForm(
            request.POST or None, sites=sites, people_choices=people_choices, fixed_person=person, initial=initial
        )
        template = "activities/accompaniment_form.html"
    if request.method == "POST" and form.is_valid():
        changes = form.record_fields()
        if activity.kind == Kind.COLLECTIVE:
            pks = form.cleaned_data.get("participants") or []
            changes["participants"] = list(visible_beneficiaries(user).filter(pk__in=pks))
        elif "beneficiary" in form.fields:
            chosen = form.cleaned_data.get("beneficiary")
            changes["beneficiary"] = visible_beneficiaries(user).filter(pk=chosen).first() if chosen else None
        try:
            services.activity_update(activity=activity, by=user, **changes)
        except ValidationError as error:
            form.add_service_errors(error)
        else:
            messages.success(request, "L'activité est modifiée.")
            return redirect("activities:detail", pk=activity.pk)
    context = {
        "title": f"Modifier — {activity}",
        "breadcrumb": _crumbs((str(activity), reverse("activities:detail", args=[activity.pk])), ("Modifier", None)),
        "form": form,
        "activity": activity,
        "query": query,
        "found": found,
        "action": request.path + _kept_query(request),
        "admin_theme": Thematique.AIDE_AUX_DEMARCHES_ADMINISTRATIVES,
        "editing": True,
    }
    if activity.kind != Kind.COLLECTIVE:
        context["person"] = person
        context["shown"] = (
            disclosure.person_shown(user, person, purpose=AccessPurpose.ACTIVITY, about=f"activité n° {activity.pk}")
            if person
            else None
        )
    return render(request, template, context)


@login_required
@require_http_methods(["GET", "POST"])
def activity_delete(request, pk):
    user = request.user
    activity = _editable_or_403(request, pk)
    _require(
        activity.session_id is None,
        "Le compte rendu d'une séance suit sa feuille de présence : il ne se supprime pas.",
    )
    if request.method == "POST":
        try:
            services.activity_delete(activity=activity, by=user)
        except ValidationError as error:
            raise PermissionDenied(" ".join(error.messages)) from None
        messages.success(request, "L'activité est supprimée.")
        return redirect("activities:list")
    context = {
        "title": "Supprimer cette activité ?",
        "breadcrumb": _crumbs((str(activity), reverse("activities:detail", args=[activity.pk])), ("Supprimer", None)),
        "lines": [
            f"{activity} — {_place(activity)}.",
            "La suppression est définitive : l'activité ne comptera plus dans les statistiques.",
        ],
        "confirm_label": "Oui, supprimer",
        "back": reverse("activities:detail", args=[activity.pk]),
    }
    return render(request, "workshops/confirm.html", context)
