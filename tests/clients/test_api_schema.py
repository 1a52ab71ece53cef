"""/api/schema/ and /api/docs/: the OpenAPI description and the Swagger UI served from our own
static files (the machines reach no CDN)."""

import pytest
from django.contrib.staticfiles import finders
from django.core.management import call_command
from rest_framework.test import APIClient


def test_it_generates_the_schema_without_warnings(tmp_path):
    # --fail-on-warn turns any warning of drf-spectacular (an unresolved field or
    # serializer, a name collision) into an error.
    target = tmp_path / "schema.yml"

    call_command("spectacular", "--validate", "--fail-on-warn", "--file", str(target))

    schema = target.read_text()
    assert "/api/v1/orders/{id}/events/:" in schema
    assert "/api/v1/clients/{id}/archive/:" in schema


def test_it_serves_the_schema_to_a_logged_in_user(sales):
    api = APIClient()
    api.force_login(sales)

    response = api.get("/api/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json")

    assert response.status_code == 200
    paths = response.json()["paths"]
    assert {"/api/v1/clients/", "/api/v1/orders/", "/api/v1/referrals/", "/api/v1/refusals/"} <= (
        set(paths)
    )
    # Clients are archived, never deleted.
    assert "delete" not in paths["/api/v1/clients/{id}/"]
    # The client list pages with a cursor and promises no count.
    listing = response.json()["components"]["schemas"]["PaginatedClientList"]
    assert "count" not in listing["properties"]
    assert {"next", "previous", "results"} <= set(listing["properties"])


@pytest.mark.django_db
def test_it_refuses_the_schema_to_anonymous():
    assert APIClient().get("/api/schema/").status_code == 401


def test_it_serves_the_docs_from_the_sidecar(client, sales):
    client.force_login(sales)

    response = client.get("/api/docs/")

    assert response.status_code == 200
    page = response.content.decode()
    bundle = "drf_spectacular_sidecar/swagger-ui-dist/swagger-ui-bundle.js"
    assert f"/static/{bundle}" in page
    assert finders.find(bundle) is not None
    for cdn in ("cdn.", "jsdelivr", "unpkg", "cdnjs"):
        assert cdn not in page


@pytest.mark.django_db
def test_it_sends_an_anonymous_visitor_of_the_docs_to_log_in(client):
    response = client.get("/api/docs/")

    assert response.status_code == 302
    assert response["Location"].startswith("/login/")
