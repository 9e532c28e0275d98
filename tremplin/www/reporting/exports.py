"""Exports of a dashboard view: CSV and XLSX (the filters at the top, then every table), the funder report (PDF)
and the anonymised open-data aggregate (CSV). Thin views: the tables come from tremplin.reporting.exports, the
figures from tremplin.reporting.stats, with the page's filters and the viewer's scope (403 with the reason when
the filters ask for more)."""

import io

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpResponse
from django.utils import timezone
from django.views.decorators.http import require_GET

from tremplin.accounts.enums import Role
from tremplin.ops.routers import replica_view
from tremplin.pdf import render_pdf
from tremplin.reporting import exports, outcomes, stats, suppression
from tremplin.reporting.filters import StatsFilters
from tremplin.www import csv as safe_csv

from .charts import fr_int

XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
TITLE = "Tremplin — tableau de bord"


def _view(request) -> tuple[StatsFilters, dict[str, str]]:
    filters, errors = StatsFilters.from_params(request.GET)
    refusal = stats.scope_error(request.user, filters)
    if refusal:
        raise PermissionDenied(refusal)
    return filters, errors


def _stamp() -> str:
    return timezone.localtime().strftime("%d/%m/%Y à %H:%M")


def _filename(stem: str, filters: StatsFilters, extension: str) -> str:
    parts = [stem]
    if filters.departement:
        parts.append(filters.departement)
    if filters.date_from:
        parts.append(f"{filters.date_from:%Y%m%d}")
    if filters.date_to:
        parts.append(f"{filters.date_to:%Y%m%d}")
    return "-".join(parts) + "." + extension


def _download(content, content_type: str, filename: str) -> HttpResponse:
    response = HttpResponse(content, content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    response["Cache-Control"] = "private, no-store"
    return response


def _header_lines(filters, errors) -> list[tuple[str, str]]:
    return [("Exporté le", _stamp()), *exports.filter_lines(filters, errors)]


@login_required
@require_GET
@replica_view
def export_csv(request):
    filters, errors = _view(request)
    tables = exports.dashboard_tables(request.user, filters)
    buffer = io.StringIO()
    writer = safe_csv.writer(buffer)  # site and organisation names come from imported files: no formula runs
    writer.writerow([TITLE])
    writer.writerows(_header_lines(filters, errors))
    writer.writerow(["Méthode", exports.METHOD])
    for table in tables:
        writer.writerow([])
        writer.writerow([table.title])
        writer.writerow(table.headers)
        writer.writerows(table.rows)
        if table.note:
            writer.writerow([table.note])
    return _download(
        safe_csv.BOM + buffer.getvalue(), "text/csv; charset=utf-8", _filename("tableau-de-bord", filters, "csv")
    )


def _sheet_title(title: str, taken: set) -> str:
    name = "".join(c for c in title if c not in "[]:*?/\\")[:31]
    base, n = name, 2
    while name in taken:
        name = f"{base[:28]} {n}"
        n += 1
    taken.add(name)
    return name


def _put(sheet, row: int, values, bold=False):
    from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
    from openpyxl.styles import Font

    for column, value in enumerate(values, start=1):
        cell = sheet.cell(row=row, column=column)
        if isinstance(value, str):
            value = ILLEGAL_CHARACTERS_RE.sub("", value)  # control characters: openpyxl refuses them
        safe = safe_csv.safe_cell(value)
        cell.value = safe
        if isinstance(safe, str):
            cell.data_type = "s"  # never a formula, whatever the text starts with
        if bold:
            cell.font = Font(bold=True)


def dashboard_xlsx(title: str, lines, tables) -> bytes:
    """A « Filtres » sheet (title, export date, filters, method), then one sheet per table."""
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font

    workbook = Workbook()
    first = workbook.active
    first.title = "Filtres"
    taken = {"Filtres"}
    _put(first, 1, [title], bold=True)
    first["A1"].font = Font(bold=True, size=14)
    row = 3
    for name, value in lines:
        _put(first, row, [name, value])
        first.cell(row=row, column=1).font = Font(bold=True)
        row += 1
    _put(first, row + 1, ["Méthode", exports.METHOD])
    first.cell(row=row + 1, column=1).font = Font(bold=True)
    first.cell(row=row + 1, column=2).alignment = Alignment(wrap_text=True, vertical="top")
    first.column_dimensions["A"].width = 34
    first.column_dimensions["B"].width = 90
    for table in tables:
        sheet = workbook.create_sheet(_sheet_title(table.title, taken))
        _put(sheet, 1, [table.title], bold=True)
        _put(sheet, 2, table.headers, bold=True)
        for index, values in enumerate(table.rows, start=3):
            _put(sheet, index, values)
        if table.note:
            _put(sheet, len(table.rows) + 4, [table.note])
        sheet.column_dimensions["A"].width = max(24, min(60, max((len(str(r[0])) for r in table.rows), default=10)))
        for letter in "BCDE":
            sheet.column_dimensions[letter].width = 24
        sheet.freeze_panes = "A3"
    output = io.BytesIO()
    workbook.save(output)
    return output.getvalue()


@login_required
@require_GET
@replica_view
def export_xlsx(request):
    filters, errors = _view(request)
    content = dashboard_xlsx(TITLE, _header_lines(filters, errors), exports.dashboard_tables(request.user, filters))
    return _download(content, XLSX_TYPE, _filename("tableau-de-bord", filters, "xlsx"))


def scope_line(viewer) -> str:
    """Whose activities the figures cover, in French (no person's name)."""
    if viewer.is_national:
        return "Ensemble du programme (tous les départements)"
    if viewer.role == Role.COORDINATOR:
        names = ", ".join(str(d) for d in viewer.departements.order_by("code"))
        return f"Départements coordonnés : {names}" if names else "Aucun département coordonné"
    if viewer.role == Role.PARTNER_STAFF and viewer.organisation_id:
        return f"Organisation : {viewer.organisation.name}"
    return "Activités enregistrées par le compte qui a produit ce rapport"


def _printed(table: exports.Table) -> exports.Table:
    """The table with its numbers written the French way (« 12 345 »)."""
    rows = [[fr_int(v) if isinstance(v, int) and not isinstance(v, bool) else v for v in row] for row in table.rows]
    return exports.Table(table.title, table.headers, rows, note=table.note, key=table.key)


@login_required
@require_GET
@replica_view
def funder_report(request):
    """The funder report of a period (the other filters apply too), printable on A4."""
    viewer = request.user
    filters, errors = _view(request)
    summary = stats.summary(viewer, filters)
    themes = exports.theme_table(summary)
    themes.rows = sorted((row for row in themes.rows if row[1]), key=lambda row: -row[1])
    tables = [
        themes,
        exports.territory_table(summary),
        exports.departement_table(stats.by_departement(viewer, filters)),
        exports.trend_table(summary),
    ]
    context = {
        "title": "Rapport d'activité de la médiation numérique",
        "generated": _stamp(),
        "lines": exports.filter_lines(filters, errors),
        "scope": scope_line(viewer),
        "headline": {
            "people": fr_int(summary.unique_beneficiaries),
            "anonymous": fr_int(summary.anonymous_accompaniments),
            "accompaniments": fr_int(summary.accompaniments),
            "activities": fr_int(summary.activities),
        },
        "method": exports.METHOD,
        "tables": [_printed(table) for table in tables],
        "before_after": _printed(exports.before_after_table(outcomes.before_after(viewer, filters))),
    }
    content = render_pdf("reporting/pdf/funder_report.html", context)
    return _download(content, "application/pdf", _filename("rapport", filters, "pdf"))


@login_required
@require_GET
@replica_view
def opendata_csv(request):
    """Anonymised aggregate for publication: people by département × age band, gender, status and kind, small cells
    and the cells that would let them be recomputed suppressed; the rules in the first lines."""
    filters, errors = _view(request)
    buffer = io.StringIO()
    writer = safe_csv.writer(buffer)
    writer.writerow(["# Tremplin — données ouvertes : personnes accompagnées par département"])
    writer.writerow(["# Produit le " + _stamp()])
    for name, value in exports.filter_lines(filters, errors):
        writer.writerow([f"# {name} : {value}"])
    for rule in exports.opendata_rules(suppression.THRESHOLD):
        writer.writerow([f"# {rule}"])
    writer.writerow(exports.OPENDATA_HEADERS)
    writer.writerows(exports.opendata_rows(request.user, filters, suppression.THRESHOLD))
    return _download(
        safe_csv.BOM + buffer.getvalue(), "text/csv; charset=utf-8", _filename("donnees-ouvertes", filters, "csv")
    )
