"""Rate limits of the pages open to everyone (django-ratelimit, counted per client address in the shared cache)."""

from django.shortcuts import render

PUBLIC_BOOKING_RATE = "20/h"  # POSTs per client address on a place's public booking page
MANAGE_REGISTRATION_RATE = "30/h"  # POSTs per client address on the links of the messages (confirm, cancel)
LIMITED_MESSAGE = "Trop de demandes depuis cette connexion. Réessayez dans une heure, ou appelez le lieu."


def limited(request, exception):
    """settings.RATELIMIT_VIEW: a limited request gets this French page (HTTP 429), not a bare 403."""
    context = {"title": "Trop de demandes", "message": LIMITED_MESSAGE}
    return render(request, "ratelimited.html", context, status=429)
