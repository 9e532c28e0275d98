#!/usr/bin/env python3
"""Verify an export of Tremplin's mandate journal (`manage.py export_journal --out FILE`), without Tremplin.

Standard library only. Each line is one entry: the record that was hashed plus its `hash` and `id`. For each
line, in order: the position must be the previous one + 1 (starting at 1), `previous_hash` must equal the
`hash` of the line before (64 zeros for the first), and SHA-256 of the record's canonical serialisation (the
line without `hash` and `id`, JSON with sorted keys, no spaces, UTF-8 without escaping) must equal `hash`.

    python3 verify_journal_export.py journal.jsonl [--expected-head EMPREINTE]

Exit status 0 when intact, 1 when broken (the first broken entry is named), 2 when the file cannot be read.
Documented in docs/journal-des-mandats.md.
"""

import argparse
import hashlib
import json
import sys

GENESIS_HASH = "0" * 64
FIELDS = ("position", "at", "action", "actor", "organisation", "mandate", "beneficiary", "details", "previous_hash")


def canonical_bytes(record):
    return json.dumps(record, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode("utf-8")


def verify(lines, expected_head=None):
    """Return (intact, checked, first_broken_id, reason, head_hash, expected_head_found)."""
    previous_hash, expected, checked, found = GENESIS_HASH, 1, 0, False
    for number, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        checked += 1
        try:
            entry = json.loads(line)
            record = {field: entry[field] for field in FIELDS}
            stored_hash, entry_id = entry["hash"], entry["id"]
        except (ValueError, KeyError, TypeError) as error:
            return False, checked, None, f"ligne {number} illisible ({error})", previous_hash, found
        if set(entry) != {*FIELDS, "hash", "id"}:
            return False, checked, entry_id, "champs inattendus dans l'entrée", previous_hash, found
        position = record["position"]
        if position != expected:
            reason = f"position {position} au lieu de {expected}, une entrée a été supprimée, ajoutée ou déplacée"
        elif record["previous_hash"] != previous_hash:
            reason = "chaîne coupée, l'empreinte précédente enregistrée n'est pas celle de l'entrée d'avant"
        elif hashlib.sha256(canonical_bytes(record)).hexdigest() != stored_hash:
            reason = "entrée modifiée, l'empreinte recalculée diffère de l'empreinte enregistrée"
        else:
            previous_hash, expected = stored_hash, expected + 1
            found = found or stored_hash == expected_head
            continue
        return False, checked, entry_id, f"{reason} (position {position})", previous_hash, found
    return True, checked, None, "", previous_hash, found


def main(argv=None):
    parser = argparse.ArgumentParser(description="Vérifie un export du journal des mandats de Tremplin.")
    parser.add_argument("export", help="fichier JSON Lines produit par manage.py export_journal")
    parser.add_argument("--expected-head", help="empreinte de tête conservée à part : l'export doit la contenir")
    args = parser.parse_args(argv)
    try:
        expected_head = args.expected_head.strip().lower() if args.expected_head else None
        with open(args.export, encoding="utf-8") as lines:
            intact, checked, broken_id, reason, head_hash, found = verify(lines, expected_head)
    except OSError as error:
        print(f"Export illisible : {error}", file=sys.stderr)
        return 2
    if not intact:
        where = f"à l'entrée n° {broken_id}" if broken_id is not None else "à l'entrée suivante"
        print(f"Journal des mandats rompu {where} : {reason}.")
        return 1
    if expected_head and not found:
        print(f"Journal des mandats rompu : l'empreinte de tête conservée {args.expected_head} n'y figure pas.")
        return 1
    print(f"Journal des mandats intact : {checked} entrées vérifiées.")
    if checked:
        print(f"Empreinte de tête (position {checked}) : {head_hash}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
