"""Activity records for funders' tools: `GET /api/v1/activities?modified_since=…&cursor=…&limit=…`.

The records the key's user may count (tremplin.activities.perms.visible_activities), oldest change first, ordered
by (updated_at, id). Each page gives `next`, an opaque cursor (the last (updated_at, id) seen, base64): asking
again with it continues after that record. New records get a later `updated_at`, so inserts made while a tool
walks the pages show up on later pages and nothing is skipped; a record modified meanwhile moves to the end and
is given again with its new values (the same behaviour as `modified_since`: a tool keeps the latest copy by `id`).
The last page has `next: null`; later, `modified_since` gives what changed since. `updated_at` is stamped when a
change is saved, a moment before its transaction commits: a tool that syncs regularly asks with `modified_since` a
few minutes before the latest `modifie_le` it holds (the overlap is harmless, copies are replaced by `id`). Deleted
records are not reported.

Coop-like codes only, never a name, a contact or a note: the people are counted, not listed."""

import base64
import binascii
import datetime
import json

from django.db.models import Count, IntegerField, OuterRef, Q, Subquery, Value
from django.db.models.functions import Coalesce
from django.http import JsonResponse
from django.utils import timezone
from ninja import Field, Query, Router, Schema

from tremplin.activities.models import Activity, Participant
from tremplin.activities.perms import visible_activities

from .errors import KEY_ERRORS, Errors

router = Router(tags=["activités"])
MAX_LIMIT = 500
DEFAULT_LIMIT = 100


class PlaceOut(Schema):
    id: int
    nom: str


class ActivityOut(Schema):
    id: int
    type: str
    date: datetime.date
    duree: int | None
    canal: str
    lieu: PlaceOut | None
    commune_insee: str | None
    departement: str | None
    type_territoire: str
    organisation: int
    thematiques: list[str]
    thematiques_demarche: list[str]
    materiel: list[str]
    autonomie: str
    oriente: bool
    structure: str
    niveau: str
    participants_identifies: int
    participants_anonymes: int
    modifie_le: str = Field(description="Date et heure de la dernière modification (ISO 8601, en microsecondes).")


class ActivitiesPage(Schema):
    count: int
    next: str | None
    results: list[ActivityOut]


def encode_cursor(updated_at: datetime.datetime, pk: int) -> str:
    raw = json.dumps([updated_at.astimezone(datetime.UTC).isoformat(), pk], separators=(",", ":"))
    return base64.urlsafe_b64encode(raw.encode()).decode().rstrip("=")


def decode_cursor(cursor: str) -> tuple[datetime.datetime, int]:
    """The (updated_at, id) a cursor stands for; ValueError when it is not one of ours."""
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
        moment, pk = json.loads(raw)
        moment = datetime.datetime.fromisoformat(moment)
    except (binascii.Error, ValueError, TypeError, UnicodeDecodeError) as error:
        raise ValueError(cursor) from error
    if timezone.is_naive(moment) or not isinstance(pk, int) or isinstance(pk, bool):
        raise ValueError(cursor)
    return moment, pk


def _parse(params) -> tuple[dict, dict[str, list[str]]]:
    values: dict = {}
    errors: dict[str, list[str]] = {}
    since = (params.get("modified_since") or "").strip()
    if since:
        try:
            moment = datetime.datetime.fromisoformat(since.replace(" ", "+"))  # a "+" unescaped in a URL is a space
            values["modified_since"] = timezone.make_aware(moment) if timezone.is_naive(moment) else moment
        except ValueError:
            errors["modified_since"] = [
                "La date et l'heure s'écrivent au format ISO 8601, par exemple 2024-01-31T18:00:00+01:00."
            ]
    cursor = (params.get("cursor") or "").strip()
    if cursor:
        try:
            values["after"] = decode_cursor(cursor)
        except ValueError:
            errors["cursor"] = ["Curseur illisible : reprenez la valeur « next » de la page précédente, telle quelle."]
    raw_limit = (params.get("limit") or "").strip()
    try:
        limit = int(raw_limit) if raw_limit else DEFAULT_LIMIT
        if not 1 <= limit <= MAX_LIMIT:
            raise ValueError
        values["limit"] = limit
    except ValueError:
        errors["limit"] = [f"Le nombre d'activités par page est un entier entre 1 et {MAX_LIMIT}."]
    return values, errors


def _page(user, *, modified_since=None, after=None, limit=DEFAULT_LIMIT):
    """One page of records (a list, at most `limit`), and whether more follow. One query."""
    identified = (
        Participant.objects.filter(activity=OuterRef("pk")).order_by().values("activity").annotate(n=Count("*"))
    )
    activities = visible_activities(user).select_related("site", "commune")
    if modified_since is not None:
        activities = activities.filter(updated_at__gte=modified_since)
    if after is not None:
        moment, pk = after
        activities = activities.filter(Q(updated_at__gt=moment) | Q(updated_at=moment, pk__gt=pk))
    activities = activities.annotate(
        identified=Coalesce(Subquery(identified.values("n"), output_field=IntegerField()), Value(0))
    ).order_by("updated_at", "pk")
    rows = list(activities[: limit + 1])
    return rows[:limit], len(rows) > limit


def activity_out(activity: Activity) -> dict:
    return {
        "id": activity.pk,
        "type": activity.kind,
        "date": activity.date,
        "duree": activity.duration_minutes,
        "canal": activity.place_type,
        "lieu": {"id": activity.site.pk, "nom": activity.site.name} if activity.site else None,
        "commune_insee": activity.commune.code_insee if activity.commune else None,
        "departement": activity.departement_id,
        "type_territoire": activity.territory_type,
        "organisation": activity.organisation_id,
        "thematiques": list(activity.themes or ()),
        "thematiques_demarche": list(activity.admin_themes or ()),
        "materiel": list(activity.equipment or ()),
        "autonomie": activity.autonomy,
        "oriente": activity.referred,
        "structure": activity.structure_kind,
        "niveau": activity.level,
        "participants_identifies": activity.identified,
        "participants_anonymes": activity.anonymous_count,
        "modifie_le": activity.updated_at.astimezone(datetime.UTC).isoformat(),
    }


MODIFIED_SINCE = Query(None, description="Date et heure ISO 8601 : seulement les activités créées ou modifiées depuis.")
MODIFIED_SINCE.json_schema_extra.update(format="date-time")  # documented as such; read by _parse (French messages)


@router.get(
    "/activities",
    response={200: ActivitiesPage, 422: Errors, **KEY_ERRORS},
    summary="Activités visibles, par date de modification (pagination par curseur)",
)
def activity_list(
    request,
    modified_since: str | None = MODIFIED_SINCE,
    cursor: str | None = Query(None, description="La valeur « next » de la page précédente (opaque)."),
    limit: str | None = Query(None, description=f"Activités par page, de 1 à {MAX_LIMIT} (100 par défaut)."),
):
    """The activities the key's user may count, oldest change first (updated_at, then id), with Coop codes.

    `next` is the cursor of the following page (null on the last). A record modified while the pages are walked
    comes back later with its new values; keep the latest copy by `id`. Deleted records are not reported."""
    values, errors = _parse(request.GET)
    if errors:
        return JsonResponse({"detail": "Paramètres invalides.", "errors": errors}, status=422)
    rows, more = _page(request.auth, **values)
    following = encode_cursor(rows[-1].updated_at, rows[-1].pk) if rows and more else None
    return {"count": len(rows), "next": following, "results": [activity_out(row) for row in rows]}
