import json

import pytest
from django.core.management import call_command

from tests.beneficiaries.factories import BeneficiaryFactory
from tests.factories import UserFactory
from tests.workshops.factories import RegistrationFactory, SessionFactory
from tremplin.accounts.models import ApiToken
from tremplin.accounts.tokens import api_token_create, api_token_revoke
from tremplin.workshops.enums import RegistrationStatus

pytestmark = pytest.mark.django_db
SESSION_KEYS = {"id", "programme", "theme", "starts_at", "capacity", "confirmed", "waitlisted", "site"}


@pytest.fixture
def api(client, world):
    """A client calling the API with the world's mediator key (sites o1 and o2)."""
    _, key = api_token_create(user=world.users.mediator)

    class Api:
        user = world.users.mediator

        def call(self, method, path, body=None, key=key):
            headers = {"HTTP_AUTHORIZATION": f"Bearer {key}"} if key else {}
            data = json.dumps(body) if body is not None else None
            return getattr(client, method)(f"/api/v1{path}", data=data, content_type="application/json", **headers)

    return Api()


def identity(**changes):
    return {"first_name": "Lucie", "last_name": "Perrin", "phone": "06 11 22 33 44", "birth_year": 1956, **changes}


def test_create_api_token_prints_a_key_stored_only_as_a_hash(world, capsys):
    call_command("create_api_token", email=world.users.mediator.email)
    key = capsys.readouterr().out.strip()
    token = ApiToken.objects.get(user=world.users.mediator)
    assert len(key) >= 40 and key not in token.key_hash and token.prefix == key[:8]


def test_missing_wrong_or_revoked_key_is_401(api, world):
    assert api.call("get", "/sessions", key=None).status_code == 401
    response = api.call("get", "/sessions", key="nimporte-quoi")
    assert response.status_code == 401 and "Clé" in response.json()["detail"]
    token, key = api_token_create(user=world.users.mediator)
    assert api.call("get", "/sessions", key=key).status_code == 200
    api_token_revoke(token=token)
    assert api.call("get", "/sessions", key=key).status_code == 401


def test_booking_contract_201_confirmed_then_waitlisted_then_409(api, world):
    session = SessionFactory(site=world.o1, mediator=world.users.mediator, capacity=1)
    first = api.call("post", f"/sessions/{session.pk}/registrations", identity())
    assert first.status_code == 201
    body = first.json()
    assert set(body) == {"id", "status", "position"}
    assert body["status"] == "confirmed" and body["position"] is None
    second = api.call("post", f"/sessions/{session.pk}/registrations", identity(phone="0622222222", first_name="Jo"))
    assert second.status_code == 201 and second.json()["status"] == "waitlisted" and second.json()["position"] == 1
    again = api.call("post", f"/sessions/{session.pk}/registrations", identity(phone="+33 6 11 22 33 44"))
    assert again.status_code == 409
    assert again.json()["registration_id"] == body["id"] and "déjà inscrite" in again.json()["detail"]


def test_booking_an_existing_person_by_id(api, world):
    session = SessionFactory(site=world.o1, mediator=world.users.mediator)
    response = api.call("post", f"/sessions/{session.pk}/registrations", {"beneficiary_id": world.people.at_o1.pk})
    assert response.status_code == 201
    assert (
        api.call("post", f"/sessions/{session.pk}/registrations", {"beneficiary_id": world.people.at_o1.pk}).status_code
        == 409
    )
    # Someone the key's user does not see is refused like a bad value, without saying who it is.
    hidden = api.call("post", f"/sessions/{session.pk}/registrations", {"beneficiary_id": world.people.at_o3.pk})
    assert hidden.status_code == 422 and "beneficiary_id" in hidden.json()["errors"]


@pytest.mark.parametrize(
    ("body", "field", "words"),
    [
        (identity(phone="12"), "phone", "téléphone"),
        (identity(phone=""), "phone", "numéro"),
        (identity(first_name=""), "first_name", "prénom"),
        (identity(last_name=""), "last_name", "nom"),
        (identity(birth_year=1800), "birth_year", "année"),
        (identity(birth_year="vers 1950"), "birth_year", "nombre entier"),
    ],
)
def test_bad_input_is_422_with_per_field_french_messages(api, world, body, field, words):
    session = SessionFactory(site=world.o1, mediator=world.users.mediator)
    response = api.call("post", f"/sessions/{session.pk}/registrations", body)
    assert response.status_code == 422
    errors = response.json()["errors"]
    assert field in errors and words in " ".join(errors[field]).lower()


def test_closed_session_is_422(api, world):
    session = SessionFactory(site=world.o1, mediator=world.users.mediator, cancelled=True)
    response = api.call("post", f"/sessions/{session.pk}/registrations", identity())
    assert response.status_code == 422 and "session" in response.json()["errors"]


def test_delete_is_204_and_promotes_the_waitlist(api, world):
    session = SessionFactory(site=world.o1, mediator=world.users.mediator, capacity=1)
    seated = api.call("post", f"/sessions/{session.pk}/registrations", identity()).json()
    waiting = api.call("post", f"/sessions/{session.pk}/registrations", identity(phone="0633333333")).json()
    response = api.call("delete", f"/registrations/{seated['id']}")
    assert response.status_code == 204 and response.content == b""
    assert session.registrations.get(pk=waiting["id"]).status == RegistrationStatus.CONFIRMED
    assert api.call("get", f"/sessions/{session.pk}").json()["confirmed"] == 1


def test_session_list_and_detail_fields_and_scoping(api, world, django_assert_max_num_queries, settings):
    settings.TREMPLIN_API_RATE = ""  # the rate limit's cache queries are counted in tests/api/test_rate_limits.py
    mine = SessionFactory(site=world.o1, mediator=world.users.mediator, capacity=2)
    RegistrationFactory(session=mine)
    RegistrationFactory(session=mine)
    RegistrationFactory(session=mine, waitlisted=True)
    SessionFactory(site=world.o2, past=True)
    for _ in range(5):
        SessionFactory(site=world.o2)
    elsewhere = SessionFactory(site=world.o3)  # a site the mediator does not serve
    api.call("get", f"/sessions/{mine.pk}")  # the key's first use is stamped once (a write), not on every call
    with django_assert_max_num_queries(3):
        listed = api.call("get", "/sessions?upcoming=1").json()
    assert elsewhere.pk not in {s["id"] for s in listed}
    assert len(listed) == 6
    detail = api.call("get", f"/sessions/{mine.pk}").json()
    assert set(detail) == SESSION_KEYS
    assert (detail["capacity"], detail["confirmed"], detail["waitlisted"]) == (2, 2, 1)
    assert detail["site"]["name"] == "LANNION PRINCIPAL" and detail["theme"] == "email"
    assert len(api.call("get", "/sessions").json()) == 7  # the past one too
    assert api.call("get", f"/sessions/{elsewhere.pk}").status_code == 404
    assert api.call("post", f"/sessions/{elsewhere.pk}/registrations", identity()).status_code == 404
    other = RegistrationFactory(session=elsewhere, beneficiary=BeneficiaryFactory())
    assert api.call("delete", f"/registrations/{other.pk}").status_code == 404


def test_a_national_key_sees_everything_but_cannot_book(client, world):
    _, key = api_token_create(user=world.users.national)
    session = SessionFactory(site=world.o3)
    headers = {"HTTP_AUTHORIZATION": f"Bearer {key}"}
    assert client.get(f"/api/v1/sessions/{session.pk}", **headers).status_code == 200
    response = client.post(
        f"/api/v1/sessions/{session.pk}/registrations", data=identity(), content_type="application/json", **headers
    )
    assert response.status_code == 403


def test_delete_applies_the_role_check_of_the_web_view(client, world):
    """A counter agent with no organisation sees the office's sessions but may neither book nor cancel."""
    agent = UserFactory(counter_agent=True, organisation=None, sites=[world.o1])
    _, key = api_token_create(user=agent)
    registration = RegistrationFactory(session=SessionFactory(site=world.o1, mediator=world.users.mediator))
    response = client.delete(f"/api/v1/registrations/{registration.pk}", HTTP_AUTHORIZATION=f"Bearer {key}")
    assert response.status_code == 403
    assert response.json() == {"detail": "Votre rôle ne permet pas d'annuler des inscriptions."}
    registration.refresh_from_db()
    assert registration.status == RegistrationStatus.CONFIRMED
    # The web button says no to the same person.
    client.force_login(agent)
    assert client.post(f"/ateliers/inscriptions/{registration.pk}/annuler/").status_code == 403


@pytest.mark.parametrize(
    ("traits", "reason"),
    [
        ({"past": True}, "Cette séance a déjà commencé ou a eu lieu"),
        ({"cancelled": True}, "Cette séance est annulée"),
    ],
)
def test_delete_of_a_registration_whose_session_is_over_or_cancelled_is_422_in_french(api, world, traits, reason):
    session = SessionFactory(site=world.o1, mediator=world.users.mediator, **traits)
    registration = RegistrationFactory(session=session)
    response = api.call("delete", f"/registrations/{registration.pk}")
    assert response.status_code == 422
    message = f"{reason} : l'inscription ne peut plus être annulée."
    assert response.json() == {"detail": message, "errors": {"__all__": [message]}}
    registration.refresh_from_db()
    assert registration.status == RegistrationStatus.CONFIRMED


def test_api_reports_every_typed_fault_at_once(api, world):
    """A wrong phone and an impossible birth year come back together, each on its field, in French."""
    session = SessionFactory(site=world.o1, mediator=world.users.mediator)
    response = api.call("post", f"/sessions/{session.pk}/registrations", identity(phone="12", birth_year=1850))
    assert response.status_code == 422
    errors = response.json()["errors"]
    assert {"phone", "birth_year"} <= set(errors)
    assert "entre 1900" in errors["birth_year"][0]
