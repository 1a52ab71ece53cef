"""The client card reads top-down: who the client is to us (the head), what is planned, then
what happened — with the facts of touchpoints and surveys through the card-facts registry."""

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from clients import services
from clients.models import OrderStatus
from surveys.models import Response, ServiceCase, Source
from tests.clients.factories import make_client, make_order
from touchpoints.calls import CallReport
from touchpoints.models import Cadence, Touchpoint
from touchpoints.unplanned import touchpoint_log_inbound


@pytest.fixture(autouse=True)
def _no_cadences(db):
    Cadence.objects.update(is_active=False)  # only the touchpoints the tests make


@pytest.fixture
def irina(sales, account):
    sales.last_name, account.last_name = "Petrova", "Volkova"
    sales.save()
    account.save()
    return make_client(originator=sales, account_manager=account, name="Irina")


def card(client, user, irina) -> str:
    client.force_login(user)
    return client.get(reverse("clients:detail", args=[irina.pk])).content.decode()


def part(page: str, start: str, end: str) -> str:
    return page[page.index(start) : page.index(end)]


def test_the_head_says_who_the_client_is_to_us(client, irina, sales):
    make_order(irina, amount="12500.00")
    cancelled = make_order(irina, amount="99999.00")
    services.order_record_event(
        order=cancelled, type=OrderStatus.CANCELLED, at=timezone.now(), by=sales
    )
    Response.objects.create(
        source=Source.SURVEY, client=irina, score=2, at=timezone.now(), origin_key="t:1"
    )

    head = part(card(client, sales, irina), 'class="card card-head"', 'class="card-grid"')

    assert "Anna Volkova" in head and "Sasha Petrova" in head  # full names
    assert "12,500.00 RUB" in head and "99,999" not in head  # a cancelled order is no purchase
    assert "(1 cancelled or returned)" in head
    assert "2 of 5" in head and "survey," in head
    assert "nothing planned" in head and "none" in head


def test_the_head_shows_the_next_contact_and_open_issues(client, irina, account):
    Touchpoint.objects.create(
        client=irina,
        anchor_key="t:urgent",
        due_at=timezone.now() + dt.timedelta(hours=3),
        assignee=account,
        channel="call",
        purpose="Recover: the client is unhappy",
        is_urgent=True,
    )
    ServiceCase.objects.create(
        client=irina, opened_on=timezone.localdate(), problem="Scratch", severity="low"
    )

    head = part(card(client, account, irina), 'class="card card-head"', 'class="card-grid"')

    assert "Recover: the client is unhappy" in head
    assert "1 urgent call to win the client back" in head and "1 open service case" in head


def test_planned_is_apart_from_history(client, irina, account):
    Touchpoint.objects.create(
        client=irina,
        anchor_key="t:ahead",
        due_at=timezone.now() + dt.timedelta(days=2),
        assignee=account,
        channel="call",
        purpose="Six months on",
    )
    touchpoint_log_inbound(
        client=irina, report=CallReport(outcome="reached", note="Happy with it"), by=account
    )
    services.client_note_add(client=irina, text="Word " * 10 + "x" * 300, by=account)

    page = card(client, account, irina)
    planned = part(page, 'id="planned-heading"', 'id="timeline-heading"')
    history = part(page, 'id="timeline-heading"', 'id="orders-heading"')

    assert "Six months on" in planned and "Happy with it" not in planned
    assert "Happy with it" in history and "Six months on" not in history
    assert 'class="note-text"' in history and "Anna" in history  # the note and its author


def test_the_card_costs_the_same_with_a_long_history(
    client, irina, account, django_assert_num_queries
):
    def add(count: int) -> None:
        for number in range(count):
            touchpoint_log_inbound(
                client=irina, report=CallReport(outcome="reached", satisfaction=4), by=account
            )
            services.client_note_add(client=irina, text=f"Note {number}", by=account)
            ServiceCase.objects.create(
                client=irina, opened_on=timezone.localdate(), problem="x", severity="low"
            )

    add(2)
    client.force_login(account)
    url = reverse("clients:detail", args=[irina.pk])
    with CaptureQueriesContext(connection) as queries:
        client.get(url)
    add(10)

    with django_assert_num_queries(len(queries.captured_queries)):
        page = client.get(url).content.decode()
    assert "12 open service cases" in page
