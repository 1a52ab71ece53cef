"""The benchmark's data generator (bench/generate.py) plans touchpoints by the planner's own
rules: for every order it writes, the touchpoints of the default cadences' steps (step, anchor
key, occurrence, due time) are those the services plan for the same order recorded through
clients.services, event by event, each at its own time."""

import zoneinfo

import pytest

from bench.generate import STEPS, Dialect, OrderPlanner, Scale, generate, load_steps
from clients import services as client_services
from clients.models import Client, Order, OrderStatus
from tests.clients.factories import make_client
from tests.helpers import at
from touchpoints.models import Touchpoint
from touchpoints.services import step_due_at

NOW = at(2026, 11, 24, 12)  # the generator's "now": its orders go 18 months back from here
ORDERS = 12
GENERATED_STEPS = sorted(slug for _cadence, slug in STEPS.values())


def planned(order: Order) -> list[tuple]:
    """The order's touchpoints of the generator's steps, with its id out of the keys."""
    rows = Touchpoint.objects.filter(order=order, step__slug__in=GENERATED_STEPS)
    return sorted(
        (
            row.step.slug,
            row.anchor_key.replace(f"order:{order.pk}:", "order:<id>:"),
            row.occurrence,
            row.due_at,
        )
        for row in rows.select_related("step")
    )


def replayed(order: Order, clock) -> Order:
    """The same order recorded through the services, each event at its own time."""
    clock.move_to(order.placed_at)
    twin = client_services.order_record(
        client=make_client(name=f"Twin of {order.client_id}", time_zone=order.client.time_zone),
        amount=order.amount,
        placed_at=order.placed_at,
        promised_date=order.promised_date,
        by=None,
    ).order
    for event in order.events.exclude(type=OrderStatus.PLACED).order_by("at", "id"):
        clock.move_to(event.at)
        client_services.order_record_event(order=twin, type=event.type, at=event.at, by=None)
    return twin


@pytest.fixture
def generated_orders(clock, db) -> list[Order]:
    clock.move_to(NOW)
    # Forty touchpoints an order: more than the cadences plan, so every planned one is written.
    generate(Scale(clients=6, orders=ORDERS, touchpoints=ORDERS * 40), force=True, seed=11)
    return list(Order.objects.select_related("client").order_by("id"))


def test_every_generated_order_has_the_touchpoints_the_services_plan(generated_orders, clock):
    assert len(generated_orders) == ORDERS
    compared = set()
    for order in generated_orders:
        ours = planned(order)

        theirs = planned(replayed(order, clock))

        assert ours == theirs, (
            f"order {order.pk} ({order.status}, {order.client.time_zone}): "
            f"only the generator's {sorted(set(ours) - set(theirs))}, "
            f"only the services' {sorted(set(theirs) - set(ours))}"
        )
        compared.update(slug for slug, *_ in ours)
    # Every step the generator writes was compared at least once (a delivered order among them).
    assert sorted(compared) == GENERATED_STEPS


def test_the_planner_times_a_step_counted_in_days_by_its_local_date_alone(db):
    # It computes such a step once a local date: right only while step_due_at says so.
    steps = load_steps(Dialect("sqlite"))
    planner = OrderPlanner(steps)
    by_day = [key for key, step in steps.items() if step.by_day]
    assert by_day
    for key in by_day:
        for zone in ("Europe/Moscow", "Asia/Vladivostok"):
            client = Client(time_zone=zone)
            for hour in (0, 11, 23):
                anchor = at(2026, 11, 20, hour, 30, tz=zoneinfo.ZoneInfo(zone))
                expected = step_due_at(step=steps[key].model, anchor_at=anchor, client=client)
                due = planner.due(key, zone, int(anchor.timestamp()))
                assert due == int(expected.timestamp()), (key, zone, hour)
