"""A person's copy of their data (RGPD right of access and portability): JSON and a large-print PDF, from the
person's page. Thin views: the data come from tremplin.privacy.export, the identity through the one person-data
read path (tremplin.beneficiaries.disclosure), which refuses (404) a person outside the viewer's scope and journals
the showing on the person's history."""

import datetime
import json

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.serializers.json import DjangoJSONEncoder
from django.http import Http404, HttpResponse
from django.utils import timezone
from django.views.decorators.http import require_GET

from tremplin.beneficiaries import disclosure, perms
from tremplin.beneficiaries.enums import AccessPurpose
from tremplin.beneficiaries.models import Beneficiary
from tremplin.pdf import render_pdf
from tremplin.privacy.export import SECTION_TITLES, person_data

PDF_TEMPLATE = "beneficiaries/data_pdf.html"
# Long lists in the PDF (the record's openings, above all): the newest ones, the JSON copy has them all.
PDF_MAX_ROWS = 100
REFUSED = "Votre rôle ne permet pas de remettre à une personne la copie de ses données."


def _data(request, pk, about: str) -> tuple[Beneficiary, dict]:
    if not perms.can_record_beneficiary(request.user):
        raise PermissionDenied(REFUSED)
    queryset = Beneficiary.objects.select_related("commune", "site", "organisation")
    try:
        person, shown = disclosure.person_and_shown(
            request.user, pk, purpose=AccessPurpose.RECORD, about=about, queryset=queryset
        )
    except Beneficiary.DoesNotExist:
        raise Http404("Personne introuvable") from None
    return person, person_data(person, shown, request.user)


@login_required
@require_GET
def person_data_json(request, pk):
    person, data = _data(request, pk, "copie de ses données (JSON)")
    body = json.dumps(data, cls=DjangoJSONEncoder, ensure_ascii=False, indent=2)
    response = HttpResponse(body, content_type="application/json; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="mes-donnees-tremplin-{person.pk}.json"'
    response["Cache-Control"] = "no-store"
    return response


def _plain(value) -> str:
    """A value as the PDF writes it: dates in French, yes/no, lists one per line, « — » when empty."""
    if value is None or value == "" or value == []:
        return "—"
    if isinstance(value, bool):
        return "oui" if value else "non"
    if isinstance(value, datetime.datetime):
        return f"{timezone.localtime(value):%d/%m/%Y à %H:%M}"
    if isinstance(value, datetime.date):
        return f"{value:%d/%m/%Y}"
    if isinstance(value, list | tuple):
        return "\n".join(_plain(item) for item in value)
    return str(value)


def _pdf_sections(data: dict) -> list[dict]:
    sections = []
    for key, title in SECTION_TITLES.items():
        content = data[key]
        rows = [content] if isinstance(content, dict) else content[-PDF_MAX_ROWS:][::-1]
        sections.append(
            {
                "title": title,
                "items": [[(label, _plain(value)) for label, value in row.items()] for row in rows],
                "total": 1 if isinstance(content, dict) else len(content),
                "cut": not isinstance(content, dict) and len(content) > PDF_MAX_ROWS,
            }
        )
    return sections


@login_required
@require_GET
def person_data_pdf(request, pk):
    person, data = _data(request, pk, "copie de ses données (PDF)")
    context = {
        "document": data["document"],
        "produced": _plain(data["document"]["Produit le"]),
        # « Bonjour Kevin L. » and not « Kevin L.. » (the sentence's own full stop follows)
        "greeting": (data["identite"]["Pseudonyme"] or data["identite"]["Prénom"] or data["identite"]["Nom"]).rstrip(
            "."
        ),
        "sections": _pdf_sections(data),
        "max_rows": PDF_MAX_ROWS,
    }
    response = HttpResponse(render_pdf(PDF_TEMPLATE, context), content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="mes-donnees-tremplin-{person.pk}.pdf"'
    response["Cache-Control"] = "no-store"
    return response
