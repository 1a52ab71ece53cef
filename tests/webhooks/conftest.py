"""A receiver of webhooks on a local port (http.server in a thread) that answers what a test
scripts, and the deliveries handed to the broker after a commit, recorded instead of queued."""

import json
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from webhooks import services
from webhooks.models import Endpoint, EventType

SECRET = "s3cret-for-the-receiver"


@dataclass
class Received:
    headers: dict[str, str]
    body: bytes

    @property
    def payload(self) -> dict:
        return json.loads(self.body)


@dataclass
class Receiver:
    """`answers` are the status codes of the next requests (then 200); `down` refuses them all
    with 503."""

    url: str
    answers: list[int] = field(default_factory=list)
    down: bool = False
    requests: list[Received] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def answer(self) -> int:
        with self.lock:
            if self.down:
                return 503
            return self.answers.pop(0) if self.answers else 200

    @property
    def delivered(self) -> list[Received]:
        return [request for request in self.requests if request.headers.get("status") == "200"]


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    state: Receiver

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers["Content-Length"]))
            status = state.answer()
            headers = {name: value for name, value in self.headers.items()}
            headers["status"] = str(status)
            with state.lock:
                state.requests.append(Received(headers=headers, body=body))
            self.send_response(status)
            self.send_header("Content-Length", "0")
            self.end_headers()

        def log_message(self, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    state = Receiver(url=f"http://127.0.0.1:{server.server_port}/hooks")
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield state
    server.shutdown()
    server.server_close()


@pytest.fixture(autouse=True)
def webhooks_handed(monkeypatch) -> list[int]:
    """The ids of the deliveries handed to the broker after a commit; a test posts them with
    the sweep (webhooks.services.delivery_send_due)."""
    from webhooks import tasks

    handed: list[int] = []
    monkeypatch.setattr(
        tasks.webhook_deliver, "apply_async", lambda args, **options: handed.append(args[0])
    )
    return handed


def make_endpoint(url: str, events: list[str] | None = None, **fields) -> Endpoint:
    return services.endpoint_create(
        by=None,
        url=url,
        secret=fields.pop("secret", SECRET),
        events=events or list(EventType.values),
        **fields,
    )
