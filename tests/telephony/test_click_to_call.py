"""Click to call: the PBX rings the manager's extension, then the client."""

import base64
import hashlib
import hmac
import urllib.parse

import pytest
from django.urls import reverse

from tests.clients.factories import make_client


@pytest.fixture
def zadarma_at(pbx_settings, fake_server):
    pbx_settings.TELEPHONY_BACKEND = "telephony.pbx.ZadarmaBackend"
    pbx_settings.TELEPHONY_API_URL = fake_server.url
    return fake_server


def call_url(client_obj) -> str:
    return reverse("telephony:call", args=[client_obj.pk])


def test_it_sends_zadarmas_signed_callback_request(
    client, zadarma_at, sales, sales_extension, pavel, django_assert_num_queries
):
    client.force_login(sales)
    with django_assert_num_queries(6):  # session, user, roles, client, phone, extension
        answer = client.post(call_url(pavel), headers={"HX-Request": "true"})

    assert answer.status_code == 200
    assert "Your phone rings first, then +79123456789." in answer.content.decode()
    (request,) = zadarma_at.requests
    path, _, query = request.path.partition("?")
    assert request.method == "GET" and path == "/v1/request/callback/"
    assert urllib.parse.parse_qs(query) == {"from": ["101"], "to": ["79123456789"]}
    # Zadarma's scheme: key:base64(hex(hmac_sha1(method + params + md5(params), secret)))
    params = "from=101&to=79123456789"
    signed = path + params + hashlib.md5(params.encode()).hexdigest()  # noqa: S324 - their scheme
    digest = hmac.new(b"secret456", signed.encode(), hashlib.sha1).hexdigest()
    assert (
        request.headers["Authorization"] == "key123:" + base64.b64encode(digest.encode()).decode()
    )


def test_it_shows_the_pbxs_refusal_in_place(client, zadarma_at, sales, sales_extension, pavel):
    zadarma_at.answer(200, {"status": "error", "message": "Wrong number format"})
    client.force_login(sales)
    page = client.post(call_url(pavel)).content.decode()
    assert "The PBX refused the call: Wrong number format" in page
    assert 'href="tel:+79123456789"' in page


def test_it_shows_an_http_error_in_place(client, zadarma_at, sales, sales_extension, pavel):
    zadarma_at.answer(500, {"status": "error", "message": "Internal"})
    client.force_login(sales)
    answer = client.post(call_url(pavel))
    assert answer.status_code == 200
    assert "The PBX refused the call (HTTP 500). Internal" in answer.content.decode()


def test_it_says_when_the_pbx_cannot_be_reached(
    client, pbx_settings, sales, sales_extension, pavel
):
    pbx_settings.TELEPHONY_BACKEND = "telephony.pbx.HttpBackend"
    pbx_settings.TELEPHONY_API_URL = "http://127.0.0.1:9"  # nothing listens there
    client.force_login(sales)
    answer = client.post(call_url(pavel))
    assert answer.status_code == 200
    assert "The PBX cannot be reached" in answer.content.decode()


def test_it_sends_the_documented_json_request(
    client, pbx_settings, fake_server, sales, sales_extension, pavel
):
    pbx_settings.TELEPHONY_BACKEND = "telephony.pbx.HttpBackend"
    pbx_settings.TELEPHONY_API_URL = fake_server.url
    fake_server.answer(200, {"call_id": "abc"})
    client.force_login(sales)
    client.post(call_url(pavel))
    (request,) = fake_server.requests
    assert request.method == "POST" and request.path == "/calls"
    assert request.headers["Authorization"] == "Bearer key123"
    assert b'"extension": "101"' in request.body and b'"number": "+79123456789"' in request.body


def test_it_gives_a_tel_link_to_a_manager_without_an_extension(client, zadarma_at, sales, pavel):
    client.force_login(sales)
    page = client.post(call_url(pavel)).content.decode()
    assert "You have no extension on the PBX" in page and "tel:+79123456789" in page
    assert zadarma_at.requests == []


def test_it_hides_another_managers_client(client, zadarma_at, other_sales, pavel):
    client.force_login(other_sales)
    assert client.post(call_url(pavel)).status_code == 404
    assert zadarma_at.requests == []


def test_it_puts_the_button_on_the_row_and_the_card(
    client, sales, sales_extension, call_today, pavel
):
    client.force_login(sales)
    page = client.get(reverse("touchpoints:calls")).content.decode()
    assert f'hx-post="{call_url(pavel)}"' in page
    card = client.get(reverse("clients:detail", args=[pavel.pk])).content.decode()
    assert f'hx-post="{call_url(pavel)}"' in card


def test_it_leaves_the_row_without_a_button_for_a_manager_without_an_extension(
    client, sales, call_today, pavel
):
    client.force_login(sales)
    page = client.get(reverse("touchpoints:calls")).content.decode()
    assert call_url(pavel) not in page
    assert 'href="tel:+79123456789"' in page


def test_it_costs_the_call_list_two_queries_whatever_the_rows(
    client, sales, sales_extension, call_today, django_assert_num_queries
):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client.force_login(sales)
    with CaptureQueriesContext(connection) as one:
        client.get(reverse("touchpoints:calls"))
    for number in range(5):
        other = make_client(originator=sales, phones=[f"+7912000000{number}"])
        call_today.pk = None
        call_today.client = other
        call_today.save()
    with django_assert_num_queries(len(one.captured_queries)):
        client.get(reverse("touchpoints:calls"))
