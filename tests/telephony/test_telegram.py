"""Telegram as a channel: binding a chat, the consent, sending once, retries, a blocked bot,
and a survey answered by a button."""

import datetime as dt
import json

import pytest
from django.urls import reverse
from django.utils import timezone

from clients.selectors import consents_current
from surveys import services as survey_services
from surveys.models import Response, Survey
from telephony.models import TelegramChat
from telephony.telegram import telegram_link
from tests.clients.factories import make_client, make_order
from touchpoints import services
from touchpoints.models import MessageTemplate, SendRecord, Touchpoint, TouchpointStatus

SECRET = "hook-secret"


@pytest.fixture
def bot(settings, fake_server):
    settings.TELEGRAM_BOT_TOKEN = "123:ABC"
    settings.TELEGRAM_BOT_NAME = "shop_bot"
    settings.TELEGRAM_API_URL = fake_server.url
    settings.TELEGRAM_WEBHOOK_SECRET = SECRET
    fake_server.answer(200, {"ok": True, "result": {"message_id": 77}})
    return fake_server


@pytest.fixture
def vera(sales, account):
    return make_client(originator=sales, account_manager=account, name="Vera", language="en")


def update(client, payload: dict, secret: str = SECRET):
    return client.post(
        reverse("telephony:telegram_hook", args=[secret]),
        json.dumps(payload),
        content_type="application/json",
    )


def start(client, vera, chat_id: int = 555):
    token = telegram_link(client=vera).rsplit("=", 1)[1]
    return update(
        client, {"update_id": 1, "message": {"chat": {"id": chat_id}, "text": f"/start {token}"}}
    )


def test_it_binds_the_chat_and_records_the_consent(client, bot, vera):
    link = telegram_link(client=vera)
    assert link.startswith("https://t.me/shop_bot?start=")
    token = link.rsplit("=", 1)[1]
    message = {"chat": {"id": 555}, "from": {"username": "vera"}, "text": f"/start {token}"}

    answer = update(client, {"update_id": 1, "message": message}).json()

    assert answer["method"] == "sendMessage" and answer["chat_id"] == 555
    assert TelegramChat.objects.get(client=vera).chat_id == 555
    assert consents_current([vera.pk])[vera.pk]["telegram"] is True
    assert telegram_link(client=vera) == ""  # connected: no link offered
    again = update(client, {"update_id": 2, "message": message}).json()
    assert "does not work any more" in again["text"]


def test_it_withdraws_the_consent_on_stop_and_on_a_blocked_bot(client, bot, vera, account):
    start(client, vera)
    update(client, {"update_id": 2, "message": {"chat": {"id": 555}, "text": "/stop"}})
    assert consents_current([vera.pk])[vera.pk]["telegram"] is False

    other = make_client(originator=account, name="Boris")
    start(client, other, chat_id=556)
    kicked = {"chat": {"id": 556}, "new_chat_member": {"status": "kicked"}}
    update(client, {"update_id": 3, "my_chat_member": kicked})
    assert consents_current([other.pk])[other.pk]["telegram"] is False
    assert TelegramChat.objects.get(client=other).stopped_at is not None


def test_it_refuses_updates_without_the_secret(client, bot, vera):
    assert update(client, {"update_id": 1}, secret="wrong").status_code == 404


@pytest.fixture
def news_template(db):
    return MessageTemplate.objects.create(
        slug="news", channel="telegram", language="en", body_text="Hello {{ client.name }}"
    )


def due_message(vera, slug: str = "news", order=None) -> Touchpoint:
    return Touchpoint.objects.create(
        client=vera,
        order=order,
        anchor_key=f"test:{Touchpoint.objects.count()}",
        due_at=timezone.now() - dt.timedelta(minutes=1),
        channel="telegram",
        is_automatic=True,
        purpose="News",
        template_slug=slug,
    )


def test_it_sends_a_message_once(client, bot, vera, news_template):
    start(client, vera)
    touchpoint = due_message(vera)

    first, second = services.dispatch_due(), services.dispatch_due()

    assert (first.sent, second.claimed) == (1, 0)
    (request,) = [r for r in bot.requests if r.path.endswith("/sendMessage")]
    assert request.path == "/bot123:ABC/sendMessage"
    assert json.loads(request.body) == {"chat_id": "555", "text": "Hello Vera"}
    record = SendRecord.objects.get(touchpoint=touchpoint)
    assert (record.status, record.provider_id) == ("sent", "77")


def test_it_skips_a_client_who_has_not_connected(bot, vera, news_template):
    touchpoint = due_message(vera)
    assert services.dispatch_due().skipped == 1
    touchpoint.refresh_from_db()
    assert touchpoint.outcome == "no consent"
    assert bot.requests == []


def test_it_waits_as_long_as_telegram_asks(client, bot, vera, news_template):
    start(client, vera)
    touchpoint = due_message(vera)
    bot.answer(
        429, {"ok": False, "description": "Too Many Requests", "parameters": {"retry_after": 600}}
    )

    result = services.dispatch_due()

    assert result.retried == 1
    touchpoint.refresh_from_db()
    assert touchpoint.status == TouchpointStatus.PLANNED
    assert touchpoint.due_at >= timezone.now() + dt.timedelta(seconds=590)


def test_it_gives_up_when_the_bot_is_blocked(client, bot, vera, news_template):
    start(client, vera)
    touchpoint = due_message(vera)
    bot.answer(403, {"ok": False, "description": "Forbidden: bot was blocked by the user"})

    assert services.dispatch_due().failed == 1
    touchpoint.refresh_from_db()
    assert touchpoint.status == TouchpointStatus.FAILED
    assert "bot was blocked" in SendRecord.objects.get(touchpoint=touchpoint).error


def test_it_takes_a_survey_score_from_a_button_once(client, bot, vera, sales):
    MessageTemplate.objects.create(
        slug="survey-invite",
        channel="telegram",
        language="en",
        body_text="Rate us: {{ links.survey }}",
    )
    order = make_order(vera, by=sales)
    start(client, vera)
    due_message(vera, slug="survey-invite", order=order)
    services.dispatch_due()
    sent = json.loads(bot.requests[-1].body)
    buttons = sent["reply_markup"]["inline_keyboard"][0]
    assert [button["text"] for button in buttons] == ["1", "2", "3", "4", "5"]

    press = {
        "id": "q1",
        "data": buttons[3]["callback_data"],
        "message": {"chat": {"id": 555}},
    }
    first = update(client, {"update_id": 5, "callback_query": press}).json()
    second = update(client, {"update_id": 6, "callback_query": press}).json()

    assert first == {
        "method": "answerCallbackQuery",
        "callback_query_id": "q1",
        "text": "Thank you for your answer!",
    }
    assert "answered this survey already" in second["text"]
    response = Response.objects.get(client=vera)
    assert response.score == 4
    survey = Survey.objects.get(slug="after-delivery")
    invitation = survey_services.invitation_for(survey=survey, client=vera, order=order)
    assert invitation.answered_at is not None


def test_it_offers_the_bot_in_emails(bot, vera):
    from touchpoints import messaging

    vera.email = "vera@example.com"
    MessageTemplate.objects.create(
        slug="hi",
        channel="email",
        language="en",
        subject="Hi",
        body_text="Join us: {{ links.telegram }} {{ links.unsubscribe }}",
    )
    touchpoint = due_message(vera, slug="hi")
    touchpoint.channel = "email"
    message = messaging.render(touchpoint, messaging.Templates())
    assert "https://t.me/shop_bot?start=" in message.text
