"""People records: creation, duplicates, merge keeping history, anonymisation, consents, age band."""

import datetime

import pytest
from django.core.exceptions import ValidationError

from tests.beneficiaries.factories import BeneficiaryFactory, DiagnosticFactory, ScreeningFactory
from tests.factories import CommuneFactory, OrganisationFactory, SiteFactory, UserFactory
from tremplin.beneficiaries import services
from tremplin.beneficiaries.enums import AgeBand, ConsentKind, JournalAction
from tremplin.beneficiaries.models import ANONYMOUS_LABEL, Beneficiary, age_band, name_key, normalize_phone

pytestmark = pytest.mark.django_db


@pytest.fixture
def office():
    return SiteFactory(name="BUREAU DE LANNION")


@pytest.fixture
def mediator(office):
    return UserFactory(mediator=True, sites=[office])


def create(mediator, office, **fields):
    values = {"first_name": "Josiane", "last_name": "Le Bihan", "birth_year": 1948, "commune": office.commune}
    values.update(fields)
    return services.beneficiary_create(organisation=mediator.organisation, created_by=mediator, site=office, **values)


@pytest.mark.parametrize(
    ("year", "band"),
    [
        (None, AgeBand.UNDISCLOSED),
        (1956, AgeBand.SEVENTY_PLUS),
        (1957, AgeBand.SIXTY_SIXTY_NINE),
        (1966, AgeBand.SIXTY_SIXTY_NINE),
        (1967, AgeBand.FORTY_FIFTY_NINE),
        (1986, AgeBand.FORTY_FIFTY_NINE),
        (1987, AgeBand.TWENTY_FIVE_THIRTY_NINE),
        (2001, AgeBand.TWENTY_FIVE_THIRTY_NINE),
        (2002, AgeBand.EIGHTEEN_TWENTY_FOUR),
        (2008, AgeBand.EIGHTEEN_TWENTY_FOUR),
        (2009, AgeBand.TWELVE_SEVENTEEN),
        (2014, AgeBand.TWELVE_SEVENTEEN),
        (2015, AgeBand.UNDER_TWELVE),
    ],
)
def test_age_band_from_birth_year(year, band):
    assert age_band(year, today=datetime.date(2026, 6, 1)) == band


def test_normalisations():
    assert normalize_phone("06 12-34.56 78") == "0612345678"
    assert normalize_phone("+33 6 12 34 56 78") == "0612345678"
    assert name_key("Jean-Pierre", "DUPONT") == name_key("dupont", "jean pierre") == "dupont jean pierre"
    assert name_key("Hélène", "Lefèvre") == name_key("helene", "LEFEVRE")


def test_create_records_journal_and_age_band(mediator, office):
    person = create(mediator, office, mobile_phone="06 12 34 56 78", preferred_channel="sms")
    assert person.mobile_phone == "0612345678"
    assert person.age_band == age_band(1948)
    assert person.organisation == mediator.organisation
    assert list(person.journal.values_list("action", flat=True)) == [JournalAction.CREATED]


def test_pseudonym_instead_of_names(mediator, office):
    person = create(mediator, office, first_name="", last_name="", pseudonym="Mamie Jo")
    assert person.display_name == "Mamie Jo (pseudonyme)"
    assert person.greeting_name == "Mamie Jo"
    with pytest.raises(ValidationError, match="pseudonyme"):
        create(mediator, office, first_name="Seul", last_name="", pseudonym="")


def test_preferred_channel_needs_the_matching_contact(mediator, office):
    with pytest.raises(ValidationError) as error:
        create(mediator, office, preferred_channel="courrier")
    assert "postal_address" in error.value.message_dict
    person = create(mediator, office, first_name="Paul", preferred_channel="appel", landline_phone="02 96 00 00 00")
    assert person.landline_phone == "0296000000"


@pytest.mark.parametrize(
    "variation",
    [
        {"first_name": "JOSIANE", "last_name": "le bihan"},  # same normalised name, year, commune
        {"first_name": "Josiane", "last_name": "Le-Bihan"},
        {"first_name": "Autre", "last_name": "Nom", "birth_year": 1990, "mobile_phone": "+33612345678"},
        {"first_name": "Autre", "last_name": "Nom", "birth_year": 1990, "email": "JOSIANE@exemple.fr"},
    ],
)
def test_duplicates_are_detected_before_saving(mediator, office, variation):
    existing = create(mediator, office, mobile_phone="0612345678", email="josiane@exemple.fr")
    with pytest.raises(services.PossibleDuplicates) as error:
        create(mediator, office, **variation)
    assert error.value.candidates == [existing]
    assert Beneficiary.objects.count() == 1
    forced = create(mediator, office, ignore_duplicates=True, **variation)
    assert forced.journal.get().details == {"duplicates_ignored": True}


def test_not_a_duplicate_when_year_or_commune_differ(mediator, office):
    create(mediator, office)
    create(mediator, office, birth_year=1949)
    create(mediator, office, commune=CommuneFactory())
    assert Beneficiary.objects.count() == 3


def test_duplicates_of_other_organisations_are_never_revealed(mediator, office):
    other = OrganisationFactory(name="Association Voisine")
    BeneficiaryFactory(
        first_name="Josiane",
        last_name="Le Bihan",
        birth_year=1948,
        commune=office.commune,
        organisation=other,
        site=None,
    )
    assert create(mediator, office).pk


def test_merge_moves_history_and_keeps_a_tombstone(mediator, office):
    kept = create(mediator, office)
    duplicate = create(
        mediator, office, first_name="Josianne", mobile_phone="0611111111", gender="feminin", ignore_duplicates=True
    )
    ScreeningFactory(beneficiary=duplicate)
    DiagnosticFactory(beneficiary=duplicate)
    DiagnosticFactory(beneficiary=kept)
    services.consent_record(beneficiary=duplicate, kind=ConsentKind.CONTACT, given=True, by=mediator)

    services.beneficiary_merge(kept=kept, duplicate=duplicate, by=mediator)

    kept.refresh_from_db()
    duplicate.refresh_from_db()
    assert kept.screenings.count() == 1
    assert kept.diagnostics.count() == 2
    assert kept.consents.get().kind == ConsentKind.CONTACT
    assert kept.mobile_phone == "0611111111"  # completed from the duplicate
    assert kept.gender == "feminin"
    assert duplicate.merged_into == kept
    assert duplicate.first_name == "" and duplicate.mobile_phone == ""
    assert not duplicate.is_active
    entry = kept.journal.get(action=JournalAction.MERGED)
    assert entry.details["merged_record"] == duplicate.pk
    assert entry.details["moved"] == {"screening": 1, "diagnostic": 1, "consent": 1}
    assert duplicate.journal.filter(action=JournalAction.MERGED_INTO).exists()
    assert list(Beneficiary.objects.active()) == [kept]


def test_merge_refuses_self_other_organisation_and_inactive(mediator, office):
    kept = create(mediator, office)
    with pytest.raises(ValidationError):
        services.beneficiary_merge(kept=kept, duplicate=kept, by=mediator)
    foreign = BeneficiaryFactory(organisation=OrganisationFactory(name="Autre"), site=None)
    with pytest.raises(ValidationError, match="même organisation"):
        services.beneficiary_merge(kept=kept, duplicate=foreign, by=mediator)
    gone = create(mediator, office, first_name="Luc", ignore_duplicates=True)
    services.beneficiary_anonymise(beneficiary=gone, by=mediator)
    with pytest.raises(ValidationError, match="actives"):
        services.beneficiary_merge(kept=kept, duplicate=gone, by=mediator)


def test_anonymisation_wipes_identity_and_keeps_statistics(mediator, office):
    person = create(
        mediator,
        office,
        mobile_phone="0612345678",
        email="j@exemple.fr",
        postal_address="3 rue des Lilas",
        gender="feminin",
        social_status="retraite",
    )
    DiagnosticFactory(beneficiary=person, illectronic=True)
    services.beneficiary_anonymise(beneficiary=person, by=mediator)
    person.refresh_from_db()
    assert (person.first_name, person.last_name, person.pseudonym, person.name_key) == ("", "", "", "")
    assert (person.mobile_phone, person.email, person.postal_address, person.birth_year) == ("", "", "", None)
    assert person.display_name == ANONYMOUS_LABEL
    assert person.age_band == age_band(1948)
    assert (person.gender, person.social_status, person.commune) == ("feminin", "retraite", office.commune)
    assert person.diagnostics.count() == 1
    assert person.anonymised_at is not None
    assert person.journal.filter(action=JournalAction.ANONYMISED).count() == 1
    assert not Beneficiary.objects.active().exists()
    assert Beneficiary.objects.not_merged().count() == 1
    # The journal holds no personal data.
    assert "Josiane" not in str(list(person.journal.values_list("details", flat=True)))


def test_consent_keeps_text_version_and_author(mediator, office):
    person = create(mediator, office)
    services.consent_record(beneficiary=person, kind=ConsentKind.DATA_PROCESSING, given=True, by=mediator)
    services.consent_record(beneficiary=person, kind=ConsentKind.DATA_PROCESSING, given=False, by=mediator)
    latest = services.current_consents(person)[ConsentKind.DATA_PROCESSING]
    assert (latest.given, latest.text_version, latest.recorded_by) == (False, "2026-01", mediator)
    assert person.consents.count() == 2
    with pytest.raises(ValidationError):
        services.consent_record(
            beneficiary=person, kind=ConsentKind.CONTACT, given=True, by=mediator, text_version="1999"
        )


def test_update_journals_field_names_only(mediator, office):
    person = create(mediator, office)
    services.beneficiary_update(beneficiary=person, by=mediator, email="nouvelle@exemple.fr", gender="feminin")
    entry = person.journal.get(action=JournalAction.UPDATED)
    assert entry.details == {"fields": ["email", "gender"]}
    with pytest.raises(TypeError):
        services.beneficiary_update(beneficiary=person, by=mediator, organisation=None)
