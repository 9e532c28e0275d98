"""Factories for people records, screenings and diagnostics (named traits, like tests/factories.py)."""

import factory

from tests.factories import CommuneFactory, OrganisationFactory, SiteFactory
from tremplin.beneficiaries.enums import ConsentKind
from tremplin.beneficiaries.models import Beneficiary, Consent
from tremplin.diagnostics import questionnaire as questionnaires
from tremplin.diagnostics import scoring
from tremplin.diagnostics.models import Diagnostic, Screening

ALL_ITEMS = sorted(questionnaires.current().item_ids)


class BeneficiaryFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Beneficiary

    first_name = "Josiane"
    last_name = factory.Sequence(lambda n: f"Lebrun{n}")
    birth_year = 1950
    organisation = factory.SubFactory(OrganisationFactory, la_poste=True)
    site = factory.SubFactory(SiteFactory)
    commune = factory.LazyAttribute(lambda o: o.site.commune if o.site else CommuneFactory())

    class Params:
        pseudonymous = factory.Trait(first_name="", last_name="", pseudonym=factory.Sequence(lambda n: f"Jo{n}"))
        with_contacts = factory.Trait(
            mobile_phone=factory.Sequence(lambda n: f"06{n:08d}"),
            email=factory.Sequence(lambda n: f"personne{n}@exemple.fr"),
            preferred_channel="sms",
        )


class ConsentFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Consent

    beneficiary = factory.SubFactory(BeneficiaryFactory)
    kind = ConsentKind.DATA_PROCESSING
    given = True
    text_version = "2026-01"


class ScreeningFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Screening

    beneficiary = factory.SubFactory(BeneficiaryFactory)
    organisation = factory.LazyAttribute(lambda o: o.beneficiary.organisation if o.beneficiary else None)
    site = factory.LazyAttribute(lambda o: o.beneficiary.site if o.beneficiary else None)
    used_internet = False
    has_email = False
    struggles_online = True
    has_device = True
    fragile = True
    next_step = scoring.DIAGNOSTIC

    class Params:
        walk_in = factory.Trait(beneficiary=None, organisation=factory.SubFactory(OrganisationFactory, la_poste=True))


def _scored(o, key):
    result = questionnaires.current().score(o.internet_last_3_months, dict.fromkeys(o.answers, True))
    return getattr(result, key)


class DiagnosticFactory(factory.django.DjangoModelFactory):
    """Scored like the real service; `answers` lists the activities done. Traits: illectronic, autonomous."""

    class Meta:
        model = Diagnostic

    beneficiary = factory.SubFactory(BeneficiaryFactory)
    organisation = factory.LazyAttribute(lambda o: o.beneficiary.organisation)
    site = factory.LazyAttribute(lambda o: o.beneficiary.site)
    questionnaire_id = questionnaires.BASE
    questionnaire_version = factory.LazyFunction(lambda: questionnaires.current().version)
    internet_last_3_months = True
    answers = factory.LazyFunction(lambda: ["comm_email", "info_news"])
    information = factory.LazyAttribute(lambda o: _scored(o, "areas")["information"])
    communication = factory.LazyAttribute(lambda o: _scored(o, "areas")["communication"])
    content = factory.LazyAttribute(lambda o: _scored(o, "areas")["content"])
    safety = factory.LazyAttribute(lambda o: _scored(o, "areas")["safety"])
    problem_solving = factory.LazyAttribute(lambda o: _scored(o, "areas")["problem_solving"])
    overall = factory.LazyAttribute(lambda o: _scored(o, "overall"))
    insee = factory.LazyAttribute(lambda o: _scored(o, "insee"))
    use_cases = factory.LazyFunction(dict)
    equipment = factory.LazyFunction(lambda: ["smartphone"])
    recommended_themes = factory.LazyFunction(list)
    recommended_level = factory.LazyAttribute(lambda o: scoring.learning_level(o.insee))

    class Params:
        illectronic = factory.Trait(internet_last_3_months=False, answers=factory.LazyFunction(list))
        autonomous = factory.Trait(answers=factory.LazyFunction(lambda: list(ALL_ITEMS)))
