"""POST /api/v1/orders/bulk/: up to 1,000 orders with their events, a result per item, one bad
item refusing no other, idempotent by external id, the single endpoint's visibility and seller
rules per item, and a query count that grows by the same amount an item."""

import datetime as dt

import pytest
from django.utils import timezone
from rest_framework.test import APIClient

from clients.models import Client, Order, OrderEvent, OrderStatus
from clients.serializers import BULK_ORDERS_MAX
from tests.clients.factories import make_client
from tests.helpers import count_queries

BULK = "/api/v1/orders/bulk/"


def api(user) -> APIClient:
    api_client = APIClient()
    api_client.force_login(user)
    return api_client


def ago(**delta: float) -> str:
    return (timezone.now() - dt.timedelta(**delta)).isoformat()


def item(client: Client, external_id: str, /, **fields: object) -> dict[str, object]:
    return {
        "client": client.pk,
        "external_id": external_id,
        "amount": "1500.50",
        "placed_at": ago(days=3),
        **fields,
    }


def post(user, *items: object):
    return api(user).post(BULK, {"orders": list(items)}, format="json")


@pytest.fixture
def own(sales, account) -> Client:
    return make_client(originator=sales, account_manager=account, name="Olga")


@pytest.fixture
def foreign(other_sales, other_account) -> Client:
    return make_client(originator=other_sales, account_manager=other_account, name="Fyodor")


def test_it_records_good_items_and_refuses_bad_ones_each_on_its_own(sales, own):
    delivered = {"type": "delivered", "at": ago(days=1)}
    response = post(
        sales,
        item(own, "B-1", events=[delivered]),
        item(own, "B-2", amount="-5"),
        item(own, "B-3", events=[{"type": "ready", "at": ago(days=2)}, {"type": "no"}]),
        item(own, "B-4", events=[{"type": "delivered", "at": ago(days=2)}, delivered]),
        "not an order",
        item(own, "B-5"),
        item(own, {"not": "an id"}),
    )

    assert response.status_code == 200
    results = response.json()["results"]
    assert [result["result"] for result in results] == [
        "created",
        "refused",
        "refused",
        "refused",
        "refused",
        "created",
        "refused",
    ]
    assert [result["index"] for result in results] == [0, 1, 2, 3, 4, 5, 6]
    assert results[6]["external_id"] is None
    assert set(results[6]["errors"]) == {"external_id"}
    assert results[0]["order"]["status"] == OrderStatus.DELIVERED
    assert {event["type"] for event in results[0]["order"]["events"]} == {"delivered", "placed"}
    assert set(results[1]["errors"]) == {"amount"}
    assert results[1]["order"] is None
    assert set(results[2]["errors"]["events"]) == {"1"}
    assert set(results[2]["errors"]["events"]["1"]) == {"type", "at"}
    # A service's refusal of an event (delivered twice) names the event and its field too.
    assert set(results[3]["errors"]["events"]) == {"1"}
    assert set(results[3]["errors"]["events"]["1"]) == {"type"}
    assert results[4]["errors"]["non_field_errors"]
    assert results[4]["external_id"] is None
    assert set(Order.objects.values_list("external_id", flat=True)) == {"B-1", "B-5"}
    # Nothing of a refused item is kept.
    assert not OrderEvent.objects.filter(order__external_id__in=["B-2", "B-3", "B-4"]).exists()


def test_it_refuses_an_impossible_event_and_keeps_nothing_of_its_order(sales, own):
    response = post(
        sales,
        item(
            own,
            "B-1",
            events=[
                {"type": "cancelled", "at": ago(days=2)},
                {"type": "shipped", "at": ago(days=1)},
            ],
        ),
        item(own, "B-2"),
    )

    results = response.json()["results"]
    assert [result["result"] for result in results] == ["refused", "created"]
    assert set(results[0]["errors"]["events"]) == {"1"}
    assert set(results[0]["errors"]["events"]["1"]) == {"type"}
    assert list(Order.objects.values_list("external_id", flat=True)) == ["B-2"]


def test_it_answers_unchanged_or_updated_when_posted_again(sales, own):
    first = [item(own, "B-1"), item(own, "B-2"), item(own, "B-3")]
    created = post(sales, *first).json()["results"]
    again = [
        first[0],
        {**first[1], "amount": "99.00"},
        {**first[2], "events": [{"type": "ready", "at": ago(days=1)}]},
    ]

    answer = post(sales, *again).json()["results"]

    assert [result["result"] for result in answer] == ["unchanged", "updated", "updated"]
    assert [result["order"]["id"] for result in answer] == [
        result["order"]["id"] for result in created
    ]
    assert answer[1]["order"]["amount"] == "99.00"
    assert answer[2]["order"]["status"] == OrderStatus.READY
    assert Order.objects.count() == 3
    # The same events once more: nothing new.
    assert post(sales, again[2]).json()["results"][0]["result"] == "unchanged"
    assert OrderEvent.objects.filter(order__external_id="B-3").count() == 2


def test_it_refuses_another_managers_client_per_item_as_if_it_did_not_exist(sales, own, foreign):
    response = post(sales, item(foreign, "F-1"), item(own, "B-1"), item(own, "B-2", client=0))

    results = response.json()["results"]
    assert [result["result"] for result in results] == ["refused", "created", "refused"]
    # Someone else's client answers exactly as one that does not exist.
    assert results[0]["errors"]["client"] == [
        message.replace('"0"', f'"{foreign.pk}"') for message in results[2]["errors"]["client"]
    ]
    assert not Order.objects.filter(client=foreign).exists()


def test_it_lets_only_a_director_name_another_seller(sales, other_sales, director, own):
    as_sales = post(
        sales, item(own, "B-1", seller=other_sales.pk), item(own, "B-2", seller=sales.pk)
    )
    as_director = post(director, item(own, "B-3", seller=other_sales.pk))

    assert [r["result"] for r in as_sales.json()["results"]] == ["refused", "created"]
    assert set(as_sales.json()["results"][0]["errors"]) == {"seller"}
    assert as_director.json()["results"][0]["result"] == "created"
    assert Order.objects.get(external_id="B-3").seller == other_sales


def test_it_answers_400_to_more_than_the_most_items(sales, own):
    too_many = [item(own, f"B-{number}") for number in range(BULK_ORDERS_MAX + 1)]

    response = post(sales, *too_many)

    assert response.status_code == 400
    assert set(response.json()) == {"orders"}
    assert not Order.objects.exists()


@pytest.mark.parametrize("body", [{}, {"orders": []}, {"orders": "B-1"}, ["B-1"]])
def test_it_answers_400_to_a_body_without_a_list_of_orders(sales, body):
    response = api(sales).post(BULK, body, format="json")

    assert response.status_code == 400
    assert "orders" in response.json() or "non_field_errors" in response.json()


def test_it_answers_401_to_anonymous(own):
    assert APIClient().post(BULK, {"orders": [item(own, "B-1")]}, format="json").status_code == 401
    assert not Order.objects.exists()


def test_it_makes_the_same_queries_for_each_item(sales, account):
    def run(count: int, prefix: str) -> int:
        clients = [
            make_client(originator=sales, account_manager=account, name=f"{prefix}{number}")
            for number in range(count)
        ]
        items = [
            item(client, f"{prefix}-{number}", events=[{"type": "ready", "at": ago(days=1)}])
            for number, client in enumerate(clients)
        ]
        queries, _sql, response = count_queries(lambda: post(sales, *items))
        assert [r["result"] for r in response.json()["results"]] == ["created"] * count
        return queries

    run(1, "warm")
    one, two, four = run(1, "a"), run(2, "b"), run(4, "c")

    assert two - one == (four - two) / 2


def test_it_is_described_in_the_schema_with_an_example(sales):
    response = api(sales).get("/api/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json")

    operation = response.json()["paths"][BULK]["post"]
    body = operation["requestBody"]["content"]["application/json"]
    assert body["schema"] == {"$ref": "#/components/schemas/OrderBulkRequest"}
    assert body["examples"]
    assert set(operation["responses"]) >= {"200", "400"}
    assert "1,000" in operation["description"]
