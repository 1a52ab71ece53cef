"""The API fuzzed from its own OpenAPI schema with schemathesis, in-process against the WSGI app.

Every operation of the schema that /api/schema/ serves gets generated requests — valid ones and
ones that break the schema — as a director and as a sales manager (a token each), over a few
clients, orders, touchpoints and a service case they may see. The checks: no answer is a 5xx,
a documented answer's body and content type are the schema's. Not checked: that every status
code is documented (drf-spectacular documents the success codes only, and a 400 or 404 is the
API's documented behaviour in the schema's description), that any schema-valid request is
accepted (a valid-looking id of a client one may not see is a 400 by design), and that any
schema-breaking request is refused (DRF ignores a page_size it cannot read, as documented).

The examples are few and derandomized, so that a run takes well under a minute on SQLite and
fails, or passes, the same way in CI as on a laptop. What the fuzz found (500s, a time written
back in a form the schema does not allow) is kept below as plain tests.
"""

import datetime as dt
import json
import re
from collections.abc import Iterator
from typing import Any
from urllib.parse import quote

import pytest
import schemathesis
from django.contrib.auth.models import User
from django.core import signals
from django.core.exceptions import ValidationError
from django.db import close_old_connections
from django.utils import timezone
from drf_spectacular.generators import SchemaGenerator
from drf_spectacular.renderers import OpenApiJsonRenderer
from hypothesis import HealthCheck, settings
from rest_framework.test import APIClient
from schemathesis import checks

from clients import services as client_services
from clients.models import Order, OrderStatus
from followup_crm.wsgi import application
from surveys import services as survey_services
from tests.clients.factories import make_client, make_order
from tests.clients.fixtures.imports import run_import
from tests.conftest import api_key_for
from touchpoints.models import Touchpoint

# Per operation and persona: 30 operations × 2 personas × this stay within a minute on SQLite.
EXAMPLES = 15


def openapi_document() -> dict[str, Any]:
    """The schema as /api/schema/ serves it (the same generator), built without a request so
    that it can be loaded when the tests are collected."""
    return json.loads(OpenApiJsonRenderer().render(SchemaGenerator().get_schema(public=True)))


# Loaded at collection: schemathesis.pytest.from_fixture, which would load it inside a test,
# relies on a pytest internal (Node._nodeid) that pytest 9 no longer has.
schema = schemathesis.openapi.from_dict(openapi_document())


@pytest.fixture(params=["director", "sales"])
def api_user(request, sales, account) -> User:
    """A persona, and a client of Sasha's with a delivered order (so touchpoints are planned)
    and an open service case: on SQLite, ids 1, 2, … that the generated requests sometimes hit."""
    user = request.getfixturevalue(request.param)
    client = make_client(
        originator=sales, account_manager=account, name="Olga Petrova", phones=["+79123456789"]
    )
    order = make_order(client, external_id="SHOP-1", by=sales)
    client_services.order_record_event(
        order=order, type=OrderStatus.DELIVERED, at=timezone.now(), by=sales
    )
    survey_services.service_case_record(
        client=client,
        by=sales,
        opened_on=timezone.localdate(),
        problem="A scratch on the door",
        severity="low",
    )
    return user


@pytest.fixture
def api_headers(api_user) -> Iterator[dict[str, str]]:
    key = api_key_for(api_user)
    # Django closes "old" connections at the start and end of each request; in a test that
    # holds its transaction open this would throw the test's data away. Django's test client
    # disconnects the same receiver around its requests.
    signals.request_started.disconnect(close_old_connections)
    signals.request_finished.disconnect(close_old_connections)
    try:
        yield {"Authorization": f"Token {key}"}
    finally:
        signals.request_started.connect(close_old_connections)
        signals.request_finished.connect(close_old_connections)


@schema.parametrize()
@settings(
    max_examples=EXAMPLES,
    deadline=None,
    derandomize=True,
    database=None,
    # The fixtures are set up once per operation, not per example, on purpose: the examples
    # share the data (and what earlier examples created).
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
def test_the_api_answers_generated_requests_without_errors(case, api_headers):
    case.call_and_validate(
        headers=api_headers,
        app=application,
        checks=[
            checks.not_a_server_error,
            checks.response_schema_conformance,
            checks.content_type_conformance,
        ],
    )


# --- hostile values in every field ----------------------------------------------------------
#
# schemathesis draws its strings as UTF-8 text and its integers near the schema's bounds: it
# never sends a lone surrogate (which JSON's \\u escapes can spell) nor an integer past 64 bits.
# These are sent here to every field of every operation, one field at a time (the other fields
# missing or wrong too: DRF still reads each field, and the lookups are where it would break).

LONE_SURROGATES = ["\ud800", "a\udfff", "\udc00\ud800"]
EXTREME_INTEGERS = [2**63, -(2**63) - 1, 10**30, -(10**30), 2**64 + 1]
HOSTILE = {"string": LONE_SURROGATES, "integer": EXTREME_INTEGERS, "number": EXTREME_INTEGERS}


def _resolve(document: dict[str, Any], node: dict[str, Any]) -> dict[str, Any]:
    while "$ref" in node:
        node = document["components"]["schemas"][node["$ref"].rsplit("/", 1)[1]]
    return node


def _field_types(document: dict[str, Any], node: dict[str, Any]) -> set[str]:
    node = _resolve(document, node)
    kinds = {node["type"]} if isinstance(node.get("type"), str) else set()
    for option in node.get("oneOf", []) + node.get("allOf", []) + node.get("anyOf", []):
        kinds |= _field_types(document, option)
    return kinds


def _hostile_operations() -> Iterator[Any]:
    document = openapi_document()
    for path, operations in document["paths"].items():
        for method, operation in operations.items():
            fields: list[tuple[str, str, Any]] = []
            for parameter in operation.get("parameters", []):
                if parameter["in"] == "query":
                    for kind in _field_types(document, parameter.get("schema", {})):
                        fields += [("query", parameter["name"], v) for v in HOSTILE.get(kind, [])]
            body = operation.get("requestBody", {}).get("content", {}).get("application/json")
            if body is not None:
                properties = _resolve(document, body["schema"]).get("properties", {})
                for name, node in properties.items():
                    for kind in _field_types(document, node):
                        fields += [("body", name, v) for v in HOSTILE.get(kind, [])]
            if fields:
                yield pytest.param(method, path, fields, id=f"{method} {path}")


@pytest.mark.parametrize(("method", "path", "fields"), list(_hostile_operations()))
def test_no_field_breaks_on_a_lone_surrogate_or_an_extreme_integer(api_user, method, path, fields):
    api = APIClient()
    api.force_authenticate(api_user)
    url = re.sub(r"\{\w+\}", "1", path)
    for where, name, value in fields:
        if where == "query":
            # A surrogate's UTF-8 bytes, percent-encoded: what a client can put in a URL.
            text = quote(str(value), errors="surrogatepass")
            response = api.generic(method.upper(), f"{url}?{name}={text}")
        else:
            # json.dumps writes a lone surrogate as its \\u escape, as a client would send it.
            body = json.dumps({name: value})
            response = api.generic(method.upper(), url, body, content_type="application/json")
        assert response.status_code < 500, f"{method} {url} {where} {name}={value!r}"


def test_the_fuzzed_schema_is_the_served_one(director):
    api = APIClient()
    api.force_authenticate(director)

    response = api.get("/api/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json")

    assert response.status_code == 200
    assert json.loads(response.content) == openapi_document()


# --- what the fuzz found -------------------------------------------------------------------


def api(user: User) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    return client


@pytest.fixture
def order(sales, account) -> Order:
    client = make_client(originator=sales, account_manager=account, phones=["+79123456789"])
    return make_order(client, by=sales)


@pytest.mark.parametrize(
    ("query", "field"),
    [
        # A NumberFilter's Decimal reached the database and overflowed its integer.
        ("order=1e30", "order"),
        ("order=99999999999999999999999999", "order"),
        ("assignee=-99999999999999999999999", "assignee"),
        # Year 1 and 9999 overflowed when the database adapter moved them to UTC.
        ("due_after=0001-01-01T00:00:00%2B05:00", "due_after"),
        ("due_after=0001-01-01T00:00:00", "due_after"),
        ("due_before=9999-12-31T23:59:59-05:00", "due_before"),
    ],
)
def test_it_answers_400_to_touchpoint_filters_out_of_range(director, query, field):
    response = api(director).get(f"/api/v1/touchpoints/?{query}")

    assert response.status_code == 400, response.content
    assert field in response.json()


def order_body(order: Order, promised_date: str) -> dict[str, Any]:
    return {
        "client": order.client_id,
        "amount": "100.00",
        "placed_at": timezone.localtime().isoformat(),
        "promised_date": promised_date,
    }


def in_days(days: int) -> str:
    return (timezone.localdate() + dt.timedelta(days=days)).isoformat()


@pytest.mark.parametrize("promised_date", ["0001-01-01", "9999-12-31", in_days(2 * 366 + 1)])
def test_it_refuses_a_promised_date_years_away_from_the_order(sales, order, promised_date):
    # The status updates were planned up to the promised date, weekly: past year 9999 (a 500),
    # or thousands of calls.
    body = order_body(order, promised_date)

    response = api(sales).post("/api/v1/orders/", body, format="json")

    assert response.status_code == 400, response.content
    assert list(response.json()) == ["promised_date"]
    assert Order.objects.count() == 1


def test_it_keeps_a_promised_date_within_two_years(sales, order):
    response = api(sales).post("/api/v1/orders/", order_body(order, in_days(700)), format="json")

    assert response.status_code == 201, response.content
    assert response.json()["promised_date"] == in_days(700)


def test_an_imported_order_promised_years_away_is_a_bad_row(director, order):
    report = run_import(
        [
            ["external_id", "client_id", "amount", "placed_at", "promised_date"],
            ["SHOP-9", order.client_id, "100", "15.01.2026 12:00", "31.12.9999"],
        ],
        kind="orders",
        by=director,
    )

    assert not report.applied
    assert [(error.row, error.column) for error in report.errors] == [(2, "promised_date")]


def test_it_refuses_a_promised_date_moved_years_away(order):
    with pytest.raises(ValidationError) as raised:
        client_services.order_set_promised_date(
            order=order, promised_date=dt.date(9999, 12, 31), by=None
        )

    assert list(raised.value.message_dict) == ["promised_date"]


@pytest.mark.parametrize(
    "visited_at",
    [
        # Accepted, then written back in Moscow's local mean time, "+02:30:17": not RFC 3339.
        "0400-08-12T06:13:44.428-07:31",
        "1905-05-01T10:00:00+03:00",
        "9999-12-31T23:00:00+05:00",
    ],
)
def test_it_refuses_a_time_outside_the_plausible_years(director, visited_at):
    response = api(director).post(
        "/api/v1/clients/", {"name": "Irina Volkova", "visited_at": visited_at}, format="json"
    )

    assert response.status_code == 400, response.content
    assert response.json() == {"visited_at": ["Give a time between 1970 and 2999."]}


def test_it_refuses_a_call_back_in_year_9999(director, sales, order):
    client_services.order_record_event(
        order=order, type=OrderStatus.DELIVERED, at=timezone.now(), by=sales
    )
    call = Touchpoint.objects.filter(channel="call", status="planned").earliest("due_at")

    response = api(director).post(
        f"/api/v1/touchpoints/{call.pk}/complete/",
        {"outcome": "call_back", "callback_at": "9999-12-31T23:00:00+05:00"},
        format="json",
    )

    assert response.status_code == 400, response.content
    assert list(response.json()) == ["callback_at"]
