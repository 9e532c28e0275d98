"""The Content-Security-Policy header of our pages, the one page that may be framed, and no inline script, event
handler or style left in the templates the browser gets (tests/e2e/test_csp.py runs them in Chromium)."""

import re
from pathlib import Path

import pytest
from django.urls import reverse

from tests.workshops.factories import RegistrationFactory, SessionFactory

ROOT = Path(__file__).resolve().parents[2]
TEMPLATES = ROOT / "tremplin" / "templates"
# Printed by WeasyPrint (PDF), never served to a browser: their <style> is not under the page's policy.
PRINTED = {"notifications/letter.html", "diagnostics/summary_pdf.html", "beneficiaries/data_pdf.html"}
INLINE = [
    (re.compile(r"<script(?![^>]*\bsrc=)(?![^>]*type=\"application/json\")[^>]*>", re.I), "script en ligne"),
    (re.compile(r"\son[a-z]+\s*=", re.I), "gestionnaire d'événement en ligne"),
    (re.compile(r"\sstyle\s*=", re.I), "attribut style"),
    (re.compile(r"<style", re.I), "élément <style>"),
    (re.compile(r"javascript:", re.I), "adresse javascript:"),
]


def directives(policy: str) -> dict[str, str]:
    return {part.split()[0]: " ".join(part.split()[1:]) for part in policy.split(";") if part.strip()}


def test_templates_have_no_inline_script_handler_or_style():
    found = []
    for path in sorted(TEMPLATES.rglob("*.html")):
        name = path.relative_to(TEMPLATES).as_posix()
        if name in PRINTED or name.startswith(("workshops/pdf/", "reporting/pdf/")):
            continue
        text = path.read_text()
        for pattern, what in INLINE:
            for match in pattern.finditer(text):
                line = text.count("\n", 0, match.start()) + 1
                found.append(f"{name}:{line}: {what}")
    assert not found, "\n".join(found)


@pytest.mark.django_db
def test_pages_get_the_policy_and_refuse_frames(client):
    response = client.get(reverse("accounts:login"))
    policy = directives(response["Content-Security-Policy"])
    assert policy["script-src"] == "'self'"
    assert policy["style-src"] == "'self'"
    assert policy["object-src"] == "'none'"
    assert policy["base-uri"] == "'self'"
    assert policy["frame-ancestors"] == "'none'"
    assert policy["img-src"] == "'self' data:"
    assert response["X-Frame-Options"] == "DENY"


@pytest.mark.django_db
def test_public_booking_page_may_be_framed_by_the_configured_sites(client, settings):
    site = SessionFactory().site
    url = reverse("workshops:public", args=[site.pk]) + "?integre=1"
    response = client.get(url)
    assert directives(response["Content-Security-Policy"])["frame-ancestors"] == "*"
    assert "X-Frame-Options" not in response
    assert directives(response["Content-Security-Policy"])["script-src"] == "'self'"  # the rest of the policy stays
    settings.TREMPLIN_EMBED_ANCESTORS = ["https://www.mairie-exemple.fr", "https://cdc.example"]
    response = client.get(url)
    assert (
        directives(response["Content-Security-Policy"])["frame-ancestors"]
        == "https://www.mairie-exemple.fr https://cdc.example"
    )
    # The link of the messages (to confirm or cancel) is not embeddable.
    registration = RegistrationFactory(session=SessionFactory(site=site))
    response = client.get(reverse("workshops:manage", args=[registration.token]))
    assert directives(response["Content-Security-Policy"])["frame-ancestors"] == "'none'"
