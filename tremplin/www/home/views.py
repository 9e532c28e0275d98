from django.shortcuts import render

from tremplin.territories import selectors
from tremplin.workshops.nearby import nearby_places


def index(request):
    """Signed in: the overview of one's territory. Anonymous: find a workshop near home, or sign in."""
    if not request.user.is_authenticated:
        return render(request, "home/welcome.html", {"title": "Ateliers numériques près de chez vous"})
    overview = selectors.home_overview(request.user)
    return render(request, "home/index.html", {"title": "Accueil", "overview": overview})


def nearby(request):
    """« Trouver un atelier près de chez moi »: a commune or a postcode, then the places near it (public)."""
    search = nearby_places(request.GET.get("q", ""), code_insee=request.GET.get("commune", ""))
    title = f"Ateliers près de {search.commune.name}" if search.commune else "Trouver un atelier près de chez moi"
    return render(request, "home/nearby.html", {"title": title, "search": search})
