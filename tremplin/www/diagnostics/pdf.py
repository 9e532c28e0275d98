"""The one-page summary given to the person: HTML template rendered to PDF by WeasyPrint."""

from tremplin.pdf import render_pdf

PDF_TEMPLATE = "diagnostics/summary_pdf.html"


def summary_pdf(context: dict) -> bytes:
    return render_pdf(PDF_TEMPLATE, context)
