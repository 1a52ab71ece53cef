"""The client's order page by link, /o/<token>/: what it shows, in whose language, the same
answer for unknown and expired links, and the link itself arriving in the order notices."""

import datetime as dt

import pytest
import time_machine
from django.core import mail
from django.utils import timezone
from django.utils.formats import date_format

from clients import services as client_services
from clients.models import OrderStatus
from surveys import services
from surveys.models import OrderLink
from tests.clients.factories import make_client, make_order
from tests.helpers import at
from tests.surveys.conftest import TOKEN_IN_URL, answers, same_page
from touchpoints import services as touchpoint_services


@pytest.fixture
def link(order) -> OrderLink:
    return services.order_link_for(order=order)


def test_it_shows_the_order_its_path_and_the_people_to_ask(client, order, link, account, settings):
    settings.COMPANY_PHONE = "+7 495 123-45-67"
    account.last_name, account.email = "Ivanova", "anna@example.com"
    account.save()
    order.promised_date = timezone.localdate() + dt.timedelta(days=10)
    order.save()
    client_services.order_record_event(
        order=order, type=OrderStatus.READY, at=timezone.now(), by=None
    )

    page = client.get(f"/o/{link.token}/")

    assert page.status_code == 200
    text = page.content.decode()
    assert "SHOP-1001" in text and "Sofa Chester" in text
    assert "Promised for" in text
    assert date_format(order.promised_date, "DATE_FORMAT") in text
    assert text.index("Placed</div>") < text.index("Ready</div>")  # the order's timeline
    assert "Anna Ivanova" in text
    assert "mailto:anna@example.com" in text
    assert "+7 495 123-45-67" in text
    assert "/s/" not in text  # no survey open
    assert page["Cache-Control"].startswith("max-age=0")


def test_it_links_the_open_survey_only(client, order, link, invitation, survey):
    page = client.get(f"/o/{link.token}/")
    assert f"/s/{invitation.token}/" in page.content.decode()

    client.post(f"/s/{invitation.token}/", answers(survey, score="5"))

    page = client.get(f"/o/{link.token}/")
    assert "/s/" not in page.content.decode()


def test_it_speaks_the_clients_language(client, sales):
    russian = make_client(originator=sales, name="Ivan", language="ru")
    link = services.order_link_for(order=make_order(russian))

    page = client.get(f"/o/{link.token}/", HTTP_ACCEPT_LANGUAGE="en")

    assert page["Content-Language"] == "ru"
    assert '<html lang="ru">' in page.content.decode()


def test_an_unknown_and_an_expired_link_get_the_same_page(client, link):
    expired, unknown = link.token, "y" * len(link.token)
    with time_machine.travel(link.expires_at + dt.timedelta(seconds=1)):
        pages = {token: client.get(f"/o/{token}/") for token in (expired, unknown)}
    survey_page = client.get(f"/s/{unknown}/")

    assert pages[expired].status_code == pages[unknown].status_code == 404
    assert "This link is not valid any more" in pages[unknown].content.decode()
    assert same_page(pages[expired].content, expired) == same_page(pages[unknown].content, unknown)
    # The survey links answer alike: one page for every link that does not work.
    assert same_page(survey_page.content, unknown) == same_page(pages[unknown].content, unknown)


@pytest.mark.parametrize("token", ["%00", "a" * 300, "ссылка", "../admin"])
def test_it_never_fails_on_a_strange_token(client, db, token):
    assert client.get(f"/o/{token}/").status_code == 404


def test_it_costs_the_same_queries_however_long_the_orders_path(
    client, order, link, django_assert_max_num_queries
):
    for status in (OrderStatus.READY, OrderStatus.AT_PICKUP, OrderStatus.DELIVERED):
        client_services.order_record_event(order=order, type=status, at=timezone.now(), by=None)

    with django_assert_max_num_queries(6):
        page = client.get(f"/o/{link.token}/")
    assert page.content.decode().count("<time") == 4


def test_the_order_notice_carries_a_working_link_to_the_order_page(
    client, customer, sales, settings
):
    client_services.consent_record(
        client=customer, channel="email", granted=True, method="in_person"
    )
    monday_noon = at(2026, 11, 23, 12)
    with time_machine.travel(monday_noon, tick=False):
        order = make_order(customer, external_id="SHOP-2002", placed_at=monday_noon, by=sales)
        touchpoint_services.dispatch_due()
        thanks = next(m for m in mail.outbox if m.subject == "Thank you for your order")
        found = TOKEN_IN_URL.search(thanks.body)
        assert found is not None and found.group(0).startswith("/o/")
        page = client.get(found.group(0))

    assert f'href="{settings.SITE_URL.rstrip("/")}{found.group(0)}"' in thanks.alternatives[0][0]
    assert page.status_code == 200
    assert "SHOP-2002" in page.content.decode()
    assert OrderLink.objects.get().order == order
