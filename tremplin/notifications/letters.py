"""Convocation letters: the HTML recorded on each letter notification, printed to PDF by WeasyPrint."""

from django.conf import settings


def letters_pdf(notifications) -> bytes:
    """One PDF with every letter, in the given order (one or more pages each)."""
    from weasyprint import HTML

    documents = [HTML(string=n.body, base_url=str(settings.BASE_DIR)).render() for n in notifications]
    if not documents:
        raise ValueError("Aucun courrier à imprimer.")
    pages = [page for document in documents for page in document.pages]
    return documents[0].copy(pages).write_pdf()
