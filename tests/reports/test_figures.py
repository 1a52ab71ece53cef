"""Every report figure on a small data set computed by hand (period: November 2026).

Clients, all brought by the sales manager S, all handed to the account manager A:
  c1  bought 10 Sep and 5 Nov (second purchase in November, 56 days later)
  c2  bought 3 Nov (came in that day), delivered 7 Nov, promised 5 Nov: late
  c3  bought 1 Oct and 20 Oct
  c4  came in 2 Nov; its 10 Nov order was cancelled
  c5  came in 4 Nov, bought 12 Nov; c1 referred c5 on 2 Nov
  c6  refused on 15 Nov (price)
c1's November order was promised for 10 Nov and delivered 9 Nov: on time.
"""

import datetime as dt
from decimal import Decimal

import pytest
import time_machine

from clients import services as client_services
from clients.models import CommissionRule, Order, OrderStatus, PromisedDateChange
from reports import selectors
from reports.selectors import Period
from tests.clients.factories import make_client
from tests.helpers import MSK
from touchpoints.models import Cadence, CallAttempt, Touchpoint

NOVEMBER = Period.from_dates(dt.date(2026, 11, 1), dt.date(2026, 11, 30))
NOW = dt.datetime(2026, 12, 1, 9, tzinfo=MSK)


def at(month: int, day: int, hour: int = 12) -> dt.datetime:
    return dt.datetime(2026, month, day, hour, tzinfo=MSK)


def order(client, when, promised=None, delivered=None, amount="1000.00", by=None):
    with time_machine.travel(when, tick=False):
        placed = client_services.order_record(
            client=client, amount=Decimal(amount), placed_at=when, promised_date=promised, by=by
        ).order
    if delivered:
        with time_machine.travel(delivered, tick=False):
            client_services.order_record_event(order=placed, type="delivered", at=delivered, by=by)
    return placed


@pytest.fixture
def world(sales, account):
    Cadence.objects.update(is_active=False)
    CommissionRule.objects.create(percentage=Decimal("10"), effective_from=dt.date(2026, 1, 1))
    people = {}
    with time_machine.travel(at(9, 1), tick=False):
        for name in ("c1", "c2", "c3", "c4", "c5", "c6"):
            people[name] = make_client(originator=sales, account_manager=account, name=name)
    order(people["c1"], at(9, 10))
    order(
        people["c1"],
        at(11, 5),
        promised=dt.date(2026, 11, 10),
        delivered=at(11, 9),
        amount="2000.00",
    )
    order(people["c2"], at(11, 3), promised=dt.date(2026, 11, 5), delivered=at(11, 7))
    order(people["c3"], at(10, 1))
    order(people["c3"], at(10, 20))
    with time_machine.travel(at(11, 2), tick=False):
        client_services.client_update(client=people["c4"], by=sales, visited_at=at(11, 2))
        client_services.referral_record(referrer=people["c1"], referred=people["c5"], by=sales)
    cancelled = order(people["c4"], at(11, 10))
    with time_machine.travel(at(11, 11), tick=False):
        client_services.order_record_event(
            order=cancelled, type="cancelled", at=at(11, 11), by=sales
        )
    with time_machine.travel(at(11, 4), tick=False):
        client_services.client_update(client=people["c5"], by=sales, visited_at=at(11, 4))
    order(people["c5"], at(11, 12))
    with time_machine.travel(at(11, 15), tick=False):
        client_services.refusal_record(client=people["c6"], reason="price", by=sales)

    # Touchpoints A owes in November: on time, late, still open, cancelled.
    def owed(day, status, closed=None):
        return Touchpoint.objects.create(
            client=people["c1"],
            anchor_key=f"t{day}",
            due_at=at(11, day, 10),
            channel="call",
            assignee=account,
            purpose="Call",
            status=status,
            closed_at=closed,
        )

    t1 = owed(5, "done", at(11, 5, 15))
    owed(6, "done", at(11, 8))
    owed(7, "planned")
    owed(8, "cancelled", at(11, 8))
    for upsell, cross_sell in (("accepted", "declined"), ("declined", ""), ("", "")):
        CallAttempt.objects.create(
            touchpoint=t1,
            client=people["c1"],
            outcome="reached",
            upsell=upsell,
            cross_sell=cross_sell,
            at=at(11, 5, 15),
            recorded_by=account,
        )
    return people


def test_repeat_purchases(world):
    figures = selectors.repeat_purchases(NOVEMBER)

    assert (figures.buyers, figures.repeat_buyers, figures.rate) == (4, 2, 50.0)
    assert figures.days_to_second == 56.0


def test_cohorts(world):
    table = selectors.cohorts(Period.from_dates(dt.date(2026, 9, 1), dt.date(2026, 11, 30)))

    assert [(row["month"].month, row["buyers"]) for row in table] == [(9, 1), (10, 1), (11, 2)]
    september, october, november = (row["shares"] for row in table)
    assert september[:3] == [0.0, 100.0, 100.0]  # c1 came back in the second month
    assert october[0] == 100.0  # c3 bought again in the same month
    assert november == [0.0] * 12


def test_funnel(world):
    figures = selectors.funnel(NOVEMBER)

    assert dict((stage, n) for stage, _label, n in figures["by_stage"]) == {
        "prospect": 1,
        "visitor": 1,
        "buyer": 2,
        "client": 1,
        "advocate": 1,
    }
    assert (figures["visitors"], figures["converted"], figures["conversion_rate"]) == (3, 2, 66.7)
    assert (figures["won"], figures["refused"], figures["closure_rate"]) == (2, 1, 66.7)
    entries = dict((stage, n) for stage, _label, n in figures["entries"])
    # In November: c4 and c5 became visitors; c2 and c5 buyers (c4 too, until it was
    # cancelled and fell back to visitor); c1 a client, then an advocate when c5 bought.
    assert entries == {"prospect": 0, "visitor": 3, "buyer": 3, "client": 1, "advocate": 1}


def test_on_time_delivery(world):
    assert selectors.on_time_delivery(NOVEMBER) == {
        "delivered": 2,
        "on_time": 1,
        "moved": 0,
        "rate": 50.0,
    }


def test_on_time_delivery_counts_against_the_date_promised_first(world):
    on_time = Order.objects.filter(
        status=OrderStatus.DELIVERED, promised_date__isnull=False, delivered_at__month=11
    )
    # The on-time order's date was moved later: it was still late against the first promise.
    order = next(o for o in on_time if o.delivered_at.date() <= o.first_promised_date)
    Order.objects.filter(pk=order.pk).update(
        first_promised_date=order.delivered_at.date() - dt.timedelta(days=3)
    )
    PromisedDateChange.objects.create(
        order=order,
        at=order.placed_at,
        old_date=order.delivered_at.date() - dt.timedelta(days=3),
        new_date=order.promised_date,
    )

    assert selectors.on_time_delivery(NOVEMBER) == {
        "delivered": 2,
        "on_time": 0,
        "moved": 1,
        "rate": 0.0,
    }


def test_discipline(world, account, other_account):
    figures = selectors.discipline(NOVEMBER, NOW)

    assert (figures["due"], figures["on_time"], figures["rate"], figures["overdue"]) == (
        3,
        1,
        33.3,
        1,
    )
    [row] = figures["by_manager"]
    assert (row["assignee"], row["due"], row["done"], row["on_time"], row["overdue"]) == (
        account.pk,
        3,
        2,
        1,
        1,
    )
    assert selectors.discipline(NOVEMBER, NOW, manager=other_account)["due"] == 0


def test_offers_refusals_referrals(world):
    assert selectors.offers(NOVEMBER) == {
        "upsell_offered": 2,
        "upsell_accepted": 1,
        "upsell_rate": 50.0,
        "cross_sell_offered": 1,
        "cross_sell_accepted": 0,
        "cross_sell_rate": 0.0,
    }
    assert [(reason, n) for reason, _label, n in selectors.refusal_reasons(NOVEMBER)] == [
        ("sales", 0),
        ("production", 0),
        ("product", 0),
        ("price", 1),
        ("other", 0),
    ]
    assert selectors.referrals(NOVEMBER) == {"recorded": 1, "converted": 1}


def test_commissions(world, sales):
    [row] = selectors.commissions(NOVEMBER)

    assert (row["sales_manager"], row["orders"], row["amount"], row["sales"]) == (
        sales.pk,
        1,
        Decimal("200.00"),
        Decimal("2000.00"),
    )
    # c3's second purchase was credited in October, not in November.
    october = selectors.commissions(Period.from_dates(dt.date(2026, 10, 1), dt.date(2026, 10, 31)))
    assert [(r["orders"], r["amount"]) for r in october] == [(1, Decimal("100.00"))]


def test_the_previous_period_has_the_same_length():
    previous = NOVEMBER.previous
    assert (previous.first_day, previous.last_day) == (dt.date(2026, 10, 2), dt.date(2026, 10, 31))


def test_headline_and_a_manager_filter(world, account, other_account):
    figures = selectors.headline(NOVEMBER, NOW)
    assert (figures["repeat_purchase_rate"], figures["closure_rate"], figures["commissions"]) == (
        50.0,
        66.7,
        Decimal("200.00"),
    )
    assert selectors.headline(NOVEMBER, NOW, manager=other_account)["repeat_purchase_rate"] is None
