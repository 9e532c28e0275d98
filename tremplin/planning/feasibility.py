"""Can a plan exist at all? The counting rules of the deployment planner (pure Python, no Django).

One function, :func:`check_feasibility`, decides from the number of eligible sites per département
whether ``M`` mediators of ``K`` offices each fit, and says in French what is possible when they do not
("Vos 2 départements comptent 191 bureaux de poste : au plus 47 médiateurs à 4 bureaux"). The solver's
``validate`` calls it on its arrays, the planning service on database counts, and the scenario form
through the service, so that the form refuses what the worker would refuse, with the same words.

Rules (see ``solver`` for the problem): the ``K`` offices of a mediator are in one département, so a
département with ``n`` eligible sites hosts at most ``n // K`` mediators; with an explicit list every
listed département gets at least one mediator and no other is used; with ``D > 0`` exactly ``D``
départements are used, each with at least one mediator; forced sites are in the plan.
Circuits (offices pairwise within ``circuit_km``) are not counted here: only the planner can tell.
"""

from __future__ import annotations

import math
from collections.abc import Hashable, Mapping, Sequence


class PlanningError(ValueError):
    """Invalid planning input; the message is in French, for the person who set the parameters.

    ``param`` names the parameter the problem is about (a field of ``PlanningParams`` or of the
    service's ``PlanOptions``: ``mediators``, ``departements``, ``departement_list``, ``forced_in``…),
    so that a form can put the message next to that field; ``None`` when it is about the whole plan."""

    def __init__(self, message: str, *, param: str | None = None):
        super().__init__(message)
        self.param = param


def number(value: int) -> str:
    """« 7 763 »: thousands separated by a narrow no-break space, as French typography wants."""
    return f"{value:,}".replace(",", "\u202f")


def plural(count: int, singular: str, plural_form: str | None = None) -> str:
    """« 1 bureau », « 4 bureaux », « 0 médiateur » (French: 0 and 1 take the singular)."""
    word = singular if abs(count) < 2 else (plural_form or singular + "s")
    return f"{number(count)} {word}"


def offices(count: int) -> str:
    return plural(count, "bureau", "bureaux")


def mediators_of(count: int, k: int) -> str:
    """« 47 médiateurs à 4 bureaux »."""
    return f"{plural(count, 'médiateur')} à {offices(k)}"


def capacity(sites_per_group: Mapping[Hashable, int], k: int, groups: Sequence[Hashable] | None, required: int) -> int:
    """Most mediators of ``k`` offices that fit: over the listed ``groups``, else over the ``required``
    best-endowed groups (``required`` = 0: all groups)."""
    if groups is not None:
        return sum(sites_per_group.get(g, 0) // k for g in groups)
    rooms = sorted((n // k for n in sites_per_group.values()), reverse=True)
    return sum(rooms[:required] if required > 0 else rooms)


def largest_k(sites_per_group: Mapping[Hashable, int], m: int, groups: Sequence[Hashable] | None, required: int) -> int:
    """Most offices per mediator with which ``m`` mediators still fit (0 when none does)."""
    best = 0
    most = max(sites_per_group.values(), default=0)
    for k in range(1, most + 1):
        if capacity(sites_per_group, k, groups, required) < m:
            break
        if groups is not None and any(sites_per_group.get(g, 0) < k for g in groups):
            break
        best = k
    return best


def check_feasibility(
    sites_per_group: Mapping[Hashable, int],
    *,
    mediators: int,
    offices_per_mediator: int,
    departements: int = 0,
    group_list: Sequence[Hashable] | None = None,
    forced_in: Sequence[Hashable] = (),
    forced_out: Sequence[Hashable] = (),
    forced_in_groups: Sequence[Hashable] = (),
    scope: str | None = None,
    sites_label: str = "sites candidats éligibles",
    group_names: Mapping[Hashable, str] | None = None,
) -> None:
    """Raise :class:`PlanningError` (French message saying what is possible, ``param`` set) when no plan
    can exist; return None otherwise.

    ``sites_per_group``: eligible sites per département (eligible types, located, forced-out sites
    already removed), for every département that has any. ``group_list``: the explicit list, or None
    (then ``departements`` = D, 0 for no constraint). ``forced_in_groups``: the département of each
    forced site, in the order of ``forced_in``. ``scope`` names the listed départements as the subject
    of the message (« Vos 2 départements »); ``sites_label`` names the sites (« bureaux de poste »);
    ``group_names`` how a département is written (its code by default).
    """
    m, k, d = int(mediators), int(offices_per_mediator), int(departements)
    name = (lambda g: str(group_names.get(g, g))) if group_names else str
    if m < 1:
        raise PlanningError("Le nombre de médiateurs doit être au moins 1.", param="mediators")
    if k < 1:
        raise PlanningError("Le nombre de bureaux par médiateur doit être au moins 1.", param="offices_per_mediator")
    if d < 0:
        raise PlanningError(
            "Le nombre de départements doit être positif ou nul (0 = pas de contrainte).", param="departements"
        )
    excluded = set(forced_out)
    both = [s for s in forced_in if s in excluded]
    if both:
        raise PlanningError(f"Sites à la fois imposés et exclus : {', '.join(map(str, both))}.", param="forced_out")
    if len(set(forced_in)) != len(forced_in):
        raise PlanningError("La liste des sites imposés contient des doublons.", param="forced_in")
    if len(forced_in) > m * k:
        raise PlanningError(
            f"Trop de sites imposés ({len(forced_in)}) pour {offices(m * k)} au total ({mediators_of(m, k)}).",
            param="forced_in",
        )
    listed = None if group_list is None else list(group_list)
    if listed is not None:
        if not listed:
            raise PlanningError("La liste de départements est vide.", param="departement_list")
        if len(set(listed)) != len(listed):
            raise PlanningError("La liste de départements contient des doublons.", param="departement_list")
        outside = [s for s, g in zip(forced_in, forced_in_groups, strict=True) if g not in set(listed)]
        if outside:
            raise PlanningError(
                f"Sites imposés hors des départements choisis : {', '.join(map(str, outside))}.", param="forced_in"
            )
        small = [g for g in listed if sites_per_group.get(g, 0) < k]
        if small:
            details = ", ".join(f"{name(g)} ({sites_per_group.get(g, 0)})" for g in small)
            raise PlanningError(
                f"Chaque département de la liste reçoit au moins un médiateur de {offices(k)}, or ces "
                f"départements comptent moins de {k} {sites_label} : {details}.",
                param="departement_list",
            )
        if len(listed) > m:
            raise PlanningError(
                f"{plural(len(listed), 'département listé', 'départements listés')} : il faut au moins autant "
                f"de médiateurs (chacun reçoit au moins un médiateur), or {plural(m, 'médiateur')} "
                f"{'est prévu' if m < 2 else 'sont prévus'}.",
                param="mediators",
            )
        required = len(listed)
        total = sum(sites_per_group.get(g, 0) for g in listed)
        if scope is None:
            scope = (
                f"Le département choisi ({name(listed[0])})"
                if len(listed) == 1
                else f"Les {len(listed)} départements choisis"
            )
        plural_scope = len(listed) > 1
    else:
        required = d
        if d > m:
            raise PlanningError(
                f"Le nombre de départements (D = {d}) ne peut pas dépasser le nombre de médiateurs (M = {m}) : "
                "chaque département choisi reçoit au moins un médiateur.",
                param="departements",
            )
        hosting = sum(1 for n in sites_per_group.values() if n >= k)
        if d > hosting:
            raise PlanningError(
                f"{d} départements demandés, mais seuls {hosting} départements ont au moins {k} {sites_label} "
                f"(un médiateur a ses {offices(k)} dans un seul département) : au plus D = {hosting}.",
                param="departements",
            )
        best = sorted(sites_per_group.values(), reverse=True)
        total = sum(best[:d]) if d > 0 else sum(best)
        if scope is None:
            scope = (
                (f"Les {d} départements les mieux dotés" if d > 1 else "Le département le mieux doté")
                if d > 0
                else "L’ensemble des départements"
            )
        plural_scope = d > 1
    room = capacity(sites_per_group, k, listed, required)
    if room < m:
        k_max = largest_k(sites_per_group, m, listed, required)
        alternative = f" (ou {mediators_of(m, k_max)})" if 1 <= k_max < k else ""
        if total < m * k:
            why = f"{mediators_of(m, k)} demanderaient {offices(m * k)}"
        else:  # enough sites in all, but split between départements
            why = f"un médiateur a ses {offices(k)} dans un seul département"
        raise PlanningError(
            f"{scope} {'comptent' if plural_scope else 'compte'} {number(total)} {sites_label} : "
            f"au plus {mediators_of(room, k)}{alternative} ; {why}.",
            param="mediators",
        )
    if listed is None and d > 0 and len(set(forced_in_groups)) > d:
        raise PlanningError(
            f"Les sites imposés couvrent {len(set(forced_in_groups))} départements, plus que les {d} demandés.",
            param="forced_in",
        )
    # the forced sites of a département need at least ceil(count / K) mediators there
    per_group: dict[Hashable, int] = {}
    for g in forced_in_groups:
        per_group[g] = per_group.get(g, 0) + 1
    needed = sum(math.ceil(n / k) for n in per_group.values())
    if needed > m:
        raise PlanningError(
            f"Les sites imposés demandent au moins {plural(needed, 'médiateur')} (au plus {offices(k)} chacun, "
            f"dans un seul département), mais seuls {m} sont prévus.",
            param="forced_in",
        )
    if required > 0 and m - needed < required - len(per_group):
        raise PlanningError(
            f"Avec les sites imposés, il ne reste que {m - needed} médiateurs pour couvrir "
            f"{required - len(per_group)} départements supplémentaires.",
            param="forced_in",
        )
