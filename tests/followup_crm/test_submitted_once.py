"""The forms that create something are sent once: each carries a one-time token, and the same
token again (a double click, a resubmitted page) leads to what the first post created instead
of creating it again."""

import re

import pytest

from clients.models import Client, Order, Referral
from followup_crm.models import FormSubmission
from surveys.models import ServiceCase
from tests.clients.factories import make_client


def token_of(page: bytes, name: str = "submission") -> str:
    found = re.search(rb'name="%s" value="([\w-]+)"' % name.encode(), page)
    assert found, f"no {name} on the page"
    return found[1].decode()


@pytest.fixture
def irina(sales, account) -> Client:
    return make_client(originator=sales, account_manager=account, name="Irina")


def order_data(token: str) -> dict[str, str]:
    return {
        "order-amount": "4990.50",
        "order-currency": "RUB",
        "order-placed_at": "2025-05-01T10:00",
        "order-submission": token,
    }


def test_a_double_submitted_order_is_recorded_once(client, sales, irina):
    client.force_login(sales)
    token = token_of(client.get(f"/clients/{irina.pk}/").content, "order-submission")

    first = client.post(f"/clients/{irina.pk}/orders/", order_data(token))
    second = client.post(f"/clients/{irina.pk}/orders/", order_data(token), follow=True)

    assert first.status_code == 302
    assert second.redirect_chain[-1][0] == f"/clients/{irina.pk}/"
    assert "This order was already recorded." in second.content.decode()
    assert Order.objects.count() == 1


def test_a_failed_post_leaves_the_token_for_the_corrected_one(client, sales, irina):
    client.force_login(sales)
    token = token_of(client.get(f"/clients/{irina.pk}/").content, "order-submission")

    failed = client.post(f"/clients/{irina.pk}/orders/", {**order_data(token), "order-amount": ""})
    again = token_of(failed.content, "order-submission")
    client.post(f"/clients/{irina.pk}/orders/", order_data(again))

    assert again == token
    assert Order.objects.count() == 1


def test_a_double_submitted_client_leads_to_the_first(client, sales):
    client.force_login(sales)
    token = token_of(client.get("/clients/new/").content)
    data = {
        "kind": "person",
        "time_zone": "Europe/Moscow",
        "source": "shop",
        "name": "Irina",
        "language": "ru",
        "submission": token,
    }

    first = client.post("/clients/new/", data)
    second = client.post("/clients/new/", data)

    assert Client.objects.count() == 1
    assert second.status_code == 302 and second.url == first.url


def test_a_double_submitted_service_case_leads_to_the_first(client, sales, irina):
    client.force_login(sales)
    url = f"/service-cases/new/?client={irina.pk}"
    token = token_of(client.get(url).content)
    data = {"opened_on": "2025-05-01", "problem": "Squeaks", "severity": "low"}

    first = client.post(url, {**data, "submission": token})
    second = client.post(url, {**data, "submission": token})

    assert ServiceCase.objects.count() == 1
    assert second.status_code == 302 and second.url == first.url


def test_a_double_submitted_referral_is_recorded_once(client, sales, irina):
    client.force_login(sales)
    token = token_of(client.get(f"/clients/{irina.pk}/").content, "referral-submission")
    data = {"referral-name": "Pavel", "referral-phone": "+7 912 000-00-01"}

    client.post(f"/clients/{irina.pk}/referrals/", {**data, "referral-submission": token})
    client.post(f"/clients/{irina.pk}/referrals/", {**data, "referral-submission": token})

    assert Referral.objects.count() == 1
    assert Client.objects.filter(name="Pavel").count() == 1


def test_another_users_token_does_not_lead_to_their_object(client, sales, other_sales, irina):
    client.force_login(sales)
    token = token_of(client.get("/clients/new/").content)
    client.post(
        "/clients/new/",
        {
            "kind": "person",
            "time_zone": "Europe/Moscow",
            "source": "shop",
            "name": "Mine",
            "language": "ru",
            "submission": token,
        },
    )
    client.force_login(other_sales)

    response = client.post(
        "/clients/new/",
        {
            "kind": "person",
            "time_zone": "Europe/Moscow",
            "source": "shop",
            "name": "Theirs",
            "language": "ru",
            "submission": token,
        },
    )

    assert response.status_code == 200
    assert "This form was already sent." in response.content.decode()
    assert not Client.objects.filter(name="Theirs").exists()
    assert FormSubmission.objects.count() == 1


def test_a_form_without_a_token_is_recorded_as_before(client, sales, irina):
    client.force_login(sales)
    data = {k: v for k, v in order_data("").items() if k != "order-submission"}

    client.post(f"/clients/{irina.pk}/orders/", data)
    client.post(f"/clients/{irina.pk}/orders/", data)

    assert Order.objects.count() == 2
