"""Dates written to people, in French: « mardi 1er décembre 2026 » (the first of the month is « 1er »).

`french_date(value, "l j F Y")` takes Django's date format (https://docs.djangoproject.com/en/stable/ref/templates/
builtins/#date) and writes « 1er » for the day `j` of the first of a month; the template filter `date_fr`
(`{% load french %}`) is the same function. Aware datetimes are shown in the local time zone."""

import datetime

from django.conf import settings
from django.utils import dateformat, timezone, translation


def _first_of_month(format_string: str) -> str:
    """The format with each unescaped `j` (day without leading zero) written as the literal « 1er »."""
    out, i = [], 0
    while i < len(format_string):
        char = format_string[i]
        if char == "\\":
            out.append(format_string[i : i + 2])
            i += 2
            continue
        out.append(r"1\e\r" if char == "j" else char)
        i += 1
    return "".join(out)


def french_date(value: datetime.date | datetime.datetime | None, format_string: str = "j F Y") -> str:
    if value in (None, ""):
        return ""
    if isinstance(value, datetime.datetime) and timezone.is_aware(value):
        value = timezone.localtime(value)
    if value.day == 1:
        format_string = _first_of_month(format_string)
    with translation.override(settings.LANGUAGE_CODE):
        return dateformat.format(value, format_string)
