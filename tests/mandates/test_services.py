"""Mandate lifecycle through the services: validity over time, categories, renewal rules, revocation, organisation
boundaries, habilitation gates, second-factor freshness, expiry and its warning, transfer; each writes the journal."""

from datetime import timedelta

import pytest
import time_machine
from django.core import mail
from django.core.exceptions import ValidationError
from django.utils import timezone

from tests.beneficiaries.factories import BeneficiaryFactory
from tests.factories import OrganisationFactory, SiteFactory, UserFactory
from tests.mandates.factories import MandateFactory, habilitated, habilitated_mediator
from tremplin.accounts.enums import Role
from tremplin.accounts.models import Membership, User
from tremplin.mandates import journal, services
from tremplin.mandates.enums import (
    Category,
    Duration,
    HabilitationStatus,
    IdentityDocument,
    IdentityMethod,
    JournalAction,
    Outcome,
    RevocationBy,
    SignatureMethod,
    Status,
)
from tremplin.mandates.models import Habilitation, JournalEntry, Mandate, MandateUse

pytestmark = pytest.mark.django_db
HASH = "b" * 64


@pytest.fixture
def setting():
    site = SiteFactory(organisation=OrganisationFactory(la_poste=True))
    mediator = habilitated_mediator(site=site)
    person = BeneficiaryFactory(site=site, organisation=site.organisation)
    return mediator, person


def check_for(mediator, person):
    return services.identity_check_record(
        beneficiary=person,
        organisation=person.organisation,
        method=IdentityMethod.DOCUMENT,
        document=IdentityDocument.PASSPORT,
        by=mediator,
    )


def prepared(mediator, person, categories=(Category.HOUSING, Category.MONEY), duration=Duration.YEAR):
    return services.mandate_create(
        beneficiary=person,
        organisation=person.organisation,
        categories=categories,
        duration=duration,
        identity_check=check_for(mediator, person),
        by=mediator,
    )


def signed(mediator, person, **kwargs):
    mandate = prepared(mediator, person, **kwargs)
    return services.mandate_sign(mandate=mandate, method=SignatureMethod.PAPER, document_sha256=HASH, by=mediator)


def actions(mandate):
    return list(JournalEntry.objects.filter(mandate=mandate).values_list("action", flat=True))


def test_prepared_mandate_is_not_valid_until_signed_then_valid_for_its_duration(setting):
    mediator, person = setting
    mandate = prepared(mediator, person)
    assert mandate.status == Status.AWAITING_SIGNATURE and not mandate.is_valid()
    assert mandate.text_version and mandate.text and len(mandate.text_sha256) == 64
    mandate = services.mandate_sign(mandate=mandate, method=SignatureMethod.PAPER, document_sha256=HASH, by=mediator)
    assert mandate.is_valid()
    assert Mandate.objects.valid().filter(pk=mandate.pk).exists()
    assert mandate.ends_at - mandate.starts_at == timedelta(days=365)
    assert not mandate.is_valid(mandate.ends_at)
    assert not Mandate.objects.valid(mandate.ends_at + timedelta(seconds=1)).filter(pk=mandate.pk).exists()
    assert actions(mandate) == [
        JournalAction.MANDATE_CREATED,
        JournalAction.CONSENT_SIGNED,
        JournalAction.AUTHORISATION_GRANTED,
        JournalAction.AUTHORISATION_GRANTED,
    ]
    assert journal.verify().intact


def test_one_day_mandate_ends_at_local_midnight(setting):
    mediator, person = setting
    with time_machine.travel("2026-12-01 09:30 +01:00", tick=False):
        mandate = signed(mediator, person, duration=Duration.DAY)
        assert timezone.localtime(mandate.ends_at).isoformat() == "2026-12-02T00:00:00+01:00"


def test_categories_are_checked(setting):
    mediator, person = setting
    with pytest.raises(ValidationError, match="au moins une catégorie"):
        prepared(mediator, person, categories=[])
    with pytest.raises(ValidationError, match="inconnue"):
        prepared(mediator, person, categories=["piratage"])
    signed(mediator, person, categories=[Category.HOUSING])
    with pytest.raises(ValidationError, match="couvre déjà : Logement"):
        prepared(mediator, person, categories=[Category.HOUSING, Category.JUSTICE])


def test_signature_refused_after_a_day_and_once_signed(setting):
    mediator, person = setting
    mandate = prepared(mediator, person)
    with (
        time_machine.travel(timezone.now() + timedelta(days=2)),
        pytest.raises(ValidationError, match="plus d'un jour"),
    ):
        services.mandate_sign(mandate=mandate, method=SignatureMethod.PAPER, document_sha256=HASH, by=mediator)
    services.mandate_sign(mandate=mandate, method=SignatureMethod.PAPER, document_sha256=HASH, by=mediator)
    with pytest.raises(ValidationError, match="n'attend plus"):
        services.mandate_sign(mandate=mandate, method=SignatureMethod.PAPER, document_sha256=HASH, by=mediator)


def test_identity_must_be_checked_recently_for_this_person(setting):
    mediator, person = setting
    other = BeneficiaryFactory(site=person.site, organisation=person.organisation)
    check = check_for(mediator, other)
    with pytest.raises(ValidationError, match="Vérifiez l'identité"):
        services.mandate_create(
            beneficiary=person,
            organisation=person.organisation,
            categories=[Category.HOUSING],
            duration=Duration.DAY,
            identity_check=check,
            by=mediator,
        )
    check = check_for(mediator, person)
    with time_machine.travel(timezone.now() + timedelta(hours=3)), pytest.raises(ValidationError, match="Vérifiez"):
        services.mandate_create(
            beneficiary=person,
            organisation=person.organisation,
            categories=[Category.HOUSING],
            duration=Duration.DAY,
            identity_check=check,
            by=mediator,
        )
    with pytest.raises(ValidationError, match="pièce d'identité"):
        services.identity_check_record(
            beneficiary=person, organisation=person.organisation, method=IdentityMethod.DOCUMENT, by=mediator
        )


def test_franceconnect_subject_is_kept_only_as_a_hash(setting):
    mediator, person = setting
    check = services.identity_check_record(
        beneficiary=person,
        organisation=person.organisation,
        method=IdentityMethod.FRANCECONNECT,
        franceconnect_subject="sub-123",
        by=mediator,
    )
    assert check.franceconnect_subject_sha256 and "sub-123" not in check.franceconnect_subject_sha256
    assert "sub-123" not in str(JournalEntry.objects.last().details)


@pytest.mark.parametrize(
    "change, message",
    [
        (lambda user: Habilitation.objects.filter(user=user).update(status=HabilitationStatus.SUSPENDED), None),
        (lambda user: Habilitation.objects.filter(user=user).update(status=HabilitationStatus.IN_TRAINING), None),
        (lambda user: user.totpdevice_set.all().delete(), None),
    ],
    ids=["suspended", "in-training", "no-second-factor"],
)
def test_only_habilitated_mediators_with_a_second_factor_prepare_mandates(setting, change, message):
    mediator, person = setting
    change(mediator)
    mediator = User.objects.get(pk=mediator.pk)  # as the next request loads it
    with pytest.raises(ValidationError):
        prepared(mediator, person)
    assert not Mandate.objects.exists()


def test_organisation_boundaries(setting):
    mediator, person = setting
    mandate = signed(mediator, person)
    outsider = habilitated_mediator(organisation=OrganisationFactory())  # another organisation
    with pytest.raises(ValidationError, match="ne travaillez pas pour"):
        services.mandate_use(
            mandate=mandate,
            category=Category.HOUSING,
            procedure="CAF",
            outcome=Outcome.DONE,
            by=outsider,
            second_factor_at=timezone.now(),
        )
    # A mediator who also works for this organisation (Membership) may use it, inside it.
    Membership.objects.create(user=outsider, organisation=mandate.organisation)
    use = services.mandate_use(
        mandate=mandate,
        category=Category.HOUSING,
        procedure="Aide au logement",
        outcome=Outcome.DONE,
        by=outsider,
        second_factor_at=timezone.now(),
    )
    assert use.organisation_id == mandate.organisation_id


def test_use_needs_a_valid_mandate_the_category_and_a_fresh_second_factor(setting):
    mediator, person = setting
    mandate = signed(mediator, person, categories=[Category.HOUSING])
    now = timezone.now()
    kwargs = {"mandate": mandate, "procedure": "Demande d'APL sur caf.fr", "outcome": Outcome.DONE, "by": mediator}
    with pytest.raises(ValidationError, match="ne couvre pas"):
        services.mandate_use(category=Category.JUSTICE, second_factor_at=now, **kwargs)
    with pytest.raises(ValidationError, match="15 minutes"):
        services.mandate_use(category=Category.HOUSING, second_factor_at=now - timedelta(minutes=16), **kwargs)
    with pytest.raises(ValidationError, match="15 minutes"):
        services.mandate_use(category=Category.HOUSING, second_factor_at=None, **kwargs)
    use = services.mandate_use(category=Category.HOUSING, second_factor_at=now - timedelta(minutes=14), **kwargs)
    assert (use.mediator, use.category, use.outcome) == (mediator, Category.HOUSING, Outcome.DONE)
    assert actions(mandate)[-1] == JournalAction.MANDATE_USED
    with time_machine.travel(mandate.ends_at + timedelta(minutes=1)), pytest.raises(ValidationError, match="valable"):
        services.mandate_use(category=Category.HOUSING, second_factor_at=timezone.now(), **kwargs)
    assert MandateUse.objects.count() == 1


def test_revoking_one_category_then_the_last_revokes_the_mandate(setting):
    mediator, person = setting
    mandate = signed(mediator, person)
    housing, money = mandate.authorisations.order_by("category")
    services.authorisation_revoke(authorisation=money, by=mediator, on_behalf_of=RevocationBy.PERSON)
    mandate.refresh_from_db()
    assert mandate.is_valid()
    with pytest.raises(ValidationError, match="ne couvre pas"):
        services.mandate_use(
            mandate=mandate,
            category=money.category,
            procedure="Impôts",
            outcome=Outcome.DONE,
            by=mediator,
            second_factor_at=timezone.now(),
        )
    with pytest.raises(ValidationError, match="déjà révoquée"):
        services.authorisation_revoke(authorisation=money, by=mediator, on_behalf_of=RevocationBy.PERSON)
    services.authorisation_revoke(authorisation=housing, by=mediator, on_behalf_of=RevocationBy.ORGANISATION)
    mandate.refresh_from_db()
    assert mandate.status == Status.REVOKED and not mandate.is_valid()
    assert actions(mandate)[-3:] == [
        JournalAction.AUTHORISATION_REVOKED,
        JournalAction.AUTHORISATION_REVOKED,
        JournalAction.MANDATE_REVOKED,
    ]


def test_whole_revocation_by_a_coordinator_of_the_organisation(setting):
    mediator, person = setting
    mandate = signed(mediator, person)
    coordinator = UserFactory(role=Role.COORDINATOR, organisation=mandate.organisation)
    stranger = UserFactory(role=Role.COORDINATOR, organisation=OrganisationFactory())
    with pytest.raises(ValidationError):
        services.mandate_revoke(mandate=mandate, by=stranger, on_behalf_of=RevocationBy.ORGANISATION)
    services.mandate_revoke(mandate=mandate, by=coordinator, on_behalf_of=RevocationBy.PERSON, reason="Déménagement")
    mandate.refresh_from_db()
    assert (mandate.status, mandate.revocation_reason, mandate.ended_by) == (
        Status.REVOKED,
        "Déménagement",
        coordinator,
    )
    assert not mandate.authorisations.active().exists()
    with pytest.raises(ValidationError, match="rien à révoquer"):
        services.mandate_revoke(mandate=mandate, by=coordinator, on_behalf_of=RevocationBy.PERSON)


def test_renewal_rules(setting):
    mediator, person = setting
    old = signed(mediator, person)
    renewal = services.mandate_renew(mandate=old, identity_check=check_for(mediator, person), by=mediator)
    assert renewal.renews == old and renewal.status == Status.AWAITING_SIGNATURE
    assert sorted(renewal.authorisations.values_list("category", flat=True)) == sorted(
        old.authorisations.values_list("category", flat=True)
    )
    services.mandate_sign(mandate=renewal, method=SignatureMethod.TABLET, document_sha256=HASH, by=mediator)
    old.refresh_from_db()
    assert old.status == Status.RENEWED and not old.is_valid()
    assert services.renewal_block(old) == "Ce mandat a déjà été remplacé."
    # Revoked less than a year ago: may be renewed; more than a year ago: not.
    services.mandate_revoke(mandate=renewal, by=mediator, on_behalf_of=RevocationBy.PERSON)
    renewal.refresh_from_db()
    assert services.renewal_block(renewal) is None
    assert "plus d'un an" in services.renewal_block(renewal, now=timezone.now() + timedelta(days=366))
    # Expired more than a year ago: not.
    expired = MandateFactory(expired=True, beneficiary=person)
    assert expired.ends_at < timezone.now() - timedelta(days=30)
    assert services.renewal_block(expired, now=expired.ends_at + timedelta(days=364)) is None
    assert services.renewal_block(expired, now=expired.ends_at + timedelta(days=366)) is not None


def test_expiry_is_recorded_once_and_warning_sent_once_without_the_persons_name(setting, settings):
    mediator, person = setting
    mandate = signed(mediator, person)
    UserFactory(role=Role.MEDIATOR, organisation=mandate.organisation)  # not habilitated: not told
    with time_machine.travel(mandate.ends_at - timedelta(days=20)):
        assert services.mandates_warn_expiry() == 1
        assert services.mandates_warn_expiry() == 0
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.bcc == [mediator.email]
    assert mandate.verification_code in message.body
    assert person.last_name not in message.body + message.subject
    with time_machine.travel(mandate.ends_at + timedelta(minutes=1)):
        assert services.mandates_expire() == 1
        assert services.mandates_expire() == 0
    mandate.refresh_from_db()
    assert mandate.status == Status.EXPIRED
    assert actions(mandate)[-2:] == [JournalAction.EXPIRY_WARNED, JournalAction.MANDATE_EXPIRED]


def test_short_mandates_get_no_warning(setting):
    mediator, person = setting
    signed(mediator, person, duration=Duration.MONTH)
    with time_machine.travel(timezone.now() + timedelta(days=20)):
        assert services.mandates_warn_expiry() == 0


def test_transfer_moves_the_persons_valid_mandates_and_record(setting):
    mediator, person = setting
    first = signed(mediator, person, categories=[Category.HOUSING])
    second = signed(mediator, person, categories=[Category.JUSTICE, Category.MONEY])
    services.authorisation_revoke(
        authorisation=second.authorisations.get(category=Category.MONEY), by=mediator, on_behalf_of="personne"
    )
    target = OrganisationFactory()
    with pytest.raises(ValidationError, match="accord"):
        services.mandate_transfer(mandate=first, to_organisation=target, person_agreed=False, by=mediator)
    created = services.mandate_transfer(mandate=first, to_organisation=target, person_agreed=True, by=mediator)
    assert len(created) == 2
    assert {m.organisation_id for m in created} == {target.pk}
    assert sorted(c for m in created for c in m.authorisations.values_list("category", flat=True)) == [
        Category.JUSTICE,
        Category.HOUSING,
    ]
    assert all(m.is_valid() for m in created)
    first.refresh_from_db()
    second.refresh_from_db()
    assert first.status == second.status == Status.TRANSFERRED
    person.refresh_from_db()
    assert person.organisation == target and person.site is None
    # The old organisation's mediator no longer acts for the person.
    with pytest.raises(ValidationError, match="ne travaillez pas"):
        services.mandate_use(
            mandate=created[0],
            category=Category.HOUSING,
            procedure="CAF",
            outcome=Outcome.DONE,
            by=mediator,
            second_factor_at=timezone.now(),
        )
    assert journal.verify().intact


def test_cancel_only_before_signature(setting):
    mediator, person = setting
    mandate = prepared(mediator, person)
    services.mandate_cancel(mandate=mandate, by=mediator)
    mandate.refresh_from_db()
    assert mandate.status == Status.CANCELLED
    with pytest.raises(ValidationError):
        services.mandate_sign(mandate=mandate, method=SignatureMethod.PAPER, document_sha256=HASH, by=mediator)


def test_a_habilitation_lapse_blocks_acting(setting):
    mediator, person = setting
    mandate = signed(mediator, person)
    habilitated(mediator)
    Habilitation.objects.filter(user=mediator).update(status=HabilitationStatus.SUSPENDED)
    mediator = User.objects.get(pk=mediator.pk)
    with pytest.raises(ValidationError):
        services.mandate_use(
            mandate=mandate,
            category=Category.HOUSING,
            procedure="CAF",
            outcome=Outcome.DONE,
            by=mediator,
            second_factor_at=timezone.now(),
        )
