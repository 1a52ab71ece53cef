"""/api/v1/webhook-endpoints/: directors register, change and delete endpoints, list their
deliveries and post events again; every other role is told there is nothing there (404)."""

import pytest
from django.urls import reverse
from rest_framework.test import APIClient

from tests.clients.factories import make_client
from webhooks import services
from webhooks.models import Delivery, Endpoint, EventType

from .conftest import SECRET, make_endpoint

LIST = reverse("api:webhook-endpoint-list")


def detail(endpoint: Endpoint, action: str = "") -> str:
    if action:
        return reverse(f"api:webhook-endpoint-{action}", args=[endpoint.pk])
    return reverse("api:webhook-endpoint-detail", args=[endpoint.pk])


@pytest.fixture
def api(director) -> APIClient:
    client = APIClient()
    client.force_authenticate(director)
    return client


def test_it_registers_an_endpoint(api, director):
    response = api.post(
        LIST,
        {
            "url": "https://erp.example.com/hooks",
            "secret": SECRET,
            "events": ["order.event_recorded", "client.stage_changed"],
            "description": "ERP",
        },
        format="json",
    )

    assert response.status_code == 201, response.json()
    body = response.json()
    assert body["events"] == ["client.stage_changed", "order.event_recorded"]
    assert "secret" not in body
    endpoint = Endpoint.objects.get()
    assert (endpoint.secret, endpoint.created_by) == (SECRET, director)


@pytest.mark.parametrize(
    ("field", "value"),
    [("url", "ftp://erp.example.com/"), ("url", "javascript:alert(1)"), ("secret", "short")],
)
def test_it_refuses_a_bad_field_by_name(api, field, value):
    data = {"url": "https://erp.example.com/", "secret": SECRET, "events": ["refusal.recorded"]}
    data[field] = value

    response = api.post(LIST, data, format="json")

    assert response.status_code == 400
    assert field in response.json()


def test_it_refuses_an_unknown_event(api):
    response = api.post(
        LIST, {"url": "https://x.example/", "secret": SECRET, "events": ["nope"]}, format="json"
    )
    assert response.status_code == 400
    assert "events" in response.json()


def test_it_changes_and_deletes_an_endpoint(api, receiver):
    endpoint = make_endpoint(receiver.url)

    response = api.patch(detail(endpoint), {"is_active": False}, format="json")
    assert response.status_code == 200
    endpoint.refresh_from_db()
    assert endpoint.is_active is False

    assert api.delete(detail(endpoint)).status_code == 204
    assert not Endpoint.objects.exists()


def test_it_lists_deliveries_with_their_status_code_in_fixed_queries(
    api, receiver, django_assert_num_queries
):
    endpoint = make_endpoint(receiver.url, events=[EventType.STAGE_CHANGED])
    for number in range(3):
        make_client(name=f"Client {number}")
    receiver.answers = [500]
    services.delivery_send_due()

    # The session's user and roles are forced; the endpoint and one page of its deliveries.
    with django_assert_num_queries(3):
        response = api.get(detail(endpoint, "deliveries"))

    assert response.status_code == 200
    rows = response.json()["results"]
    assert sorted(row["status_code"] for row in rows) == [200, 200, 500]
    assert {row["event_type"] for row in rows} == {"client.stage_changed"}


def test_it_redelivers_by_event_id(api, receiver):
    endpoint = make_endpoint(receiver.url, events=[EventType.STAGE_CHANGED])
    make_client(name="Vera")
    services.delivery_send_due()
    delivery = Delivery.objects.get()

    response = api.post(
        detail(endpoint, "redeliver"), {"event_ids": [str(delivery.event_id)]}, format="json"
    )
    services.delivery_send_due()

    assert response.json() == {"queued": 1}
    assert [r.headers["X-Followup-Delivery"] for r in receiver.requests] == [
        str(delivery.event_id)
    ] * 2


def test_a_redelivery_names_its_bad_field(api, receiver):
    endpoint = make_endpoint(receiver.url)
    response = api.post(detail(endpoint, "redeliver"), {"event_ids": ["x"]}, format="json")
    assert response.status_code == 400
    assert "event_ids" in response.json()


@pytest.mark.parametrize("persona", ["sales", "account"])
def test_managers_get_404(request, persona, receiver):
    user = request.getfixturevalue(persona)
    endpoint = make_endpoint(receiver.url)
    api = APIClient()
    api.force_authenticate(user)

    assert api.get(LIST).status_code == 404
    assert api.post(LIST, {"url": "https://x.example/"}, format="json").status_code == 404
    assert api.get(detail(endpoint)).status_code == 404
    assert api.get(detail(endpoint, "deliveries")).status_code == 404
    assert api.post(detail(endpoint, "redeliver"), {}, format="json").status_code == 404
    assert api.delete(detail(endpoint)).status_code == 404
    assert Endpoint.objects.filter(pk=endpoint.pk).exists()
