from django.urls import reverse


def navigation(request):
    """Main menu entries for the signed-in user (no database query)."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"main_menu": []}
    items = [
        ("Accueil", reverse("home:index")),
        ("Territoires", reverse("territory:france")),
        ("Rechercher", reverse("search:index")),
    ]
    if user.is_staff:
        items.append(("Administration", reverse("admin:index")))
    path = request.path
    return {
        "main_menu": [
            {"label": label, "url": url, "current": (path == url if url == "/" else path.startswith(url))}
            for label, url in items
        ]
    }
