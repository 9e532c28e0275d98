"""Who may edit a place: the staff of a partner structure, for the places their organisation keeps.
Reading the directory is public (it holds no person's data)."""

from tremplin.accounts.enums import Role

from .models import Place


def editable_places(user):
    """The places `user` may update (scoping is in the queryset: anything else answers 404)."""
    if not getattr(user, "is_authenticated", False) or user.role != Role.PARTNER_STAFF or not user.organisation_id:
        return Place.objects.none()
    return Place.objects.filter(organisation_id=user.organisation_id)


def can_edit_places(user) -> bool:
    return getattr(user, "is_authenticated", False) and user.role == Role.PARTNER_STAFF and bool(user.organisation_id)


def can_edit(user, place: Place) -> bool:
    return can_edit_places(user) and place.organisation_id == user.organisation_id
