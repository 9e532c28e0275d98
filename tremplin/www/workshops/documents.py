"""Documents of a session: PDFs (WeasyPrint from HTML templates), the participants CSV, the iCal feed."""

import io

from django.conf import settings
from django.urls import reverse
from django.utils import timezone

from tremplin.www import csv as safe_csv

CSV_HEADERS = [
    "Nom",
    "Prénom",
    "Pseudonyme",
    "Téléphone mobile",
    "Téléphone fixe",
    "E-mail",
    "Inscription",
    "Position en liste d'attente",
    "Inscrit le",
    "Inscrit par",
    "Origine de l'inscription",
    "Souhaite être rappelé",
    "Présence confirmée par la personne",
    "Présence",
    "Autonomie atteinte",
]


def participants_csv(session, registrations) -> str:
    """French headers, ';' separator, UTF-8 with BOM (opens as is in Excel); says who registered each person.

    `registrations` carry `.person` (tremplin.beneficiaries.disclosure): masked outside the viewer's scope."""
    buffer = io.StringIO()
    buffer.write(safe_csv.BOM)
    writer = safe_csv.writer(buffer)  # a name typed on the public page may start with "=" or "@"
    writer.writerow(CSV_HEADERS)
    position = 0
    for registration in registrations:
        person = registration.person  # tremplin.beneficiaries.disclosure: masked outside the viewer's scope
        waiting = registration.status == "waitlisted"
        position += waiting
        writer.writerow(
            [
                person.last_name,
                person.first_name,
                person.pseudonym,
                person.mobile_phone,
                person.landline_phone,
                person.email,
                registration.get_status_display(),
                position if waiting else "",
                timezone.localtime(registration.created_at).strftime("%d/%m/%Y %H:%M"),
                str(registration.created_by) if registration.created_by else "La personne elle-même",
                registration.get_source_display(),
                "oui" if registration.callback_requested else "non",
                "oui" if registration.confirmed_by_person_at else "non",
                registration.get_attendance_display(),
                registration.get_autonomy_reached_display(),
            ]
        )
    return buffer.getvalue()


def ical_feed(sessions, *, user, base_url: str) -> bytes:
    from icalendar import Calendar, Event

    calendar = Calendar()
    calendar.add("prodid", "-//Tremplin//Ateliers//FR")
    calendar.add("version", "2.0")
    calendar.add("x-wr-calname", f"Ateliers — {user}")
    calendar.add("x-wr-timezone", settings.TIME_ZONE)
    host = base_url.split("//", 1)[-1].strip("/") or "tremplin"
    for session in sessions:
        event = Event()
        event.add("uid", f"seance-{session.pk}@{host}")
        event.add("summary", f"Atelier : {session.programme.title}")
        event.add("dtstart", session.starts_at)
        event.add("dtend", session.ends_at)
        event.add("dtstamp", timezone.now())
        location = (
            "À distance"
            if session.site is None
            else ", ".join(
                part
                for part in (session.site.name, session.site.address, session.site.postcode, session.site.city)
                if part
            )
        )
        event.add("location", location)
        event.add("description", f"{session.capacity} places. Objectif : la personne {session.programme.objective}.")
        event.add("url", base_url.rstrip("/") + reverse("workshops:session", args=[session.pk]))
        event.add("status", "CANCELLED" if session.status == "cancelled" else "CONFIRMED")
        calendar.add_component(event)
    return calendar.to_ical()
