"""Second factor: a user who has confirmed a TOTP device must enter a code before using the platform."""

from urllib.parse import urlencode

from django.shortcuts import redirect
from django.urls import reverse

EXEMPT_PREFIXES = ("/static/", "/compte/verification/", "/compte/deconnexion/")


def has_second_factor(user) -> bool:
    from django_otp import user_has_device

    return user_has_device(user, confirmed=True)


class SecondFactorMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = getattr(request, "user", None)
        if (
            user is not None
            and user.is_authenticated
            and not request.path.startswith(EXEMPT_PREFIXES)
            and not user.is_verified()
            and request.session.get("otp_required", False)
        ):
            return redirect(f"{reverse('accounts:verify')}?{urlencode({'next': request.get_full_path()})}")
        return self.get_response(request)
