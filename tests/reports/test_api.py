"""GET /api/v1/reports/summary/: the headline figures of a period and of the one before, for
directors only, on the hand-computed data set of test_figures.py."""

import pytest
from django.core.management import call_command
from rest_framework.test import APIClient

from tests.conftest import api_key_for
from tests.reports import test_figures as data

world = data.world
URL = "/api/v1/reports/summary/"
NOVEMBER = {"from": "2026-11-01", "to": "2026-11-30"}


@pytest.fixture
def api() -> APIClient:
    return APIClient()


def test_it_gives_a_director_the_figures_and_their_change(api, director, world):
    api.force_authenticate(director)
    response = api.get(URL, NOVEMBER)

    assert response.status_code == 200
    body = response.json()
    assert body["period"] == {"from": "2026-11-01", "to": "2026-11-30"}
    assert body["previous_period"] == {"from": "2026-10-02", "to": "2026-10-31"}
    assert body["figures"] == {
        "satisfaction_rate": None,
        "nps": None,
        "responses": 0,
        "hidden_dissatisfaction": 0,
        "open_recovery": 0,
        "repeat_purchase_rate": 50.0,
        "days_to_second_purchase": 56.0,
        "conversion_rate": 66.7,
        "closure_rate": 66.7,
        "on_time_delivery_rate": 50.0,
        "discipline_rate": 33.3,
        "commissions": "200.00",  # amounts travel as strings
    }
    assert body["previous"]["commissions"] == "100.00"
    assert body["previous"]["open_recovery"] is None
    assert body["previous"]["days_to_second_purchase"] == 19.0
    assert body["change"] == {
        "satisfaction_rate": None,
        "nps": None,
        "responses": 0,
        "hidden_dissatisfaction": 0,
        "open_recovery": None,  # a figure of the present: nothing to compare it with
        "repeat_purchase_rate": 0.0,
        "days_to_second_purchase": 37.0,
        "conversion_rate": None,  # nobody came in from 2 to 31 October
        "closure_rate": None,
        "on_time_delivery_rate": None,
        "discipline_rate": None,
        "commissions": "100.00",
    }


def test_it_narrows_the_figures_to_a_manager(api, director, world, account, other_account):
    api.force_authenticate(director)

    theirs = api.get(URL, {**NOVEMBER, "manager": account.pk}).json()
    nobodys = api.get(URL, {**NOVEMBER, "manager": other_account.pk}).json()

    assert theirs["figures"]["discipline_rate"] == 33.3
    assert nobodys["figures"]["discipline_rate"] is None
    assert nobodys["figures"]["commissions"] == "0.00"


def test_it_takes_a_token(api, director, world):
    api.credentials(HTTP_AUTHORIZATION=f"Token {api_key_for(director)}")

    assert api.get(URL, NOVEMBER).status_code == 200


@pytest.mark.parametrize("persona", ["sales", "account"])
def test_it_refuses_managers(api, persona, request):
    api.force_authenticate(request.getfixturevalue(persona))
    response = api.get(URL, NOVEMBER)

    assert response.status_code == 403
    assert response.json() == {"detail": "Only directors see the reports."}


def test_it_asks_visitors_to_authenticate(api, db):
    response = api.get(URL, NOVEMBER)

    assert response.status_code == 401
    assert response["WWW-Authenticate"] == "Token"


@pytest.mark.parametrize(
    ("params", "field", "message"),
    [
        ({"to": "2026-11-30"}, "from", "This field is required."),
        ({"from": "2026-11-01"}, "to", "This field is required."),
        ({"from": "2026-11-31", "to": "2026-12-01"}, "from", "Enter a valid date."),
        ({"from": "01.11.2026", "to": "2026-11-30"}, "from", "Enter a valid date."),
        ({"from": "2026-11-01", "to": "tomorrow"}, "to", "Enter a valid date."),
        (
            {"from": "2026-12-01", "to": "2026-11-30"},
            "from",
            "The first day is after the last one.",
        ),
        ({"from": "2023-11-29", "to": "2026-11-30"}, "from", "Choose at most three years."),
        (
            {"from": "0001-01-01", "to": "2026-11-30"},
            "from",
            "Choose a date between 1990-01-01 and 2999-12-31.",
        ),
        (
            {**NOVEMBER, "manager": "nobody"},
            "manager",
            "Select a valid choice. That choice is not one of the available choices.",
        ),
    ],
)
def test_it_names_the_parameter_that_is_wrong(api, director, params, field, message):
    api.force_authenticate(director)
    response = api.get(URL, params)

    assert response.status_code == 400
    assert response.json() == {field: [message]}


def test_it_allows_three_years(api, director):
    api.force_authenticate(director)

    assert api.get(URL, {"from": "2023-12-01", "to": "2026-11-30"}).status_code == 200


def test_it_refuses_a_director_as_the_manager(api, director):
    # The filter is for sales and account managers; a director's id is not one of them.
    api.force_authenticate(director)

    assert api.get(URL, {**NOVEMBER, "manager": director.pk}).status_code == 400


def test_it_is_documented(tmp_path):
    schema = tmp_path / "schema.yml"
    call_command("spectacular", "--validate", "--fail-on-warn", "--file", str(schema))

    text = schema.read_text()
    assert "/api/v1/reports/summary/:" in text
    assert "ReportSummary:" in text
    for parameter in ("name: from", "name: to", "name: manager"):
        assert parameter in text
