"""Habilitation of mediators: the certifying training, the decision, suspension after six months unused.

States: requested → in training (first module recorded) → habilitated (every module, certificate, score ≥
PASS_SCORE) → suspended (by a manager, or by `habilitations_lapse_inactive` after INACTIVITY without use) →
habilitated again after a re-check; withdrawn from any state (a new request starts the path over).

Every change writes a HABILITATION_CHANGED journal entry with ids and codes only (never a name, nor the free
text of a reason). Who may decide is checked here too (tremplin.mandates.habilitation_perms): the screens,
commands and the demo all go through these functions.
"""

from datetime import date, datetime, timedelta

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Count, Q
from django.utils import timezone
from django_otp import user_has_device

from tremplin.accounts.models import User

from . import journal
from .enums import HabilitationStatus, JournalAction, TrainingModule
from .habilitation_perms import (
    HABILITABLE_ROLES,
    can_decide_habilitation,
    can_request_habilitation,
)
from .models import Habilitation, TrainingStep

PASS_SCORE = 70  # out of 100, at the skills test
INACTIVITY = timedelta(days=182)  # an account unused this long loses its habilitation until re-checked
LAPSE_REASON = "Compte inutilisé depuis six mois : habilitation à revérifier"
# Journal codes of why a habilitation was suspended (the reason's text stays on the habilitation).
BY_DECISION = "decision"
BY_INACTIVITY = "inactivite"

H = HabilitationStatus


def _refuse_unless(allowed: bool) -> None:
    if not allowed:
        raise PermissionDenied("Votre rôle ne permet pas de décider de l'habilitation de ce médiateur.")


def _lock(habilitation: Habilitation) -> Habilitation:
    locked = Habilitation.objects.select_for_update().get(pk=habilitation.pk)
    locked.user = habilitation.user  # already loaded by the caller: no second query
    return locked


def _journal(*, habilitation: Habilitation, old: str | None, by, **details) -> None:
    journal.append(
        action=JournalAction.HABILITATION_CHANGED,
        actor=by,
        organisation_id=habilitation.user.organisation_id,
        details={"user": habilitation.user_id, "from": old, "to": habilitation.status, **details},
    )


def _change(habilitation: Habilitation, status: str, *, by, reason: str = "", at: datetime | None = None) -> str:
    old = habilitation.status
    habilitation.status = status
    habilitation.status_changed_at = at or timezone.now()
    habilitation.status_changed_by = by
    habilitation.status_reason = reason
    return old


def _reason(reason: str, message: str) -> str:
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": message})
    if len(reason) > 300:
        raise ValidationError({"reason": "Le motif ne doit pas dépasser 300 caractères."})
    return reason


def _not_in_future(day: date, field: str) -> None:
    if day > timezone.localdate():
        raise ValidationError({field: "La date ne peut pas être dans le futur."})


# --- services --------------------------------------------------------------------------------------


@transaction.atomic
def habilitation_request(*, user, by) -> Habilitation:
    """Ask for a mediator's habilitation (the mediator themselves, or a manager who decides for them).

    After a withdrawal the path starts over: former modules and certificate are cleared (the journal keeps them).
    """
    if user.role not in HABILITABLE_ROLES:
        raise ValidationError(
            "Seuls les médiateurs et le personnel des structures partenaires peuvent être habilités "
            "à agir pour une personne."
        )
    _refuse_unless(can_request_habilitation(by, user))
    habilitation = Habilitation.objects.select_for_update().filter(user=user).first()
    now = timezone.now()
    if habilitation is None:
        habilitation = Habilitation(user=user, status=H.REQUESTED, requested_at=now, status_changed_by=by)
        habilitation.status_changed_at = now
        old = None
    elif habilitation.status == H.WITHDRAWN:
        habilitation.user = user
        old = _change(habilitation, H.REQUESTED, by=by, at=now)
        habilitation.requested_at = now
        habilitation.certificate_number, habilitation.certified_on, habilitation.skills_score = "", None, None
        habilitation.rechecked_at = None
        habilitation.steps.all().delete()
    else:
        raise ValidationError(
            f"Une habilitation existe déjà pour ce compte (état : {habilitation.get_status_display().lower()})."
        )
    habilitation.full_clean()
    habilitation.save()
    _journal(habilitation=habilitation, old=old, by=by)
    return habilitation


@transaction.atomic
def training_step_record(
    *, habilitation: Habilitation, module: str, completed_on: date, trainer: str, by
) -> TrainingStep:
    """One module of the certifying training done; the first one moves a request into training."""
    _refuse_unless(can_decide_habilitation(by, habilitation.user))
    habilitation = _lock(habilitation)
    if habilitation.status not in (H.REQUESTED, H.IN_TRAINING):
        raise ValidationError(
            "La formation ne s'enregistre que pour une habilitation demandée ou en cours "
            f"(état actuel : {habilitation.get_status_display().lower()})."
        )
    if module not in TrainingModule.values:
        raise ValidationError({"module": "Choisissez un module de la formation."})
    if habilitation.steps.filter(module=module).exists():
        raise ValidationError({"module": f"Le module « {TrainingModule(module).label} » est déjà enregistré."})
    _not_in_future(completed_on, "completed_on")
    step = TrainingStep(habilitation=habilitation, module=module, completed_on=completed_on, trainer=trainer.strip())
    step.full_clean()
    step.save()
    old = habilitation.status
    if old == H.REQUESTED:
        _change(habilitation, H.IN_TRAINING, by=by)
        habilitation.full_clean()
        habilitation.save()
    _journal(habilitation=habilitation, old=old, by=by, module=module, completed_on=completed_on.isoformat())
    return step


@transaction.atomic
def habilitation_grant(
    *, habilitation: Habilitation, certificate_number: str, certified_on: date, skills_score: int, by
) -> Habilitation:
    """Habilitate a mediator in training: every module done, a certificate, and at least PASS_SCORE/100."""
    _refuse_unless(can_decide_habilitation(by, habilitation.user))
    habilitation = _lock(habilitation)
    if habilitation.status == H.SUSPENDED:
        raise ValidationError("Cette habilitation est suspendue : revérifiez-la pour la rétablir.")
    if habilitation.status != H.IN_TRAINING:
        raise ValidationError(
            "Seul un médiateur en formation peut être habilité "
            f"(état actuel : {habilitation.get_status_display().lower()})."
        )
    missing = missing_modules(habilitation)
    if missing:
        names = ", ".join(f"« {module.label} »" for module in missing)
        raise ValidationError(f"Formation incomplète : il manque {names}.")
    errors = {}
    if skills_score is None or not 0 <= skills_score <= 100:
        errors["skills_score"] = "Indiquez le score au test de compétences, entre 0 et 100."
    elif skills_score < PASS_SCORE:
        errors["skills_score"] = (
            f"Score insuffisant : {skills_score}/100. Il faut au moins {PASS_SCORE}/100 au test de compétences."
        )
    certificate_number = (certificate_number or "").strip()
    if not certificate_number:
        errors["certificate_number"] = "Indiquez le numéro du certificat."
    last_module = max(step.completed_on for step in habilitation.steps.all())
    if certified_on > timezone.localdate():
        errors["certified_on"] = "La date ne peut pas être dans le futur."
    elif certified_on < last_module:
        errors["certified_on"] = f"Le certificat ne peut pas précéder le dernier module suivi ({last_module:%d/%m/%Y})."
    if errors:
        raise ValidationError(errors)
    old = _change(habilitation, H.HABILITATED, by=by)
    habilitation.certificate_number, habilitation.certified_on = certificate_number, certified_on
    habilitation.skills_score, habilitation.rechecked_at = skills_score, None
    habilitation.full_clean()
    habilitation.save()
    _journal(
        habilitation=habilitation,
        old=old,
        by=by,
        certificate=certificate_number,
        certified_on=certified_on.isoformat(),
        score=skills_score,
    )
    return habilitation


@transaction.atomic
def habilitation_suspend(*, habilitation: Habilitation, reason: str, by) -> Habilitation:
    """A manager suspends a habilitated mediator (until a re-check)."""
    _refuse_unless(can_decide_habilitation(by, habilitation.user))
    reason = _reason(reason, "Indiquez le motif de la suspension.")
    habilitation = _lock(habilitation)
    if habilitation.status != H.HABILITATED:
        raise ValidationError(
            "Seule une habilitation en cours de validité peut être suspendue "
            f"(état actuel : {habilitation.get_status_display().lower()})."
        )
    old = _change(habilitation, H.SUSPENDED, by=by, reason=reason)
    habilitation.full_clean()
    habilitation.save()
    _journal(habilitation=habilitation, old=old, by=by, motif=BY_DECISION)
    return habilitation


@transaction.atomic
def habilitation_withdraw(*, habilitation: Habilitation, reason: str, by) -> Habilitation:
    """Withdraw a habilitation, whatever its state (a new request would start the training over)."""
    _refuse_unless(can_decide_habilitation(by, habilitation.user))
    reason = _reason(reason, "Indiquez le motif du retrait.")
    habilitation = _lock(habilitation)
    if habilitation.status == H.WITHDRAWN:
        raise ValidationError("Cette habilitation est déjà retirée.")
    old = _change(habilitation, H.WITHDRAWN, by=by, reason=reason)
    habilitation.full_clean()
    habilitation.save()
    _journal(habilitation=habilitation, old=old, by=by)
    return habilitation


@transaction.atomic
def habilitation_recheck(*, habilitation: Habilitation, by) -> Habilitation:
    """A manager re-checked a suspended mediator (after six months unused, or a suspension): habilitated again.

    The six months start again from now, even if the mediator has not signed in since."""
    _refuse_unless(can_decide_habilitation(by, habilitation.user))
    habilitation = _lock(habilitation)
    if habilitation.status != H.SUSPENDED:
        raise ValidationError(
            "Seule une habilitation suspendue peut être revérifiée "
            f"(état actuel : {habilitation.get_status_display().lower()})."
        )
    if not habilitation.certificate_number:
        raise ValidationError("Ce médiateur n'a jamais été certifié : il doit suivre la formation.")
    now = timezone.now()
    old = _change(habilitation, H.HABILITATED, by=by, at=now)
    habilitation.rechecked_at = now
    habilitation.full_clean()
    habilitation.save()
    _journal(habilitation=habilitation, old=old, by=by, rechecked_at=now.isoformat())
    return habilitation


def _unused(cutoff: datetime):
    """Habilitations unused since `cutoff`: no sign-in and no decision since (a grant or re-check restarts it)."""
    return Habilitation.objects.filter(user__in=User.objects.filter(_unused_q(cutoff, "")).values("pk"))


def _lapse(habilitation: Habilitation, now: datetime) -> None:
    old = _change(habilitation, H.SUSPENDED, by=None, reason=LAPSE_REASON, at=now)
    habilitation.full_clean()
    habilitation.save()
    last_login = habilitation.user.last_login
    _journal(
        habilitation=habilitation,
        old=old,
        by=None,
        motif=BY_INACTIVITY,
        last_login=last_login.isoformat() if last_login else None,
    )


def habilitations_lapse_inactive(*, now: datetime | None = None) -> int:
    """Suspend every habilitation unused for INACTIVITY (idempotent; daily, by `lapse_habilitations`).

    Unused: no sign-in (`last_login`, or never) and no decision (`status_changed_at`) for more than 182 days.
    Returns how many were suspended."""
    now = now or timezone.now()
    cutoff = now - INACTIVITY
    count = 0
    for pk in _unused(cutoff).values_list("pk", flat=True):
        with transaction.atomic():
            habilitation = _unused(cutoff).select_for_update().filter(pk=pk).select_related("user").first()
            if habilitation is not None:  # re-checked or signed in meanwhile
                _lapse(habilitation, now)
                count += 1
    return count


@transaction.atomic
def habilitation_lapse_if_inactive(*, user, now: datetime | None = None) -> bool:
    """The same rule for one account: meant to run at sign-in, before `last_login` is updated."""
    now = now or timezone.now()
    habilitation = _unused(now - INACTIVITY).select_for_update().filter(user=user).select_related("user").first()
    if habilitation is None:
        return False
    _lapse(habilitation, now)
    return True


# --- reads -----------------------------------------------------------------------------------------

# States of the managers' list beside HabilitationStatus: no habilitation at all, and to re-check.
NONE = "aucune"
TO_RECHECK = "a_reverifier"


def _unused_q(cutoff: datetime, prefix: str) -> Q:
    """Users (through `prefix`) habilitated and unused since `cutoff`, not yet suspended by the daily run."""
    return Q(
        **{f"{prefix}habilitation__status": H.HABILITATED, f"{prefix}habilitation__status_changed_at__lt": cutoff}
    ) & (Q(**{f"{prefix}last_login__lt": cutoff}) | Q(**{f"{prefix}last_login__isnull": True}))


def user_state_q(state: str, *, now: datetime | None = None, prefix: str = "") -> Q:
    """Users (or rows reaching a user through `prefix`, e.g. "user__") in one state of the managers' list.

    HABILITATED leaves out those to re-check; TO_RECHECK is suspended for six months unused, or unused that long
    and not yet suspended; NONE is no habilitation at all."""
    cutoff = (now or timezone.now()) - INACTIVITY
    status = f"{prefix}habilitation__status"
    if state == NONE:
        return Q(**{f"{prefix}habilitation__isnull": True})
    if state == TO_RECHECK:
        return Q(**{status: H.SUSPENDED, f"{prefix}habilitation__status_reason": LAPSE_REASON}) | _unused_q(
            cutoff, prefix
        )
    if state == H.HABILITATED:
        used = Q(**{f"{prefix}habilitation__status_changed_at__gte": cutoff}) | Q(
            **{f"{prefix}last_login__gte": cutoff}
        )
        return Q(**{status: H.HABILITATED}) & used
    return Q(**{status: state})


def state_counts(*, now: datetime | None = None, prefix: str = "") -> dict[str, Count]:
    """Aggregates of the managers' figures: habilitated, in training, requested, suspended or to re-check, none
    (no habilitation, or withdrawn). Each mediator counts once (per group)."""
    field = f"{prefix}pk" if prefix else "pk"

    def count(q: Q) -> Count:
        return Count(field, distinct=True, filter=q)

    def state(code: str) -> Q:
        return user_state_q(code, now=now, prefix=prefix)

    return {
        "habilitated": count(state(H.HABILITATED)),
        "in_training": count(state(H.IN_TRAINING)),
        "requested": count(state(H.REQUESTED)),
        "suspended_or_overdue": count(state(H.SUSPENDED) | state(TO_RECHECK)),
        "without": count(state(NONE) | state(H.WITHDRAWN)),
        "total": Count(field, distinct=True),
    }


def missing_modules(habilitation: Habilitation | None) -> list[TrainingModule]:
    done = set() if habilitation is None else {step.module for step in habilitation.steps.all()}
    return [module for module in TrainingModule if module.value not in done]


def last_activity(habilitation: Habilitation) -> datetime:
    """Since when the account counts as unused: its last sign-in, or the last decision if later."""
    last_login = habilitation.user.last_login
    return max(last_login, habilitation.status_changed_at) if last_login else habilitation.status_changed_at


def needs_recheck(habilitation: Habilitation | None, *, now: datetime | None = None) -> bool:
    """To re-check: suspended for six months unused, or habilitated and unused that long (lapse not yet run)."""
    if habilitation is None:
        return False
    if habilitation.status == H.SUSPENDED:
        return habilitation.status_reason == LAPSE_REASON
    now = now or timezone.now()
    return habilitation.status == H.HABILITATED and last_activity(habilitation) < now - INACTIVITY


def _get_habilitation(user) -> Habilitation | None:
    try:
        return user.habilitation
    except Habilitation.DoesNotExist:
        return None


def habilitation_block(user) -> str | None:
    """Why this account may not create or use mandates now (a French sentence), or None when it may."""
    if not (user and user.is_authenticated and user.is_active):
        return "Connectez-vous avec un compte actif pour agir au nom d'une personne."
    habilitation = _get_habilitation(user)
    if habilitation is None:
        return (
            "Vous n'êtes pas habilité à agir au nom d'une personne : demandez votre habilitation "
            "et suivez la formation certifiante."
        )
    if habilitation.status == H.REQUESTED:
        return (
            "Votre demande d'habilitation est enregistrée : suivez la formation certifiante "
            "avant d'agir au nom d'une personne."
        )
    if habilitation.status == H.IN_TRAINING:
        done = len(TrainingModule) - len(missing_modules(habilitation))
        return (
            f"Vous êtes en formation ({done} module{'s' if done > 1 else ''} sur {len(TrainingModule)}) : "
            "l'habilitation vient après la certification."
        )
    if habilitation.status == H.SUSPENDED:
        return f"Votre habilitation est suspendue (motif : {habilitation.status_reason})."
    if habilitation.status == H.WITHDRAWN:
        return "Votre habilitation a été retirée : vous ne pouvez plus agir au nom d'une personne."
    if not user_has_device(user, confirmed=True):
        return (
            "Activez la double authentification (application ou carte TOTP) : elle est obligatoire "
            "pour agir au nom d'une personne."
        )
    return None


def is_habilitated(user) -> bool:
    return habilitation_block(user) is None
