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
from django.utils.html import format_html
from django.utils.safestring import mark_safe
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods
from django_otp import DEVICE_ID_SESSION_KEY, user_has_device
from django_otp.plugins.otp_totp.models import TOTPDevice

from tremplin.accounts import second_factor, services
from tremplin.www.redirects import next_or
from tremplin.www.redirects import safe_next as _safe_next

from .forms import (
    LoginForm,
    PasswordChangeForm,
    PasswordResetForm,
    SecondFactorCodeForm,
    SetPasswordForm,
    TotpCodeForm,
)

WRONG_CODE = "Code incorrect ou expiré. Saisissez le code affiché en ce moment par votre application."
THROTTLED = "Trop de codes erronés : patientez quelques secondes avant de réessayer."
RECOVERY_CODES_LOW = 3  # from how few recovery codes left a user is told to generate new ones


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


def _accepted(request, check: services.CodeCheck) -> None:
    """A code was accepted: the session is verified and fresh; a recovery code says how many remain."""
    second_factor.accept(request, check.device)
    left = check.recovery_codes_left
    if left is None:
        return
    if left == 0:
        text = "Code de secours accepté : c'était le dernier."
    else:
        text = f"Code de secours accepté : il ne servira plus. Il vous en reste {left}."
    if left <= RECOVERY_CODES_LOW:
        link = format_html('<a href="{}">Codes de secours</a>', reverse("accounts:recovery_codes"))
        text = format_html("{} Générez-en de nouveaux dès maintenant depuis la page {}.", text, link)
    messages.warning(request, text)


def _code_errors(form, check: services.CodeCheck) -> None:
    if check.throttled:
        form.add_error("code", THROTTLED)
    elif check.locked_until is None:
        form.add_error("code", WRONG_CODE)


@login_required
def security(request):
    devices = list(TOTPDevice.objects.filter(user=request.user, confirmed=True).order_by("pk"))
    enable_url = reverse("accounts:totp_enable")
    if next_url := _safe_next(request):
        # Sent here by second_factor_required: come back to that page once the factor is enabled.
        enable_url = _with_next(enable_url, next_url)
    return render(
        request,
        "accounts/security.html",
        {
            "title": "Sécurité du compte",
            "device": devices[0] if devices else None,
            "devices": [(device, _device_kind(device)) for device in devices],
            "recovery_codes_left": services.recovery_codes_left(request.user) if devices else None,
            "enable_url": enable_url,
            "mandatory": second_factor.enrolment_required(request.user),
        },
    )


def _device_kind(device: TOTPDevice) -> str:
    return "carte" if device.name.startswith(second_factor.TOTP_CARD_NAME.format(serial="")) else "application"


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
        elif (
            codes := services.totp_device_confirm(
                device=device, token=form.cleaned_data["code"], ip_address=get_client_ip_address(request)
            )
        ) is not None:
            device.refresh_from_db()
            second_factor.accept(request, device)
            second_factor.mark(request, second_factor.HAS_DEVICE)
            request.session[second_factor.SESSION_NEW_RECOVERY_CODES] = codes
            messages.success(
                request,
                "La double authentification est activée : un code vous sera demandé à chaque connexion.",
            )
            if next_url := _safe_next(request):
                messages.warning(
                    request,
                    format_html(
                        "Notez vos {} codes de secours : ils vous permettront de vous connecter sans votre "
                        'téléphone. <a href="{}">Affichez-les maintenant</a>, ils ne le seront qu\'une fois.',
                        len(codes),
                        reverse("accounts:recovery_codes"),
                    ),
                )
                return redirect(next_url)
            return redirect("accounts:recovery_codes")
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
    devices = second_factor.code_devices(request.user)
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
            request.session.pop(second_factor.SESSION_VERIFIED_AT, None)
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


def _code_step(request, devices):
    """The code form of the verify and re-verify pages: (form, locked until, accepted), the lockout applied."""
    locked_until = second_factor.locked_until(devices)
    form = SecondFactorCodeForm(request.POST or None)
    if request.method == "POST" and locked_until is None and form.is_valid():
        check = services.totp_check(
            user=request.user, token=form.cleaned_data["code"], ip_address=get_client_ip_address(request)
        )
        if check.accepted:
            _accepted(request, check)
            return form, None, True
        locked_until = check.locked_until
        _code_errors(form, check)
    return form, locked_until, False


@login_required
@require_http_methods(["GET", "POST"])
def verify(request):
    next_url = _next_url(request)
    if request.user.is_verified():
        return redirect(next_url)  # already done in this session
    devices = second_factor.code_devices(request.user)
    if not devices:
        # Removed meanwhile (by an administrator, after a lost phone): no code to ask; an account that must
        # have a second factor is sent to enrol again by the middleware.
        second_factor.mark(request, second_factor.NO_DEVICE)
        return redirect(next_url)
    form, locked_until, accepted = _code_step(request, devices)
    if accepted:
        return redirect(next_url)
    return render(
        request,
        "accounts/verify.html",
        {"title": "Vérification en deux étapes", "form": form, "next": next_url} | _lock_context(locked_until),
        status=429 if locked_until else 200,
    )


@login_required
@never_cache
@require_http_methods(["GET", "POST"])
def reverify(request):
    """A fresh code before a sensitive action (acting on someone's behalf), even in a verified session.

    The views that need one check `second_factor.verified_within(request)` and send here with `?next=` their
    own address; the code accepted, the session is fresh for FRESHNESS and goes back there. Same codes
    (application, card, recovery code) and same lockout as at sign-in.
    """
    next_url = next_or(request, settings.LOGIN_REDIRECT_URL)
    devices = second_factor.code_devices(request.user)
    if not devices:
        return render(
            request,
            "accounts/reverify_enrol.html",
            {
                "title": "Activez d'abord la double authentification",
                "enable_url": _with_next(reverse("accounts:totp_enable"), next_url),
                "freshness_minutes": _freshness_minutes(),
            },
        )
    form, locked_until, accepted = _code_step(request, devices)
    if accepted:
        return redirect(next_url)
    return render(
        request,
        "accounts/reverify.html",
        {
            "title": "Confirmez votre code",
            "form": form,
            "next": next_url,
            "freshness_minutes": _freshness_minutes(),
        }
        | _lock_context(locked_until),
        status=429 if locked_until else 200,
    )


def _freshness_minutes() -> int:
    return int(second_factor.FRESHNESS.total_seconds() // 60)


@login_required
@never_cache
@require_http_methods(["GET", "POST"])
def recovery_codes(request):
    """Recovery codes: new ones shown once (after enrolment, or generated again here); how many remain."""
    devices = second_factor.code_devices(request.user)
    if not devices:
        messages.info(request, "Les codes de secours accompagnent la double authentification : activez-la d'abord.")
        return redirect("accounts:security")
    new_codes = request.session.pop(second_factor.SESSION_NEW_RECOVERY_CODES, None)
    locked_until = second_factor.locked_until(devices)
    form = TotpCodeForm(request.POST or None)
    if request.method == "POST" and locked_until is None and form.is_valid():
        check, codes = services.recovery_codes_regenerate(
            user=request.user, token=form.cleaned_data["code"], ip_address=get_client_ip_address(request)
        )
        if check.accepted:
            second_factor.accept(request, check.device)
            request.session[second_factor.SESSION_NEW_RECOVERY_CODES] = codes
            messages.success(request, "Vos nouveaux codes de secours sont prêts : les anciens ne fonctionnent plus.")
            return redirect("accounts:recovery_codes")
        locked_until = check.locked_until
        _code_errors(form, check)
    return render(
        request,
        "accounts/recovery_codes.html",
        {
            "title": "Codes de secours",
            "new_codes": new_codes,
            "left": services.recovery_codes_left(request.user),
            "count": second_factor.RECOVERY_CODE_COUNT,
            "form": form,
        }
        | _lock_context(locked_until),
        status=429 if locked_until else 200,
    )
