"""Importing orders: finding the client, idempotency by external_id, statuses as events, the
lifecycle rules that follow a purchase, and every bad row."""

import datetime as dt
from decimal import Decimal

import pytest
from django.utils import timezone

from clients import services
from clients.models import Client, Commission, CommissionRule, Handoff, Order, OrderEvent
from tests.clients.fixtures.imports import problems, run_import
from tests.helpers import at

HEADER = ["external_id", "client", "amount", "currency", "placed_at", "promised_date", "seller"]


@pytest.fixture
def anna(sales) -> Client:
    return services.client_create(
        by=None, name="Anna", email="anna@example.com", phones=["+79123456789"], originator=sales
    )


def orders(rows, **kwargs):
    return run_import(rows, kind="orders", **kwargs)


def test_it_imports_orders_and_runs_the_lifecycle_rules(anna, sales, account, director):
    CommissionRule.objects.create(percentage=Decimal("5"), effective_from=dt.date(2020, 1, 1))

    report = orders(
        [
            [*HEADER, "description", "status", "status_at"],
            [
                "A-1",
                "anna@example.com",
                "1 234,50",
                "rub",
                "2024-03-01 12:00",
                "",
                "sasha",
                "Sofa",
                "delivered",
                "2024-03-05 15:00",
            ],
            ["A-2", "+7 912 345-67-89", "2000", "", "05.04.2024", "2024-04-20", "", "", "", ""],
        ],
        by=director,
    )

    assert report.applied, report.errors
    assert (report.created, report.updated, report.skipped) == (2, 0, 0)
    first, second = Order.objects.order_by("placed_at")
    assert first.external_id == "A-1"
    assert first.amount == Decimal("1234.50")
    assert first.currency == "RUB"
    # A time without an offset is the company's local time.
    assert first.placed_at == at(2024, 3, 1, 12)
    assert first.seller == sales
    assert first.description == "Sofa"
    assert first.status == "delivered"
    assert first.delivered_at == at(2024, 3, 5, 15)
    assert list(first.events.values_list("type", flat=True)) == ["placed", "delivered"]
    assert second.promised_date == dt.date(2024, 4, 20)
    assert second.placed_at == at(2024, 4, 5)
    # Two purchases: a client, handed to an account manager, and a commission on the second.
    anna.refresh_from_db()
    assert anna.stage == "client"
    assert anna.visited_at == first.placed_at
    assert Handoff.objects.get(client=anna).to_user == account
    assert Commission.objects.get().order == second


def test_it_finds_the_client_by_email_phone_or_id_in_any_of_the_columns(anna):
    report = orders(
        [
            [
                "external_id",
                "client",
                "client_id",
                "client_email",
                "client_phone",
                "amount",
                "placed_at",
            ],
            ["1", "ANNA@example.com", "", "", "", "10", "2024-01-01"],
            ["2", "8 (912) 345-67-89", "", "", "", "10", "2024-01-01"],
            ["3", f"#{anna.pk}", "", "", "", "10", "2024-01-01"],
            ["4", "", anna.pk, "", "", "10", "2024-01-01"],
            ["5", "", "", "anna@example.com", "", "10", "2024-01-01"],
            ["6", "", "", "", "+79123456789", "10", "2024-01-01"],
            ["7", "anna@example.com", anna.pk, "", "89123456789", "10", "2024-01-01"],
        ]
    )

    assert report.applied, report.errors
    assert set(Order.objects.values_list("client", flat=True)) == {anna.pk}
    assert Order.objects.count() == 7


def test_importing_the_same_orders_again_creates_nothing(anna):
    rows = [HEADER, ["A-1", "anna@example.com", "100", "", "2024-03-01", "", ""]]

    first = orders(rows)
    again = orders(rows)

    assert first.created == 1
    assert (again.created, again.updated, again.skipped) == (0, 0, 1)
    assert again.summary()[2] == "1 order already present (same external_id) skipped"
    assert Order.objects.count() == 1
    assert OrderEvent.objects.count() == 1


def test_a_newer_status_for_an_order_already_present_is_recorded_as_events(anna):
    orders([HEADER, ["A-1", "anna@example.com", "100", "", "2024-03-01", "", ""]])

    report = orders(
        [
            ["external_id", "client", "amount", "placed_at", "status", "status_at", "delivered_at"],
            # The amount and date differ: an order already present keeps its own.
            [
                "A-1",
                "anna@example.com",
                "999",
                "2024-02-01",
                "returned",
                "2024-03-20",
                "2024-03-10",
            ],
        ],
        dry_run=True,
    )
    assert (report.created, report.updated, report.skipped) == (0, 1, 0)
    assert Order.objects.get().status == "placed"

    report = orders(
        [
            ["external_id", "client", "amount", "placed_at", "status", "status_at", "delivered_at"],
            [
                "A-1",
                "anna@example.com",
                "999",
                "2024-02-01",
                "returned",
                "2024-03-20",
                "2024-03-10",
            ],
        ]
    )

    assert report.applied and report.updated == 1
    order = Order.objects.get()
    assert order.amount == Decimal("100")
    assert order.status == "returned"
    assert order.delivered_at == at(2024, 3, 10)
    # Returned is not a purchase: the stage goes back to a visitor who bought nothing.
    anna.refresh_from_db()
    assert anna.stage == "visitor"


def test_an_older_status_in_the_file_changes_nothing(anna):
    orders(
        [
            [*HEADER, "status"],
            ["A-1", "anna@example.com", "100", "", "2024-03-01", "", "", "delivered"],
        ]
    )

    report = orders(
        [
            [*HEADER, "status"],
            ["A-1", "anna@example.com", "100", "", "2024-03-01", "", "", "shipped"],
        ]
    )

    assert (report.created, report.updated, report.skipped) == (0, 0, 1)
    assert Order.objects.get().status == "delivered"


def future() -> str:
    return (timezone.localtime() + dt.timedelta(days=2)).strftime("%Y-%m-%d %H:%M")


@pytest.mark.parametrize(
    ("cells", "column", "message"),
    [
        ({"external_id": ""}, "external_id", "Required."),
        ({"external_id": "x" * 101}, "external_id", "Longer than 100 characters."),
        ({"client": "nobody@example.com"}, "client", "No client has “nobody@example.com”."),
        ({"client": "123"}, "client", "write a client id as #123"),
        ({"client": "#999999"}, "client", "No client has “999999”."),
        ({"client": ""}, "client", "Say whose order it is"),
        ({"amount": ""}, "amount", "Required."),
        ({"amount": "12,345"}, "amount", "more than two decimals"),
        ({"amount": "-10"}, "amount", "cannot be negative"),
        ({"currency": "рубли"}, "currency", "three-letter currency code"),
        ({"placed_at": ""}, "placed_at", "Required."),
        ({"placed_at": "soon"}, "placed_at", "is not a date and time"),
        ({"placed_at": future}, "placed_at", "cannot be placed in the future"),
        ({"promised_date": "next week"}, "promised_date", "is not a date"),
        ({"seller": "ghost"}, "seller", "There is no active user “ghost”."),
        ({"status": "lost"}, "status", "is not one of"),
        ({"status": "delivered", "status_at": "2024-02-01"}, "status_at", "Earlier than the order"),
        ({"status": "delivered", "status_at": future}, "status_at", "In the future."),
        (
            {"status": "returned", "status_at": "2024-03-05", "delivered_at": "2024-03-06"},
            "delivered_at",
            "Later than status_at.",
        ),
    ],
)
def test_it_names_the_row_and_column_of_every_bad_order_cell(anna, cells, column, message):
    row = {
        "external_id": "B-1",
        "client": "anna@example.com",
        "amount": "100",
        "placed_at": "2024-03-01",
        "status": "",
        "status_at": "",
        "delivered_at": "",
        **{name: value() if callable(value) else value for name, value in cells.items()},
    }
    columns = ["description", *row]
    row["description"] = "Something"

    report = orders(
        [
            columns,
            ["Fine", "A-1", "anna@example.com", "1", "2024-03-01", "", "", ""],
            [row[name] for name in columns],
        ]
    )

    assert problems(report) == [(3, column)], report.errors
    assert message in report.errors[0].message
    assert not Order.objects.exists()  # all or nothing


def test_an_external_id_is_the_clients_own(anna):
    # As in the API: the same external id for another client is another client's order, and
    # the order already recorded stays Anna's.
    boris = services.client_create(by=None, name="Boris", email="boris@example.com")
    orders([HEADER, ["A-1", "anna@example.com", "100", "", "2024-03-01", "", ""]])

    report = orders([HEADER, ["A-1", "boris@example.com", "100", "", "2024-03-01", "", ""]])

    assert problems(report) == []
    assert (anna.orders.count(), boris.orders.count()) == (1, 1)


def test_a_status_that_cannot_follow_the_current_one_is_bad(anna):
    orders(
        [
            [*HEADER, "status"],
            ["A-1", "anna@example.com", "1", "", "2024-03-01", "", "", "delivered"],
        ]
    )

    report = orders(
        [
            [*HEADER, "status"],
            ["A-1", "anna@example.com", "1", "", "2024-03-01", "", "", "cancelled"],
        ]
    )

    assert problems(report) == [(2, "status")]
    assert report.errors[0].message == "An order that is Delivered cannot become Cancelled."


def test_ambiguous_and_conflicting_clients_are_bad(anna):
    boris = services.client_create(by=None, name="Boris", phones=["+79123456789"])

    report = orders(
        [
            ["external_id", "client", "client_id", "amount", "placed_at"],
            ["1", "+79123456789", "", "1", "2024-03-01"],  # Anna's and Boris's phone
            ["2", "anna@example.com", boris.pk, "1", "2024-03-01"],  # two different clients
            ["3", "anna@example.com", "", "1", "2024-03-01"],
            ["3", "anna@example.com", "", "1", "2024-03-01"],  # the same order twice
        ]
    )

    assert problems(report) == [(2, "client"), (3, "client"), (5, "external_id")]
    assert "2 clients have “+79123456789”" in report.errors[0].message
    assert "name different clients" in report.errors[1].message
    assert "also in row 4" in report.errors[2].message
    assert not Order.objects.exists()


def test_a_file_without_a_client_column_is_refused(anna):
    report = orders([["external_id", "amount", "placed_at"], ["1", "1", "2024-03-01"]])

    assert report.file_errors == [
        "Add a column saying whose order it is: client, client_id, client_email, client_phone."
    ]


def test_a_dry_run_of_orders_changes_nothing(anna):
    report = orders(
        [HEADER, ["A-1", "anna@example.com", "100", "", "2024-03-01", "", ""]], dry_run=True
    )

    assert report.summary() == [
        "1 order to create",
        "0 orders already present to move to a new status",
        "0 orders already present (same external_id) to skip",
    ]
    assert not Order.objects.exists()
    anna.refresh_from_db()
    assert anna.stage == "prospect"
