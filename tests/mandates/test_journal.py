"""The mandate journal: hash chain, database guard (triggers) on both engines, tampering below the ORM,
`verify_journal`, the export and its standalone checker, the daily task, the national managers' page.

Tampering is done as an attacker with database access would: the triggers are dropped with raw SQL, then rows
are changed with raw SQL. `unguarded` puts the triggers back (and the test's transaction is rolled back anyway).
"""

import importlib
import io
import json
import subprocess
import sys
import threading
import urllib.request
from datetime import timedelta
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command
from django.db import IntegrityError, connection, connections, transaction
from django.urls import reverse
from django.utils import timezone

from tests.beneficiaries.factories import BeneficiaryFactory
from tests.factories import OrganisationFactory, UserFactory
from tremplin.accounts.enums import Role
from tremplin.mandates import journal
from tremplin.mandates.enums import Duration, IdentityDocument, IdentityMethod, JournalAction
from tremplin.mandates.models import IdentityCheck, JournalEntry, JournalHead, JournalVerification, Mandate
from tremplin.mandates.tasks import journal_verify_task

guard = importlib.import_module("tremplin.mandates.migrations.0002_journal_guard")
SCRIPT = Path(__file__).resolve().parents[2] / "scripts" / "verify_journal_export.py"
TABLE = JournalEntry._meta.db_table
GUARD_MESSAGE = "Le journal des mandats est en ajout seul"


def _chain(count=5, **kwargs):
    return [
        journal.append(action=JournalAction.MANDATE_USED, details={"n": i, "code": f"C{i}"}, **kwargs)
        for i in range(count)
    ]


def _sql(sql, params=()):
    with connection.cursor() as cursor:
        cursor.execute(sql, params)


def _verify_journal(*args):
    out = io.StringIO()
    try:
        call_command("verify_journal", *args, stdout=out)
    except SystemExit as exit_:
        return exit_.code, out.getvalue()
    return 0, out.getvalue()


def _set_details(entry_id, details):
    cast = "CAST(%s AS jsonb)" if connection.vendor == "postgresql" else "%s"
    _sql(f"UPDATE {TABLE} SET details = {cast} WHERE id = %s", [json.dumps(details), entry_id])  # noqa: S608


def _triggers():
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SELECT tgname FROM pg_trigger WHERE tgrelid = %s::regclass AND NOT tgisinternal", [TABLE])
        else:
            cursor.execute("SELECT name FROM sqlite_master WHERE type = 'trigger' AND tbl_name = %s", [TABLE])
        return {row[0] for row in cursor.fetchall()}


@pytest.fixture
def unguarded(db):
    """The triggers dropped with raw SQL, as an attacker with database access would; re-created afterwards."""
    guard.remove(connection)
    assert _triggers() == set()
    yield
    guard.install(connection)


# --- the chain ---------------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_a_chain_built_by_append_verifies_and_links_each_entry_to_the_previous():
    entries = _chain(5)
    assert [e.position for e in entries] == [1, 2, 3, 4, 5]
    assert entries[0].previous_hash == journal.GENESIS_HASH
    assert all(b.previous_hash == a.hash for a, b in zip(entries, entries[1:], strict=False))
    result = journal.verify()
    assert (result.intact, result.checked, result.first_broken_id) == (True, 5, None)
    assert result.head_hash == entries[-1].hash == JournalHead.objects.get().hash

    code, out = _verify_journal()
    assert code == 0
    assert "Journal des mandats intact : 5 entrées vérifiées." in out
    assert entries[-1].hash in out  # the head hash, to be kept outside Tremplin
    assert JournalVerification.objects.get().intact is True


@pytest.mark.django_db
def test_an_empty_journal_is_intact():
    code, out = _verify_journal()
    assert code == 0
    assert "Journal des mandats intact : 0 entrées vérifiées." in out


@pytest.mark.django_db
def test_the_hash_is_what_the_database_gives_back_after_a_round_trip():
    """Reloaded from the database (JSON details, time with microseconds), each entry hashes to its stored hash."""
    _chain(3)
    for entry in JournalEntry.objects.all():
        assert journal.record_hash(journal.entry_record(entry)) == entry.hash


@pytest.mark.django_db
def test_decimal_numbers_are_refused_in_details_since_jsonb_would_give_them_back_otherwise():
    """PostgreSQL reads 1e16 back as 10000000000000000: the entry would never verify. Integers and text only."""
    with pytest.raises(TypeError, match="Nombre décimal interdit"):
        journal.append(action=JournalAction.MANDATE_USED, details={"score": {"values": [1, 1e16]}})
    assert JournalEntry.objects.count() == 0
    entry = journal.append(action=JournalAction.MANDATE_USED, details={"big": 10**16, "ok": [True, None, "1e16"]})
    assert journal.verify().intact is True
    assert JournalEntry.objects.get(pk=entry.pk).details == {"big": 10**16, "ok": [True, None, "1e16"]}


# --- tampering below the ORM, triggers dropped ----------------------------------------------------------------


@pytest.mark.django_db
def test_changed_details_are_detected_at_the_changed_entry(unguarded):
    entries = _chain(5)
    _set_details(entries[2].pk, {"n": 99, "code": "C2"})
    code, out = _verify_journal()
    assert code == 1
    assert f"Journal des mandats rompu à l'entrée n° {entries[2].pk} : " in out
    assert "entrée modifiée" in out and "(position 3)" in out
    verification = JournalVerification.objects.get()
    assert (verification.intact, verification.first_broken_id) == (False, entries[2].pk)


@pytest.mark.django_db
def test_a_changed_time_is_detected(unguarded):
    entries = _chain(5)
    later = connection.ops.adapt_datetimefield_value(entries[1].at + timedelta(seconds=1))
    _sql(f"UPDATE {TABLE} SET at = %s WHERE id = %s", [later, entries[1].pk])  # noqa: S608
    code, out = _verify_journal()
    assert code == 1
    assert f"rompu à l'entrée n° {entries[1].pk} : " in out


@pytest.mark.django_db
def test_a_deleted_middle_entry_is_detected_at_the_entry_after_the_gap(unguarded):
    entries = _chain(5)
    _sql(f"DELETE FROM {TABLE} WHERE id = %s", [entries[2].pk])  # noqa: S608
    code, out = _verify_journal()
    assert code == 1
    assert f"rompu à l'entrée n° {entries[3].pk} : position 4 au lieu de 3" in out


@pytest.mark.django_db
def test_swapped_positions_are_detected_at_the_first_moved_entry(unguarded):
    entries = _chain(5)
    second, fourth = entries[1], entries[3]
    parked = 10**12  # positions are unique: park one while swapping
    _sql(f"UPDATE {TABLE} SET position = %s WHERE id = %s", [parked, second.pk])  # noqa: S608
    _sql(f"UPDATE {TABLE} SET position = %s WHERE id = %s", [2, fourth.pk])  # noqa: S608
    _sql(f"UPDATE {TABLE} SET position = %s WHERE id = %s", [4, second.pk])  # noqa: S608
    code, out = _verify_journal()
    assert code == 1
    assert f"rompu à l'entrée n° {fourth.pk} : " in out
    assert "(position 2)" in out


@pytest.mark.django_db
def test_a_deleted_tail_is_detected_by_the_head(unguarded):
    entries = _chain(5)
    _sql(f"DELETE FROM {TABLE} WHERE id = %s", [entries[-1].pk])  # noqa: S608
    code, out = _verify_journal()
    assert code == 1
    assert "Journal des mandats rompu : la tête du journal indique 5 entrées" in out
    assert "le journal en compte 4" in out


@pytest.mark.django_db
def test_a_chain_rewritten_consistently_is_caught_by_the_records_and_the_kept_head_hash(unguarded):
    """The attacker deletes entry 3 and recomputes every later hash and the head: the chain itself verifies,
    but the last recorded verification counted more entries, and the head hash kept outside is gone."""
    entries = _chain(5)
    code, out = _verify_journal()
    kept_head = entries[-1].hash
    assert code == 0 and kept_head in out

    _sql(f"DELETE FROM {TABLE} WHERE id = %s", [entries[2].pk])  # noqa: S608
    previous_hash = entries[1].hash
    for position, entry in enumerate(entries[3:], start=3):
        entry = JournalEntry.objects.get(pk=entry.pk)
        entry.position, entry.previous_hash = position, previous_hash
        digest = journal.record_hash(journal.entry_record(entry))
        _sql(
            f"UPDATE {TABLE} SET position = %s, previous_hash = %s, hash = %s WHERE id = %s",  # noqa: S608
            [position, previous_hash, digest, entry.pk],
        )
        previous_hash = digest
    JournalHead.objects.filter(pk=1).update(position=4, hash=previous_hash)
    assert journal.verify().intact is True  # consistent rewrite: the chain alone cannot tell

    code, out = _verify_journal()
    assert code == 1
    assert "4 entrées au lieu d'au moins 5 lors de la vérification du" in out
    JournalVerification.objects.all().delete()  # even without the records, the kept head hash tells
    code, out = _verify_journal("--expected-head", kept_head)
    assert code == 1
    assert f"l'empreinte de tête conservée {kept_head} ne figure plus dans le journal" in out


# --- the triggers, on both engines ---------------------------------------------------------------------------


@pytest.mark.django_db
def test_the_guard_is_installed_by_the_migrations():
    expected = {
        "postgresql": {"mandates_journal_append_only", "mandates_journal_no_truncate"},
        "sqlite": {"mandates_journal_no_update", "mandates_journal_no_delete"},
    }[connection.vendor]
    assert _triggers() == expected


@pytest.mark.django_db
@pytest.mark.parametrize(
    "change",
    [
        pytest.param(lambda e: _sql(f"UPDATE {TABLE} SET action = 'x' WHERE id = %s", [e.pk]), id="raw-update"),  # noqa: S608
        pytest.param(lambda e: _sql(f"DELETE FROM {TABLE} WHERE id = %s", [e.pk]), id="raw-delete"),  # noqa: S608
        pytest.param(lambda e: _sql(f"DELETE FROM {TABLE}"), id="raw-delete-all"),  # noqa: S608
        pytest.param(lambda e: JournalEntry.objects.filter(pk=e.pk).update(details={}), id="queryset-update"),
        pytest.param(lambda e: JournalEntry.objects.update(action=JournalAction.MANDATE_REVOKED), id="update-all"),
        pytest.param(lambda e: JournalEntry.objects.filter(pk=e.pk).delete(), id="queryset-delete"),
        pytest.param(lambda e: JournalEntry.objects.all().delete(), id="delete-all"),
        pytest.param(lambda e: e.delete(), id="instance-delete"),
        pytest.param(lambda e: (setattr(e, "details", {"n": 7}), e.save()), id="instance-save"),
        pytest.param(
            lambda e: JournalEntry.objects.bulk_update(
                [JournalEntry(pk=e.pk, details={"n": 7}, position=e.position)], ["details"]
            ),
            id="bulk-update",
        ),
    ],
)
def test_the_database_refuses_any_change_or_deletion(change):
    entries = _chain(3)
    entry = JournalEntry.objects.get(pk=entries[1].pk)
    with pytest.raises(IntegrityError, match=GUARD_MESSAGE), transaction.atomic():
        change(entry)
    assert journal.verify().intact is True
    assert JournalEntry.objects.count() == 3
    assert JournalEntry.objects.get(pk=entry.pk).details == {"n": 1, "code": "C1"}


@pytest.mark.django_db
def test_postgresql_refuses_truncate_of_a_journal_with_entries():
    if connection.vendor != "postgresql":
        pytest.skip("TRUNCATE n'existe que sur PostgreSQL")
    _chain(2)
    with pytest.raises(IntegrityError, match=GUARD_MESSAGE), transaction.atomic():
        _sql(f"TRUNCATE {TABLE}")
    assert JournalEntry.objects.count() == 2


@pytest.mark.django_db
def test_appending_still_works_with_the_guard():
    _chain(2)
    entry = journal.append(action=JournalAction.MANDATE_REVOKED, details={"reason": "test"})
    assert entry.position == 3
    assert journal.verify().intact is True


# --- export and the standalone script --------------------------------------------------------------------------


def _run_script(path, *args):
    # -I: isolated (no PYTHONPATH, no current directory on the path): the script cannot import Tremplin.
    return subprocess.run(  # noqa: S603
        [sys.executable, "-I", str(SCRIPT), str(path), *args],
        capture_output=True,
        text=True,
        cwd=path.parent,
        check=False,
    )


@pytest.mark.django_db
def test_the_export_verifies_with_the_standalone_script_and_fails_once_tampered(tmp_path):
    entries = _chain(4)
    mandate_entry = journal.append(action=JournalAction.VERIFICATION_LOOKUP, details={"code": "É-ü 1"})
    export = tmp_path / "journal.jsonl"
    out = io.StringIO()
    call_command("export_journal", "--out", str(export), stdout=out)
    assert "5 entrées exportées" in out.getvalue()
    lines = export.read_text(encoding="utf-8").splitlines()
    assert len(lines) == 5
    first = json.loads(lines[0])
    assert (first["id"], first["position"], first["hash"]) == (entries[0].pk, 1, entries[0].hash)

    done = _run_script(export)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "Journal des mandats intact : 5 entrées vérifiées." in done.stdout
    assert mandate_entry.hash in done.stdout
    assert _run_script(export, "--expected-head", mandate_entry.hash).returncode == 0
    # The in-process check reads the same records.
    assert journal.verify(json.loads(line) for line in lines).intact is True

    tampered = tmp_path / "modifie.jsonl"
    record = json.loads(lines[2])
    record["details"]["n"] = 42
    tampered.write_text("\n".join([*lines[:2], json.dumps(record), *lines[3:]]) + "\n", encoding="utf-8")
    done = _run_script(tampered)
    assert done.returncode == 1
    assert f"Journal des mandats rompu à l'entrée n° {entries[2].pk} : " in done.stdout

    shortened = tmp_path / "supprime.jsonl"
    shortened.write_text("\n".join([lines[0], *lines[2:]]) + "\n", encoding="utf-8")
    done = _run_script(shortened)
    assert done.returncode == 1
    assert f"rompu à l'entrée n° {entries[2].pk} : position 3 au lieu de 2" in done.stdout

    truncated = tmp_path / "tronque.jsonl"
    truncated.write_text("\n".join(lines[:4]) + "\n", encoding="utf-8")
    assert _run_script(truncated).returncode == 0  # the chain alone cannot see a missing tail…
    done = _run_script(truncated, "--expected-head", mandate_entry.hash)
    assert done.returncode == 1  # …the head hash kept outside does
    assert "n'y figure pas" in done.stdout


# --- concurrency ---------------------------------------------------------------------------------------------


@pytest.mark.django_db(transaction=True)
def test_two_threads_appending_at_once_give_a_gapless_intact_chain():
    per_thread = 15
    barrier = threading.Barrier(2)
    errors = []

    def work(label):
        try:
            barrier.wait()
            for i in range(per_thread):
                journal.append(action=JournalAction.MANDATE_USED, details={"thread": label, "i": i})
        except Exception as error:  # noqa: BLE001
            errors.append(error)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=work, args=(label,)) for label in ("a", "b")]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert list(JournalEntry.objects.values_list("position", flat=True)) == list(range(1, 2 * per_thread + 1))
    result = journal.verify()
    assert (result.intact, result.checked) == (True, 2 * per_thread)


@pytest.mark.django_db(transaction=True)
def test_flushing_the_database_is_refused_while_the_journal_has_entries():
    """What the test runner's flush meets: refused with entries (hence the fixture), fine when empty."""
    _chain(2)
    with pytest.raises(CommandError) as refused:
        call_command("flush", interactive=False, verbosity=0)
    assert GUARD_MESSAGE in str(refused.value.__cause__)
    assert JournalEntry.objects.count() == 2


def test_a_test_asking_for_transactional_db_may_write_entries(transactional_db):
    _chain(2)
    assert journal.verify().intact is True


def test_a_live_server_test_may_write_entries(live_server):
    _chain(2)
    with urllib.request.urlopen(live_server.url + reverse("mandates:journal")) as response:  # noqa: S310
        assert response.status == 200
        assert reverse("accounts:login") in response.url  # anonymous: sent to the sign-in page


# --- daily task and recorded verifications -----------------------------------------------------------------------


@pytest.mark.django_db
def test_the_daily_task_records_a_verification():
    _chain(3)
    result = journal_verify_task.enqueue()
    assert result.return_value == {"intact": True, "entries_checked": 3, "first_broken_id": None}
    verification = JournalVerification.objects.get()
    assert (verification.intact, verification.entries_checked) == (True, 3)


@pytest.mark.django_db
def test_verification_record_keeps_a_broken_result_and_its_time(unguarded):
    entries = _chain(3)
    _set_details(entries[0].pk, {"n": 5})
    moment = timezone.now() - timedelta(hours=1)
    verification = journal.verification_record(now=moment)
    verification.refresh_from_db()
    assert (verification.intact, verification.first_broken_id, verification.at) == (False, entries[0].pk, moment)
    assert verification.entries_checked == 1


# --- national managers' page --------------------------------------------------------------------------------------


def _mandate(by):
    organisation = OrganisationFactory()
    person = BeneficiaryFactory(organisation=organisation, first_name="Honorine", last_name="Zébulon")
    check = IdentityCheck.objects.create(
        beneficiary=person,
        organisation=organisation,
        method=IdentityMethod.DOCUMENT,
        document=IdentityDocument.ID_CARD,
        checked_by=by,
    )
    return Mandate.objects.create(
        organisation=organisation,
        beneficiary=person,
        duration=Duration.MONTH,
        text_version="2026-01-01",
        text="Texte",
        text_sha256="0" * 64,
        verification_code="ABCD-EFGH-JKLM",
        identity_check=check,
        created_by=by,
    )


@pytest.mark.django_db
@pytest.mark.parametrize("role", [Role.NATIONAL_MANAGER, Role.ADMINISTRATOR])
def test_the_journal_page_shows_the_last_verification_the_head_and_the_latest_entries(
    client, role, django_assert_max_num_queries
):
    manager = UserFactory(role=role, first_name="Aline", last_name="Pilote")
    mediator = UserFactory(mediator=True, first_name="Bruno", last_name="Médiateur")
    mandate = _mandate(mediator)
    _chain(54, actor=manager)
    last = journal.append(action=JournalAction.MANDATE_CREATED, actor=mediator, mandate=mandate)
    journal.verification_record()
    client.force_login(manager)
    with django_assert_max_num_queries(8):
        response = client.get(reverse("mandates:journal"))
    assert response.status_code == 200
    page = response.content.decode()
    assert "Chaîne intacte" in page
    assert "55 entrées vérifiées" in page
    assert last.hash in page
    assert "ABCD-EFGH-JKLM" in page and "Bruno Médiateur" in page and "Mandat préparé" in page
    assert "Honorine" not in page and "Zébulon" not in page
    assert page.count("<tr>") == 1 + 50  # header + the latest 50 entries
    assert ">55</td>" in page and ">6</td>" in page and ">5</td>" not in page


@pytest.mark.django_db
def test_the_journal_page_says_when_the_chain_is_broken(client, unguarded):
    manager = UserFactory(national=True)
    entries = _chain(3)
    _set_details(entries[1].pk, {"n": 0})
    journal.verification_record()
    client.force_login(manager)
    page = client.get(reverse("mandates:journal")).content.decode()
    assert "Chaîne rompue" in page
    assert f"première entrée rompue : n° {entries[1].pk}" in page


@pytest.mark.django_db
def test_the_journal_page_before_any_verification(client):
    client.force_login(UserFactory(national=True))
    page = client.get(reverse("mandates:journal")).content.decode()
    assert "pas encore été vérifié" in page
    assert "Aucune entrée pour l’instant." in page


@pytest.mark.django_db
@pytest.mark.parametrize("traits", [{"mediator": True}, {"coordinator": True}, {"partner": True}])
def test_the_journal_page_is_refused_to_other_roles(client, traits):
    client.force_login(UserFactory(**traits))
    assert client.get(reverse("mandates:journal")).status_code == 403


@pytest.mark.django_db
def test_the_journal_page_asks_anonymous_visitors_to_sign_in(client):
    response = client.get(reverse("mandates:journal"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("accounts:login"))
