"""Factories for the catalogue, sessions and registrations (named traits, like tests/factories.py)."""

import datetime

import factory
from django.utils import timezone

from tests.beneficiaries.factories import BeneficiaryFactory
from tests.factories import SiteFactory, UserFactory
from tremplin.workshops.enums import RegistrationSource, RegistrationStatus, SessionStatus, Thematique, WorkshopLevel
from tremplin.workshops.models import Programme, Registration, Session


class ProgrammeFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Programme

    title = factory.Sequence(lambda n: f"Atelier e-mail {n}")
    theme = Thematique.EMAIL
    level = WorkshopLevel.BEGINNER
    duration_minutes = 90
    objective = "crée une adresse e-mail et envoie une pièce jointe"


class SessionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Session

    programme = factory.SubFactory(ProgrammeFactory)
    site = factory.SubFactory(SiteFactory)
    mediator = factory.SubFactory(UserFactory, mediator=True)
    starts_at = factory.LazyFunction(lambda: timezone.now() + datetime.timedelta(days=7))
    ends_at = factory.LazyAttribute(lambda o: o.starts_at + datetime.timedelta(minutes=90))
    capacity = 10

    class Params:
        past = factory.Trait(
            starts_at=factory.LazyFunction(lambda: timezone.now() - datetime.timedelta(days=2)),
        )
        cancelled = factory.Trait(status=SessionStatus.CANCELLED)
        remote = factory.Trait(site=None, is_remote=True)


class RegistrationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Registration

    session = factory.SubFactory(SessionFactory)
    # Followed at the session's place (La Poste's), as a person booked there is: in the scope of its staff.
    beneficiary = factory.SubFactory(BeneficiaryFactory, site=factory.SelfAttribute("..session.site"))
    status = RegistrationStatus.CONFIRMED
    source = RegistrationSource.STAFF

    class Params:
        waitlisted = factory.Trait(status=RegistrationStatus.WAITLISTED)
