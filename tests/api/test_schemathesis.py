"""Property-based tests of the API against its own OpenAPI document (schemathesis), in process through Django's
WSGI handler: the real middleware, URL routing, key check, scoping and database (the test's, on PostgreSQL in
CI). For each operation of /api/v1/openapi.json, a bounded number of generated requests (EXAMPLES, half of them
aimed at rows that exist), with the key of a mediator who has sessions, registrations, people and activities:

- no answer is a server error (5xx);
- every answer's status code, content type and body are among those the document declares for the operation.

The rate limits are off here (their 429s are tested in test_rate_limits.py); generation is derandomised, so a
failure found in CI is found again locally."""

import datetime

import hypothesis
import pytest
import schemathesis
from django.core import signals
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections
from hypothesis import HealthCheck
from hypothesis import strategies as st
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from tests.activities.factories import ActivityFactory
from tests.beneficiaries.worlds import make_world
from tests.workshops.factories import RegistrationFactory, SessionFactory
from tremplin.accounts import tokens
from tremplin.accounts.tokens import api_token_create
from tremplin.activities.enums import Kind
from tremplin.api.api import api
from tremplin.places.models import Place

pytestmark = pytest.mark.django_db
EXAMPLES = 20
CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance, response_schema_conformance]
DOCUMENT = api.get_openapi_schema()
OPERATIONS = sorted((method.upper(), path) for path, operations in DOCUMENT["paths"].items() for method in operations)


@pytest.fixture
def app(settings):
    """Django's WSGI application, called in this thread: the request signals must not close the test's
    connection (inside its transaction), as Django's own test client arranges too."""
    settings.TREMPLIN_API_RATE = ""
    settings.TREMPLIN_API_PUBLIC_RATE = ""
    tokens._checked.clear()
    signals.request_started.disconnect(close_old_connections)
    signals.request_finished.disconnect(close_old_connections)
    try:
        yield get_wsgi_application()
    finally:
        signals.request_started.connect(close_old_connections)
        signals.request_finished.connect(close_old_connections)
        tokens._checked.clear()


@pytest.fixture
def data():
    """A mediator of o1 and o2 with upcoming, past and cancelled sessions, people booked, activities; places of
    the directory around Lannion."""
    world = make_world()
    mediator = world.users.mediator
    session = SessionFactory(site=world.o1, mediator=mediator, capacity=2)
    RegistrationFactory(session=session, beneficiary=world.people.at_o1)
    waiting = RegistrationFactory(session=session, waitlisted=True)
    SessionFactory(site=world.o2, mediator=mediator, past=True)
    SessionFactory(site=world.o1, mediator=mediator, cancelled=True)
    SessionFactory(site=world.o3)  # out of scope
    for kind in (Kind.INDIVIDUAL, Kind.COLLECTIVE):
        ActivityFactory(
            organisation=world.la_poste, mediator=mediator, site=world.o1, kind=kind, people=[world.people.at_o1]
        )
    ActivityFactory(organisation=world.la_poste, mediator=mediator, site=world.o2, anonymous_count=2)
    for i in range(3):
        Place.objects.create(
            external_id=f"lieu-{i}",
            pivot="12345678901234",
            name=f"Lieu {i}",
            address="1 rue de la Mairie",
            postcode="22300",
            city="Lannion",
            code_insee="22113",
            latitude=48.73 + i / 100,
            longitude=-3.46,
            services=["Aide aux démarches administratives"],
            hours="Mo-Fr 09:00-18:00" if i else "illisible",
            source_updated_on=datetime.date(2026, 1, 15),
        )
    _, key = api_token_create(user=mediator, label="schemathesis")
    return {
        "key": key,
        "path": {"session_id": session.pk, "registration_id": waiting.pk},
        "body": {
            "POST /api/v1/sessions/{session_id}/registrations": [
                {"beneficiary_id": world.people.at_o2.pk},
                {"first_name": "Lucie", "last_name": "Perrin", "phone": "0611223344", "birth_year": 1956},
            ]
        },
        "query": {
            "GET /api/v1/places": {"near": "48.73,-3.46"},
            "GET /api/v1/stats/summary": {"departement": "22"},
        },
    }


@pytest.mark.parametrize(("method", "path"), OPERATIONS, ids=[f"{m} {p}" for m, p in OPERATIONS])
def test_every_answer_is_documented_and_none_is_a_server_error(app, data, method, path):
    schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", app)
    operation = schema[path][method]
    label = f"{method} {path}"
    aimed = {name: value for name, value in data["path"].items() if "{" + name + "}" in path}
    strategies = [operation.as_strategy()]
    if aimed:
        strategies.append(operation.as_strategy(path_parameters=aimed))
    if label in data["query"]:
        strategies.append(operation.as_strategy(query=data["query"][label]))
    if label in data["body"]:  # a real person, then someone new: 201, then 409 (already booked)
        strategies.extend(operation.as_strategy(path_parameters=aimed, body=body) for body in data["body"][label])
    headers = {"Authorization": f"Bearer {data['key']}"}
    seen = set()

    @hypothesis.settings(
        max_examples=EXAMPLES,
        deadline=None,
        derandomize=True,
        database=None,
        suppress_health_check=list(HealthCheck),
        phases=[hypothesis.Phase.explicit, hypothesis.Phase.generate],  # no shrinking: the first failure is shown
    )
    @hypothesis.given(case=st.one_of(*strategies))
    def call(case):
        response = case.call_and_validate(headers=headers, checks=CHECKS)
        seen.add(response.status_code)

    call()
    assert seen & {200, 201, 204}, (label, seen)  # the key opens them: not only refusals were checked
