"""The one-page summary given to the person: HTML template rendered to PDF by WeasyPrint."""

from django.conf import settings
from django.template.loader import render_to_string

PDF_TEMPLATE = "diagnostics/summary_pdf.html"


def summary_pdf(context: dict) -> bytes:
    from weasyprint import HTML

    html = render_to_string(PDF_TEMPLATE, context)
    return HTML(string=html, base_url=str(settings.BASE_DIR)).write_pdf()
