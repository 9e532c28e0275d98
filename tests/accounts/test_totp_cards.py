"""Hardware TOTP cards: `manage.py assign_totp_card` gives an account a card from the supplier's file; its codes work
as an application's (one 30-s step of clock drift tolerated, not two), and a card belongs to one account."""

from datetime import UTC, datetime

import pytest
import time_machine
from django.core.management import call_command
from django.core.management.base import CommandError
from django.urls import reverse
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice

from tests.accounts.otp import make_device, mark_verified
from tests.factories import PASSWORD, UserFactory
from tremplin.accounts.enums import SecurityAction
from tremplin.accounts.models import SecurityEvent

pytestmark = pytest.mark.django_db

EMAIL = "dominique@tremplin.test"
SEED = "3132333435363738393031323334353637383930"  # RFC 6238's test seed, as in a supplier's file (20 bytes)
VERIFY = reverse("accounts:verify")
HOME = reverse("home:index")


@pytest.fixture
def clock():
    with time_machine.travel(datetime(2025, 3, 14, 9, 0, 10, tzinfo=UTC), tick=False) as traveller:
        yield traveller


@pytest.fixture
def user():
    return UserFactory(mediator=True, email=EMAIL)


def assign(*args, **options):
    call_command("assign_totp_card", *args, **options)


def card_code(seed=SEED, *, steps=0, period=30, digits=6) -> str:
    """What the card's screen shows, `steps` periods from the server's time (a card whose clock drifted)."""
    return f"{totp(bytes.fromhex(seed), step=period, digits=digits, drift=steps):0{digits}d}"


def sign_in(client):
    return client.post(reverse("accounts:login"), {"username": EMAIL, "password": PASSWORD})


def test_a_card_is_assigned_confirmed_journaled_and_listed(client, user, capsys):
    assign("--email", EMAIL.upper(), "--serial", "TK-004512", "--seed", SEED.upper())
    device = TOTPDevice.objects.get(user=user)
    assert device.name == "Carte TOTP n° TK-004512"
    assert device.confirmed and (device.step, device.digits, device.tolerance) == (30, 6, 1)
    assert device.key == SEED
    assert "Carte TOTP n° TK-004512 attribuée à dominique@tremplin.test." in capsys.readouterr().out
    event = SecurityEvent.objects.get(user=user)
    assert (event.action, event.actor) == (SecurityAction.TOTP_CARD_ASSIGNED, None)

    make_device(user)  # and an application beside it
    client.force_login(user)
    mark_verified(client, device)
    html = client.get(reverse("accounts:security")).content.decode()
    assert "<li>Carte TOTP n° TK-004512, ajoutée le" in html
    assert "<li>Application : Téléphone, ajoutée le" in html


@pytest.mark.parametrize(("steps", "accepted"), [(-2, False), (-1, True), (0, True), (1, True), (2, False)])
def test_card_codes_are_accepted_one_step_away_not_two(client, user, clock, steps, accepted):
    assign("--email", EMAIL, "--serial", "TK-1", "--seed", SEED)
    assert sign_in(client).url.startswith(VERIFY)
    response = client.post(VERIFY, {"code": card_code(steps=steps)})
    assert (response.status_code == 302) is accepted
    assert (client.get(HOME).status_code == 200) is accepted


def test_a_card_with_60_s_and_8_digits(client, user, clock):
    assign("--email", EMAIL, "--serial", "TK-8", "--seed", SEED, "--period", "60", "--digits", "8")
    sign_in(client)
    assert client.post(VERIFY, {"code": card_code(period=30, digits=8)}).status_code == 200  # not its rhythm
    clock.shift(2)
    assert client.post(VERIFY, {"code": card_code(period=60, digits=8, steps=-1)}).status_code == 302


def test_a_serial_already_assigned_to_another_account_is_refused(user):
    other = UserFactory(mediator=True, email="autre@tremplin.test")
    assign("--email", other.email, "--serial", "TK-7", "--seed", SEED)
    with pytest.raises(CommandError) as error:
        assign("--email", EMAIL, "--serial", "TK-7", "--seed", SEED)
    assert error.value.returncode == 1
    assert str(error.value) == "La carte n° TK-7 est déjà attribuée à un autre compte (autre@tremplin.test)."
    assert not TOTPDevice.objects.filter(user=user).exists()
    assert not SecurityEvent.objects.filter(user=user).exists()


def test_assigning_the_same_card_again_changes_nothing_another_seed_is_refused(user, capsys):
    assign("--email", EMAIL, "--serial", "TK-7", "--seed", SEED)
    assign("--email", EMAIL, "--serial", "TK-7", "--seed", SEED)
    assert "déjà attribuée à dominique@tremplin.test : rien n'a changé" in capsys.readouterr().out
    assert TOTPDevice.objects.filter(user=user).count() == 1
    assert SecurityEvent.objects.filter(user=user).count() == 1
    with pytest.raises(CommandError, match="déjà attribuée à ce compte, avec d'autres réglages"):
        assign("--email", EMAIL, "--serial", "TK-7", "--seed", "ab" * 20)


@pytest.mark.parametrize(
    ("seed", "message"),
    [
        ("zz" * 20, "La graine de la carte doit être écrite en hexadécimal"),
        (SEED[:-1], "La graine de la carte doit être écrite en hexadécimal"),  # an odd number of digits
        ("ab" * 10, "La graine de la carte fait 10 octets : elle doit en faire de 16 à 40"),
        ("ab" * 41, "La graine de la carte fait 41 octets"),
    ],
)
def test_a_bad_seed_is_refused_in_french(user, seed, message):
    with pytest.raises(CommandError, match=message) as error:
        assign("--email", EMAIL, "--serial", "TK-9", "--seed", seed)
    assert error.value.returncode == 1
    assert not TOTPDevice.objects.exists()


@pytest.mark.parametrize(
    ("options", "message"),
    [
        ({"email": "personne@tremplin.test"}, "Aucun compte actif avec l'adresse personne@tremplin.test."),
        ({"digits": "7"}, "Une carte affiche des codes de 6 ou 8 chiffres."),
        ({"period": "0"}, "La période d'une carte est comprise entre 1 et 300 secondes."),
        ({"serial": "  "}, "Indiquez le numéro de série de la carte"),
    ],
)
def test_other_mistakes_are_refused_in_french(user, options, message):
    arguments = {"email": EMAIL, "serial": "TK-9", "seed": SEED, **options}
    with pytest.raises(CommandError, match=message):
        assign(*[item for key, value in arguments.items() for item in (f"--{key}", value)])
    assert not TOTPDevice.objects.exists()


def test_a_card_can_generate_recovery_codes_from_the_security_page(client, user, clock):
    assign("--email", EMAIL, "--serial", "TK-2", "--seed", SEED)
    sign_in(client)
    client.post(VERIFY, {"code": card_code()})
    assert "Codes de secours : aucun." in client.get(reverse("accounts:security")).content.decode()
    clock.shift(30)
    response = client.post(reverse("accounts:recovery_codes"), {"code": card_code()}, follow=True)
    assert response.content.decode().count("<li><code>") == 10
