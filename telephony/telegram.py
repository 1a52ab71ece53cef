"""Telegram as a channel: the bot's messages (through the touchpoints' outbox, which loads
`BotApiBackend` by its path from TELEGRAM_BACKEND) and the bot's updates (its webhook).

A client connects by following a one-time link, https://t.me/<bot>?start=<token>: the bot's
"/start <token>" binds the chat to the client and records their consent to the channel;
"/stop", or blocking the bot, withdraws it. A survey invitation comes with score buttons; a
press answers the survey once, as the web form does.
"""

import json
import re
import secrets
import urllib.error
import urllib.request
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from clients.models import Channel, Client, Consent
from clients.services import consent_record
from surveys.models import Invitation, Question
from surveys.services import survey_answer
from touchpoints.messaging import Message, PermanentError, TemporaryError

from .models import TelegramChat, TelegramInvite

SCORE_PREFIX = "score:"
_SURVEY_TOKEN = re.compile(r"/s/([A-Za-z0-9_-]+)/?$")


class RetryLater(TemporaryError):
    """Telegram asked to wait `retry_after` seconds (HTTP 429)."""

    def __init__(self, message: str, retry_after: int) -> None:
        super().__init__(message)
        self.retry_after = retry_after


def _call(method: str, payload: dict[str, Any]) -> dict[str, Any]:
    url = f"{settings.TELEGRAM_API_URL.rstrip('/')}/bot{settings.TELEGRAM_BOT_TOKEN}/{method}"
    request = urllib.request.Request(  # noqa: S310 - the operator's URL
        url,
        data=json.dumps(payload).encode(),
        method="POST",
        headers={"Content-Type": "application/json"},
    )
    try:
        with urllib.request.urlopen(request, timeout=settings.TELEPHONY_TIMEOUT) as response:  # noqa: S310
            return json.loads(response.read() or b"{}")
    except urllib.error.HTTPError as exc:
        try:
            answer = json.loads(exc.read() or b"{}")
        except ValueError:
            answer = {}
        description = str(answer.get("description", f"HTTP {exc.code}"))
        if exc.code == 429:
            retry_after = int((answer.get("parameters") or {}).get("retry_after", 0) or 0)
            raise RetryLater(f"Telegram: {description}", retry_after) from exc
        if 400 <= exc.code < 500:
            # 403 "bot was blocked by the user", 400 "chat not found": it will not go through.
            raise PermanentError(f"Telegram: {description}") from exc
        raise TemporaryError(f"Telegram: {description}") from exc
    except (urllib.error.URLError, TimeoutError, OSError) as exc:
        raise TemporaryError(f"Telegram unreachable: {exc}") from exc
    except ValueError as exc:
        raise TemporaryError("Telegram answered something that is not JSON") from exc


def score_buttons(survey_url: str) -> dict[str, Any] | None:
    """Buttons 1–5 for the invitation behind a survey link."""
    found = _SURVEY_TOKEN.search(survey_url)
    if found is None:
        return None
    token = found.group(1)
    return {
        "inline_keyboard": [
            [
                {"text": str(score), "callback_data": f"{SCORE_PREFIX}{token}:{score}"}
                for score in range(1, 6)
            ]
        ]
    }


class BotApiBackend:
    """Telegram's Bot API (sendMessage)."""

    def recipient(self, client: Client) -> str:
        chat = TelegramChat.objects.filter(client=client, stopped_at__isnull=True).first()
        return str(chat.chat_id) if chat is not None else ""

    def send(self, message: Message) -> str:
        payload: dict[str, Any] = {"chat_id": message.recipient, "text": message.text}
        buttons = score_buttons(message.links.get("survey", ""))
        if buttons is not None:
            payload["reply_markup"] = buttons
        answer = _call("sendMessage", payload)
        return str((answer.get("result") or {}).get("message_id", ""))


# --- the link that connects a client --------------------------------------------------------


def telegram_link(*, client: Client) -> str:
    """A one-time link to the bot for this client, or "" when no bot is set up or the client
    is connected already."""
    if not settings.TELEGRAM_BOT_NAME:
        return ""
    if TelegramChat.objects.filter(client=client, stopped_at__isnull=True).exists():
        return ""
    invite = TelegramInvite.objects.create(client=client, token=secrets.token_urlsafe(24))
    return f"https://t.me/{settings.TELEGRAM_BOT_NAME}?start={invite.token}"


# --- the bot's updates ----------------------------------------------------------------------


def _reply(chat_id: int, text: str) -> dict[str, Any]:
    """An answer given in the webhook's own response: Telegram sends it for us."""
    return {"method": "sendMessage", "chat_id": chat_id, "text": text}


@transaction.atomic
def chat_bind(*, chat_id: int, token: str, username: str = "") -> Client | None:
    """Bind the chat to the client of an unused invitation and record the consent."""
    invite = (
        TelegramInvite.objects.select_for_update()
        .select_related("client")
        .filter(token=token, used_at__isnull=True, client__erased_at__isnull=True)
        .first()
    )
    if invite is None:
        return None
    now = timezone.now()
    invite.used_at = now
    invite.save(update_fields=["used_at"])
    client = invite.client
    # One chat, one client: a chat bound before to someone else moves here.
    TelegramChat.objects.filter(chat_id=chat_id).exclude(client=client).delete()
    TelegramChat.objects.update_or_create(
        client=client,
        defaults={
            "chat_id": chat_id,
            "username": username[:100],
            "bound_at": now,
            "stopped_at": None,
        },
    )
    consent_record(
        client=client,
        channel=Channel.TELEGRAM,
        granted=True,
        method=Consent.Method.TELEGRAM,
        note=_("Connected to the Telegram bot"),
    )
    return client


@transaction.atomic
def chat_stop(*, chat_id: int, reason: str) -> Client | None:
    """The client stopped the bot or blocked it: the consent is withdrawn, once."""
    chat = (
        TelegramChat.objects.select_for_update()
        .select_related("client")
        .filter(chat_id=chat_id, stopped_at__isnull=True)
        .first()
    )
    if chat is None:
        return None
    chat.stopped_at = timezone.now()
    chat.save(update_fields=["stopped_at"])
    consent_record(
        client=chat.client,
        channel=Channel.TELEGRAM,
        granted=False,
        method=Consent.Method.TELEGRAM,
        note=reason,
    )
    return chat.client


def survey_score(*, chat_id: int, data: str) -> str:
    """A score button pressed: the survey answered once; the text tells the client."""
    try:
        token, score = data.removeprefix(SCORE_PREFIX).rsplit(":", 1)
    except ValueError:
        return _("This button no longer works.")
    invitation = (
        Invitation.objects.select_related("survey", "client")
        .filter(token=token, client__telegram_chat__chat_id=chat_id)
        .first()
    )
    if invitation is None:
        return _("This button no longer works.")
    question = invitation.survey.questions.filter(kind=Question.Kind.SCORE).order_by("pk").first()
    if question is None:
        return _("This button no longer works.")
    try:
        survey_answer(invitation=invitation, data={str(question.pk): score})
    except ValidationError as exc:
        if isinstance(getattr(exc, "error_dict", None), dict):
            return _("Thank you! Please answer the other questions on the survey's page.")
        return _("You have answered this survey already. Thank you!")
    return _("Thank you for your answer!")


def update_handle(*, update: dict[str, Any]) -> dict[str, Any] | None:
    """One update from Telegram; returns the bot's answer, if any."""
    message = update.get("message")
    if isinstance(message, dict):
        chat_id = (message.get("chat") or {}).get("id")
        text = str(message.get("text") or "").strip()
        if not isinstance(chat_id, int):
            return None
        if text.startswith("/start"):
            token = text.removeprefix("/start").strip()
            username = str((message.get("from") or {}).get("username") or "")
            if token and chat_bind(chat_id=chat_id, token=token, username=username):
                return _reply(
                    chat_id, _("You will get news of your orders here. Send /stop to stop.")
                )
            return _reply(chat_id, _("This link does not work any more; ask us for a new one."))
        if text == "/stop":
            chat_stop(chat_id=chat_id, reason=_("Stopped in Telegram"))
            return _reply(chat_id, _("You will get no more messages here."))
        return None
    member = update.get("my_chat_member")
    if isinstance(member, dict):
        chat_id = (member.get("chat") or {}).get("id")
        status = (member.get("new_chat_member") or {}).get("status")
        if isinstance(chat_id, int) and status == "kicked":
            chat_stop(chat_id=chat_id, reason=_("The bot was blocked in Telegram"))
        return None
    query = update.get("callback_query")
    if isinstance(query, dict):
        chat_id = ((query.get("message") or {}).get("chat") or {}).get("id")
        data = str(query.get("data") or "")
        if not isinstance(chat_id, int) or not data.startswith(SCORE_PREFIX):
            return None
        return {
            "method": "answerCallbackQuery",
            "callback_query_id": str(query.get("id", "")),
            "text": survey_score(chat_id=chat_id, data=data),
        }
    return None


def telegram_context(touchpoint: Any, context: dict[str, Any]) -> None:
    """`links.telegram` in e-mails and SMS: the client's link to the bot (a message sent in
    Telegram needs none)."""
    if touchpoint.channel in (Channel.EMAIL, Channel.SMS):
        link = telegram_link(client=touchpoint.client)
        if link:
            context["links"]["telegram"] = link
