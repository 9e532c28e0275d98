"""FranceConnect (OpenID Connect, authorisation code flow) to confirm who a person is before a mandate.

The person signs in with FranceConnect on the mediator's screen; Tremplin compares the identity FranceConnect
gives with the person's record and, when they match, records that the identity was checked with FranceConnect
(`services.identity_check_record`, which keeps only the SHA-256 of FranceConnect's subject). The names and
birth date FranceConnect sends are compared and forgotten: never stored, logged or shown.

Configured by settings (tremplin/settings/franceconnect.py): FRANCECONNECT_ISSUER (discovery at
`<issuer>/.well-known/openid-configuration`), FRANCECONNECT_CLIENT_ID, FRANCECONNECT_CLIENT_SECRET,
FRANCECONNECT_SCOPES, FRANCECONNECT_ACR, FRANCECONNECT_TIMEOUT. Without issuer, client id or secret,
FranceConnect is off (`enabled()` is False) and the mediator records the identity document seen.

Authlib builds the requests and validates the ID token's claims (iss, aud, exp, iat, nonce, azp, at_hash, acr);
joserfc (Authlib's JOSE library) checks the signatures of the ID token and of the userinfo answer (FranceConnect
v2 signs it) with the provider's published keys (JWKS), RS256 or ES256 only. The HTTP calls use the standard
library, with a timeout: every failure becomes a `FranceConnectError` with a French message.

State and nonce live in the mediator's session, bound to the person and the mediator, for ten minutes, and are
used once (a replayed or unknown state is refused).
"""

from __future__ import annotations

import base64
import contextlib
import ipaddress
import json
import time
import unicodedata
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass, field

from authlib.common.security import generate_token
from authlib.oauth2.rfc6749.parameters import prepare_grant_uri, prepare_token_request
from authlib.oidc.core import CodeIDToken
from django.conf import settings
from django.urls import reverse
from joserfc import jwt
from joserfc.errors import JoseError
from joserfc.jwk import KeySet

DISABLED_MESSAGE = "FranceConnect n'est pas configuré sur cette plateforme : vérifiez une pièce d'identité."
DEFAULT_SCOPES = "openid given_name family_name birthdate"
DEFAULT_ACR = "eidas1"
SIGNING_ALGORITHMS = ("RS256", "ES256")  # FranceConnect v2 signs with one of these; never HS256 nor "none"
SESSION_KEY = "franceconnect_pending"
PENDING_SECONDS = 10 * 60  # the person has ten minutes to sign in at FranceConnect
MAX_PENDING = 5  # checks started and not finished in one session (older ones are dropped)
MAX_ANSWER_BYTES = 1_000_000
LEEWAY_SECONDS = 60  # clock difference tolerated with FranceConnect on exp/iat

_NETWORK_MESSAGE = (
    "FranceConnect ne répond pas pour le moment : réessayez dans quelques minutes, ou vérifiez une pièce d'identité."
)
_INVALID_MESSAGE = (
    "La réponse de FranceConnect n'a pas pu être vérifiée : l'identité n'est pas confirmée. "
    "Recommencez, ou vérifiez une pièce d'identité."
)


class FranceConnectError(Exception):
    """A check that did not go through; `message` is French and may be shown to the mediator as it is.

    `status` is the HTTP status of the page that says so (502 when FranceConnect cannot be reached);
    `beneficiary_id` is the person the check was for, when known (to offer a way back to their record)."""

    def __init__(self, message: str, *, status: int = 400, beneficiary_id: int | None = None):
        super().__init__(message)
        self.message = message
        self.status = status
        self.beneficiary_id = beneficiary_id


@dataclass(frozen=True)
class Claims:
    """The identity FranceConnect gave (to compare with the record, then forget; never shown, never stored).

    `beneficiary_id` and `renews_id` are not FranceConnect's: they are what the mediator started the check for
    (kept in our session)."""

    sub: str = field(repr=False)
    given_name: str = field(repr=False)
    family_name: str = field(repr=False)
    birthdate: str = field(repr=False)
    beneficiary_id: int
    # FranceConnect's "nom d'usage", only when FRANCECONNECT_SCOPES asks for preferred_username.
    usage_name: str = field(default="", repr=False)
    # Ours too: the mandate being renewed, when the check was started from a renewal.
    renews_id: int | None = None


# --- configuration ------------------------------------------------------------------------------------------


def _setting(name: str, default: str = "") -> str:
    return str(getattr(settings, name, default) or default).strip()


def enabled() -> bool:
    """Whether FranceConnect is configured here (issuer, client id and secret all set)."""
    return all(
        _setting(name) for name in ("FRANCECONNECT_ISSUER", "FRANCECONNECT_CLIENT_ID", "FRANCECONNECT_CLIENT_SECRET")
    )


def _issuer() -> str:
    return _setting("FRANCECONNECT_ISSUER").rstrip("/")


def _timeout() -> float:
    return float(getattr(settings, "FRANCECONNECT_TIMEOUT", 10) or 10)


def _acr() -> str:
    return _setting("FRANCECONNECT_ACR", DEFAULT_ACR)


# --- HTTP ---------------------------------------------------------------------------------------------------


def _check_address(url: str) -> str:
    """HTTPS only, except on the loopback (a local provider for tests)."""
    parts = urllib.parse.urlsplit(url)
    host = parts.hostname or ""
    if parts.scheme == "https" and host:
        return url
    if parts.scheme == "http" and (host == "localhost" or _is_loopback(host)):
        return url
    raise FranceConnectError(
        "FranceConnect est mal configuré sur cette plateforme (adresse non sécurisée) : vérifiez une pièce d'identité.",
        status=502,
    )


def _is_loopback(host: str) -> bool:
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def _http(url: str, *, data: bytes | None = None, headers: dict | None = None) -> tuple[str, bytes]:
    """(content type, body) of a 2xx answer; FranceConnectError otherwise (an OAuth error body is read)."""
    request = urllib.request.Request(  # noqa: S310 (http or https only: _check_address)
        _check_address(url), data=data, headers={"Accept": "application/json", **(headers or {})}
    )
    try:
        with urllib.request.urlopen(request, timeout=_timeout()) as answer:  # noqa: S310 (http or https only)
            return answer.headers.get_content_type(), answer.read(MAX_ANSWER_BYTES)
    except urllib.error.HTTPError as error:
        code = ""
        with contextlib.suppress(ValueError, AttributeError, OSError):
            code = str(json.loads(error.read(MAX_ANSWER_BYTES)).get("error", ""))
        if code == "invalid_grant":
            raise FranceConnectError(
                "Le code donné par FranceConnect n'est plus valable (déjà utilisé ou expiré) : recommencez la "
                "vérification."
            ) from None
        if error.code >= 500:
            raise FranceConnectError(_NETWORK_MESSAGE, status=502) from None
        raise FranceConnectError(
            "FranceConnect a refusé la demande de Tremplin : vérifiez la configuration (identifiant, secret, adresse "
            "de retour), ou vérifiez une pièce d'identité.",
            status=502,
        ) from None
    except (urllib.error.URLError, TimeoutError, OSError, ValueError):
        raise FranceConnectError(_NETWORK_MESSAGE, status=502) from None


def _json(url: str, **kwargs) -> dict:
    _, body = _http(url, **kwargs)
    try:
        value = json.loads(body)
    except ValueError:
        raise FranceConnectError(_INVALID_MESSAGE, status=502) from None
    if not isinstance(value, dict):
        raise FranceConnectError(_INVALID_MESSAGE, status=502)
    return value


def _metadata() -> dict:
    """The provider's configuration (OpenID Connect Discovery), for the issuer set in the settings."""
    issuer = _issuer()
    metadata = _json(f"{issuer}/.well-known/openid-configuration")
    if str(metadata.get("issuer", "")).rstrip("/") != issuer:
        raise FranceConnectError(_INVALID_MESSAGE, status=502)
    for endpoint in ("authorization_endpoint", "token_endpoint", "jwks_uri", "userinfo_endpoint"):
        if not isinstance(metadata.get(endpoint), str):
            raise FranceConnectError(_INVALID_MESSAGE, status=502)
    return metadata


def _keys(metadata: dict) -> KeySet:
    try:
        return KeySet.import_key_set(_json(metadata["jwks_uri"]))
    except (JoseError, ValueError, TypeError, KeyError):
        raise FranceConnectError(_INVALID_MESSAGE, status=502) from None


def _verified(token: str, keys: KeySet):
    """The signed token's header and claims, once its signature is checked with the provider's keys."""
    try:
        return jwt.decode(token, keys, algorithms=list(SIGNING_ALGORITHMS))
    except (JoseError, ValueError, TypeError):
        raise FranceConnectError(_INVALID_MESSAGE) from None


# --- the flow -----------------------------------------------------------------------------------------------


def form_action_sources() -> list[str]:
    """What the Content-Security-Policy `form-action` of a page with the "Vérifier avec FranceConnect" form must
    allow besides 'self': the browser follows the start view's redirect to FranceConnect only if the form's page
    allows FranceConnect's origin (the issuer's, where FranceConnect serves its sign-in page). Empty when off."""
    if not enabled():
        return []
    parts = urllib.parse.urlsplit(_issuer())
    return [f"{parts.scheme}://{parts.netloc}"] if parts.scheme in ("http", "https") and parts.netloc else []


def callback_url(request) -> str:
    """The redirect URI to declare at FranceConnect: /mandats/franceconnect/retour/ on this platform's address."""
    return request.build_absolute_uri(reverse("mandates:franceconnect_callback"))


def authorization_url(request, beneficiary_id: int, *, renews_id: int | None = None) -> str:
    """The address of FranceConnect's sign-in page for this person, checked by this mediator.

    Stores a fresh state and nonce in the session (bound to the person and the mediator, and to the mandate being
    renewed if any). The caller has checked that the mediator may see the person."""
    if not enabled():
        raise FranceConnectError(DISABLED_MESSAGE, status=200, beneficiary_id=beneficiary_id)
    metadata = _metadata()
    state, nonce = generate_token(32), generate_token(32)
    redirect_uri = callback_url(request)
    now = int(time.time())
    pending = {
        key: value
        for key, value in request.session.get(SESSION_KEY, {}).items()
        if now - int(value.get("at", 0)) < PENDING_SECONDS
    }
    pending[state] = {
        "nonce": nonce,
        "beneficiary": int(beneficiary_id),
        "renews": int(renews_id) if renews_id else None,
        "user": request.user.pk,
        "redirect_uri": redirect_uri,
        "at": now,
    }
    request.session[SESSION_KEY] = dict(sorted(pending.items(), key=lambda item: item[1]["at"])[-MAX_PENDING:])
    return prepare_grant_uri(
        _check_address(metadata["authorization_endpoint"]),
        _setting("FRANCECONNECT_CLIENT_ID"),
        "code",
        redirect_uri=redirect_uri,
        scope=_setting("FRANCECONNECT_SCOPES", DEFAULT_SCOPES),
        state=state,
        nonce=nonce,
        acr_values=_acr(),
        # Sign in again, and agree to share, every time: the person of the previous check may have left their
        # FranceConnect session open on this shared screen.
        prompt="login consent",
    )


def _take_pending(request) -> dict:
    """The check this answer belongs to, removed from the session (a state is used once)."""
    state = request.GET.get("state", "")
    pending = request.session.get(SESSION_KEY, {})
    flow = pending.pop(state, None) if state else None
    request.session[SESSION_KEY] = pending
    if flow is None:
        raise FranceConnectError(
            "Cette réponse de FranceConnect ne correspond à aucune vérification en cours (lien déjà utilisé, "
            "ou ouvert dans un autre navigateur) : recommencez depuis la fiche de la personne."
        )
    if flow.get("user") != request.user.pk:
        raise FranceConnectError(
            "Cette vérification a été commencée par un autre compte : recommencez depuis la fiche de la personne."
        )
    if time.time() - int(flow.get("at", 0)) >= PENDING_SECONDS:
        raise FranceConnectError(
            "La vérification a pris plus de dix minutes : recommencez.", beneficiary_id=flow["beneficiary"]
        )
    return flow


def _token_request(metadata: dict, code: str, redirect_uri: str) -> dict:
    client_id, secret = _setting("FRANCECONNECT_CLIENT_ID"), _setting("FRANCECONNECT_CLIENT_SECRET")
    headers = {"Content-Type": "application/x-www-form-urlencoded"}
    methods = metadata.get("token_endpoint_auth_methods_supported") or ["client_secret_basic"]
    if "client_secret_post" in methods:  # FranceConnect v2
        body = prepare_token_request(
            "authorization_code", code=code, redirect_uri=redirect_uri, client_id=client_id, client_secret=secret
        )
    else:
        body = prepare_token_request("authorization_code", code=code, redirect_uri=redirect_uri)
        pair = f"{urllib.parse.quote(client_id, safe='')}:{urllib.parse.quote(secret, safe='')}"
        headers["Authorization"] = "Basic " + base64.b64encode(pair.encode()).decode("ascii")
    return _json(metadata["token_endpoint"], data=body.encode(), headers=headers)


def complete(request) -> Claims:
    """Finish the check FranceConnect sent the browser back for: state, code exchange, ID token, userinfo."""
    flow = _take_pending(request)
    beneficiary_id = flow["beneficiary"]
    try:
        return _complete(request, flow)
    except FranceConnectError as error:
        error.beneficiary_id = beneficiary_id
        raise


def _complete(request, flow: dict) -> Claims:
    error = request.GET.get("error", "")
    if error == "access_denied":
        raise FranceConnectError(
            "La connexion à FranceConnect a été annulée : l'identité n'est pas vérifiée. Recommencez, ou vérifiez une "
            "pièce d'identité."
        )
    if error:
        raise FranceConnectError(
            "FranceConnect n'a pas pu confirmer l'identité de la personne : recommencez, ou vérifiez une pièce "
            "d'identité."
        )
    code = request.GET.get("code", "")
    if not code:
        raise FranceConnectError(_INVALID_MESSAGE)
    if not enabled():
        raise FranceConnectError(DISABLED_MESSAGE, status=200)

    metadata = _metadata()
    tokens = _token_request(metadata, code, flow["redirect_uri"])
    id_token, access_token = tokens.get("id_token"), tokens.get("access_token")
    if not isinstance(id_token, str) or not isinstance(access_token, str):
        raise FranceConnectError(_INVALID_MESSAGE)
    keys = _keys(metadata)
    token = _verified(id_token, keys)
    issuer, client_id = str(metadata["issuer"]), _setting("FRANCECONNECT_CLIENT_ID")
    id_claims = CodeIDToken(
        token.claims,
        token.header,
        {
            "iss": {"essential": True, "value": issuer},
            "aud": {"essential": True, "value": client_id},
            "acr": {"essential": True, "value": _acr()},
        },
        {"nonce": flow["nonce"], "client_id": client_id, "access_token": access_token},
    )
    try:
        id_claims.validate(leeway=LEEWAY_SECONDS)
    except (JoseError, ValueError, TypeError, KeyError):
        raise FranceConnectError(_INVALID_MESSAGE) from None

    userinfo = _userinfo(metadata, access_token, keys, issuer=issuer, client_id=client_id)
    subject = str(id_claims.get("sub") or "")
    if not subject or str(userinfo.get("sub") or "") != subject:  # OpenID Connect Core §5.3.2
        raise FranceConnectError(_INVALID_MESSAGE)
    return Claims(
        sub=subject,
        given_name=_text(userinfo.get("given_name")),
        family_name=_text(userinfo.get("family_name")),
        birthdate=_text(userinfo.get("birthdate")),
        usage_name=_text(userinfo.get("preferred_username")),
        beneficiary_id=flow["beneficiary"],
        renews_id=flow.get("renews"),
    )


def _userinfo(metadata: dict, access_token: str, keys: KeySet, *, issuer: str, client_id: str) -> dict:
    """The person's identity; FranceConnect v2 answers a signed JWT (checked like the ID token), others JSON."""
    content_type, body = _http(
        metadata["userinfo_endpoint"],
        headers={"Authorization": f"Bearer {access_token}", "Accept": "application/jwt, application/json"},
    )
    if content_type == "application/jwt":
        claims = _verified(body.decode("ascii", "replace").strip(), keys).claims
        audience = claims.get("aud")
        audiences = audience if isinstance(audience, list) else [audience]
        if ("iss" in claims and claims["iss"] != issuer) or ("aud" in claims and client_id not in audiences):
            raise FranceConnectError(_INVALID_MESSAGE)
        return claims
    try:
        claims = json.loads(body)
    except ValueError:
        raise FranceConnectError(_INVALID_MESSAGE) from None
    if not isinstance(claims, dict):
        raise FranceConnectError(_INVALID_MESSAGE)
    return claims


def _text(value) -> str:
    return value.strip() if isinstance(value, str) else ""


# --- comparing with the record ------------------------------------------------------------------------------


def _letters(text: str) -> str:
    """Lower-case letters and digits, without accents: « N'Diaye-Léger » → 'ndiayeleger'."""
    decomposed = unicodedata.normalize("NFKD", text or "")
    return "".join(char for char in decomposed if char.isalnum() and not unicodedata.combining(char)).casefold()


def _given_name_among(first_name: str, given_names: str) -> bool:
    """Whether the record's given name is one or several consecutive given names of FranceConnect's list
    (space-separated): « Marie » and « Zoé Marie » are among « Zoé Marie Louise », « Anne » is not in
    « Anne-Marie »."""
    wanted = _letters(first_name)
    names = [_letters(name) for name in (given_names or "").split()]
    return bool(wanted) and any(
        "".join(names[start:stop]) == wanted for start in range(len(names)) for stop in range(start + 1, len(names) + 1)
    )


def mismatch(claims: Claims, *, first_name: str, last_name: str, birth_year: int | None) -> str:
    """Why the identity FranceConnect gave is not the record's ('' when it matches), in French.

    Family name: the same letters as FranceConnect's birth name (or its usage name, when asked for), whatever the
    accents, case, spaces, hyphens and apostrophes. Given name: one or several consecutive names of FranceConnect's
    list of given names, the same way (« Marie » matches « Zoé Marie Louise »). Birth year: compared only when
    the record has one."""
    if not _letters(first_name) or not _letters(last_name):
        return (
            "La fiche de la personne ne porte pas son nom et son prénom : FranceConnect ne peut pas confirmer son "
            "identité. Complétez la fiche, ou vérifiez une pièce d'identité."
        )
    family_names = {_letters(claims.family_name), _letters(claims.usage_name)} - {""}
    same_family = _letters(last_name) in family_names
    same_given = _given_name_among(first_name, claims.given_name)
    same_year = birth_year is None or claims.birthdate[:4] == f"{birth_year:04d}"
    if same_family and same_given and same_year:
        return ""
    return (
        "L'identité donnée par FranceConnect ne correspond pas à la fiche de la personne : rien n'a été enregistré. "
        "Vérifiez que c'est bien la personne qui s'est connectée et que sa fiche est juste, ou vérifiez une pièce "
        "d'identité."
    )
