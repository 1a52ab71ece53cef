"""PBX backends, chosen by the TELEPHONY_BACKEND setting, in the manner of the SMS backends.

A backend does two things: `callback(extension=, number=)` asks the PBX to ring the manager's
extension and then connect it to the client's number (raising `PbxError` with a message for the
manager when the PBX refuses or cannot be reached); and `events(request)` reads a webhook
request from the PBX into `CallEvent`s (raising `BadSignature` when the request is not signed
by it). The README lists the requests and the fields each backend relies on.
"""

import base64
import contextlib
import datetime as dt
import hashlib
import hmac
import json
import urllib.error
import urllib.parse
import urllib.request
import uuid
from dataclasses import dataclass
from typing import ClassVar

from django.conf import settings
from django.http import HttpRequest
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.utils.module_loading import import_string
from django.utils.translation import gettext as _

from .models import Direction, Disposition


class PbxError(Exception):
    """The PBX refused or did not answer; the message is for the manager."""


class BadSignature(Exception):
    pass


class Echo(Exception):
    """The provider checks the webhook address: answer it with this text."""

    def __init__(self, text: str) -> None:
        super().__init__(text)
        self.text = text


START, ANSWER, END = "start", "answer", "end"


@dataclass(frozen=True)
class CallEvent:
    """One thing the PBX says about a call, in the same words for every provider."""

    provider: str
    call_id: str
    kind: str  # start, answer or end
    direction: str
    from_number: str = ""
    to_number: str = ""
    extension: str = ""
    started_at: dt.datetime | None = None
    at: dt.datetime | None = None  # when the answer or the end happened
    duration: int = 0
    disposition: str = ""
    recording_url: str = ""

    @property
    def client_side(self) -> str:
        """The number at the client's end of the call."""
        return self.from_number if self.direction == Direction.INBOUND else self.to_number


def _urlopen(request: urllib.request.Request) -> dict:
    try:
        with urllib.request.urlopen(request, timeout=settings.TELEPHONY_TIMEOUT) as response:  # noqa: S310 - the operator's URL
            return json.loads(response.read() or b"{}")
    except urllib.error.HTTPError as exc:
        detail = ""
        with contextlib.suppress(ValueError, AttributeError):
            detail = str(json.loads(exc.read() or b"{}").get("message", ""))
        raise PbxError(
            _("The PBX refused the call (HTTP %(code)s). %(detail)s")
            % {"code": exc.code, "detail": detail}
        ) from exc
    except (urllib.error.URLError, TimeoutError, OSError) as exc:
        raise PbxError(_("The PBX cannot be reached; try again or dial the number.")) from exc
    except ValueError as exc:
        raise PbxError(_("The PBX answered something that is not JSON.")) from exc


def _form_value(request: HttpRequest, name: str) -> str:
    return str(request.POST.get(name, "")).strip()


class BaseBackend:
    name: ClassVar[str] = ""

    def callback(self, *, extension: str, number: str) -> str:
        raise NotImplementedError

    def events(self, request: HttpRequest) -> list[CallEvent]:
        raise NotImplementedError


class HttpBackend(BaseBackend):
    """Any PBX that can send and take the JSON below (see the README).

    Call: POST {TELEPHONY_API_URL}/calls with {"extension", "number", "reference"} and
    `Authorization: Bearer <TELEPHONY_API_KEY>`; the answer's "call_id" is the call.
    Events: POST of one JSON event with `X-Signature: hex(hmac_sha256(body,
    TELEPHONY_API_SECRET))`: {"call_id", "event": start|answer|end, "direction": in|out,
    "from", "to", "extension", "started_at", "at" (ISO 8601), "duration" (seconds),
    "disposition": answered|no_answer|busy|failed, "recording_url"}.
    """

    name = "http"

    def callback(self, *, extension: str, number: str) -> str:
        body = json.dumps(
            {"extension": extension, "number": number, "reference": uuid.uuid4().hex}
        ).encode()
        request = urllib.request.Request(  # noqa: S310 - the operator's URL
            settings.TELEPHONY_API_URL.rstrip("/") + "/calls",
            data=body,
            method="POST",
            headers={
                "Content-Type": "application/json",
                "Authorization": f"Bearer {settings.TELEPHONY_API_KEY}",
            },
        )
        return str(_urlopen(request).get("call_id", ""))

    @staticmethod
    def sign(body: bytes) -> str:
        secret = settings.TELEPHONY_API_SECRET.encode()
        return hmac.new(secret, body, hashlib.sha256).hexdigest()

    def events(self, request: HttpRequest) -> list[CallEvent]:
        given = request.headers.get("X-Signature", "")
        if not settings.TELEPHONY_API_SECRET or not hmac.compare_digest(
            given, self.sign(request.body)
        ):
            raise BadSignature
        try:
            data = json.loads(request.body)
            kind = data["event"]
            direction = data["direction"]
            call_id = str(data["call_id"]).strip()
            duration = int(data.get("duration") or 0)
        except (ValueError, KeyError, TypeError) as exc:
            raise ValueError(_("An event needs call_id, event and direction.")) from exc
        if kind not in (START, ANSWER, END) or direction not in Direction.values or not call_id:
            raise ValueError(_("Unknown event or direction."))
        disposition = str(data.get("disposition") or "")
        if kind == END and disposition not in Disposition.values:
            raise ValueError(_("Unknown disposition."))
        return [
            CallEvent(
                provider=self.name,
                call_id=call_id[:100],
                kind=kind,
                direction=direction,
                from_number=str(data.get("from") or "")[:40],
                to_number=str(data.get("to") or "")[:40],
                extension=str(data.get("extension") or "")[:20],
                started_at=_iso(data.get("started_at")),
                at=_iso(data.get("at")),
                duration=max(duration, 0),
                disposition=disposition,
                recording_url=str(data.get("recording_url") or "")[:500],
            )
        ]


def _iso(value: object) -> dt.datetime | None:
    if not isinstance(value, str):
        return None
    moment = parse_datetime(value)
    if moment is not None and timezone.is_naive(moment):
        moment = timezone.make_aware(moment)
    return moment


class ConsoleBackend(HttpBackend):
    """For development: prints the call instead of placing it, and takes events in the JSON
    shape of HttpBackend."""

    name = "console"

    def callback(self, *, extension: str, number: str) -> str:
        call_id = uuid.uuid4().hex
        print(f"Call {extension} → {number} [{call_id}]", flush=True)
        return call_id


# Zadarma's dispositions, in our words; anything else (no money, unallocated number, line
# limit …) is a failure of the line, not the client's answer.
ZADARMA_DISPOSITIONS = {
    "answered": Disposition.ANSWERED,
    "busy": Disposition.BUSY,
    "no answer": Disposition.NO_ANSWER,
    "cancel": Disposition.NO_ANSWER,
}


class ZadarmaBackend(BaseBackend):
    """Zadarma's API (https://zadarma.com/en/support/api/): the callback request and the PBX
    call notifications, signed with the account's key and secret."""

    name = "zadarma"
    CALLBACK = "/v1/request/callback/"
    # Which fields each notification signs, in order, and what it means for us.
    SIGNED: ClassVar[dict[str, tuple[str, ...]]] = {
        "NOTIFY_START": ("caller_id", "called_did", "call_start"),
        "NOTIFY_INTERNAL": ("caller_id", "called_did", "call_start"),
        "NOTIFY_ANSWER": ("caller_id", "destination", "call_start"),
        "NOTIFY_END": ("caller_id", "called_did", "call_start"),
        "NOTIFY_OUT_START": ("internal", "destination", "call_start"),
        "NOTIFY_OUT_END": ("internal", "destination", "call_start"),
    }

    @staticmethod
    def _hmac(text: str) -> str:
        # Zadarma's own libraries sign the hex digest, base64-encoded.
        digest = hmac.new(
            settings.TELEPHONY_API_SECRET.encode(), text.encode(), hashlib.sha1
        ).hexdigest()
        return base64.b64encode(digest.encode()).decode()

    @classmethod
    def api_signature(cls, method: str, params: dict[str, str]) -> str:
        query = urllib.parse.urlencode(sorted(params.items()))
        return cls._hmac(method + query + hashlib.md5(query.encode()).hexdigest())  # noqa: S324 - their scheme

    def callback(self, *, extension: str, number: str) -> str:
        params = {"from": extension, "to": number.lstrip("+")}
        query = urllib.parse.urlencode(sorted(params.items()))
        request = urllib.request.Request(  # noqa: S310 - the operator's URL
            settings.TELEPHONY_API_URL.rstrip("/") + self.CALLBACK + "?" + query,
            method="GET",
            headers={
                "Authorization": f"{settings.TELEPHONY_API_KEY}:"
                + self.api_signature(self.CALLBACK, params)
            },
        )
        answer = _urlopen(request)
        if answer.get("status") != "success":
            raise PbxError(
                _("The PBX refused the call: %(message)s")
                % {"message": answer.get("message", answer.get("status", ""))}
            )
        return ""

    def events(self, request: HttpRequest) -> list[CallEvent]:
        if request.method == "GET" and "zd_echo" in request.GET:
            raise Echo(request.GET["zd_echo"])
        event = _form_value(request, "event")
        fields = self.SIGNED.get(event)
        if fields is None:
            # NOTIFY_RECORD, NOTIFY_IVR …: nothing a call list needs.
            return []
        expected = self._hmac("".join(_form_value(request, name) for name in fields))
        given = request.headers.get("Signature", "")
        if not settings.TELEPHONY_API_SECRET or not hmac.compare_digest(given, expected):
            raise BadSignature
        call_id = _form_value(request, "pbx_call_id")
        if not call_id:
            raise ValueError(_("The notification has no pbx_call_id."))
        started = self._moment(_form_value(request, "call_start"))
        outgoing = event.startswith("NOTIFY_OUT_")
        internal = _form_value(request, "internal")
        if outgoing:
            numbers = {"from_number": internal, "to_number": _form_value(request, "destination")}
        else:
            numbers = {
                "from_number": _form_value(request, "caller_id"),
                "to_number": _form_value(request, "called_did"),
            }
        kind = {"NOTIFY_ANSWER": ANSWER, "NOTIFY_END": END, "NOTIFY_OUT_END": END}.get(event, START)
        duration = int(_form_value(request, "duration") or 0) if kind == END else 0
        disposition = ""
        if kind == END:
            disposition = ZADARMA_DISPOSITIONS.get(
                _form_value(request, "disposition"), Disposition.FAILED
            )
        return [
            CallEvent(
                provider=self.name,
                call_id=call_id[:100],
                kind=kind,
                direction=Direction.OUTBOUND if outgoing else Direction.INBOUND,
                extension=internal[:20],
                started_at=started,
                at=started + dt.timedelta(seconds=duration) if started and kind == END else None,
                duration=duration,
                disposition=disposition,
                **{key: value[:40] for key, value in numbers.items()},
            )
        ]

    @staticmethod
    def _moment(text: str) -> dt.datetime | None:
        """Zadarma writes times as "2026-12-04 10:15:00", in the PBX's time zone (the site's)."""
        try:
            moment = dt.datetime.strptime(text, "%Y-%m-%d %H:%M:%S")
        except ValueError:
            return None
        return timezone.make_aware(moment)


def get_backend() -> BaseBackend:
    return import_string(settings.TELEPHONY_BACKEND)()
