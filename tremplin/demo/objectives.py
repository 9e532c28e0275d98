"""Demo objectives and team: La Poste's programme objective for this year (people; the real programme promised
320 000 for 2023, the demo's target is scaled to the demo's few hundred people), one for the demo coordinator's
département (the demo mediator's), one for the demo mediator (accompaniments), and a team for the demo coordinator
with the demo mediator and a mediator who left a month ago. Written through the services (who set them is kept).
Idempotent: each is created once, found by its label."""

import datetime

from django.db import transaction
from django.utils import timezone

from tremplin.accounts.models import User
from tremplin.network.models import Organisation
from tremplin.reporting import services
from tremplin.reporting.enums import ObjectiveMeasure, ObjectiveScope
from tremplin.reporting.models import Objective, Team

NATIONAL, COORDINATOR = "pilote@demo.tremplin.fr", "coordination@demo.tremplin.fr"
MEDIATOR, FORMER = "mediateur@demo.tremplin.fr", "aidant@demo.tremplin.fr"
TEAM = "Équipe de démonstration"


@transaction.atomic
def seed(*, today: datetime.date | None = None) -> int:
    """Create what is missing; return how many objectives, teams and members were created."""
    today = today or timezone.localdate()
    users = {u.email: u for u in User.objects.filter(email__in=(NATIONAL, COORDINATOR, MEDIATOR, FORMER))}
    national, coordinator, mediator = users.get(NATIONAL), users.get(COORDINATOR), users.get(MEDIATOR)
    la_poste = Organisation.objects.filter(name="La Poste").first()
    if national is None or coordinator is None or mediator is None or la_poste is None:
        return 0
    start, deadline = today.replace(month=1, day=1), today.replace(month=12, day=31)
    if deadline <= start:  # never: a year has more than one day
        deadline = start + datetime.timedelta(days=365)
    year = start.year
    departement = (
        coordinator.departements.filter(communes__sites__staff=mediator).first() or coordinator.departements.first()
    )
    wanted = [
        dict(
            label=f"400 personnes accompagnées en {year} (programme La Poste, démonstration)",
            scope=ObjectiveScope.PROGRAMME,
            measure=ObjectiveMeasure.PEOPLE,
            target=400,
            by=national,
        ),
        dict(
            label=f"{departement.name} : 30 personnes accompagnées en {year}" if departement else "",
            scope=ObjectiveScope.DEPARTEMENT,
            departement=departement,
            measure=ObjectiveMeasure.PEOPLE,
            target=30,
            by=coordinator,
        ),
        dict(
            label=f"{mediator.get_full_name()} : 300 accompagnements en {year}",
            scope=ObjectiveScope.MEDIATOR,
            mediator=mediator,
            measure=ObjectiveMeasure.ACCOMPANIMENTS,
            target=300,
            by=national,
        ),
    ]
    created = 0
    for spec in wanted:
        if not spec["label"] or Objective.objects.filter(label=spec["label"]).exists():
            continue
        services.objective_create(organisation=la_poste, starts_on=start, deadline=deadline, **spec)
        created += 1
    team = Team.objects.filter(name=TEAM, coordinator=coordinator).first()
    if team is None:
        team = services.team_create(by=coordinator, name=TEAM, organisation=la_poste)
        created += 1
        joined = today - datetime.timedelta(days=120)
        services.team_member_add(team=team, mediator=mediator, joined_on=joined, by=national)
        created += 1
        former = users.get(FORMER)
        if former is not None:
            member = services.team_member_add(team=team, mediator=former, joined_on=joined, by=national)
            services.team_member_leave(member=member, left_on=today - datetime.timedelta(days=30), by=coordinator)
            created += 1
    return created
