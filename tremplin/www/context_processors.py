from django.urls import reverse

from tremplin.accounts.enums import Role
from tremplin.activities.perms import activity_scope, can_record_activity
from tremplin.beneficiaries.perms import can_screen
from tremplin.mandates.habilitation_perms import can_view_habilitations
from tremplin.notifications.perms import can_handle_notifications
from tremplin.planning.perms import can_plan
from tremplin.referrals.perms import REFERRING_ROLES
from tremplin.workshops.perms import can_book, can_manage_registrations, can_organise, can_view_stats

MANDATE_ROLES = (Role.MEDIATOR, Role.PARTNER_STAFF, Role.COORDINATOR, Role.NATIONAL_MANAGER)


def navigation(request):
    """Main menu entries for the signed-in user, and what other menus may show them (no database query)."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"main_menu": [], "user_can": {}}
    items = [
        ("Accueil", reverse("home:index")),
        ("Territoires", reverse("territory:france")),
        ("Rechercher", reverse("search:index")),
        ("Personnes", reverse("beneficiaries:list")),
    ]
    if can_screen(user):
        items.append(("Repérage", reverse("diagnostics:screening")))
    if can_book(user) or can_organise(user):
        items.append(("Ateliers", reverse("workshops:index")))
    if can_plan(user):
        items.append(("Planification", reverse("planning:index")))
    if can_handle_notifications(user):
        # No count badge: it would cost a query on every page.
        items.append(("Messages", reverse("notifications:index")))
    items.append(("Lieux", reverse("places:search")))
    if user.role == Role.PARTNER_STAFF:
        items.append(("Mes lieux", reverse("places:mine")))
    if user.role in REFERRING_ROLES or user.role == Role.PARTNER_STAFF:
        items.append(("Orientations", reverse("referrals:list")))
    if user.role in MANDATE_ROLES:
        items.append(("Mandats", reverse("mandates:list")))
    if can_record_activity(user):
        items.append(("Activités", reverse("activities:list")))
    if activity_scope(user) is not None:  # every role that counts activities (a filter, no query)
        items.append(("Pilotage", reverse("reporting:dashboard")))
    if can_view_habilitations(user):
        items.append(("Habilitations", reverse("mandates:habilitation_list")))
    if user.is_staff:
        items.append(("Administration", reverse("admin:index")))
    path = request.path
    # The entry whose address is the longest start of this page's (/mandats/habilitations/ is not /mandats/).
    current = max(
        (url for _, url in items if (path == url if url == "/" else path.startswith(url))), key=len, default=None
    )
    # What other menus and buttons (workshops/_nav.html, session_detail.html) may link to: never a page that refuses.
    user_can = {
        "handle_messages": can_handle_notifications(user),
        "view_workshop_stats": can_view_stats(user),
        "session_documents": can_manage_registrations(user),  # attendance sheet PDF, participants CSV
    }
    return {
        "user_can": user_can,
        "main_menu": [{"label": label, "url": url, "current": url == current} for label, url in items],
    }
