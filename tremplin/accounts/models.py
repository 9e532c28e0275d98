"""Staff accounts: e-mail login, one role, and what the role is attached to (départements, sites)."""

import datetime

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser, BaseUserManager, PermissionsMixin
from django.core.exceptions import ValidationError
from django.db import models
from django.utils import timezone

from tremplin.network.models import Organisation, Site
from tremplin.territories.models import Departement

from .enums import NATIONAL_ROLES, Role, SecurityAction

# What a national programme manager administers in the Django admin (not auth groups, not tasks).
NATIONAL_MANAGER_APPS = frozenset({"territories", "network", "accounts", "opendata"})


class UserManager(BaseUserManager):
    use_in_migrations = True

    def create_user(self, email, password=None, **extra):
        if not email:
            raise ValueError("L'adresse e-mail est obligatoire.")
        user = self.model(email=self.normalize_email(email).lower(), **extra)
        user.set_password(password)
        user.save(using=self._db)
        return user

    def create_superuser(self, email, password=None, **extra):
        extra.setdefault("role", Role.ADMINISTRATOR)
        extra.update(is_staff=True, is_superuser=True)
        return self.create_user(email, password, **extra)

    def get_by_natural_key(self, username):
        return self.get(email__iexact=username)


class User(AbstractBaseUser, PermissionsMixin):
    email = models.EmailField("adresse e-mail", unique=True)
    first_name = models.CharField("prénom", max_length=100, blank=True)
    last_name = models.CharField("nom", max_length=100, blank=True)
    role = models.CharField("rôle", max_length=20, choices=Role.choices)
    organisation = models.ForeignKey(
        Organisation, on_delete=models.PROTECT, null=True, blank=True, related_name="members"
    )
    departements = models.ManyToManyField(
        Departement, blank=True, related_name="coordinators", verbose_name="départements coordonnés"
    )
    sites = models.ManyToManyField(Site, blank=True, related_name="staff", verbose_name="sites")
    is_active = models.BooleanField("actif", default=True)
    is_staff = models.BooleanField("accès à l'administration", default=False)
    date_joined = models.DateTimeField("créé le", default=timezone.now)

    objects = UserManager()

    USERNAME_FIELD = "email"
    EMAIL_FIELD = "email"
    REQUIRED_FIELDS = []

    class Meta:
        verbose_name = "utilisateur"
        ordering = ["last_name", "first_name", "email"]

    def __str__(self):
        return self.get_full_name() or self.email

    def get_full_name(self):
        return f"{self.first_name} {self.last_name}".strip()

    def get_short_name(self):
        return self.first_name or self.email

    @property
    def is_national(self) -> bool:
        return self.role in NATIONAL_ROLES

    def save(self, *args, **kwargs):
        # National managers administer the reference data and the accounts in the Django admin.
        if self.role == Role.NATIONAL_MANAGER:
            self.is_staff = True
        super().save(*args, **kwargs)

    def has_perm(self, perm, obj=None):
        if self.is_active and self.role == Role.NATIONAL_MANAGER and perm.split(".", 1)[0] in NATIONAL_MANAGER_APPS:
            return True
        return super().has_perm(perm, obj)

    def has_module_perms(self, app_label):
        if self.is_active and self.role == Role.NATIONAL_MANAGER and app_label in NATIONAL_MANAGER_APPS:
            return True
        return super().has_module_perms(app_label)

    def clean(self):
        super().clean()
        if self.role in (Role.MEDIATOR, Role.PARTNER_STAFF) and not self.organisation_id:
            raise ValidationError({"organisation": "Un médiateur ou un partenaire est rattaché à une organisation."})


def api_token_expiry() -> datetime.datetime:
    """When a new key stops working: TREMPLIN_API_TOKEN_DAYS from now."""
    return timezone.now() + datetime.timedelta(days=settings.TREMPLIN_API_TOKEN_DAYS)


class ApiTokenQuerySet(models.QuerySet):
    def active(self):
        """Keys that open the API now: not revoked, not expired, of an active account."""
        return self.filter(revoked_at__isnull=True, expires_at__gt=timezone.now(), user__is_active=True)

    def expired(self):
        return self.filter(expires_at__lte=timezone.now())


class ApiToken(models.Model):
    """A key for the API (partner tools, scripts). Only its SHA-256 is stored: the key is shown once.

    It works until `expires_at` (TREMPLIN_API_TOKEN_DAYS after its creation by default) unless revoked before;
    `last_used_at` is the last call it opened, to the minute (tremplin.accounts.tokens writes it at most once a
    minute per key, not on every request)."""

    user = models.ForeignKey("accounts.User", on_delete=models.CASCADE, related_name="api_tokens")
    label = models.CharField("usage", max_length=100, blank=True)
    key_hash = models.CharField(max_length=64, unique=True, editable=False)
    prefix = models.CharField("début de la clé", max_length=8, editable=False)
    created_at = models.DateTimeField("créée le", default=timezone.now)
    revoked_at = models.DateTimeField("révoquée le", null=True, blank=True)
    expires_at = models.DateTimeField("expire le", default=api_token_expiry)
    last_used_at = models.DateTimeField("dernière utilisation", null=True, blank=True, editable=False)

    objects = ApiTokenQuerySet.as_manager()

    class Meta:
        verbose_name = "clé d'API"
        verbose_name_plural = "clés d'API"
        ordering = ["-created_at"]

    def __str__(self):
        return f"{self.prefix}… ({self.user})"

    @property
    def is_expired(self) -> bool:
        return self.expires_at <= timezone.now()


class SecurityEvent(models.Model):
    """The security journal of an account: its second factor enrolled or removed, codes refused, lockouts.

    Append-only in code (written by tremplin.accounts.services only), read-only in the admin. `actor` is who
    did it: the account's owner, or the administrator who removed a lost device.
    """

    user = models.ForeignKey(
        "accounts.User", on_delete=models.PROTECT, related_name="security_events", verbose_name="compte"
    )
    action = models.CharField("action", max_length=20, choices=SecurityAction.choices)
    actor = models.ForeignKey(
        "accounts.User", on_delete=models.PROTECT, null=True, blank=True, related_name="+", verbose_name="par"
    )
    at = models.DateTimeField("le", default=timezone.now, db_index=True)
    ip_address = models.GenericIPAddressField("adresse IP", null=True, blank=True)

    class Meta:
        verbose_name = "événement de sécurité"
        verbose_name_plural = "journal de sécurité des comptes"
        ordering = ["-at", "-pk"]

    def __str__(self):
        return f"{self.get_action_display()} — {self.user} — {self.at:%d/%m/%Y %H:%M}"


class Membership(models.Model):
    """A further organisation an account works for, beside `User.organisation` (a mediator employed by La Poste
    who also holds permanences for an association). People and mandates of each stay inside it."""

    user = models.ForeignKey("accounts.User", on_delete=models.CASCADE, related_name="memberships")
    organisation = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="+")
    since = models.DateField("depuis le", default=timezone.localdate)

    class Meta:
        verbose_name = "autre organisation"
        verbose_name_plural = "autres organisations"
        constraints = [models.UniqueConstraint(fields=["user", "organisation"], name="membership_once")]

    def __str__(self):
        return f"{self.user} — {self.organisation}"
