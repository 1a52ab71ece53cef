import datetime as dt
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from clients import services
from clients.models import BonusEntry, Commission, CommissionRule, Handoff
from tests.clients.factories import make_client, make_order

DAY = dt.timedelta(days=1)


def test_a_new_buyer_goes_to_the_least_loaded_account_manager(sales, account, other_account):
    for _ in range(2):
        make_order(make_client(originator=sales, account_manager=account))

    client = make_client(originator=sales, notes="Wants delivery after 6 pm")
    make_order(client)

    handoff = Handoff.objects.get(client=client)
    client.refresh_from_db()
    assert handoff.to_user == other_account
    assert handoff.from_user == sales
    assert handoff.notes == "Wants delivery after 6 pm"
    assert handoff.accepted_at is None
    assert client.account_manager == other_account


def test_round_robin_takes_turns(sales, account, other_account, settings):
    settings.HANDOFF_ASSIGNMENT = "round_robin"
    picked = []
    for _ in range(3):
        client = make_client(originator=sales)
        make_order(client)
        picked.append(Handoff.objects.get(client=client).to_user)

    assert picked == [account, other_account, account]


def test_manual_assignment_waits_for_a_director(sales, account, director, settings):
    settings.HANDOFF_ASSIGNMENT = "manual"
    client = make_client(originator=sales)
    make_order(client)
    handoff = Handoff.objects.get(client=client)
    assert handoff.to_user is None

    with pytest.raises(ValidationError, match="account manager"):
        services.handoff_assign(handoff=handoff, to_user=sales, by=director)
    services.handoff_assign(handoff=handoff, to_user=account, by=director)

    client.refresh_from_db()
    assert client.account_manager == account


def test_a_client_is_handed_over_once(sales, account):
    client = make_client(originator=sales)
    make_order(client, placed_at=timezone.now() - 3 * DAY)
    make_order(client)

    assert Handoff.objects.filter(client=client).count() == 1


def test_only_the_receiving_manager_accepts(sales, account, other_account):
    client = make_client(originator=sales)
    make_order(client)
    handoff = Handoff.objects.get(client=client)

    with pytest.raises(ValidationError):
        services.handoff_accept(handoff=handoff, by=other_account)
    services.handoff_accept(handoff=handoff, by=account)

    assert handoff.accepted_at is not None


def test_the_originator_earns_on_every_purchase_after_the_first(sales, account):
    CommissionRule.objects.create(percentage=Decimal("3.00"), effective_from=dt.date(2020, 1, 1))
    client = make_client(originator=sales)
    make_order(client, amount="10000.00", placed_at=timezone.now() - 20 * DAY)
    second = make_order(client, amount="2500.50", placed_at=timezone.now() - 10 * DAY)
    third = make_order(client, amount="1000.00")

    commissions = {c.order_id: c for c in Commission.objects.all()}
    assert set(commissions) == {second.pk, third.pk}
    assert commissions[second.pk].amount == Decimal("75.02")  # 3% of 2500.50, rounded half up
    assert commissions[second.pk].sales_manager == sales

    services.order_record_event(order=third, type="cancelled", at=timezone.now(), by=None)

    assert Commission.objects.get(order=third).voided_at is not None
    assert Commission.objects.get(order=second).voided_at is None


def test_the_rule_in_force_on_the_order_date_applies(sales, account):
    CommissionRule.objects.create(
        percentage=Decimal("5"),
        effective_from=dt.date(2020, 1, 1),
        effective_to=dt.date(2020, 12, 31),
    )
    client = make_client(originator=sales)
    make_order(client, placed_at=timezone.now() - 20 * DAY)
    make_order(client)

    assert not Commission.objects.exists()  # no rule in force today


def test_an_order_recorded_late_can_move_the_first_purchase(sales, account):
    CommissionRule.objects.create(percentage=Decimal("10"), effective_from=dt.date(2020, 1, 1))
    client = make_client(originator=sales)
    first_recorded = make_order(client, amount="100.00", placed_at=timezone.now() - 2 * DAY)
    assert not Commission.objects.exists()

    make_order(client, amount="50.00", placed_at=timezone.now() - 30 * DAY)

    assert Commission.objects.get().order == first_recorded


def test_no_originator_no_commission(account):
    CommissionRule.objects.create(percentage=Decimal("10"), effective_from=dt.date(2020, 1, 1))
    client = make_client(account_manager=account)
    make_order(client, placed_at=timezone.now() - 2 * DAY)
    make_order(client)

    assert not Commission.objects.exists()


def test_bonus_points_are_earned_and_spent_within_the_balance(sales):
    client = make_client(originator=sales)
    services.bonus_record(client=client, kind="earned", points=200, note="birthday")
    services.bonus_record(client=client, kind="spent", points=150)

    with pytest.raises(ValidationError, match="that many points"):
        services.bonus_record(client=client, kind="spent", points=51)
    with pytest.raises(ValidationError):
        services.bonus_record(client=client, kind="earned", points=0)
    assert services.bonus_balance(client=client) == 50


def test_every_nth_purchase_is_free(sales, account, settings):
    settings.BONUS_EVERY_NTH_FREE = 2
    client = make_client(originator=sales)
    orders = [make_order(client, placed_at=timezone.now() - n * DAY) for n in (4, 3, 2, 1)]

    free = BonusEntry.objects.filter(kind=BonusEntry.Kind.FREE_PURCHASE)
    assert sorted(free.values_list("order_id", flat=True)) == [orders[1].pk, orders[3].pk]


def test_refusals_record_their_reason(sales):
    client = make_client(originator=sales)
    other = make_client(originator=sales)
    order = make_order(other)

    refusal = services.refusal_record(client=client, reason="price", details="Too dear", by=sales)
    assert refusal.get_reason_display() == "Price"
    with pytest.raises(ValidationError) as error:
        services.refusal_record(client=client, reason="weather", by=sales)
    assert "reason" in error.value.message_dict
    with pytest.raises(ValidationError) as error:
        services.refusal_record(client=client, reason="price", order=order, by=sales)
    assert "order" in error.value.message_dict


def test_consent_follows_the_newest_record(sales):
    client = make_client(originator=sales)
    services.consent_record(client=client, channel="email", granted=True, method="web_form")
    services.consent_record(client=client, channel="email", granted=False, method="unsubscribe")
    services.consent_record(client=client, channel="sms", granted=True, method="in_person")

    assert services.consent_current(client=client) == {
        "call": False,
        "email": False,
        "sms": True,
        "post": False,
        "telegram": False,
    }


def test_phones_in_any_format_are_stored_once_in_e164(sales, settings):
    settings.PHONENUMBER_DEFAULT_REGION = "RU"
    client = make_client(
        originator=sales, phones=["8 (912) 345-67-89", "+7 912 345 67 89", "+44 20 7946 0958"]
    )

    assert [str(p.number) for p in client.phones.all()] == ["+79123456789", "+442079460958"]
    assert client.phones.get(is_primary=True).number == "+79123456789"
    with pytest.raises(ValidationError) as error:
        services.client_update(client=client, by=sales, phones=["12"])
    assert "phones" in error.value.message_dict


def test_clients_are_archived_never_deleted(sales):
    client = make_client(originator=sales)

    services.client_archive(client=client, by=sales)
    assert client.is_archived
    services.client_restore(client=client, by=sales)
    assert not client.is_archived
    assert client.history.count() >= 2
