"""The recipient block of a letter in the French postal format (NF Z 10-011): at most six lines, the last one
« CODE POSTAL LOCALITÉ » in capitals.

1. name; 2. complement (appartement, étage…); 3. building, résidence; 4. number and street; 5. lieu-dit, BP;
6. postcode and town. The person's record holds a free-text `postal_address` and a `commune`: the address lines
come from the text, and the last line from the commune (its postcode and name) when the text has none."""

import re

MAX_LINES = 6
POSTCODE_LINE = re.compile(r"^(?:F-)?(\d{5})\s+(.+)$", re.I)
POSTCODE_INSIDE = re.compile(r"^(.*?)[,;\s]+(\d{5}\s+[^\d,;].*)$")
POSTAL_BOXES = ("BP", "CS", "TSA")  # « BP 40012 … » is a box number, not a postcode


def _clean(line: str) -> str:
    return " ".join(line.replace("\t", " ").split()).strip(" ,;")


def _town_line(postcode: str, town: str) -> str:
    """« 22300 LANNION »: capitals, no punctuation at the end."""
    return f"{postcode} {_clean(town).upper()}"


def postal_lines(*, name: str, postal_address: str, commune=None) -> list[str]:
    """The lines of the recipient block, name first (empty when there is no address at all)."""
    lines = [_clean(line) for line in (postal_address or "").splitlines()]
    lines = [line for line in lines if line]
    if not lines:
        return []
    inside = POSTCODE_INSIDE.match(lines[0]) if len(lines) == 1 else None
    before = inside.group(1).split() if inside else []
    if before and before[-1].upper() not in POSTAL_BOXES:  # « 12 rue des Lilas, 22300 Lannion »
        lines = [_clean(inside.group(1)), inside.group(2)]
    town = None
    if match := POSTCODE_LINE.match(lines[-1]):
        town = _town_line(match.group(1), match.group(2))
        lines = lines[:-1]
    elif commune is not None and commune.postcodes:
        if lines[-1].casefold() == commune.name.casefold():  # « Lannion » alone: written with its postcode
            lines = lines[:-1]
        town = _town_line(commune.postcodes.split()[0], commune.name)
    lines = [line for line in lines if line]
    room = MAX_LINES - 1 - (town is not None)
    if len(lines) > room:  # too many lines: the first ones (complements) are joined, the street stays whole
        lines = [", ".join(lines[: len(lines) - room + 1]), *lines[len(lines) - room + 1 :]]
    return [_clean(name), *lines, *([town] if town else [])]
