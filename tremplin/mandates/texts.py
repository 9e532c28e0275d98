"""The mandate's legal text, versioned by date: `texts/<YYYY-MM-DD>.txt`. The version in force on a day is the latest
file dated on or before it; a mandate freezes the text (and its hash) when it is prepared, and never changes after."""

import hashlib
from dataclasses import dataclass
from datetime import date
from functools import cache
from pathlib import Path

TEXTS_DIR = Path(__file__).parent / "texts"


@dataclass(frozen=True)
class MandateText:
    version: str  # "2026-01-01"
    body: str
    sha256: str


@cache
def _all() -> tuple[MandateText, ...]:
    texts = []
    for path in sorted(TEXTS_DIR.glob("*.txt")):
        body = path.read_text(encoding="utf-8").strip()
        texts.append(MandateText(path.stem, body, hashlib.sha256(body.encode("utf-8")).hexdigest()))
    return tuple(texts)


def text_in_force(day: date) -> MandateText:
    candidates = [text for text in _all() if text.version <= day.isoformat()]
    if not candidates:
        raise LookupError(f"Aucun texte de mandat en vigueur le {day:%d/%m/%Y}.")
    return candidates[-1]
