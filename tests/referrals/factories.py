"""Places and referrals for the referral tests (a mediator of La Poste, a partner association keeping a place)."""

import datetime
from types import SimpleNamespace

import factory

from tests.beneficiaries.factories import BeneficiaryFactory
from tests.factories import CommuneFactory, OrganisationFactory, SiteFactory, UserFactory
from tremplin.places.models import Place

SERVICE = "Aide aux démarches administratives"
OTHER_SERVICE = "Loisirs et créations numériques"


class PlaceFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Place

    external_id = factory.Sequence(lambda n: f"lieu-{n}")
    pivot = "12345678901234"
    name = factory.Sequence(lambda n: f"Espace numérique {n}")
    address = "3 rue des Lilas"
    postcode = "22300"
    city = "Lannion"
    latitude = 48.73
    longitude = -3.46
    phone = "0296000000"
    emails = factory.LazyFunction(lambda: ["accueil@lieu.test"])
    hours = "Mo-Fr 09:00-12:00,14:00-17:00"
    source_updated_on = datetime.date(2026, 1, 15)
    services = factory.LazyFunction(lambda: [SERVICE])


def make_world():
    """La Poste's mediator at o1 following Odette; the association keeping `place`, with its partner staff;
    a second association with its own place and partner; a mediator of another organisation."""
    laposte = OrganisationFactory(la_poste=True)
    commune = CommuneFactory(name="Lannion", latitude=48.732, longitude=-3.456)
    o1 = SiteFactory(organisation=laposte, commune=commune, name="LANNION PRINCIPAL")
    mediator = UserFactory(mediator=True, organisation=laposte, sites=[o1], first_name="Camille")
    person = BeneficiaryFactory(
        organisation=laposte,
        site=o1,
        commune=commune,
        first_name="Odette",
        last_name="Vasseur",
        mobile_phone="0612345678",
        email="odette@exemple.fr",
        postal_address="4 impasse Secrète",
    )
    association = OrganisationFactory(name="Association Clic")
    place = PlaceFactory(organisation=association, name="Clic Lannion")
    partner = UserFactory(partner=True, organisation=association)
    other_association = OrganisationFactory(name="Association Lointaine")
    other_place = PlaceFactory(organisation=other_association, name="Lointain", latitude=43.6, longitude=1.44)
    other_partner = UserFactory(partner=True, organisation=other_association)
    stranger_org = OrganisationFactory(name="Autre réseau")
    stranger = UserFactory(
        mediator=True, organisation=stranger_org, sites=[SiteFactory(organisation=stranger_org, commune=commune)]
    )
    return SimpleNamespace(
        laposte=laposte,
        commune=commune,
        o1=o1,
        mediator=mediator,
        person=person,
        association=association,
        place=place,
        partner=partner,
        other_place=other_place,
        other_partner=other_partner,
        stranger=stranger,
    )
