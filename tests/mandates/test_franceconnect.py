"""Issue 14 §1: the person's identity confirmed with FranceConnect before a mandate.

A real OpenID Connect provider runs on the loopback (http.server in a thread): discovery, keys (an RSA key made
here), /authorize (which sends the browser back with a code, or with error=access_denied), /token (real HTTP,
an RS256 ID token carrying the nonce it was given) and /userinfo (a signed JWT, as FranceConnect v2 answers).
Our side runs in Django's test client; the browser's trip to the provider is made with urllib."""

import hashlib
import json
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from authlib.oidc.core.util import create_half_hash
from django.contrib.sessions.backends.db import SessionStore
from django.contrib.sessions.models import Session
from django.test import override_settings
from django.urls import reverse
from joserfc import jwt
from joserfc.jwk import OctKey, RSAKey

from tests.accounts.otp import current_code, mark_verified
from tests.beneficiaries.factories import BeneficiaryFactory
from tests.e2e import conftest as e2e
from tests.factories import PASSWORD, OrganisationFactory, SiteFactory, UserFactory
from tests.mandates.factories import habilitated_mediator
from tremplin.beneficiaries.enums import AccessPurpose
from tremplin.beneficiaries.models import AccessLog
from tremplin.mandates import franceconnect
from tremplin.mandates.enums import HabilitationStatus, IdentityMethod
from tremplin.mandates.models import Habilitation, IdentityCheck, JournalEntry

pytestmark = pytest.mark.django_db

CLIENT_ID = "tremplin-test-client"
CLIENT_SECRET = "secret-de-test-du-fournisseur"
SUBJECT = "b6048e95bb134ec5b1d1e1fa69f287172e91722b9354d637a1bcf2ebb0fd2ef5v1"
IDENTITY = {"given_name": "Zoé Marie", "family_name": "DUPRÉ-LÉGER", "birthdate": "1962-08-24"}


# --- the local OpenID Connect provider --------------------------------------------------------------------------


@dataclass
class Provider:
    """What the provider answers; the tests change it to play an honest or a broken provider."""

    port: int = 0
    key: RSAKey = field(default_factory=lambda: RSAKey.generate_key(2048, parameters={"kid": "cle-1", "use": "sig"}))
    identity: dict = field(default_factory=lambda: {"sub": SUBJECT, **IDENTITY})
    deny: bool = False  # /authorize answers error=access_denied
    token_status: int = 200
    id_token_claims: dict = field(default_factory=dict)  # overrides the ID token's claims
    tamper_signature: bool = False
    sign_with_secret: bool = False  # HS256 with the client secret (FranceConnect v1): must be refused
    userinfo_json: bool = False  # answer plain JSON instead of a signed JWT
    userinfo_sub: str | None = None
    codes: dict = field(default_factory=dict)
    authorize_requests: list = field(default_factory=list)
    token_requests: list = field(default_factory=list)

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def issuer(self) -> str:
        return f"{self.base}/api/v2"

    def discovery(self) -> dict:
        return {
            "issuer": self.issuer,
            "authorization_endpoint": f"{self.issuer}/authorize",
            "token_endpoint": f"{self.issuer}/token",
            "userinfo_endpoint": f"{self.issuer}/userinfo",
            "jwks_uri": f"{self.issuer}/jwks",
            "token_endpoint_auth_methods_supported": ["client_secret_post"],
            "id_token_signing_alg_values_supported": ["RS256"],
            "acr_values_supported": ["eidas1"],
        }

    def sign(self, claims: dict) -> str:
        if self.sign_with_secret:
            return jwt.encode({"alg": "HS256"}, claims, OctKey.import_key(CLIENT_SECRET))
        token = jwt.encode({"alg": "RS256", "kid": "cle-1"}, claims, self.key)
        if self.tamper_signature:
            head, body, signature = token.split(".")
            token = ".".join([head, body, ("A" if signature[0] != "A" else "B") + signature[1:]])
        return token


class Handler(BaseHTTPRequestHandler):
    server_version = "FournisseurDeTest/1.0"

    def log_message(self, *args):  # quiet
        pass

    @property
    def provider(self) -> Provider:
        return self.server.provider

    def _send(self, status: int, body: bytes = b"", content_type: str = "application/json", headers=None):
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        for name, value in (headers or {}).items():
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(body)

    def _json(self, value, status=200):
        self._send(status, json.dumps(value).encode())

    def do_GET(self):
        url = urllib.parse.urlsplit(self.path)
        query = dict(urllib.parse.parse_qsl(url.query))
        provider = self.provider
        if url.path == "/api/v2/.well-known/openid-configuration":
            return self._json(provider.discovery())
        if url.path == "/api/v2/jwks":
            return self._json({"keys": [provider.key.as_dict(private=False)]})
        if url.path == "/api/v2/authorize":
            provider.authorize_requests.append(query)
            if query.get("client_id") != CLIENT_ID or query.get("response_type") != "code":
                return self._json({"error": "invalid_request"}, 400)
            answer = {"state": query.get("state", "")}
            if provider.deny:
                answer["error"] = "access_denied"
            else:
                code = f"code-{len(provider.codes) + 1}"
                provider.codes[code] = {"nonce": query.get("nonce"), "redirect_uri": query["redirect_uri"]}
                answer["code"] = code
            location = query["redirect_uri"] + "?" + urllib.parse.urlencode(answer)
            return self._send(302, headers={"Location": location})
        if url.path == "/api/v2/userinfo":
            if self.headers.get("Authorization") != "Bearer jeton-d-acces":
                return self._json({"error": "invalid_token"}, 401)
            claims = dict(provider.identity)
            if provider.userinfo_sub is not None:
                claims["sub"] = provider.userinfo_sub
            if provider.userinfo_json:
                return self._json(claims)
            signed = provider.sign({**claims, "iss": provider.issuer, "aud": CLIENT_ID})
            return self._send(200, signed.encode(), "application/jwt")
        return self._json({"error": "not_found"}, 404)

    def do_POST(self):
        provider = self.provider
        body = self.rfile.read(int(self.headers.get("Content-Length", "0"))).decode()
        form = dict(urllib.parse.parse_qsl(body))
        if self.path != "/api/v2/token":
            return self._json({"error": "not_found"}, 404)
        provider.token_requests.append(form)
        if provider.token_status != 200:
            return self._json({"error": "server_error"}, provider.token_status)
        if form.get("client_id") != CLIENT_ID or form.get("client_secret") != CLIENT_SECRET:
            return self._json({"error": "invalid_client"}, 401)
        grant = provider.codes.pop(form.get("code", ""), None)  # a code is used once
        if grant is None or grant["redirect_uri"] != form.get("redirect_uri"):
            return self._json({"error": "invalid_grant"}, 400)
        now = int(time.time())
        claims = {
            "iss": provider.issuer,
            "sub": provider.identity["sub"],
            "aud": CLIENT_ID,
            "exp": now + 60,
            "iat": now,
            "nonce": grant["nonce"],
            "acr": "eidas1",
            "at_hash": create_half_hash("jeton-d-acces", "RS256").decode(),
            **provider.id_token_claims,
        }
        claims = {name: value for name, value in claims.items() if value is not None}
        id_token = provider.sign(claims)
        self._json({"access_token": "jeton-d-acces", "token_type": "Bearer", "expires_in": 60, "id_token": id_token})


@pytest.fixture
def provider():
    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.provider = Provider(port=server.server_address[1])
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server.provider
    server.shutdown()
    server.server_close()
    thread.join(5)


def _settings(issuer: str):
    return override_settings(
        FRANCECONNECT_ISSUER=issuer,
        FRANCECONNECT_CLIENT_ID=CLIENT_ID,
        FRANCECONNECT_CLIENT_SECRET=CLIENT_SECRET,
        FRANCECONNECT_SCOPES="openid given_name family_name birthdate",
        FRANCECONNECT_ACR="eidas1",
        FRANCECONNECT_TIMEOUT=5,
    )


@pytest.fixture
def configured(provider):
    with _settings(provider.issuer):
        yield provider


# --- our side ----------------------------------------------------------------------------------------------------


def _habilitated_mediator(organisation, site):
    return habilitated_mediator(site=site, organisation=organisation)


def _login(client, user):
    """Signed in, with a second factor code given in this session when the account has a device."""
    client.force_login(user)
    device = user.totpdevice_set.filter(confirmed=True).first()
    if device:
        mark_verified(client, device)


@pytest.fixture
def world():
    organisation = OrganisationFactory(la_poste=True)
    site = SiteFactory(name="LANNION PRINCIPAL")
    mediator = _habilitated_mediator(organisation, site)
    person = BeneficiaryFactory(
        organisation=organisation, site=site, first_name="Zoe", last_name="Dupré Léger", birth_year=1962
    )
    return type("World", (), {"organisation": organisation, "site": site, "mediator": mediator, "person": person})


def _start(client, person):
    return client.post(reverse("mandates:franceconnect_start", args=[person.pk]))


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


def _browser_at_provider(location: str) -> str:
    """Open the provider's page as the browser does (real HTTP) and return where it sends the browser back."""
    opener = urllib.request.build_opener(_NoRedirect)
    with pytest.raises(urllib.error.HTTPError) as answer:
        opener.open(location, timeout=5)
    assert answer.value.code == 302
    back = urllib.parse.urlsplit(answer.value.headers["Location"])
    assert back.path == reverse("mandates:franceconnect_callback")
    return f"{back.path}?{back.query}"


def _check_with_franceconnect(client, person):
    """The mediator starts the check, the person signs in at the provider, the browser comes back."""
    started = _start(client, person)
    assert started.status_code == 302, started.content.decode()
    callback = _browser_at_provider(started["Location"])
    return client.get(callback), callback


def _page(response) -> str:
    return response.content.decode()


def _expected_redirect(person, check) -> str:
    return reverse("mandates:create", args=[person.pk]) + f"?verification={check.pk}"


# --- the check goes through ---------------------------------------------------------------------------------------


def test_matching_identity_records_a_franceconnect_check_with_the_hashed_subject_only(client, world, configured):
    _login(client, world.mediator)
    response, _ = _check_with_franceconnect(client, world.person)

    check = IdentityCheck.objects.get()
    assert response.status_code == 302
    assert response["Location"] == _expected_redirect(world.person, check)
    assert check.method == IdentityMethod.FRANCECONNECT and check.document == ""
    assert check.beneficiary == world.person and check.organisation == world.organisation
    assert check.checked_by == world.mediator
    assert check.franceconnect_subject_sha256 == hashlib.sha256(SUBJECT.encode()).hexdigest()

    # What went to the provider: code flow, our client, the level of guarantee, a fresh sign-in, state and nonce.
    asked = configured.authorize_requests[0]
    assert asked["acr_values"] == "eidas1" and asked["prompt"] == "login consent"
    assert asked["scope"] == "openid given_name family_name birthdate"
    assert len(asked["state"]) >= 32 and len(asked["nonce"]) >= 32 and asked["state"] != asked["nonce"]
    assert configured.token_requests[0]["client_secret"] == CLIENT_SECRET

    # Nothing FranceConnect said is kept: not in the check, the journal, the access log, nor the session.
    kept = json.dumps(
        [
            list(IdentityCheck.objects.values()),
            list(JournalEntry.objects.values("details")),
            list(AccessLog.objects.values("about")),
            [session.get_decoded() for session in Session.objects.all()],
        ],
        default=str,
    )
    for secret in (SUBJECT, "Marie", "LÉGER", "LEGER", "1962-08-24"):
        assert secret not in kept
    assert AccessLog.objects.filter(
        beneficiary=world.person, user=world.mediator, purpose=AccessPurpose.IDENTITY, granted=True
    ).exists()

    # The mandate page takes the check and goes on to step 2.
    page = _page(client.get(response["Location"]))
    assert "Étape 2 sur 3" in page and "Étape 1 sur 3" not in page


def test_a_check_started_from_a_renewal_comes_back_to_the_renewal(client, world, configured):
    _login(client, world.mediator)
    started = client.post(reverse("mandates:franceconnect_start", args=[world.person.pk]), {"renouvelle": "123"})
    response = client.get(_browser_at_provider(started["Location"]))
    check = IdentityCheck.objects.get()
    assert response["Location"] == _expected_redirect(world.person, check) + "&renouvelle=123"


def test_userinfo_as_plain_json_is_accepted_too(client, world, configured):
    configured.userinfo_json = True
    _login(client, world.mediator)
    response, _ = _check_with_franceconnect(client, world.person)
    assert response.status_code == 302 and IdentityCheck.objects.count() == 1


# --- the identity does not match the record -----------------------------------------------------------------------


@pytest.mark.parametrize(
    "identity",
    [
        {"family_name": "MARTIN"},
        {"given_name": "Zoélie"},
        {"birthdate": "1963-08-24"},
    ],
    ids=["other family name", "other given name", "other birth year"],
)
def test_an_identity_that_is_not_the_record_is_refused_and_nothing_is_recorded(client, world, configured, identity):
    configured.identity.update(identity)
    _login(client, world.mediator)
    response, _ = _check_with_franceconnect(client, world.person)

    page = _page(response)
    assert response.status_code == 200
    assert "L&#x27;identité donnée par FranceConnect ne correspond pas à la fiche de la personne" in page
    assert reverse("beneficiaries:detail", args=[world.person.pk]) in page
    assert not IdentityCheck.objects.exists()
    for shown in (*configured.identity.values(), "Marie", "DUPRÉ"):
        assert shown not in page  # FranceConnect's answer is never shown


def test_a_record_without_name_cannot_be_confirmed(client, world, configured):
    world.person.first_name = world.person.last_name = ""
    world.person.pseudonym = "Zozo"
    world.person.save()
    _login(client, world.mediator)
    response, _ = _check_with_franceconnect(client, world.person)
    assert response.status_code == 200 and "ne porte pas son nom et son prénom" in _page(response)
    assert not IdentityCheck.objects.exists()


@pytest.mark.parametrize(
    ("record", "answer", "same"),
    [
        (("Zoé", "Dupré", 1962), ("ZOE MARIE", "dupre", "1962-08-24"), True),
        (("Marie", "Dupré", None), ("Zoé Marie", "Dupré", "1970-01-01"), True),  # a later given name, no year
        (("Jean-Pierre", "N'Diaye", 1950), ("Jean-Pierre Louis", "NDIAYE", "1950-01-01"), True),
        (("Jean Pierre", "N Diaye", 1950), ("Jean-Pierre Louis", "N'DIAYE", "1950-01-01"), True),
        (("Pierre", "N'Diaye", 1950), ("Jean-Pierre Louis", "N'DIAYE", "1950-01-01"), False),
        (("Marie", "Dupré", 1962), ("Anne-Marie", "Dupré", "1962-08-24"), False),
        (("Zoé", "Dupré", 1962), ("Zoé", "Dupré", ""), False),  # a year on the record, none from FranceConnect
        (("Anne", "Dupré", 1962), ("Annette", "Dupré", "1962-08-24"), False),
        (("Anne", "Dupont", 1962), ("Anne", "Dupré", "1962-08-24"), False),
    ],
)
def test_comparison_ignores_accents_case_and_punctuation_only(record, answer, same):
    first, last, year = record
    claims = franceconnect.Claims(
        sub="s", given_name=answer[0], family_name=answer[1], birthdate=answer[2], beneficiary_id=1
    )
    assert (franceconnect.mismatch(claims, first_name=first, last_name=last, birth_year=year) == "") is same


def test_usage_name_is_accepted_when_franceconnect_gives_it():
    claims = franceconnect.Claims(
        sub="s", given_name="Anne", family_name="Dupont", birthdate="1962-08-24", beneficiary_id=1, usage_name="Martin"
    )
    assert franceconnect.mismatch(claims, first_name="Anne", last_name="Martin", birth_year=1962) == ""
    assert "Anne" not in repr(claims) and "Martin" not in repr(claims)  # never in a log line or a traceback


# --- forged or broken answers -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "broken",
    [
        {"tamper_signature": True},
        {"sign_with_secret": True},
        {"id_token_claims": {"nonce": "un-autre-nonce"}},
        {"id_token_claims": {"nonce": None}},
        {"id_token_claims": {"aud": "un-autre-client"}},
        {"id_token_claims": {"iss": "http://127.0.0.1:1/autre"}},
        {"id_token_claims": {"exp": int(time.time()) - 3600}},
        {"id_token_claims": {"acr": "eidas0"}},
        {"id_token_claims": {"acr": None}},
        {"id_token_claims": {"at_hash": "AAAAAAAAAAAAAAAAAAAAAA"}},
        {"userinfo_sub": "quelqu-un-d-autre"},
    ],
    ids=[
        "tampered signature",
        "HS256 with the client secret",
        "wrong nonce",
        "no nonce",
        "other audience",
        "other issuer",
        "expired",
        "lower level of guarantee",
        "no acr",
        "access token hash",
        "userinfo of someone else",
    ],
)
def test_a_forged_or_broken_answer_is_refused(client, world, configured, broken):
    for name, value in broken.items():
        setattr(configured, name, value)
    _login(client, world.mediator)
    response, _ = _check_with_franceconnect(client, world.person)
    assert response.status_code == 400
    assert "La réponse de FranceConnect n&#x27;a pas pu être vérifiée" in _page(response)
    assert reverse("beneficiaries:detail", args=[world.person.pk]) in _page(response)
    assert not IdentityCheck.objects.exists()


def test_tampered_userinfo_signature_is_refused(client, world, configured):
    _login(client, world.mediator)
    started = _start(client, world.person)
    callback = _browser_at_provider(started["Location"])
    configured.tamper_signature = True  # from here on: the ID token and the userinfo answer
    response = client.get(callback)
    assert response.status_code == 400 and not IdentityCheck.objects.exists()


# --- state: used once, by the one who started --------------------------------------------------------------------


def test_a_replayed_answer_is_refused(client, world, configured):
    _login(client, world.mediator)
    first, callback = _check_with_franceconnect(client, world.person)
    assert first.status_code == 302
    replay = client.get(callback)
    assert replay.status_code == 400
    assert "ne correspond à aucune vérification en cours" in _page(replay)
    assert IdentityCheck.objects.count() == 1


def test_an_unknown_or_missing_state_is_refused_without_calling_the_provider(client, world, configured):
    _login(client, world.mediator)
    _start(client, world.person)
    url = reverse("mandates:franceconnect_callback")
    for query in ("?code=code-1&state=invente", "?code=code-1", ""):
        response = client.get(url + query)
        assert response.status_code == 400, query
        assert "ne correspond à aucune vérification en cours" in _page(response)
    assert configured.token_requests == [] and not IdentityCheck.objects.exists()


def test_an_answer_for_another_mediators_check_is_refused(client, world, configured):
    """A link started by one mediator and opened by another (or a forged one sent to them) is refused."""
    _login(client, world.mediator)
    started = _start(client, world.person)
    callback = _browser_at_provider(started["Location"])
    colleague = _habilitated_mediator(world.organisation, world.site)
    _login(client, colleague)  # a new session: the state is not there
    response = client.get(callback)
    assert response.status_code == 400 and not IdentityCheck.objects.exists()
    assert configured.token_requests == []


def test_an_answer_after_ten_minutes_is_refused(client, world, configured, monkeypatch):
    _login(client, world.mediator)
    started = _start(client, world.person)
    callback = _browser_at_provider(started["Location"])
    later = time.time() + franceconnect.PENDING_SECONDS + 1
    monkeypatch.setattr(franceconnect.time, "time", lambda: later)
    response = client.get(callback)
    assert response.status_code == 400 and "plus de dix minutes" in _page(response)
    assert not IdentityCheck.objects.exists()


# --- the person or the provider says no ---------------------------------------------------------------------------


def test_the_person_cancels_at_franceconnect(client, world, configured):
    configured.deny = True
    _login(client, world.mediator)
    response, callback = _check_with_franceconnect(client, world.person)
    assert "error=access_denied" in callback
    assert response.status_code == 400
    assert "La connexion à FranceConnect a été annulée" in _page(response)
    assert reverse("beneficiaries:detail", args=[world.person.pk]) in _page(response)
    assert not IdentityCheck.objects.exists() and configured.token_requests == []


def test_provider_down_at_the_start_says_so_in_french(client, world):
    with _settings("http://127.0.0.1:9/api/v2"):  # nothing listens on the discard port
        _login(client, world.mediator)
        response = _start(client, world.person)
    assert response.status_code == 502
    assert "FranceConnect ne répond pas pour le moment" in _page(response)
    assert reverse("beneficiaries:detail", args=[world.person.pk]) in _page(response)


def test_provider_down_on_the_way_back_says_so_in_french(client, world, configured):
    _login(client, world.mediator)
    started = _start(client, world.person)
    callback = _browser_at_provider(started["Location"])
    configured.token_status = 503
    response = client.get(callback)
    assert response.status_code == 502
    assert "FranceConnect ne répond pas pour le moment" in _page(response)
    assert not IdentityCheck.objects.exists()


def test_provider_gone_on_the_way_back_says_so_in_french(client, world, provider):
    with _settings(provider.issuer):
        _login(client, world.mediator)
        started = _start(client, world.person)
        callback = _browser_at_provider(started["Location"])
    with _settings("http://127.0.0.1:9/api/v2"):
        response = client.get(callback)
    assert response.status_code == 502 and "FranceConnect ne répond pas" in _page(response)
    assert not IdentityCheck.objects.exists()


# --- who may start a check ----------------------------------------------------------------------------------------


def test_without_configuration_the_start_says_to_check_a_document(client, world, provider):
    with override_settings(FRANCECONNECT_ISSUER="", FRANCECONNECT_CLIENT_ID="", FRANCECONNECT_CLIENT_SECRET=""):
        assert not franceconnect.enabled()
        _login(client, world.mediator)
        response = _start(client, world.person)
    assert response.status_code == 200
    assert "FranceConnect n&#x27;est pas configuré sur cette plateforme : vérifiez une pièce d&#x27;identité" in _page(
        response
    )
    assert provider.authorize_requests == []


def test_with_configuration_franceconnect_is_enabled_and_its_origin_may_receive_the_form(configured):
    assert franceconnect.enabled()
    # The page with the "Vérifier avec FranceConnect" form lets the browser follow the redirect there (CSP).
    assert franceconnect.form_action_sources() == [configured.base]
    with override_settings(FRANCECONNECT_CLIENT_SECRET=""):
        assert not franceconnect.enabled() and franceconnect.form_action_sources() == []


def test_a_user_who_cannot_see_the_person_gets_404(client, world, configured):
    elsewhere = UserFactory(mediator=True, organisation=world.organisation, sites=[SiteFactory()])
    other_organisation = UserFactory(mediator=True, organisation=OrganisationFactory(), sites=[world.site])
    for user in (elsewhere, other_organisation):
        _login(client, user)
        assert _start(client, world.person).status_code == 404
    assert configured.authorize_requests == []
    assert AccessLog.objects.filter(beneficiary=world.person, granted=False).count() == 2


def test_start_is_a_post_and_needs_a_signed_in_user(client, world, configured):
    url = reverse("mandates:franceconnect_start", args=[world.person.pk])
    assert client.post(url).status_code == 302  # to the sign-in page
    _login(client, world.mediator)
    assert client.get(url).status_code == 405
    assert configured.authorize_requests == []


def test_a_mediator_who_may_not_act_is_told_before_the_person_signs_in(client, world, configured):
    Habilitation.objects.filter(user=world.mediator).update(status=HabilitationStatus.SUSPENDED)
    _login(client, world.mediator)
    response = _start(client, world.person)
    assert response.status_code == 403
    assert configured.authorize_requests == []


def test_an_insecure_provider_address_is_refused(client, world):
    with _settings("http://fournisseur.example/api/v2"):
        _login(client, world.mediator)
        response = _start(client, world.person)
    assert response.status_code == 502 and "adresse non sécurisée" in _page(response)


def test_a_pending_check_is_bound_to_the_mediator_who_started_it(rf, world, configured):
    """Signing in as someone else flushes the session anyway; the check does not rely on it alone."""
    start = rf.post("/")
    start.user, start.session = world.mediator, SessionStore()
    state = dict(urllib.parse.parse_qsl(urllib.parse.urlsplit(franceconnect.authorization_url(start, 1)).query))[
        "state"
    ]
    back = rf.get("/", {"code": "code-1", "state": state})
    back.user, back.session = _habilitated_mediator(world.organisation, world.site), start.session
    with pytest.raises(franceconnect.FranceConnectError, match="commencée par un autre compte"):
        franceconnect.complete(back)
    assert configured.token_requests == []


# --- in a real browser --------------------------------------------------------------------------------------------

browser, page = e2e.browser, e2e.page  # the browser fixtures of tests/e2e (this test could move there)


@pytest.mark.e2e
@pytest.mark.django_db(transaction=True)
def test_in_a_browser_the_mandate_page_sends_the_person_to_franceconnect_and_back(page, configured):
    """Chromium applies the mandate page's Content-Security-Policy `form-action` to the start view's redirect: the
    page must allow FranceConnect's origin (franceconnect.form_action_sources()), or the browser stays put."""
    organisation = OrganisationFactory(la_poste=True)
    site = SiteFactory(name="LANNION PRINCIPAL")
    mediator = _habilitated_mediator(organisation, site)
    person = BeneficiaryFactory(
        organisation=organisation, site=site, first_name="Zoé", last_name="Dupré-Léger", birth_year=1962
    )
    e2e.log_in(page, mediator.email, PASSWORD)
    page.locator("main [name=code]").fill(current_code(mediator.totpdevice_set.get()))
    page.get_by_role("button", name="Valider").click()
    page.wait_for_load_state("load")

    page.goto(reverse("mandates:create", args=[person.pk]))
    page.get_by_role("button", name="Vérifier avec FranceConnect").click()
    page.wait_for_url(f"**{reverse('mandates:create', args=[person.pk])}?verification=*", timeout=5_000)
    assert "Étape 2 sur 3" in page.locator("main").inner_text()
    assert IdentityCheck.objects.get().beneficiary == person
