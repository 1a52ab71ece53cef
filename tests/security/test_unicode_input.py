"""A lone surrogate ("\\ud800": half of a UTF-16 pair, which JSON's escapes can spell but no
UTF-8 text can hold) anywhere in an API document is a 400, not a 500 from the database or from
an error message that echoes it; and the docs page answers OPTIONS."""

import pytest
from rest_framework.test import APIClient

from clients.models import Client, Order
from tests.clients.factories import make_client, make_order

LONE = "\\ud800"


def post_raw(user, path: str, body: str):
    api = APIClient()
    api.force_login(user)
    return api.generic("POST", path, body, content_type="application/json")


@pytest.fixture
def own(sales, account) -> Client:
    return make_client(originator=sales, account_manager=account, name="Olga")


@pytest.mark.parametrize(
    ("path", "body"),
    [
        # Choice fields, whose error repeats the value given.
        ("/api/v1/clients/", '{"name": "Ann", "kind": "%s"}'),
        ("/api/v1/refusals/", '{"client": {own}, "reason": "%s"}'),
        ("/api/v1/service-cases/", '{"client": {own}, "severity": "%s", "problem": "x"}'),
        # A plain text field, which would reach the database.
        ("/api/v1/clients/", '{"name": "Ann %s"}'),
        # A key of the document.
        ("/api/v1/clients/", '{"name": "Ann", "%s": 1}'),
        # Deep in a list.
        ("/api/v1/clients/", '{"name": "Ann", "phones": ["+7 912 345-67-89", "%s"]}'),
    ],
)
def test_a_lone_surrogate_is_a_400(sales, own, path, body):
    text = body.replace("{own}", str(own.pk)).replace("%s", LONE)

    response = post_raw(sales, path, text)

    assert response.status_code == 400, response.content
    assert "surrogate" in response.json()["detail"]
    assert Client.objects.count() == 1


def test_a_lone_surrogate_in_an_order_event_is_a_400(sales, own):
    order = make_order(own, by=sales)

    response = post_raw(
        sales,
        f"/api/v1/orders/{order.pk}/events/",
        '{"type": "%s", "at": "2025-06-01T10:00:00+03:00"}'.replace("%s", LONE),
    )

    assert response.status_code == 400
    assert Order.objects.get().events.count() == 1


def test_a_surrogate_pair_is_text_like_any_other(sales):
    # "\ud83d\ude00" is one character (😀), not a lone half.
    response = post_raw(sales, "/api/v1/clients/", '{"name": "Ann \\ud83d\\ude00"}')

    assert response.status_code == 201
    assert response.json()["name"] == "Ann 😀"


def test_the_docs_page_answers_options(client, sales):
    client.force_login(sales)

    assert client.options("/api/docs/").status_code < 500
