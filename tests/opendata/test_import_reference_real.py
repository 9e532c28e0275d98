"""The full reference import on the real shared data, with exact counts (skipped without ../shared/data)."""

from io import StringIO

import pytest
from django.core.management import call_command
from django.db.models import Count

from tremplin.network.enums import SiteKind
from tremplin.network.models import Site
from tremplin.opendata.models import ReferenceImport
from tremplin.territories.models import Commune, Departement, Epci, FormerCommune, MapOutline, Qpv, Region

pytestmark = pytest.mark.django_db


def test_real_reference_import_counts_and_rerun(shared_data):
    out = StringIO()
    call_command("import_reference", data_dir=str(shared_data), stdout=out)
    report = out.getvalue()

    assert Region.objects.count() == 26
    assert Departement.objects.count() == 109
    assert Commune.objects.count() == 35_014
    assert Commune.objects.actual().count() == 34_969  # + 45 arrondissements of Paris, Lyon, Marseille
    assert FormerCommune.objects.count() == 4_240
    assert Epci.objects.count() == 1_255
    assert Commune.objects.filter(epci__isnull=False).count() == 34_871
    assert Commune.objects.filter(latitude__isnull=False).count() == 35_014
    assert Commune.objects.filter(density_level__isnull=False).count() == 34_868
    assert Commune.objects.filter(post_office_km__isnull=False).count() == 35_014
    assert Qpv.objects.count() == 1_584
    assert Qpv.communes.through.objects.count() == 1_775
    by_kind = dict(Site.objects.values_list("kind").annotate(n=Count("id")))
    assert by_kind == {
        SiteKind.POST_OFFICE: 7_763,
        SiteKind.COMMUNAL_POSTAL_AGENCY: 6_663,
        SiteKind.INTERCOMMUNAL_POSTAL_AGENCY: 207,
        SiteKind.POSTAL_RELAY: 3_072,
        SiteKind.MILITARY_POSTAL_AGENCY: 1,
        SiteKind.FRANCE_SERVICES: 2_656,
    }
    # Foreign offices (Andorra, Monaco) are reported with file and line, not silently dropped.
    assert "10 rejeté(s)" in report
    assert "laposte_poincont2_2020.csv:3966 : code INSEE inconnu ou étranger « 99138 » (MONTE CARLO)" in report
    assert "166 site(s) rattaché(s) via un ancien code INSEE" in report

    # An old INSEE code resolves to today's commune (10415 merged into 10003).
    assert FormerCommune.objects.get(code_insee="10415").commune_id == "10003"
    assert Site.objects.get(external_id="01508A").commune_id == "10003"
    # Paris is counted once: the arrondissements hang under it.
    assert Commune.objects.get(code_insee="75101").parent_id == "75056"
    # QPV centroids match the area-weighted centroids published beside the contours.
    qpv = Qpv.objects.get(code="QN00101M")
    assert (qpv.latitude, qpv.longitude) == pytest.approx((46.21067, 5.22495), abs=1e-5)
    # Map outlines: the 96 metropolitan départements and 13 régions, stored for every process.
    assert dict(MapOutline.objects.values_list("level", "feature_count")) == {"departements": 96, "regions": 13}
    saint_brieuc = Commune.objects.get(code_insee="22278")
    assert saint_brieuc.density_level == 1 and saint_brieuc.post_office_km < 1

    # Re-running changes nothing, whether files are re-read (--force) or skipped by checksum.
    journal = ReferenceImport.objects.count()
    out = StringIO()
    call_command("import_reference", data_dir=str(shared_data), force=True, stdout=out)
    assert " 0 ajouté(s), 0 modifié(s)" in out.getvalue()
    assert all((entry.inserted, entry.updated) == (0, 0) for entry in ReferenceImport.objects.order_by("-id")[:journal])
    out = StringIO()
    call_command("import_reference", data_dir=str(shared_data), stdout=out)
    assert out.getvalue().count("inchangé depuis l'import") == 15
    assert "Distances et scores de fragilité : à jour." in out.getvalue()
    assert Commune.objects.count() == 35_014 and Site.objects.count() == 20_362
