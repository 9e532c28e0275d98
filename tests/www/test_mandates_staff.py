"""Mandate screens as the organisation's staff use them: identity, categories, signature, démarche under a fresh
second factor, revocation and receipt, renewal, transfer; scoping by organisation and role; query bounds."""

from datetime import timedelta

import pytest
import time_machine
from django.urls import reverse
from django.utils import timezone
from django_otp.plugins.otp_totp.models import TOTPDevice

from tests.accounts.otp import mark_verified
from tests.beneficiaries.factories import BeneficiaryFactory
from tests.factories import OrganisationFactory, SiteFactory, UserFactory
from tests.mandates.factories import MandateFactory, habilitated_mediator
from tremplin.accounts import second_factor
from tremplin.accounts.enums import Role
from tremplin.beneficiaries.enums import AccessPurpose
from tremplin.beneficiaries.models import AccessLog
from tremplin.mandates import journal
from tremplin.mandates.enums import Category, IdentityDocument, Status
from tremplin.mandates.models import IdentityCheck, Mandate, MandateUse

pytestmark = pytest.mark.django_db


@pytest.fixture
def org():
    return OrganisationFactory(la_poste=True)


@pytest.fixture
def mediator(org):
    return habilitated_mediator(site=SiteFactory(organisation=org))


@pytest.fixture
def person(mediator):
    site = mediator.sites.get()
    return BeneficiaryFactory(site=site, organisation=site.organisation, last_name="Durandal")


def signed_in(client, user, *, fresh=True):
    client.force_login(user)
    device = TOTPDevice.objects.filter(user=user, confirmed=True).first()
    if device:
        mark_verified(client, device)
        if fresh:
            session = client.session
            session[second_factor.SESSION_VERIFIED_AT] = timezone.now().isoformat()
            session.save()
    return client


def test_the_whole_flow_from_the_persons_page(client, mediator, person):
    signed_in(client, mediator)
    page = client.get(reverse("beneficiaries:detail", args=[person.pk]))
    assert "Préparer un mandat avec la personne" in page.content.decode()

    create_url = reverse("mandates:create", args=[person.pk])
    step1 = client.get(create_url).content.decode()
    assert "Étape 1 sur 3" in step1 and "pas configuré sur cette plateforme" in step1
    answer = client.post(
        reverse("mandates:identity_document", args=[person.pk]), {"document": IdentityDocument.ID_CARD}
    )
    check = IdentityCheck.objects.get()
    assert answer.url == f"{create_url}?verification={check.pk}"
    step2 = client.get(answer.url).content.decode()
    assert "Étape 2 sur 3" in step2
    answer = client.post(answer.url, {"categories": [Category.HOUSING, Category.MONEY], "duration": "six_mois"})
    mandate = Mandate.objects.get()
    assert answer.url == reverse("mandates:sign", args=[mandate.pk])
    pdf = client.get(reverse("mandates:attestation_pdf", args=[mandate.pk]))
    assert pdf["Content-Type"] == "application/pdf" and pdf.content.startswith(b"%PDF")
    assert AccessLog.objects.filter(beneficiary=person, purpose=AccessPurpose.MANDATE_PDF).exists()

    answer = client.post(
        reverse("mandates:sign", args=[mandate.pk]), {"method": "papier", "signed_in_front_of_me": "on"}
    )
    assert answer.status_code == 302
    mandate.refresh_from_db()
    assert mandate.is_valid() and len(mandate.signed_document_sha256) == 64

    detail = client.get(reverse("mandates:detail", args=[mandate.pk])).content.decode()
    assert "Valable" in detail and "Durandal" in detail and mandate.verification_code in detail
    answer = client.post(
        reverse("mandates:use", args=[mandate.pk]),
        {"category": Category.HOUSING, "procedure": "Demande d'APL sur caf.fr", "outcome": "faite"},
    )
    assert answer.status_code == 302
    assert MandateUse.objects.get().procedure == "Demande d'APL sur caf.fr"
    page = client.get(reverse("beneficiaries:detail", args=[person.pk])).content.decode()
    assert "Demande d&#x27;APL sur caf.fr" in page

    answer = client.post(reverse("mandates:revoke", args=[mandate.pk]), {"on_behalf_of": "personne", "reason": ""})
    mandate.refresh_from_db()
    assert mandate.status == Status.REVOKED
    receipt = client.get(reverse("mandates:receipt_pdf", args=[mandate.pk]))
    assert receipt.content.startswith(b"%PDF")
    assert journal.verify().intact


def test_signature_without_the_tick_is_refused_and_nothing_changes(client, mediator, person):
    signed_in(client, mediator)
    mandate = MandateFactory(awaiting=True, beneficiary=person, created_by=mediator)
    answer = client.post(reverse("mandates:sign", args=[mandate.pk]), {"method": "papier"})
    assert answer.status_code == 200
    assert "Ce champ est obligatoire" in answer.content.decode()
    mandate.refresh_from_db()
    assert mandate.status == Status.AWAITING_SIGNATURE


def test_a_scan_that_is_not_a_document_is_refused(client, mediator, person):
    from django.core.files.uploadedfile import SimpleUploadedFile

    signed_in(client, mediator)
    mandate = MandateFactory(awaiting=True, beneficiary=person, created_by=mediator)
    scan = SimpleUploadedFile("mandat.exe", b"MZ\x90\x00 not a pdf", content_type="application/pdf")
    answer = client.post(
        reverse("mandates:sign", args=[mandate.pk]), {"method": "papier", "signed_in_front_of_me": "on", "scan": scan}
    )
    assert "ni un PDF" in answer.content.decode()
    mandate.refresh_from_db()
    assert mandate.status == Status.AWAITING_SIGNATURE


def test_acting_asks_for_a_fresh_code_first(client, mediator, person):
    mandate = MandateFactory(beneficiary=person, categories=[Category.HOUSING])
    signed_in(client, mediator, fresh=False)
    url = reverse("mandates:use", args=[mandate.pk])
    answer = client.get(url)
    assert answer.status_code == 302 and answer.url == second_factor.reverify_url(url)
    signed_in(client, mediator)
    assert client.get(url).status_code == 200
    with time_machine.travel(timezone.now() + timedelta(minutes=16)):
        assert client.get(url).url.startswith(reverse("accounts:reverify"))
        answer = client.post(url, {"category": Category.HOUSING, "procedure": "CAF", "outcome": "faite"})
        assert answer.status_code == 302 and not MandateUse.objects.exists()


def test_a_mediator_without_habilitation_sees_why_and_cannot_prepare(client, person, org):
    colleague = UserFactory(role=Role.MEDIATOR, organisation=org, sites=[person.site])
    client.force_login(colleague)
    page = client.get(reverse("beneficiaries:detail", args=[person.pk])).content.decode()
    assert "Préparer un mandat avec la personne" not in page
    page = client.get(reverse("mandates:create", args=[person.pk])).content.decode()
    assert "Vous ne pouvez pas préparer ce mandat" in page
    answer = client.post(reverse("mandates:identity_document", args=[person.pk]), {"document": "cni"})
    assert not IdentityCheck.objects.exists()
    assert answer.status_code == 302


@pytest.mark.parametrize("role", [Role.MEDIATOR, Role.COORDINATOR, Role.NATIONAL_MANAGER, Role.PARTNER_STAFF])
def test_another_organisations_staff_never_reach_the_mandate(client, person, role):
    mandate = MandateFactory(beneficiary=person)
    client.force_login(UserFactory(role=role, organisation=OrganisationFactory()))
    for name in ("detail", "attestation_pdf", "sign", "use", "transfer"):
        assert client.get(reverse(f"mandates:{name}", args=[mandate.pk])).status_code == 404, name
    assert client.post(reverse("mandates:revoke", args=[mandate.pk]), {"on_behalf_of": "personne"}).status_code == 404
    assert mandate.verification_code not in client.get(reverse("mandates:list")).content.decode()
    mandate.refresh_from_db()
    assert mandate.status == Status.SIGNED


def test_counter_agents_have_no_mandate_menu_and_see_no_mandate(client, person, org):
    agent = UserFactory(role=Role.COUNTER_AGENT, organisation=org, sites=[person.site])
    client.force_login(agent)
    page = client.get(reverse("beneficiaries:detail", args=[person.pk])).content.decode()
    assert reverse("mandates:list") not in page
    assert "Mandats et démarches" not in page


def test_coordinator_of_the_organisation_revokes_one_category(client, person, org):
    mandate = MandateFactory(beneficiary=person, categories=[Category.HOUSING, Category.JUSTICE])
    coordinator = UserFactory(role=Role.COORDINATOR, organisation=org, departements=[person.site.commune.departement])
    client.force_login(coordinator)
    justice = mandate.authorisations.get(category=Category.JUSTICE)
    answer = client.post(
        reverse("mandates:authorisation_revoke", args=[mandate.pk, justice.pk]), {"on_behalf_of": "personne"}
    )
    assert answer.status_code == 302
    justice.refresh_from_db()
    mandate.refresh_from_db()
    assert justice.revoked_at and mandate.is_valid()
    detail = client.get(reverse("mandates:detail", args=[mandate.pk])).content.decode()
    assert reverse("mandates:receipt_pdf", args=[mandate.pk]) in detail
    assert reverse("mandates:use", args=[mandate.pk]) not in detail  # not habilitated: no démarche button


def test_renewal_prefills_and_replaces_once_signed(client, mediator, person):
    old = MandateFactory(beneficiary=person, categories=[Category.HOUSING])
    signed_in(client, mediator)
    detail = client.get(reverse("mandates:detail", args=[old.pk])).content.decode()
    renew_url = f"{reverse('mandates:create', args=[person.pk])}?renouvelle={old.pk}"
    assert renew_url.replace("&", "&amp;") in detail or renew_url in detail
    answer = client.post(
        reverse("mandates:identity_document", args=[person.pk]), {"document": "passeport", "renouvelle": old.pk}
    )
    assert f"renouvelle={old.pk}" in answer.url
    form = client.get(answer.url).content.decode()
    assert 'value="logement" checked' in form.replace('checked=""', "checked") or "checked" in form
    client.post(answer.url, {"categories": [Category.HOUSING], "duration": "douze_mois"})
    renewal = Mandate.objects.get(renews=old)
    client.post(reverse("mandates:sign", args=[renewal.pk]), {"method": "papier", "signed_in_front_of_me": "on"})
    old.refresh_from_db()
    renewal.refresh_from_db()
    assert renewal.is_valid() and old.status == Status.RENEWED


def test_transfer_screen_moves_the_person_out_of_sight(client, mediator, person):
    mandate = MandateFactory(beneficiary=person)
    target = OrganisationFactory(name="Association Clic Solidaire")
    signed_in(client, mediator)
    answer = client.post(
        reverse("mandates:transfer", args=[mandate.pk]), {"to_organisation": target.pk, "person_agreed": "on"}
    )
    assert answer.status_code == 302
    assert client.get(reverse("beneficiaries:detail", args=[person.pk])).status_code == 404
    assert client.get(reverse("mandates:detail", args=[mandate.pk])).status_code == 404
    assert Mandate.objects.valid().get(beneficiary=person).organisation == target


def test_list_and_detail_query_bounds(client, mediator, person, django_assert_max_num_queries):
    for _ in range(6):
        MandateFactory(beneficiary=BeneficiaryFactory(site=person.site, organisation=person.organisation))
    mandate = MandateFactory(beneficiary=person)
    signed_in(client, mediator)
    with django_assert_max_num_queries(14):
        page = client.get(reverse("mandates:list"))
    assert page.content.decode().count("fr-badge--success") == 7
    with django_assert_max_num_queries(18):
        client.get(reverse("mandates:detail", args=[mandate.pk]))
    with django_assert_max_num_queries(30):
        client.get(reverse("beneficiaries:detail", args=[person.pk]))


def test_opening_the_mandate_form_journals_one_showing(client, mediator, person):
    signed_in(client, mediator)
    client.get(reverse("mandates:create", args=[person.pk]))
    assert AccessLog.objects.filter(beneficiary=person, purpose=AccessPurpose.MANDATE).count() == 1
