"""People accompanied by the network: a minimal record (privacy by design), consents, journal, access log.

What is kept when a person asks to be deleted: the record is anonymised, not removed. Names, contacts,
address and birth year are wiped; age band, gender, social status, commune and organisation stay, so
screenings, diagnostics and statistics remain true.
"""

import datetime
import functools
import operator
import re

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import RegexValidator
from django.db import models
from django.db.models.functions import Upper
from django.utils import timezone

from tremplin.network.models import Organisation, Site
from tremplin.territories.models import Commune, normalize_search

from .enums import AccessPurpose, AgeBand, ConsentKind, ContactChannel, Gender, JournalAction, SocialStatus

PHONE_VALIDATOR = RegexValidator(
    r"^0[1-9]\d{8}$|^\+\d{8,15}$",
    "Numéro de téléphone invalide : 10 chiffres (06 12 34 56 78) ou format international (+33 6 12 34 56 78).",
)
ANONYMOUS_LABEL = "Personne anonymisée"
BIRTH_YEAR_MIN = 1900


def birth_year_message() -> str:
    """The one message of the birth-year bounds (record form, public booking form, API, model)."""
    return f"L'année de naissance doit être entre {BIRTH_YEAR_MIN} et {timezone.localdate().year}."


def validate_birth_year(value: int | None) -> None:
    if value is not None and not BIRTH_YEAR_MIN <= value <= timezone.localdate().year:
        raise ValidationError(birth_year_message(), code="birth_year_bounds")


# What a contact channel needs: (fields of which one must be filled, field that gets the error, message).
CHANNEL_NEEDS = {
    ContactChannel.SMS: (("mobile_phone",), "mobile_phone", "Le SMS demande un numéro de mobile."),
    ContactChannel.PHONE_CALL: (
        ("mobile_phone", "landline_phone"),
        "mobile_phone",
        "L'appel demande un numéro de téléphone.",
    ),
    ContactChannel.EMAIL: (("email",), "email", "Le contact par e-mail demande une adresse e-mail."),
    ContactChannel.LETTER: (("postal_address",), "postal_address", "Le courrier demande une adresse postale."),
}


def record_errors(values, *, skip=(), named=True) -> dict[str, list[str]]:
    """Every fault of a person's record across fields, at once, each on its field: a name (first and last
    name, or a pseudonym), the birth-year bounds, what the preferred channel needs. `values` maps field names
    to cleaned values; fields in `skip` already have their own error and are not blamed again (a last name
    too long is not « missing »); `named=False` (an anonymised record) needs no name. Used by Beneficiary.clean
    and by the record form."""
    errors: dict[str, list[str]] = {}
    if named and not values.get("pseudonym") and "pseudonym" not in skip:
        for field, word in (("first_name", "le prénom"), ("last_name", "le nom")):
            if field not in skip and not values.get(field):
                errors[field] = [f"Indiquez {word}, ou un pseudonyme si la personne le préfère."]
    if "birth_year" not in skip:
        try:
            validate_birth_year(values.get("birth_year"))
        except ValidationError as error:
            errors["birth_year"] = error.messages
    needs = CHANNEL_NEEDS.get(values.get("preferred_channel"))
    if needs:
        fields, field, message = needs
        if not set(fields) & set(skip) and not any(values.get(name) for name in fields):
            errors.setdefault(field, []).append(message)
    return errors


def normalize_phone(value: str) -> str:
    """'06 12-34.56 78' → '0612345678'; '+33 6 12 34 56 78' → '0612345678'; other countries keep '+'."""
    value = re.sub(r"[\s.\-()]", "", value or "")
    if value.startswith("0033"):
        value = "+" + value[2:]
    if value.startswith("+33") and len(value) == 12:
        value = "0" + value[3:]
    return value


def name_key(*parts: str) -> str:
    """Words of the name, accents and case removed, sorted: 'Jean-Pierre DUPONT' == 'dupont jean pierre'."""
    return " ".join(sorted(normalize_search(" ".join(p for p in parts if p)).split()))


def age_band(birth_year: int | None, *, today: datetime.date | None = None) -> str:
    """Coop age band from a birth year (age reached during the current year)."""
    if not birth_year:
        return AgeBand.UNDISCLOSED
    age = (today or timezone.localdate()).year - birth_year
    if age >= 70:
        return AgeBand.SEVENTY_PLUS
    if age >= 60:
        return AgeBand.SIXTY_SIXTY_NINE
    if age >= 40:
        return AgeBand.FORTY_FIFTY_NINE
    if age >= 25:
        return AgeBand.TWENTY_FIVE_THIRTY_NINE
    if age >= 18:
        return AgeBand.EIGHTEEN_TWENTY_FOUR
    if age >= 12:
        return AgeBand.TWELVE_SEVENTEEN
    return AgeBand.UNDER_TWELVE


class BeneficiaryQuerySet(models.QuerySet):
    def active(self):
        """Records in use: neither anonymised (deleted) nor merged into another record."""
        return self.filter(anonymised_at__isnull=True, merged_into__isnull=True)

    def not_merged(self):
        """Every person once (statistics): anonymised records count, merged duplicates do not."""
        return self.filter(merged_into__isnull=True)

    def search(self, text: str):
        text = text.strip()
        if not text:
            return self
        digits = normalize_phone(text)
        if digits.lstrip("+").isdigit() and len(digits) >= 6:
            return self.filter(models.Q(mobile_phone__contains=digits) | models.Q(landline_phone__contains=digits))
        if "@" in text:
            return self.filter(email__iexact=text)
        query = models.Q()
        for word in normalize_search(text).split():
            query &= models.Q(name_key__contains=word)
        return self.filter(query)

    def duplicates_of(
        self,
        *,
        first_name: str = "",
        last_name: str = "",
        pseudonym: str = "",
        birth_year: int | None = None,
        commune_id: str | None = None,
        phones: tuple[str, ...] = (),
        email: str = "",
    ):
        """Active records that look like the same person: same name + birth year + commune, or same phone/e-mail."""
        terms = []
        key = name_key(pseudonym) if pseudonym and not (first_name or last_name) else name_key(first_name, last_name)
        if key and birth_year and commune_id:
            terms.append(models.Q(name_key=key, birth_year=birth_year, commune_id=commune_id))
        for phone in {normalize_phone(p) for p in phones if p}:
            terms += [models.Q(mobile_phone=phone), models.Q(landline_phone=phone)]
        if email:
            terms.append(models.Q(email__iexact=email.strip()))
        if not terms:
            return self.none()
        return self.active().filter(functools.reduce(operator.or_, terms))


class Beneficiary(models.Model):
    first_name = models.CharField("prénom", max_length=100, blank=True)
    last_name = models.CharField("nom", max_length=100, blank=True)
    pseudonym = models.CharField(
        "pseudonyme",
        max_length=100,
        blank=True,
        help_text="Si la personne préfère ne pas donner son nom : un prénom d'usage ou un surnom suffit.",
    )
    name_key = models.CharField(max_length=220, blank=True, db_index=True, editable=False)
    birth_year = models.PositiveSmallIntegerField("année de naissance", null=True, blank=True)
    age_band = models.CharField(
        "tranche d'âge", max_length=30, choices=AgeBand.choices, default=AgeBand.UNDISCLOSED, editable=False
    )
    commune = models.ForeignKey(
        Commune, on_delete=models.PROTECT, null=True, blank=True, related_name="beneficiaries", verbose_name="commune"
    )
    mobile_phone = models.CharField("téléphone mobile", max_length=16, blank=True, validators=[PHONE_VALIDATOR])
    landline_phone = models.CharField("téléphone fixe", max_length=16, blank=True, validators=[PHONE_VALIDATOR])
    email = models.EmailField("adresse e-mail", blank=True)
    postal_address = models.TextField("adresse postale", blank=True)
    preferred_channel = models.CharField(
        "moyen de contact préféré", max_length=10, choices=ContactChannel.choices, blank=True
    )
    gender = models.CharField("genre", max_length=20, choices=Gender.choices, default=Gender.UNDISCLOSED)
    social_status = models.CharField(
        "statut social", max_length=20, choices=SocialStatus.choices, default=SocialStatus.UNDISCLOSED
    )
    organisation = models.ForeignKey(
        Organisation,
        on_delete=models.PROTECT,
        related_name="beneficiaries",
        verbose_name="organisation",
        db_index=False,  # first column of the indexes below
    )
    site = models.ForeignKey(
        Site,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="beneficiaries",
        verbose_name="lieu de suivi",
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="créée par",
    )
    created_at = models.DateTimeField("créée le", default=timezone.now, editable=False)
    updated_at = models.DateTimeField("modifiée le", auto_now=True)
    anonymised_at = models.DateTimeField("anonymisée le", null=True, blank=True, editable=False)
    # The latest "contact" consent is a refusal: no message is sent (kept by services.consent_record).
    contact_refused = models.BooleanField("refuse d'être contactée", default=False, editable=False)
    merged_into = models.ForeignKey(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="merged_records",
        editable=False,
        verbose_name="fusionnée dans",
    )

    objects = BeneficiaryQuerySet.as_manager()

    class Meta:
        verbose_name = "personne accompagnée"
        verbose_name_plural = "personnes accompagnées"
        ordering = ["last_name", "first_name", "pseudonym", "pk"]
        indexes = [
            models.Index(fields=["organisation", "site"]),
            # The look-alike search (duplicates_of) inside one organisation: each of its terms is an index
            # lookup, so that a booking by phone stays fast with hundreds of thousands of people.
            models.Index(fields=["organisation", "mobile_phone"], name="beneficiary_org_mobile"),
            models.Index(fields=["organisation", "landline_phone"], name="beneficiary_org_landline"),
            models.Index("organisation", Upper("email"), name="beneficiary_org_email"),
            models.Index(fields=["organisation", "name_key"], name="beneficiary_org_name_key"),
        ]

    def __str__(self):
        return self.display_name

    def save(self, *args, **kwargs):
        if self.anonymised_at is None:
            self.name_key = name_key(self.first_name, self.last_name) or name_key(self.pseudonym)
            self.age_band = age_band(self.birth_year)
        super().save(*args, **kwargs)

    @property
    def display_name(self) -> str:
        if self.anonymised_at:
            return ANONYMOUS_LABEL
        full = f"{self.first_name} {self.last_name}".strip()
        if self.pseudonym:
            return f"{self.pseudonym} (pseudonyme)" if not full else f"{full} « {self.pseudonym} »"
        return full

    @property
    def greeting_name(self) -> str:
        """What the person is called on documents addressed to them."""
        return self.pseudonym or self.first_name or self.last_name

    @property
    def is_active(self) -> bool:
        return self.anonymised_at is None and self.merged_into_id is None

    def clean_fields(self, exclude=None):
        # Normalise before the field validators run (phone format, blank names).
        for field in ("first_name", "last_name", "pseudonym", "email", "postal_address"):
            setattr(self, field, (getattr(self, field) or "").strip())
        self.mobile_phone = normalize_phone(self.mobile_phone)
        self.landline_phone = normalize_phone(self.landline_phone)
        super().clean_fields(exclude=exclude)

    def clean(self):
        """All the record's faults in one ValidationError (field errors of clean_fields are left out)."""
        super().clean()
        values = {name: getattr(self, name) for name in RECORD_FIELDS}
        errors = record_errors(values, named=self.anonymised_at is None)
        if self.site_id and self.site.organisation_id and self.site.organisation_id != self.organisation_id:
            errors.setdefault("site", []).append("Ce lieu n'appartient pas à l'organisation qui suit la personne.")
        if errors:
            raise ValidationError(errors)


RECORD_FIELDS = (
    "first_name",
    "last_name",
    "pseudonym",
    "birth_year",
    "preferred_channel",
    "mobile_phone",
    "landline_phone",
    "email",
    "postal_address",
)


class Consent(models.Model):
    """One answer of the person to one consent question, with the exact text version shown to them."""

    beneficiary = models.ForeignKey(Beneficiary, on_delete=models.CASCADE, related_name="consents")
    kind = models.CharField("objet", max_length=30, choices=ConsentKind.choices)
    given = models.BooleanField("accordé", help_text="Non coché : la personne refuse ou retire son accord.")
    text_version = models.CharField("version du texte", max_length=20)
    recorded_at = models.DateTimeField("enregistré le", default=timezone.now)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="recueilli par",
        help_text="Vide : accord donné par la personne elle-même, en ligne.",
    )

    class Meta:
        verbose_name = "consentement"
        ordering = ["-recorded_at", "-pk"]

    def __str__(self):
        return f"{self.get_kind_display()} : {'oui' if self.given else 'non'} ({self.text_version})"


class JournalEntry(models.Model):
    """What happened to a record (creation, consent, merge, anonymisation). Append-only in code.

    `details` never holds names or contacts, so the journal survives anonymisation intact.
    """

    beneficiary = models.ForeignKey(Beneficiary, on_delete=models.PROTECT, related_name="journal")
    action = models.CharField("action", max_length=20, choices=JournalAction.choices)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+", verbose_name="par"
    )
    at = models.DateTimeField("le", default=timezone.now)
    details = models.JSONField("détails", default=dict, blank=True)

    class Meta:
        verbose_name = "entrée du journal"
        verbose_name_plural = "journal des fiches"
        ordering = ["-at", "-pk"]

    def __str__(self):
        return f"{self.get_action_display()} — {self.at:%d/%m/%Y %H:%M}"


class AccessLogQuerySet(models.QuerySet):
    def refused(self):
        return self.filter(granted=False)


class AccessLog(models.Model):
    """Every showing of a person's identity or contact data (their record, a session list, a call list, a
    letter…), by whom, for what, and whether it was allowed. Written by tremplin.beneficiaries.disclosure only."""

    beneficiary = models.ForeignKey(Beneficiary, on_delete=models.PROTECT, related_name="access_logs")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    at = models.DateTimeField("le", default=timezone.now, db_index=True)
    purpose = models.CharField("objet", max_length=20, choices=AccessPurpose.choices)
    # What the screen was about ("séance n° 12 du 03/12/2026"): never a name or a contact.
    about = models.CharField("à propos de", max_length=200, blank=True)
    granted = models.BooleanField("autorisé", default=True)

    objects = AccessLogQuerySet.as_manager()

    class Meta:
        verbose_name = "consultation"
        verbose_name_plural = "journal des consultations"
        ordering = ["-at", "-pk"]

    def __str__(self):
        return f"{self.user} — {self.get_purpose_display()} — {self.at:%d/%m/%Y %H:%M}"
