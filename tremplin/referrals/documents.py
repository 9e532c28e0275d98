"""The referral sheet given to the person: where to go, how to get there, when it is open, who sent them and
why, and the referral's number. Plain French, large type. No name on it: it may be lost on the way."""

from tremplin.frenchdates import french_date
from tremplin.pdf import render_pdf


def map_link(place) -> str:
    if place.latitude is None or place.longitude is None:
        return ""
    lat, lon = f"{place.latitude:.5f}", f"{place.longitude:.5f}"
    return f"https://www.openstreetmap.org/?mlat={lat}&mlon={lon}#map=17/{lat}/{lon}"


def opening_lines(place) -> list[str]:
    """The week's hours, one line a day (« Lundi : 9 h – 12 h … »), when tremplin.places.opening_hours reads
    them; else [] and the sheet shows the raw text, « à vérifier »."""
    try:
        from tremplin.places import opening_hours
    except ImportError:  # pragma: no cover (written by another change)
        return []
    schedule = opening_hours.parse(place.hours) if place.hours else None
    if schedule is None:
        return []
    return [f"{day.capitalize()} : {spans}" for day, spans in schedule.week()]


def sheet_context(referral) -> dict:
    place = referral.place
    return {
        "referral": referral,
        "place": place,
        "map_link": map_link(place),
        "opening_lines": opening_lines(place),
        "sent_on": french_date(referral.created_at),
        "referrer_first_name": referral.referred_by.first_name,
        "referrer_organisation": referral.from_organisation.name,
    }


def referral_sheet_pdf(referral) -> bytes:
    return render_pdf("referrals/pdf/sheet.html", sheet_context(referral))
