"""Demo workshops: the national catalogue, past sessions with their attendance, and upcoming sessions in
the next weeks at the demo mediator's offices and the partner place (capacity 8 to 12, some with free
seats, some full with a waitlist). Idempotent: nothing is added once the demo staff have sessions.

Upcoming bookings go through the booking services (as a person or an agent would). Past sessions cannot
be booked any more, so their registrations are written directly, then attendance goes through the
attendance service.
"""

import datetime
import random

from django.db import transaction
from django.utils import timezone

from tremplin.accounts.models import User
from tremplin.beneficiaries.models import Beneficiary
from tremplin.workshops import services
from tremplin.workshops.enums import Attendance, Autonomy, RegistrationSource, RegistrationStatus
from tremplin.workshops.models import Registration, Session

MEDIATOR, COUNTER, PARTNER = "mediateur@demo.tremplin.fr", "guichet@demo.tremplin.fr", "partenaire@demo.tremplin.fr"


def _at(day: datetime.date, hour: int) -> datetime.datetime:
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time(hour, 0)))


@transaction.atomic
def demo_workshops_create(*, seed: int = 2026) -> int:
    """Create the demo catalogue and sessions; return how many sessions were created."""
    services.seed_catalogue()
    users = {user.email: user for user in User.objects.filter(email__in=(MEDIATOR, COUNTER, PARTNER))}
    mediator, counter, partner = users.get(MEDIATOR), users.get(COUNTER), users.get(PARTNER)
    if mediator is None or Session.objects.filter(mediator__in=users.values()).exists():
        return 0
    rng = random.Random(seed)
    programmes = services.seed_catalogue()
    offices = list(mediator.sites.order_by("name"))
    places = [(site, mediator) for site in offices]
    if partner is not None:
        places += [(site, partner) for site in partner.sites.order_by("name")]
    if not places:
        return 0
    people = {site.pk: list(Beneficiary.objects.active().filter(site=site).order_by("pk")) for site, _ in places}
    today = timezone.localdate()
    created = 0

    # Past sessions (the last six weeks), with attendance and autonomy reached.
    for week in range(1, 7):
        for index, (site, staff) in enumerate(places[:3]):
            programme = programmes[(week + index) % len(programmes)]
            day = today - datetime.timedelta(days=7 * week - index)
            session = services.session_create(
                programme=programme,
                mediator=staff,
                site=site,
                starts_at=_at(day, 14),
                capacity=rng.choice((8, 10, 12)),
                equipment_lent="8 tablettes",
            )
            created += 1
            attendees = rng.sample(people[site.pk], k=min(len(people[site.pk]), rng.randint(4, 8)))
            registrations = [
                Registration.objects.create(
                    session=session,
                    beneficiary=person,
                    status=RegistrationStatus.CONFIRMED,
                    source=RegistrationSource.STAFF,
                    created_by=staff,
                    created_at=session.starts_at - datetime.timedelta(days=rng.randint(3, 20)),
                )
                for person in attendees[: session.capacity]
            ]
            marks = {}
            for registration in registrations:
                attendance = rng.choices(
                    (Attendance.PRESENT, Attendance.EXCUSED, Attendance.ABSENT), weights=(7, 1, 2)
                )[0]
                autonomy = rng.choice(Autonomy.values) if attendance == Attendance.PRESENT else ""
                marks[registration.pk] = (attendance, autonomy)
            services.attendance_record(session=session, marks=marks, by=staff)

    # Upcoming sessions (the next four weeks): one weekly series, free seats, full ones with a waitlist.
    first_site, first_staff = places[0]
    series = services.session_series_create(
        weeks=4,
        programme=programmes[0],
        mediator=first_staff,
        site=first_site,
        starts_at=_at(today + datetime.timedelta(days=(1 - today.weekday()) % 7 or 7), 10),
        capacity=10,
        equipment_lent="10 tablettes",
    )
    created += len(series)
    upcoming = list(series)
    for index, (site, staff) in enumerate(places):
        for offset, programme in ((3 + index, programmes[(index + 1) % 5]), (10 + index, programmes[(index + 3) % 5])):
            upcoming.append(
                services.session_create(
                    programme=programme,
                    mediator=staff,
                    site=site,
                    starts_at=_at(today + datetime.timedelta(days=offset), 14),
                    capacity=rng.choice((8, 10, 12)),
                    equipment_lent="Tablettes et ordinateurs prêtés",
                )
            )
            created += 1
    booker = {MEDIATOR: mediator, PARTNER: partner}
    for number, session in enumerate(upcoming):
        candidates = people.get(session.site_id, [])
        if not candidates:
            continue
        full = number % 3 == 1  # every third session is full, with people waiting
        wanted = session.capacity + 2 if full else rng.randint(2, max(2, session.capacity - 3))
        # Few people per place in the demo: top up full sessions with the mediator's other people.
        pool = candidates + [p for site_people in people.values() for p in site_people if p not in candidates]
        pool = [p for p in pool if p.organisation_id == candidates[0].organisation_id]
        for person in pool[:wanted]:
            services.registration_create(
                session=session,
                beneficiary=person,
                source=RegistrationSource.STAFF,
                user=booker.get(session.mediator.email) or counter,
                callback_requested=not (person.mobile_phone or person.email),
            )
    # Two people who asked for a seat on the public page of the first office: Samir validated his request with
    # the link of his SMS; Ginette has only a landline, so her request waits on the call list and on the
    # session page for the team to call her and confirm it.
    for first_name, last_name, phone in (("Ginette", "Le Floch", "0296111111"), ("Samir", "Benhamou", "0611223399")):
        request = services.registration_request(
            session=upcoming[0], first_name=first_name, last_name=last_name, phone=phone, consent_given=True
        )
        if request is not None and request.beneficiary.mobile_phone:
            services.registration_request_confirm(registration=request)
    return created
