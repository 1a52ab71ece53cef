"""The page forms take the API's dates: times and dates between 1970 and 2999 (the API's
AwareDateTimeField), checked on the form before they reach a service or the database, with the
error on the field. Year 1 used to be a 500 (no UTC time before it to store), 1900 an order
shown at +02:30:17 (Moscow's local mean time), 9999 a visit nobody could have made."""

import datetime as dt

import pytest
from django.utils import timezone

from clients.models import Client, Order
from surveys.models import ServiceCase
from tests.clients.factories import make_client
from touchpoints.models import Touchpoint

TOO_EARLY = ("0001-01-01T10:00", "1900-05-01T10:00", "1969-12-31T10:00")
TOO_LATE = ("3000-01-01T10:00", "9999-12-31T23:59")


def field_errors(response, form: str, field: str) -> list[str]:
    return list(response.context[form].errors.get(field, []))


@pytest.fixture
def irina(sales, account) -> Client:
    return make_client(originator=sales, account_manager=account, name="Irina")


@pytest.mark.parametrize("when", TOO_EARLY)
def test_the_order_form_refuses_a_time_before_1970(client, sales, irina, when):
    client.force_login(sales)

    response = client.post(
        f"/clients/{irina.pk}/orders/",
        {"order-amount": "10", "order-currency": "RUB", "order-placed_at": when},
    )

    assert response.status_code == 200
    assert "Give a time between 1970 and 2999." in field_errors(response, "order_form", "placed_at")
    assert not Order.objects.exists()


@pytest.mark.parametrize("day", ["0001-01-01", "3000-01-01"])
def test_the_order_form_refuses_a_promised_date_out_of_bounds(client, sales, irina, day):
    client.force_login(sales)

    response = client.post(
        f"/clients/{irina.pk}/orders/",
        {
            "order-amount": "10",
            "order-currency": "RUB",
            "order-placed_at": "2025-05-01T10:00",
            "order-promised_date": day,
        },
    )

    assert field_errors(response, "order_form", "promised_date")
    assert not Order.objects.exists()


@pytest.mark.parametrize("when", TOO_EARLY[:1] + TOO_LATE)
def test_the_client_form_refuses_a_visit_out_of_bounds(client, sales, irina, when):
    client.force_login(sales)

    response = client.post(
        f"/clients/{irina.pk}/edit/",
        {"kind": "person", "name": "Irina", "language": "ru", "visited_at": when},
    )

    assert response.status_code == 200
    assert field_errors(response, "form", "visited_at")
    irina.refresh_from_db()
    assert irina.visited_at is None


@pytest.mark.parametrize("day", ["0001-01-01", "1969-12-31", "3000-01-01"])
def test_the_service_case_form_refuses_a_date_out_of_bounds(client, sales, irina, day):
    client.force_login(sales)

    response = client.post(
        f"/service-cases/new/?client={irina.pk}",
        {"opened_on": day, "problem": "Squeaks", "severity": "low"},
    )

    assert response.status_code == 200
    assert field_errors(response, "form", "opened_on")
    assert not ServiceCase.objects.exists()


@pytest.mark.parametrize("when", ["0001-01-01T10:00", "9999-12-31T23:59"])
def test_a_call_cannot_move_out_of_bounds(client, account, irina, when):
    call = Touchpoint.objects.create(
        client=irina,
        anchor_key="t",
        channel="call",
        assignee=account,
        purpose="How is it?",
        due_at=timezone.now() + dt.timedelta(days=1),
    )
    client.force_login(account)

    moved = client.post(f"/calls/{call.pk}/reschedule/", {"due_at": when})
    called_back = client.post(
        f"/calls/{call.pk}/complete/", {"outcome": "call_back", "callback_at": when}
    )

    assert moved.status_code == 200
    assert b"Give a time between 1970 and 2999." in moved.content
    assert b"Give a time between 1970 and 2999." in called_back.content
    call.refresh_from_db()
    assert (call.status, call.attempts) == ("planned", 0)


def test_reassigning_refuses_a_range_out_of_bounds(client, director, account, other_account):
    client.force_login(director)

    response = client.post(
        "/calls/reassign/",
        {"from_user": account.pk, "to_user": other_account.pk, "end": "9999-12-31"},
    )

    assert response.status_code == 200
    assert field_errors(response, "form", "end")
