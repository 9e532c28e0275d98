"""The tamper-evident journal of mandate events: append, canonical serialisation, chain check.

Each entry stores `previous_hash` (the hash of the entry before it, 64 zeros for the first) and `hash`, the
SHA-256 of its canonical serialisation (`canonical_bytes`): JSON with sorted keys, no spaces, UTF-8, the time in
UTC ISO 8601 with microseconds, references as ids. Changing, deleting or reordering any entry breaks the chain
at that entry or the next. Appends are serialised by locking the single JournalHead row, so positions are
gapless and every entry chains onto the one committed before it, on PostgreSQL and on SQLite.

The same rules, without Tremplin, are in `scripts/verify_journal_export.py` (for an external auditor).
"""

import hashlib
import json
import logging
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, replace
from datetime import UTC, datetime

from django.db import transaction
from django.utils import timezone

from .models import JournalEntry, JournalHead, JournalVerification

logger = logging.getLogger(__name__)

GENESIS_HASH = "0" * 64
FIELDS = ("position", "at", "action", "actor", "organisation", "mandate", "beneficiary", "details", "previous_hash")


def canonical_record(
    *, position: int, at: datetime, action: str, actor, organisation, mandate, beneficiary, details, previous_hash
) -> dict:
    """What is hashed: plain values only (ids, strings, numbers), the time in UTC."""
    return {
        "position": int(position),
        "at": at.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ"),
        "action": action,
        "actor": actor,
        "organisation": organisation,
        "mandate": mandate,
        "beneficiary": beneficiary,
        "details": details,
        "previous_hash": previous_hash,
    }


def canonical_bytes(record: dict) -> bytes:
    return json.dumps(record, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode("utf-8")


def entry_record(entry: JournalEntry) -> dict:
    return canonical_record(
        position=entry.position,
        at=entry.at,
        action=entry.action,
        actor=entry.actor_id,
        organisation=entry.organisation_id,
        mandate=entry.mandate_id,
        beneficiary=entry.beneficiary_id,
        details=entry.details,
        previous_hash=entry.previous_hash,
    )


def record_hash(record: dict) -> str:
    return hashlib.sha256(canonical_bytes(record)).hexdigest()


def append(
    *,
    action: str,
    actor=None,
    organisation_id: int | None = None,
    mandate=None,
    beneficiary_id: int | None = None,
    details: dict | None = None,
) -> JournalEntry:
    """Add one entry at the end of the chain (inside the caller's transaction, if any).

    `details` holds ids, codes and dates only, never a name or a contact: anonymising a person later must not
    need to change the journal.
    """
    details = json.loads(json.dumps(details or {}, sort_keys=True))  # plain JSON values, as they will be read back
    _refuse_floats(details)
    if mandate is not None:
        organisation_id = organisation_id or mandate.organisation_id
        beneficiary_id = beneficiary_id or mandate.beneficiary_id
    with transaction.atomic():
        head, _ = JournalHead.objects.select_for_update().get_or_create(pk=1)
        # Microseconds are kept by both engines; the hash is computed on exactly what is stored.
        at = timezone.now()
        record = canonical_record(
            position=head.position + 1,
            at=at,
            action=action,
            actor=getattr(actor, "pk", actor),
            organisation=organisation_id,
            mandate=getattr(mandate, "pk", mandate),
            beneficiary=beneficiary_id,
            details=details,
            previous_hash=head.hash or GENESIS_HASH,
        )
        digest = record_hash(record)
        entry = JournalEntry.objects.create(
            position=record["position"],
            at=at,
            action=action,
            actor_id=record["actor"],
            organisation_id=organisation_id,
            mandate_id=record["mandate"],
            beneficiary_id=beneficiary_id,
            details=details,
            previous_hash=record["previous_hash"],
            hash=digest,
        )
        JournalHead.objects.filter(pk=1).update(position=record["position"], hash=digest)
    return entry


def _refuse_floats(value) -> None:
    """Decimal numbers do not come back from PostgreSQL's jsonb as they were written (1e16 is read back as
    10000000000000000), which would change the hash: `details` holds integers, strings, booleans, lists and
    objects only (write a decimal as a string)."""
    if isinstance(value, float):
        raise TypeError(f"Nombre décimal interdit dans les détails du journal ({value!r}) : l'écrire en texte.")
    items = value.values() if isinstance(value, dict) else value if isinstance(value, list) else ()
    for item in items:
        _refuse_floats(item)


# --- verification (below append: functions of the journal helper) -------------------------------------------


@dataclass(frozen=True)
class VerifyResult:
    """`checked`: entries read, the broken one included. `first_broken_id`: primary key of the first entry whose
    position, link or hash is wrong (None when intact, or when only the tail is missing: see `reason`)."""

    intact: bool
    checked: int
    first_broken_id: int | None = None
    reason: str = ""
    first_broken_position: int | None = None
    head_position: int = 0
    head_hash: str = ""


def _check_entries(entries: Iterable) -> tuple[VerifyResult, int, str]:
    """Walk the chain in the given order (entries or plain records with `id`, `hash`)."""
    previous_hash, expected, checked = GENESIS_HASH, 1, 0
    for entry in entries:
        checked += 1
        if isinstance(entry, dict):
            pk, stored_hash, record = entry["id"], entry["hash"], {k: entry.get(k) for k in FIELDS}
        else:
            pk, stored_hash, record = entry.pk, entry.hash, entry_record(entry)
        position = record["position"]
        reason = ""
        if position != expected:
            reason = f"position {position} au lieu de {expected}, une entrée a été supprimée, ajoutée ou déplacée"
        elif record["previous_hash"] != previous_hash:
            reason = "chaîne coupée, l'empreinte précédente enregistrée n'est pas celle de l'entrée d'avant"
        elif record_hash(record) != stored_hash:
            reason = "entrée modifiée, l'empreinte recalculée diffère de l'empreinte enregistrée"
        if reason:
            broken = VerifyResult(False, checked, pk, reason, first_broken_position=position)
            return broken, expected - 1, previous_hash
        previous_hash, expected = stored_hash, expected + 1
    return VerifyResult(True, checked), expected - 1, previous_hash


def verify(entries_iterable: Iterable | None = None) -> VerifyResult:
    """Check the whole chain, in `position` order, in constant memory.

    Each entry must sit at the next position (1, 2, … without gap), carry the stored hash of the entry before it
    (64 zeros for the first), and hash to its stored `hash`. The first entry failing one of these is named: after
    a deletion, the entry following the gap; after a reordering, the first moved entry; after a change, the
    changed entry. Reading the journal itself, the JournalHead (read first, so concurrent appends do not matter)
    must also be found in the chain: this detects a deleted tail, which the chain alone cannot.
    """
    if entries_iterable is not None:
        return _check_entries(entries_iterable)[0]
    head = JournalHead.objects.filter(pk=1).values("position", "hash").first()
    head_missing = head is None
    head = head or {"position": 0, "hash": ""}
    entries = JournalEntry.objects.order_by("position").iterator(chunk_size=2000)
    seen_head = {}

    def watching(rows):
        for entry in rows:
            if entry.position == head["position"]:
                seen_head.update(pk=entry.pk, hash=entry.hash)
            yield entry

    result, last_position, last_hash = _check_entries(watching(entries))
    head_fields = {"head_position": last_position, "head_hash": last_hash if last_position else ""}
    if not result.intact:
        return replace(result, **head_fields)
    if head_missing and last_position:
        reason = "la tête du journal a disparu alors que le journal compte des entrées"
        return VerifyResult(False, result.checked, None, reason, **head_fields)
    if head["position"] and seen_head.get("hash") != head["hash"]:
        reason = (
            f"la tête du journal indique {head['position']} entrées et l'empreinte {head['hash']}, "
            f"le journal en compte {last_position}, des entrées finales ont été supprimées ou remplacées"
        )
        return VerifyResult(False, result.checked, seen_head.get("pk"), reason, head["position"], **head_fields)
    return replace(result, **head_fields)


def verification_record(*, now: datetime | None = None, expected_head: str | None = None) -> JournalVerification:
    """Verify the chain and keep the result (the national managers' page shows the last one).

    Beyond the chain itself, two witnesses catch a whole chain rewritten consistently (triggers dropped, every
    later hash and the head recomputed): fewer entries than at the last intact verification means entries were
    removed; and `expected_head`, a head hash kept outside Tremplin, must still be in the journal.
    The full VerifyResult is attached as `.result` (for the command and the task; not stored)."""
    result = verify()
    previous = JournalVerification.objects.filter(intact=True).order_by("-at", "-pk").first()
    if result.intact and previous and result.checked < previous.entries_checked:
        result = replace(
            result,
            intact=False,
            reason=(
                f"{result.checked} entrées au lieu d'au moins {previous.entries_checked} "
                f"lors de la vérification du {timezone.localtime(previous.at):%d/%m/%Y à %H:%M}"
            ),
        )
    if result.intact and expected_head:
        expected_head = expected_head.strip().lower()
        if not JournalEntry.objects.filter(hash=expected_head).exists():
            reason = (
                f"l'empreinte de tête conservée {expected_head} ne figure plus dans le journal, "
                "la chaîne a été réécrite"
            )
            result = replace(result, intact=False, reason=reason)
    verification = JournalVerification.objects.create(
        at=now or timezone.now(),
        intact=result.intact,
        entries_checked=result.checked,
        first_broken_id=result.first_broken_id,
        reason=result.reason[:300],
        head_position=result.head_position,
        head_hash=result.head_hash,
    )
    if not result.intact:
        logger.error("Journal des mandats rompu (entrée %s) : %s", result.first_broken_id or "—", result.reason)
    verification.result = result
    return verification


def export_lines(entries: Iterable | None = None) -> Iterator[bytes]:
    """One canonical JSON line per entry, in position order: the hashed record plus its `hash` and `id`."""
    if entries is None:
        entries = JournalEntry.objects.order_by("position").iterator(chunk_size=2000)
    for entry in entries:
        yield canonical_bytes({**entry_record(entry), "hash": entry.hash, "id": entry.pk}) + b"\n"
