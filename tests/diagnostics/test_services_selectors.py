"""Diagnostic and screening services; progress and the count of people out of illectronisme."""

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from tests.beneficiaries.factories import BeneficiaryFactory, DiagnosticFactory, ScreeningFactory
from tests.factories import OrganisationFactory, UserFactory
from tremplin.beneficiaries import services as beneficiary_services
from tremplin.beneficiaries.models import Beneficiary
from tremplin.diagnostics import selectors, services
from tremplin.workshops import services as workshop_services

pytestmark = pytest.mark.django_db


def days_ago(n):
    return timezone.now() - datetime.timedelta(days=n)


def test_diagnostic_create_scores_and_keeps_the_version():
    workshop_services.seed_catalogue()
    person = BeneficiaryFactory()
    diagnostic = services.diagnostic_create(
        beneficiary=person,
        performed_by=UserFactory(mediator=True),
        internet_last_3_months=True,
        answers={"comm_email": True, "info_news": True, "content_spreadsheet": False},
        use_cases={"email": "partiellement_autonome"},
        equipment=["smartphone", "internet_home"],
    )
    assert (diagnostic.information, diagnostic.communication, diagnostic.content) == ("basic", "basic", "none")
    assert (diagnostic.overall, diagnostic.insee, diagnostic.recommended_level) == (
        "limited",
        "capacites_faibles",
        "debutant",  # the catalogue's only e-mail workshop is for beginners
    )
    assert diagnostic.answers == ["comm_email", "info_news"]
    assert (diagnostic.questionnaire_id, diagnostic.questionnaire_version) == ("dsi2-base", "2026.1")
    assert diagnostic.recommended_themes == ["email"]
    assert diagnostic.organisation == person.organisation


@pytest.mark.parametrize(
    "kwargs",
    [
        {"answers": ["unknown_item"]},
        {"use_cases": {"email": "expert"}},
        {"use_cases": {"jeux_video": "autonome"}},
        {"equipment": ["minitel"]},
    ],
)
def test_diagnostic_create_rejects_unknown_data(kwargs):
    with pytest.raises(ValidationError):
        services.diagnostic_create(
            beneficiary=BeneficiaryFactory(), performed_by=None, internet_last_3_months=True, **kwargs
        )


def test_screening_for_a_person_of_another_organisation_is_refused():
    person = BeneficiaryFactory()
    with pytest.raises(ValidationError):
        services.screening_create(
            performed_by=None,
            organisation=OrganisationFactory(name="Autre"),
            beneficiary=person,
            used_internet=True,
            has_email=True,
            struggles_online=False,
            has_device=True,
        )


def test_attach_walk_in_screening():
    screening = ScreeningFactory(walk_in=True)
    person = BeneficiaryFactory(organisation=screening.organisation)
    services.screening_attach(screening=screening, beneficiary=person)
    assert person.screenings.get() == screening
    with pytest.raises(ValidationError):
        services.screening_attach(screening=screening, beneficiary=BeneficiaryFactory(organisation=person.organisation))


def test_count_out_of_illectronisme():
    moved = BeneficiaryFactory()
    DiagnosticFactory(beneficiary=moved, illectronic=True, performed_at=days_ago(90))
    DiagnosticFactory(
        beneficiary=moved, answers=["comm_email", "info_news", "safety_cookies"], performed_at=days_ago(1)
    )

    back_again = BeneficiaryFactory()  # improved then fell back: still illectronic at the latest
    DiagnosticFactory(beneficiary=back_again, illectronic=True, performed_at=days_ago(90))
    DiagnosticFactory(beneficiary=back_again, autonomous=True, performed_at=days_ago(30))
    DiagnosticFactory(beneficiary=back_again, illectronic=True, performed_at=days_ago(1))

    never = BeneficiaryFactory()  # a single diagnostic
    DiagnosticFactory(beneficiary=never, illectronic=True)

    already_fine = BeneficiaryFactory()
    DiagnosticFactory(beneficiary=already_fine, autonomous=True, performed_at=days_ago(40))
    DiagnosticFactory(beneficiary=already_fine, autonomous=True, performed_at=days_ago(2))

    anonymised = BeneficiaryFactory()
    DiagnosticFactory(beneficiary=anonymised, illectronic=True, performed_at=days_ago(50))
    DiagnosticFactory(beneficiary=anonymised, autonomous=True, performed_at=days_ago(3))
    beneficiary_services.beneficiary_anonymise(beneficiary=anonymised, by=None)

    assert set(selectors.out_of_illectronisme()) == {moved, anonymised}
    assert selectors.count_out_of_illectronisme() == 2
    assert selectors.count_out_of_illectronisme(Beneficiary.objects.filter(pk=moved.pk)) == 1


def test_merge_does_not_double_count_and_keeps_progress():
    kept = BeneficiaryFactory(first_name="Jo", last_name="Lebrun", birth_year=1950)
    duplicate = BeneficiaryFactory(
        first_name="Jo",
        last_name="Lebrun",
        birth_year=1950,
        organisation=kept.organisation,
        site=kept.site,
        commune=kept.commune,
    )
    DiagnosticFactory(beneficiary=duplicate, illectronic=True, performed_at=days_ago(60))
    DiagnosticFactory(beneficiary=kept, autonomous=True, performed_at=days_ago(1))
    assert selectors.count_out_of_illectronisme() == 0
    beneficiary_services.beneficiary_merge(kept=kept, duplicate=duplicate, by=None)
    assert list(selectors.out_of_illectronisme()) == [kept]
    progress = selectors.progress(list(kept.diagnostics.all()))
    assert progress.left_illectronisme
    assert all(change.trend == 1 for change in progress.areas)


def test_progress_needs_two_diagnostics():
    assert selectors.progress([DiagnosticFactory()]) is None
