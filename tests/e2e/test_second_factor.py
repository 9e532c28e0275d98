"""An administrator's first sign-in in a real browser: sent to enrol, enrols by the key shown, then owes a code
at the next sign-in. Both pages pass axe-core."""

from base64 import b32decode

import pytest
from django_otp.oath import totp

from tests.e2e.conftest import describe, log_in, serious_violations
from tests.factories import PASSWORD, UserFactory

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def code(secret: str, steps: int = 0) -> str:
    """What an authenticator application shows for this key (`steps` 30-s steps from now)."""
    return f"{totp(b32decode(secret + '=' * (-len(secret) % 8)), drift=steps):06d}"


def test_administrator_enrols_at_first_sign_in_then_gives_a_code(page, settings):
    settings.TREMPLIN_SECOND_FACTOR_RELAXED = False  # as in production
    admin = UserFactory(administrator=True, first_name="Alix")

    log_in(page, admin.email, PASSWORD)
    assert "/compte/securite/activer/" in page.url
    assert page.locator("h1").inner_text() == "Activer la double authentification"
    assert page.locator("#enrolment-required").is_visible()
    violations = serious_violations(page)
    assert not violations, "Activation obligatoire :\n" + describe(violations)

    page.goto("/admin/")  # nothing else opens before enrolling
    assert "/compte/securite/activer/" in page.url

    secret = page.locator("#totp-secret").inner_text().replace(" ", "")
    page.get_by_label("Code à 6 chiffres").fill(code(secret))
    page.get_by_role("button", name="Activer").click()
    page.wait_for_load_state("load")
    assert page.url.endswith("/admin/")  # back where the administrator was going
    assert page.get_by_text("La double authentification est activée").count() == 1

    page.goto("/compte/securite/")
    page.locator("header").get_by_role("button", name="Se déconnecter").click()
    page.wait_for_load_state("load")
    log_in(page, admin.email, PASSWORD)
    assert "/compte/verification/" in page.url
    violations = serious_violations(page)
    assert not violations, "Vérification :\n" + describe(violations)
    # The code of the next step: the current one was spent on the enrolment, and one step ahead is accepted.
    page.get_by_label("Code à 6 chiffres").fill(code(secret, steps=1))
    page.get_by_role("button", name="Valider").click()
    page.wait_for_load_state("load")
    page.goto("/admin/")
    assert page.url.endswith("/admin/")
