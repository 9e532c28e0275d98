"""Workshop sessions and registrations for partner tools (contract in issue 5, section 3).

Every query is scoped by tremplin.workshops.perms: a key only sees and acts on the sessions of the
places its user sees; anything else answers 404, as if it did not exist.
"""

import datetime

from django.core.exceptions import ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404
from django.utils import timezone
from ninja import Field, Query, Router, Schema
from ninja.responses import Status
from pydantic import field_validator

from tremplin.beneficiaries import disclosure
from tremplin.beneficiaries.enums import AccessPurpose
from tremplin.beneficiaries.models import Beneficiary
from tremplin.workshops import perms, selectors, services
from tremplin.workshops.enums import RegistrationSource
from tremplin.workshops.models import Session

from .errors import KEY_ERRORS, ApiError, Errors, Message, field_errors

router = Router(tags=["ateliers"])
MAX_LIMIT = 500
MAX_OFFSET = 1_000_000_000  # beyond, the page is empty anyway (and the database's integers end)


class SiteOut(Schema):
    id: int
    name: str
    kind: str
    address: str
    postcode: str
    city: str


class SessionOut(Schema):
    id: int
    programme: str
    theme: str
    starts_at: datetime.datetime
    capacity: int
    confirmed: int
    waitlisted: int
    site: SiteOut | None


class RegistrationIn(Schema):
    beneficiary_id: int | None = Field(None, description="Une personne déjà suivie (sinon : prénom, nom, téléphone).")
    first_name: str | None = None
    last_name: str | None = None
    phone: str | None = None
    birth_year: int | None = None

    @field_validator("first_name", "last_name", "phone")
    @classmethod
    def _printable(cls, value: str | None) -> str | None:
        if value is not None and "\x00" in value:  # PostgreSQL stores no NUL character in a text
            raise ValueError("Ce texte contient un caractère invalide.")
        return value


class RegistrationOut(Schema):
    id: int
    status: str
    position: int | None


class Conflict(Schema):
    detail: str
    registration_id: int = Field(description="L'inscription qui existe déjà.")


def _session_out(session: Session) -> dict:
    site = session.site
    return {
        "id": session.pk,
        "programme": session.programme.title,
        "theme": session.programme.theme,
        "starts_at": session.starts_at,
        "capacity": session.capacity,
        "confirmed": session.confirmed_count,
        "waitlisted": session.waitlisted_count,
        "site": None
        if site is None
        else {
            "id": site.pk,
            "name": site.name,
            "kind": site.kind,
            "address": site.address,
            "postcode": site.postcode,
            "city": site.city,
        },
    }


def _sessions(request):
    return selectors.with_counts(perms.visible_sessions(request.auth)).select_related("programme", "site")


@router.get(
    "/sessions",
    response={200: list[SessionOut], 422: Errors, **KEY_ERRORS},
    summary="Séances visibles (upcoming=1 : à venir seulement)",
)
def session_list(
    request,
    upcoming: bool = Query(False, description="Seulement les séances à venir."),
    limit: int = Query(100, description=f"Séances par page (ramené entre 1 et {MAX_LIMIT})."),
    offset: int = Query(0, description="Séances à sauter (par date de début, puis identifiant)."),
):
    """The sessions of the places the key's user sees (and their own), oldest first: the workshops page's list."""
    sessions = _sessions(request)
    if upcoming:
        sessions = sessions.upcoming()
    limit = max(1, min(limit, MAX_LIMIT))
    offset = max(0, min(offset, MAX_OFFSET))
    return [_session_out(s) for s in sessions.order_by("starts_at", "pk")[offset : offset + limit]]


@router.get(
    "/sessions/{session_id}", response={200: SessionOut, 404: Message, 422: Errors, **KEY_ERRORS}, summary="Une séance"
)
def session_detail(request, session_id: int):
    return _session_out(get_object_or_404(_sessions(request), pk=session_id))


@router.post(
    "/sessions/{session_id}/registrations",
    response={201: RegistrationOut, 403: Message, 404: Message, 409: Conflict, 422: Errors, **KEY_ERRORS},
    summary="Inscrire une personne (fiche existante, ou prénom, nom et téléphone)",
)
def registration_create(request, session_id: int, payload: RegistrationIn):
    user = request.auth
    if not perms.can_book(user):
        return Status(403, {"detail": "Votre rôle ne permet pas d'inscrire des personnes."})
    # The caller's scope is checked in the service's locked read of the session: one query, not two.
    sessions = perms.visible_sessions(user)
    try:
        if payload.beneficiary_id is not None:
            # The person-data selector, as the web booking does: the same scope, and the showing journaled.
            try:
                person = disclosure.person_for_viewer(user, payload.beneficiary_id, purpose=AccessPurpose.BOOKING)
            except Beneficiary.DoesNotExist:
                if not sessions.filter(pk=session_id).exists():
                    raise Session.DoesNotExist from None
                raise ApiError({"beneficiary_id": ["Personne introuvable (ou hors de votre périmètre)."]}) from None
            registration = services.registration_create(
                session=session_id, beneficiary=person, source=RegistrationSource.API, user=user, among=sessions
            )
        else:
            registration = services.registration_create_for_person(
                session=session_id,
                first_name=payload.first_name or "",
                last_name=payload.last_name or "",
                phone=payload.phone or "",
                birth_year=payload.birth_year,
                source=RegistrationSource.API,
                user=user,
                among=sessions,
            )
    except Session.DoesNotExist as error:
        raise Http404 from error
    except services.AlreadyRegistered as error:
        return Status(409, {"detail": error.message, "registration_id": error.registration.pk})
    except services.SessionNotOpen as error:
        return Status(422, {"detail": "Données invalides.", "errors": {"session": [error.message]}})
    except ApiError as error:
        return Status(422, {"detail": "Données invalides.", "errors": error.errors})
    except ValidationError as error:
        return Status(422, {"detail": "Données invalides.", "errors": field_errors(error)})
    return Status(201, {"id": registration.pk, "status": registration.status, "position": registration.position})


@router.delete(
    "/registrations/{registration_id}",
    response={204: None, 403: Message, 404: Message, 422: Errors, **KEY_ERRORS},
    summary="Annuler une inscription (la première personne en attente obtient la place)",
)
def registration_delete(request, registration_id: int):
    """The same rules as the button of the session page: the roles that may cancel (403 otherwise), and never
    once the session has started, taken place or been cancelled (422, with the French reason in `detail`)."""
    user = request.auth
    registration = get_object_or_404(perms.visible_registrations(user), pk=registration_id)
    if not perms.can_manage_registrations(user):
        return Status(403, {"detail": "Votre rôle ne permet pas d'annuler des inscriptions."})
    try:
        services.registration_cancel(registration=registration, user=user)
    except ValidationError as error:
        return Status(422, {"detail": " ".join(error.messages), "errors": field_errors(error)})
    return HttpResponse(status=204)


@router.get("/health", auth=None, throttle=[], include_in_schema=False)
def health(request):
    """A trivial answer (no database): the anchor of bench/bench_booking.py."""
    return {"status": "ok", "time": timezone.now()}
