"""Authorisation matrix (issue 15): every URL pattern of the project, for each role and for anonymous visitors,
gives the answer written in tests/security/matrix.py.

- Every pattern of `get_resolver()` (pages, API under /api/v1/, admin) must have an entry, and every entry a pattern:
  a new URL without an entry fails here, as does an entry left behind by a removed URL.
- GET with objects of the viewer's organisation; for the patterns marked `other`, GET again with the objects of
  another organisation (a person followed at the same office, in the same département): 404 for every role.
- For state-changing views (`change`), the refused viewers also send the change (POST, DELETE) with an empty body:
  it must be refused too.
- The admin: one entry per registered model (its changelist answers exactly as written; its other pages are
  refused to whoever the changelist refuses, and do not fail for the others), plus the admin's own pages.

The world is built once for the module, inside a transaction rolled back at the end; each test runs in a
savepoint of it. Signed-in viewers who must have a second factor (national roles, staff, the habilitated
mediator) have a confirmed device and a freshly verified session, as after typing their code.

To see the answers of the code as it is (when adding URLs): AUTHZ_MATRIX_DUMP=/tmp/answers.json pytest this file.
"""

import json
import os

import pytest
from django.db import transaction
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from django_otp.plugins.otp_totp.models import TOTPDevice

from tests.accounts.otp import mark_verified
from tremplin.accounts import second_factor
from tremplin.accounts.enums import Role
from tremplin.accounts.tokens import api_token_create

from . import matrix
from .urls import ADMIN_PREFIX, all_patterns, url_for
from .world import ANONYMOUS, VIEWERS, build_world, own_objects

DUMP = os.environ.get("AUTHZ_MATRIX_DUMP", "")  # a file to write the answers to (see the docstring)


@pytest.fixture(scope="module")
def world(django_db_setup, django_db_blocker):
    """Built once: each test's own transaction is a savepoint inside this one, rolled back at the end."""
    with django_db_blocker.unblock():
        atomic = transaction.atomic()
        atomic.__enter__()
        try:
            yield build_world()
        finally:
            transaction.set_rollback(True)
            atomic.__exit__(None, None, None)


def _entry_key(route: str) -> str:
    """The matrix key of a route: the route itself, or the model prefix for the admin's model pages."""
    if route.startswith(ADMIN_PREFIX):
        if "(?P<app_label>" in route:  # its regular expression lists the apps of the admin: one entry whatever they are
            return matrix.ADMIN_APP_INDEX
        for prefix in matrix.ADMIN_MODELS:
            if route.startswith(prefix):
                return prefix
    return route


def test_every_url_pattern_has_an_entry_and_every_entry_a_pattern():
    routes = {pattern.route for pattern in all_patterns()}
    keys = {_entry_key(route) for route in routes}
    missing = sorted(key for key in keys if key not in matrix.MATRIX and key not in matrix.ADMIN_MODELS)
    stale = sorted(set(matrix.MATRIX) - keys) + sorted(
        prefix for prefix in matrix.ADMIN_MODELS if not any(route.startswith(prefix) for route in routes)
    )
    messages = [f"URL sans entrée dans la matrice d'autorisation : {key}" for key in missing]
    messages += [f"Entrée de la matrice d'autorisation sans URL (supprimée ?) : {key}" for key in stale]
    assert not messages, "\n".join(messages)


def classify(response) -> str:
    """The answer class of a response (matrix.OK, LOGIN, FORBIDDEN…)."""
    status = response.status_code
    if 300 <= status < 400:
        target = response.get("Location", "").split("?")[0]
        if target == reverse("accounts:login"):
            return matrix.LOGIN
        if target == reverse("admin:login"):
            return matrix.ADMIN_LOGIN
        if target in (reverse("accounts:verify"), reverse("accounts:totp_enable"), reverse("accounts:reverify")):
            return matrix.SECOND_FACTOR
        return matrix.OK
    if 200 <= status < 300:
        return matrix.OK
    return str(status)


def _client(world, viewer: str) -> tuple[Client, dict]:
    client = Client(raise_request_exception=False)
    headers = {}
    user = world.viewers[viewer]
    if user is None:
        return client, headers
    client.force_login(user)
    device = TOTPDevice.objects.filter(user=user, confirmed=True).first()
    if device:  # as after typing a code, a minute ago
        mark_verified(client, device)
        session = client.session
        session[second_factor.SESSION_VERIFIED_AT] = timezone.now().isoformat()
        session.save()
    _, key = api_token_create(user=user, label="matrice d'autorisation")
    headers["HTTP_AUTHORIZATION"] = f"Bearer {key}"
    return client, headers


def _send(client, method: str, url: str, headers: dict):
    if url.startswith("/api/"):
        return getattr(client, method)(
            url, data={} if method != "get" else None, content_type="application/json", **headers
        )
    return getattr(client, method)(url, **({"data": {}} if method == "post" else {}))


@pytest.fixture
def strict_second_factor(settings):
    settings.TREMPLIN_SECOND_FACTOR_RELAXED = False  # as in production: national roles and staff must have one
    settings.RATELIMIT_ENABLE = False  # hundreds of requests from one address: the limits are tested elsewhere


@pytest.mark.parametrize("viewer", VIEWERS)
def test_every_url_answers_each_viewer_as_the_matrix_says(world, viewer, strict_second_factor, db):
    client, headers = _client(world, viewer)
    mine = own_objects(world, viewer)
    wrong, seen, changes = [], {}, []
    for pattern in all_patterns():
        key = _entry_key(pattern.route)
        if key in matrix.ADMIN_MODELS:
            wrong += _check_admin_page(client, world, pattern, viewer, matrix.ADMIN_MODELS[key], seen)
            continue
        entry = matrix.MATRIX.get(key)
        if entry is None:
            continue  # reported by test_every_url_pattern_has_an_entry_and_every_entry_a_pattern
        url = url_for(world, pattern, viewer, mine)
        if url is None:
            wrong.append(f"{pattern.route} : arguments inconnus (tests/security/urls.py route_arguments)")
            continue
        expected = entry.answers[viewer]
        response = _send(client, "get", url, headers)
        got = classify(response)
        seen[pattern.route] = {"get": got, "status": response.status_code, "to": response.get("Location", "")}
        if got != expected:
            wrong.append(f"GET {url} ({pattern.route}) : {got}, attendu {expected}")
        if entry.other:
            other_url = url_for(world, pattern, viewer, world.other)
            other_expected = matrix.NOT_FOUND if expected in (matrix.OK, matrix.NOT_FOUND) else expected
            if entry.other_answers is not None:
                other_expected = entry.other_answers[viewer]
            other = classify(_send(client, "get", other_url, headers))
            seen[pattern.route]["other"] = other
            if other != other_expected:
                wrong.append(
                    f"GET {other_url} ({pattern.route}, autre organisation) : {other}, attendu {other_expected}"
                )
        if entry.change:
            changes += _changes(entry, pattern, viewer, url, expected, world)
    # The changes after every GET: one that would wrongly go through cannot alter the answers of the pages.
    for method, url, route, what, refusal in changes:
        got = classify(_send(client, method, url, headers))
        seen[route][what] = got
        if refusal is not None and got != refusal and not (refusal == REFUSED and got in matrix.REFUSED):
            wrong.append(f"{method.upper()} {url} ({route}) : {got}, attendu {refusal}")
    _dump(viewer, seen)
    assert not wrong, f"{viewer} :\n" + "\n".join(wrong)


REFUSED = "un refus"


def _changes(entry, pattern, viewer, url, expected, world) -> list[tuple]:
    """The changes to send: (method, url, route, what, expected refusal or None to record the answer only)."""
    other_url = url_for(world, pattern, viewer, world.other) if entry.other else None
    if DUMP:
        found = [(entry.change, url, pattern.route, "change", None)]
        return found + ([(entry.change, other_url, pattern.route, "change-other", None)] if other_url else [])
    refusal = entry.post[viewer] if entry.post is not None else REFUSED if expected != matrix.OK else matrix.OK
    found = [] if refusal == matrix.OK else [(entry.change, url, pattern.route, "change", refusal)]
    if other_url and entry.post is not None and refusal in (matrix.OK, matrix.NOT_FOUND):
        # Allowed on their own organisation's object: not on another's.
        found.append((entry.change, other_url, pattern.route, "change-other", matrix.NOT_FOUND))
    return found


def _check_admin_page(client, world, pattern, viewer, entry: matrix.Entry, seen) -> list[str]:
    url = url_for(world, pattern, viewer, None)
    response = client.get(url)
    got = classify(response)
    seen[pattern.route] = {"get": got}
    expected = entry.answers[viewer]
    is_changelist = pattern.name is not None and pattern.name.endswith("_changelist")
    if is_changelist or expected != matrix.OK:
        # A model's other pages, for a staff viewer it refuses: refused, or sent back (no such object, `<id>/`).
        sent_back = 300 <= response.status_code < 400 and got == matrix.OK
        ok = got == expected or (
            not is_changelist and expected == matrix.FORBIDDEN and (got in matrix.REFUSED or sent_back)
        )
        return [] if ok else [f"GET {url} ({pattern.route}) : {got}, attendu {expected}"]
    # A model the viewer administers: its other pages may be refused by the model's own rules, never fail.
    if got in (matrix.ADMIN_LOGIN, matrix.LOGIN, matrix.SECOND_FACTOR) or got.startswith("5"):
        return [f"GET {url} ({pattern.route}) : {got}, attendu une page de l'administration"]
    return []


def _dump(viewer, seen):
    path = DUMP
    if not path:
        return
    answers = json.loads(open(path).read()) if os.path.exists(path) else {}  # noqa: SIM115, PTH123
    answers[viewer] = seen
    with open(path, "w") as out:  # noqa: PTH123
        json.dump(answers, out, indent=1, ensure_ascii=False, sort_keys=True)


def test_roles_of_the_matrix_are_the_roles_of_the_platform():
    """A new role must be given its column in the matrix."""
    assert set(VIEWERS) == {ANONYMOUS, *Role.values}
    for key, entry in {**matrix.MATRIX, **matrix.ADMIN_MODELS}.items():
        assert set(entry.answers) == set(VIEWERS), key
