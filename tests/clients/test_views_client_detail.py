import datetime as dt
from decimal import Decimal

import pytest
from django.contrib.auth.models import User
from django.urls import reverse
from django.utils import timezone

from clients import services
from clients.models import (
    Channel,
    Client,
    Consent,
    Order,
    OrderStatus,
    Referral,
    Refusal,
    Stage,
)
from tests.clients.factories import make_client, make_order
from tests.helpers import assert_queries_flat

HTMX = {"HTTP_HX_REQUEST": "true"}


def card_url(client: Client) -> str:
    return reverse("clients:detail", args=[client.pk])


def hours_ago(hours: int) -> str:
    """A datetime-local input value (the form reads it in the server's time zone)."""
    moment = timezone.localtime() - dt.timedelta(hours=hours)
    return moment.strftime("%Y-%m-%dT%H:%M")


@pytest.fixture
def irina(sales, account) -> Client:
    return make_client(
        originator=sales,
        account_manager=account,
        name="Irina Volkova",
        email="irina@example.com",
        phones=["+7 912 345-67-89"],
        notes="Prefers calls after six.",
    )


# --- the page ----------------------------------------------------------------------------


def test_it_sends_anonymous_visitors_to_login(client, irina):
    response = client.get(card_url(irina))

    assert response.status_code == 302
    assert response.url.startswith(reverse("login"))


def test_it_is_404_for_another_managers_client(client, irina, other_sales, other_account):
    for user in (other_sales, other_account, User.objects.create_user("nobody")):
        client.force_login(user)
        assert client.get(card_url(irina)).status_code == 404


def test_it_shows_the_card(client, irina, sales, account, director):
    order = make_order(irina, amount="12500.00", external_id="SHOP-1", description="A sofa")
    services.order_record_event(
        order=order, type=OrderStatus.DELIVERED, at=timezone.now() - dt.timedelta(hours=2), by=None
    )
    services.consent_record(
        client=irina, channel=Channel.SMS, granted=True, method=Consent.Method.IN_PERSON
    )
    services.consent_record(
        client=irina, channel=Channel.SMS, granted=False, method=Consent.Method.UNSUBSCRIBE
    )
    services.refusal_record(client=irina, reason=Refusal.Reason.PRICE, by=sales, details="Dear")
    services.bonus_record(client=irina, kind="earned", points=120)

    for user in (sales, account, director):
        client.force_login(user)
        page = client.get(card_url(irina)).content.decode()
        assert "Irina Volkova" in page
        assert 'href="tel:+79123456789"' in page
        assert "Prefers calls after six." in page
        assert "SHOP-1" in page and "12,500.00 RUB" in page and "A sofa" in page
        assert "Delivered" in page
        assert "Unsubscribe link" in page  # SMS: withdrawn, and how
        assert "not asked" in page  # the channels never asked about
        assert "Prospect → Buyer" in page  # the stage history
        assert "Refused: Price" in page  # the timeline
        assert "Handed to the account manager Anna" in page
        assert ">120<" in page  # the bonus balance


def test_it_makes_as_many_queries_for_30_orders_as_for_3(client, irina, sales):
    def add_history(count: int) -> None:
        for _ in range(count):
            order = make_order(irina)
            services.order_record_event(
                order=order, type=OrderStatus.READY, at=timezone.now(), by=sales
            )
            services.refusal_record(client=irina, reason=Refusal.Reason.OTHER, by=sales)
            services.consent_record(
                client=irina, channel=Channel.CALL, granted=True, method=Consent.Method.PHONE
            )
            referred = make_client(originator=sales)
            services.referral_record(referrer=irina, referred=referred, by=sales)

    client.force_login(sales)
    flat = assert_queries_flat(add_history, lambda: client.get(card_url(irina)).content.decode())

    assert flat.many.count('class="badge status-ready"') == 30


# --- the actions: who may use them -------------------------------------------------------

ACTIONS = [
    "clients:order_record",
    "clients:refusal_record",
    "clients:referral_record",
    "clients:consent_record",
    "clients:archive",
    "clients:restore",
]


@pytest.mark.parametrize("name", ACTIONS)
def test_every_action_is_404_for_another_managers_client(client, irina, other_sales, name):
    client.force_login(other_sales)

    assert client.post(reverse(name, args=[irina.pk])).status_code == 404
    irina.refresh_from_db()
    assert irina.archived_at is None


def test_the_event_action_is_404_for_another_managers_order(client, irina, other_sales, sales):
    order = make_order(irina)
    theirs = make_order(make_client(originator=other_sales))
    client.force_login(sales)
    url = reverse("clients:order_event_record", args=[irina.pk, theirs.pk])
    assert client.post(url, {f"event-{theirs.pk}-type": "ready"}).status_code == 404

    client.force_login(other_sales)
    url = reverse("clients:order_event_record", args=[irina.pk, order.pk])
    assert client.post(url, {f"event-{order.pk}-type": "ready"}).status_code == 404


@pytest.mark.parametrize("name", ACTIONS)
def test_every_action_sends_anonymous_visitors_to_login(client, irina, name):
    response = client.post(reverse(name, args=[irina.pk]))

    assert response.status_code == 302
    assert response.url.startswith(reverse("login"))


def test_the_actions_take_posts_only(client, irina, sales):
    client.force_login(sales)

    assert client.get(reverse("clients:archive", args=[irina.pk])).status_code == 405


# --- recording an order ------------------------------------------------------------------


def order_data(**overrides: str) -> dict[str, str]:
    data = {
        "order-amount": "4990.50",
        "order-currency": "rub",
        "order-placed_at": hours_ago(3),
        "order-promised_date": "",
        "order-description": "Business cards, 500",
        "order-external_id": "",
    }
    data.update(overrides)
    return data


def test_it_records_an_order_and_comes_back_to_the_card(client, irina, sales):
    client.force_login(sales)

    response = client.post(reverse("clients:order_record", args=[irina.pk]), order_data())

    assert response.status_code == 302
    assert response.url == card_url(irina)
    order = Order.objects.get(client=irina)
    assert order.amount == Decimal("4990.50")
    assert order.currency == "RUB"
    assert order.seller == sales
    irina.refresh_from_db()
    assert irina.stage == Stage.BUYER
    page = client.get(response.url).content.decode()
    assert "The order was recorded." in page
    assert "Business cards, 500" in page


def test_it_records_the_same_external_id_once(client, irina, sales):
    client.force_login(sales)
    url = reverse("clients:order_record", args=[irina.pk])

    client.post(url, order_data(**{"order-external_id": "ERP-7"}))
    response = client.post(url, order_data(**{"order-external_id": "ERP-7"}), follow=True)

    assert Order.objects.filter(external_id="ERP-7").count() == 1
    assert "already recorded" in response.content.decode()


def test_it_shows_what_is_wrong_with_an_order(client, irina, sales):
    client.force_login(sales)
    url = reverse("clients:order_record", args=[irina.pk])

    response = client.post(url, order_data(**{"order-amount": "-5", "order-currency": "R"}))

    assert response.status_code == 200
    page = response.content.decode()
    assert "greater than or equal to 0" in page
    assert "at least 3 characters" in page
    assert "<details open>" in page
    assert not Order.objects.exists()


def test_it_shows_the_services_error_for_an_order_in_the_future(client, irina, sales):
    client.force_login(sales)
    url = reverse("clients:order_record", args=[irina.pk])

    response = client.post(url, order_data(**{"order-placed_at": hours_ago(-48)}))

    assert "cannot be placed in the future" in response.content.decode()
    assert not Order.objects.exists()


def test_it_records_an_order_in_place_for_htmx(client, irina, sales):
    client.force_login(sales)

    response = client.post(reverse("clients:order_record", args=[irina.pk]), order_data(), **HTMX)

    assert response.status_code == 200
    page = response.content.decode()
    assert '<div id="client-card">' in page
    assert "<html" not in page
    assert "The order was recorded." in page
    assert "Business cards, 500" in page
    assert 'class="badge stage-buyer"' in page


# --- order events ------------------------------------------------------------------------


def test_it_records_an_order_event(client, irina, sales):
    order = make_order(irina, placed_at=timezone.now() - dt.timedelta(days=2))
    client.force_login(sales)
    url = reverse("clients:order_event_record", args=[irina.pk, order.pk])

    response = client.post(
        url, {f"event-{order.pk}-type": "delivered", f"event-{order.pk}-at": hours_ago(1)}
    )

    assert response.status_code == 302
    order.refresh_from_db()
    assert order.status == OrderStatus.DELIVERED


def test_it_explains_an_impossible_transition(client, irina, sales):
    order = make_order(irina, placed_at=timezone.now() - dt.timedelta(days=2))
    services.order_record_event(
        order=order, type=OrderStatus.CANCELLED, at=timezone.now() - dt.timedelta(hours=5), by=None
    )
    client.force_login(sales)
    url = reverse("clients:order_event_record", args=[irina.pk, order.pk])
    data = {f"event-{order.pk}-type": "delivered", f"event-{order.pk}-at": hours_ago(1)}

    page = client.post(url, data).content.decode()
    assert "An order that is Cancelled cannot become Delivered." in page
    assert "<html" in page

    page = client.post(url, data, **HTMX).content.decode()
    assert "An order that is Cancelled cannot become Delivered." in page
    assert "<html" not in page
    order.refresh_from_db()
    assert order.status == OrderStatus.CANCELLED


# --- refusals, referrals, consent, archive -----------------------------------------------


def test_it_records_a_refusal(client, irina, sales):
    client.force_login(sales)

    response = client.post(
        reverse("clients:refusal_record", args=[irina.pk]),
        {"refusal-reason": "price", "refusal-details": "Found it cheaper"},
        follow=True,
    )

    refusal = Refusal.objects.get(client=irina)
    assert (refusal.reason, refusal.details, refusal.recorded_by) == (
        "price",
        "Found it cheaper",
        sales,
    )
    assert "Refused: Price" in response.content.decode()


def test_it_records_a_referral_to_a_client_found_by_phone(client, irina, sales):
    oleg = make_client(originator=sales, name="Oleg", phones=["+7 999 111-22-33"])
    client.force_login(sales)

    client.post(
        reverse("clients:referral_record", args=[irina.pk]),
        {"referral-existing": "8 999 111 22 33", "referral-reward": "A discount"},
    )

    referral = Referral.objects.get()
    assert (referral.referrer, referral.referred, referral.reward) == (irina, oleg, "A discount")


def test_it_records_a_referral_to_a_new_person(client, irina, sales):
    client.force_login(sales)

    client.post(
        reverse("clients:referral_record", args=[irina.pk]),
        {"referral-name": "Pavel New", "referral-phone": "+7 912 000-11-22"},
    )

    pavel = Client.objects.get(name="Pavel New")
    assert pavel.originator == sales  # visible to whoever added them
    assert pavel.source == Client.Source.REFERRAL
    assert str(pavel.phones.get().number) == "+79120001122"
    assert Referral.objects.get().referred == pavel


def test_it_does_not_refer_to_a_client_the_user_cannot_see(client, irina, sales, other_sales):
    make_client(originator=other_sales, name="Hidden Person", phones=["+7 999 111-22-33"])
    client.force_login(sales)

    response = client.post(
        reverse("clients:referral_record", args=[irina.pk]),
        {"referral-existing": "Hidden Person"},
    )

    assert "No client you can see matches" in response.content.decode()
    assert not Referral.objects.exists()


def test_it_asks_to_choose_when_several_clients_match(client, irina, sales):
    make_client(originator=sales, name="Oleg Petrov")
    make_client(originator=sales, name="Oleg Sidorov")
    client.force_login(sales)

    response = client.post(
        reverse("clients:referral_record", args=[irina.pk]), {"referral-existing": "Oleg"}
    )

    assert "Several clients match" in response.content.decode()
    assert not Referral.objects.exists()


def test_it_rejects_a_new_referral_with_a_bad_phone(client, irina, sales):
    client.force_login(sales)

    response = client.post(
        reverse("clients:referral_record", args=[irina.pk]),
        {"referral-name": "Pavel", "referral-phone": "12"},
    )

    assert "is not a valid phone number" in response.content.decode()
    assert not Client.objects.filter(name="Pavel").exists()


def test_it_records_consent_given_and_withdrawn(client, irina, sales):
    client.force_login(sales)
    url = reverse("clients:consent_record", args=[irina.pk])
    data = {"consent-channel": "email", "consent-method": "web_form", "consent-granted": "yes"}

    client.post(url, data)
    assert services.consent_current(client=irina)["email"] is True

    client.post(url, {**data, "consent-granted": "no", "consent-method": "unsubscribe"})
    assert services.consent_current(client=irina)["email"] is False
    assert Consent.objects.filter(client=irina).count() == 2
    assert Consent.objects.first().recorded_by == sales


def test_it_archives_and_restores(client, irina, sales):
    client.force_login(sales)

    client.post(reverse("clients:archive", args=[irina.pk]))
    irina.refresh_from_db()
    assert irina.archived_at is not None
    assert "Irina Volkova" not in client.get(reverse("clients:list")).content.decode()
    assert "Restore" in client.get(card_url(irina)).content.decode()

    page = client.post(reverse("clients:restore", args=[irina.pk]), **HTMX).content.decode()
    irina.refresh_from_db()
    assert irina.archived_at is None
    assert "The client is back in the list." in page
