from datetime import timedelta
from unittest import mock

import time_machine
from django.db import OperationalError
from django.utils import timezone

from followup_crm.services import heartbeat_record


def test_it_answers_200_when_everything_runs(client, db, django_assert_max_num_queries):
    heartbeat_record()

    with django_assert_max_num_queries(2):
        response = client.get("/healthz")

    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "ok"
    assert body["database"]["ok"] is True
    assert body["broker"]["ok"] is True
    assert body["beat"]["age_seconds"] < 5


def test_it_answers_503_before_the_first_heartbeat(client, db):
    response = client.get("/healthz")

    assert response.status_code == 503
    assert response.json()["beat"] == {"ok": False, "last_heartbeat": None, "age_seconds": None}


def test_it_answers_503_when_the_heartbeat_is_stale(client, db, settings):
    with time_machine.travel(
        timezone.now() - timedelta(seconds=settings.HEARTBEAT_MAX_AGE_SECONDS + 5)
    ):
        heartbeat_record()

    response = client.get("/healthz")

    assert response.status_code == 503
    assert response.json()["beat"]["ok"] is False


def test_it_answers_503_when_the_broker_is_down(client, db):
    heartbeat_record()

    with mock.patch(
        "followup_crm.selectors.app.connection_for_write", side_effect=ConnectionRefusedError
    ):
        response = client.get("/healthz")

    assert response.status_code == 503
    broker = response.json()["broker"]
    assert broker["ok"] is False
    assert broker["error"] == "ConnectionRefusedError"


def test_it_answers_503_when_the_database_is_down(client, db):
    heartbeat_record()

    with mock.patch("followup_crm.selectors.connection.cursor", side_effect=OSError):
        response = client.get("/healthz")

    assert response.status_code == 503
    assert response.json()["database"]["ok"] is False


def test_it_needs_no_login_and_allows_only_get(client, db):
    assert client.post("/healthz").status_code == 405


def test_it_answers_503_to_a_logged_in_browser_when_the_database_is_down(client, sales):
    heartbeat_record()
    client.force_login(sales)

    with (
        mock.patch("django.contrib.auth.get_user", side_effect=OperationalError),
        mock.patch("followup_crm.selectors.connection.cursor", side_effect=OperationalError),
    ):
        response = client.get("/healthz")

    assert response.status_code == 503
    assert response.json()["database"]["ok"] is False
