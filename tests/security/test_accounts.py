"""Accounts: login throttling (django-axes), the client's address behind a proxy, password
rules on the password change page, and how long a session lasts."""

import datetime as dt
import runpy
from pathlib import Path

import pytest
from axes.models import AccessAttempt
from django.contrib.auth.models import User
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

import followup_crm.settings
from tests.conftest import PASSWORD

SETTINGS_FILE = Path(followup_crm.settings.__file__)
# Tests that ask for `clock` (tests/conftest.py) start frozen at DEFAULT_NOW: Tuesday
# 24 November 2026, 09:00 UTC.

# Addresses as the proxy hands them on: the office and a home, both on the internet.
OFFICE, HOME = "93.184.216.34", "77.88.55.60"


def log_in(client: Client, username: str, password: str, **headers: str):
    return client.post("/login/", {"username": username, "password": password}, **headers)


def fail(client: Client, username: str, times: int, **headers: str) -> None:
    for _ in range(times):
        log_in(client, username, "wrong-password", **headers)


def logged_in(client: Client) -> bool:
    return client.get("/password/").status_code == 200


def settings_with(monkeypatch, **env: str) -> dict:
    """followup_crm/settings.py as it reads with these environment variables."""
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    return runpy.run_path(str(SETTINGS_FILE))


# --- throttling ---------------------------------------------------------------------------


def test_it_locks_a_login_after_five_failures_even_with_the_right_password(client, sales, clock):
    for _ in range(4):
        assert log_in(client, "sasha", "wrong-password").status_code == 200

    response = log_in(client, "sasha", "wrong-password")
    assert response.status_code == 429
    response = log_in(client, "sasha", PASSWORD)

    assert response.status_code == 429
    page = response.content.decode()
    assert "Login locked" in page
    assert "Try again in 15 minutes" in page
    assert not logged_in(client)


def test_the_lock_holds_one_username_at_one_address(client, sales, other_sales, clock):
    fail(client, "sasha", 5)

    # A colleague behind the same office address logs in as usual...
    assert log_in(client, "semyon", PASSWORD).status_code == 302
    # ...and so does Sasha from another address.
    elsewhere = Client(REMOTE_ADDR="10.20.30.40")
    assert log_in(elsewhere, "sasha", PASSWORD).status_code == 302
    assert logged_in(elsewhere)


def test_the_lock_ends_after_the_cool_off(client, sales, clock):
    fail(client, "sasha", 5)

    clock.shift(dt.timedelta(minutes=14))
    assert log_in(client, "sasha", PASSWORD).status_code == 429
    # That attempt started the wait again.
    clock.shift(dt.timedelta(minutes=14))
    assert log_in(client, "sasha", PASSWORD).status_code == 429

    clock.shift(dt.timedelta(minutes=15, seconds=1))
    assert log_in(client, "sasha", PASSWORD).status_code == 302
    assert logged_in(client)


def test_a_successful_login_clears_the_failures(client, sales, clock):
    fail(client, "sasha", 4)
    assert log_in(client, "sasha", PASSWORD).status_code == 302
    client.post("/logout/")

    fail(client, "sasha", 4)

    assert log_in(client, "sasha", PASSWORD).status_code == 302


def test_the_api_token_login_is_throttled_too(client, sales, clock):
    for _ in range(5):
        response = client.post(
            "/api/v1/auth/token/", {"username": "sasha", "password": "wrong-password"}
        )

    assert response.status_code == 429
    assert response.json() == {"detail": "Too many failed logins. Try again in 15 minutes."}
    response = client.post("/api/v1/auth/token/", {"username": "sasha", "password": PASSWORD})
    assert response.status_code == 429


def test_the_test_clients_login_still_works(client, sales):
    # Django's test client authenticates without a request, which axes alone would refuse.
    assert client.login(username="sasha", password=PASSWORD)
    assert not client.login(username="sasha", password="wrong-password")


# --- the client's address -----------------------------------------------------------------


def test_without_a_proxy_a_forwarded_address_is_ignored(client, sales, clock):
    for n in range(5):
        log_in(client, "sasha", "wrong-password", HTTP_X_FORWARDED_FOR=f"198.51.100.{n}")

    assert set(AccessAttempt.objects.values_list("ip_address", flat=True)) == {"127.0.0.1"}
    response = log_in(client, "sasha", PASSWORD, HTTP_X_FORWARDED_FOR=HOME)
    assert response.status_code == 429


@pytest.fixture
def behind_one_proxy(settings, monkeypatch) -> None:
    configured = settings_with(monkeypatch, TRUSTED_PROXY_COUNT="1")
    for name in (
        "AXES_IPWARE_META_PRECEDENCE_ORDER",
        "AXES_IPWARE_PROXY_COUNT",
        "AXES_IPWARE_PROXY_ORDER",
        "IPWARE_STRICT",
    ):
        setattr(settings, name, configured[name])


def test_behind_the_proxy_the_address_it_saw_counts(sales, behind_one_proxy, clock):
    proxy = Client(REMOTE_ADDR="172.18.0.2")
    # The client puts made-up addresses first; the proxy appends the one it saw.
    for n in range(5):
        log_in(proxy, "sasha", "wrong-password", HTTP_X_FORWARDED_FOR=f"198.51.100.{n}, {OFFICE}")

    assert set(AccessAttempt.objects.values_list("ip_address", flat=True)) == {OFFICE}
    response = log_in(proxy, "sasha", PASSWORD, HTTP_X_FORWARDED_FOR=f"{HOME}, {OFFICE}")
    assert response.status_code == 429
    # Someone else behind the same proxy is another address.
    assert log_in(proxy, "sasha", PASSWORD, HTTP_X_FORWARDED_FOR=HOME).status_code == 302


def test_the_proxy_count_comes_from_the_environment(monkeypatch):
    assert settings_with(monkeypatch, TRUSTED_PROXY_COUNT="0")[
        "AXES_IPWARE_META_PRECEDENCE_ORDER"
    ] == ("REMOTE_ADDR",)
    two = settings_with(monkeypatch, TRUSTED_PROXY_COUNT="2")
    assert two["AXES_IPWARE_META_PRECEDENCE_ORDER"][0] == "HTTP_X_FORWARDED_FOR"
    assert two["AXES_IPWARE_PROXY_COUNT"] == 1


# --- passwords ----------------------------------------------------------------------------


def change_password(client: Client, new: str):
    return client.post(
        "/password/",
        {"old_password": PASSWORD, "new_password1": new, "new_password2": new},
    )


@pytest.mark.parametrize(
    ("new", "reason"),
    [
        ("k7#pQ2x", "at least 10 characters"),
        ("qwertyuiop", "too common"),
        ("8402751936", "entirely numeric"),
        ("konstantinova1", "too similar to the last name"),
    ],
)
def test_it_refuses_a_weak_new_password(client, sales, new, reason):
    User.objects.filter(pk=sales.pk).update(last_name="Konstantinova")
    client.force_login(sales)

    response = change_password(client, new)

    assert response.status_code == 200
    assert reason in response.content.decode()
    sales.refresh_from_db()
    assert sales.check_password(PASSWORD)


def test_it_changes_the_password_and_keeps_the_session(client, sales):
    client.force_login(sales)
    assert 'href="/password/"' in client.get("/password/").content.decode()

    response = change_password(client, "quiet-harbour-lantern")

    assert response.status_code == 302
    assert response.url == "/password/done/"
    assert "Password changed" in client.get(response.url).content.decode()
    assert logged_in(client)
    sales.refresh_from_db()
    assert sales.check_password("quiet-harbour-lantern")


def test_the_minimum_length_comes_from_the_environment(monkeypatch):
    validators = settings_with(monkeypatch, PASSWORD_MIN_LENGTH="14")["AUTH_PASSWORD_VALIDATORS"]

    assert {"min_length": 14} in [validator.get("OPTIONS") for validator in validators]


# --- sessions -----------------------------------------------------------------------------


def test_the_session_cookie_ends_with_the_browser(client, sales):
    response = log_in(client, "sasha", PASSWORD)

    assert response.cookies["sessionid"]["max-age"] == ""
    assert response.cookies["sessionid"]["expires"] == ""


def test_an_idle_session_is_sent_to_log_in(client, sales, clock):
    client.force_login(sales)
    assert client.get("/calls/").status_code == 200

    clock.shift(dt.timedelta(minutes=61))
    response = client.get("/calls/")

    assert response.status_code == 302
    assert response.url == "/login/?next=/calls/"
    page = client.get(response.url).content.decode()
    assert "logged out after a while without activity" in page


def test_a_busy_session_lasts_a_working_day(client, sales, clock):
    client.force_login(sales)

    # A request every 40 minutes keeps it for 8 hours...
    for _ in range(12):
        clock.shift(dt.timedelta(minutes=40))
        assert client.get("/password/").status_code == 200

    # ...and not longer.
    clock.shift(dt.timedelta(minutes=1))
    response = client.get("/")
    assert response.status_code == 302
    assert response.url == "/login/?next=/"
    assert "Your session has ended" in client.get(response.url).content.decode()


def test_a_new_login_starts_a_new_day(client, sales, clock):
    client.force_login(sales)
    clock.shift(dt.timedelta(hours=9))
    assert not logged_in(client)

    assert log_in(client, "sasha", PASSWORD).status_code == 302

    assert logged_in(client)


def session_writes(client: Client) -> int:
    with CaptureQueriesContext(connection) as queries:
        assert client.get("/password/").status_code == 200
    return sum(
        query["sql"].startswith("UPDATE") and "django_session" in query["sql"] for query in queries
    )


def test_the_last_request_is_written_at_most_once_a_minute(client, sales, clock):
    client.force_login(sales)

    clock.shift(dt.timedelta(seconds=50))
    assert session_writes(client) == 0
    clock.shift(dt.timedelta(seconds=61))
    assert session_writes(client) == 1


def test_the_password_page_runs_a_fixed_number_of_queries(client, sales, django_assert_num_queries):
    client.force_login(sales)

    # The session, the user and their roles, the menu's counters: nothing that grows with data.
    with django_assert_num_queries(4):
        response = client.get("/password/")

    assert response.status_code == 200
    assert 'name="new_password1"' in response.content.decode()
