"""Planning rules: due times in the client's time zone, working days, the status series, and
re-planning when the promised date moves, the order is cancelled or the client refuses."""

import datetime as dt
import zoneinfo

import pytest
import time_machine
from django.db import IntegrityError, transaction
from django.utils import timezone

from clients import services as client_services
from clients.models import OrderStatus
from tests.clients.factories import make_client, make_order
from tests.helpers import MSK, at
from touchpoints import services
from touchpoints.models import Touchpoint, TouchpointStatus

NOW = at(2026, 11, 23, 12)  # a Monday
pytestmark = pytest.mark.clock(NOW)


@pytest.fixture
def buyer(sales, account):
    return make_client(
        originator=sales, name="Buyer", email="b@example.com", time_zone="Europe/Moscow"
    )


def deliver(order, when):
    client_services.order_record_event(order=order, type=OrderStatus.DELIVERED, at=when, by=None)


def test_a_call_on_delivery_day_waits_for_working_hours(add_step, buyer, account):
    add_step(anchor="order_delivered", offset=0, channel="call")
    order = make_order(buyer, placed_at=at(2026, 11, 20, 10))

    deliver(order, at(2026, 11, 23, 7, 30))  # before the working day starts

    touchpoint = Touchpoint.objects.get()
    assert touchpoint.due_at == at(2026, 11, 23, 10)  # 9:00 work, 10:00 client daytime
    assert touchpoint.assignee == account
    assert touchpoint.order == order
    assert touchpoint.is_automatic is False


def test_day_offsets_skip_weekends_and_public_holidays(add_step, buyer):
    add_step(anchor="order_delivered", offset=3, channel="call")
    order = make_order(buyer, placed_at=at(2026, 10, 28, 10))

    # Delivered Saturday 1 November: +3 days is Tuesday 4 November, Unity Day, a holiday.
    with time_machine.travel(at(2026, 11, 1, 12), tick=False):
        deliver(order, at(2026, 11, 1, 11))

    assert Touchpoint.objects.get().due_at == at(2026, 11, 5, 10)


def test_calls_respect_the_clients_own_daytime(add_step, sales, account):
    far_east = make_client(originator=sales, time_zone="Asia/Vladivostok")  # UTC+10, MSK+7
    add_step(anchor="order_delivered", offset=1, channel="call")
    order = make_order(far_east, placed_at=at(2026, 11, 20, 10))

    deliver(order, at(2026, 11, 23, 11))

    due = Touchpoint.objects.get().due_at
    # Tuesday in Vladivostok: their 10:00 is 03:00 in Moscow, before work; the office opens at
    # 9:00 Moscow, 16:00 there, inside their daytime until 20:00 there (13:00 Moscow).
    assert due == at(2026, 11, 24, 9)


def test_messages_go_out_only_in_the_clients_daytime(add_step, buyer, email_template):
    add_step(
        anchor="order_placed",
        offset=0,
        offset_unit="hours",
        channel="email",
        performer="system",
        template_slug="hello",
    )

    make_order(buyer, placed_at=at(2026, 11, 22, 23, 30))  # late in the evening

    touchpoint = Touchpoint.objects.get()
    assert touchpoint.due_at == at(2026, 11, 23, 10)
    assert touchpoint.is_automatic is True
    assert touchpoint.assignee is None


def test_a_day_offset_keeps_the_local_hour_across_a_daylight_saving_change(
    add_step, sales, account
):
    london = zoneinfo.ZoneInfo("Europe/London")
    client = make_client(originator=sales, time_zone="Europe/London", email="l@example.com")
    add_step(
        anchor="order_delivered",
        offset=2,
        channel="email",
        performer="system",
        template_slug="hello",
    )
    order = make_order(client, placed_at=at(2026, 10, 20, 10))

    # Delivered Friday 23 October; clocks go back on Sunday 25 October in London.
    with time_machine.travel(at(2026, 10, 23, 15), tick=False):
        deliver(order, at(2026, 10, 23, 12, tz=london))

    due = Touchpoint.objects.get().due_at
    assert due.astimezone(london) == at(2026, 10, 25, 10, tz=london)
    assert due.utcoffset() is not None
    assert due == dt.datetime(2026, 10, 25, 10, tzinfo=dt.UTC)  # GMT again: 10:00 is 10:00 UTC


def test_the_same_step_is_never_planned_twice_for_one_anchor(add_step, buyer):
    step = add_step(anchor="order_delivered", offset=3, channel="call")
    order = make_order(buyer, placed_at=at(2026, 11, 20, 10))
    deliver(order, at(2026, 11, 23, 11))
    event = order.events.get(type="delivered")

    services.plan_for_order_event(order=order, event=event)
    services.plan_for_order_event(order=order, event=event)

    assert Touchpoint.objects.count() == 1
    duplicate = Touchpoint.objects.get()
    duplicate.pk = None
    with pytest.raises(IntegrityError), transaction.atomic():
        duplicate.save()  # the database itself refuses it
    assert step.touchpoints.count() == 1


def test_steps_long_past_are_not_planned_for_an_old_order(add_step, buyer, email_template):
    add_step(
        anchor="order_placed",
        offset=0,
        offset_unit="hours",
        channel="email",
        performer="system",
        template_slug="hello",
    )
    add_step(anchor="order_placed", offset=6, offset_unit="months", channel="call")

    make_order(buyer, placed_at=at(2025, 12, 1, 12))  # imported a year late

    assert list(Touchpoint.objects.values_list("channel", flat=True)) == []


def test_the_status_series_follows_the_time_left(add_step, buyer):
    add_step(
        anchor="promised_date", kind="status_series", channel="call", performer="sales_manager"
    )

    make_order(buyer, placed_at=at(2026, 11, 23, 11), promised_date=dt.date(2027, 1, 8))

    days = [t.due_at.astimezone(MSK).date() for t in Touchpoint.objects.order_by("due_at")]
    # Weekly while four weeks or more are left, then every 3-4 days, none in the last two.
    assert days == [
        dt.date(2026, 11, 30),
        dt.date(2026, 12, 7),
        dt.date(2026, 12, 14),
        dt.date(2026, 12, 17),
        dt.date(2026, 12, 21),
        dt.date(2026, 12, 24),
        dt.date(2026, 12, 28),
        # 31 December (a day off) would move past the promised day: dropped, as is 4 January.
    ]
    assert {t.assignee for t in Touchpoint.objects.all()} == {buyer.originator}


def test_status_update_days_edge_cases():
    assert services.status_update_days(dt.date(2026, 1, 1), dt.date(2026, 1, 2)) == []
    assert services.status_update_days(dt.date(2026, 1, 1), dt.date(2026, 1, 8)) == [
        dt.date(2026, 1, 4)
    ]


def test_notices_before_the_promised_date(add_step, buyer):
    add_step(
        anchor="promised_date", offset=-1, channel="sms", performer="system", template_slug="x"
    )
    add_step(
        anchor="promised_date",
        offset=9,
        offset_unit="hours",
        channel="sms",
        performer="system",
        template_slug="y",
    )

    make_order(buyer, placed_at=at(2026, 11, 23, 11), promised_date=dt.date(2026, 11, 26))

    assert sorted(t.due_at for t in Touchpoint.objects.all()) == [
        at(2026, 11, 25, 10),  # "ready tomorrow", the day before
        at(2026, 11, 26, 10),  # the morning reminder, moved into daytime
    ]


def test_a_promised_date_that_moves_replans(add_step, buyer):
    add_step(
        anchor="promised_date", offset=-1, channel="sms", performer="system", template_slug="x"
    )
    order = make_order(buyer, placed_at=at(2026, 11, 23, 11), promised_date=dt.date(2026, 11, 26))

    client_services.order_set_promised_date(
        order=order, promised_date=dt.date(2026, 12, 4), by=None
    )

    rows = {(t.status, t.due_at) for t in Touchpoint.objects.all()}
    assert rows == {
        (TouchpointStatus.CANCELLED, at(2026, 11, 25, 10)),
        (TouchpointStatus.PLANNED, at(2026, 12, 3, 10)),
    }
    # Moving it back plans that date again rather than colliding with the cancelled row.
    client_services.order_set_promised_date(
        order=order, promised_date=dt.date(2026, 11, 26), by=None
    )
    assert Touchpoint.objects.filter(status="planned").get().due_at == at(2026, 11, 25, 10)


def test_a_cancelled_order_cancels_its_future_touchpoints(add_step, buyer):
    add_step(anchor="order_placed", offset=2, channel="call")
    add_step(
        anchor="promised_date", offset=-1, channel="sms", performer="system", template_slug="x"
    )
    order = make_order(buyer, placed_at=at(2026, 11, 23, 11), promised_date=dt.date(2026, 12, 4))
    other = make_order(buyer, placed_at=at(2026, 11, 23, 11, 30))
    assert Touchpoint.objects.filter(status="planned").count() == 3

    client_services.order_record_event(order=order, type="cancelled", at=NOW, by=None)

    assert set(Touchpoint.objects.filter(order=order).values_list("status", flat=True)) == {
        TouchpointStatus.CANCELLED
    }
    assert Touchpoint.objects.get(order=other).status == TouchpointStatus.PLANNED


def test_delivery_ends_the_status_updates(add_step, buyer):
    add_step(
        anchor="promised_date", kind="status_series", channel="call", performer="sales_manager"
    )
    order = make_order(buyer, placed_at=at(2026, 11, 23, 11), promised_date=dt.date(2027, 1, 8))

    deliver(order, NOW)

    assert not Touchpoint.objects.filter(status="planned").exists()


def test_a_refusal_plans_a_win_back_and_drops_the_open_lead_calls(add_step, sales):
    lead = make_client(originator=sales)
    open_call = Touchpoint.objects.create(
        client=lead,
        anchor_key="manual",
        due_at=NOW + dt.timedelta(days=2),
        channel="call",
        assignee=sales,
        purpose="Agreed next contact",
    )
    add_step(
        anchor="refusal", offset=3, offset_unit="months", channel="call", performer="sales_manager"
    )

    client_services.refusal_record(client=lead, reason="price", by=sales)

    open_call.refresh_from_db()
    assert open_call.status == TouchpointStatus.CANCELLED
    win_back = Touchpoint.objects.get(status="planned")
    assert win_back.due_at == at(2027, 2, 24, 10)  # 23 February is a holiday
    assert win_back.assignee == sales


def test_the_handoff_and_a_stage_plan_their_steps(add_step, sales, account):
    add_step(anchor="handoff", offset=1, channel="call")
    add_step(anchor="stage_reached", anchor_stage="client", offset=0, channel="call")
    client = make_client(originator=sales)

    make_order(client, placed_at=at(2026, 11, 20, 10))
    assert Touchpoint.objects.filter(anchor_key__startswith="handoff:").count() == 1
    stage_key = f"client:{client.pk}:stage:client"
    assert not Touchpoint.objects.filter(anchor_key=stage_key).exists()

    make_order(client, placed_at=at(2026, 11, 22, 10))
    assert Touchpoint.objects.filter(anchor_key=stage_key).count() == 1


def test_archived_clients_get_no_new_touchpoints(add_step, buyer, sales):
    add_step(anchor="order_placed", offset=1, channel="call")
    client_services.client_archive(client=buyer, by=sales)

    make_order(buyer, placed_at=at(2026, 11, 23, 10))

    assert not Touchpoint.objects.exists()


def test_yearly_dates_go_to_the_right_audience_once(add_step, sales, account):
    add_step(
        anchor="yearly_date",
        month=12,
        day=29,
        channel="email",
        performer="system",
        template_slug="hello",
        audience="buyers",
    )
    add_step(
        anchor="yearly_date",
        month=12,
        day=27,
        channel="email",
        performer="system",
        template_slug="hello",
        audience="buyers_of_year",
        slug="year-end",
    )
    old_buyer = make_client(originator=sales)
    make_order(old_buyer, placed_at=at(2025, 6, 1, 12))
    new_buyer = make_client(originator=sales)
    make_order(new_buyer, placed_at=at(2026, 6, 1, 12))
    make_client(originator=sales)  # a lead: no greetings

    assert services.plan_yearly(today=dt.date(2026, 12, 1)) == 0  # not within 14 days yet
    created = services.plan_yearly(today=dt.date(2026, 12, 20))
    again = services.plan_yearly(today=dt.date(2026, 12, 21))

    assert created == 3 and again == 0
    year_end = Touchpoint.objects.filter(step__slug="year-end")
    assert list(year_end.values_list("client", flat=True)) == [new_buyer.pk]
    assert year_end.get().due_at == at(2026, 12, 27, 10)


def test_a_yearly_step_plans_its_next_year_after_its_turn(add_step, buyer):
    add_step(anchor="order_delivered", offset=1, offset_unit="years", kind="yearly", channel="post")
    order = make_order(buyer, placed_at=at(2026, 11, 20, 10))
    deliver(order, NOW)
    first = Touchpoint.objects.get()
    assert first.due_at == at(2027, 11, 23, 10)

    assert services.plan_yearly(today=dt.date(2026, 11, 24)) == 0  # not had its turn yet
    Touchpoint.objects.update(status=TouchpointStatus.DONE)
    services.plan_yearly(today=dt.date(2027, 11, 24))
    services.plan_yearly(today=dt.date(2027, 11, 25))

    second = Touchpoint.objects.get(occurrence=1)
    assert second.due_at == at(2028, 11, 23, 10)
    assert Touchpoint.objects.count() == 2


def test_calls_left_undone_become_missed(add_step, buyer, settings):
    settings.MISSED_AFTER_DAYS = 7
    old = Touchpoint.objects.create(
        client=buyer,
        anchor_key="m1",
        channel="call",
        purpose="x",
        due_at=NOW - dt.timedelta(days=8),
    )
    recent = Touchpoint.objects.create(
        client=buyer,
        anchor_key="m2",
        channel="call",
        purpose="x",
        due_at=NOW - dt.timedelta(days=2),
    )

    assert services.mark_missed_calls() == 1

    old.refresh_from_db()
    recent.refresh_from_db()
    assert old.status == TouchpointStatus.MISSED
    assert recent.status == TouchpointStatus.PLANNED
    assert timezone.now() == NOW
