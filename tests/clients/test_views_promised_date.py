"""The client card's "move the promised date" on an order: the reason is required, the move is
in the timeline, another manager's order is a 404, and the card's queries do not grow with
the moves."""

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from clients import services
from clients.models import Client, Order, PromisedDateChange
from tests.clients.factories import make_client, make_order

HTMX = {"HTTP_HX_REQUEST": "true"}


def in_days(days: int) -> dt.date:
    return timezone.localdate() + dt.timedelta(days=days)


@pytest.fixture
def irina(sales, account) -> Client:
    return make_client(originator=sales, account_manager=account, name="Irina")


@pytest.fixture
def order(irina) -> Order:
    return make_order(irina, promised_date=in_days(20))


def move_url(order: Order) -> str:
    return reverse("clients:order_promised_date_move", args=[order.client_id, order.pk])


def move(order: Order, day: dt.date | str, reason: str) -> dict[str, str]:
    return {f"date-{order.pk}-promised_date": str(day), f"date-{order.pk}-reason": reason}


def test_it_moves_the_promised_date_with_a_reason(client, sales, order):
    client.force_login(sales)

    response = client.post(move_url(order), move(order, in_days(30), "Fabric out of stock"))

    assert response.status_code == 302
    order.refresh_from_db()
    assert (order.promised_date, order.first_promised_date) == (in_days(30), in_days(20))
    page = client.get(reverse("clients:detail", args=[order.client_id])).content.decode()
    assert "Fabric out of stock" in page
    assert "Move the promised date" in page


def test_it_requires_a_reason(client, sales, order):
    client.force_login(sales)

    page = client.post(move_url(order), move(order, in_days(30), ""), **HTMX).content.decode()

    assert "This field is required." in page
    assert "<html" not in page
    order.refresh_from_db()
    assert order.promised_date == in_days(20)


def test_it_is_404_for_another_managers_order(client, other_sales, order):
    client.force_login(other_sales)

    response = client.post(move_url(order), move(order, in_days(30), "No"))

    assert response.status_code == 404
    assert not PromisedDateChange.objects.exists()


def test_the_card_costs_as_many_queries_with_many_moves(
    client, sales, irina, order, django_assert_num_queries
):
    client.force_login(sales)
    card = reverse("clients:detail", args=[irina.pk])
    with CaptureQueriesContext(connection) as few:
        client.get(card)
    for days in range(21, 31):
        services.order_set_promised_date(
            order=order, promised_date=in_days(days), by=sales, reason=f"move {days}"
        )

    with django_assert_num_queries(len(few.captured_queries)):
        page = client.get(card).content.decode()
    assert "move 30" in page
