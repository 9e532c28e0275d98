from django.contrib.auth.decorators import login_required
from django.shortcuts import render

from tremplin.territories import selectors


@login_required
def index(request):
    overview = selectors.home_overview(request.user)
    return render(request, "home/index.html", {"title": "Accueil", "overview": overview})
