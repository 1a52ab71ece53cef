"""/api/v1/orders/ and /api/v1/orders/{id}/events/: idempotent recording by external id,
visibility per role, validation, event transitions, query counts, and the whole lifecycle as
an integration would drive it."""

import datetime as dt
from decimal import Decimal

import pytest
from django.contrib.auth.models import User
from django.utils import timezone
from rest_framework.test import APIClient

from clients.models import Client, Order, OrderEvent, OrderStatus, Stage
from tests.clients.factories import make_client, make_order
from tests.conftest import PASSWORD, api_key_for
from tests.helpers import assert_queries_flat

LIST = "/api/v1/orders/"


def detail(order: Order) -> str:
    return f"/api/v1/orders/{order.pk}/"


def events(order: Order) -> str:
    return f"/api/v1/orders/{order.pk}/events/"


def api(user: User | None = None) -> APIClient:
    api_client = APIClient()
    if user is not None:
        api_client.force_login(user)
    return api_client


def ago(**delta: float) -> str:
    return (timezone.now() - dt.timedelta(**delta)).isoformat()


def in_future(**delta: float) -> str:
    return (timezone.now() + dt.timedelta(**delta)).isoformat()


def order_body(client: Client, /, **fields: object) -> dict[str, object]:
    return {
        "client": client.pk,
        "external_id": "SHOP-1001",
        "amount": "1500.50",
        "currency": "RUB",
        "placed_at": ago(days=2),
        **fields,
    }


@pytest.fixture
def own(sales, account) -> Client:
    return make_client(originator=sales, account_manager=account, name="Olga")


@pytest.fixture
def foreign(other_sales, other_account) -> Client:
    return make_client(originator=other_sales, account_manager=other_account, name="Fyodor")


@pytest.fixture
def own_order(own, sales) -> Order:
    return make_order(own, external_id="OWN-1", by=sales)


@pytest.fixture
def foreign_order(foreign, other_sales) -> Order:
    return make_order(foreign, external_id="FOREIGN-1", by=other_sales)


# --- authentication and roles ------------------------------------------------------------


def test_it_answers_401_to_anonymous(own, own_order):
    for response in (
        api().get(LIST),
        api().get(detail(own_order)),
        api().post(LIST, order_body(own)),
        api().post(events(own_order), {"type": "delivered", "at": ago(hours=1)}),
    ):
        assert response.status_code == 401
    assert Order.objects.count() == 1
    assert OrderEvent.objects.count() == 1


def test_it_answers_403_to_a_user_without_a_role(own, own_order):
    stranger = User.objects.create_user("stranger", password=PASSWORD)

    assert api(stranger).get(LIST).status_code == 403
    assert api(stranger).post(LIST, order_body(own)).status_code == 403
    assert Order.objects.count() == 1


def test_it_records_an_order_with_a_token(sales, own):
    api_client = APIClient()
    api_client.credentials(HTTP_AUTHORIZATION=f"Token {api_key_for(sales)}")

    response = api_client.post(LIST, order_body(own), format="json")

    assert response.status_code == 201
    assert Order.objects.get().client == own


# --- recording orders --------------------------------------------------------------------


@pytest.mark.parametrize("persona", ["sales", "account", "director"])
def test_it_records_an_order_once_per_external_id(request, own, persona):
    as_user = api(request.getfixturevalue(persona))

    first = as_user.post(LIST, order_body(own), format="json")
    again = as_user.post(LIST, order_body(own), format="json")

    assert first.status_code == 201
    assert again.status_code == 200
    assert again.json() == first.json()
    assert Order.objects.count() == 1
    assert OrderEvent.objects.count() == 1
    own.refresh_from_db()
    assert own.stage == Stage.BUYER
    assert own.stage_changes.count() == 2  # prospect, then buyer: once


def test_it_updates_an_order_that_comes_again_with_other_values(sales, own):
    first = api(sales).post(LIST, order_body(own), format="json").json()

    again = api(sales).post(LIST, order_body(own, amount="99.00", currency="EUR"), format="json")

    assert again.status_code == 200
    assert (again.json()["amount"], again.json()["currency"]) == ("99.00", "EUR")
    assert again.json()["id"] == first["id"]
    order = Order.objects.get()
    assert (order.amount, order.currency) == (Decimal("99.00"), "EUR")


def test_an_external_id_is_the_clients_own(sales, account, own):
    # External ids are unique per client: the same id on another client is another order.
    other = make_client(originator=sales, account_manager=account, name="Other")
    api(sales).post(LIST, order_body(own), format="json")

    response = api(sales).post(LIST, order_body(other), format="json")

    assert response.status_code == 201
    assert Order.objects.filter(external_id="SHOP-1001").count() == 2


def test_another_managers_external_id_answers_as_an_unused_one(sales, own, foreign_order):
    """Not an oracle: whether another manager's client has an order with this external id does
    not change the answer."""
    taken = api(sales).post(LIST, order_body(own, external_id="FOREIGN-1"), format="json")
    unused = api(sales).post(LIST, order_body(own, external_id="UNUSED-1"), format="json")

    assert (taken.status_code, unused.status_code) == (201, 201)
    assert set(taken.json()) == set(unused.json())
    assert taken.json()["client"] == own.pk
    foreign_order.refresh_from_db()
    assert foreign_order.client_id != own.pk


def test_it_answers_another_managers_client_like_one_that_does_not_exist(sales, foreign):
    theirs = api(sales).post(LIST, order_body(foreign), format="json")
    nobody = api(sales).post(LIST, order_body(foreign, client=foreign.pk + 1000), format="json")

    assert theirs.status_code == nobody.status_code == 400
    assert theirs.json()["client"] == [f'Invalid pk "{foreign.pk}" - object does not exist.']
    assert nobody.json()["client"] == [f'Invalid pk "{foreign.pk + 1000}" - object does not exist.']
    assert not Order.objects.exists()


def test_it_keeps_amounts_as_decimal_strings(sales, own):
    response = api(sales).post(LIST, order_body(own, amount=1234.5), format="json")

    assert response.status_code == 201
    assert response.json()["amount"] == "1234.50"
    assert str(Order.objects.get().amount) == "1234.50"


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"amount": "-1.00"}, "amount"),
        ({"amount": "abc"}, "amount"),
        ({"amount": "1.234"}, "amount"),
        ({"amount": "1" * 20}, "amount"),
        ({"amount": 10**40}, "amount"),
        ({"amount": "Infinity"}, "amount"),
        ({"amount": None}, "amount"),
        ({"currency": "RUBL"}, "currency"),
        ({"currency": "R1B"}, "currency"),
        ({"currency": ""}, "currency"),
        ({"placed_at": "2025-01-10T10:00:00"}, "placed_at"),
        ({"placed_at": in_future(days=2)}, "placed_at"),
        ({"placed_at": "yesterday"}, "placed_at"),
        ({"placed_at": "0001-01-01T00:00:00+14:00"}, "placed_at"),
        ({"placed_at": 1700000000}, "placed_at"),
        ({"promised_date": "2026-02-30"}, "promised_date"),
        ({"client": "abc"}, "client"),
        ({"client": 1.5}, "client"),
        ({"client": 10**30}, "client"),
        ({"client": None}, "client"),
        ({"client": [1]}, "client"),
        ({"seller": 10**30}, "seller"),
        ({"external_id": "x" * 101}, "external_id"),
        ({"external_id": {"id": 1}}, "external_id"),
    ],
)
def test_it_answers_400_with_the_field_to_bad_orders(director, own, fields, field):
    response = api(director).post(LIST, order_body(own, **fields), format="json")

    assert response.status_code == 400, response.content
    assert field in response.json()
    assert not Order.objects.exists()


def test_it_refuses_a_seller_who_is_not_a_sales_manager(director, account, own):
    response = api(director).post(LIST, order_body(own, seller=account.pk), format="json")

    assert response.status_code == 400
    assert list(response.json()) == ["seller"]


def test_it_names_every_missing_field(sales):
    response = api(sales).post(LIST, {}, format="json")

    assert response.status_code == 400
    assert set(response.json()) == {"client", "amount", "placed_at"}


@pytest.mark.parametrize(
    "raw", [b'{"client": 1,', b"[]", b'{"client": 1e999, "amount": 1}', b'{"amount": NaN}']
)
def test_it_answers_400_to_malformed_json(sales, own, raw):
    response = api(sales).generic("POST", LIST, raw, content_type="application/json")

    assert response.status_code == 400
    assert not Order.objects.exists()


# --- reading orders ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("persona", "expected"),
    [
        ("sales", {"OWN-1"}),
        ("other_sales", {"FOREIGN-1"}),
        ("account", {"OWN-1"}),
        ("other_account", {"FOREIGN-1"}),
        ("director", {"OWN-1", "FOREIGN-1"}),
    ],
)
def test_it_lists_the_orders_each_role_may_see(
    request, own_order, foreign_order, persona, expected
):
    response = api(request.getfixturevalue(persona)).get(LIST)

    assert response.status_code == 200
    assert {row["external_id"] for row in response.json()["results"]} == expected
    assert "count" not in response.json()


def test_it_shows_an_order_with_its_events(account, own_order):
    body = api(account).get(detail(own_order)).json()

    assert body["external_id"] == "OWN-1"
    assert body["status"] == OrderStatus.PLACED
    assert [event["type"] for event in body["events"]] == ["placed"]
    assert body["amount"] == "1000.00"


@pytest.mark.parametrize("persona", ["sales", "account"])
def test_it_answers_404_for_another_managers_order(request, foreign_order, persona):
    as_user = api(request.getfixturevalue(persona))

    assert as_user.get(detail(foreign_order)).status_code == 404
    response = as_user.post(events(foreign_order), {"type": "cancelled", "at": ago(hours=1)})
    assert response.status_code == 404
    foreign_order.refresh_from_db()
    assert foreign_order.status == OrderStatus.PLACED


def test_it_filters_orders(sales, own, own_order):
    second = make_order(own, external_id="OWN-2", by=sales)
    api(sales).post(events(second), {"type": "cancelled", "at": ago(minutes=5)})
    as_sales = api(sales)

    def ids(query: dict[str, object]) -> set[str]:
        return {row["external_id"] for row in as_sales.get(LIST, query).json()["results"]}

    assert ids({"external_id": "OWN-2"}) == {"OWN-2"}
    assert ids({"status": "cancelled"}) == {"OWN-2"}
    assert ids({"client": own.pk}) == {"OWN-1", "OWN-2"}


def test_it_answers_a_filter_on_another_managers_client_like_a_missing_one(sales, foreign):
    theirs = api(sales).get(LIST, {"client": foreign.pk})
    nobody = api(sales).get(LIST, {"client": foreign.pk + 1000})

    assert theirs.status_code == nobody.status_code == 400
    assert list(theirs.json()) == list(nobody.json()) == ["client"]


@pytest.mark.parametrize("persona", ["sales", "account", "director"])
def test_it_lists_orders_in_a_constant_number_of_queries(request, sales, own, persona):
    def add(count: int) -> None:
        for _ in range(count):
            order = make_order(own, by=sales)
            api(sales).post(events(order), {"type": "ready", "at": ago(hours=1)})

    as_user = api(request.getfixturevalue(persona))
    flat = assert_queries_flat(add, lambda: as_user.get(LIST).json()["results"])

    assert (len(flat.few), len(flat.many)) == (3, 30)


# --- events ------------------------------------------------------------------------------


@pytest.mark.parametrize("persona", ["sales", "account", "director"])
def test_it_delivers_an_order(request, own, own_order, persona):
    response = api(request.getfixturevalue(persona)).post(
        events(own_order), {"type": "delivered", "at": ago(hours=1)}
    )

    assert response.status_code == 201
    assert response.json()["type"] == "delivered"
    assert response.json()["applied"] is True
    own_order.refresh_from_db()
    assert own_order.status == OrderStatus.DELIVERED
    assert own_order.delivered_at is not None


def test_it_refuses_an_impossible_transition(sales, own, own_order):
    api(sales).post(events(own_order), {"type": "cancelled", "at": ago(hours=2)})

    response = api(sales).post(events(own_order), {"type": "delivered", "at": ago(hours=1)})

    assert response.status_code == 400
    assert list(response.json()) == ["type"]
    assert "Cancelled" in response.json()["type"][0]
    own_order.refresh_from_db()
    assert own_order.status == OrderStatus.CANCELLED
    assert own_order.events.count() == 2


def test_it_keeps_a_late_older_event_without_moving_the_status_back(sales, own_order):
    api(sales).post(events(own_order), {"type": "delivered", "at": ago(hours=1)})

    response = api(sales).post(events(own_order), {"type": "ready", "at": ago(hours=5)})

    assert response.status_code == 201
    assert response.json()["applied"] is False
    own_order.refresh_from_db()
    assert own_order.status == OrderStatus.DELIVERED


def test_it_answers_the_same_event_again_with_the_one_recorded(sales, own_order):
    body = {"type": "ready", "at": ago(hours=1)}
    first = api(sales).post(events(own_order), body)

    again = api(sales).post(events(own_order), body)

    assert (first.status_code, again.status_code) == (201, 200)
    assert again.json()["id"] == first.json()["id"]
    assert own_order.events.count() == 2


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"type": "lost", "at": "AGO"}, "type"),
        ({"type": "", "at": "AGO"}, "type"),
        ({"at": "AGO"}, "type"),
        ({"type": "delivered"}, "at"),
        ({"type": "delivered", "at": "2025-11-01T10:00:00"}, "at"),
        ({"type": "delivered", "at": "FUTURE"}, "at"),
        ({"type": "delivered", "at": "EARLIER"}, "at"),
        ({"type": "delivered", "at": "not a time"}, "at"),
        ({"type": "delivered", "at": "AGO", "note": "x" * 256}, "note"),
        ({"type": ["delivered"], "at": "AGO"}, "type"),
    ],
)
def test_it_answers_400_with_the_field_to_bad_events(sales, own_order, body, field):
    times = {"AGO": ago(hours=1), "FUTURE": in_future(days=1), "EARLIER": ago(days=30)}
    body = {
        key: times.get(value, value) if isinstance(value, str) else value
        for key, value in body.items()
    }

    response = api(sales).post(events(own_order), body, format="json")

    assert response.status_code == 400, response.content
    assert field in response.json()
    own_order.refresh_from_db()
    assert own_order.status == OrderStatus.PLACED
    assert own_order.events.count() == 1


def test_it_answers_404_for_events_of_an_order_that_does_not_exist(director):
    response = api(director).post("/api/v1/orders/99999/events/", {"type": "ready", "at": ago()})

    assert response.status_code == 404


# --- the lifecycle, as the closing note's curl session drives it ------------------------


def test_it_walks_a_client_through_the_lifecycle(sales):
    as_sales = api(sales)

    def stage(client_id: int) -> str:
        return as_sales.get(f"/api/v1/clients/{client_id}/").json()["stage"]

    created = as_sales.post(
        "/api/v1/clients/", {"name": "Irina Volkova", "phones": ["8 912 345 67 89"]}
    )
    assert created.status_code == 201
    client_id = created.json()["id"]
    assert stage(client_id) == Stage.PROSPECT

    first = {
        "client": client_id,
        "external_id": "SHOP-1001",
        "amount": "45000.00",
        "placed_at": ago(days=3),
    }
    assert as_sales.post(LIST, first).status_code == 201
    assert stage(client_id) == Stage.BUYER
    repeated = as_sales.post(LIST, first)
    assert repeated.status_code == 200
    assert Order.objects.count() == 1
    assert stage(client_id) == Stage.BUYER

    order_id = repeated.json()["id"]
    delivered = as_sales.post(f"{LIST}{order_id}/events/", {"type": "delivered", "at": ago(days=1)})
    assert delivered.status_code == 201
    assert stage(client_id) == Stage.BUYER

    second = as_sales.post(
        LIST,
        {
            "client": client_id,
            "external_id": "SHOP-1002",
            "amount": "3200.00",
            "placed_at": ago(hours=5),
        },
    )
    assert second.status_code == 201
    assert stage(client_id) == Stage.CLIENT

    cancelled = as_sales.post(
        f"{LIST}{second.json()['id']}/events/", {"type": "cancelled", "at": ago(hours=1)}
    )
    assert cancelled.status_code == 201
    assert stage(client_id) == Stage.BUYER
    changes = Client.objects.get(pk=client_id).stage_changes.values_list("to_stage", flat=True)
    assert list(changes) == ["prospect", "buyer", "client", "buyer"]


def test_a_manager_cannot_name_another_seller(sales, other_sales, own):
    # The page form records the manager as the seller; another seller would get the order's
    # status calls on their list for a client they may not see.
    response = api(sales).post(LIST, order_body(own, seller=other_sales.pk), format="json")

    assert response.status_code == 400
    assert list(response.json()) == ["seller"]
    assert not Order.objects.exists()


def test_a_manager_may_name_themselves_and_a_director_anyone(sales, other_sales, director, own):
    mine = api(sales).post(LIST, order_body(own, seller=sales.pk), format="json")
    chosen = api(director).post(
        LIST, order_body(own, external_id="SHOP-2", seller=other_sales.pk), format="json"
    )

    assert (mine.status_code, mine.json()["seller"]) == (201, sales.pk)
    assert (chosen.status_code, chosen.json()["seller"]) == (201, other_sales.pk)
