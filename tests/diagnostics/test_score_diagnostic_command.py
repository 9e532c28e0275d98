"""`python manage.py score_diagnostic --input answers.json`: the input/output contract of issue 4."""

import json
import subprocess
import sys
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

ROOT = Path(__file__).resolve().parents[2]


def run(tmp_path, payload, raw: str | None = None) -> dict:
    path = tmp_path / "answers.json"
    path.write_text(raw if raw is not None else json.dumps(payload), encoding="utf-8")
    out = StringIO()
    call_command("score_diagnostic", input=str(path), stdout=out)
    return json.loads(out.getvalue())


def test_contract_output_keys_and_values(tmp_path):
    result = run(
        tmp_path,
        {"internet_last_3_months": True, "answers": {"comm_email": True, "comm_calls_video": True, "info_news": True}},
    )
    assert list(result) == ["areas", "overall", "insee", "recommended_themes"]
    assert result["areas"] == {
        "information": "basic",
        "communication": "above_basic",
        "content": "none",
        "safety": "none",
        "problem_solving": "none",
    }
    assert result["overall"] == "limited"
    assert result["insee"] == "capacites_faibles"
    assert result["recommended_themes"] == ["prendre_en_main_du_materiel", "bureautique", "securite_numerique"]


def test_absent_items_are_no_and_false_answers_count_as_no(tmp_path):
    result = run(tmp_path, {"internet_last_3_months": True, "answers": {"comm_email": False}})
    assert result["overall"] == "no_skills"
    assert result["insee"] == "illectronisme"
    assert run(tmp_path, {"internet_last_3_months": True})["overall"] == "no_skills"


def test_no_internet_is_not_assessable(tmp_path):
    result = run(tmp_path, {"internet_last_3_months": False, "answers": {"comm_email": True}})
    assert (result["overall"], result["insee"]) == ("not_assessable", "illectronisme")


@pytest.mark.parametrize(
    ("payload", "named"),
    [
        ({"internet_last_3_months": True, "answers": {"comm_emial": True}}, "comm_emial"),
        ({"internet_last_3_months": True, "answers": {"comm_email": "yes"}}, "comm_email"),
        ({"internet_last_3_months": True, "answers": {"info_news": 1}}, "info_news"),
        ({"internet_last_3_months": True, "answers": {"info_news": None}}, "info_news"),
        ({"internet_last_3_months": "oui", "answers": {}}, "internet_last_3_months"),
        ({"answers": {}}, "internet_last_3_months"),
        ({"internet_last_3_months": True, "extra": 1}, "extra"),
    ],
)
def test_errors_name_the_faulty_identifier(tmp_path, payload, named):
    with pytest.raises(CommandError, match=named):
        run(tmp_path, payload)


def test_invalid_json_and_missing_file(tmp_path):
    with pytest.raises(CommandError, match="JSON invalide"):
        run(tmp_path, None, raw="{pas du json")
    with pytest.raises(CommandError, match="Lecture impossible"):
        call_command("score_diagnostic", input=str(tmp_path / "absent.json"))


def test_real_process_prints_json_on_stdout_and_fails_with_nonzero_status(tmp_path):
    good = tmp_path / "good.json"
    good.write_text(json.dumps({"internet_last_3_months": True, "answers": {"comm_email": True}}))
    done = subprocess.run(
        [sys.executable, "manage.py", "score_diagnostic", "--input", str(good)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["areas"]["communication"] == "basic"

    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps({"internet_last_3_months": True, "answers": {"not_an_item": True}}))
    done = subprocess.run(
        [sys.executable, "manage.py", "score_diagnostic", "--input", str(bad)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode != 0
    assert "not_an_item" in done.stderr
    assert done.stdout == ""
