"""Demo touchpoints. Most come by themselves: the demo orders went through the services, so
the default cadences planned them. Here: the year's dates, a history of calls in every state,
and a few messages due right now, so that `make run` visibly sends within its first minute."""

import datetime as dt
import random
from typing import cast

from django.contrib.auth.models import User
from django.utils import timezone

from clients.demo import demo_card_client
from clients.models import Client, Stage
from clients.services import client_note_add

from . import calendar, services
from .calls import CallReport
from .models import CallAttempt, SendRecord, Touchpoint, TouchpointStatus
from .unplanned import touchpoint_log_inbound

# What managers agree to talk about next, for the demo call lists.
PURPOSES = [
    ("How is the new sofa?", "Ask about delivery and assembly; offer cushions to match."),
    ("Agreed next contact", "Promised to choose the fabric by today."),
    ("Status update on the order", "Production is on schedule; confirm the delivery date."),
    ("Ask for a recommendation", "Happy with the kitchen; ask whether friends are renovating."),
    ("Follow up the quote", "Sent the quote for the wardrobe last week."),
    ("Six months on", "How is the mattress? Remind them of the warranty."),
]

OUTCOMES = [
    (TouchpointStatus.DONE, "reached", "Happy with the sofa; asked about a matching armchair."),
    (TouchpointStatus.DONE, "reached", "All good. Promised to recommend us to her sister."),
    (TouchpointStatus.DONE, "no_answer", "No answer; will try again."),
    (TouchpointStatus.MISSED, "not done in time", ""),
    (TouchpointStatus.SKIPPED, "client on holiday", "Away until next month."),
    (TouchpointStatus.CANCELLED, "order cancelled", ""),
]


def demo_load(users: dict[str, User]) -> None:
    rng = random.Random(42)
    now = timezone.now()
    services.plan_yearly(days_ahead=40)

    # A past: calls that happened, were missed or skipped.
    buyers = list(Client.objects.filter(stage__in=[Stage.BUYER, Stage.CLIENT, Stage.ADVOCATE]))
    for number, client in enumerate(buyers[:18]):
        status, outcome, note = OUTCOMES[number % len(OUTCOMES)]
        due = now - dt.timedelta(days=rng.randint(10, 120))
        touchpoint = Touchpoint.objects.create(
            client=client,
            anchor_key=f"demo:history:{client.pk}",
            due_at=due,
            assignee=client.account_manager or client.originator,
            channel="call",
            purpose="How is it going?",
            status=status,
            outcome=outcome,
            note=note,
            attempts=1,
            closed_at=due + dt.timedelta(hours=3),
        )
        if outcome in ("reached", "no_answer"):
            CallAttempt.objects.create(
                touchpoint=touchpoint,
                client=client,
                outcome=outcome,
                satisfaction=rng.choice([3, 4, 5, 5]) if outcome == "reached" else None,
                note=note,
                upsell=rng.choice(["", "", "accepted", "declined"]) if outcome == "reached" else "",
                recorded_by=touchpoint.assignee,
                at=cast(dt.datetime, touchpoint.closed_at),  # closed above
            )

    _call_lists(users, rng, now)

    # A message that could not be delivered, visible to its manager.
    failed = Touchpoint.objects.create(
        client=buyers[0],
        anchor_key="demo:failed",
        due_at=now - dt.timedelta(days=2),
        channel="email",
        is_automatic=True,
        purpose="Thank you for your order",
        template_slug="order-thanks",
        status=TouchpointStatus.FAILED,
        attempts=5,
        outcome="failed",
        note="The mail server refused the address: 550 mailbox unavailable",
        closed_at=now - dt.timedelta(days=2),
    )
    SendRecord.objects.create(
        touchpoint=failed,
        channel="email",
        recipient=buyers[0].email,
        status="failed",
        attempts=5,
        error=failed.note,
    )

    # What happened anyway: the client called in, and the manager left a note.
    caller = demo_card_client()
    if caller is not None:
        manager = caller.account_manager or caller.originator
        touchpoint_log_inbound(
            client=caller,
            report=CallReport(
                outcome="reached",
                satisfaction=5,
                note="Позвонила сама: диван доставили, всё понравилось. Спрашивала про чехлы.",
                next_contact_on=timezone.localdate() + dt.timedelta(days=14),
            ),
            by=cast(User, manager),  # the demo's clients have their managers
        )
        client_note_add(
            client=caller,
            text=(
                "Предпочитает звонки после 18:00.\n"
                "Дочь тоже хочет такой диван — спросить в следующий раз."
            ),
            by=manager,
        )

    # Due right now, whatever the hour: the worker sends these within a minute of `make run`.
    for client in buyers[-3:]:
        Touchpoint.objects.create(
            client=client,
            anchor_key=f"demo:now:{client.pk}",
            due_at=now - dt.timedelta(minutes=1),
            channel="email",
            is_automatic=True,
            purpose="Holiday greetings",
            template_slug="holiday-new-year",
        )


def _call_lists(users: dict[str, User], rng: random.Random, now: dt.datetime) -> None:
    """Each demo manager's list: a few overdue, a full day, more this week and next."""
    for username in ("sales", "sales2", "account", "account2"):
        manager = users[username]
        clients = list(
            Client.objects.filter(account_manager=manager)
            if username.startswith("account")
            else Client.objects.filter(originator=manager)
        )
        rng.shuffle(clients)
        today = timezone.localdate(now)
        plan = [-4, -2, -1] + [0] * 8 + [2, 3, 4] + [7, 8, 9, 10]
        for number, (client, days) in enumerate(zip(clients, plan, strict=False)):
            purpose, points = PURPOSES[number % len(PURPOSES)]
            day = today + dt.timedelta(days=days)
            hour = 9 + number % 9 if days == 0 else 11
            moment = dt.datetime.combine(day, dt.time(hour), tzinfo=timezone.get_current_timezone())
            Touchpoint.objects.create(
                client=client,
                anchor_key=f"demo:list:{manager.pk}:{client.pk}",
                due_at=moment
                if days <= 0
                else calendar.fit(
                    moment, channel="call", client_tz=timezone.get_current_timezone()
                ),
                assignee=manager,
                channel="call",
                purpose=purpose,
                talking_points=points,
                is_urgent=number == 5,
            )
