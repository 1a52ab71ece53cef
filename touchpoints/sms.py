"""SMS backends, chosen by the SMS_BACKEND setting, in the manner of Django's e-mail backends.

Each backend's `send(to, text)` returns the provider's message id, raises `TemporaryError`
for a failure worth retrying and `PermanentError` for one that is not.
"""

import json
import threading
import urllib.error
import urllib.request
import uuid
from pathlib import Path
from typing import ClassVar

from django.conf import settings
from django.utils import timezone
from django.utils.module_loading import import_string

# One SMS segment holds 160 GSM-7 characters or 70 of anything else (Cyrillic included); a
# long message is split into parts of 153 or 67.
GSM7 = set(
    "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞ ÆæßÉ!\"#¤%&'()*+,-./0123456789:;<=>?¡ABCDEFGHIJKLMNOPQRSTUVWXYZ"
    "ÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà"
)


class SmsError(Exception):
    pass


class TemporaryError(SmsError):
    pass


class PermanentError(SmsError):
    pass


def segments(text: str) -> int:
    if not text:
        return 0
    single, part = (160, 153) if set(text) <= GSM7 else (70, 67)
    return 1 if len(text) <= single else -(-len(text) // part)


def fit(text: str, max_segments: int) -> str:
    """Cut the text, marking the cut, so that it fits in `max_segments` segments."""
    if segments(text) <= max_segments:
        return text
    gsm = set(text) <= GSM7
    single, part = (160, 153) if gsm else (70, 67)
    limit = single if max_segments == 1 else part * max_segments
    tail = "..." if gsm else "…"  # an ellipsis character would turn GSM-7 text into UCS-2
    return text[: limit - len(tail)].rstrip() + tail


class BaseBackend:
    def send(self, to: str, text: str) -> str:
        raise NotImplementedError


class ConsoleBackend(BaseBackend):
    def send(self, to: str, text: str) -> str:
        message_id = uuid.uuid4().hex
        print(f"SMS to {to} [{message_id}]:\n{text}\n", flush=True)
        return message_id


class FileBackend(BaseBackend):
    """One file per message under SMS_FILE_PATH."""

    def send(self, to: str, text: str) -> str:
        folder = Path(settings.SMS_FILE_PATH)
        folder.mkdir(parents=True, exist_ok=True)
        message_id = uuid.uuid4().hex
        stamp = timezone.now().strftime("%Y%m%d-%H%M%S")
        (folder / f"{stamp}-{message_id}.txt").write_text(f"To: {to}\n\n{text}\n", "utf-8")
        return message_id


class LocmemBackend(BaseBackend):
    """Keeps messages in memory, for tests: `LocmemBackend.outbox`."""

    outbox: ClassVar[list[tuple[str, str]]] = []
    _lock = threading.Lock()

    def send(self, to: str, text: str) -> str:
        with self._lock:
            self.outbox.append((to, text))
        return uuid.uuid4().hex


class HttpBackend(BaseBackend):
    """A JSON-over-HTTPS provider: POST {"to", "text", "sender"} with a bearer token to
    SMS_HTTP_URL; the answer's "id" is the message id. 4xx answers (but 408 and 429) are
    permanent, everything else temporary."""

    def send(self, to: str, text: str) -> str:
        body = json.dumps({"to": to, "text": text, "sender": settings.SMS_SENDER}).encode()
        request = urllib.request.Request(  # noqa: S310 - the URL is the operator's setting
            settings.SMS_HTTP_URL,
            data=body,
            method="POST",
            headers={
                "Content-Type": "application/json",
                "Authorization": f"Bearer {settings.SMS_HTTP_TOKEN}",
            },
        )
        try:
            with urllib.request.urlopen(request, timeout=settings.SMS_HTTP_TIMEOUT) as response:  # noqa: S310
                answer = json.loads(response.read() or b"{}")
        except urllib.error.HTTPError as exc:
            if 400 <= exc.code < 500 and exc.code not in (408, 429):
                raise PermanentError(f"SMS provider refused the message: HTTP {exc.code}") from exc
            raise TemporaryError(f"SMS provider answered HTTP {exc.code}") from exc
        except (urllib.error.URLError, TimeoutError, OSError) as exc:
            raise TemporaryError(f"SMS provider unreachable: {exc}") from exc
        except ValueError as exc:
            raise TemporaryError("SMS provider answered something that is not JSON") from exc
        return str(answer.get("id", ""))


def get_backend() -> BaseBackend:
    return import_string(settings.SMS_BACKEND)()
