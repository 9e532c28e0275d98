"""One submission shows every fault at once, each on its field, in words that name the real fault; the
birth-year bounds have one message everywhere (record form, public booking form, model, API)."""

import json

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from tests.beneficiaries.factories import BeneficiaryFactory
from tests.beneficiaries.worlds import make_world
from tests.workshops.factories import SessionFactory
from tremplin.accounts.tokens import api_token_create
from tremplin.beneficiaries.models import PHONE_VALIDATOR, Beneficiary, birth_year_message
from tremplin.diagnostics.models import Screening
from tremplin.www.beneficiaries.forms import BeneficiaryForm, ConsentForm
from tremplin.www.diagnostics.forms import ScreeningForm
from tremplin.www.workshops.forms import PublicBookingForm

pytestmark = pytest.mark.django_db


@pytest.fixture
def world():
    return make_world()


PERSON = {
    "first_name": "Josiane",
    "last_name": "Le Bihan",
    "birth_year": "1948",
    "gender": "feminin",
    "social_status": "retraite",
    "preferred_channel": "",
    "mobile_phone": "06 12 34 56 78",
    "consent_data": "on",
}
FAULTS = {"mobile_phone": "12 34", "last_name": "L" * 101, "birth_year": "1850"}


def assert_every_fault_shown(response, expected: dict[str, str]):
    assert response.status_code == 200
    errors = response.context["form"].errors
    assert {field: errors[field] for field in expected} == {field: [message] for field, message in expected.items()}
    page = response.content.decode()
    for message in expected.values():
        assert message.replace("'", "&#x27;") in page
    assert "Indiquez le prénom et le nom" not in page


def test_person_form_shows_bad_phone_long_name_and_bad_year_at_once(client, world):
    client.force_login(world.users.counter)
    response = client.post(reverse("beneficiaries:create"), PERSON | FAULTS)
    assert_every_fault_shown(
        response,
        {
            "mobile_phone": PHONE_VALIDATOR.message,
            "last_name": "Le nom ne doit pas dépasser 100 caractères.",
            "birth_year": birth_year_message(),
        },
    )
    assert not Beneficiary.objects.filter(first_name="Josiane").exists()


def test_person_form_shows_missing_names_with_the_other_faults(client, world):
    client.force_login(world.users.counter)
    data = PERSON | FAULTS | {"first_name": "", "last_name": "", "preferred_channel": "email", "email": ""}
    response = client.post(reverse("beneficiaries:create"), data)
    assert_every_fault_shown(
        response,
        {
            "first_name": "Indiquez le prénom, ou un pseudonyme si la personne le préfère.",
            "last_name": "Indiquez le nom, ou un pseudonyme si la personne le préfère.",
            "mobile_phone": PHONE_VALIDATOR.message,
            "birth_year": birth_year_message(),
            "email": "Le contact par e-mail demande une adresse e-mail.",
        },
    )


def test_person_edit_form_shows_every_fault_at_once(client, world):
    person = world.people.at_o1
    client.force_login(world.users.mediator)
    data = PERSON | FAULTS | {"site": world.o1.pk, "preferred_channel": "sms", "mobile_phone": "", "first_name": ""}
    response = client.post(reverse("beneficiaries:edit", args=[person.pk]), data)
    assert_every_fault_shown(
        response,
        {
            "first_name": "Indiquez le prénom, ou un pseudonyme si la personne le préfère.",
            "last_name": "Le nom ne doit pas dépasser 100 caractères.",
            "birth_year": birth_year_message(),
            "mobile_phone": "Le SMS demande un numéro de mobile.",
        },
    )


def test_record_model_collects_every_fault_in_one_error():
    person = BeneficiaryFactory.build(
        first_name="", last_name="", pseudonym="", birth_year=1850, preferred_channel="courrier", postal_address=""
    )
    with pytest.raises(ValidationError) as caught:
        person.clean()
    assert caught.value.message_dict == {
        "first_name": ["Indiquez le prénom, ou un pseudonyme si la personne le préfère."],
        "last_name": ["Indiquez le nom, ou un pseudonyme si la personne le préfère."],
        "birth_year": [birth_year_message()],
        "postal_address": ["Le courrier demande une adresse postale."],
    }


@pytest.mark.parametrize("year", ["1899", "2999"])
def test_birth_year_bounds_have_one_message_everywhere(client, world, year):
    record = BeneficiaryForm(PERSON | {"birth_year": year}, sites=None)
    session = SessionFactory(site=world.o1, mediator=world.users.mediator)
    session.public_label = "Atelier e-mail, mardi"  # set by the page
    public = PublicBookingForm(
        {"session": session.pk, "first_name": "Lucie", "last_name": "Perrin", "phone": "0611223344", "consent": "on"}
        | {"birth_year": year},
        sessions=[session],
    )
    with pytest.raises(ValidationError) as model:
        BeneficiaryFactory.build(birth_year=int(year)).clean()
    _, key = api_token_create(user=world.users.mediator)
    api = client.post(
        f"/api/v1/sessions/{session.pk}/registrations",
        data=json.dumps({"first_name": "Lucie", "last_name": "Perrin", "phone": "0611223344", "birth_year": int(year)}),
        content_type="application/json",
        HTTP_AUTHORIZATION=f"Bearer {key}",
    )
    assert not record.is_valid() and not public.is_valid()
    assert api.status_code == 422
    assert (
        record.errors["birth_year"]
        == public.errors["birth_year"]
        == model.value.message_dict["birth_year"]
        == api.json()["errors"]["birth_year"]
        == [birth_year_message()]
    )


def test_public_booking_form_shows_every_fault_at_once(world):
    session = SessionFactory(site=world.o1, mediator=world.users.mediator)
    session.public_label = "Atelier e-mail, mardi"  # set by the page
    data = {"session": "", "first_name": "", "last_name": "P" * 101, "phone": "12", "birth_year": "1850"}
    form = PublicBookingForm(data, sessions=[session])
    assert not form.is_valid()
    assert set(form.errors) == {"session", "first_name", "last_name", "phone", "birth_year", "consent"}


def test_screening_and_consent_forms_show_every_missing_answer_at_once(world):
    screening = ScreeningForm({}, sites=world.users.mediator.sites.all())
    assert not screening.is_valid()
    assert set(screening.errors) == {"used_internet", "has_email", "struggles_online", "has_device", "site"}
    assert not Screening.objects.exists()
    consent = ConsentForm({})
    assert not consent.is_valid() and set(consent.errors) == {"kind", "given"}
