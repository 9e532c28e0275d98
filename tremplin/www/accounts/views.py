"""Sign-in, password, and second factor screens. The rules live in tremplin.accounts (second_factor, services)."""

from datetime import timedelta
from urllib.parse import urlencode

from axes.helpers import get_client_ip_address, get_cool_off, get_failure_limit
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render, resolve_url
from django.urls import reverse, reverse_lazy
from django.utils import dateformat, timezone
from django.utils.safestring import mark_safe
from django.views.decorators.http import require_http_methods
from django_otp import DEVICE_ID_SESSION_KEY, user_has_device
from django_otp import login as otp_login
from django_otp.plugins.otp_totp.models import TOTPDevice

from tremplin.accounts import second_factor, services
from tremplin.www.redirects import safe_next as _safe_next

from .forms import LoginForm, PasswordChangeForm, PasswordResetForm, SetPasswordForm, TotpCodeForm

WRONG_CODE = "Code incorrect ou expiré. Saisissez le code affiché en ce moment par votre application."
THROTTLED = "Trop de codes erronés : patientez quelques secondes avant de réessayer."


def _next_url(request, default=None) -> str:
    return _safe_next(request) or resolve_url(default or settings.LOGIN_REDIRECT_URL)


def _with_next(url: str, next_url: str) -> str:
    return f"{url}?{urlencode({'next': next_url})}"


# --- Sign in / sign out -------------------------------------------------------------------------


class LoginView(auth_views.LoginView):
    form_class = LoginForm
    template_name = "registration/login.html"
    extra_context = {"title": "Connexion"}

    def get_redirect_url(self):
        return _safe_next(self.request)

    def get_context_data(self, **kwargs):
        return super().get_context_data(
            failure_limit=get_failure_limit(self.request, None),
            cooloff_timedelta=get_cool_off(self.request),
            **kwargs,
        )

    def form_valid(self, form):
        response = super().form_valid(form)  # login(): tremplin.accounts.second_factor.on_login marks the session
        if what := second_factor.owed(self.request):
            return redirect(second_factor.owed_url(what, self.get_success_url()))
        return response


class LogoutView(auth_views.LogoutView):
    def get_redirect_url(self):
        return _safe_next(self.request)

    def post(self, request, *args, **kwargs):
        response = super().post(request, *args, **kwargs)
        messages.info(request, "Vous êtes déconnecté(e).")
        return response


# --- Passwords ----------------------------------------------------------------------------------


def _reset_link_validity() -> str:
    """How long a reset link works (settings.PASSWORD_RESET_TIMEOUT), in words."""
    hours = settings.PASSWORD_RESET_TIMEOUT // 3600
    if hours >= 24 and hours % 24 == 0:
        days = hours // 24
        return f"{days} jour{'s' if days > 1 else ''}"
    return f"{max(hours, 1)} heure{'s' if hours > 1 else ''}"


class PasswordResetView(auth_views.PasswordResetView):
    form_class = PasswordResetForm
    template_name = "accounts/password_reset_form.html"
    email_template_name = "accounts/emails/password_reset.txt"
    subject_template_name = "accounts/emails/password_reset_subject.txt"
    success_url = reverse_lazy("accounts:password_reset_done")
    title = "Mot de passe oublié"

    @property
    def extra_email_context(self):
        return {"validity": _reset_link_validity()}


class PasswordResetDoneView(auth_views.PasswordResetDoneView):
    template_name = "accounts/password_reset_done.html"
    title = "Consultez votre messagerie"

    def get_context_data(self, **kwargs):
        return super().get_context_data(validity=_reset_link_validity(), **kwargs)


class PasswordResetConfirmView(auth_views.PasswordResetConfirmView):
    form_class = SetPasswordForm
    template_name = "accounts/password_reset_confirm.html"
    success_url = reverse_lazy("accounts:password_reset_complete")
    title = "Choisir un nouveau mot de passe"

    def form_valid(self, form):
        response = super().form_valid(form)
        services.account_unlock(user=form.user)
        return response


class PasswordResetCompleteView(auth_views.PasswordResetCompleteView):
    template_name = "accounts/password_reset_complete.html"
    title = "Mot de passe modifié"


class PasswordChangeView(auth_views.PasswordChangeView):
    form_class = PasswordChangeForm
    template_name = "accounts/password_change_form.html"
    success_url = reverse_lazy("accounts:security")
    title = "Changer de mot de passe"

    def form_valid(self, form):
        response = super().form_valid(form)
        messages.success(self.request, "Votre mot de passe a été modifié.")
        return response


# --- Second factor (TOTP) -----------------------------------------------------------------------


def _lock_context(locked_until) -> dict:
    """What the pages say while the second factor is locked after too many wrong codes."""
    if locked_until is None:
        return {"locked_until": None}
    # The minute after the end (10 h 30 min 25 s → 10 h 31): trying again at the time shown always works.
    local = timezone.localtime(locked_until + timedelta(seconds=59)).replace(second=0, microsecond=0)
    hour = dateformat.format(local, r"G \h i")
    same_day = local.date() == timezone.localdate()
    return {
        "locked_until": locked_until,
        "locked_until_text": f"jusqu'à {hour}" if same_day else f"jusqu'au {local:%d/%m/%Y} à {hour}",
        "failure_limit": settings.AXES_FAILURE_LIMIT,
        "cooloff_timedelta": get_cool_off(),
    }


def _code_errors(form, check: services.CodeCheck) -> None:
    if check.throttled:
        form.add_error("code", THROTTLED)
    elif check.locked_until is None:
        form.add_error("code", WRONG_CODE)


@login_required
def security(request):
    device = TOTPDevice.objects.filter(user=request.user, confirmed=True).first()
    enable_url = reverse("accounts:totp_enable")
    if next_url := _safe_next(request):
        # Sent here by second_factor_required: come back to that page once the factor is enabled.
        enable_url = _with_next(enable_url, next_url)
    return render(
        request,
        "accounts/security.html",
        {
            "title": "Sécurité du compte",
            "device": device,
            "enable_url": enable_url,
            "mandatory": second_factor.enrolment_required(request.user),
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def totp_enable(request):
    if user_has_device(request.user, confirmed=True):
        if not request.user.is_verified():
            # Enabled from another session meanwhile: this one owes the code too.
            second_factor.mark(request, second_factor.HAS_DEVICE)
            return redirect(second_factor.owed_url(second_factor.VERIFY, _next_url(request)))
        messages.info(request, "La double authentification est déjà activée sur votre compte.")
        return redirect("accounts:security")
    device = services.totp_device_start(user=request.user)
    form = TotpCodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        if services.totp_throttled([device]):
            form.add_error("code", THROTTLED)
        elif services.totp_device_confirm(
            device=device, token=form.cleaned_data["code"], ip_address=get_client_ip_address(request)
        ):
            device.refresh_from_db()
            otp_login(request, device)
            second_factor.mark(request, second_factor.HAS_DEVICE)
            messages.success(
                request,
                "La double authentification est activée : un code vous sera demandé à chaque connexion.",
            )
            return redirect(_next_url(request, default="accounts:security"))
        else:
            form.add_error("code", WRONG_CODE)
    return render(
        request,
        "accounts/totp_enable.html",
        {
            "title": "Activer la double authentification",
            "form": form,
            "qrcode_svg": mark_safe(services.totp_qrcode_svg(device)),  # noqa: S308 - built by qrcode here
            "secret": services.totp_secret_base32(device),
            "next": _safe_next(request),
            "mandatory": second_factor.enrolment_reason(request.user),
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def totp_disable(request):
    devices = list(TOTPDevice.objects.filter(user=request.user, confirmed=True))
    if not devices:
        messages.info(request, "La double authentification n'est pas activée sur votre compte.")
        return redirect("accounts:security")
    mandatory = second_factor.enrolment_required(request.user)
    locked_until = second_factor.locked_until(devices)
    form = TotpCodeForm(request.POST or None)
    if request.method == "POST" and locked_until is None and form.is_valid():
        check = services.totp_device_delete(
            user=request.user, token=form.cleaned_data["code"], ip_address=get_client_ip_address(request)
        )
        if check.accepted:
            request.session.pop(DEVICE_ID_SESSION_KEY, None)
            second_factor.mark(request, second_factor.NO_DEVICE)
            if mandatory:
                messages.warning(
                    request,
                    "L'ancienne double authentification est retirée. Elle reste obligatoire pour votre compte : "
                    "activez-la avec votre nouvelle application pour continuer.",
                )
                return redirect("accounts:totp_enable")
            messages.success(request, "La double authentification est désactivée.")
            return redirect("accounts:security")
        locked_until = check.locked_until
        _code_errors(form, check)
    return render(
        request,
        "accounts/totp_disable.html",
        {"title": "Désactiver la double authentification", "form": form, "mandatory": mandatory}
        | _lock_context(locked_until),
        status=429 if locked_until else 200,
    )


@login_required
@require_http_methods(["GET", "POST"])
def verify(request):
    next_url = _next_url(request)
    if request.user.is_verified():
        return redirect(next_url)  # already done in this session
    devices = list(TOTPDevice.objects.filter(user=request.user, confirmed=True))
    if not devices:
        # Removed meanwhile (by an administrator, after a lost phone): no code to ask; an account that must
        # have a second factor is sent to enrol again by the middleware.
        second_factor.mark(request, second_factor.NO_DEVICE)
        return redirect(next_url)
    locked_until = second_factor.locked_until(devices)
    form = TotpCodeForm(request.POST or None)
    if request.method == "POST" and locked_until is None and form.is_valid():
        check = services.totp_check(
            user=request.user, token=form.cleaned_data["code"], ip_address=get_client_ip_address(request)
        )
        if check.accepted:
            otp_login(request, check.device)
            return redirect(next_url)
        locked_until = check.locked_until
        _code_errors(form, check)
    return render(
        request,
        "accounts/verify.html",
        {"title": "Vérification en deux étapes", "form": form, "next": next_url} | _lock_context(locked_until),
        status=429 if locked_until else 200,
    )
