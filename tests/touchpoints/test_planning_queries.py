"""Planning one order (placed, then delivered) with the default cadences makes the same number
of queries however many steps the cadences have: no query a touchpoint. The active steps are
kept in the process, and a step or cadence saved is seen by the next plan."""

import datetime as dt
import itertools

from django.utils import timezone

from clients import services as client_services
from clients.models import OrderStatus
from tests.clients.factories import make_client, make_order
from tests.helpers import assert_queries_flat
from touchpoints.models import Anchor, Cadence, CadenceStep, Touchpoint

# The shapes of the steps added: each anchor of an order, once per order and once per client.
SHAPES = itertools.cycle(
    [
        {"anchor": Anchor.ORDER_PLACED, "offset": 2, "channel": "call"},
        {"anchor": Anchor.ORDER_DELIVERED, "offset": 3, "channel": "call", "scope": "client"},
        {"anchor": Anchor.ORDER_DELIVERED, "offset": 10, "channel": "post"},
        {"anchor": Anchor.PROMISED_DATE, "offset": -5, "channel": "call"},
        {"anchor": Anchor.ORDER_DELIVERED, "offset": 20, "channel": "call"},
    ]
)


def test_it_plans_an_order_in_the_same_queries_whatever_the_number_of_steps(sales, account):
    cadence = Cadence.objects.get(slug="after-sale")
    added = itertools.count()

    def add_steps(count: int) -> None:
        for _ in range(count):
            number = next(added)
            CadenceStep.objects.create(
                cadence=cadence,
                slug=f"perf-{number}",
                position=100 + number,
                performer="account_manager",
                purpose="An added step",
                # A week apart, so that no two of them fall on the same day.
                **{**next(SHAPES), "offset_unit": "weeks"},
            )

    def plan_one_order() -> int:
        client = make_client(originator=sales, account_manager=account, email="c@example.com")
        now = timezone.now()
        order = make_order(
            client,
            placed_at=now - dt.timedelta(hours=2),
            promised_date=(now + dt.timedelta(days=40)).date(),
            by=sales,
        )
        client_services.order_record_event(
            order=order, type=OrderStatus.DELIVERED, at=now, by=sales
        )
        return Touchpoint.objects.filter(order=order).count()

    plan_one_order()  # the caches of a first call (content types, the holidays) filled

    flat = assert_queries_flat(add_steps, plan_one_order, n=2, many=12)

    assert flat.many > flat.few


def test_it_sees_a_step_switched_off_at_once(add_step, sales, account, settings):
    settings.CADENCE_CACHE_SECONDS = 3600
    step = add_step(anchor=Anchor.ORDER_PLACED, offset=2, offset_unit="days", channel="call")
    client = make_client(originator=sales, account_manager=account)
    first = make_order(client, external_id="A", by=sales)

    step.is_active = False
    step.save()
    second = make_order(client, external_id="B", by=sales)
    step.cadence.steps.create(
        slug="later", anchor=Anchor.ORDER_PLACED, offset=3, channel="call", purpose="Later"
    )
    third = make_order(client, external_id="C", by=sales)

    assert Touchpoint.objects.filter(order=first).count() == 1
    assert not Touchpoint.objects.filter(order=second).exists()
    assert Touchpoint.objects.get(order=third).step.slug == "later"
