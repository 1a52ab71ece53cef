"""POST /api/v1/touchpoints/{id}/complete/, /reschedule/ and /skip/: who may, what they answer,
and a 400 naming the field for anything the call page would refuse — never a 500."""

import datetime as dt

import pytest
from django.contrib.auth.models import User
from django.core.management import call_command
from django.utils import timezone
from rest_framework.test import APIClient

from clients.models import Client, Refusal
from tests.clients.factories import make_client
from touchpoints.models import CallAttempt, Touchpoint, TouchpointStatus


def make_touchpoint(client: Client, assignee: User | None, **fields) -> Touchpoint:
    fields.setdefault("due_at", timezone.now() + dt.timedelta(hours=1))
    fields.setdefault("channel", "call")
    return Touchpoint.objects.create(
        client=client,
        anchor_key=f"api-actions:{Touchpoint.objects.count()}",
        assignee=assignee,
        purpose="Delivery day call",
        **fields,
    )


def url(touchpoint: Touchpoint, action: str) -> str:
    return f"/api/v1/touchpoints/{touchpoint.pk}/{action}/"


def in_days(days: int) -> str:
    return (timezone.localdate() + dt.timedelta(days=days)).isoformat()


def later(hours: int = 3) -> str:
    return (timezone.now() + dt.timedelta(hours=hours)).isoformat()


@pytest.fixture
def api() -> APIClient:
    return APIClient()


@pytest.fixture
def irina(sales, account) -> Client:
    return make_client(
        originator=sales, account_manager=account, name="Irina", phones=["+79123456789"]
    )


@pytest.fixture
def call(irina, sales) -> Touchpoint:
    """Sasha's call to his own client."""
    return make_touchpoint(irina, sales)


# --- completing a call ---------------------------------------------------------------------


def test_it_records_a_reached_call_and_plans_the_agreed_next_contact(api, sales, call):
    api.force_login(sales)

    response = api.post(
        url(call, "complete"),
        {
            "outcome": "reached",
            "satisfaction": 5,
            "note": "Happy with the sofa.",
            "next_contact_on": in_days(30),
            "upsell": "thinking",
        },
    )

    assert response.status_code == 201, response.json()
    body = response.json()
    assert body["outcome"] == "reached"
    assert body["satisfaction"] == 5
    assert body["upsell"] == "thinking"
    assert body["cross_sell"] == ""
    assert body["next_contact_on"] == in_days(30)
    assert body["touchpoint"]["id"] == call.pk
    assert body["touchpoint"]["status"] == "done"
    assert body["touchpoint"]["attempts"] == 1
    attempt = CallAttempt.objects.get()
    assert attempt.pk == body["id"] and attempt.recorded_by == sales
    nxt = Touchpoint.objects.get(anchor_key__startswith="next:")
    assert timezone.localtime(nxt.due_at).date().isoformat() >= in_days(30)
    assert nxt.assignee == sales and nxt.status == TouchpointStatus.PLANNED


def test_it_plans_a_retry_after_no_answer(api, sales, call, settings):
    settings.CALL_MAX_ATTEMPTS = 3
    api.force_login(sales)

    response = api.post(url(call, "complete"), {"outcome": "no_answer"})

    assert response.status_code == 201
    state = response.json()["touchpoint"]
    assert state["status"] == "planned"
    assert state["attempts"] == 1
    assert dt.datetime.fromisoformat(state["due_at"]) > call.due_at


def test_it_records_a_call_back_at_an_aware_time(api, sales, call):
    api.force_login(sales)
    moment = (timezone.now() + dt.timedelta(days=2)).replace(microsecond=0)

    response = api.post(
        url(call, "complete"), {"outcome": "call_back", "callback_at": moment.isoformat()}
    )

    assert response.status_code == 201
    state = response.json()["touchpoint"]
    assert (state["status"], dt.datetime.fromisoformat(state["due_at"])) == ("planned", moment)


def test_it_records_a_refusal_with_its_reason(api, sales, call):
    api.force_login(sales)

    response = api.post(
        url(call, "complete"),
        {"outcome": "refused", "refusal_reason": "price", "note": "Too expensive."},
    )

    assert response.status_code == 201
    refusal = Refusal.objects.get(client=call.client)
    assert (refusal.reason, refusal.details) == ("price", "Too expensive.")


def test_it_records_a_referral_and_a_complaint(api, sales, call):
    api.force_login(sales)

    response = api.post(
        url(call, "complete"),
        {
            "outcome": "reached",
            "no_further_contact": "Moving abroad.",
            "referral_name": "Oleg",
            "referral_phone": "+7 912 000-11-22",
            "complaint": "The delivery was late.",
        },
    )

    assert response.status_code == 201, response.json()
    oleg = Client.objects.get(name="Oleg")
    assert oleg.phones.get().number == "+79120001122"
    recovery = Touchpoint.objects.get(anchor_key__startswith="recovery:")
    assert recovery.is_urgent and recovery.talking_points == "The delivery was late."


def test_it_lets_a_director_complete_anyones_call(api, director, call):
    api.force_login(director)

    response = api.post(url(call, "complete"), {"outcome": "wrong_number"})

    assert response.status_code == 201
    assert response.json()["touchpoint"]["status"] == "done"
    assert CallAttempt.objects.get().recorded_by == director


def test_it_lets_the_account_manager_complete_their_call(api, account, irina):
    call = make_touchpoint(irina, account)
    api.force_login(account)

    assert api.post(url(call, "complete"), {"outcome": "busy"}).status_code == 201


# --- who may --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("action", "data"),
    [
        ("complete", {"outcome": "busy"}),
        ("reschedule", {"due_at": later(), "reason": "Asked"}),
        ("skip", {"reason": "Asked"}),
    ],
)
def test_it_is_404_for_another_managers_touchpoint(
    api, call, other_sales, other_account, action, data
):
    for user in (other_sales, other_account):
        api.force_login(user)
        response = api.post(url(call, action), data)
        assert response.status_code == 404, (user, response.content)
    call.refresh_from_db()
    assert (call.status, call.attempts, call.note) == ("planned", 0, "")


def test_it_is_404_for_a_touchpoint_that_does_not_exist(api, sales):
    api.force_login(sales)

    assert api.post("/api/v1/touchpoints/999999/complete/", {"outcome": "busy"}).status_code == 404
    assert api.post("/api/v1/touchpoints/abc/complete/", {"outcome": "busy"}).status_code == 404


@pytest.mark.parametrize(
    ("action", "data"),
    [
        ("complete", {"outcome": "busy"}),
        ("reschedule", {"due_at": later(), "reason": "Asked"}),
        ("skip", {"reason": "Asked"}),
    ],
)
def test_it_is_403_for_a_manager_who_sees_the_touchpoint_but_does_not_hold_it(
    api, sales, account, irina, action, data
):
    # Irina is Sasha's client, and Anna manages her account: Sasha sees Anna's call.
    annas = make_touchpoint(irina, account)
    api.force_login(sales)

    assert api.get(f"/api/v1/touchpoints/{annas.pk}/").status_code == 200
    response = api.post(url(annas, action), data)

    assert response.status_code == 403
    assert "another manager" in response.json()["detail"]
    annas.refresh_from_db()
    assert (annas.status, annas.attempts) == ("planned", 0)


def test_it_refuses_anonymous_callers_and_users_without_a_role(api, call):
    assert api.post(url(call, "complete"), {"outcome": "busy"}).status_code == 401
    api.force_login(User.objects.create_user("nobody"))
    assert api.post(url(call, "complete"), {"outcome": "busy"}).status_code == 403


def test_it_refuses_to_complete_what_the_system_sends(api, director, irina):
    message = make_touchpoint(irina, None, channel="email", is_automatic=True)
    letter = make_touchpoint(irina, None, channel="post")
    api.force_login(director)

    for touchpoint in (message, letter):
        response = api.post(url(touchpoint, "complete"), {"outcome": "reached"})
        assert response.status_code == 400
        assert "non_field_errors" in response.json()
    assert not CallAttempt.objects.exists()


def test_it_lets_the_clients_manager_move_a_message_nobody_holds(api, sales, irina):
    message = make_touchpoint(irina, None, channel="email", is_automatic=True)
    api.force_login(sales)

    response = api.post(url(message, "skip"), {"reason": "She asked for no e-mails."})

    assert response.status_code == 200
    assert response.json()["status"] == "skipped"


# --- validation -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("data", "field"),
    [
        ({}, "outcome"),
        ({"outcome": "nonsense"}, "outcome"),
        ({"outcome": None}, "outcome"),
        ({"outcome": ["reached"]}, "outcome"),
        ({"outcome": "reached"}, "next_contact_on"),
        ({"outcome": "reached", "next_contact_on": in_days(-1)}, "next_contact_on"),
        ({"outcome": "reached", "next_contact_on": in_days(0)}, "next_contact_on"),
        ({"outcome": "reached", "next_contact_on": in_days(2000)}, "next_contact_on"),
        ({"outcome": "reached", "next_contact_on": "tomorrow"}, "next_contact_on"),
        ({"outcome": "reached", "next_contact_on": "2030-02-31"}, "next_contact_on"),
        ({"outcome": "reached", "next_contact_on": later()}, "next_contact_on"),
        ({"outcome": "reached", "next_contact_on": 20300101}, "next_contact_on"),
        (
            {"outcome": "reached", "next_contact_on": in_days(3), "no_further_contact": "No"},
            "no_further_contact",
        ),
        ({"outcome": "reached", "no_further_contact": "x" * 256}, "no_further_contact"),
        ({"outcome": "reached", "no_further_contact": "Moving", "satisfaction": 7}, "satisfaction"),
        ({"outcome": "reached", "no_further_contact": "Moving", "satisfaction": 0}, "satisfaction"),
        ({"outcome": "reached", "no_further_contact": "No", "satisfaction": "x"}, "satisfaction"),
        ({"outcome": "reached", "no_further_contact": "No", "satisfaction": 4.5}, "satisfaction"),
        ({"outcome": "busy", "satisfaction": 4}, "satisfaction"),
        ({"outcome": "busy", "upsell": "accepted"}, "upsell"),
        ({"outcome": "busy", "complaint": "Late"}, "complaint"),
        ({"outcome": "busy", "next_contact_on": in_days(3)}, "next_contact_on"),
        ({"outcome": "reached", "no_further_contact": "No", "upsell": "maybe"}, "upsell"),
        ({"outcome": "reached", "no_further_contact": "No", "cross_sell": 1}, "cross_sell"),
        ({"outcome": "reached", "no_further_contact": "No", "note": {"a": 1}}, "note"),
        ({"outcome": "reached", "no_further_contact": "No", "note": "a\x00b"}, "note"),
        ({"outcome": "call_back"}, "callback_at"),
        ({"outcome": "call_back", "callback_at": "2030-01-01T10:00:00"}, "callback_at"),
        ({"outcome": "call_back", "callback_at": "2001-01-01T10:00:00+03:00"}, "callback_at"),
        ({"outcome": "call_back", "callback_at": "soon"}, "callback_at"),
        ({"outcome": "call_back", "callback_at": "0001-01-01T00:00:00+14:00"}, "callback_at"),
        ({"outcome": "refused"}, "refusal_reason"),
        ({"outcome": "refused", "refusal_reason": "mood"}, "refusal_reason"),
        (
            {"outcome": "reached", "no_further_contact": "No", "referral_phone": "+79120001122"},
            "referral_name",
        ),
        (
            {
                "outcome": "reached",
                "no_further_contact": "No",
                "referral_name": "O",
                "referral_phone": "12",
            },
            "referral_phone",
        ),
        (
            {"outcome": "reached", "no_further_contact": "No", "referral_name": "x" * 201},
            "referral_name",
        ),
    ],
)
def test_it_answers_400_naming_the_field(api, sales, call, data, field):
    api.force_login(sales)

    response = api.post(url(call, "complete"), data)

    assert response.status_code == 400, response.content
    assert field in response.json(), response.json()
    call.refresh_from_db()
    assert (call.status, call.attempts) == ("planned", 0)
    assert not CallAttempt.objects.exists()


@pytest.mark.parametrize(
    "body", ["[1, 2]", '"reached"', "null", "{", '{"outcome": "busy"'], ids=repr
)
def test_it_answers_400_to_a_body_that_is_not_an_object(api, sales, call, body):
    api.force_login(sales)

    response = api.post(url(call, "complete"), body, content_type="application/json")

    assert response.status_code == 400


@pytest.mark.parametrize("action", ["complete", "reschedule", "skip"])
@pytest.mark.parametrize("status", ["done", "skipped", "cancelled", "missed", "sending"])
def test_it_answers_400_for_a_touchpoint_no_longer_planned(api, sales, call, action, status):
    Touchpoint.objects.filter(pk=call.pk).update(status=status)
    api.force_login(sales)
    data = {
        "complete": {"outcome": "busy"},
        "reschedule": {"due_at": later(), "reason": "Asked"},
        "skip": {"reason": "Asked"},
    }[action]

    response = api.post(url(call, action), data)

    assert response.status_code == 400
    [message] = response.json()["non_field_errors"]
    assert message.startswith("This touchpoint is already")


# --- rescheduling and skipping --------------------------------------------------------------


def test_it_reschedules_with_the_reason(api, sales, call):
    api.force_login(sales)
    moment = (timezone.now() + dt.timedelta(days=3)).replace(microsecond=0)

    response = api.post(
        url(call, "reschedule"), {"due_at": moment.isoformat(), "reason": "On holiday"}
    )

    assert response.status_code == 200
    body = response.json()
    assert dt.datetime.fromisoformat(body["due_at"]) == moment
    assert (body["status"], body["note"]) == ("planned", "Moved: On holiday")


@pytest.mark.parametrize(
    ("data", "field"),
    [
        ({"reason": "x"}, "due_at"),
        ({"due_at": later()}, "reason"),
        ({"due_at": later(), "reason": "  "}, "reason"),
        ({"due_at": later(), "reason": "x" * 256}, "reason"),
        ({"due_at": "2030-01-01T10:00", "reason": "x"}, "due_at"),
        ({"due_at": "2001-01-01T10:00:00Z", "reason": "x"}, "due_at"),
        ({"due_at": "2999-01-01T10:00:00Z", "reason": "x"}, "due_at"),
        ({"due_at": "9999-12-31T23:59:59-14:00", "reason": "x"}, "due_at"),
        ({"due_at": "2030-01-01", "reason": "x"}, "due_at"),
        ({"due_at": 1893456000, "reason": "x"}, "due_at"),
        ({"due_at": None, "reason": "x"}, "due_at"),
    ],
)
def test_it_answers_400_to_a_bad_reschedule(api, sales, call, data, field):
    api.force_login(sales)

    response = api.post(url(call, "reschedule"), data)

    assert response.status_code == 400, response.content
    assert field in response.json(), response.json()
    call.refresh_from_db()
    assert call.note == ""


def test_it_skips_with_the_reason(api, sales, call):
    api.force_login(sales)

    response = api.post(url(call, "skip"), {"reason": "Already spoke at the shop."})

    assert response.status_code == 200
    body = response.json()
    assert (body["status"], body["note"]) == ("skipped", "Already spoke at the shop.")
    assert body["closed_at"] is not None


@pytest.mark.parametrize("data", [{}, {"reason": ""}, {"reason": None}, {"reason": ["x"]}])
def test_it_answers_400_to_a_skip_without_a_reason(api, sales, call, data):
    api.force_login(sales)

    response = api.post(url(call, "skip"), data)

    assert response.status_code == 400
    assert "reason" in response.json()
    call.refresh_from_db()
    assert call.status == "planned"


# --- the schema -----------------------------------------------------------------------------


def test_it_documents_the_actions_in_a_schema_without_warnings(tmp_path):
    target = tmp_path / "schema.yml"

    call_command("spectacular", "--validate", "--fail-on-warn", "--file", str(target))

    schema = target.read_text()
    for action in ("complete", "reschedule", "skip"):
        assert f"/api/v1/touchpoints/{{id}}/{action}/:" in schema
    assert "CallReportRequest:" in schema
    assert "OfferAnswerEnum:" in schema
