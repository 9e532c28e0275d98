"""La Coop compatibility screens: the export of the activities in La Coop's layout (CSV streamed, XLSX) and the
upload of a La Coop export. Thin views: the layout and the rules are in tremplin.activities.coop / coop_import."""

import datetime
import tempfile

from django import forms
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import FileResponse, StreamingHttpResponse
from django.shortcuts import render
from django.utils import timezone
from dsfr.forms import DsfrBaseForm

from tremplin.activities import coop, perms
from tremplin.activities.coop_import import coop_import
from tremplin.ops.routers import replica_view
from tremplin.reporting import stats
from tremplin.reporting.filters import StatsFilters
from tremplin.www import csv as safe_csv
from tremplin.www.uploads import check_upload

XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


# --- export -------------------------------------------------------------------------------------------------------


def _filter_names(filters: StatsFilters) -> dict[str, str]:
    """Display names of the filtered organisation, site, mediator, département (one query each, only if set)."""
    from tremplin.accounts.models import User
    from tremplin.network.models import Organisation, Site
    from tremplin.reporting.models import Team
    from tremplin.territories.models import Departement

    names = {}
    lookups = (
        ("organisation", filters.organisation, Organisation, "name"),
        ("site", filters.site, Site, "name"),
        ("equipe", filters.team, Team, None),
        ("departement", filters.departement, Departement, "name"),
    )
    for prefix, value, model, attribute in lookups:
        if value is not None:
            found = model.objects.filter(pk=value).first()
            if found is not None:
                names[f"{prefix}:{value}"] = getattr(found, attribute) if attribute else str(found)
    if filters.mediator is not None:
        mediator = User.objects.filter(pk=filters.mediator).only("first_name", "last_name", "email").first()
        if mediator is not None:
            names[f"mediateur:{filters.mediator}"] = mediator.get_full_name() or mediator.email
    return names


def _export(request):
    """The activities the user may see, filtered as the dashboards are, and the rows above the table."""
    if perms.activity_scope(request.user) is None:
        raise PermissionDenied("Votre rôle ne permet pas de consulter les activités.")
    filters, errors = StatsFilters.from_params(request.GET)
    refusal = stats.scope_error(request.user, filters)
    if refusal:
        raise PermissionDenied(refusal)
    queryset, _ = stats.filtered(request.user, filters)  # the dashboards' filters, one way
    lines = filters.describe(_filter_names(filters))
    lines += [("Filtre ignoré", message) for message in errors.values()]
    top = coop.preamble(viewer=request.user, filter_lines=lines, total=queryset.count())
    return queryset, top


def _filename(extension: str) -> str:
    return f"activites-la-coop-{timezone.localdate():%Y-%m-%d}.{extension}"


class _Echo:
    """A file whose write gives back the line (for a streamed CSV)."""

    def write(self, value):
        return value


def _csv_cell(value):
    if isinstance(value, datetime.date):
        return f"{value:%d/%m/%Y}"
    return value


def _csv_lines(top, rows):
    writer = safe_csv.writer(_Echo())
    yield safe_csv.BOM
    for row in top:
        yield writer.writerow(row)
    yield writer.writerow(coop.HEADERS)
    for row in rows:
        yield writer.writerow([_csv_cell(value) for value in row])


@login_required
@replica_view
def export_csv(request):
    queryset, top = _export(request)
    response = StreamingHttpResponse(
        _csv_lines(top, coop.export_rows(queryset, viewer=request.user)), content_type="text/csv; charset=utf-8"
    )
    response["Content-Disposition"] = f'attachment; filename="{_filename("csv")}"'
    return response


def _xlsx_cells(sheet, row, *, bold=False):
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
    from openpyxl.styles import Font

    cells = []
    for value in row:
        if isinstance(value, str):
            # openpyxl writes a text starting with « = » as a formula: neutralised as in the CSV.
            value = safe_csv.safe_cell(ILLEGAL_CHARACTERS_RE.sub("", value))
        cell = WriteOnlyCell(sheet, value=value)
        if isinstance(value, datetime.date):
            cell.number_format = "DD/MM/YYYY"
        if bold:
            cell.font = Font(bold=True)
        cells.append(cell)
    return cells


@login_required
@replica_view
def export_xlsx(request):
    from openpyxl import Workbook

    queryset, top = _export(request)
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet("Activités")
    for row in top:
        sheet.append(_xlsx_cells(sheet, row, bold=len(row) == 1))
    sheet.append(_xlsx_cells(sheet, coop.HEADERS, bold=True))
    for row in coop.export_rows(queryset, viewer=request.user):
        sheet.append(_xlsx_cells(sheet, row))
    output = tempfile.TemporaryFile()  # noqa: SIM115 (closed by FileResponse once sent)
    workbook.save(output)
    output.seek(0)
    return FileResponse(output, as_attachment=True, filename=_filename("xlsx"), content_type=XLSX_TYPE)


# --- import -------------------------------------------------------------------------------------------------------


class CoopImportForm(DsfrBaseForm):
    file = forms.FileField(
        label="Export des activités de La Coop",
        help_text="Le fichier XLSX téléchargé depuis « Mes activités » de La Coop (ou un CSV). "
        "Taille maximale : 10 Mo.",
        widget=forms.ClearableFileInput(attrs={"accept": ".xlsx,.csv"}),
    )
    dry_run = forms.BooleanField(
        label="Simulation : tout vérifier sans rien enregistrer",
        help_text="Décochez pour importer, une fois la simulation satisfaisante.",
        required=False,
        initial=True,
    )

    def clean_file(self):
        # Size, extension and content (a zip for XLSX, text for CSV): tremplin/www/uploads.py.
        return check_upload(self.cleaned_data["file"], kinds=("xlsx", "csv"))


@login_required
def import_page(request):
    if not perms.can_record_activity(request.user):
        raise PermissionDenied("Votre rôle ne permet pas d'enregistrer des activités : l'import de La Coop est fermé.")
    report, error = None, None
    if request.method == "POST":
        form = CoopImportForm(request.POST, request.FILES)
        if form.is_valid():
            upload = form.cleaned_data["file"]
            try:
                report = coop_import(
                    content=upload.read(),
                    filename=upload.name,
                    mediator=request.user,
                    dry_run=form.cleaned_data["dry_run"],
                )
            except coop.CoopFileError as exc:
                error = str(exc)
    else:
        form = CoopImportForm()
    context = {
        "title": "Importer mes activités de La Coop",
        "form": form,
        "report": report,
        "error": error,
        "breadcrumb": [("Accueil", "/"), ("Importer mes activités de La Coop", None)],
    }
    return render(request, "activities/coop_import.html", context)
