"""The admin: an endpoint's page lists its recent deliveries with their status code, the list
of deliveries posts them again, and the form refuses what the API refuses."""

import pytest
from django.urls import reverse

from tests.clients.factories import make_client
from webhooks import services
from webhooks.models import Delivery, Endpoint, EventType

from .conftest import SECRET, make_endpoint


@pytest.fixture
def dina(client, director):
    """The director, as a superuser of the admin."""
    director.is_superuser = True
    director.save()
    client.force_login(director)
    return client


def test_an_endpoint_page_shows_its_recent_deliveries(
    dina, receiver, django_assert_max_num_queries
):
    endpoint = make_endpoint(receiver.url, events=[EventType.STAGE_CHANGED])
    make_client(name="Vera")
    receiver.answers = [503]
    services.delivery_send_due()

    with django_assert_max_num_queries(12):
        response = dina.get(reverse("admin:webhooks_endpoint_change", args=[endpoint.pk]))

    assert response.status_code == 200
    page = response.content.decode()
    assert "503" in page
    assert "The endpoint answered 503." in page
    assert SECRET not in page.replace(f'value="{SECRET}"', "")  # only inside the secret's input


def test_the_form_refuses_a_non_web_address(dina):
    response = dina.post(
        reverse("admin:webhooks_endpoint_add"),
        {"url": "ftp://erp.example.com/", "secret": SECRET, "events": ["refusal.recorded"]},
    )

    assert response.status_code == 200
    assert not Endpoint.objects.exists()
    assert "Give an http:// or https:// address." in response.content.decode()


def test_the_form_registers_an_endpoint(dina, director):
    response = dina.post(
        reverse("admin:webhooks_endpoint_add"),
        {
            "url": "https://erp.example.com/hooks",
            "secret": SECRET,
            "events": ["refusal.recorded", "survey.answered"],
            "is_active": "on",
        },
    )

    assert response.status_code == 302
    endpoint = Endpoint.objects.get()
    assert (endpoint.events, endpoint.created_by) == (
        ["refusal.recorded", "survey.answered"],
        director,
    )


def test_the_admin_posts_deliveries_again(dina, receiver):
    make_endpoint(receiver.url, events=[EventType.STAGE_CHANGED])
    make_client(name="Vera")
    Delivery.objects.update(status="failed", attempts=50)

    response = dina.post(
        reverse("admin:webhooks_delivery_changelist"),
        {
            "action": "redeliver",
            "_selected_action": list(Delivery.objects.values_list("pk", flat=True)),
        },
        follow=True,
    )
    services.delivery_send_due()

    assert "1 delivery queued again." in response.content.decode()
    delivery = Delivery.objects.get()
    assert (delivery.status, delivery.attempts) == ("delivered", 1)
    assert len(receiver.requests) == 1


def test_the_deliveries_list_is_served(dina, receiver, django_assert_max_num_queries):
    make_endpoint(receiver.url, events=[EventType.STAGE_CHANGED])
    for number in range(5):
        make_client(name=f"Client {number}")

    with django_assert_max_num_queries(12):
        response = dina.get(reverse("admin:webhooks_delivery_changelist"))

    assert response.status_code == 200
    assert response.content.decode().count("client.stage_changed") >= 5
