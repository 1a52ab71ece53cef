"""No pile-ups: the calendar pushes calls planned over the New Year and May holidays onto the
first working day, and there they merge into one per order a day; the steps about the
relationship (the six-month call, the yearly letter) are planned once per client."""

import datetime as dt
import zoneinfo
from collections import Counter

import pytest
import time_machine

from clients import services as client_services
from tests.clients.factories import make_client, make_order
from touchpoints.models import CadenceStep, Touchpoint, TouchpointStatus
from touchpoints.services import status_update_days

MSK = zoneinfo.ZoneInfo("Europe/Moscow")

# The first day of each stretch of holidays, and the first day in whose run-up an order placed
# `lead` days before its promised date has its status calls fall on holidays.
HOLIDAYS = [
    dt.date(2026, 12, 31),  # New Year 2027
    dt.date(2027, 4, 30),  # May 2027
    dt.date(2027, 12, 31),  # New Year 2028
    dt.date(2028, 4, 29),  # May 2028
]


@pytest.fixture
def buyer(sales, account):
    client = make_client(originator=sales, name="Olga", phones=["+7 912 111-22-33"])
    for channel in ("email", "sms", "call", "post"):
        client_services.consent_record(
            client=client, channel=channel, granted=True, method="in_person"
        )
    return client


def status_calls(order) -> list[Touchpoint]:
    return list(
        Touchpoint.objects.filter(order=order, step__slug="status-updates")
        .exclude(status=TouchpointStatus.CANCELLED)
        .order_by("due_at")
    )


def local_days(touchpoints) -> Counter:
    return Counter(t.due_at.astimezone(MSK).date() for t in touchpoints)


def notices(order) -> dict[str, dt.date]:
    rows = Touchpoint.objects.filter(
        order=order, step__slug__in=["ready-tomorrow", "pickup-reminder"]
    ).exclude(status=TouchpointStatus.CANCELLED)
    return {t.step.slug: t.due_at.astimezone(MSK).date() for t in rows.select_related("step")}


@pytest.mark.parametrize("holiday", HOLIDAYS, ids=lambda day: f"{day:%Y-%m}")
@pytest.mark.parametrize("lead", [7, 20, 45, 90])
def test_it_plans_at_most_one_status_call_a_day_across_the_holidays(buyer, holiday, lead):
    # Placed so that the holidays fall between the order and its promised date.
    promised = holiday + dt.timedelta(days=max(lead // 2, 10))
    placed = dt.datetime.combine(promised - dt.timedelta(days=lead), dt.time(11), tzinfo=MSK)
    with time_machine.travel(placed, tick=False):
        order = make_order(buyer, placed_at=placed, promised_date=promised)

    calls = status_calls(order)
    assert max(local_days(calls).values(), default=1) == 1
    assert all(t.due_at.astimezone(MSK).date() < promised for t in calls)
    # The day-before and day-of notices stay, on their days.
    assert notices(order) == {
        "ready-tomorrow": promised - dt.timedelta(days=1),
        "pickup-reminder": promised,
    }


def test_an_order_of_4_december_gets_one_status_call_on_11_january(buyer):
    placed = dt.datetime(2026, 12, 4, 11, tzinfo=MSK)
    with time_machine.travel(placed, tick=False):
        order = make_order(buyer, placed_at=placed, promised_date=dt.date(2027, 1, 18))

    calls = status_calls(order)
    assert local_days(calls)[dt.date(2027, 1, 11)] == 1
    # Several were due over the holidays; the one kept is the one nearest to delivery.
    days = status_update_days(dt.date(2026, 12, 4), dt.date(2027, 1, 18))
    pushed = [i for i, day in enumerate(days) if dt.date(2027, 1, 1) <= day <= dt.date(2027, 1, 11)]
    assert len(pushed) > 1
    on_the_day = [t for t in calls if t.due_at.astimezone(MSK).date() == dt.date(2027, 1, 11)]
    assert on_the_day[0].occurrence == max(pushed)


@pytest.mark.parametrize("holiday", HOLIDAYS, ids=lambda day: f"{day:%Y-%m}")
def test_a_moved_promised_date_replans_without_pile_ups_and_keeps_what_was_done(buyer, holiday):
    placed = dt.datetime.combine(holiday - dt.timedelta(days=30), dt.time(11), tzinfo=MSK)
    with time_machine.travel(placed, tick=False):
        order = make_order(buyer, placed_at=placed, promised_date=holiday - dt.timedelta(days=2))
    first = status_calls(order)[0]
    Touchpoint.objects.filter(pk=first.pk).update(status=TouchpointStatus.DONE)

    moved_to = holiday + dt.timedelta(days=20)
    with time_machine.travel(first.due_at + dt.timedelta(hours=1), tick=False):
        client_services.order_set_promised_date(
            order=order, promised_date=moved_to, by=None, reason="factory late"
        )

    calls = status_calls(order)
    assert first.pk in {t.pk for t in calls}
    assert max(local_days(calls).values()) == 1
    assert all(t.due_at.astimezone(MSK).date() < moved_to for t in calls)
    assert notices(order) == {
        "ready-tomorrow": moved_to - dt.timedelta(days=1),
        "pickup-reminder": moved_to,
    }


def test_calls_of_any_cadence_that_land_on_one_day_merge(add_step, buyer):
    # Two calls two days apart, both pushed over the New Year holidays onto 11 January.
    add_step(slug="a", anchor="order_placed", offset=2, channel="call")
    add_step(slug="b", anchor="order_placed", offset=4, channel="call")
    add_step(
        slug="c",
        anchor="order_placed",
        offset=2,
        channel="sms",
        performer="system",
        template_slug="x",
    )
    placed = dt.datetime(2026, 12, 31, 11, tzinfo=MSK)
    with time_machine.travel(placed, tick=False):
        order = make_order(buyer, placed_at=placed)

    planned = Touchpoint.objects.filter(order=order).select_related("step")
    assert sorted((t.step.slug, t.due_at.astimezone(MSK).date()) for t in planned) == [
        ("b", dt.date(2027, 1, 11)),
        ("c", dt.date(2027, 1, 2)),  # a message is not merged: it goes on its day
    ]


def test_a_repeat_buyer_gets_one_six_month_call_and_one_yearly_letter(buyer):
    now = dt.datetime(2027, 3, 1, 11, tzinfo=MSK)
    with time_machine.travel(now, tick=False):
        first = make_order(buyer, placed_at=now - dt.timedelta(days=20))
        second = make_order(buyer, placed_at=now - dt.timedelta(days=11))
        client_services.order_record_event(
            order=first, type="delivered", at=now - dt.timedelta(days=9), by=None
        )
        client_services.order_record_event(order=second, type="delivered", at=now, by=None)

    for slug in ("month-6-call", "yearly-letter"):
        rows = Touchpoint.objects.filter(client=buyer, step__slug=slug)
        assert rows.count() == 1, slug
        only = rows.get()
        assert only.order == first
        assert str(second) in only.talking_points
    # Calls about each order itself stay per order.
    assert Touchpoint.objects.filter(client=buyer, step__slug="day-3-call").count() == 2


def test_the_default_steps_say_whether_they_are_per_order_or_per_client(db):
    per_client = set(
        CadenceStep.objects.filter(scope=CadenceStep.Scope.CLIENT).values_list("slug", flat=True)
    )
    assert per_client == {
        "month-3-card",
        "month-6-call",
        "yearly-letter",
        "new-year",
        "spring-day",
        "year-end-letter",
    }
    assert not CadenceStep.objects.filter(scope=CadenceStep.Scope.CLIENT, scope_window_days=0)
