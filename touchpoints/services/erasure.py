"""What touchpoints hold about an erased client."""

from django.utils import timezone

from clients.models import (
    Client,
)

from ..models import (
    CallAttempt,
    SendRecord,
    Touchpoint,
    TouchpointChange,
    TouchpointStatus,
)
from .dispatch import SYSTEM_SKIP_REASONS
from .planning import touchpoints_cancel


def client_touchpoints_erase(*, client: Client) -> None:
    """What touchpoints hold about an erased client (clients.signals.client_erased): nothing
    more is planned or sent, and what was written about them or to them is blanked. Dates,
    channels, outcomes and scores stay, so the reports' figures do not move."""
    now = timezone.now()
    touchpoints = Touchpoint.objects.filter(client=client)
    touchpoints_cancel(touchpoints=touchpoints.filter(due_at__gte=now), reason="client erased")
    # What fell due and was not done stays "due, not done" for the discipline figures, as the
    # hourly job would mark it; cancelling it would rewrite them.
    touchpoints.filter(status=TouchpointStatus.PLANNED, due_at__lt=now).update(
        status=TouchpointStatus.MISSED, outcome="client erased", closed_at=now
    )
    touchpoints.exclude(note="").update(note="")
    # Talking points written by a rule (an agreed next contact, a recovery call) quote the
    # client; a cadence step's are the company's own text.
    touchpoints.filter(step__isnull=True).exclude(talking_points="").update(talking_points="")
    CallAttempt.objects.filter(client=client).update(note="", complaint="", no_further_contact="")
    TouchpointChange.objects.filter(touchpoint__client=client).exclude(reason="").update(reason="")
    records = SendRecord.objects.filter(touchpoint__client=client)
    records.update(recipient="", subject="", body="")
    # A provider's error message may quote the address; the system's own codes do not.
    records.exclude(error__in=SYSTEM_SKIP_REASONS).update(error="")
