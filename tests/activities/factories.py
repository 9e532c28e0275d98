"""Factories of activity records. `ActivityFactory(people=[...])` writes the participant rows the way
tremplin.activities.services does (same copies of date, kind, organisation, département, mediator)."""

import datetime

import factory

from tests.factories import OrganisationFactory, SiteFactory
from tremplin.activities.enums import Kind, PlaceType, Thematique
from tremplin.activities.models import Activity, Participant


class ActivityFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Activity
        skip_postgeneration_save = True

    kind = Kind.INDIVIDUAL
    organisation = factory.SubFactory(OrganisationFactory, la_poste=True)
    mediator = None
    date = factory.LazyFunction(lambda: datetime.date.today() - datetime.timedelta(days=3))
    duration_minutes = 30
    place_type = PlaceType.ACTIVITY_PLACE
    site = factory.SubFactory(SiteFactory)
    commune = factory.LazyAttribute(lambda o: o.site.commune if o.site else None)
    departement = factory.LazyAttribute(lambda o: o.commune.departement if o.commune else None)
    themes = factory.LazyFunction(lambda: [Thematique.EMAIL])

    class Params:
        collective = factory.Trait(kind=Kind.COLLECTIVE, title="Créer son adresse e-mail", duration_minutes=120)
        anonymous = factory.Trait(anonymous_count=1)

    @factory.post_generation
    def people(self, create, extracted, **kwargs):
        if create and extracted:
            Participant.objects.bulk_create(
                Participant(
                    activity=self,
                    beneficiary=person,
                    date=self.date,
                    kind=self.kind,
                    organisation_id=self.organisation_id,
                    departement_id=self.departement_id,
                    mediator_id=self.mediator_id,
                )
                for person in extracted
            )
