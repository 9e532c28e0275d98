"""Reads of activity records across several models: a person's timeline (« Parcours »), a mediator's habits (the
form's prefill), the people a mediator accompanied lately (the form's list)."""

from dataclasses import dataclass

from django.db.models import BooleanField, Exists, Max, OuterRef, QuerySet, Value
from django.urls import reverse

from tremplin.beneficiaries.models import Beneficiary
from tremplin.taxonomy.coop import Thematique

from . import perms
from .enums import Kind
from .models import Activity, Participant

TIMELINE_SIZE = 100
OPEN_CHECKS = ("open_diagnostic", "open_screening", "open_referral", "open_mandate", "open_session", "open_activity")


@dataclass(frozen=True)
class TimelineEntry:
    """One step of a person's history. `url` is None when the viewer may not open its page."""

    activity_id: int
    kind: str
    label: str
    date: object
    mediator: str
    detail: str
    url: str | None


def _label(activity: Activity) -> str:
    if activity.kind == Kind.COLLECTIVE and activity.title:
        return f"Atelier « {activity.title} »"
    if activity.kind == Kind.REFERRAL and activity.referral_id:
        return f"Orientation vers {activity.referral.place.name}"
    return activity.get_kind_display()


def _detail(activity: Activity) -> str:
    labels = dict(Thematique.choices)
    themes = [labels.get(code, code) for code in activity.themes or ()]
    parts = []
    if activity.kind != Kind.DIAGNOSTIC and themes:
        parts.append(", ".join(themes))
    if activity.procedure:
        parts.append(activity.procedure)
    if activity.duration_minutes and activity.kind in (Kind.INDIVIDUAL, Kind.COLLECTIVE):
        parts.append(f"{activity.duration_minutes} min")
    return " — ".join(parts)


def _can_open(viewer) -> dict:
    """Whether `viewer` may open each row's page, as subqueries of the timeline's one query (the scopes of the
    pages themselves, from the *perms modules), so that the number of queries does not grow with the kinds."""
    from tremplin.diagnostics.perms import visible_diagnostics, visible_screenings
    from tremplin.mandates.perms import visible_mandates
    from tremplin.referrals.models import Referral
    from tremplin.referrals.perms import received_referrals, sent_referrals
    from tremplin.workshops.models import Session
    from tremplin.workshops.perms import can_organise, visible_sessions

    no = Value(False, output_field=BooleanField())
    if viewer is None or not viewer.is_authenticated:
        return dict.fromkeys(OPEN_CHECKS, no)
    referrals = Referral.objects.all()
    checks = {
        "open_diagnostic": (visible_diagnostics(viewer), "activity__diagnostic_id"),
        "open_screening": (visible_screenings(viewer), "activity__screening_id"),
        "open_referral": (
            sent_referrals(viewer, referrals) | received_referrals(viewer, referrals),
            "activity__referral_id",
        ),
        "open_mandate": (visible_mandates(viewer), "activity__mandate_use__mandate_id"),
        "open_session": (
            visible_sessions(viewer) if can_organise(viewer) else Session.objects.none(),
            "activity__session_id",
        ),
        "open_activity": (perms.visible_activities(viewer), "activity_id"),
    }
    return {
        name: no if queryset.query.is_empty() else Exists(queryset.filter(pk=OuterRef(outer)))
        for name, (queryset, outer) in checks.items()
    }


def _url(row: Participant) -> str | None:
    activity = row.activity
    if activity.diagnostic_id:
        return reverse("diagnostics:detail", args=[activity.diagnostic_id]) if row.open_diagnostic else None
    if activity.screening_id:
        return reverse("diagnostics:screening_result", args=[activity.screening_id]) if row.open_screening else None
    if activity.referral_id:
        return reverse("referrals:detail", args=[activity.referral_id]) if row.open_referral else None
    if activity.mandate_use_id:
        return reverse("mandates:detail", args=[activity.mandate_use.mandate_id]) if row.open_mandate else None
    if activity.session_id:
        return reverse("activities:session", args=[activity.session_id]) if row.open_session else None
    if activity.kind in (Kind.INDIVIDUAL, Kind.COLLECTIVE) and row.open_activity:
        return reverse("activities:detail", args=[activity.pk])
    return None


def person_timeline(person: Beneficiary, viewer=None, *, limit: int = TIMELINE_SIZE) -> list[TimelineEntry]:
    """The person's activities of every kind (accompaniments, workshops, diagnostics, screenings, referrals,
    démarches under a mandate), newest first, each with a link to its page when `viewer` may open it.

    Participations of merged duplicates point to the kept record (beneficiary_merge moves them). One query: what
    the viewer may open is checked by subqueries of the same scopes as the pages themselves (the *perms modules)."""
    rows = list(
        Participant.objects.filter(beneficiary=person)
        .select_related("activity__mediator", "activity__referral__place", "activity__mandate_use")
        .annotate(**_can_open(viewer))
        .order_by("-date", "-activity_id")[:limit]
    )
    return [
        TimelineEntry(
            activity_id=row.activity.pk,
            kind=row.activity.kind,
            label=_label(row.activity),
            date=row.activity.date,
            mediator=row.activity.mediator.get_full_name() if row.activity.mediator else "",
            detail=_detail(row.activity),
            url=_url(row),
        )
        for row in rows
    ]


# --- the form's prefill -------------------------------------------------------------------------------------------


def last_recorded(user) -> Activity | None:
    """The latest record `user` typed (its duration, channel and site prefill the next one)."""
    return (
        Activity.objects.filter(mediator=user, kind__in=(Kind.INDIVIDUAL, Kind.COLLECTIVE), session__isnull=True)
        .order_by("-created_at", "-pk")
        .only("duration_minutes", "place_type", "site_id", "commune_id")
        .first()
    )


def usual_site(user, sites: QuerySet):
    """The site of `user`'s most recent activities among `sites`, else the first of `sites`."""
    recent = list(
        Activity.objects.filter(mediator=user, site__in=sites)
        .order_by("-date", "-pk")
        .values_list("site_id", flat=True)[:20]
    )
    if recent:
        counts: dict[int, int] = {}
        for site_id in recent:
            counts[site_id] = counts.get(site_id, 0) + 1
        best = max(counts, key=lambda site_id: (counts[site_id], -recent.index(site_id)))
        return sites.filter(pk=best).first()
    return sites.first()


def recent_people(user, visible: QuerySet[Beneficiary], *, limit: int = 30) -> list[Beneficiary]:
    """The people `user` accompanied lately (latest first), among those they may see."""
    latest = (
        Participant.objects.filter(mediator=user, beneficiary__in=visible)
        .values("beneficiary_id")
        .annotate(last=Max("date"))
        .order_by("-last", "-beneficiary_id")[:limit]
    )
    order = [row["beneficiary_id"] for row in latest]
    people = {p.pk: p for p in Beneficiary.objects.filter(pk__in=order)}
    return [people[pk] for pk in order if pk in people]
