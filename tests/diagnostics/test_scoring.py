"""The official scoring rules (Eurostat DSI 2.0, INSEE 2021), every boundary, and their consistency."""

import itertools

import pytest
from hypothesis import given
from hypothesis import strategies as st

from tremplin.diagnostics import questionnaire as questionnaires
from tremplin.diagnostics import scoring
from tremplin.diagnostics.enums import AreaLevel, InseeClass, OverallLevel, Thematique
from tremplin.workshops.catalogue import NATIONAL_PROGRAMMES

NONE, BASIC, ABOVE = scoring.NONE, scoring.BASIC, scoring.ABOVE_BASIC
QUESTIONNAIRE = questionnaires.current()
ISSUE_IDENTIFIERS = {
    "information": [
        "info_search_goods_services",
        "info_health",
        "info_news",
        "info_verify_truth",
        "info_files_transfer",
    ],
    "communication": [
        "comm_email",
        "comm_calls_video",
        "comm_instant_messaging",
        "comm_social_networks",
        "comm_civic_opinion",
    ],
    "content": [
        "content_word_processing",
        "content_spreadsheet",
        "content_edit_media",
        "content_presentation",
        "content_programming",
    ],
    "safety": [
        "safety_privacy_statement",
        "safety_restrict_location",
        "safety_limit_profile",
        "safety_refuse_ads_data",
        "safety_check_site_security",
        "safety_cookies",
    ],
    "problem_solving": [
        "problem_install_apps",
        "problem_change_settings",
        "problem_online_purchase",
        "problem_online_selling",
        "problem_internet_banking",
        "problem_online_learning",
        "problem_job_search",
    ],
}


def test_base_questionnaire_uses_exactly_the_dsi_identifiers_of_the_issue():
    assert QUESTIONNAIRE.area_items == ISSUE_IDENTIFIERS


@pytest.mark.parametrize(
    ("area", "count", "level"),
    [
        *[
            (a, c, lvl)
            for a in ("information", "communication")
            for c, lvl in [(0, NONE), (1, BASIC), (2, ABOVE), (5, ABOVE)]
        ],
        *[
            (a, c, lvl)
            for a in ("content", "safety", "problem_solving")
            for c, lvl in [(0, NONE), (1, BASIC), (2, BASIC), (3, ABOVE), (5, ABOVE)]
        ],
    ],
)
def test_area_level_thresholds(area, count, level):
    assert scoring.area_level(area, count) == level


def test_area_level_rejects_negative_counts():
    with pytest.raises(ValueError):
        scoring.area_level("information", -1)


def levels(*values):
    return dict(zip(scoring.AREAS, values, strict=True))


@pytest.mark.parametrize(
    ("area_levels", "overall", "insee"),
    [
        (levels(ABOVE, ABOVE, ABOVE, ABOVE, ABOVE), "above_basic", "autonome"),
        (levels(ABOVE, ABOVE, ABOVE, ABOVE, BASIC), "basic", "autonome"),
        (levels(BASIC, BASIC, BASIC, BASIC, BASIC), "basic", "autonome"),
        (levels(ABOVE, ABOVE, ABOVE, ABOVE, NONE), "low", "capacites_faibles"),
        (levels(NONE, BASIC, BASIC, BASIC, BASIC), "low", "capacites_faibles"),
        (levels(NONE, NONE, BASIC, ABOVE, BASIC), "narrow", "capacites_faibles"),
        (levels(NONE, NONE, NONE, ABOVE, BASIC), "limited", "capacites_faibles"),
        (levels(NONE, NONE, NONE, NONE, ABOVE), "no_skills", "illectronisme"),
        (levels(NONE, NONE, NONE, NONE, NONE), "no_skills", "illectronisme"),
    ],
)
def test_overall_and_insee_for_internet_users(area_levels, overall, insee):
    assert scoring.overall_level(True, area_levels) == overall
    assert scoring.insee_class(True, area_levels) == insee


@pytest.mark.parametrize("area_levels", [levels(ABOVE, ABOVE, ABOVE, ABOVE, ABOVE), levels(*[NONE] * 5)])
def test_no_internet_use_is_not_assessable_and_illectronisme(area_levels):
    assert scoring.overall_level(False, area_levels) == "not_assessable"
    assert scoring.insee_class(False, area_levels) == "illectronisme"


@pytest.mark.parametrize("basic_count", range(6))
def test_every_count_of_areas_at_basic(basic_count):
    """Exhaustive over the number of areas at basic or above (with and without 'above basic')."""
    for above in (False, True):
        area_levels = levels(*([ABOVE if above else BASIC] * basic_count + [NONE] * (5 - basic_count)))
        expected_overall = {5: "above_basic" if above else "basic", 4: "low", 3: "narrow", 2: "limited"}.get(
            basic_count, "no_skills"
        )
        expected_insee = (
            "autonome" if basic_count == 5 else "capacites_faibles" if basic_count >= 2 else "illectronisme"
        )
        assert scoring.overall_level(True, area_levels) == expected_overall
        assert scoring.insee_class(True, area_levels) == expected_insee


def test_every_combination_of_area_levels_is_classified():
    for combination in itertools.product(scoring.AREA_LEVELS, repeat=5):
        area_levels = levels(*combination)
        assert scoring.overall_level(True, area_levels) in scoring.OVERALL_LEVELS
        assert scoring.insee_class(True, area_levels) in scoring.INSEE_CLASSES


def test_score_counts_yes_answers_per_area_and_absent_items_are_no():
    result = QUESTIONNAIRE.score(
        True,
        {"comm_email": True, "comm_calls_video": True, "info_news": True, "content_spreadsheet": False},
    )
    assert result.areas == levels(BASIC, ABOVE, NONE, NONE, NONE)
    assert result.counts["content"] == 0
    assert (result.overall, result.insee) == ("limited", "capacites_faibles")


def test_score_without_internet_ignores_activities():
    result = QUESTIONNAIRE.score(False, dict.fromkeys(QUESTIONNAIRE.item_ids, True))
    assert result.areas == levels(*[NONE] * 5)
    assert (result.overall, result.insee) == ("not_assessable", "illectronisme")


def test_all_activities_is_above_basic():
    result = QUESTIONNAIRE.score(True, dict.fromkeys(QUESTIONNAIRE.item_ids, True))
    assert (result.overall, result.insee) == ("above_basic", "autonome")


CONSISTENT = {
    "illectronisme": {"not_assessable", "no_skills"},
    "capacites_faibles": {"limited", "narrow", "low"},
    "autonome": {"basic", "above_basic"},
}


@given(internet=st.booleans(), done=st.sets(st.sampled_from(sorted(QUESTIONNAIRE.item_ids))))
def test_insee_and_eurostat_classes_stay_consistent(internet, done):
    result = QUESTIONNAIRE.score(internet, dict.fromkeys(done, True))
    assert result.overall in CONSISTENT[result.insee]
    # Eurostat's "at least basic digital skills" is exactly INSEE's "autonome".
    assert (result.overall in ("basic", "above_basic")) == (result.insee == "autonome")
    # More activities never lower the class.
    more = QUESTIONNAIRE.score(internet, dict.fromkeys(QUESTIONNAIRE.item_ids, True))
    assert scoring.INSEE_CLASSES.index(more.insee) >= scoring.INSEE_CLASSES.index(result.insee)


@given(counts=st.tuples(*[st.integers(min_value=0, max_value=8)] * 5), internet=st.booleans())
def test_consistency_on_raw_counts(counts, internet):
    area_levels = {area: scoring.area_level(area, count) for area, count in zip(scoring.AREAS, counts, strict=True)}
    insee = scoring.insee_class(internet, area_levels)
    assert scoring.overall_level(internet, area_levels) in CONSISTENT[insee]


def test_django_choices_use_the_scoring_values():
    assert set(AreaLevel.values) == set(scoring.AREA_LEVELS)
    assert set(OverallLevel.values) == set(scoring.OVERALL_LEVELS)
    assert set(InseeClass.values) == set(scoring.INSEE_CLASSES)


def test_learning_level_follows_insee_class():
    assert scoring.learning_level("illectronisme") == "debutant"
    assert scoring.learning_level("capacites_faibles") == "intermediaire"
    assert scoring.learning_level("autonome") == "avance"


def test_recommended_themes_follow_gaps_use_cases_and_equipment():
    result = QUESTIONNAIRE.score(True, dict.fromkeys(QUESTIONNAIRE.item_ids - {"safety_cookies"}, True))
    assert QUESTIONNAIRE.recommend(result) == []
    gaps = QUESTIONNAIRE.score(True, {"comm_email": True})
    assert QUESTIONNAIRE.recommend(gaps) == [
        "prendre_en_main_du_materiel",
        "navigation_sur_internet",
        "bureautique",
        "securite_numerique",
    ]
    themes = QUESTIONNAIRE.recommend(
        result,
        use_cases={
            "teleconsultation": "entierement_accompagne",
            "email": "autonome",
            "banque_en_ligne": "partiellement_autonome",
        },
        equipment=["internet_home"],
    )
    assert themes == ["prendre_en_main_du_materiel", "sante", "banque_et_achats_en_ligne"]
    assert set(themes) <= set(Thematique.values)


def test_no_internet_recommends_first_steps():
    result = QUESTIONNAIRE.score(False, {})
    assert QUESTIONNAIRE.recommend(result)[:2] == ["prendre_en_main_du_materiel", "navigation_sur_internet"]


@pytest.mark.parametrize(
    ("answers", "fragile", "step"),
    [
        ((False, False, True, False), True, "diagnostic"),
        ((False, True, False, True), True, "diagnostic"),
        ((True, True, False, False), True, "partenaire"),
        ((True, False, True, True), True, "diagnostic"),
        ((True, False, False, True), True, "atelier"),
        ((True, True, True, True), True, "atelier"),
        ((True, True, False, True), False, "rien"),
    ],
)
def test_screening_outcome(answers, fragile, step):
    used_internet, has_email, struggles_online, has_device = answers
    outcome = scoring.screening_outcome(
        used_internet=used_internet, has_email=has_email, struggles_online=struggles_online, has_device=has_device
    )
    assert (outcome.fragile, outcome.next_step) == (fragile, step)


def test_screening_every_combination_gives_exactly_one_step():
    for combination in itertools.product((False, True), repeat=4):
        outcome = scoring.screening_outcome(
            used_internet=combination[0],
            has_email=combination[1],
            struggles_online=combination[2],
            has_device=combination[3],
        )
        assert outcome.next_step in ("diagnostic", "atelier", "partenaire", "rien")
        assert outcome.fragile == (outcome.next_step != "rien")


def test_questionnaire_files_are_valid_and_versioned():
    assert questionnaires.versions() == ["2026.1"]
    with pytest.raises(questionnaires.QuestionnaireError):
        questionnaires.load("dsi2-base", "0.0")


# --- Learning path: one advice, taught by the catalogue --------------------------------------------
CATALOGUE_OFFER = {(programme["theme"], programme["level"]) for programme in NATIONAL_PROGRAMMES}
AUTONOME_EVERYWHERE = dict.fromkeys((u["id"] for u in QUESTIONNAIRE.use_cases), "autonome")


def test_full_guidance_for_email_gives_a_beginner_path_email_first():
    """The reported case: low capacities (Eurostat « limited »), full guidance for e-mail, partial autonomy
    for procedures, no device: beginner level, e-mail then procedures, nothing the catalogue lacks."""
    result = QUESTIONNAIRE.score(True, {"comm_instant_messaging": True, "problem_install_apps": True})
    assert result.insee == "capacites_faibles"
    use_cases = AUTONOME_EVERYWHERE | {
        "email": "entierement_accompagne",
        "demarches_administratives": "partiellement_autonome",
    }
    path = QUESTIONNAIRE.learning_path(result, offer=CATALOGUE_OFFER, use_cases=use_cases, equipment=[])
    assert path.level == "debutant"
    assert path.theme_values == ["email", "aide_aux_demarches_administratives"]
    assert path.themes[0].reasons == ("« Envoyer et lire des e-mails » : avec guidage",)
    assert "autonome avec guidage en cas de besoin" in path.themes[1].reasons[0]
    assert {item.theme for item in path.unmet} == {
        "prendre_en_main_du_materiel",
        "navigation_sur_internet",
        "bureautique",
        "securite_numerique",
    }


def test_partial_autonomy_only_goes_to_the_intermediate_workshop_the_catalogue_has():
    result = QUESTIONNAIRE.score(True, dict.fromkeys(QUESTIONNAIRE.item_ids, True))
    use_cases = AUTONOME_EVERYWHERE | {"achat_vente_en_ligne": "partiellement_autonome"}
    path = QUESTIONNAIRE.learning_path(result, offer=CATALOGUE_OFFER, use_cases=use_cases, equipment=["smartphone"])
    assert (path.level, path.theme_values, path.unmet) == ("intermediaire", ["banque_et_achats_en_ligne"], ())
    # Partial autonomy on procedures, taught to beginners only: the level goes down, never up.
    use_cases["demarches_administratives"] = "partiellement_autonome"
    path = QUESTIONNAIRE.learning_path(result, offer=CATALOGUE_OFFER, use_cases=use_cases, equipment=["smartphone"])
    assert (path.level, path.theme_values) == (
        "debutant",
        ["banque_et_achats_en_ligne", "aide_aux_demarches_administratives"],
    )


def test_no_need_no_path_and_needs_without_workshop_are_unmet():
    autonomous = QUESTIONNAIRE.score(True, dict.fromkeys(QUESTIONNAIRE.item_ids, True))
    path = QUESTIONNAIRE.learning_path(autonomous, offer=CATALOGUE_OFFER, use_cases=AUTONOME_EVERYWHERE)
    assert (path.level, path.themes, path.unmet) == (None, (), ())
    no_internet = QUESTIONNAIRE.score(False, {})
    path = QUESTIONNAIRE.learning_path(no_internet, offer=set(), use_cases=AUTONOME_EVERYWHERE)
    assert path.level is None and path.themes == ()
    assert path.unmet[0].theme == "prendre_en_main_du_materiel"


USE_CASE_IDS = [u["id"] for u in QUESTIONNAIRE.use_cases]
LEVEL_RANK = {level: rank for rank, level in enumerate(scoring.WORKSHOP_LEVELS)}


@given(
    internet=st.booleans(),
    answers=st.sets(st.sampled_from(sorted(QUESTIONNAIRE.item_ids))),
    autonomy=st.lists(st.sampled_from(scoring.AUTONOMY_LEVELS), min_size=5, max_size=5),
    equipment=st.sets(st.sampled_from([e["id"] for e in QUESTIONNAIRE.equipment])),
    offer=st.sets(st.tuples(st.sampled_from(Thematique.values), st.sampled_from(scoring.WORKSHOP_LEVELS))),
)
def test_learning_path_never_proposes_what_the_catalogue_lacks_nor_a_level_above_the_weakest_need(
    internet, answers, autonomy, equipment, offer
):
    result = QUESTIONNAIRE.score(internet, dict.fromkeys(answers, True))
    use_cases = dict(zip(USE_CASE_IDS, autonomy, strict=True))
    found = scoring.needs(result, QUESTIONNAIRE.path_rules, use_cases=use_cases, equipment=equipment)
    path = QUESTIONNAIRE.learning_path(result, offer=offer, use_cases=use_cases, equipment=equipment)
    assert all((theme, path.level) in offer for theme in path.theme_values)
    assert {t.theme for t in path.themes} | {t.theme for t in path.unmet} == {need.theme for need in found}
    assert not {t.theme for t in path.themes} & {t.theme for t in path.unmet}
    assert all(t.reasons for t in path.themes + path.unmet)
    if path.level is not None:
        assert LEVEL_RANK[path.level] <= min(LEVEL_RANK[need.level] for need in found)
    else:
        assert path.themes == ()
        # Nothing is taught at or below the weakest need for any needed theme.
        bound = min((LEVEL_RANK[need.level] for need in found), default=-1)
        assert not any((need.theme, level) in offer for need in found for level in scoring.WORKSHOP_LEVELS[: bound + 1])
