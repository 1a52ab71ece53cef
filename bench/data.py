"""Data makers shared by the benchmarks and the tests that need many rows: bulk inserts."""

import datetime as dt

from django.utils import timezone

from clients.models import Client, Consent
from touchpoints.models import MessageTemplate, Touchpoint


def due_emails(count: int, prefix: str = "c") -> list[Client]:
    """`count` clients who agreed to e-mail, each with one automatic e-mail due now (template
    `hello`)."""
    MessageTemplate.objects.update_or_create(
        slug="hello",
        channel="email",
        language="en",
        defaults={"subject": "Hello {{ client.name }}", "body_text": "Hi {{ client.name }}"},
    )
    now = timezone.now()
    clients = Client.objects.bulk_create(
        Client(name=f"Client {n}", email=f"{prefix}{n}@example.com", language="en")
        for n in range(count)
    )
    Consent.objects.bulk_create(
        Consent(client=c, channel="email", granted=True, at=now, method="web_form") for c in clients
    )
    Touchpoint.objects.bulk_create(
        Touchpoint(
            client=c,
            anchor_key=f"due-email:{c.pk}",
            due_at=now - dt.timedelta(minutes=1),
            channel="email",
            is_automatic=True,
            purpose="Test message",
            template_slug="hello",
        )
        for c in clients
    )
    return clients
