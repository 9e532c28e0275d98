from axes.helpers import get_client_ip_address
from django.contrib import admin
from django.contrib.auth import forms as auth_forms
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.core.exceptions import ValidationError
from django_otp.plugins.otp_static.models import StaticDevice
from django_otp.plugins.otp_totp.admin import TOTPDeviceAdmin as OtpTOTPDeviceAdmin
from django_otp.plugins.otp_totp.models import TOTPDevice

from . import services, tokens
from .models import ApiToken, Membership, SecurityEvent, User


def _clean_email(form) -> str:
    """Addresses are stored lower-case, and one address is one account whatever its case."""
    email = form.cleaned_data["email"].strip().lower()
    others = User.objects.filter(email__iexact=email).exclude(pk=form.instance.pk)
    if others.exists():
        raise ValidationError("Un compte utilise déjà cette adresse e-mail.")
    return email


class UserCreationForm(auth_forms.AdminUserCreationForm):
    class Meta(auth_forms.AdminUserCreationForm.Meta):
        model = User
        fields = ("email",)

    clean_email = _clean_email


class UserChangeForm(auth_forms.UserChangeForm):
    class Meta(auth_forms.UserChangeForm.Meta):
        model = User
        fields = "__all__"

    clean_email = _clean_email


class MembershipInline(admin.TabularInline):
    """The further organisations an account works for (its people and mandates stay inside each)."""

    model = Membership
    extra = 0
    autocomplete_fields = ["organisation"]


@admin.register(User)
class UserAdmin(DjangoUserAdmin):
    form = UserChangeForm
    add_form = UserCreationForm
    list_display = ["email", "name", "role", "organisation", "is_active"]
    list_filter = ["role", "organisation", "is_active", "is_staff"]
    list_select_related = ["organisation"]
    search_fields = ["email", "first_name", "last_name"]
    ordering = ["email"]
    filter_horizontal = ["departements", "groups", "user_permissions"]
    autocomplete_fields = ["organisation", "sites"]
    readonly_fields = ["last_login", "date_joined"]
    fieldsets = [
        (None, {"fields": ["email", "password"]}),
        ("Identité", {"fields": ["first_name", "last_name"]}),
        ("Rôle et rattachement", {"fields": ["role", "organisation", "departements", "sites"]}),
        (
            "Droits",
            {
                "classes": ["collapse"],
                "fields": ["is_active", "is_staff", "is_superuser", "groups", "user_permissions"],
            },
        ),
        ("Dates", {"fields": ["last_login", "date_joined"]}),
    ]
    add_fieldsets = [
        (
            None,
            {
                "classes": ["wide"],
                "fields": ["email", "first_name", "last_name", "role", "organisation", "usable_password"],
            },
        ),
        ("Mot de passe", {"fields": ["password1", "password2"]}),
    ]

    @admin.display(description="nom", ordering="last_name")
    def name(self, obj):
        return obj.get_full_name()

    def get_inlines(self, request, obj):
        return [MembershipInline] if obj is not None else []  # once the account exists

    def get_readonly_fields(self, request, obj=None):
        """Only a superuser grants rights: a national manager cannot make anyone (or themselves) superuser."""
        readonly = list(super().get_readonly_fields(request, obj))
        if not request.user.is_superuser:
            readonly += ["is_staff", "is_superuser", "groups", "user_permissions"]
        return readonly

    def get_queryset(self, request):
        users = super().get_queryset(request)
        return users if request.user.is_superuser else users.filter(is_superuser=False)


@admin.register(SecurityEvent)
class SecurityEventAdmin(admin.ModelAdmin):
    """The security journal of the accounts, read-only: nobody writes or erases it by hand."""

    list_display = ["at", "user", "action", "actor", "ip_address"]
    list_filter = ["action", "at"]
    list_select_related = ["user", "actor"]
    search_fields = ["user__email", "user__last_name", "actor__email"]
    date_hierarchy = "at"

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(ApiToken)
class ApiTokenAdmin(admin.ModelAdmin):
    """The API keys: who holds them, until when, when last used; an administrator revokes one (the key itself is
    never shown: only `manage.py create_api_token` prints it, once)."""

    list_display = ["prefix_shown", "user", "label", "created_at", "expires_at", "last_used_at", "state"]
    list_filter = ["revoked_at", "expires_at", "last_used_at"]
    list_select_related = ["user"]
    search_fields = ["prefix", "label", "user__email", "user__last_name"]
    date_hierarchy = "created_at"
    fields = ["user", "label", "prefix", "created_at", "expires_at", "last_used_at", "revoked_at"]
    readonly_fields = ["user", "prefix", "created_at", "last_used_at", "revoked_at"]
    actions = ["revoke"]

    @admin.display(description="clé", ordering="prefix")
    def prefix_shown(self, obj):
        return f"{obj.prefix}…"

    @admin.display(description="état")
    def state(self, obj):
        if obj.revoked_at is not None:
            return "révoquée"
        return "expirée" if obj.is_expired else "active"

    @admin.action(description="Révoquer les clés choisies")
    def revoke(self, request, queryset):
        for token in queryset.filter(revoked_at__isnull=True):
            tokens.api_token_revoke(token=token)
        self.message_user(request, "Les clés choisies sont révoquées.")

    def has_add_permission(self, request):
        return False  # a key is created by `manage.py create_api_token`, which shows it once

    def get_queryset(self, request):
        keys = super().get_queryset(request)
        return keys if request.user.is_superuser else keys.filter(user__is_superuser=False)  # as for the accounts


# django-otp's admin for TOTP devices, restricted: an administrator sees a user's devices (with their count of
# wrong codes and the time of the last one) and may remove one (a lost phone), journaled with their name. Nobody
# creates or edits a device here: its secret must be seen by its holder only (OTP_ADMIN_HIDE_SENSITIVE_DATA).
admin.site.unregister(TOTPDevice)


@admin.register(TOTPDevice)
class TOTPDeviceAdmin(OtpTOTPDeviceAdmin):
    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def delete_model(self, request, obj):
        services.totp_device_remove(device=obj, by=request.user, ip_address=get_client_ip_address(request))

    def delete_queryset(self, request, queryset):
        for device in queryset.select_related("user"):
            self.delete_model(request, device)


admin.site.unregister(StaticDevice)  # recovery codes: seen by their holder only, never created by someone else
