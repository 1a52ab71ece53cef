"""Demo telephony for `make run`: the account manager's extension, a call the PBX logged (with
its length and recording) on a client's card, and a client connected to the Telegram bot."""

import datetime as dt
from typing import cast

from django.contrib.auth.models import User
from django.utils import timezone

from clients.models import Channel, Client, ClientPhone, Consent
from clients.services import consent_record

from .models import Direction, Disposition, Extension, PhoneCall, TelegramChat


def demo_load(users: dict[str, User]) -> None:
    account = users["account"]
    Extension.objects.create(user=account, extension="101")
    Extension.objects.create(user=users["sales"], extension="102")
    clients = list(
        Client.objects.filter(account_manager=account, phones__isnull=False)
        .distinct()
        .order_by("pk")[:2]
    )
    if not clients:
        return
    called = clients[0]
    # The clients are chosen with a phone.
    phone = cast(ClientPhone, called.phones.order_by("-is_primary", "id").first())
    number = phone.number.as_e164
    ended = timezone.now() - dt.timedelta(days=1, hours=2)
    PhoneCall.objects.create(
        provider="demo",
        provider_call_id="demo-1",
        direction=Direction.OUTBOUND,
        from_number="101",
        to_number=number,
        client_number=number,
        extension="101",
        started_at=ended - dt.timedelta(minutes=3, seconds=12),
        answered_at=ended - dt.timedelta(minutes=3),
        ended_at=ended,
        duration=192,
        disposition=Disposition.ANSWERED,
        recording_url="https://pbx.example.com/recordings/demo-1.mp3",
        client=called,
        user=account,
        processed_at=ended,
    )
    bound = clients[-1]
    TelegramChat.objects.create(
        client=bound, chat_id=100000001, username="demo_client", bound_at=ended
    )
    consent_record(
        client=bound,
        channel=Channel.TELEGRAM,
        granted=True,
        method=Consent.Method.TELEGRAM,
        at=ended,
        note="Connected to the Telegram bot",
    )
