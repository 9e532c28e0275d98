"""Issue 14 §2: habilitation of mediators — training path, the grant rule, six months unused, re-check, who may
act for a person (habilitated and a second factor), and the managers' list per département."""

import datetime
import json
from io import StringIO

import pytest
import time_machine
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone
from django_otp.plugins.otp_totp.models import TOTPDevice

from tests.accounts.otp import mark_verified
from tests.beneficiaries.worlds import make_world
from tests.factories import SiteFactory, UserFactory
from tremplin.mandates import habilitation as services
from tremplin.mandates.enums import HabilitationStatus as H
from tremplin.mandates.enums import JournalAction, TrainingModule
from tremplin.mandates.models import Habilitation, JournalEntry

pytestmark = pytest.mark.django_db

LIST = reverse("mandates:habilitation_list")
MINE = reverse("mandates:habilitation_mine")


@pytest.fixture
def world():
    world = make_world()
    world.mediator = world.users.mediator  # La Poste, offices o1 and o2 in the Côtes-d'Armor (22)
    world.mediator_29 = UserFactory(mediator=True, organisation=world.la_poste, sites=[world.o3], last_name="Kerbrat")
    return world


def _entries(user) -> list[JournalEntry]:
    return list(
        JournalEntry.objects.filter(action=JournalAction.HABILITATION_CHANGED, details__user=user.pk).order_by(
            "position"
        )
    )


def _trained(mediator, by, *, modules=TrainingModule) -> Habilitation:
    habilitation = services.habilitation_request(user=mediator, by=mediator)
    day = timezone.localdate() - datetime.timedelta(days=20)
    for offset, module in enumerate(modules):
        services.training_step_record(
            habilitation=habilitation,
            module=module,
            completed_on=day + datetime.timedelta(days=offset),
            trainer="Léa Formatrice",
            by=by,
        )
    habilitation.refresh_from_db()
    return habilitation


def _habilitated(mediator, by, *, score=82) -> Habilitation:
    habilitation = _trained(mediator, by)
    return services.habilitation_grant(
        habilitation=habilitation,
        certificate_number="AC-2026-0042",
        certified_on=timezone.localdate(),
        skills_score=score,
        by=by,
    )


def _device(user, *, confirmed=True) -> TOTPDevice:
    return TOTPDevice.objects.create(user=user, name="Téléphone", confirmed=confirmed)


# --- the path: request → in training → habilitated, and the journal --------------------------------


def test_request_then_training_moves_to_in_training_and_grant_needs_every_module_and_70(world):
    coordinator = world.users.coordinator_22
    habilitation = services.habilitation_request(user=world.mediator, by=world.mediator)
    assert habilitation.status == H.REQUESTED

    _trained_partly = [TrainingModule.FRAMEWORK, TrainingModule.TOOL]
    for module in _trained_partly:
        services.training_step_record(
            habilitation=habilitation,
            module=module,
            completed_on=timezone.localdate(),
            trainer="Léa Formatrice",
            by=coordinator,
        )
    habilitation.refresh_from_db()
    assert habilitation.status == H.IN_TRAINING

    with pytest.raises(ValidationError) as missing:
        services.habilitation_grant(
            habilitation=habilitation,
            certificate_number="AC-1",
            certified_on=timezone.localdate(),
            skills_score=95,
            by=coordinator,
        )
    assert "Formation incomplète" in missing.value.messages[0]
    assert TrainingModule.SECURITY.label in missing.value.messages[0]
    assert TrainingModule.TOOL.label not in missing.value.messages[0]

    for module in (TrainingModule.SECURITY, TrainingModule.PRACTICE):
        services.training_step_record(
            habilitation=habilitation,
            module=module,
            completed_on=timezone.localdate(),
            trainer="Léa Formatrice",
            by=coordinator,
        )
    with pytest.raises(ValidationError) as low:
        services.habilitation_grant(
            habilitation=habilitation,
            certificate_number="AC-1",
            certified_on=timezone.localdate(),
            skills_score=services.PASS_SCORE - 1,
            by=coordinator,
        )
    assert "Score insuffisant : 69/100" in low.value.message_dict["skills_score"][0]
    habilitation.refresh_from_db()
    assert habilitation.status == H.IN_TRAINING

    services.habilitation_grant(
        habilitation=habilitation,
        certificate_number="AC-1",
        certified_on=timezone.localdate(),
        skills_score=services.PASS_SCORE,
        by=coordinator,
    )
    habilitation.refresh_from_db()
    assert habilitation.status == H.HABILITATED
    assert (habilitation.certificate_number, habilitation.skills_score) == ("AC-1", 70)
    assert habilitation.status_changed_by == coordinator


def test_every_change_is_journaled_with_ids_and_codes_only(world):
    coordinator = world.users.coordinator_22
    habilitation = _habilitated(world.mediator, coordinator)
    services.habilitation_suspend(habilitation=habilitation, reason="Plainte de Mme Durand à vérifier", by=coordinator)

    entries = _entries(world.mediator)
    transitions = [(entry.details["from"], entry.details["to"]) for entry in entries]
    assert transitions == [
        (None, H.REQUESTED),
        (H.REQUESTED, H.IN_TRAINING),
        (H.IN_TRAINING, H.IN_TRAINING),
        (H.IN_TRAINING, H.IN_TRAINING),
        (H.IN_TRAINING, H.IN_TRAINING),
        (H.IN_TRAINING, H.HABILITATED),
        (H.HABILITATED, H.SUSPENDED),
    ]
    assert [entry.details.get("module") for entry in entries[1:5]] == list(TrainingModule.values)
    assert entries[0].actor_id == world.mediator.pk and entries[-1].actor_id == coordinator.pk
    assert {entry.organisation_id for entry in entries} == {world.la_poste.pk}
    assert entries[5].details["score"] == 82 and entries[5].details["certificate"] == "AC-2026-0042"
    text = json.dumps([entry.details for entry in entries], ensure_ascii=False)
    for name in (world.mediator.last_name, world.mediator.first_name, "Léa", "Durand"):
        assert name not in text


def test_refusals_of_transitions_in_french(world):
    coordinator = world.users.coordinator_22
    with pytest.raises(ValidationError, match="Seuls les médiateurs et le personnel"):
        services.habilitation_request(user=world.users.counter, by=world.users.national)

    habilitation = services.habilitation_request(user=world.mediator, by=coordinator)
    with pytest.raises(ValidationError, match="existe déjà"):
        services.habilitation_request(user=world.mediator, by=world.mediator)
    with pytest.raises(ValidationError, match="Seul un médiateur en formation"):
        services.habilitation_grant(
            habilitation=habilitation,
            certificate_number="X",
            certified_on=timezone.localdate(),
            skills_score=90,
            by=coordinator,
        )
    with pytest.raises(ValidationError) as future:
        services.training_step_record(
            habilitation=habilitation,
            module=TrainingModule.TOOL,
            completed_on=timezone.localdate() + datetime.timedelta(days=1),
            trainer="Léa",
            by=coordinator,
        )
    assert future.value.message_dict == {"completed_on": ["La date ne peut pas être dans le futur."]}
    services.training_step_record(
        habilitation=habilitation,
        module=TrainingModule.TOOL,
        completed_on=timezone.localdate(),
        trainer="Léa",
        by=coordinator,
    )
    with pytest.raises(ValidationError) as twice:
        services.training_step_record(
            habilitation=habilitation,
            module=TrainingModule.TOOL,
            completed_on=timezone.localdate(),
            trainer="Léa",
            by=coordinator,
        )
    assert "déjà enregistré" in twice.value.message_dict["module"][0]
    with pytest.raises(ValidationError, match="Seule une habilitation en cours de validité"):
        services.habilitation_suspend(habilitation=habilitation, reason="Motif", by=coordinator)
    with pytest.raises(ValidationError, match="Seule une habilitation suspendue"):
        services.habilitation_recheck(habilitation=habilitation, by=coordinator)
    habilitation.refresh_from_db()
    assert habilitation.status == H.IN_TRAINING and habilitation.steps.count() == 1

    granted = _habilitated(world.mediator_29, world.users.coordinator_29)
    with pytest.raises(ValidationError) as no_reason:
        services.habilitation_suspend(habilitation=granted, reason="  ", by=world.users.coordinator_29)
    assert no_reason.value.message_dict == {"reason": ["Indiquez le motif de la suspension."]}
    granted.refresh_from_db()
    assert granted.status == H.HABILITATED


def test_grant_refuses_missing_certificate_and_a_certificate_older_than_the_training(world):
    coordinator = world.users.coordinator_22
    habilitation = _trained(world.mediator, coordinator)
    with pytest.raises(ValidationError) as error:
        services.habilitation_grant(
            habilitation=habilitation,
            certificate_number=" ",
            certified_on=timezone.localdate() - datetime.timedelta(days=60),
            skills_score=101,
            by=coordinator,
        )
    assert set(error.value.message_dict) == {"certificate_number", "certified_on", "skills_score"}
    assert "ne peut pas précéder le dernier module" in error.value.message_dict["certified_on"][0]
    habilitation.refresh_from_db()
    assert habilitation.status == H.IN_TRAINING and not habilitation.certificate_number


def test_withdraw_from_any_state_then_a_new_request_starts_the_training_over(world):
    coordinator = world.users.coordinator_22
    habilitation = _habilitated(world.mediator, coordinator)
    services.habilitation_withdraw(habilitation=habilitation, reason="A quitté le programme", by=coordinator)
    habilitation.refresh_from_db()
    assert habilitation.status == H.WITHDRAWN and habilitation.status_reason == "A quitté le programme"
    with pytest.raises(ValidationError, match="déjà retirée"):
        services.habilitation_withdraw(habilitation=habilitation, reason="Encore", by=coordinator)

    again = services.habilitation_request(user=world.mediator, by=world.mediator)
    assert again.pk == habilitation.pk and again.status == H.REQUESTED
    assert again.steps.count() == 0 and again.certificate_number == "" and again.skills_score is None
    assert _entries(world.mediator)[-1].details == {"user": world.mediator.pk, "from": H.WITHDRAWN, "to": H.REQUESTED}


# --- who decides -----------------------------------------------------------------------------------


def test_who_may_decide(world):
    users = world.users
    habilitation = services.habilitation_request(user=world.mediator, by=world.mediator)  # their own: allowed
    step = {"module": TrainingModule.TOOL, "completed_on": timezone.localdate(), "trainer": "Léa"}
    for outsider in (
        users.coordinator_29,
        users.admin,
        world.mediator,
        users.partner_mediator_elsewhere,
        users.counter,
    ):
        with pytest.raises(PermissionDenied):
            services.training_step_record(habilitation=habilitation, by=outsider, **step)
    with pytest.raises(PermissionDenied):  # a mediator may not ask for someone else
        services.habilitation_request(user=world.mediator_29, by=world.mediator)
    assert not habilitation.steps.exists()

    services.training_step_record(habilitation=habilitation, by=users.coordinator_22, **step)  # site in the 22
    services.training_step_record(  # La Poste's national manager: every La Poste mediator
        habilitation=habilitation, by=users.national, **(step | {"module": TrainingModule.FRAMEWORK})
    )
    assert habilitation.steps.count() == 2
    association_mediator = users.partner_mediator_elsewhere  # the association's, not La Poste's
    with pytest.raises(PermissionDenied):
        services.habilitation_request(user=association_mediator, by=users.national)


# --- six months unused, re-check ------------------------------------------------------------------


def test_six_months_unused_suspends_until_rechecked_and_is_idempotent(world):
    coordinator = world.users.coordinator_22
    granted_at = timezone.now()
    habilitation = _habilitated(world.mediator, coordinator)
    world.mediator.last_login = granted_at
    world.mediator.save(update_fields=["last_login"])
    recent = _habilitated(world.mediator_29, world.users.coordinator_29)

    with time_machine.travel(granted_at + datetime.timedelta(days=181), tick=False):
        assert services.habilitations_lapse_inactive() == 0

    with time_machine.travel(granted_at + datetime.timedelta(days=183), tick=False):
        world.mediator_29.last_login = timezone.now() - datetime.timedelta(days=10)  # still in use
        world.mediator_29.save(update_fields=["last_login"])
        assert services.habilitations_lapse_inactive() == 1
        assert services.habilitations_lapse_inactive() == 0  # idempotent
        habilitation.refresh_from_db()
        assert habilitation.status == H.SUSPENDED and habilitation.status_reason == services.LAPSE_REASON
        assert habilitation.status_changed_by is None
        recent.refresh_from_db()
        assert recent.status == H.HABILITATED
        lapse = _entries(world.mediator)[-1]
        assert lapse.actor_id is None and lapse.details["motif"] == services.BY_INACTIVITY
        assert lapse.details["to"] == H.SUSPENDED
        assert services.needs_recheck(habilitation)
        world.mediator.refresh_from_db()
        assert "Compte inutilisé depuis six mois" in services.habilitation_block(world.mediator)

        services.habilitation_recheck(habilitation=habilitation, by=coordinator)
        habilitation.refresh_from_db()
        assert habilitation.status == H.HABILITATED and habilitation.rechecked_at == timezone.now()
        assert not services.needs_recheck(habilitation)
        # The re-check restarts the six months, even though the mediator has not signed in since.
        assert services.habilitations_lapse_inactive() == 0
        assert _entries(world.mediator)[-1].details["from"] == H.SUSPENDED

    with time_machine.travel(granted_at + datetime.timedelta(days=183 + 183), tick=False):
        assert services.habilitations_lapse_inactive() == 2


def test_never_signed_in_counts_from_the_decision(world):
    habilitation = _habilitated(world.mediator, world.users.coordinator_22)
    assert world.mediator.last_login is None
    decided = habilitation.status_changed_at
    assert services.habilitations_lapse_inactive(now=decided + datetime.timedelta(days=182, hours=-1)) == 0
    assert services.habilitations_lapse_inactive(now=decided + datetime.timedelta(days=182, hours=1)) == 1


def test_lapse_habilitations_command(world):
    habilitation = _habilitated(world.mediator, world.users.coordinator_22)
    with time_machine.travel(habilitation.status_changed_at + datetime.timedelta(days=200), tick=False):
        out = StringIO()
        call_command("lapse_habilitations", stdout=out)
        assert out.getvalue().strip() == "1 habilitation suspendue (compte inutilisé depuis six mois)."
        out = StringIO()
        call_command("lapse_habilitations", stdout=out)
        assert out.getvalue().strip() == "Aucune habilitation à suspendre."


def test_lapse_of_one_account_at_sign_in(world):
    habilitation = _habilitated(world.mediator, world.users.coordinator_22)
    later = habilitation.status_changed_at + datetime.timedelta(days=190)
    assert services.habilitation_lapse_if_inactive(user=world.mediator_29, now=later) is False
    assert services.habilitation_lapse_if_inactive(user=world.mediator, now=later) is True
    habilitation.refresh_from_db()
    assert habilitation.status == H.SUSPENDED


# --- may this account act for a person? ------------------------------------------------------------


def test_block_reasons_until_habilitated_with_a_confirmed_second_factor(world):
    mediator, coordinator = world.mediator, world.users.coordinator_22
    assert "pas habilité" in services.habilitation_block(mediator)
    habilitation = services.habilitation_request(user=mediator, by=mediator)
    mediator.refresh_from_db()
    assert "demande d'habilitation est enregistrée" in services.habilitation_block(mediator)
    services.training_step_record(
        habilitation=habilitation,
        module=TrainingModule.TOOL,
        completed_on=timezone.localdate(),
        trainer="Léa",
        by=coordinator,
    )
    mediator.refresh_from_db()
    assert "en formation (1 module sur 4)" in services.habilitation_block(mediator)

    habilitation.steps.all().delete()
    habilitation.status = H.REQUESTED
    habilitation.save()
    _, granted = None, None
    for module in TrainingModule:
        services.training_step_record(
            habilitation=habilitation, module=module, completed_on=timezone.localdate(), trainer="Léa", by=coordinator
        )
    granted = services.habilitation_grant(
        habilitation=habilitation,
        certificate_number="AC-9",
        certified_on=timezone.localdate(),
        skills_score=90,
        by=coordinator,
    )
    mediator.refresh_from_db()
    assert "double authentification" in services.habilitation_block(mediator)
    _device(mediator, confirmed=False)
    assert "double authentification" in services.habilitation_block(mediator)
    assert not services.is_habilitated(mediator)
    _device(mediator)
    assert services.habilitation_block(mediator) is None and services.is_habilitated(mediator)

    services.habilitation_suspend(habilitation=granted, reason="Contrôle en cours", by=coordinator)
    mediator.refresh_from_db()
    assert services.habilitation_block(mediator) == "Votre habilitation est suspendue (motif : Contrôle en cours)."
    services.habilitation_withdraw(habilitation=granted, reason="Fin de contrat", by=coordinator)
    mediator.refresh_from_db()
    assert "retirée" in services.habilitation_block(mediator) and not services.is_habilitated(mediator)


# --- the screens -----------------------------------------------------------------------------------


def test_list_is_scoped_by_role(client, world):
    _habilitated(world.mediator, world.users.coordinator_22)
    services.habilitation_request(user=world.mediator_29, by=world.mediator_29)

    assert client.get(LIST).status_code == 302 and client.get(LIST).url.startswith(reverse("accounts:login"))

    client.force_login(world.mediator)
    assert client.get(LIST).status_code == 403
    assert client.get(reverse("mandates:habilitation_detail", args=[world.mediator.pk])).status_code == 403

    client.force_login(world.users.coordinator_29)
    page = client.get(LIST)
    assert page.status_code == 200
    text = page.content.decode()
    assert world.mediator.last_name not in text and "Côtes-d&#x27;Armor" not in text
    assert world.mediator_29.last_name in text
    assert [row["code"] for row in page.context["by_departement"]] == ["29"]
    assert client.get(reverse("mandates:habilitation_detail", args=[world.mediator.pk])).status_code == 404

    client.force_login(world.users.coordinator_22)
    page = client.get(LIST)
    rows = {row["code"]: row for row in page.context["by_departement"]}
    assert set(rows) == {"22"}  # a mediator of the Finistère only: not this coordinator's
    # Our mediator (habilitated) only: the association's mediator at o1 and its staff member at p1 belong to
    # another organisation, whose coordinators follow them.
    assert (rows["22"]["habilitated"], rows["22"]["without"], rows["22"]["total"]) == (1, 0, 1)
    text = page.content.decode()
    assert world.mediator.last_name in text and world.mediator_29.last_name not in text
    assert "4 / 4" in text

    client.force_login(world.users.national)
    rows = {row["code"]: row for row in client.get(LIST).context["by_departement"]}
    assert rows["22"]["habilitated"] == 1 and rows["29"]["requested"] == 1


def test_list_filters_by_state_and_departement(client, world):
    _habilitated(world.mediator, world.users.coordinator_22)
    client.force_login(world.users.national)
    names = lambda response: [subject.pk for subject in response.context["page"]]  # noqa: E731
    assert names(client.get(LIST, {"etat": H.HABILITATED})) == [world.mediator.pk]
    assert names(client.get(LIST, {"etat": services.NONE})) == [world.mediator_29.pk]
    assert names(client.get(LIST, {"departement": "29"})) == [world.mediator_29.pk]

    client.force_login(world.users.coordinator_22)
    assert names(client.get(LIST, {"departement": "29"})) == []  # not their département: nothing


def test_overdue_mediators_are_flagged_and_counted(client, world):
    habilitation = _habilitated(world.mediator, world.users.coordinator_22)
    with time_machine.travel(habilitation.status_changed_at + datetime.timedelta(days=200), tick=False):
        client.force_login(world.users.coordinator_22)
        response = client.get(LIST, {"etat": services.TO_RECHECK})  # the daily run has not passed yet
        assert [subject.pk for subject in response.context["page"]] == [world.mediator.pk]
        assert response.context["page"][0].to_recheck
        row = response.context["by_departement"][0]
        assert (row["habilitated"], row["suspended_or_overdue"]) == (0, 1)
        assert "À revérifier" in response.content.decode()


def test_list_queries_do_not_grow_with_the_number_of_mediators(client, world, django_assert_max_num_queries):
    coordinator = world.users.coordinator_22
    for n in range(25):
        mediator = UserFactory(
            mediator=True, organisation=world.la_poste, sites=[SiteFactory(commune=world.o1.commune)]
        )
        if n % 2:
            _trained(mediator, coordinator, modules=[TrainingModule.TOOL])
    client.force_login(coordinator)
    with django_assert_max_num_queries(8):
        response = client.get(LIST)
    assert response.context["page"].paginator.count == 26  # 25 + ours (the association's two are not La Poste's)
    with django_assert_max_num_queries(8):
        assert client.get(reverse("mandates:habilitation_detail", args=[world.mediator.pk])).status_code == 200


def test_detail_shows_path_history_and_runs_the_decisions(client, world):
    coordinator = world.users.coordinator_22
    client.force_login(coordinator)
    detail = reverse("mandates:habilitation_detail", args=[world.mediator.pk])
    page = client.get(detail).content.decode()
    assert "n'a pas demandé d'habilitation" in page and "Inscrire à la formation" in page

    assert client.post(reverse("mandates:habilitation_request", args=[world.mediator.pk])).status_code == 302
    response = client.post(
        reverse("mandates:habilitation_step", args=[world.mediator.pk]),
        {"step-module": TrainingModule.FRAMEWORK, "step-completed_on": "2026-11-02", "step-trainer": "Léa Formatrice"},
    )
    assert response.status_code == 302 and response.url == detail
    page = client.get(detail).content.decode()
    assert "Léa Formatrice" in page and "02/11/2026" in page and "Demandée → En formation" in page
    assert "Habiliter le médiateur" not in page  # modules still missing

    for module in (TrainingModule.TOOL, TrainingModule.SECURITY, TrainingModule.PRACTICE):
        client.post(
            reverse("mandates:habilitation_step", args=[world.mediator.pk]),
            {"step-module": module, "step-completed_on": "2026-11-10", "step-trainer": "Léa Formatrice"},
        )
    low = client.post(
        reverse("mandates:habilitation_grant", args=[world.mediator.pk]),
        {"grant-certificate_number": "AC-7", "grant-certified_on": "2026-11-20", "grant-skills_score": "55"},
    )
    assert low.status_code == 200
    assert "Score insuffisant : 55/100" in low.content.decode()
    assert Habilitation.objects.get(user=world.mediator).status == H.IN_TRAINING

    client.post(
        reverse("mandates:habilitation_grant", args=[world.mediator.pk]),
        {"grant-certificate_number": "AC-7", "grant-certified_on": "2026-11-20", "grant-skills_score": "88"},
    )
    page = client.get(detail).content.decode()
    assert "Habilité" in page and "n° AC-7" in page and "88 / 100" in page
    assert "Suspendre" in page and "Retirer" in page

    empty = client.post(reverse("mandates:habilitation_suspend", args=[world.mediator.pk]), {"suspend-reason": ""})
    assert empty.status_code == 200 and Habilitation.objects.get(user=world.mediator).status == H.HABILITATED
    client.post(reverse("mandates:habilitation_suspend", args=[world.mediator.pk]), {"suspend-reason": "Contrôle"})
    assert Habilitation.objects.get(user=world.mediator).status == H.SUSPENDED
    client.post(reverse("mandates:habilitation_recheck", args=[world.mediator.pk]))
    assert Habilitation.objects.get(user=world.mediator).status == H.HABILITATED
    assert "Suspendue → Habilité" in client.get(detail).content.decode()


def test_decisions_refused_outside_the_scope(client, world):
    services.habilitation_request(user=world.mediator, by=world.mediator)
    url = reverse("mandates:habilitation_withdraw", args=[world.mediator.pk])
    client.force_login(world.users.coordinator_29)
    assert client.post(url, {"withdraw-reason": "Non"}).status_code == 404
    client.force_login(world.mediator)
    assert client.post(url, {"withdraw-reason": "Non"}).status_code == 403
    assert Habilitation.objects.get(user=world.mediator).status == H.REQUESTED


def test_my_habilitation_page(client, world):
    client.force_login(world.mediator)
    page = client.get(MINE).content.decode()
    assert "Demander mon habilitation" in page and "Activer la double authentification" in page
    assert client.post(MINE).status_code == 302
    habilitation = Habilitation.objects.get(user=world.mediator)
    assert habilitation.status == H.REQUESTED
    page = client.get(MINE).content.decode()
    assert "Demander mon habilitation" not in page
    assert f"Suivre le module « {TrainingModule.SECURITY.label} »" in page

    assert "Vous ne pouvez pas encore agir" in page and "Vous êtes habilité" not in page

    client.force_login(world.users.coordinator_22)
    assert client.get(MINE).status_code == 403

    _habilitated(world.mediator_29, world.users.coordinator_29)
    client.force_login(world.mediator_29)
    page = client.get(MINE).content.decode()
    assert "Activer la double authentification" in page and "Vous êtes habilité" not in page
    mark_verified(client, _device(world.mediator_29))
    page = client.get(MINE).content.decode()
    assert "Vous êtes habilité" in page and "Activer la double authentification" not in page
    assert "n° AC-2026-0042" in page and "82 / 100" in page
