"""Dashboards (« pilotage »): one template, several levels (national, département, lieu, médiateur, équipe,
organisation), each a filter added to the shared filter set. Figures come from tremplin.reporting.stats (and
outcomes, objectives); this module only arranges them into charts and tables. Share links are created and revoked
here; they are shown by public.py."""

import datetime
from dataclasses import dataclass, field

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, QueryDict
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import urlencode
from django.views.decorators.http import require_GET, require_POST

from tremplin.accounts.enums import Role
from tremplin.network.models import Organisation, Site
from tremplin.ops.routers import replica_view
from tremplin.reporting import objectives as objective_progress
from tremplin.reporting import outcomes, perms, services, stats
from tremplin.reporting.enums import ObjectiveScope
from tremplin.reporting.filters import StatsFilters
from tremplin.reporting.models import ShareLink, Team
from tremplin.territories.models import Departement
from tremplin.territories.selectors import outlines_state

from . import figures as dashboard_figures
from .forms import DashboardFilterForm, ShareLinkForm

NO_SHARING = "Seuls les pilotes nationaux et les coordinateurs partagent un tableau de bord."


@dataclass
class Level:
    """One dashboard level: what it adds to the filters, its title and the URL of its page."""

    kind: str  # national, departement, site, mediator, team, organisation
    title: str
    url: str
    fixed: dict = field(default_factory=dict)
    departement: Departement | None = None
    site: Site | None = None
    mediator: object | None = None
    team: Team | None = None
    organisation: Organisation | None = None

    @property
    def shows_map(self) -> bool:
        return self.kind in ("national", "organisation")

    @property
    def filter_fields_hidden(self) -> tuple[str, ...]:
        return {
            "national": (),
            "departement": ("departement",),
            "organisation": ("organisation",),
        }.get(self.kind, ("departement", "organisation"))


def _crumbs(level: Level | None = None):
    items = [("Accueil", reverse("home:index"))]
    if level is None or level.kind == "national":
        items.append(("Pilotage", None))
    else:
        items += [("Pilotage", reverse("reporting:dashboard")), (level.title, None)]
    return items


@login_required
@require_GET
@replica_view
def dashboard(request):
    """National dashboard for national managers; the others land on their own level."""
    user = request.user
    query = f"?{request.GET.urlencode()}" if request.GET else ""
    if user.is_national:
        return _render(request, Level("national", "Tableau de bord national", reverse("reporting:dashboard")))
    if user.role == Role.COORDINATOR:
        departements = list(user.departements.order_by("code"))
        teams = list(perms.visible_teams(user).order_by("name"))
        if len(departements) == 1 and not teams:
            return redirect(reverse("reporting:departement", args=[departements[0].code]) + query)
        context = {
            "title": "Tableaux de bord",
            "breadcrumb": _crumbs(),
            "departements": departements,
            "teams": teams,
            "query": query,
        }
        return render(request, "reporting/dashboard_chooser.html", context)
    if user.role in (Role.MEDIATOR, Role.COUNTER_AGENT):
        return redirect(reverse("reporting:mediator", args=[user.pk]) + query)
    if user.role == Role.PARTNER_STAFF and user.organisation_id:
        return redirect(reverse("reporting:organisation", args=[user.organisation_id]) + query)
    raise PermissionDenied("Votre rôle ne donne accès à aucun tableau de bord.")


@login_required
@require_GET
@replica_view
def departement(request, code):
    departement = get_object_or_404(Departement, code=code.upper())
    level = Level(
        "departement",
        f"{departement.name} ({departement.code})",
        reverse("reporting:departement", args=[departement.code]),
        fixed={"departement": departement.code},
        departement=departement,
    )
    return _render(request, level)


@login_required
@require_GET
@replica_view
def site(request, site_id):
    site = get_object_or_404(Site.objects.select_related("commune"), pk=site_id)
    commune = f" ({site.commune.name})" if site.commune_id else ""
    level = Level(
        "site",
        f"Lieu : {site.name}{commune}",
        reverse("reporting:site", args=[site.pk]),
        fixed={"site": site.pk},
        site=site,
    )
    return _render(request, level)


@login_required
@require_GET
@replica_view
def mediator(request, user_id):
    mediator = get_object_or_404(perms.visible_mediators(request.user), pk=user_id)
    title = "Mon activité" if mediator.pk == request.user.pk else f"Médiateur : {mediator.get_full_name()}"
    level = Level(
        "mediator",
        title,
        reverse("reporting:mediator", args=[mediator.pk]),
        fixed={"mediator": mediator.pk},
        mediator=mediator,
    )
    return _render(request, level)


@login_required
@require_GET
@replica_view
def team(request, team_id):
    team = get_object_or_404(Team, pk=team_id)
    level = Level(
        "team", f"Équipe : {team.name}", reverse("reporting:team", args=[team.pk]), fixed={"team": team.pk}, team=team
    )
    return _render(request, level)


@login_required
@require_GET
@replica_view
def organisation(request, organisation_id):
    organisation = get_object_or_404(Organisation, pk=organisation_id)
    level = Level(
        "organisation",
        f"Organisation : {organisation.name}",
        reverse("reporting:organisation", args=[organisation.pk]),
        fixed={"organisation": organisation.pk},
        organisation=organisation,
    )
    return _render(request, level)


def level_filters(params, level: Level) -> tuple[StatsFilters, dict[str, str]]:
    """The shared filters read from the query string, with the level's own filter on top."""
    filters, errors = StatsFilters.from_params(params)
    if level.fixed:
        filters = filters.replace(**level.fixed)
    return filters, errors


def collect(viewer, filters: StatsFilters, *, threshold: int | None = None) -> dict:
    """Every figure of one dashboard view, counted for `viewer` by tremplin.reporting.stats and outcomes."""
    return {
        "figures": dashboard_figures.dashboard(stats.summary(viewer, filters), threshold=threshold),
        "outcomes": dashboard_figures.outcomes(
            rates=outcomes.workshop_rates(viewer, filters),
            referrals=outcomes.referral_counts(viewer, filters),
            before_after=outcomes.before_after(viewer, filters),
            threshold=threshold,
            workshop_method=outcomes.WORKSHOP_METHOD,
            before_after_method=outcomes.BEFORE_AFTER_METHOD,
        ),
    }


MAX_OBJECTIVES = 4


def level_objectives(user, level: Level) -> list:
    """The progress of the objectives of this level that `user` may read (nearest deadline first)."""
    objectives = perms.visible_objectives(user).select_related("organisation")
    if level.kind == "national":
        objectives = objectives.filter(scope=ObjectiveScope.PROGRAMME)
    elif level.kind == "organisation":
        objectives = objectives.filter(scope=ObjectiveScope.PROGRAMME, organisation=level.organisation)
    elif level.kind == "departement":
        objectives = objectives.filter(scope=ObjectiveScope.DEPARTEMENT, departement=level.departement)
    elif level.kind == "site":
        objectives = objectives.filter(scope=ObjectiveScope.SITE, site=level.site)
    elif level.kind == "mediator":
        objectives = objectives.filter(scope=ObjectiveScope.MEDIATOR, mediator=level.mediator)
    else:
        return []
    today = timezone.localdate()
    current = objectives.filter(deadline__gte=today).order_by("deadline", "pk")[:MAX_OBJECTIVES]
    return dashboard_figures.objective_lines(objective_progress.progress(o, user, today=today) for o in current)


def departement_names() -> dict[str, str]:
    return dict(Departement.objects.order_by("code").values_list("code", "name"))


def _render(request, level: Level):
    user = request.user
    filters, errors = level_filters(request.GET, level)
    refusal = stats.scope_error(user, filters)
    if refusal:
        raise PermissionDenied(refusal)
    hidden = level.filter_fields_hidden
    names = departement_names() if level.shows_map or "departement" not in hidden else {}
    organisations = (
        list(Organisation.objects.order_by("name")) if "organisation" not in hidden and user.is_national else []
    )
    form = DashboardFilterForm(
        params=request.GET,
        departements=[] if "departement" in hidden else sorted(names.items()),
        organisations=organisations,
        hide=hidden,
    )
    choropleth = None
    if level.shows_map:
        outlines = outlines_state()
        choropleth = dashboard_figures.choropleth(
            stats.by_departement(user, filters),
            names,
            contours_url=public_contours_url(outlines),
            departement_url=_departement_link(filters),
            linkable=_linkable_departements(user),
        )
        choropleth["outlines"] = outlines
    shareable = perms.can_share(user, filters)
    context = {
        "title": level.title,
        "breadcrumb": _crumbs(level),
        "level": level,
        "filters": filters,
        "filter_errors": errors,
        "filter_lines": filters.describe(_names(level)),
        "form": form,
        **collect(user, filters),
        "objectives": level_objectives(user, level),
        "export_query": urlencode(filters.as_params()),
        "choropleth": choropleth,
        "can_share": shareable,
        "can_list_shares": perms.can_create_share_links(user),
        "share_form": ShareLinkForm(initial={"expires_on": timezone.localdate() + datetime.timedelta(days=90)})
        if shareable
        else None,
        "share_params": filters.as_params(),
        "reset_url": level.url,
    }
    return render(request, "reporting/dashboard.html", context)


def public_contours_url(outlines) -> str | None:
    """The département outlines, versioned by their checksum; None when they were not imported."""
    version = outlines.versions.get("departements")
    return f"{reverse('public_stats:contours')}?v={version}" if version else None


def _names(level: Level) -> dict[str, str]:
    names = {}
    if level.departement:
        names[f"departement:{level.departement.code}"] = f"{level.departement.name} ({level.departement.code})"
    if level.site:
        names[f"site:{level.site.pk}"] = level.site.name
    if level.mediator:
        names[f"mediateur:{level.mediator.pk}"] = level.mediator.get_full_name()
    if level.team:
        names[f"equipe:{level.team.pk}"] = level.team.name
    if level.organisation:
        names[f"organisation:{level.organisation.pk}"] = level.organisation.name
    return names


def _linkable_departements(user) -> set[str] | None:
    """Codes of the départements whose dashboard `user` may open from the map (None: all of them)."""
    if user.is_national:
        return None
    if user.role == Role.COORDINATOR:
        return set(user.departements.values_list("code", flat=True))
    return set()


def _departement_link(filters: StatsFilters) -> str:
    """The URL of a département's dashboard with the current period, theme, type and organisation (`__code__`
    stands for the code)."""
    params = QueryDict(mutable=True)
    params.update({k: v for k, v in filters.replace(departement=None).as_params().items()})
    query = f"?{params.urlencode()}" if params else ""
    return reverse("reporting:departement", args=["__code__"]) + query


# --- share links ------------------------------------------------------------------------------------------------


@login_required
@require_POST
def share_create(request):
    user = request.user
    if not perms.can_create_share_links(user):
        raise PermissionDenied(NO_SHARING)
    filters, errors = StatsFilters.from_params(request.POST)
    if errors:
        raise PermissionDenied("Les filtres de ce tableau de bord sont illisibles : rechargez la page.")
    refusal = stats.scope_error(user, filters)
    if refusal:
        raise PermissionDenied(refusal)
    back = request.POST.get("retour", "")
    if not back.startswith("/pilotage/") or "//" in back:
        back = reverse("reporting:dashboard")
    form = ShareLinkForm(request.POST)
    if not form.is_valid():
        for error_list in form.errors.values():
            for error in error_list:
                messages.error(request, f"Lien de partage non créé : {error}")
        return redirect(back)
    try:
        link = services.share_link_create(
            by=user, label=form.cleaned_data["label"], filters=filters, expires_at=form.expires_at
        )
    except ValidationError as exc:
        for error in exc.messages:
            messages.error(request, f"Lien de partage non créé : {error}")
        return redirect(back)
    url = request.build_absolute_uri(reverse("public_stats:share", args=[link.token]))
    messages.success(request, f"Lien de partage « {link.label} » créé : {url}")
    return redirect("reporting:shares")


def _visible_links(user):
    links = ShareLink.objects.select_related("created_by")
    return links if user.is_national else links.filter(created_by=user)


@login_required
@require_GET
def shares(request):
    user = request.user
    if not perms.can_create_share_links(user):
        raise PermissionDenied(NO_SHARING)
    now = timezone.now()
    links = list(_visible_links(user))
    names = departement_names() if links else {}
    for link in links:
        link.url = request.build_absolute_uri(reverse("public_stats:share", args=[link.token]))
        link.filter_lines = StatsFilters.from_params(link.filters)[0].describe(
            {f"departement:{code}": f"{name} ({code})" for code, name in names.items()}
        )
        if link.revoked_at:
            link.state, link.state_class = "révoqué", "error"
        elif link.expires_at <= now:
            link.state, link.state_class = "expiré", "warning"
        else:
            link.state, link.state_class = "actif", "success"
    context = {
        "title": "Liens de partage des tableaux de bord",
        "breadcrumb": [
            ("Accueil", reverse("home:index")),
            ("Pilotage", reverse("reporting:dashboard")),
            ("Liens de partage", None),
        ],
        "links": links,
    }
    return render(request, "reporting/share_list.html", context)


@login_required
@require_POST
def share_revoke(request, link_id):
    user = request.user
    if not perms.can_create_share_links(user):
        raise PermissionDenied(NO_SHARING)
    link = _visible_links(user).filter(pk=link_id).first()
    if link is None:
        raise Http404("Lien de partage introuvable.")
    if link.revoked_at is None:
        try:
            services.share_link_revoke(link=link, by=user)
        except ValidationError as exc:
            raise PermissionDenied(" ".join(exc.messages)) from exc
        messages.success(request, f"Lien « {link.label} » révoqué : il ne s'ouvre plus.")
    return redirect("reporting:shares")
