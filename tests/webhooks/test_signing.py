"""The signature a delivery carries verifies with the snippet the README gives integrators,
and fails for another secret, another body or an old time."""

import datetime as dt
import re
from pathlib import Path

import pytest
import time_machine
from django.conf import settings

from tests.clients.factories import make_client
from webhooks import services
from webhooks.models import Delivery

from .conftest import SECRET, make_endpoint

NOW = dt.datetime(2026, 11, 16, 9, tzinfo=dt.UTC)


def readme_verify():
    """The `verify` function of the README's snippet, run exactly as printed there."""
    readme = (Path(settings.BASE_DIR) / "README.md").read_text(encoding="utf-8")
    snippet = re.search(r"<!-- webhook-verify -->\n```python\n(.*?)```", readme, re.S)
    assert snippet is not None, "the README lost its verification snippet"
    namespace: dict = {}
    exec(snippet.group(1), namespace)  # noqa: S102 - our own README's code
    return namespace["verify"]


@pytest.fixture
def delivery(db, receiver) -> Delivery:
    make_endpoint(receiver.url)
    make_client(name="Vera")  # a new client: its stage changes
    return Delivery.objects.get(event_type="client.stage_changed")


def test_it_signs_what_the_readme_snippet_verifies(db, receiver):
    verify = readme_verify()
    with time_machine.travel(NOW, tick=False):
        make_endpoint(receiver.url)
        make_client(name="Vera")
        services.delivery_send_due()
        [request] = receiver.requests
        header = request.headers["X-Followup-Signature"]

        assert verify(SECRET, request.body, header)
        assert not verify("another-secret-entirely", request.body, header)
        assert not verify(SECRET, request.body + b" ", header)
        assert not verify(SECRET, request.body, "t=abc,v1=00")
    with time_machine.travel(NOW + dt.timedelta(minutes=10), tick=False):
        assert not verify(SECRET, request.body, header)  # a replay, later


def test_it_sends_the_event_headers_and_payload(delivery, receiver):
    services.delivery_send_due()

    [request] = receiver.requests
    assert request.headers["X-Followup-Event"] == "client.stage_changed"
    assert request.headers["X-Followup-Delivery"] == str(delivery.event_id)
    assert request.headers["Content-Type"] == "application/json"
    payload = request.payload
    assert payload["id"] == str(delivery.event_id)
    assert payload["type"] == "client.stage_changed"
    assert payload["data"]["to_stage"] == "prospect"
    assert "Vera" not in request.body.decode()  # ids, not personal data
    assert re.fullmatch(r"t=\d+,v1=[0-9a-f]{64}", request.headers["X-Followup-Signature"])
