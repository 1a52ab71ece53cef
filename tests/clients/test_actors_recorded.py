"""Who changed a client, an order or a handoff is in their history (simple-history's
history_user), set by the service from its `by` — also where no request is there to tell it
(the API with a token, a job). And a referral of someone new is one service: the new client and
the referral, both or neither."""

import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from clients import services
from clients.models import Client, Referral
from tests.clients.factories import make_client, make_order


@pytest.fixture
def irina(sales) -> Client:
    return make_client(originator=sales, name="Irina Volkova")


def last_user(history) -> object:
    return history.order_by("-history_id").first().history_user


def test_archiving_and_restoring_record_who(irina, sales, director):
    services.client_archive(client=irina, by=director)
    assert last_user(irina.history) == director

    services.client_restore(client=irina, by=sales)
    assert last_user(irina.history) == sales


def test_moving_the_promised_date_records_who(irina, sales, account):
    order = make_order(irina, by=sales)

    services.order_set_promised_date(
        order=order, promised_date=order.placed_at.date() + dt.timedelta(days=20), by=account
    )

    assert last_user(order.history) == account


def test_a_handoff_records_who_handed_the_client_over(irina, sales, account, other_account):
    handoff = services.handoff_create(client=irina, by=sales, to_user=account)
    assert last_user(irina.history) == sales

    services.handoff_assign(handoff=handoff, to_user=other_account, by=sales)

    irina.refresh_from_db()
    assert irina.account_manager == other_account
    assert last_user(irina.history) == sales


def test_a_new_referred_person_and_the_referral_are_one_fact(irina, sales, monkeypatch):
    referral = services.referral_record_new(
        referrer=irina, by=sales, name="Oleg", phones=["+79123456780"], originator=sales
    )

    assert (referral.referrer, referral.referred.name, referral.recorded_by) == (
        irina,
        "Oleg",
        sales,
    )
    assert referral.referred.source == Client.Source.REFERRAL

    def refuse(**_kwargs):
        raise ValidationError({"referred": "refused"})

    monkeypatch.setattr(services, "referral_record", refuse)
    before = Client.objects.count()
    with pytest.raises(ValidationError):
        services.referral_record_new(
            referrer=irina, by=sales, name="Pavel", phones=[], originator=sales
        )
    # The referral refused: no new client is left behind without it.
    assert Client.objects.count() == before


def test_the_card_records_a_new_referred_person_in_one_go(client, irina, sales):
    client.force_login(sales)

    response = client.post(
        reverse("clients:referral_record", args=[irina.pk]),
        {"referral-name": "Oleg", "referral-phone": "+79123456780", "referral-reward": ""},
        follow=True,
    )

    assert "Oleg is recorded as referred." in response.content.decode()
    referral = Referral.objects.get()
    assert (referral.referrer, referral.referred.name, referral.recorded_by) == (
        irina,
        "Oleg",
        sales,
    )
