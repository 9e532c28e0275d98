"""View decorators for sensitive actions."""

from functools import wraps
from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect
from django.urls import reverse
from django_otp import user_has_device

SECOND_FACTOR_MISSING = (
    "Cette action est réservée aux comptes protégés par la double authentification. "
    "Activez-la ci-dessous pour continuer."
)


def second_factor_required(view):
    """Let the view run only for a signed-in user who has a confirmed TOTP device and used it.

    - anonymous: to the login page;
    - no confirmed device: to the security page (with a message), to enable it;
    - device not used in this session: to the verification page, then back here.
    """

    @wraps(view)
    @login_required
    def wrapper(request, *args, **kwargs):
        back = urlencode({"next": request.get_full_path()})
        if not user_has_device(request.user, confirmed=True):
            messages.warning(request, SECOND_FACTOR_MISSING)
            return redirect(f"{reverse('accounts:security')}?{back}")
        if not request.user.is_verified():
            return redirect(f"{reverse('accounts:verify')}?{back}")
        return view(request, *args, **kwargs)

    return wrapper
