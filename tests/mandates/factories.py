"""Factories for mandates: habilitated mediators (with a confirmed second factor), identity checks, mandates with
named traits (`MandateFactory(expired=True)`), built as rows; lifecycle tests go through the services."""

from datetime import timedelta

import factory
from django.utils import timezone
from django_otp.plugins.otp_totp.models import TOTPDevice

from tests.beneficiaries.factories import BeneficiaryFactory
from tests.factories import OrganisationFactory, SiteFactory, UserFactory
from tremplin.accounts.enums import Role
from tremplin.mandates.enums import Category, Duration, HabilitationStatus, IdentityDocument, IdentityMethod, Status
from tremplin.mandates.models import Authorisation, Habilitation, IdentityCheck, Mandate
from tremplin.mandates.services import new_verification_code
from tremplin.mandates.texts import text_in_force


def habilitated(user, *, device: bool = True):
    """Make `user` a habilitated mediator with a confirmed TOTP device (what acting for someone needs)."""
    Habilitation.objects.update_or_create(
        user=user, defaults={"status": HabilitationStatus.HABILITATED, "status_changed_at": timezone.now()}
    )
    if device:
        TOTPDevice.objects.get_or_create(user=user, name="Téléphone", defaults={"confirmed": True})
    user.last_login = timezone.now()
    user.save(update_fields=["last_login"])
    return user


def habilitated_mediator(*, site=None, organisation=None, device: bool = True):
    site = site or SiteFactory(organisation=organisation or OrganisationFactory(la_poste=True))
    user = UserFactory(role=Role.MEDIATOR, organisation=organisation or site.organisation, sites=[site])
    return habilitated(user, device=device)


class IdentityCheckFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = IdentityCheck

    beneficiary = factory.SubFactory(BeneficiaryFactory)
    organisation = factory.LazyAttribute(lambda o: o.beneficiary.organisation)
    method = IdentityMethod.DOCUMENT
    document = IdentityDocument.ID_CARD
    checked_by = factory.LazyAttribute(lambda o: UserFactory(role=Role.MEDIATOR, organisation=o.organisation))


class MandateFactory(factory.django.DjangoModelFactory):
    """A signed, valid one-year mandate by default; traits: awaiting, expired, revoked, expiring_soon."""

    class Meta:
        model = Mandate
        skip_postgeneration_save = True

    beneficiary = factory.SubFactory(BeneficiaryFactory)
    organisation = factory.LazyAttribute(lambda o: o.beneficiary.organisation)
    duration = Duration.YEAR
    status = Status.SIGNED
    text_version = factory.LazyFunction(lambda: text_in_force(timezone.localdate()).version)
    text = factory.LazyFunction(lambda: text_in_force(timezone.localdate()).body)
    text_sha256 = factory.LazyFunction(lambda: text_in_force(timezone.localdate()).sha256)
    verification_code = factory.LazyFunction(new_verification_code)
    identity_check = factory.LazyAttribute(
        lambda o: IdentityCheckFactory(beneficiary=o.beneficiary, organisation=o.organisation)
    )
    created_by = factory.LazyAttribute(lambda o: o.identity_check.checked_by)
    signature_method = "papier"
    signed_document_sha256 = "a" * 64
    starts_at = factory.LazyFunction(lambda: timezone.now() - timedelta(days=10))
    ends_at = factory.LazyAttribute(lambda o: o.starts_at + timedelta(days=365))

    class Params:
        awaiting = factory.Trait(
            status=Status.AWAITING_SIGNATURE,
            starts_at=None,
            ends_at=None,
            signature_method="",
            signed_document_sha256="",
        )
        expired = factory.Trait(
            status=Status.EXPIRED,
            starts_at=factory.LazyFunction(lambda: timezone.now() - timedelta(days=400)),
            ended_at=factory.LazyAttribute(lambda o: o.ends_at),
        )
        revoked = factory.Trait(
            status=Status.REVOKED, ended_at=factory.LazyFunction(timezone.now), revoked_on_behalf_of="personne"
        )
        expiring_soon = factory.Trait(
            starts_at=factory.LazyFunction(lambda: timezone.now() - timedelta(days=350)),
        )

    @factory.post_generation
    def categories(self, create, extracted, **kwargs):
        if create:
            chosen = extracted or [Category.HOUSING, Category.MONEY]
            Authorisation.objects.bulk_create([Authorisation(mandate=self, category=c) for c in chosen])
