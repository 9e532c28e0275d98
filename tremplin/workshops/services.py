"""State changes of the workshops: catalogue, sessions, registrations, waitlist, attendance.

Views, the public booking page, the API, the demo and the tests all go through these functions.

Capacity is enforced in the database transaction, never by a check made earlier in Python: every
function that can change who holds a seat first locks the session row (`SELECT … FOR UPDATE`), then
counts the confirmed registrations inside that lock. Two bookings of the same session therefore run
one after the other; bookings of different sessions do not wait for each other (PostgreSQL).

SQLite has no row locks (`select_for_update` does nothing there). Its transactions take the write lock
of the whole database when they begin (`transaction_mode: IMMEDIATE`, tremplin/settings/base.py), so the
`transaction.atomic` of these functions alone serialises every booking (of all sessions, not only one) and
the counts read inside it are the latest committed; a booking that finds the lock taken waits for it (busy
timeout) instead of failing with "database is locked". Keep every seat-changing read and write inside
`transaction.atomic`: a read made before it could be stale by the time the lock is taken.
"""

import datetime

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone

from tremplin.accounts.models import User
from tremplin.activities.services import activity_sync_session
from tremplin.beneficiaries import services as beneficiary_services
from tremplin.beneficiaries.enums import ConsentKind, ContactChannel
from tremplin.beneficiaries.models import PHONE_VALIDATOR, Beneficiary, normalize_phone, validate_birth_year
from tremplin.network.models import Organisation, Site
from tremplin.notifications.enums import NotificationKind
from tremplin.notifications.services import registration_messages_withdraw, registration_notify

from .catalogue import NATIONAL_PROGRAMMES
from .enums import (
    DAY_NAMES,
    HOLDING_STATUSES,
    Attendance,
    Autonomy,
    RegistrationSource,
    RegistrationStatus,
    SessionStatus,
)
from .models import CalendarFeed, Programme, Registration, Session, SessionSeries
from .perms import session_leaders

PROGRAMME_FIELDS = (
    "title",
    "theme",
    "level",
    "duration_minutes",
    "objective",
    "prerequisites",
    "equipment",
    "is_active",
)
SESSION_FIELDS = ("programme", "site", "is_remote", "mediator", "starts_at", "ends_at", "capacity", "equipment_lent")
# A change of these is announced to the people registered.
ANNOUNCED_FIELDS = ("site", "is_remote", "starts_at", "ends_at")
MAX_SERIES_WEEKS = 52


class AlreadyRegistered(ValidationError):
    """The person already holds an active registration (confirmed or waiting) for this session."""

    def __init__(self, registration: Registration):
        self.registration = registration
        super().__init__("Cette personne est déjà inscrite à cette séance.", code="already_registered")


class SessionNotOpen(ValidationError):
    """The session is cancelled, done or already started: nobody can book it any more."""

    def __init__(self):
        super().__init__("Cette séance n'est plus ouverte aux inscriptions.", code="session_not_open")


# --- catalogue -------------------------------------------------------------------------------------


@transaction.atomic
def seed_catalogue() -> list[Programme]:
    """Create the national programmes that are missing (idempotent; never overwrites a manager's edits)."""
    programmes = []
    for spec in NATIONAL_PROGRAMMES:
        fields = {k: v for k, v in spec.items() if k != "seed_key"}
        programme, _ = Programme.objects.get_or_create(seed_key=spec["seed_key"], defaults=fields)
        programmes.append(programme)
    return programmes


@transaction.atomic
def programme_create(*, by: User | None = None, **fields) -> Programme:
    unknown = set(fields) - set(PROGRAMME_FIELDS)
    if unknown:
        raise TypeError(f"Champs inconnus : {', '.join(sorted(unknown))}")
    programme = Programme(created_by=by, **fields)
    programme.full_clean()
    programme.save()
    return programme


@transaction.atomic
def programme_update(*, programme: Programme, by: User | None = None, **changes) -> Programme:
    unknown = set(changes) - set(PROGRAMME_FIELDS)
    if unknown:
        raise TypeError(f"Champs non modifiables : {', '.join(sorted(unknown))}")
    if _apply(programme, changes):
        programme.updated_at, programme.updated_by = timezone.now(), by
    programme.full_clean()
    programme.save()
    return programme


def _apply(instance, changes: dict) -> list[str]:
    """Set the changed fields on `instance`; the names of those whose value really changed (a related row is
    compared by its id: no query)."""
    changed = []
    for name, value in changes.items():
        field = instance._meta.get_field(name)
        new = value.pk if field.is_relation and value is not None else value
        if getattr(instance, field.attname) != new:
            changed.append(name)
    for name in changed:
        setattr(instance, name, changes[name])
    return changed


# --- sessions --------------------------------------------------------------------------------------


def _session_clean(session: Session) -> None:
    session.full_clean()
    if session.is_remote and session.site_id is None:
        return
    if session.site_id is None:
        raise ValidationError({"site": "Choisissez un lieu, ou cochez « à distance »."})


@transaction.atomic
def session_create(
    *,
    programme: Programme,
    mediator: User,
    starts_at: datetime.datetime,
    capacity: int,
    site: Site | None = None,
    is_remote: bool = False,
    ends_at: datetime.datetime | None = None,
    equipment_lent: str = "",
    series: SessionSeries | None = None,
    by: User | None = None,
) -> Session:
    """Plan one session; the end defaults to the start plus the programme's duration.

    `by`: who schedules it; they may name only a leader of `perms.session_leaders(by)` (None: the system)."""
    if by is not None and not session_leaders(by).filter(pk=mediator.pk).exists():
        raise ValidationError({"mediator": "Vous ne pouvez pas confier cette séance à cette personne."})
    session = Session(
        programme=programme,
        mediator=mediator,
        site=site,
        is_remote=is_remote,
        starts_at=starts_at,
        ends_at=ends_at or starts_at + datetime.timedelta(minutes=programme.duration_minutes),
        capacity=capacity,
        equipment_lent=equipment_lent,
        series=series,
        created_by=by,
    )
    _session_clean(session)
    session.save()
    return session


@transaction.atomic
def session_series_create(*, weeks: int, label: str = "", **session_fields) -> list[Session]:
    """The same session every week, `weeks` times (same local time of day, across daylight-saving changes)."""
    if not 1 <= weeks <= MAX_SERIES_WEEKS:
        raise ValidationError({"weeks": f"Le nombre de semaines doit être entre 1 et {MAX_SERIES_WEEKS}."})
    first_start = timezone.localtime(session_fields.pop("starts_at"))
    ends_at = session_fields.pop("ends_at", None)
    length = (ends_at - first_start) if ends_at else None
    programme = session_fields["programme"]
    series = SessionSeries.objects.create(
        label=label
        or f"{programme.title} — chaque {DAY_NAMES[first_start.weekday()]} à {first_start:%Hh%M}, {weeks} semaines"
    )
    sessions = []
    for week in range(weeks):
        naive = first_start.replace(tzinfo=None) + datetime.timedelta(weeks=week)
        starts_at = timezone.make_aware(naive, first_start.tzinfo)
        sessions.append(
            session_create(
                starts_at=starts_at, ends_at=starts_at + length if length else None, series=series, **session_fields
            )
        )
    return sessions


def _lock(session: Session | int, among: QuerySet[Session] | None = None) -> Session:
    """The session row, locked until the end of the current transaction.

    `among`: the sessions the caller may act on (tremplin.workshops.perms); a session outside them raises
    Session.DoesNotExist, checked in the same locked read. Only the session row is locked
    (`of=("self",)`): its place and the place's organisation (who follows the people booked) are read along
    but not locked, otherwise every booking at one place would wait for the others."""
    queryset = Session.objects.all() if among is None else among
    pk = session.pk if isinstance(session, Session) else session
    return queryset.select_for_update(of=("self",)).select_related("site__organisation").get(pk=pk)


def _promote(session: Session) -> list[Registration]:
    """Fill free seats from the waitlist, first come first served (the session row is locked)."""
    if session.status != SessionStatus.PLANNED:
        return []
    free = session.capacity - session.registrations.confirmed().count()
    if free <= 0:
        return []
    promoted = list(session.registrations.waitlisted().select_for_update()[:free])
    now = timezone.now()
    for registration in promoted:
        registration.status = RegistrationStatus.CONFIRMED
        registration.promoted_at = now
        registration.save(update_fields=["status", "promoted_at"])
        registration_notify(registration=registration, kind=NotificationKind.PROMOTION)
    return promoted


@transaction.atomic
def session_update(*, session: Session, by: User | None = None, **changes) -> Session:
    """Change a planned session. People registered are told of a new date, time or place; more seats
    promote people from the waitlist; fewer seats than people already confirmed is refused."""
    unknown = set(changes) - set(SESSION_FIELDS)
    if unknown:
        raise TypeError(f"Champs non modifiables : {', '.join(sorted(unknown))}")
    locked = _lock(session)
    if locked.status != SessionStatus.PLANNED:
        raise ValidationError("Seule une séance prévue peut être modifiée.")
    changed = _apply(locked, changes)
    announced = [name for name in ANNOUNCED_FIELDS if name in changed]
    if changed:
        locked.updated_at, locked.updated_by = timezone.now(), by
    confirmed = locked.registrations.confirmed().count()
    if locked.capacity < confirmed:
        raise ValidationError(
            {"capacity": f"{confirmed} personnes sont déjà inscrites : la séance ne peut pas avoir moins de places."}
        )
    _session_clean(locked)
    locked.save()
    _promote(locked)
    if announced:
        for registration in locked.registrations.active().select_related("beneficiary"):
            registration_notify(registration=registration, kind=NotificationKind.CHANGE)
    return locked


@transaction.atomic
def session_cancel(*, session: Session, by: User | None = None) -> Session:
    """Cancel the session: every registration is cancelled and each person holding a seat or a waitlist place
    is told. Requests still to confirm are void, without a message (the person never had a place)."""
    locked = _lock(session)
    if locked.status == SessionStatus.CANCELLED:
        return locked
    if locked.status == SessionStatus.DONE:
        raise ValidationError("Une séance déjà réalisée ne peut pas être annulée.")
    now = timezone.now()
    locked.status, locked.updated_at, locked.updated_by = SessionStatus.CANCELLED, now, by
    locked.save(update_fields=["status", "updated_at", "updated_by"])
    statuses = (*HOLDING_STATUSES, RegistrationStatus.REQUESTED)
    for registration in locked.registrations.filter(status__in=statuses).select_related("beneficiary"):
        held_a_place = registration.status in HOLDING_STATUSES
        registration.status = RegistrationStatus.CANCELLED
        registration.cancelled_at = now
        registration.cancelled_by = by
        registration.save(update_fields=["status", "cancelled_at", "cancelled_by"])
        if held_a_place:
            registration_notify(registration=registration, kind=NotificationKind.CANCELLATION)
        else:
            registration_messages_withdraw(registration=registration)
    return locked


def calendar_feed_for(user: User, *, renew: bool = False) -> CalendarFeed:
    """The mediator's secret iCal address; `renew` gives a new one (the old link stops working)."""
    feed, created = CalendarFeed.objects.get_or_create(user=user)
    if renew and not created:
        import uuid

        feed.token = uuid.uuid4()
        feed.save(update_fields=["token"])
    return feed


# --- registrations ---------------------------------------------------------------------------------


def waitlist_position(registration: Registration) -> int | None:
    """1 for the first person waiting, None when the person is not on the waitlist."""
    if registration.status != RegistrationStatus.WAITLISTED:
        return None
    ahead = (
        Registration.objects.filter(session_id=registration.session_id, status=RegistrationStatus.WAITLISTED)
        .filter(created_at__lt=registration.created_at)
        .count()
    )
    same_time = Registration.objects.filter(
        session_id=registration.session_id,
        status=RegistrationStatus.WAITLISTED,
        created_at=registration.created_at,
        pk__lt=registration.pk,
    ).count()
    return ahead + same_time + 1


def _is_open(session: Session) -> bool:
    return session.status == SessionStatus.PLANNED and session.starts_at > timezone.now()


def _refuse_if_closed(session: Session, refused: str) -> None:
    """A French ValidationError when the session is cancelled, done or started; `refused` says what can no
    longer be done (« l'inscription ne peut plus être annulée »). What happened at a session that has begun is
    the attendance sheet's business."""
    if session.status == SessionStatus.CANCELLED:
        raise ValidationError(f"Cette séance est annulée : {refused}.", code="session_cancelled")
    if session.status == SessionStatus.DONE or session.starts_at <= timezone.now():
        raise ValidationError(f"Cette séance a déjà commencé ou a eu lieu : {refused}.", code="session_past")


def _place(locked: Session) -> tuple[bool, int | None]:
    """(a seat is free, else the rank this person gets on the waitlist) in the locked session.

    Read inside the lock, in one query: a booking of this session committed meanwhile is seen, and everyone
    waiting was booked before this person."""
    statuses = list(locked.registrations.active().values_list("status", flat=True))
    if statuses.count(RegistrationStatus.CONFIRMED) < locked.capacity:
        return True, None
    return False, statuses.count(RegistrationStatus.WAITLISTED) + 1


def _book(
    locked: Session,
    beneficiary: Beneficiary,
    *,
    source: str,
    user: User | None,
    callback_requested: bool,
    new_person: bool = False,
) -> Registration:
    """A seat or a waitlist place in the locked session (inside the caller's transaction)."""
    if not beneficiary.is_active:
        raise ValidationError("Cette fiche n'est plus active (supprimée ou fusionnée).")
    if not new_person:  # a record created in this transaction holds no registration yet
        existing = locked.registrations.active().filter(beneficiary=beneficiary).first()
        if existing is not None:
            raise AlreadyRegistered(existing)
    seat, position = _place(locked)
    registration = Registration(
        session=locked,
        beneficiary=beneficiary,
        status=RegistrationStatus.CONFIRMED if seat else RegistrationStatus.WAITLISTED,
        source=source,
        created_by=user,
        created_at=timezone.now(),  # taken inside the lock: the waitlist order is the booking order
        callback_requested=callback_requested,
    )
    # The related rows are the ones in hand (the session is locked) and the token is a fresh UUID: skip
    # the existence and uniqueness queries of a full validation. Under the session lock two active
    # registrations of one person cannot race; the partial unique index stays as the last guard.
    registration.full_clean(
        exclude=["session", "beneficiary", "created_by", "token"], validate_unique=False, validate_constraints=False
    )
    registration.save(force_insert=True)
    registration.position = position
    kind = NotificationKind.CONFIRMATION if seat else NotificationKind.WAITLIST
    registration_notify(registration=registration, kind=kind)
    return registration


@transaction.atomic
def registration_create(
    *,
    session: Session | int,
    beneficiary: Beneficiary,
    source: str,
    user: User | None = None,
    callback_requested: bool = False,
    among: QuerySet[Session] | None = None,
) -> Registration:
    """Book a seat, or a place on the waitlist when the session is full.

    Raises AlreadyRegistered when the person already holds an active registration for the session,
    SessionNotOpen when the session is cancelled, done or started, Session.DoesNotExist when the session
    is not `among` the caller's sessions. The returned registration carries `position` (its rank on the
    waitlist, or None when confirmed).
    """
    locked = _lock(session, among)
    if not _is_open(locked):
        raise SessionNotOpen()
    return _book(locked, beneficiary, source=source, user=user, callback_requested=callback_requested)


@transaction.atomic
def registration_cancel(*, registration: Registration, user: User | None = None) -> Registration:
    """Cancel one registration, or a request still to confirm (idempotent). A freed seat goes to the first
    person waiting, who is told; a request held no place, so cancelling it tells nobody and promotes nobody.

    Refused with a French ValidationError once the session has started, taken place or been cancelled."""
    locked_session = _lock(registration.session_id)
    registration = Registration.objects.select_for_update().get(pk=registration.pk)
    if registration.status == RegistrationStatus.CANCELLED:
        return registration
    was_request = registration.status == RegistrationStatus.REQUESTED
    _refuse_if_closed(
        locked_session,
        "la demande d'inscription ne peut plus être annulée"
        if was_request
        else "l'inscription ne peut plus être annulée",
    )
    registration.status = RegistrationStatus.CANCELLED
    registration.cancelled_at = timezone.now()
    registration.cancelled_by = user
    registration.save(update_fields=["status", "cancelled_at", "cancelled_by"])
    if was_request:
        registration_messages_withdraw(registration=registration)
        return registration
    registration_notify(registration=registration, kind=NotificationKind.CANCELLATION)
    _promote(locked_session)
    return registration


@transaction.atomic
def registration_confirm_by_person(*, registration: Registration) -> Registration:
    """The person says, through the link of their message, that they will come."""
    registration = Registration.objects.select_for_update().select_related("session").get(pk=registration.pk)
    _refuse_if_closed(registration.session, "l'inscription ne peut plus être confirmée")
    if registration.status == RegistrationStatus.REQUESTED:
        raise ValidationError("Validez d'abord votre demande d'inscription.", code="request_pending")
    if registration.status == RegistrationStatus.CANCELLED:
        raise ValidationError("Cette inscription est annulée : elle ne peut plus être confirmée.", code="cancelled")
    if registration.confirmed_by_person_at is None:
        registration.confirmed_by_person_at = timezone.now()
        registration.save(update_fields=["confirmed_by_person_at"])
    return registration


@transaction.atomic
def registration_request_confirm(*, registration: Registration, by: User | None = None) -> Registration:
    """Turn a request from the public page into a booking, with the same rules as a booking: a seat, else a
    waitlist place, taken now under the session lock (the waitlist order is the order of confirmation), then
    the usual confirmation or waitlist message.

    `by`: the agent who confirms it after calling the person (their call is recorded as made: the request's
    calls still waiting are closed, and a confirmation that would go on the call list is noted as told);
    None: the person, by the link of their message (a seat then counts as their "I'll be there").

    Idempotent: a request already confirmed comes back as it is. When the person already holds this session
    (booked meanwhile by an agent), the request is dropped: it comes back cancelled, nothing else changes.
    Refused with a French ValidationError when the request was cancelled, or the session is cancelled, done or
    started (a request not confirmed before the session starts is void). The returned registration carries
    `position` (its rank on the waitlist, or None).
    """
    locked = _lock(registration.session_id)
    registration = Registration.objects.select_for_update().select_related("beneficiary").get(pk=registration.pk)
    if registration.status in HOLDING_STATUSES and registration.request_confirmed_at is not None:
        registration.position = waitlist_position(registration)
        return registration
    if registration.status != RegistrationStatus.REQUESTED:
        raise ValidationError("Cette demande d'inscription n'est plus valable.", code="request_void")
    _refuse_if_closed(locked, "la demande d'inscription ne peut plus être validée")
    if not registration.beneficiary.is_active:
        raise ValidationError("Cette fiche n'est plus active (supprimée ou fusionnée).")
    now = timezone.now()
    if locked.registrations.active().filter(beneficiary_id=registration.beneficiary_id).exists():
        registration.status, registration.cancelled_at, registration.cancelled_by = (
            RegistrationStatus.CANCELLED,
            now,
            by,
        )
        registration.save(update_fields=["status", "cancelled_at", "cancelled_by"])
        registration_messages_withdraw(registration=registration)
        registration.position = None
        return registration
    seat, position = _place(locked)
    registration.status = RegistrationStatus.CONFIRMED if seat else RegistrationStatus.WAITLISTED
    registration.created_at = now  # taken inside the lock: the waitlist order is the order of confirmation
    registration.request_confirmed_at, registration.request_confirmed_by = now, by
    fields = ["status", "created_at", "request_confirmed_at", "request_confirmed_by"]
    if seat and by is None:
        registration.confirmed_by_person_at = now
        fields.append("confirmed_by_person_at")
    registration.save(update_fields=fields)
    registration.position = position
    if by is None:  # confirmed by the link: a call still waiting for the request is not needed any more
        registration_messages_withdraw(registration=registration)
    kind = NotificationKind.CONFIRMATION if seat else NotificationKind.WAITLIST
    registration_notify(registration=registration, kind=kind, told_by=by)
    return registration


def booking_organisation(session: Session) -> Organisation | None:
    """Who follows a person who books this session: the place's organisation, else the mediator's."""
    if session.site_id and session.site.organisation_id:
        return session.site.organisation
    return session.mediator.organisation


def _phone_fields(phone: str) -> dict:
    """Where a normalised phone number goes on the record, and the channel it implies."""
    if phone.startswith(("06", "07", "+")):
        return {"mobile_phone": phone, "preferred_channel": ContactChannel.SMS}
    return {"landline_phone": phone, "preferred_channel": ContactChannel.PHONE_CALL}


def _person_errors(first_name: str, last_name: str, phone: str, birth_year: int | None = None) -> dict:
    """Per-field French messages on everything the person typed, all at once (`phone` normalised; no query)."""
    errors = {}
    try:
        validate_birth_year(birth_year)
    except ValidationError as error:
        errors["birth_year"] = error.messages
    if not phone:
        errors["phone"] = "Indiquez un numéro de téléphone pour que l'on puisse vous joindre."
    else:
        try:
            PHONE_VALIDATOR(phone)
        except ValidationError as error:
            errors["phone"] = error.messages
    if not (first_name or "").strip():
        errors["first_name"] = "Indiquez le prénom."
    if not (last_name or "").strip():
        errors["last_name"] = "Indiquez le nom."
    return errors


def _person_for_phone(
    locked: Session,
    *,
    first_name: str,
    last_name: str,
    phone: str,
    birth_year: int | None,
    user: User | None,
    consent_given: bool,
    errors: dict,
) -> tuple[Beneficiary, bool]:
    """(record, created): the oldest record with this (normalised, valid) phone in the organisation that follows
    the people of this session, else a new record from what was typed (`errors`: the `_person_errors` of what
    was typed, raised only when a record has to be created)."""
    organisation = booking_organisation(locked)
    if organisation is None:
        raise ValidationError("Cette séance n'est rattachée à aucune organisation.")
    # The oldest record with this phone. Sorted here, not by the database: `ORDER BY id LIMIT 1` can make a
    # cached query plan walk the whole table in id order instead of using the phone indexes.
    same_phone = Beneficiary.objects.filter(organisation=organisation).duplicates_of(phones=(phone,))
    beneficiary = min(same_phone.order_by(), key=lambda person: person.pk, default=None)
    if beneficiary is not None:
        return beneficiary, False
    if errors:
        raise ValidationError(errors)
    site = locked.site if locked.site_id and locked.site.organisation_id in (None, organisation.pk) else None
    beneficiary = beneficiary_services.beneficiary_create(
        organisation=organisation,
        created_by=user,
        first_name=first_name,
        last_name=last_name,
        birth_year=birth_year,
        site=site,
        ignore_duplicates=True,  # the only reliable key here, the phone, was checked above
        **_phone_fields(phone),
    )
    # The ticked box of the form: recorded by the agent, or by nobody when the person booked online.
    if consent_given:
        for kind in (ConsentKind.DATA_PROCESSING, ConsentKind.CONTACT):
            beneficiary_services.consent_record(beneficiary=beneficiary, kind=kind, given=True, by=user)
    return beneficiary, True


@transaction.atomic
def registration_create_for_person(
    *,
    session: Session | int,
    first_name: str,
    last_name: str,
    phone: str,
    source: str,
    birth_year: int | None = None,
    user: User | None = None,
    callback_requested: bool = False,
    consent_given: bool = False,
    among: QuerySet[Session] | None = None,
) -> Registration:
    """Book at once for someone known only by name and phone, on behalf of an agent or a partner tool (API).

    The same phone number within the organisation means the same person (the record is reused, never
    shown; the names typed are then not required); otherwise a record is created. Raises ValidationError
    with per-field French messages, and the exceptions of `registration_create`. The public page never
    comes here: it records a request (`registration_request`).
    """
    if source == RegistrationSource.PUBLIC:
        raise ValueError("Une inscription depuis la page publique est une demande : registration_request.")
    locked = _lock(session, among)
    if not _is_open(locked):
        raise SessionNotOpen()
    phone = normalize_phone(phone)
    errors = _person_errors(first_name, last_name, phone, birth_year)
    if "phone" in errors or "birth_year" in errors:  # names are not needed when the number is known
        raise ValidationError({name: errors[name] for name in ("phone", "birth_year") if name in errors})
    beneficiary, created = _person_for_phone(
        locked,
        first_name=first_name,
        last_name=last_name,
        phone=phone,
        birth_year=birth_year,
        user=user,
        consent_given=consent_given,
        errors=errors,
    )
    return _book(
        locked, beneficiary, source=source, user=user, callback_requested=callback_requested, new_person=created
    )


@transaction.atomic
def registration_request(
    *,
    session: Session | int,
    first_name: str,
    last_name: str,
    phone: str,
    birth_year: int | None = None,
    callback_requested: bool = False,
    consent_given: bool = False,
) -> Registration | None:
    """What the public page records: a request that holds no seat until the person confirms it by the link
    sent to their own contact, or an agent does after calling them (`registration_request_confirm`). Typing a
    known number therefore never attaches a booking to that person's record, nor reveals anything of it.

    The phone finds the record as for `registration_create_for_person`; a new number gets a new record from
    what was typed. The message (kind REQUEST) goes by the record's own channel: the number typed for a new
    record, the phone or e-mail already on a known one; a landline, a request to be called, or no usable
    channel puts it on the team's call list ("À appeler"), and the session page lists the requests to confirm.
    A request is void once its session starts: it can no longer be confirmed, and the lists stop showing it
    (nothing purges the row, kept as the trace of the request).

    Returns the request, or None when nothing new is recorded and nobody is told (the person already holds
    this session, or already has a request for it waiting): the page must answer the same in every case.
    Everything typed is checked before the phone is looked up, so that a refusal never depends on whether the
    number is known. Raises ValidationError (per-field French messages) and SessionNotOpen.
    """
    locked = _lock(session)
    if not _is_open(locked):
        raise SessionNotOpen()
    phone = normalize_phone(phone)
    errors = _person_errors(first_name, last_name, phone, birth_year)
    if errors:
        raise ValidationError(errors)
    typed = Beneficiary(first_name=first_name, last_name=last_name, birth_year=birth_year, **_phone_fields(phone))
    typed.full_clean(
        exclude=[field.name for field in Beneficiary._meta.fields if field.is_relation],
        validate_unique=False,
        validate_constraints=False,
    )
    beneficiary, created = _person_for_phone(
        locked,
        first_name=first_name,
        last_name=last_name,
        phone=phone,
        birth_year=birth_year,
        user=None,
        consent_given=consent_given,
        errors=errors,
    )
    if not created:
        statuses = (*HOLDING_STATUSES, RegistrationStatus.REQUESTED)
        if locked.registrations.filter(beneficiary=beneficiary, status__in=statuses).exists():
            return None
    now = timezone.now()
    registration = Registration(
        session=locked,
        beneficiary=beneficiary,
        status=RegistrationStatus.REQUESTED,
        source=RegistrationSource.PUBLIC,
        created_at=now,
        requested_at=now,
        callback_requested=callback_requested,
    )
    registration.full_clean(
        exclude=["session", "beneficiary", "created_by", "token"], validate_unique=False, validate_constraints=False
    )
    registration.save(force_insert=True)
    registration_notify(registration=registration, kind=NotificationKind.REQUEST)
    return registration


# --- attendance ------------------------------------------------------------------------------------


@transaction.atomic
def attendance_record(*, session: Session, marks: dict[int, tuple[str, str]], by: User | None = None) -> Session:
    """Record who came. `marks` maps a registration id to (attendance, autonomy reached); the autonomy
    is kept for present people only. Each mark that changes keeps who (`by`) and when. The session becomes
    done once every confirmed person is marked."""
    locked = _lock(session)
    if locked.status == SessionStatus.CANCELLED:
        raise ValidationError("La séance est annulée.")
    if locked.starts_at > timezone.now():
        raise ValidationError("La feuille de présence se remplit à partir du début de la séance.")
    registrations = {r.pk: r for r in locked.registrations.confirmed().filter(pk__in=marks).select_for_update()}
    unknown = set(marks) - set(registrations)
    if unknown:
        raise ValidationError("Certaines personnes ne sont pas inscrites à cette séance.")
    changed = []
    now = timezone.now()
    for pk, (attendance, autonomy) in marks.items():
        if attendance and attendance not in Attendance.values:
            raise ValidationError({"attendance": f"Présence inconnue : {attendance}."})
        if autonomy and autonomy not in Autonomy.values:
            raise ValidationError({"autonomy_reached": f"Niveau d'autonomie inconnu : {autonomy}."})
        registration = registrations[pk]
        mark = (attendance or "", (autonomy or "") if attendance == Attendance.PRESENT else "")
        if mark == (registration.attendance, registration.autonomy_reached):
            continue
        registration.attendance, registration.autonomy_reached = mark
        registration.attendance_marked_at, registration.attendance_marked_by = now, by
        changed.append(registration)
    if changed:
        Registration.objects.bulk_update(
            changed, ["attendance", "autonomy_reached", "attendance_marked_at", "attendance_marked_by"]
        )
    if not locked.registrations.confirmed().filter(attendance="").exists():
        locked.status = SessionStatus.DONE
        locked.save(update_fields=["status"])
    if changed:
        activity_sync_session(session=locked, by=by)
    return locked
