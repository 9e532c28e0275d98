from types import SimpleNamespace

from tests.beneficiaries.factories import BeneficiaryFactory
from tests.factories import (
    CommuneFactory,
    DepartementFactory,
    OrganisationFactory,
    RegionFactory,
    SiteFactory,
    UserFactory,
)


def make_world():
    """Two départements (22, 29). La Poste runs offices o1, o2 (22) and o3 (29); an association runs
    place p1 (22). People: at o1, o2, o3, p1, and one La Poste person with no site living in 29."""
    region = RegionFactory(code="53", name="Bretagne")
    d22 = DepartementFactory(code="22", name="Côtes-d'Armor", region=region)
    d29 = DepartementFactory(code="29", name="Finistère", region=region)
    lannion = CommuneFactory(code_insee="22113", name="Lannion", departement=d22)
    guingamp = CommuneFactory(code_insee="22070", name="Guingamp", departement=d22)
    brest = CommuneFactory(code_insee="29019", name="Brest", departement=d29)
    la_poste = OrganisationFactory(la_poste=True)
    association = OrganisationFactory(name="Association Les Connectés")
    o1 = SiteFactory(name="LANNION PRINCIPAL", commune=lannion)
    o2 = SiteFactory(name="GUINGAMP", commune=guingamp)
    o3 = SiteFactory(name="BREST", commune=brest)
    p1 = SiteFactory(name="Espace Les Connectés", commune=lannion, organisation=association, partner_place=True)
    people = SimpleNamespace(
        at_o1=BeneficiaryFactory(organisation=la_poste, site=o1, first_name="Anne"),
        at_o2=BeneficiaryFactory(organisation=la_poste, site=o2, first_name="Bruno"),
        at_o3=BeneficiaryFactory(organisation=la_poste, site=o3, first_name="Chloé"),
        at_p1=BeneficiaryFactory(organisation=association, site=p1, first_name="Denis"),
        no_site_29=BeneficiaryFactory(organisation=la_poste, site=None, commune=brest, first_name="Emma"),
    )
    users = SimpleNamespace(
        national=UserFactory(national=True, organisation=la_poste),
        admin=UserFactory(administrator=True),
        coordinator_22=UserFactory(coordinator=True, organisation=la_poste, departements=[d22]),
        coordinator_29=UserFactory(coordinator=True, organisation=la_poste, departements=[d29]),
        coordinator_no_org=UserFactory(coordinator=True, departements=[d22, d29]),
        mediator=UserFactory(mediator=True, organisation=la_poste, sites=[o1, o2]),
        counter=UserFactory(counter_agent=True, organisation=la_poste, sites=[o1]),
        partner=UserFactory(partner=True, organisation=association, sites=[p1]),
        partner_mediator_elsewhere=UserFactory(mediator=True, organisation=association, sites=[o1]),
    )
    return SimpleNamespace(
        people=people, users=users, la_poste=la_poste, association=association, o1=o1, o2=o2, o3=o3, p1=p1
    )
