import re

from django import forms
from django.contrib.auth import forms as auth_forms
from django.core.validators import RegexValidator
from dsfr.forms import DsfrBaseForm

from tremplin.accounts import second_factor


class LoginForm(DsfrBaseForm, auth_forms.AuthenticationForm):
    """E-mail + password. The e-mail field keeps the name ``username``: django-axes counts failures on it."""

    username = auth_forms.UsernameField(
        label="Adresse e-mail",
        widget=forms.EmailInput(attrs={"autofocus": True, "autocomplete": "email", "spellcheck": "false"}),
    )
    password = forms.CharField(
        label="Mot de passe", strip=False, widget=forms.PasswordInput(attrs={"autocomplete": "current-password"})
    )

    error_messages = {
        "invalid_login": "Adresse e-mail ou mot de passe incorrect. Vérifiez votre saisie et réessayez.",
        "inactive": "Ce compte est désactivé. Contactez votre coordinateur.",
    }

    def clean_username(self):
        # Same account whatever the case typed: login and lockout both see one address.
        return self.cleaned_data["username"].strip().lower()


class PasswordResetForm(DsfrBaseForm, auth_forms.PasswordResetForm):
    email = forms.EmailField(
        label="Adresse e-mail",
        help_text="L'adresse avec laquelle vous vous connectez à Tremplin.",
        max_length=254,
        widget=forms.EmailInput(attrs={"autocomplete": "email", "autofocus": True}),
    )


class SetPasswordForm(DsfrBaseForm, auth_forms.SetPasswordForm):
    pass


class PasswordChangeForm(DsfrBaseForm, auth_forms.PasswordChangeForm):
    pass


class TotpCodeForm(DsfrBaseForm):
    """A code of the application (6 digits) or of a TOTP card (6, or 8 on some cards)."""

    code = forms.CharField(
        label="Code à 6 chiffres",
        help_text="Affiché par votre application d'authentification ; il change toutes les 30 secondes.",
        min_length=6,
        max_length=8,
        validators=[RegexValidator(r"^\d{6}(\d{2})?$", "Le code est composé de 6 chiffres (8 sur certaines cartes).")],
        widget=forms.TextInput(
            attrs={
                "autocomplete": "one-time-code",
                "inputmode": "numeric",
                "pattern": r"\d{6}(\d{2})?",
                "autofocus": True,
            }
        ),
    )


class SecondFactorCodeForm(DsfrBaseForm):
    """A code to sign in or confirm an action: from the application or a TOTP card, or a recovery code.

    Spaces and dashes are ignored, and case: `ABCD EFGH` is the recovery code `abcd-efgh`."""

    code = forms.CharField(
        label="Code à 6 chiffres ou code de secours",
        help_text=(
            "Affiché par votre application d'authentification ou votre carte TOTP (il change toutes les "
            "30 secondes), ou l'un de vos codes de secours, par exemple abcd-efgh."
        ),
        max_length=24,
        widget=forms.TextInput(
            attrs={"autocomplete": "one-time-code", "autocapitalize": "none", "spellcheck": "false", "autofocus": True}
        ),
    )

    def clean_code(self):
        code = second_factor.normalise_code(self.cleaned_data["code"])
        if not re.fullmatch(r"\d{6}|\d{8}|[a-z2-7]{8}", code):
            raise forms.ValidationError(
                "Saisissez les 6 chiffres affichés par votre application ou votre carte, "
                "ou l'un de vos codes de secours (8 lettres et chiffres, par exemple abcd-efgh)."
            )
        return code
