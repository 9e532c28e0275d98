"""Counter screening, diagnostic, result page, re-assessment and progress, summary PDF."""

import datetime
import html
import io
import re
import zlib

import pypdf
import pytest
from django.urls import reverse
from django.utils import timezone

from tests.beneficiaries.factories import DiagnosticFactory
from tests.beneficiaries.worlds import make_world
from tests.workshops.factories import SessionFactory
from tremplin.beneficiaries.models import AccessLog
from tremplin.diagnostics import questionnaire as questionnaires
from tremplin.diagnostics import services
from tremplin.diagnostics.enums import THEME_PLAIN_WORDS
from tremplin.diagnostics.models import Diagnostic, Screening
from tremplin.workshops.services import seed_catalogue

pytestmark = pytest.mark.django_db


@pytest.fixture
def world():
    return make_world()


SCREENING = {"used_internet": "non", "has_email": "non", "struggles_online": "oui", "has_device": "oui"}


def test_walk_in_screening_then_record_the_person(client, world):
    client.force_login(world.users.counter)
    page = client.get(reverse("diagnostics:screening"))
    assert page.status_code == 200
    assert page.content.decode().count("tremplin-big-choice") == 8  # 4 questions × oui/non
    response = client.post(reverse("diagnostics:screening"), SCREENING)
    screening = Screening.objects.get()
    assert response["Location"] == reverse("diagnostics:screening_result", args=[screening.pk])
    assert (screening.fragile, screening.next_step, screening.site, screening.beneficiary) == (
        True,
        "diagnostic",
        world.o1,
        None,
    )
    result = client.get(response["Location"])
    assert "Proposer un diagnostic numérique" in result.content.decode()

    create = client.post(
        reverse("beneficiaries:create"),
        {
            "pseudonym": "Mme R.",
            "gender": "feminin",
            "social_status": "retraite",
            "consent_data": "on",
            "screening": screening.pk,
        },
    )
    assert create.status_code == 302
    screening.refresh_from_db()
    assert screening.beneficiary.pseudonym == "Mme R."


def test_screening_attached_to_a_person_and_not_fragile(client, world):
    client.force_login(world.users.counter)
    person = world.people.at_o1
    answers = {"used_internet": "oui", "has_email": "oui", "struggles_online": "non", "has_device": "oui"}
    client.post(reverse("diagnostics:screening") + f"?personne={person.pk}", answers | {"personne": person.pk})
    screening = Screening.objects.get()
    assert (screening.beneficiary, screening.fragile, screening.next_step) == (person, False, "rien")


def test_screening_of_a_person_out_of_scope_is_refused(client, world):
    client.force_login(world.users.counter)
    response = client.post(reverse("diagnostics:screening"), SCREENING | {"personne": world.people.at_p1.pk})
    assert response.status_code == 404
    assert not Screening.objects.exists()


def test_walk_in_screenings_are_seen_at_the_same_site_only(client, world):
    client.force_login(world.users.counter)
    client.post(reverse("diagnostics:screening"), SCREENING)
    url = reverse("diagnostics:screening_result", args=[Screening.objects.get().pk])
    client.force_login(world.users.mediator)
    assert client.get(url).status_code == 200
    client.force_login(world.users.partner)
    assert client.get(url).status_code == 404


def diagnostic_post(**overrides):
    questionnaire = questionnaires.current()
    data = {"internet_last_3_months": "oui"}
    for use_case in questionnaire.use_cases:
        data[f"usage_{use_case['id']}"] = "entierement_accompagne"
    data["area_communication"] = ["comm_email", "comm_calls_video"]
    data["area_information"] = ["info_news"]
    data["equipment"] = ["smartphone"]
    data.update(overrides)
    return data


def test_counter_agent_cannot_run_a_diagnostic(client, world):
    client.force_login(world.users.counter)
    assert client.get(reverse("diagnostics:new", args=[world.people.at_o1.pk])).status_code == 403


def test_full_diagnostic_result_and_reassessment(client, world, django_assert_max_num_queries):
    seed_catalogue()
    client.force_login(world.users.mediator)
    person = world.people.at_o1
    url = reverse("diagnostics:new", args=[person.pk])
    assert client.get(url).status_code == 200
    response = client.post(url, diagnostic_post(internet_last_3_months="non"))
    first = Diagnostic.objects.get()
    assert response["Location"] == reverse("diagnostics:detail", args=[first.pk])
    assert (first.overall, first.insee, first.recommended_level) == ("not_assessable", "illectronisme", "debutant")
    assert first.questionnaire_version == questionnaires.current().version
    assert first.answers == []
    assert "aide_aux_demarches_administratives" in first.recommended_themes

    later = diagnostic_post(
        area_content=["content_word_processing"],
        area_safety=["safety_cookies"],
        area_problem_solving=["problem_install_apps"],
        usage_email="autonome",
    )
    response = client.post(url, later)
    second = Diagnostic.objects.latest("pk")
    assert (second.overall, second.insee) == ("basic", "autonome")
    assert second.communication == "above_basic"

    with django_assert_max_num_queries(10):
        detail = client.get(reverse("diagnostics:detail", args=[second.pk]))
    assert "Profil : Autonome" in detail.content.decode()
    page = client.get(reverse("beneficiaries:detail", args=[person.pk]))
    progress = page.context["progress"]
    assert progress.left_illectronisme
    email = next(change for change in progress.use_cases if change.key == "email")
    assert (email.before, email.after, email.trend) == ("entierement_accompagne", "autonome", 1)
    assert {change.key: change.trend for change in progress.areas}["communication"] == 1
    assert AccessLog.objects.filter(purpose="diagnostic", granted=True).exists()


def pdf_streams(data: bytes) -> list[bytes]:
    return [zlib.decompress(m.group(1)) for m in re.finditer(rb"stream\r?\n(.*?)\r?\nendstream", data, re.S)]


def pdf_page_count(data: bytes) -> int:
    return sum(len(re.findall(rb"/Type\s*/Page(?![s\w])", chunk)) for chunk in [data, *pdf_streams(data)])


def pdf_text(data: bytes) -> str:
    """Text of a WeasyPrint PDF: inflate the streams, map glyph ids through the ToUnicode CMaps."""
    streams = pdf_streams(data)
    glyphs = {}
    for stream in streams:
        for block in re.findall(rb"beginbfchar(.*?)endbfchar", stream, re.S):
            for code, uni in re.findall(rb"<([0-9A-Fa-f]+)>\s*<([0-9A-Fa-f]+)>", block):
                glyphs[code.decode().upper()] = bytes.fromhex(uni.decode()).decode("utf-16-be")
        for block in re.findall(rb"beginbfrange(.*?)endbfrange", stream, re.S):
            for start, end, uni in re.findall(rb"<([0-9A-Fa-f]+)>\s*<([0-9A-Fa-f]+)>\s*<([0-9A-Fa-f]+)>", block):
                width = len(start)
                for offset in range(int(end, 16) - int(start, 16) + 1):
                    code = f"{int(start, 16) + offset:0{width}X}"
                    glyphs[code] = chr(int(uni, 16) + offset)
    width = len(next(iter(glyphs))) if glyphs else 4
    text = []
    for stream in streams:
        for hexa in re.findall(rb"<([0-9A-Fa-f]+)>\s*Tj|<([0-9A-Fa-f]+)>", stream):
            chunk = (hexa[0] or hexa[1]).decode().upper()
            text.append("".join(glyphs.get(chunk[i : i + width], "") for i in range(0, len(chunk), width)))
    return "".join(text)


def test_summary_pdf_for_the_person(client, world):
    person = world.people.at_o1
    diagnostic = DiagnosticFactory(beneficiary=person, answers=["comm_email"], recommended_themes=["email", "sante"])
    client.force_login(world.users.mediator)
    response = client.get(reverse("diagnostics:pdf", args=[diagnostic.pk]))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    data = response.content
    assert data.startswith(b"%PDF")
    assert len(data) > 5_000
    assert pdf_page_count(data) == 1
    text = pdf_text(data)
    assert "Anne" in text.replace(" ", "")
    assert "bilan" in text.lower()
    assert AccessLog.objects.filter(purpose="synthese_pdf", beneficiary=person).exists()
    client.force_login(world.users.partner)
    assert client.get(reverse("diagnostics:pdf", args=[diagnostic.pk])).status_code == 404


def test_path_screen_pdf_and_booking_agree_for_full_guidance_on_email(client, world):
    """The reported case: full guidance for e-mail, partial autonomy for procedures (low capacities, six
    needs). The screen, the person's PDF and « Inscrire aux ateliers conseillés » show one path: beginner,
    e-mail then procedures, and the booking page offers every upcoming beginner session of these themes."""
    programmes = {programme.seed_key: programme for programme in seed_catalogue()}
    mediator, person = world.users.mediator, world.people.at_o1
    offered = [
        SessionFactory(programme=programmes[key], site=site, starts_at=timezone.now() + datetime.timedelta(days=days))
        for key, site, days in [
            ("email-debutant", world.o1, 2),
            ("email-debutant", world.o1, 9),
            ("email-debutant", world.o2, 4),
            ("email-debutant", world.o2, 11),
            ("demarches-debutant", world.o1, 3),
            ("demarches-debutant", world.o1, 10),
            ("demarches-debutant", world.o2, 5),
        ]
    ]
    SessionFactory(programme=programmes["achats-intermediaire"], site=world.o1)
    SessionFactory(programme=programmes["sante-debutant"], site=world.o1)
    SessionFactory(programme=programmes["email-debutant"], site=world.o1, past=True)
    SessionFactory(programme=programmes["email-debutant"], site=world.o1, cancelled=True)
    SessionFactory(programme=programmes["demarches-debutant"], site=world.o3)  # not the mediator's
    use_cases = dict.fromkeys((u["id"] for u in questionnaires.current().use_cases), "autonome")
    use_cases |= {"email": "entierement_accompagne", "demarches_administratives": "partiellement_autonome"}
    diagnostic = services.diagnostic_create(
        beneficiary=person,
        performed_by=mediator,
        internet_last_3_months=True,
        answers=["comm_instant_messaging", "problem_install_apps"],
        use_cases=use_cases,
        equipment=[],
    )
    assert diagnostic.insee == "capacites_faibles"
    expected = ["email", "aide_aux_demarches_administratives"]
    assert (diagnostic.recommended_level, diagnostic.recommended_themes) == ("debutant", expected)

    client.force_login(mediator)
    detail = client.get(reverse("diagnostics:detail", args=[diagnostic.pk]))
    assert [theme["value"] for theme in detail.context["themes"]] == expected
    page = detail.content.decode()
    assert "niveau <strong>Débutant</strong>, thématiques : E-mail, Aide aux démarches administratives." in page
    assert "Bureautique" in page.split('id="besoins-hors-catalogue"')[1]  # a need, said to have no workshop

    pdf = client.get(reverse("diagnostics:pdf", args=[diagnostic.pk])).content
    text = "".join(page.extract_text() for page in pypdf.PdfReader(io.BytesIO(pdf)).pages)
    squeezed = re.sub(r"\s+", "", text)
    shown = {theme for theme, words in THEME_PLAIN_WORDS.items() if re.sub(r"\s+", "", words) in squeezed}
    assert shown == set(expected)
    assert "Niveaudesateliers pourvous:Débutant".replace(" ", "") in squeezed

    link = re.search(r'href="([^"]+)">Inscrire aux ateliers conseillés', page).group(1)
    booking = client.get(html.unescape(link))
    assert booking.context["themes"] == expected and booking.context["level"] == "debutant"
    assert [session.pk for session in booking.context["sessions"]] == [
        session.pk for session in sorted(offered, key=lambda s: s.starts_at)
    ]
