"""Writes of the steering: objectives, teams and their members, share links. Keyword-only, atomic, validated
(`full_clean`), refused with a French `ValidationError` when the user may not; who did it is kept on the record
where the model has room for it (`created_by`) and always in the `tremplin.reporting` log."""

import datetime
import logging

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from tremplin.accounts.enums import Role
from tremplin.accounts.models import User

from . import perms
from .enums import ObjectiveScope
from .filters import StatsFilters
from .models import Objective, ShareLink, Team, TeamMember

logger = logging.getLogger("tremplin.reporting")

SCOPE_FIELDS = {
    ObjectiveScope.PROGRAMME: (),
    ObjectiveScope.DEPARTEMENT: ("departement",),
    ObjectiveScope.SITE: ("site",),
    ObjectiveScope.MEDIATOR: ("mediator",),
}
SCOPE_ERRORS = {
    "departement": "Choisissez le département de l'objectif.",
    "site": "Choisissez le lieu de l'objectif.",
    "mediator": "Choisissez le médiateur de l'objectif.",
}
SHARE_LINK_MAX_DAYS = 366


def _check_scope(objective: Objective) -> None:
    """Only the field of its scope is set (the others emptied), and it is set: French errors rather than the
    database constraint's."""
    wanted = SCOPE_FIELDS.get(objective.scope)
    if wanted is None:
        raise ValidationError({"scope": "Périmètre inconnu."})
    for field in ("departement", "site", "mediator"):
        if field not in wanted:
            setattr(objective, field, None)
        elif getattr(objective, f"{field}_id") is None:
            raise ValidationError({field: SCOPE_ERRORS[field]})
    if objective.deadline and objective.starts_on and objective.deadline <= objective.starts_on:
        raise ValidationError({"deadline": "L'échéance doit être après la date de début."})


def _refuse_unless_can_set(by: User, objective: Objective) -> None:
    if not perms.can_manage_objective(by, objective):
        raise ValidationError("Vous ne pouvez pas fixer d'objectif sur ce périmètre.")


@transaction.atomic
def objective_create(
    *,
    by: User,
    label: str,
    scope: str,
    organisation,
    measure: str,
    target: int,
    starts_on: datetime.date,
    deadline: datetime.date,
    departement=None,
    site=None,
    mediator=None,
) -> Objective:
    objective = Objective(
        label=label,
        scope=scope,
        organisation=organisation,
        measure=measure,
        target=target,
        starts_on=starts_on,
        deadline=deadline,
        departement=departement,
        site=site,
        mediator=mediator,
        created_by=by,
    )
    _check_scope(objective)
    _refuse_unless_can_set(by, objective)
    objective.full_clean()
    objective.save()
    logger.info("objective_create id=%s by=%s", objective.pk, by.pk)
    return objective


EDITABLE = (
    "label",
    "scope",
    "organisation",
    "measure",
    "target",
    "starts_on",
    "deadline",
    "departement",
    "site",
    "mediator",
)


@transaction.atomic
def objective_update(*, objective: Objective, by: User, **changes) -> Objective:
    unknown = set(changes) - set(EDITABLE)
    if unknown:
        raise TypeError(f"unknown fields: {sorted(unknown)}")
    objective = Objective.objects.select_for_update().get(pk=objective.pk)
    _refuse_unless_can_set(by, objective)  # allowed on the scope it had…
    for field, value in changes.items():
        setattr(objective, field, value)
    _check_scope(objective)
    _refuse_unless_can_set(by, objective)  # …and on the scope it gets
    objective.full_clean()
    objective.save()
    logger.info("objective_update id=%s by=%s fields=%s", objective.pk, by.pk, ",".join(sorted(changes)))
    return objective


@transaction.atomic
def objective_delete(*, objective: Objective, by: User) -> None:
    _refuse_unless_can_set(by, objective)
    logger.info("objective_delete id=%s label=%r by=%s", objective.pk, objective.label, by.pk)
    objective.delete()


# Teams.


@transaction.atomic
def team_create(*, by: User, name: str, organisation, coordinator: User | None = None) -> Team:
    """A coordinator creates their own team; a national manager names its coordinator."""
    if not perms.can_create_team(by):
        raise ValidationError("Vous ne pouvez pas créer d'équipe.")
    coordinator = coordinator or by
    if not by.is_national and coordinator.pk != by.pk:
        raise ValidationError({"coordinator": "Vous ne créez que vos propres équipes."})
    if coordinator.role != Role.COORDINATOR and not coordinator.is_national:
        raise ValidationError({"coordinator": "Une équipe est animée par un coordinateur."})
    team = Team(name=name, organisation=organisation, coordinator=coordinator)
    team.full_clean()
    team.save()
    logger.info("team_create id=%s by=%s", team.pk, by.pk)
    return team


@transaction.atomic
def team_member_add(*, team: Team, mediator: User, joined_on: datetime.date, by: User) -> TeamMember:
    if not perms.can_manage_team(by, team):
        raise ValidationError("Vous ne gérez pas cette équipe.")
    if not perms.team_candidates(by, team).filter(pk=mediator.pk).exists():
        raise ValidationError({"mediator": "Ce médiateur ne peut pas rejoindre cette équipe."})
    overlapping = TeamMember.objects.filter(team=team, mediator=mediator).exclude(left_on__lt=joined_on)
    if overlapping.exists():
        raise ValidationError({"mediator": "Ce médiateur fait déjà partie de l'équipe à cette date."})
    member = TeamMember(team=team, mediator=mediator, joined_on=joined_on)
    member.full_clean()
    member.save()
    logger.info("team_member_add team=%s mediator=%s by=%s", team.pk, mediator.pk, by.pk)
    return member


@transaction.atomic
def team_member_leave(*, member: TeamMember, left_on: datetime.date, by: User) -> TeamMember:
    """The mediator leaves the team on `left_on` (that day included): their activities count for the team up to
    then."""
    member = TeamMember.objects.select_for_update().select_related("team").get(pk=member.pk)
    if not perms.can_manage_team(by, member.team):
        raise ValidationError("Vous ne gérez pas cette équipe.")
    if member.left_on is not None:
        raise ValidationError({"left_on": f"Ce médiateur a déjà quitté l'équipe le {member.left_on:%d/%m/%Y}."})
    if left_on < member.joined_on:
        raise ValidationError(
            {"left_on": f"La date de départ est avant l'arrivée dans l'équipe ({member.joined_on:%d/%m/%Y})."}
        )
    member.left_on = left_on
    member.full_clean()
    member.save(update_fields=["left_on"])
    logger.info("team_member_leave member=%s left_on=%s by=%s", member.pk, left_on.isoformat(), by.pk)
    return member


# Share links.


@transaction.atomic
def share_link_create(*, by: User, label: str, filters: StatsFilters, expires_at: datetime.datetime) -> ShareLink:
    if not perms.can_create_share_links(by):
        raise ValidationError("Vous ne pouvez pas partager de tableau de bord.")
    if not perms.can_share(by, filters):
        raise ValidationError({"filters": "Un lien de partage se limite à l'un de vos départements."})
    now = timezone.now()
    if expires_at <= now:
        raise ValidationError({"expires_at": "La date de fin de validité est déjà passée."})
    if expires_at > now + datetime.timedelta(days=SHARE_LINK_MAX_DAYS):
        raise ValidationError({"expires_at": "Un lien de partage vaut un an au plus."})
    link = ShareLink(label=label, filters=filters.as_params(), expires_at=expires_at, created_by=by)
    link.full_clean()
    link.save()
    logger.info("share_link_create id=%s by=%s", link.pk, by.pk)
    return link


@transaction.atomic
def share_link_revoke(*, link: ShareLink, by: User) -> ShareLink:
    link = ShareLink.objects.select_for_update().get(pk=link.pk)
    if not perms.can_revoke_share_link(by, link):
        raise ValidationError("Vous ne pouvez pas révoquer ce lien.")
    if link.revoked_at is None:
        link.revoked_at = timezone.now()
        link.save(update_fields=["revoked_at"])
        logger.info("share_link_revoke id=%s by=%s", link.pk, by.pk)
    return link
