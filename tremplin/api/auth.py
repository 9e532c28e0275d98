"""API authentication: `Authorization: Bearer <key>` (keys from `manage.py create_api_token`).

A refused key (unknown, revoked, of a deactivated account, expired) answers 401 with the French reason; each
refusal counts against the client address's public rate limit (tremplin.api.ratelimits), so that guessing keys
is slowed down like any other anonymous use."""

from django.utils import timezone
from ninja.errors import AuthenticationError, Throttled
from ninja.security import HttpBearer

from tremplin.accounts.tokens import KeyExpired, check_key

from . import ratelimits

REFUSED = "Clé d'API manquante, invalide ou révoquée."
ASK_NEW = "Demandez une nouvelle clé à votre administrateur."


class KeyRefused(AuthenticationError):
    def __init__(self, message: str = REFUSED):
        self.message = message
        super().__init__(401, message)


class ApiKey(HttpBearer):
    openapi_scheme = "bearer"

    def authenticate(self, request, token):
        try:
            found = check_key(token)
        except KeyExpired as expired:
            self._count_refusal(request)
            when = timezone.localtime(expired.expired_at)
            raise KeyRefused(f"Clé d'API expirée depuis le {when:%d/%m/%Y à %H:%M}. {ASK_NEW}") from None
        if found is None:
            self._count_refusal(request)
            return None
        user, token_id = found
        request.user = user
        request.api_token_id = token_id
        return user

    @staticmethod
    def _count_refusal(request) -> None:
        seconds = ratelimits.public_retry_after(request, group="api-refused")
        if seconds is not None:
            request.api_retry_after = seconds
            raise Throttled(wait=seconds)
