"""Call events from the PBX: one call, one record, one attempt, whatever their order and
number."""

import base64
import hashlib
import hmac
import json

import pytest
from django.urls import reverse

from telephony.models import Disposition, PhoneCall
from telephony.pbx import HttpBackend
from touchpoints.models import CallAttempt, CallOutcome, TouchpointStatus

HTTP = "telephony.pbx.HttpBackend"
ZADARMA = "telephony.pbx.ZadarmaBackend"


@pytest.fixture
def http_pbx(pbx_settings):
    pbx_settings.TELEPHONY_BACKEND = HTTP
    return pbx_settings


def post_event(client, **event) -> object:
    body = json.dumps(event).encode()
    return client.post(
        reverse("telephony:pbx_hook", args=["http"]),
        body,
        content_type="application/json",
        headers={"X-Signature": HttpBackend.sign(body)},
    )


def outbound(kind: str, **extra) -> dict:
    event = {
        "call_id": "c-1",
        "event": kind,
        "direction": "out",
        "from": "101",
        "to": "8 (912) 345-67-89",
        "extension": "101",
        "started_at": "2026-12-04T10:00:00+03:00",
    }
    if kind == "end":
        event |= {"at": "2026-12-04T10:00:30+03:00", "duration": 0, "disposition": "no_answer"}
    return event | extra


def test_it_records_an_unanswered_call_as_one_attempt_with_a_retry(
    client, http_pbx, sales_extension, call_today, sales
):
    for kind in ("start", "end", "end"):  # the end comes twice
        assert post_event(client, **outbound(kind)).status_code == 200

    call = PhoneCall.objects.get()
    assert call.disposition == Disposition.NO_ANSWER
    assert call.client == call_today.client and call.user == sales
    attempt = CallAttempt.objects.get()
    assert attempt.outcome == CallOutcome.NO_ANSWER and attempt.recorded_by == sales
    assert call.attempt == attempt
    call_today.refresh_from_db()
    assert call_today.status == TouchpointStatus.PLANNED  # tried again later
    assert call_today.attempts == 1 and call_today.due_at > attempt.at


def test_it_takes_the_end_before_the_start(client, http_pbx, sales_extension, call_today):
    post_event(client, **outbound("end", disposition="busy"))
    post_event(client, **outbound("start"))

    call = PhoneCall.objects.get()
    assert call.started_at is not None and call.disposition == Disposition.BUSY
    assert list(CallAttempt.objects.values_list("outcome", flat=True)) == [CallOutcome.BUSY]


def test_it_leaves_an_answered_call_for_the_manager_to_report(
    client, http_pbx, sales_extension, call_today, sales
):
    post_event(client, **outbound("answer", at="2026-12-04T10:00:05+03:00"))
    post_event(
        client,
        **outbound(
            "end",
            disposition="answered",
            duration=192,
            recording_url="https://pbx.example/rec/1.mp3",
        ),
    )

    call = PhoneCall.objects.get()
    assert call.touchpoint == call_today and call.attempt is None
    assert not CallAttempt.objects.exists()
    call_today.refresh_from_db()
    assert call_today.status == TouchpointStatus.PLANNED
    client.force_login(sales)
    page = client.get(reverse("touchpoints:calls")).content.decode()
    assert "answered call 3:12" in page
    assert "outcome=reached" in page
    forms = client.get(
        reverse("touchpoints:call_forms", args=[call_today.pk]) + "?open=complete&outcome=reached"
    ).content.decode()
    assert f'value="reached" required id="call-{call_today.pk}-outcome_0" checked' in forms


def test_it_refuses_a_bad_signature(client, http_pbx, call_today):
    body = json.dumps(outbound("end")).encode()
    answer = client.post(
        reverse("telephony:pbx_hook", args=["http"]),
        body,
        content_type="application/json",
        headers={"X-Signature": "0" * 64},
    )
    assert answer.status_code == 403
    assert not PhoneCall.objects.exists()


def test_it_refuses_events_for_another_backend(client, http_pbx):
    assert client.post(reverse("telephony:pbx_hook", args=["zadarma"])).status_code == 404


def test_it_names_what_is_missing_in_a_broken_event(client, http_pbx):
    answer = post_event(client, event="end", direction="out")
    assert answer.status_code == 400
    assert b"call_id" in answer.content


def test_it_keeps_a_call_from_an_unknown_number_without_a_client(client, http_pbx, sales_extension):
    post_event(client, **outbound("end", to="+7 900 000-00-00"))
    call = PhoneCall.objects.get()
    assert call.client is None and call.processed_at is not None
    assert not CallAttempt.objects.exists()


def test_it_shows_a_call_without_an_open_touchpoint_in_the_timeline(
    client, http_pbx, sales_extension, pavel, sales
):
    post_event(
        client,
        call_id="in-1",
        event="end",
        direction="in",
        **{"from": "+79123456789", "to": "+74950000000"},
        extension="101",
        disposition="answered",
        duration=65,
        recording_url="https://pbx.example/rec/2.mp3",
    )
    client.force_login(sales)
    page = client.get(reverse("clients:detail", args=[pavel.pk])).content.decode()
    assert "Call from the client" in page and "1:05" in page
    assert "https://pbx.example/rec/2.mp3" in page


def zadarma_sign(*parts: str) -> str:
    digest = hmac.new(b"secret456", "".join(parts).encode(), hashlib.sha1).hexdigest()
    return base64.b64encode(digest.encode()).decode()


@pytest.fixture
def zadarma(pbx_settings):
    pbx_settings.TELEPHONY_BACKEND = ZADARMA
    return pbx_settings


def test_it_reads_zadarma_outgoing_notifications(client, zadarma, sales_extension, call_today):
    url = reverse("telephony:pbx_hook", args=["zadarma"])
    start = "2026-12-04 10:00:00"
    end = {
        "event": "NOTIFY_OUT_END",
        "call_start": start,
        "pbx_call_id": "out_abc",
        "caller_id": "+74950000000",
        "destination": "79123456789",
        "internal": "101",
        "duration": "0",
        "disposition": "busy",
        "status_code": "17",
        "is_recorded": "0",
    }
    signature = zadarma_sign("101", "79123456789", start)
    assert client.post(url, end, headers={"Signature": signature}).status_code == 200
    assert client.post(url, end, headers={"Signature": signature}).status_code == 200
    assert client.post(url, end, headers={"Signature": "bad"}).status_code == 403

    call = PhoneCall.objects.get()
    assert call.direction == "out" and call.client_number == "+79123456789"
    assert list(CallAttempt.objects.values_list("outcome", flat=True)) == [CallOutcome.BUSY]


def test_it_answers_zadarmas_address_check(client, zadarma):
    answer = client.get(reverse("telephony:pbx_hook", args=["zadarma"]), {"zd_echo": "abc"})
    assert answer.content == b"abc"
