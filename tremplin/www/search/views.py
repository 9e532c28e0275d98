from django.contrib.auth.decorators import login_required
from django.shortcuts import render

from tremplin.territories import selectors

MIN_LENGTH = 2


@login_required
def index(request):
    query = request.GET.get("q", "").strip()[:100]
    results = selectors.search(request.user, query) if len(query) >= MIN_LENGTH else None
    context = {
        "title": f"Recherche : {query}" if query else "Rechercher",
        "breadcrumb": [("Accueil", "/"), ("Rechercher", None)],
        "query": query,
        "too_short": bool(query) and len(query) < MIN_LENGTH,
        "min_length": MIN_LENGTH,
        "results": results,
    }
    return render(request, "search/index.html", context)
