"""Workshops data for the notification tests, built straight on the models (not on the workshops services)."""

import datetime

import factory
from django.utils import timezone

from tests.beneficiaries.factories import BeneficiaryFactory
from tests.factories import SiteFactory, UserFactory
from tremplin.diagnostics.enums import Thematique, WorkshopLevel
from tremplin.workshops.enums import RegistrationSource, RegistrationStatus, SessionStatus
from tremplin.workshops.models import Programme, Registration, Session


class ProgrammeFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Programme

    title = "Créer son adresse e-mail"
    theme = Thematique.PRENDRE_EN_MAIN_DU_MATERIEL
    level = WorkshopLevel.BEGINNER
    objective = "crée une adresse e-mail et envoie une pièce jointe"
    equipment = "votre téléphone portable et une pièce d'identité"


class SessionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Session

    programme = factory.SubFactory(ProgrammeFactory)
    site = factory.SubFactory(SiteFactory, address="2 rue de la Poste", postcode="22300", city="Lannion")
    mediator = factory.SubFactory(UserFactory, mediator=True)
    starts_at = factory.LazyFunction(lambda: timezone.now() + datetime.timedelta(days=5))
    ends_at = factory.LazyAttribute(lambda o: o.starts_at + datetime.timedelta(minutes=90))
    capacity = 10
    equipment_lent = "tablettes"
    status = SessionStatus.PLANNED

    class Params:
        remote = factory.Trait(site=None, is_remote=True)


class RegistrationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Registration

    session = factory.SubFactory(SessionFactory)
    beneficiary = factory.SubFactory(
        BeneficiaryFactory, mobile_phone="0612345678", preferred_channel="sms", first_name="Josiane"
    )
    status = RegistrationStatus.CONFIRMED
    source = RegistrationSource.STAFF
