"""One world for the authorisation matrix: every URL argument of the project can be filled with an object of the
viewer's organisation, and the person-data URLs also with one of another organisation ("Autre réseau").

Built on tests/beneficiaries/worlds.make_world (La Poste: offices o1, o2 in 22 and o3 in 29; the association
"Les Connectés": place p1 in 22), plus a third organisation whose person is even followed at o1, the office of
La Poste's mediator, counter agent and of the coordinator of the 22: only the organisation rule keeps them apart.
"""

import datetime
from types import SimpleNamespace

from django.contrib.auth.tokens import default_token_generator
from django.utils import timezone
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode
from django_otp.plugins.otp_totp.models import TOTPDevice

from tests.activities.factories import ActivityFactory
from tests.beneficiaries.factories import BeneficiaryFactory, DiagnosticFactory, ScreeningFactory
from tests.beneficiaries.worlds import make_world
from tests.factories import OrganisationFactory, SiteFactory, UserFactory
from tests.mandates.factories import MandateFactory, habilitated
from tests.referrals.factories import SERVICE, PlaceFactory
from tests.workshops.factories import ProgrammeFactory, RegistrationFactory, SessionFactory
from tremplin.accounts.enums import Role
from tremplin.notifications.enums import NotificationKind, NotificationStatus
from tremplin.notifications.models import Notification
from tremplin.planning.models import Scenario
from tremplin.planning.services import PlanOptions
from tremplin.referrals import links
from tremplin.referrals import services as referral_services
from tremplin.reporting.enums import ObjectiveMeasure, ObjectiveScope
from tremplin.reporting.models import Objective, ShareLink, Team, TeamMember
from tremplin.territories.enums import IndicatorOrigin
from tremplin.territories.models import Indicator
from tremplin.workshops.enums import Attendance
from tremplin.workshops.models import CalendarFeed

ANONYMOUS = "anonyme"
VIEWERS = (ANONYMOUS, *Role.values)


def _letter(registration, status, channel="letter"):
    return Notification.objects.create(
        registration=registration,
        beneficiary=registration.beneficiary,
        kind=NotificationKind.CONFIRMATION,
        channel=channel,
        status=status,
        recipient="1 rue de la Paix\n22300 Lannion",
        body="<p>Bonjour</p>",
    )


def _organisation_objects(*, organisation, site, person, twin, mediator, leader, place, when):
    """The objects of one organisation that URLs point at (what a viewer of that organisation may open)."""
    start = timezone.now() + datetime.timedelta(days=5)
    session = SessionFactory(site=site, mediator=leader, starts_at=start, ends_at=start + datetime.timedelta(hours=2))
    past = SessionFactory(
        site=site,
        mediator=leader,
        starts_at=timezone.now() - datetime.timedelta(days=2),
        ends_at=timezone.now() - datetime.timedelta(days=2) + datetime.timedelta(hours=2),
    )
    registration = RegistrationFactory(session=session, beneficiary=person)
    attended = RegistrationFactory(session=past, beneficiary=person, attendance=Attendance.PRESENT)
    mandate = MandateFactory(beneficiary=person, organisation=organisation, created_by=mediator)
    referral = referral_services.referral_create(
        beneficiary=person, place=place, service=SERVICE, reason="Dossier CAF", by=mediator
    )
    return SimpleNamespace(
        organisation=organisation,
        site=site,
        person=person,
        twin=twin,
        screening=ScreeningFactory(beneficiary=person),
        diagnostic=DiagnosticFactory(beneficiary=person),
        session=session,
        past_session=past,
        registration=registration,
        attended=attended,
        letter=_letter(registration, NotificationStatus.TO_PRINT),
        failed=_letter(registration, NotificationStatus.FAILED, channel="sms"),
        mandate=mandate,
        authorisation=mandate.authorisations.first(),
        awaiting=MandateFactory(beneficiary=person, organisation=organisation, created_by=mediator, awaiting=True),
        revoked=MandateFactory(beneficiary=person, organisation=organisation, created_by=mediator, revoked=True),
        referral=referral,
        referral_token=links.make_token(referral),
        activity=ActivityFactory(organisation=organisation, site=site, mediator=mediator, date=when, people=[person]),
        mediator=mediator,
        dashboard_mediator=mediator,
        place=place,
    )


def build_world():
    world = make_world()
    users, people = world.users, world.people
    day = timezone.localdate() - datetime.timedelta(days=3)
    lannion = world.o1.commune
    # La Poste's offices belong to La Poste (the sites of make_world have no organisation).
    for site in (world.o1, world.o2, world.o3):
        site.organisation = world.la_poste
        site.save(update_fields=["organisation"])
    habilitated(users.mediator)  # acting on someone's behalf: habilitation and a confirmed second factor
    for user in (users.national, users.admin):  # national roles and staff must have a second factor
        TOTPDevice.objects.create(user=user, name="Téléphone", confirmed=True)

    la_poste_place = PlaceFactory(organisation=world.la_poste, name="Espace La Poste Lannion", services=[SERVICE])
    association_place = PlaceFactory(organisation=world.association, name="Espace Les Connectés", site=world.p1)
    poste = _organisation_objects(
        organisation=world.la_poste,
        site=world.o1,
        person=people.at_o1,
        twin=BeneficiaryFactory(organisation=world.la_poste, site=world.o1, first_name="Anne"),
        mediator=users.mediator,
        leader=users.mediator,
        place=association_place,
        when=day,
    )
    association = _organisation_objects(
        organisation=world.association,
        site=world.p1,
        person=people.at_p1,
        twin=BeneficiaryFactory(organisation=world.association, site=world.p1, first_name="Denis"),
        mediator=users.partner,
        leader=users.partner,
        place=la_poste_place,
        when=day,
    )
    poste.own_place, association.own_place = la_poste_place, association_place
    association.dashboard_mediator = users.partner_mediator_elsewhere  # the association's own mediator
    # Another organisation, working in Lannion too; its person is followed at o1.
    elsewhere = OrganisationFactory(name="Autre réseau")
    elsewhere_site = SiteFactory(name="AUTRE RÉSEAU LANNION", commune=lannion, organisation=elsewhere)
    elsewhere_mediator = habilitated(
        UserFactory(mediator=True, organisation=elsewhere, sites=[elsewhere_site, world.o1], first_name="Xavier")
    )
    elsewhere_place = PlaceFactory(organisation=elsewhere, name="Espace Autre réseau", services=[SERVICE])
    other = _organisation_objects(
        organisation=elsewhere,
        site=elsewhere_site,
        person=BeneficiaryFactory(organisation=elsewhere, site=world.o1, first_name="Xavier"),
        twin=BeneficiaryFactory(organisation=elsewhere, site=world.o1, first_name="Xavier"),
        mediator=elsewhere_mediator,
        leader=elsewhere_mediator,
        place=elsewhere_place,
        when=day,
    )
    other.own_place = elsewhere_place
    # Same département as the coordinator of the 22: only the organisation rule keeps these objects away.
    assert other.site.commune.departement_id == "22"

    team = Team.objects.create(name="Équipe Trégor", coordinator=users.coordinator_22, organisation=world.la_poste)
    member = TeamMember.objects.create(team=team, mediator=users.mediator, joined_on=day)
    elsewhere_coordinator = UserFactory(coordinator=True, organisation=elsewhere, departements=["22"])
    other_team = Team.objects.create(name="Équipe Autre", coordinator=elsewhere_coordinator, organisation=elsewhere)
    objective = Objective.objects.create(
        label="Côtes-d'Armor",
        scope=ObjectiveScope.DEPARTEMENT,
        departement_id="22",
        organisation=world.la_poste,
        measure=ObjectiveMeasure.PEOPLE,
        target=40,
        starts_on=day - datetime.timedelta(days=30),
        deadline=day + datetime.timedelta(days=120),
        created_by=users.coordinator_22,
    )
    share_national = ShareLink.objects.create(
        label="Conseil départemental",
        filters={"departement": "22"},
        created_by=users.national,
        expires_at=timezone.now() + datetime.timedelta(days=3),
    )
    share_coordinator = ShareLink.objects.create(
        label="Préfecture",
        filters={"departement": "22"},
        created_by=users.coordinator_22,
        expires_at=timezone.now() + datetime.timedelta(days=3),
    )
    options = PlanOptions().as_dict()
    scenario_national = Scenario.objects.create(name="Plan national", created_by=users.national, params=options)
    scenario_coordinator = Scenario.objects.create(name="Plan 22", created_by=users.coordinator_22, params=options)
    indicator = Indicator.objects.create(code="taux_test", label="Taux d'essai", origin=IndicatorOrigin.USER)
    programme = ProgrammeFactory()
    feeds = {user.pk: CalendarFeed.objects.create(user=user) for user in (users.mediator, users.partner)}

    viewers = {
        ANONYMOUS: None,
        Role.NATIONAL_MANAGER: users.national,
        Role.COORDINATOR: users.coordinator_22,
        Role.MEDIATOR: users.mediator,
        Role.COUNTER_AGENT: users.counter,
        Role.PARTNER_STAFF: users.partner,
        Role.ADMINISTRATOR: users.admin,
    }
    return SimpleNamespace(
        base=world,
        users=users,
        viewers=viewers,
        poste=poste,
        association=association,
        other=other,
        team=team,
        member=member,
        other_team=other_team,
        objective=objective,
        shares={Role.COORDINATOR: share_coordinator, "default": share_national},
        scenarios={Role.COORDINATOR: scenario_coordinator, "default": scenario_national},
        indicator=indicator,
        programme=programme,
        feeds=feeds,
        la_poste_place=la_poste_place,
    )


def own_objects(world, viewer: str):
    """The objects of the viewer's organisation (the association's for partner staff; La Poste's otherwise, the
    administrator having no organisation)."""
    return world.association if viewer == Role.PARTNER_STAFF else world.poste


def reset_uid_token(user) -> dict:
    return {"uidb64": urlsafe_base64_encode(force_bytes(user.pk)), "token": default_token_generator.make_token(user)}
