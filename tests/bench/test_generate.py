"""The benchmark's data generator (bench/generate.py) plans touchpoints by the planner's own
rules: for every order it writes, the touchpoints of the default cadences' steps (step, anchor
key, occurrence, due time) are those the services plan for the same order recorded through
clients.services, event by event, each at its own time, with the other orders of its client
(no pile-ups on one day; the steps planned once per client go to one order of the window)."""

import datetime as dt
import zoneinfo
from decimal import Decimal
from itertools import groupby

import pytest

from bench.generate import (
    STEPS,
    Dialect,
    OrderFacts,
    OrderPlanner,
    Scale,
    generate,
    load_steps,
)
from clients import services as client_services
from clients.models import Client, Order, OrderEvent, OrderStatus
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


def replayed(orders: list[Order], clock) -> dict[int, Order]:
    """A client's orders recorded through the services for one new client, every event of
    them at its own time, in the order they happened; the twins by the orders' ids."""
    client = orders[0].client
    twin_client = make_client(name=f"Twin of {client.pk}", time_zone=client.time_zone)
    events = OrderEvent.objects.filter(order__in=orders).select_related("order")
    twins: dict[int, Order] = {}
    for event in events.order_by("at", "id"):
        clock.move_to(event.at)
        order = event.order
        if event.type == OrderStatus.PLACED:
            twins[order.pk] = client_services.order_record(
                client=twin_client,
                amount=order.amount,
                placed_at=order.placed_at,
                promised_date=order.promised_date,
                by=None,
            ).order
        else:
            client_services.order_record_event(
                order=twins[order.pk], type=event.type, at=event.at, by=None
            )
    return twins


@pytest.fixture
def generated_orders(clock, db) -> list[Order]:
    clock.move_to(NOW)
    # Forty touchpoints an order: more than the cadences plan, so every planned one is written.
    generate(Scale(clients=6, orders=ORDERS, touchpoints=ORDERS * 40), force=True, seed=11)
    return list(Order.objects.select_related("client").order_by("client_id", "id"))


def test_every_generated_order_has_the_touchpoints_the_services_plan(generated_orders, clock):
    assert len(generated_orders) == ORDERS
    compared = set()
    merged_status_updates = once_for_two_orders = 0
    for _client, group in groupby(generated_orders, key=lambda order: order.client_id):
        orders = list(group)
        twins = replayed(orders, clock)
        yearly_letters = 0
        for order in orders:
            ours = planned(order)

            theirs = planned(twins[order.pk])

            assert ours == theirs, (
                f"order {order.pk} ({order.status}, {order.client.time_zone}): "
                f"only the generator's {sorted(set(ours) - set(theirs))}, "
                f"only the services' {sorted(set(theirs) - set(ours))}"
            )
            compared.update(slug for slug, *_ in ours)
            occurrences = [
                occurrence for slug, _, occurrence, _ in ours if slug == "status-updates"
            ]
            merged_status_updates += len(occurrences) < max(occurrences, default=-1) + 1
            yearly_letters += any(slug == "yearly-letter" for slug, *_ in ours)
        delivered = sum(order.status == OrderStatus.DELIVERED for order in orders)
        once_for_two_orders += 0 < yearly_letters < delivered
    # Every step the generator writes was compared at least once (a delivered order among them),
    # and so were both rules: status updates merged on one day, and a client with two
    # delivered orders and one yearly letter.
    assert sorted(compared) == GENERATED_STEPS
    assert merged_status_updates
    assert once_for_two_orders


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


@pytest.mark.parametrize("returned_day", [10, 20], ids=["returned-before", "returned-after"])
def test_it_plans_a_once_per_client_step_again_only_after_a_return_cancelled_it(
    returned_day, clock, db
):
    # The first order is delivered on 3 February and returned; the second is delivered on the
    # 16th. Returned before that, its letters and its six-month call are cancelled, and the
    # second order plans its own; returned after, the client has none from either.
    first_placed, first_delivered = at(2026, 1, 12, 10), at(2026, 2, 3, 12)
    second_placed, second_delivered = at(2026, 1, 26, 10), at(2026, 2, 16, 12)
    returned = at(2026, 2, returned_day, 12)
    client = make_client(name="Returns one", time_zone="Europe/Moscow")
    happenings = sorted(
        [
            (first_placed, "first", OrderStatus.PLACED, dt.date(2026, 2, 2)),
            (first_delivered, "first", OrderStatus.DELIVERED, None),
            (returned, "first", OrderStatus.RETURNED, None),
            (second_placed, "second", OrderStatus.PLACED, dt.date(2026, 2, 14)),
            (second_delivered, "second", OrderStatus.DELIVERED, None),
        ],
        key=lambda happening: happening[0],
    )
    orders: dict[str, Order] = {}
    for moment, name, status, promised in happenings:
        clock.move_to(moment)
        if status == OrderStatus.PLACED:
            orders[name] = client_services.order_record(
                client=client,
                amount=Decimal(1000),
                placed_at=moment,
                promised_date=promised,
                by=None,
            ).order
        else:
            client_services.order_record_event(order=orders[name], type=status, at=moment, by=None)
    delivered = {"first": first_delivered, "second": second_delivered}
    facts = [
        OrderFacts(
            id=order.pk,
            placed=int(order.placed_at.timestamp()),
            promised=order.promised_date,
            delivered=int(delivered[name].timestamp()),
            ended=int(returned.timestamp()) if name == "first" else None,
        )
        for name, order in orders.items()
    ]
    slugs = {key: slug for key, (_cadence, slug) in STEPS.items()}

    plans = OrderPlanner(load_steps(Dialect("sqlite"))).plan_client("Europe/Moscow", facts)

    for order in orders.values():
        plan, first = plans[order.pk]
        ours = sorted(
            (
                slugs[key],
                anchor_key.replace(f"order:{order.pk}:", "order:<id>:"),
                occurrence,
                dt.datetime.fromtimestamp(due, dt.UTC),
            )
            for key, anchor_key, occurrence, due, _created in [*plan, first]
        )
        assert ours == planned(order)
    second = planned(orders["second"])
    assert ("yearly-letter" in {slug for slug, *_ in second}) == (returned < second_delivered)
