"""The directory of places: public search (list and map), a place's page, and partners keeping their place up to
date. No person's data is ever shown here."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone

from tremplin.frenchdates import french_date
from tremplin.places import opening_hours, perms, schema, search, services
from tremplin.places.models import Place

from .forms import PlaceEditForm, PlaceSearchForm

MAX_RESULTS = 200


def _crumbs(*extra):
    return [("Lieux de médiation numérique", reverse("places:search")), *extra]


def index(request):
    """Search by commune and radius, need, service, opening time, accessibility; list and map by distance."""
    form = PlaceSearchForm(request.GET or None)
    found = commune = None
    markers = []
    if form.is_bound and form.is_valid():
        commune = form.cleaned_data["commune"]
        if commune.latitude is None or commune.longitude is None:
            form.add_error("commune", "Cette commune n'a pas de coordonnées : choisissez une commune voisine.")
        else:
            data = form.cleaned_data
            found = search.search(
                latitude=commune.latitude,
                longitude=commune.longitude,
                radius_km=data.get("radius_km") or 10,
                services=[data["service"]] if data.get("service") else (),
                need=data.get("need") or "",
                open_at=form.open_at(timezone.now()),
                accessible=data.get("accessible") or False,
                limit=MAX_RESULTS,
            )
            for result in found.results:
                result.distance_text = search.format_distance(result.distance_km)
                markers.append(
                    {
                        "name": result.name,
                        "kind": result.kind,
                        "lat": result.latitude,
                        "lon": result.longitude,
                        "distance": result.distance_text,
                        "status": result.status,
                        "address": f"{result.address}, {result.postcode} {result.city}",
                        "url": reverse("places:detail", args=[result.place.pk]) if result.place else "",
                    }
                )
    title = f"Lieux près de {commune.name}" if found is not None else "Trouver un lieu de médiation numérique"
    context = {
        "title": title,
        "form": form,
        "found": found,
        "commune": commune,
        "map_data": {"center": [commune.latitude, commune.longitude], "places": markers} if found else None,
        "breadcrumb": _crumbs() if found is None else _crumbs((commune.name, "")),
        "can_edit_places": perms.can_edit_places(request.user),
    }
    return render(request, "places/search.html", context)


SKIPPED_ON_PAGE = {
    "name",
    "hours",
    "latitude",
    "longitude",
    "commune",
    "site",
    "updated_at",
    "updated_by",
    "hours_valid",
}


def _rows(place):
    """Every field of the national schema, labelled in French (empty ones say « non renseigné »)."""
    rows = []
    for attr in schema.MODEL_FIELDS.values():
        if attr in SKIPPED_ON_PAGE:
            continue
        value = getattr(place, attr)
        if isinstance(value, list):
            value = " · ".join(str(v) for v in value)
        elif attr == "source_updated_on":
            value = french_date(value)
        label = str(Place._meta.get_field(attr).verbose_name)
        rows.append((label[:1].upper() + label[1:], value or "non renseigné", attr))
    return rows


def detail(request, pk):
    place = get_object_or_404(Place.objects.select_related("updated_by", "commune"), pk=pk)
    schedule = opening_hours.parse(place.hours) if place.hours and place.hours_valid else None
    context = {
        "title": place.name,
        "place": place,
        "schedule_status": schedule.status(timezone.now()) if schedule else search.HOURS_TO_CHECK,
        "week": schedule.week() if schedule else [],
        "rows": _rows(place),
        "can_edit": perms.can_edit(request.user, place),
        "breadcrumb": _crumbs((place.name, "")),
    }
    return render(request, "places/detail.html", context)


@login_required
def mine(request):
    """The places a partner's staff keep up to date."""
    places = list(perms.editable_places(request.user).order_by("name", "pk"))
    context = {"title": "Mes lieux", "places": places, "breadcrumb": _crumbs(("Mes lieux", ""))}
    return render(request, "places/mine.html", context)


@login_required
def edit(request, pk):
    place = get_object_or_404(perms.editable_places(request.user), pk=pk)
    initial = {name: getattr(place, name) for name in PlaceEditForm.base_fields}
    form = PlaceEditForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            services.place_update(place=place, by=request.user, **form.cleaned_data)
        except ValidationError as exc:
            for field, errors in exc.message_dict.items():
                form.add_error(field if field in form.fields else None, errors)
        else:
            messages.success(request, "La fiche du lieu est à jour.")
            return redirect("places:detail", pk=place.pk)
    context = {
        "title": f"Mettre à jour « {place.name} »",
        "place": place,
        "form": form,
        "breadcrumb": _crumbs((place.name, reverse("places:detail", args=[place.pk])), ("Mettre à jour", "")),
    }
    return render(request, "places/edit.html", context)
