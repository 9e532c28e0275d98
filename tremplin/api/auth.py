"""API authentication: `Authorization: Bearer <key>` (keys from `manage.py create_api_token`)."""

from ninja.security import HttpBearer

from tremplin.accounts.tokens import user_for_key


class ApiKey(HttpBearer):
    openapi_scheme = "bearer"

    def authenticate(self, request, token):
        user = user_for_key(token)
        if user is not None:
            request.user = user
        return user
