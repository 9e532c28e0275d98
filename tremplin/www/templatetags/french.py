"""`{{ session.starts_at|date_fr:"l j F Y" }}` → « mardi 1er décembre 2026 » (see tremplin.frenchdates)."""

from django import template

from tremplin.frenchdates import french_date

register = template.Library()


@register.filter(expects_localtime=True)
def date_fr(value, format_string="j F Y"):
    return french_date(value, format_string)
