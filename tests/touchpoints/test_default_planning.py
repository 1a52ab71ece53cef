"""Each default cadence, planned from real events through the services."""

import datetime as dt
import zoneinfo

import pytest
import time_machine
from django.core import mail

from clients import services as client_services
from tests.clients.factories import make_client, make_order
from tests.helpers import MSK, at
from touchpoints import services
from touchpoints.models import Touchpoint

NOW = at(2026, 11, 23, 12)  # a Monday
pytestmark = pytest.mark.clock(NOW)


@pytest.fixture
def buyer(sales, account):
    client = make_client(
        originator=sales,
        name="Olga",
        email="olga@example.com",
        phones=["+7 912 111-22-33"],
        language="ru",
    )
    for channel in ("email", "sms", "call", "post"):
        client_services.consent_record(
            client=client, channel=channel, granted=True, method="in_person"
        )
    return client


def plan(cadence: str) -> list[tuple[str, dt.datetime, str]]:
    rows = Touchpoint.objects.filter(step__cadence__slug=cadence).order_by("due_at", "id")
    return [(t.step.slug, t.due_at.astimezone(MSK), t.channel) for t in rows.select_related("step")]


def test_after_sale_cadence_from_delivery(buyer, account):
    order = make_order(buyer, placed_at=at(2026, 11, 16, 11))
    client_services.order_record_event(
        order=order, type="delivered", at=at(2026, 11, 23, 11), by=None
    )

    assert plan("after-sale") == [
        ("delivery-day-call", at(2026, 11, 23, 11), "call"),
        ("survey-invite", at(2026, 11, 25, 10), "email"),
        ("day-3-call", at(2026, 11, 26, 10), "call"),
        ("week-2-call", at(2026, 12, 7, 10), "call"),
        ("month-3-card", at(2027, 2, 24, 10), "post"),  # 23 February is a holiday
        ("month-6-call", at(2027, 5, 24, 10), "call"),
        ("yearly-letter", at(2027, 11, 23, 10), "post"),
    ]
    people = Touchpoint.objects.filter(step__cadence__slug="after-sale", is_automatic=False)
    assert {t.assignee for t in people} == {account}


def test_order_notifications_follow_the_order(buyer):
    order = make_order(buyer, placed_at=at(2026, 11, 23, 11))
    client_services.order_record_event(
        order=order, type="ready", at=at(2026, 11, 23, 11, 30), by=None
    )
    client_services.order_record_event(
        order=order, type="at_pickup", at=at(2026, 11, 23, 11, 40), by=None
    )
    client_services.order_record_event(
        order=order, type="delivered", at=at(2026, 11, 23, 11, 50), by=None
    )

    assert plan("order-notifications") == [
        ("order-thanks", at(2026, 11, 23, 11), "email"),
        ("order-ready", at(2026, 11, 23, 11, 30), "sms"),
        ("order-at-pickup", at(2026, 11, 23, 11, 40), "sms"),
        ("director-thanks", at(2026, 11, 24, 10), "email"),
    ]


def test_pre_delivery_cadence(buyer, sales):
    make_order(buyer, placed_at=at(2026, 11, 23, 11), promised_date=dt.date(2026, 12, 10))

    steps = plan("pre-delivery")
    assert [s for s in steps if s[0] != "status-updates"] == [
        ("ready-tomorrow", at(2026, 12, 9, 10), "sms"),
        ("pickup-reminder", at(2026, 12, 10, 10), "sms"),
    ]
    calls = [due.date() for slug, due, _ in steps if slug == "status-updates"]
    assert calls == [
        dt.date(2026, 11, 26),
        dt.date(2026, 11, 30),
        dt.date(2026, 12, 3),
        dt.date(2026, 12, 7),
    ]
    assert Touchpoint.objects.filter(step__slug="status-updates").first().assignee == sales


def test_handoff_letters(buyer, sales, account):
    make_order(buyer, placed_at=at(2026, 11, 23, 11))

    assert plan("handoff") == [
        ("sales-letter", NOW, "email"),
        ("manager-letter", at(2026, 11, 24, 10), "email"),
    ]


def test_win_back_after_a_refusal(buyer, sales):
    client_services.refusal_record(client=buyer, reason="price", by=sales)

    assert plan("win-back") == [("win-back-call", at(2027, 2, 24, 10), "call")]


def test_thanking_a_new_advocate(buyer, sales):
    make_order(buyer, placed_at=at(2026, 11, 20, 11))
    client_services.client_update(client=buyer, by=sales, recommends=True)

    assert plan("advocates") == [("thank-advocate", at(2026, 11, 24, 10), "call")]


def test_holidays_and_the_year_end_letter(buyer, sales):
    make_order(buyer, placed_at=at(2026, 6, 1, 11))

    services.plan_yearly(today=dt.date(2026, 12, 20))

    assert plan("holidays") == [("new-year", at(2026, 12, 29, 10), "email")]
    assert plan("year-end") == [("year-end-letter", at(2026, 12, 27, 10), "email")]


def test_a_planned_message_fires_once_at_its_local_hour_across_a_dst_change(sales, account):
    london = zoneinfo.ZoneInfo("Europe/London")
    client = make_client(originator=sales, email="l@example.com", time_zone="Europe/London")
    client_services.consent_record(client=client, channel="email", granted=True, method="phone")
    order = make_order(client, placed_at=at(2026, 10, 20, 10))
    with time_machine.travel(at(2026, 10, 24, 12, tz=london), tick=False):
        # Delivered on Saturday; the director's thank-you is due next day, Sunday 25 October,
        # the day the clocks go back.
        client_services.order_record_event(
            order=order, type="delivered", at=at(2026, 10, 24, 11, tz=london), by=None
        )
    letter = Touchpoint.objects.get(step__slug="director-thanks")
    assert letter.due_at.astimezone(london) == at(2026, 10, 25, 10, tz=london)

    mail.outbox = []
    for moment, expected in [
        (at(2026, 10, 25, 9, 59, tz=london), 0),
        (at(2026, 10, 25, 10, 0, tz=london), 1),
        (at(2026, 10, 25, 11, 0, tz=london), 1),
    ]:
        with time_machine.travel(moment, tick=False):
            services.dispatch_due()
        assert len(mail.outbox) == expected, moment
    assert mail.outbox[0].to == ["l@example.com"]
