"""API tokens: they expire, are stored hashed, die with a password change, and a user lists,
names and revokes them on /account/tokens/."""

import datetime as dt
import hashlib

import pytest
import time_machine
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from rest_framework.test import APIClient

from followup_crm.models import ApiToken
from followup_crm.services import api_token_create
from tests.conftest import PASSWORD

START = dt.datetime(2026, 11, 24, 9, 0, tzinfo=dt.UTC)
PROBE = "/api/v1/clients/"
TOKENS = "/account/tokens/"


def with_key(key: str) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    return client


def logged_in(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_it_stores_only_the_sha256_of_the_key(sales):
    token, key = api_token_create(user=sales, name="1C")

    stored = ApiToken.objects.get(pk=token.pk)
    assert stored.digest == hashlib.sha256(key.encode()).hexdigest()
    assert key not in {value for value in vars(stored).values() if isinstance(value, str)}
    assert with_key(key).get(PROBE).status_code == 200


def test_it_refuses_a_token_past_its_expiry(sales, settings):
    settings.API_TOKEN_DAYS = 90
    with time_machine.travel(START, tick=False) as clock:
        _token, key = api_token_create(user=sales, name="shop")
        clock.move_to(START + dt.timedelta(days=89))
        assert with_key(key).get(PROBE).status_code == 200
        clock.move_to(START + dt.timedelta(days=90, seconds=1))
        response = with_key(key).get(PROBE)

    assert response.status_code == 401
    assert "expired" in response.json()["detail"]


def test_it_records_when_a_token_was_last_used(sales):
    with time_machine.travel(START, tick=False):
        token, key = api_token_create(user=sales, name="shop")
        assert token.last_used_at is None
        with_key(key).get(PROBE)

    token.refresh_from_db()
    assert token.last_used_at == START


def test_it_gives_a_new_expiring_token_at_each_login(sales, settings):
    settings.API_TOKEN_DAYS = 30
    credentials = {"username": "sasha", "password": PASSWORD}
    with time_machine.travel(START, tick=False):
        first = APIClient().post("/api/v1/auth/token/", credentials, format="json").json()
        second = APIClient().post("/api/v1/auth/token/", credentials, format="json").json()

    assert first["token"] != second["token"]
    assert first["expires_at"] == "2026-12-24T12:00:00+03:00"
    assert list(ApiToken.objects.values_list("name", flat=True)) == ["api login", "api login"]
    assert with_key(first["token"]).get(PROBE).status_code == 200


def test_it_says_in_the_schema_that_tokens_expire(director):
    schema = APIClient()
    schema.force_authenticate(director)
    text = schema.get("/api/schema/", HTTP_ACCEPT="application/json").content.decode()

    assert "API_TOKEN_DAYS" in text


def test_it_revokes_every_token_when_the_password_changes(sales):
    _token, key = api_token_create(user=sales, name="shop")

    response = logged_in(sales).post(
        "/password/",
        {
            "old_password": PASSWORD,
            "new_password1": "a-much-longer-one-42",
            "new_password2": "a-much-longer-one-42",
        },
    )

    assert response.status_code == 302
    assert with_key(key).get(PROBE).status_code == 401
    assert not ApiToken.objects.filter(user=sales).exists()


def test_it_refuses_a_token_after_a_password_set_elsewhere(sales):
    # The admin or `manage.py changepassword` set the password without the page.
    _token, key = api_token_create(user=sales, name="shop")
    sales.set_password("set-by-the-admin-77")
    sales.save()

    assert with_key(key).get(PROBE).status_code == 401


def test_it_lists_the_users_own_tokens_without_their_keys(
    sales, other_sales, django_assert_max_num_queries
):
    _mine, key = api_token_create(user=sales, name="1C integration")
    api_token_create(user=other_sales, name="Semyon's shop")
    client = logged_in(sales)

    with django_assert_max_num_queries(8):
        response = client.get(TOKENS)

    text = response.content.decode()
    assert response.status_code == 200
    assert "1C integration" in text
    assert key[:8] in text
    assert key not in text
    assert "Semyon" not in text


def test_it_shows_a_new_key_once(sales):
    client = logged_in(sales)

    response = client.post(TOKENS, {"name": "Web shop"})

    token = ApiToken.objects.get(user=sales)
    assert token.name == "Web shop"
    key = response.context["new_key"]
    assert key in response.content.decode()
    assert token.digest == hashlib.sha256(key.encode()).hexdigest()
    assert key not in client.get(TOKENS).content.decode()


def test_it_asks_for_a_name(sales):
    response = logged_in(sales).post(TOKENS, {"name": ""})

    assert response.status_code == 200
    assert response.context["form"].errors["name"]
    assert not ApiToken.objects.exists()


def test_it_revokes_a_token(sales):
    token, key = api_token_create(user=sales, name="shop")

    response = logged_in(sales).post(f"{TOKENS}{token.pk}/revoke/")

    assert response.status_code == 302
    assert with_key(key).get(PROBE).status_code == 401


def test_it_does_not_revoke_another_users_token(sales, other_sales):
    token, key = api_token_create(user=other_sales, name="shop")

    response = logged_in(sales).post(f"{TOKENS}{token.pk}/revoke/")

    assert response.status_code == 404
    assert with_key(key).get(PROBE).status_code == 200


def test_it_links_the_page_from_the_user_menu(sales):
    assert f'href="{TOKENS}"' in logged_in(sales).get("/calls/").content.decode()


def test_it_shows_tokens_in_the_admin_without_the_key(director, sales):
    token, key = api_token_create(user=sales, name="shop")
    director.is_superuser = True
    director.save()
    client = logged_in(director)

    listing = client.get("/admin/followup_crm/apitoken/")
    change = client.get(f"/admin/followup_crm/apitoken/{token.pk}/change/")

    assert listing.status_code == change.status_code == 200
    for page in (listing, change):
        assert key not in page.content.decode()
        assert token.digest not in page.content.decode()


@pytest.mark.django_db
def test_it_prunes_expired_tokens(sales):
    from followup_crm.services import api_tokens_prune

    with time_machine.travel(START, tick=False) as clock:
        api_token_create(user=sales, name="old")
        clock.move_to(START + dt.timedelta(days=200))
        api_token_create(user=sales, name="new")
        with CaptureQueriesContext(connection) as queries:
            assert api_tokens_prune() == 1

    assert len(queries) <= 2
    assert list(ApiToken.objects.values_list("name", flat=True)) == ["new"]
