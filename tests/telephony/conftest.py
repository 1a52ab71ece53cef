"""A local fake of the provider's HTTP API: it records each request and answers what the test
says. No test reaches the internet."""

import datetime as dt
import json
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from django.utils import timezone

from clients.models import Client
from telephony.models import Extension
from tests.clients.factories import make_client
from touchpoints.models import Touchpoint


@dataclass
class Recorded:
    method: str
    path: str
    headers: dict[str, str]
    body: bytes


@dataclass
class FakeServer:
    url: str = ""
    requests: list[Recorded] = field(default_factory=list)
    # The answers to give, in order; the last one is repeated.
    answers: list[tuple[int, dict]] = field(default_factory=lambda: [(200, {"status": "success"})])

    def answer(self, status: int, body: dict) -> None:
        self.answers = [(status, body)]


@pytest.fixture
def fake_server() -> Iterator[FakeServer]:
    fake = FakeServer()

    class Handler(BaseHTTPRequestHandler):
        def _handle(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            fake.requests.append(
                Recorded(self.command, self.path, dict(self.headers), self.rfile.read(length))
            )
            status, body = fake.answers.pop(0) if len(fake.answers) > 1 else fake.answers[0]
            data = json.dumps(body).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        do_GET = do_POST = _handle

        def log_message(self, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    fake.url = f"http://127.0.0.1:{server.server_address[1]}"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield fake
    server.shutdown()
    server.server_close()


@pytest.fixture
def pbx_settings(settings) -> object:
    settings.TELEPHONY_API_KEY = "key123"
    settings.TELEPHONY_API_SECRET = "secret456"
    return settings


@pytest.fixture
def sales_extension(sales) -> Extension:
    return Extension.objects.create(user=sales, extension="101")


@pytest.fixture
def pavel(sales) -> Client:
    """Sasha's client, whose number the tests write in other formats."""
    return make_client(originator=sales, name="Pavel Orlov", phones=["+79123456789"])


@pytest.fixture
def call_today(pavel, sales) -> Touchpoint:
    return Touchpoint.objects.create(
        client=pavel,
        anchor_key="test",
        due_at=timezone.now() - dt.timedelta(minutes=5),
        assignee=sales,
        channel="call",
        purpose="Ask about the delivery",
    )
