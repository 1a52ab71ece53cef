"""Orders that change: PATCH /api/v1/orders/{id}/ and an external id posted again with other
values. Visibility as for creating, the fields that may not change refused by name, a moved
promised date re-planned and kept in the order's timeline."""

import datetime as dt
from decimal import Decimal

import pytest
from django.contrib.auth.models import User
from django.utils import timezone
from rest_framework.test import APIClient

from clients.models import Order, PromisedDateChange
from tests.clients.factories import make_client, make_order
from touchpoints.models import Touchpoint, TouchpointStatus

LIST = "/api/v1/orders/"


def detail(order: Order) -> str:
    return f"/api/v1/orders/{order.pk}/"


def api(user: User) -> APIClient:
    api_client = APIClient()
    api_client.force_login(user)
    return api_client


def today_plus(days: int) -> dt.date:
    return timezone.localdate() + dt.timedelta(days=days)


@pytest.fixture
def own(sales, account):
    return make_client(originator=sales, account_manager=account, name="Olga")


@pytest.fixture
def order(own, sales) -> Order:
    return make_order(
        own,
        by=sales,
        external_id="SHOP-7",
        placed_at=timezone.now() - dt.timedelta(hours=1),
        promised_date=today_plus(30),
    )


def status_calls(order: Order, status: str = TouchpointStatus.PLANNED) -> list[Touchpoint]:
    return list(Touchpoint.objects.filter(order=order, step__slug="status-updates", status=status))


@pytest.mark.parametrize("persona", ["sales", "account", "director"])
def test_it_changes_the_amount_and_description(request, order, persona):
    response = api(request.getfixturevalue(persona)).patch(
        detail(order), {"amount": "2500.00", "description": "A sofa and a pouf"}, format="json"
    )

    assert response.status_code == 200
    assert (response.json()["amount"], response.json()["description"]) == (
        "2500.00",
        "A sofa and a pouf",
    )
    order.refresh_from_db()
    assert order.amount == Decimal("2500.00")
    # Nothing moved, nothing recorded as a move.
    assert not PromisedDateChange.objects.exists()


def test_it_moves_the_promised_date_replans_and_records_who_and_why(order, sales):
    old_calls = {t.pk for t in status_calls(order)}
    assert old_calls

    response = api(sales).patch(
        detail(order),
        {"promised_date": today_plus(45).isoformat(), "reason": "The factory is late"},
        format="json",
    )

    assert response.status_code == 200
    assert response.json()["promised_date"] == today_plus(45).isoformat()
    order.refresh_from_db()
    assert (order.promised_date, order.first_promised_date) == (today_plus(45), today_plus(30))
    move = PromisedDateChange.objects.get()
    assert (move.old_date, move.new_date, move.changed_by, move.reason) == (
        today_plus(30),
        today_plus(45),
        sales,
        "The factory is late",
    )
    assert {t.pk for t in status_calls(order, TouchpointStatus.CANCELLED)} == old_calls
    new_calls = status_calls(order)
    assert new_calls
    assert all(t.due_at.date() < today_plus(45) for t in new_calls)
    # The move is in the client's timeline through the API too.
    timeline = api(sales).get(f"/api/v1/clients/{order.client_id}/timeline/").json()["results"]
    moved = [entry for entry in timeline if entry["kind"] == "promised_date"]
    assert moved[0]["by"] == sales.pk
    assert moved[0]["details"]["reason"] == "The factory is late"


@pytest.mark.parametrize(
    ("field", "value"),
    [("client", 1), ("external_id", "SHOP-8"), ("placed_at", "2026-01-01T10:00:00+03:00")],
)
def test_it_refuses_the_fields_that_may_not_change(order, sales, field, value):
    response = api(sales).patch(detail(order), {field: value}, format="json")

    assert response.status_code == 400
    assert list(response.json()) == [field]


def test_it_refuses_a_bad_value_by_name(order, sales):
    response = api(sales).patch(detail(order), {"amount": "-1"}, format="json")

    assert response.status_code == 400
    assert list(response.json()) == ["amount"]


def test_it_refuses_to_move_the_date_of_a_delivered_order(order, sales):
    api(sales).post(
        f"{detail(order)}events/", {"type": "delivered", "at": timezone.now().isoformat()}
    )

    response = api(sales).patch(
        detail(order), {"promised_date": today_plus(40).isoformat()}, format="json"
    )

    assert response.status_code == 400
    assert list(response.json()) == ["promised_date"]


def test_another_managers_order_is_a_404(order, other_sales, other_account):
    for user in (other_sales, other_account):
        response = api(user).patch(detail(order), {"amount": "1.00"}, format="json")
        assert response.status_code == 404
    order.refresh_from_db()
    assert order.amount != Decimal("1.00")


def test_there_is_no_put(order, sales):
    assert api(sales).put(detail(order), {}, format="json").status_code == 405


# --- posting the same external id again ----------------------------------------------------


def body(order: Order, **fields: object) -> dict[str, object]:
    return {
        "client": order.client_id,
        "external_id": order.external_id,
        "amount": str(order.amount),
        "placed_at": order.placed_at.isoformat(),
        **fields,
    }


def test_a_repost_with_a_new_promised_date_moves_it(order, sales):
    response = api(sales).post(
        LIST, body(order, promised_date=today_plus(50).isoformat()), format="json"
    )

    assert response.status_code == 200
    order.refresh_from_db()
    assert order.promised_date == today_plus(50)
    assert PromisedDateChange.objects.get().changed_by == sales
    assert all(t.due_at.date() < today_plus(50) for t in status_calls(order))


def test_an_unchanged_repost_changes_nothing(order, sales):
    Order.objects.filter(pk=order.pk).update(description="Sofa")

    response = api(sales).post(
        LIST, body(order, promised_date=today_plus(30).isoformat()), format="json"
    )

    assert response.status_code == 200
    assert not PromisedDateChange.objects.exists()
    # Fields left out keep their values.
    order.refresh_from_db()
    assert (order.description, order.currency) == ("Sofa", "RUB")


def test_a_repost_placed_at_another_time_is_refused_by_name(order, sales):
    later = (order.placed_at - dt.timedelta(days=1)).isoformat()

    response = api(sales).post(LIST, body(order, placed_at=later), format="json")

    assert response.status_code == 400
    assert list(response.json()) == ["placed_at"]


def test_the_same_external_id_for_another_client_is_another_order(order, sales, account):
    other = make_client(originator=sales, account_manager=account, name="Other")

    response = api(sales).post(LIST, body(order, client=other.pk, amount="1.00"), format="json")

    assert response.status_code == 201
    assert response.json()["id"] != order.pk
    order.refresh_from_db()
    assert order.amount != Decimal("1.00")


def test_a_repost_of_another_managers_order_changes_nothing(order, other_sales):
    foreign = make_client(originator=other_sales, name="Fyodor")

    response = api(other_sales).post(
        LIST, body(order, client=foreign.pk, amount="1.00"), format="json"
    )

    # Answered as for an id never used: a new order of Fyodor's; the other one is untouched.
    assert response.status_code == 201
    order.refresh_from_db()
    assert order.amount != Decimal("1.00")
