"""FranceConnect (OpenID Connect) to confirm a person's identity before a mandate (tremplin/mandates/franceconnect.py).

Empty issuer, client id or secret: FranceConnect is off, and the mediator records the identity document seen.
Integration platform of FranceConnect v2: FRANCECONNECT_ISSUER=https://fcp-low.integ01.dev-franceconnect.fr/api/v2
(discovery at <issuer>/.well-known/openid-configuration). The redirect URI to declare at FranceConnect is
<public address>/mandats/franceconnect/retour/.
"""

import os

FRANCECONNECT_ISSUER = os.environ.get("FRANCECONNECT_ISSUER", "").rstrip("/")
FRANCECONNECT_CLIENT_ID = os.environ.get("FRANCECONNECT_CLIENT_ID", "")
FRANCECONNECT_CLIENT_SECRET = os.environ.get("FRANCECONNECT_CLIENT_SECRET", "")
FRANCECONNECT_SCOPES = os.environ.get("FRANCECONNECT_SCOPES", "openid given_name family_name birthdate")
# Level of guarantee asked for and required in the ID token (eIDAS "faible" for FranceConnect).
FRANCECONNECT_ACR = os.environ.get("FRANCECONNECT_ACR", "eidas1")
# Seconds to wait for FranceConnect's answer on each call (discovery, token, keys, userinfo).
FRANCECONNECT_TIMEOUT = float(os.environ.get("FRANCECONNECT_TIMEOUT", "10"))
