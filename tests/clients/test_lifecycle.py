"""The stage follows the facts: first purchase, second purchase, cancellation, return,
referral, and events that arrive out of order."""

import datetime as dt
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from clients import services
from clients.models import Order, OrderEvent, OrderStatus, Stage, StageChange
from tests.clients.factories import make_client, make_order

DAY = dt.timedelta(days=1)


def stages(client) -> list[tuple[str, str]]:
    return list(
        StageChange.objects.filter(client=client)
        .order_by("at", "id")
        .values_list("from_stage", "to_stage")
    )


def test_a_new_lead_is_a_prospect_and_a_visit_makes_a_visitor(sales):
    client = make_client(originator=sales)
    assert client.stage == Stage.PROSPECT

    services.client_update(client=client, by=sales, visited_at=timezone.now())

    assert client.stage == Stage.VISITOR
    assert stages(client) == [("", Stage.PROSPECT), (Stage.PROSPECT, Stage.VISITOR)]


def test_the_first_purchase_makes_a_buyer(sales, account):
    client = make_client(originator=sales)

    make_order(client, by=sales)

    client.refresh_from_db()
    assert client.stage == Stage.BUYER
    assert client.visited_at is not None
    assert stages(client)[-1] == (Stage.PROSPECT, Stage.BUYER)


def test_the_second_purchase_makes_a_client(sales, account):
    client = make_client(originator=sales)
    make_order(client, placed_at=timezone.now() - 10 * DAY)
    make_order(client)

    client.refresh_from_db()
    assert client.stage == Stage.CLIENT


def test_cancelling_the_second_purchase_moves_the_client_back(sales, account):
    client = make_client(originator=sales)
    make_order(client, placed_at=timezone.now() - 10 * DAY)
    second = make_order(client)

    services.order_record_event(
        order=second, type=OrderStatus.CANCELLED, at=timezone.now(), by=sales
    )

    client.refresh_from_db()
    assert client.stage == Stage.BUYER
    assert stages(client)[-2:] == [(Stage.BUYER, Stage.CLIENT), (Stage.CLIENT, Stage.BUYER)]


def test_a_returned_order_is_not_a_purchase(sales, account):
    client = make_client(originator=sales)
    order = make_order(client, placed_at=timezone.now() - 10 * DAY)
    services.order_record_event(order=order, type="delivered", at=timezone.now() - 5 * DAY, by=None)

    services.order_record_event(order=order, type="returned", at=timezone.now(), by=None)

    client.refresh_from_db()
    assert client.stage == Stage.VISITOR
    assert Order.objects.get().status == OrderStatus.RETURNED


def test_the_client_keeps_the_times_of_its_first_two_purchases(sales):
    client = make_client(originator=sales)
    first = make_order(client, placed_at=timezone.now() - 30 * DAY)
    second = make_order(client, placed_at=timezone.now() - 20 * DAY)
    third = make_order(client, placed_at=timezone.now() - 10 * DAY)
    client.refresh_from_db()
    assert (client.first_purchase_at, client.second_purchase_at) == (
        first.placed_at,
        second.placed_at,
    )

    services.order_record_event(order=first, type=OrderStatus.CANCELLED, at=timezone.now(), by=None)

    client.refresh_from_db()
    assert (client.first_purchase_at, client.second_purchase_at) == (
        second.placed_at,
        third.placed_at,
    )
    history = client.history.count()
    for order in (second, third):
        services.order_record_event(
            order=order, type=OrderStatus.CANCELLED, at=timezone.now(), by=None
        )
    client.refresh_from_db()
    assert (client.first_purchase_at, client.second_purchase_at) == (None, None)
    # Two moves back (client → buyer → visitor), a history row each; the purchase times
    # write none of their own.
    assert client.stage == Stage.VISITOR
    assert client.history.count() == history + 2


def test_a_recount_without_a_change_writes_no_history(sales):
    client = make_client(originator=sales)
    before = StageChange.objects.count()

    changed = services.client_recount_stage(client=client, reason="check")

    assert changed is False
    assert StageChange.objects.count() == before


def test_the_referrer_becomes_an_advocate_once_the_referred_person_buys(sales, account, settings):
    settings.REFERRAL_REWARD_POINTS = 300
    referrer = make_client(originator=sales)
    make_order(referrer)
    friend = make_client(originator=sales, name="Friend")

    referral = services.referral_record(referrer=referrer, referred=friend, by=sales, reward="10%")
    referrer.refresh_from_db()
    assert referrer.stage == Stage.BUYER
    assert referral.converted_at is None

    make_order(friend)

    referrer.refresh_from_db()
    referral.refresh_from_db()
    assert referrer.stage == Stage.ADVOCATE
    assert referral.converted_at is not None
    assert services.bonus_balance(client=referrer) == 300


def test_the_referrer_falls_back_when_the_referred_purchase_is_cancelled(sales, account):
    referrer = make_client(originator=sales)
    make_order(referrer)
    friend = make_client(originator=sales)
    services.referral_record(referrer=referrer, referred=friend, by=sales)
    order = make_order(friend)

    services.order_record_event(order=order, type="cancelled", at=timezone.now(), by=sales)

    referrer.refresh_from_db()
    assert referrer.stage == Stage.BUYER


def test_a_recorded_recommendation_makes_a_buyer_an_advocate(sales, account):
    client = make_client(originator=sales)
    make_order(client)

    services.client_update(client=client, by=sales, recommends=True)

    assert client.stage == Stage.ADVOCATE


def test_a_client_cannot_refer_themselves_or_be_referred_twice(sales):
    one, two, three = (make_client(originator=sales) for _ in range(3))
    with pytest.raises(ValidationError, match="themselves"):
        services.referral_record(referrer=one, referred=one, by=sales)
    services.referral_record(referrer=one, referred=two, by=sales)
    with pytest.raises(ValidationError, match="already referred"):
        services.referral_record(referrer=three, referred=two, by=sales)


# --- orders and their events ---------------------------------------------------------------


def test_the_same_external_id_records_the_order_once(sales, account):
    client = make_client(originator=sales)
    placed = timezone.now() - DAY

    first = services.order_record(
        client=client, amount=Decimal("10"), placed_at=placed, external_id="ERP-1", by=sales
    )
    second = services.order_record(
        client=client, amount=Decimal("99"), placed_at=placed, external_id=" ERP-1 ", by=sales
    )

    assert first.created is True
    assert second.created is False
    assert second.order.pk == first.order.pk
    assert Order.objects.count() == 1
    assert OrderEvent.objects.count() == 1


def test_an_external_id_is_each_clients_own(sales, account):
    first = make_order(make_client(originator=sales), external_id="ERP-7")

    second = make_order(make_client(originator=sales), external_id="ERP-7")

    assert second.pk != first.pk
    assert Order.objects.filter(external_id="ERP-7").count() == 2


def test_it_rejects_bad_order_input(sales):
    client = make_client(originator=sales)
    cases = [
        ({"amount": Decimal("-1")}, "amount"),
        ({"currency": "RUBL"}, "currency"),
        ({"placed_at": timezone.now() + 2 * DAY}, "placed_at"),
        ({"placed_at": dt.datetime(2026, 1, 1, 10, 0)}, "placed_at"),  # no time zone
    ]
    for overrides, field in cases:
        kwargs = {"amount": Decimal("5"), "placed_at": timezone.now() - DAY, **overrides}
        with pytest.raises(ValidationError) as error:
            services.order_record(client=client, by=sales, **kwargs)
        assert field in error.value.message_dict, overrides
    assert not Order.objects.exists()


def test_events_move_the_order_forward(sales):
    order = make_order(make_client(originator=sales), placed_at=timezone.now() - 5 * DAY)
    for step, offset in (("ready", 4), ("at_pickup", 3), ("delivered", 2)):
        services.order_record_event(
            order=order, type=step, at=timezone.now() - offset * DAY, by=None
        )

    order.refresh_from_db()
    assert order.status == OrderStatus.DELIVERED
    assert order.delivered_at is not None
    assert list(order.events.values_list("type", flat=True)) == [
        "placed",
        "ready",
        "at_pickup",
        "delivered",
    ]


def test_an_older_event_arriving_late_is_kept_without_moving_the_state_back(sales):
    order = make_order(make_client(originator=sales), placed_at=timezone.now() - 5 * DAY)
    services.order_record_event(order=order, type="delivered", at=timezone.now() - DAY, by=None)

    late = services.order_record_event(
        order=order, type="ready", at=timezone.now() - 3 * DAY, by=None
    )

    order.refresh_from_db()
    assert late.applied is False
    assert order.status == OrderStatus.DELIVERED
    assert [e.type for e in order.events.order_by("at")] == ["placed", "ready", "delivered"]


def test_an_impossible_transition_is_refused_with_a_clear_error(sales):
    order = make_order(make_client(originator=sales), placed_at=timezone.now() - 5 * DAY)
    services.order_record_event(order=order, type="cancelled", at=timezone.now() - DAY, by=None)

    with pytest.raises(ValidationError) as error:
        services.order_record_event(order=order, type="delivered", at=timezone.now(), by=None)

    assert error.value.message_dict == {
        "type": ["An order that is Cancelled cannot become Delivered."]
    }
    with pytest.raises(ValidationError, match="Returned"):
        fresh = make_order(order.client)
        services.order_record_event(order=fresh, type="returned", at=timezone.now(), by=None)


def test_the_same_event_twice_is_recorded_once(sales):
    order = make_order(make_client(originator=sales), placed_at=timezone.now() - 5 * DAY)
    at = timezone.now() - DAY

    first = services.order_record_event(order=order, type="ready", at=at, by=None)
    again = services.order_record_event(order=order, type="ready", at=at, by=None)

    assert first.pk == again.pk
    assert order.events.count() == 2


def test_event_times_are_checked(sales):
    order = make_order(make_client(originator=sales), placed_at=timezone.now() - DAY)
    with pytest.raises(ValidationError, match="future"):
        services.order_record_event(order=order, type="ready", at=timezone.now() + DAY, by=None)
    with pytest.raises(ValidationError, match="earlier than the order"):
        services.order_record_event(order=order, type="ready", at=timezone.now() - 3 * DAY, by=None)
    with pytest.raises(ValidationError, match="Unknown event"):
        services.order_record_event(order=order, type="lost", at=timezone.now(), by=None)
