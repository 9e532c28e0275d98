"""One check for every file sent to the platform: its size, its extension, and what its first bytes really are.

Every upload form calls `check_upload` from its `clean_<field>` (La Coop import, indicator import, the starting plan
of a scenario, the scan of a signed mandate), so a file is refused the same way everywhere, in French, before any
importer reads it:

- too big: « Le fichier dépasse 10 Mo. » (TREMPLIN_UPLOAD_MAX_BYTES, 10 Mo by default; a form may set a lower or higher
  limit for its own files, said in its help text);
- a name that is not one of the expected types: « Le fichier doit être un classeur XLSX ou un fichier CSV. »;
- the right name on the wrong content (a PDF, an executable or a zip renamed `.csv`, a text renamed `.xlsx`):
  « Ce fichier n'est pas un CSV ou un XLSX. »

The sniffing looks at the first bytes only: the importers still check the structure (columns, sheets, features) and
say what is wrong, line by line.
"""

import codecs
from dataclasses import dataclass

from django.conf import settings
from django.core.exceptions import ValidationError

SNIFF_BYTES = 64 * 1024  # what is read to recognise a file

# Signatures of binary formats that are never a text file (CSV, JSON, GeoJSON), whatever their name.
BINARY_SIGNATURES = (
    b"PK\x03\x04",  # zip (XLSX, DOCX, ODS…)
    b"%PDF",
    b"\x89PNG",
    b"\xff\xd8\xff",  # JPEG
    b"GIF8",
    b"MZ",  # Windows executable
    b"\x7fELF",
    b"\xd0\xcf\x11\xe0",  # old Office (XLS, DOC)
    b"\x1f\x8b",  # gzip
    b"Rar!",
    b"7z\xbc\xaf",
)
TEXT_CONTROLS = {"\t", "\n", "\r", "\f"}


def _text_sample(head: bytes) -> str | None:
    """The beginning of the file as text (UTF-8 with or without BOM, else Windows-1252), or None if it is binary."""
    if not head or b"\x00" in head or head.startswith(BINARY_SIGNATURES):
        return None
    for encoding in ("utf-8-sig", "cp1252"):
        try:
            # An incremental decoder: a sample cut in the middle of a character is still text.
            text = codecs.getincrementaldecoder(encoding)().decode(head, final=False)
        except UnicodeDecodeError:
            continue
        controls = sum(1 for char in text if ord(char) < 32 and char not in TEXT_CONTROLS)
        return text if controls <= len(text) // 100 else None
    return None


def _is_csv(head: bytes) -> bool:
    return _text_sample(head) is not None


def _is_json(head: bytes) -> bool:
    text = _text_sample(head)
    return text is not None and text.lstrip()[:1] in ("{", "[")


def _is_geojson(head: bytes) -> bool:
    text = _text_sample(head)
    return text is not None and text.lstrip()[:1] == "{"


@dataclass(frozen=True)
class Kind:
    label: str  # for « Le fichier doit être … »
    short: str  # for « Ce fichier n'est pas … »
    extensions: tuple[str, ...]
    sniff: object  # head bytes → bool


KINDS = {
    "csv": Kind("un fichier CSV", "un CSV", (".csv", ".txt"), _is_csv),
    "xlsx": Kind("un classeur XLSX", "un XLSX", (".xlsx",), lambda head: head.startswith(b"PK\x03\x04")),
    "json": Kind("un fichier JSON", "un JSON", (".json",), _is_json),
    "geojson": Kind("un fichier GeoJSON", "un GeoJSON", (".geojson", ".json"), _is_geojson),
    "pdf": Kind("un PDF", "un PDF", (".pdf",), lambda head: head.startswith(b"%PDF")),
    "jpeg": Kind("une photo JPEG", "une photo JPEG", (".jpg", ".jpeg"), lambda head: head.startswith(b"\xff\xd8\xff")),
    "png": Kind("une image PNG", "une image PNG", (".png",), lambda head: head.startswith(b"\x89PNG\r\n\x1a\n")),
}


def max_upload_bytes() -> int:
    """The platform's upload limit (TREMPLIN_UPLOAD_MAX_BYTES in tremplin/settings/base.py, 10 Mo by default)."""
    return settings.TREMPLIN_UPLOAD_MAX_BYTES


def size_text(size: int) -> str:
    """`10485760` → « 10 Mo », `1536` → « 1,5 ko », `100` → « 100 octets »."""
    for unit, factor in (("Mo", 1024 * 1024), ("ko", 1024)):
        if size >= factor:
            return f"{size / factor:.1f}".rstrip("0").rstrip(".").replace(".", ",") + f" {unit}"
    return f"{size} octets"


def _either(words: list[str]) -> str:
    return words[0] if len(words) == 1 else ", ".join(words[:-1]) + " ou " + words[-1]


def check_upload(file, *, kinds: tuple[str, ...], max_bytes: int | None = None, wrong_type: str = ""):
    """Refuse (ValidationError, in French) a file too big, with another extension, or whose content is not one of
    `kinds` (keys of KINDS); return it, read from its start again. `wrong_type` replaces both type messages."""
    if file is None:
        return file
    limit = max_upload_bytes() if max_bytes is None else max_bytes
    if file.size is not None and file.size > limit:
        raise ValidationError(f"Le fichier dépasse {size_text(limit)}.", code="file_too_big")
    if not file.size:
        raise ValidationError("Le fichier est vide.", code="file_empty")
    expected = [KINDS[kind] for kind in kinds]
    name = (file.name or "").lower()
    by_name = [kind for kind in expected if name.endswith(kind.extensions)]
    if not by_name:
        message = wrong_type or f"Le fichier doit être {_either([kind.label for kind in expected])}."
        raise ValidationError(message, code="file_extension")
    file.seek(0)
    head = file.read(SNIFF_BYTES)
    file.seek(0)
    if not any(kind.sniff(head) for kind in by_name):
        message = wrong_type or f"Ce fichier n'est pas {_either([kind.short for kind in expected])}."
        raise ValidationError(message, code="file_content")
    return file
