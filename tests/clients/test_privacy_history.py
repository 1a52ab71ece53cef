"""The audit history page: who changed what of a client and their orders (simple-history), each
field's old and new value, paged without counting, in a fixed number of queries.

Irina is Sasha's client, handed to Anna."""

import datetime as dt

import pytest
from django.urls import reverse

from clients import selectors, services
from clients.models import Order
from tests.clients.factories import make_client, make_order
from tests.conftest import PASSWORD
from tests.helpers import assert_queries_flat


@pytest.fixture
def irina(sales, account):
    return make_client(
        originator=sales, account_manager=account, name="Irina Volkova", email="old@example.com"
    )


def login(client, user) -> None:
    client.login(username=user.username, password=PASSWORD)


def history_page(client, irina, **params):
    return client.get(reverse("clients:history", args=[irina.pk]), params)


def test_it_shows_who_changed_which_field_from_what_to_what(client, irina, sales):
    login(client, sales)
    client.post(
        reverse("clients:edit", args=[irina.pk]),
        {
            "kind": "person",
            "name": "Irina Volkova",
            "email": "new@example.com",
            "time_zone": "Europe/Moscow",
            "language": "en",
            "source": "other",
            "phones": "",
        },
    )

    response = history_page(client, irina)

    assert response.status_code == 200
    page = response.content.decode()
    assert "E-mail: old@example.com → new@example.com" in page
    [edit] = [
        entry
        for entry in response.context["page"].rows
        if any(change.field == "email" for change in entry.changes) and entry.action == "~"
    ]
    assert edit.user == sales
    assert [(c.field, c.old, c.new) for c in edit.changes if c.field == "email"] == [
        ("email", "old@example.com", "new@example.com")
    ]


def test_it_shows_the_orders_history_beside_the_clients(client, irina, sales):
    order = make_order(irina, by=sales, external_id="SHOP-7")
    services.order_record_event(
        order=order, type="delivered", at=order.placed_at + dt.timedelta(hours=1), by=sales
    )
    login(client, sales)

    entries = history_page(client, irina).context["page"].rows

    delivered = next(e for e in entries if e.record_of == "order" and e.action == "~")
    assert delivered.object_label == "Order SHOP-7"
    assert ("status", "Placed", "Delivered") in [
        (c.field, c.old_display, c.new_display) for c in delivered.changes
    ]
    created = next(e for e in entries if e.record_of == "client" and e.action == "+")
    assert ("account_manager", "—", "Anna") in [
        (c.field, c.old_display, c.new_display) for c in created.changes
    ]
    assert [e.at for e in entries] == sorted((e.at for e in entries), reverse=True)


def test_it_names_downloads_and_the_erasure(client, irina, director):
    services.client_record_export(client=irina, by=director, reason="data-export")
    services.client_erase(client=irina, by=director)
    login(client, director)

    page = history_page(client, irina).content.decode()

    assert "Personal data downloaded" in page
    assert "Personal data erased" in page
    assert "old@example.com" not in page
    assert "Irina Volkova" not in page


@pytest.mark.parametrize("persona", ["sales", "account", "director"])
def test_it_is_for_whoever_may_see_the_client(client, irina, persona, request):
    login(client, request.getfixturevalue(persona))

    assert history_page(client, irina).status_code == 200


@pytest.mark.parametrize("persona", ["other_sales", "other_account"])
def test_it_is_a_404_for_another_managers_client(client, irina, persona, request):
    login(client, request.getfixturevalue(persona))

    assert history_page(client, irina).status_code == 404


def test_it_pages_without_counting(client, irina, sales, settings):
    for number in range(55):
        services.client_update(client=irina, by=sales, notes=f"note {number}")
    login(client, sales)

    first = history_page(client, irina)
    second = history_page(client, irina, page=2)
    beyond = history_page(client, irina, page=9)

    assert len(first.context["page"].rows) == 50
    assert first.context["page"].has_next
    assert 'rel="next"' in first.content.decode()
    second_rows = second.context["page"].rows
    assert len(second_rows) >= 6
    assert not second.context["page"].has_next
    assert {e.history_id for e in first.context["page"].rows}.isdisjoint(
        e.history_id for e in second_rows
    )
    assert "There is nothing on this page" in beyond.content.decode()


def test_it_costs_the_same_queries_for_a_short_and_a_long_history(
    client, sales, account, django_assert_num_queries
):
    customer = make_client(originator=sales, account_manager=account, name="Customer")
    make_order(customer, by=sales)  # the short history: one order

    def add_history(count: int) -> None:
        for number in range(count):
            order = make_order(customer, by=sales)
            services.order_set_promised_date(
                order=order,
                promised_date=dt.date.today() + dt.timedelta(days=10 + number),
                by=sales,
            )
            services.client_update(client=customer, by=account, notes=f"Change {number}")

    login(client, sales)
    flat = assert_queries_flat(
        add_history, lambda: history_page(client, customer).status_code, n=0, many=30
    )

    assert flat.few == flat.many == 200
    with django_assert_num_queries(flat.queries):
        assert history_page(client, customer, page=2).status_code == 200


def test_the_selector_reads_the_whole_history_in_three_queries(
    irina, sales, django_assert_num_queries
):
    for number in range(5):
        make_order(irina, by=sales)
        services.client_update(client=irina, by=sales, notes=f"Change {number}")

    with django_assert_num_queries(3):
        entries = selectors.client_audit_history(irina)

    assert len(entries) == irina.history.count() + Order.history.filter(client_id=irina.pk).count()
