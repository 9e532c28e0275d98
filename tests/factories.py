"""factory_boy factories with named traits, shared by every test package."""

import factory

from tremplin.accounts.enums import Role
from tremplin.accounts.models import User
from tremplin.network.enums import OrganisationKind, SiteKind, SiteSource
from tremplin.network.models import Organisation, Site
from tremplin.territories.models import Commune, Departement, Qpv, Region


class RegionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Region
        django_get_or_create = ("code",)

    code = factory.Sequence(lambda n: f"{90 + n % 9}")
    name = factory.Sequence(lambda n: f"Région {n}")


class DepartementFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Departement
        django_get_or_create = ("code",)

    code = factory.Sequence(lambda n: f"{10 + n % 80}")
    name = factory.Sequence(lambda n: f"Département {n}")
    region = factory.SubFactory(RegionFactory)


class CommuneFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Commune
        django_get_or_create = ("code_insee",)

    departement = factory.SubFactory(DepartementFactory)
    code_insee = factory.LazyAttributeSequence(lambda o, n: f"{o.departement.code:0>2}{n % 1000:03d}")
    name = factory.Sequence(lambda n: f"Commune {n}")
    population = 1200
    latitude = 48.0
    longitude = 2.0
    density_level = 4
    postcodes = factory.LazyAttribute(lambda o: f"{o.code_insee[:2]}100")

    class Params:
        rural = factory.Trait(density_level=6, population=300)


class QpvFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Qpv
        skip_postgeneration_save = True

    code = factory.Sequence(lambda n: f"QN{n:06d}")
    name = factory.Sequence(lambda n: f"Quartier {n}")
    latitude = 48.0
    longitude = 2.0

    @factory.post_generation
    def communes(self, create, extracted, **kwargs):
        if create and extracted:
            self.communes.set(extracted)
            self.departement = extracted[0].departement
            self.save()


class OrganisationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Organisation
        django_get_or_create = ("name",)

    name = factory.Sequence(lambda n: f"Association {n}")
    kind = OrganisationKind.ASSOCIATION

    class Params:
        la_poste = factory.Trait(name="La Poste", kind=OrganisationKind.LA_POSTE)


class SiteFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Site

    source = SiteSource.LA_POSTE
    external_id = factory.Sequence(lambda n: f"{n:05d}A")
    name = factory.Sequence(lambda n: f"BUREAU {n}")
    kind = SiteKind.POST_OFFICE
    commune = factory.SubFactory(CommuneFactory)
    latitude = factory.LazyAttribute(lambda o: o.commune.latitude)
    longitude = factory.LazyAttribute(lambda o: o.commune.longitude)

    class Params:
        france_services = factory.Trait(source=SiteSource.FRANCE_SERVICES, kind=SiteKind.FRANCE_SERVICES)
        partner_place = factory.Trait(source=SiteSource.MANUAL, kind=SiteKind.PARTNER_PLACE)


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True

    email = factory.Sequence(lambda n: f"agent{n}@tremplin.test")
    first_name = "Camille"
    last_name = factory.Sequence(lambda n: f"Martin{n}")
    role = Role.NATIONAL_MANAGER
    password = factory.django.Password("mot-de-passe-solide-42")

    class Params:
        national = factory.Trait(role=Role.NATIONAL_MANAGER)
        administrator = factory.Trait(role=Role.ADMINISTRATOR, is_staff=True, is_superuser=True)
        coordinator = factory.Trait(role=Role.COORDINATOR)
        mediator = factory.Trait(
            role=Role.MEDIATOR, organisation=factory.SubFactory(OrganisationFactory, la_poste=True)
        )
        counter_agent = factory.Trait(
            role=Role.COUNTER_AGENT, organisation=factory.SubFactory(OrganisationFactory, la_poste=True)
        )
        partner = factory.Trait(role=Role.PARTNER_STAFF, organisation=factory.SubFactory(OrganisationFactory))

    @factory.post_generation
    def departements(self, create, extracted, **kwargs):
        if create and extracted:
            self.departements.set(extracted)

    @factory.post_generation
    def sites(self, create, extracted, **kwargs):
        if create and extracted:
            self.sites.set(extracted)


PASSWORD = "mot-de-passe-solide-42"
