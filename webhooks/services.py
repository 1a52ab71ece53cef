"""Signed webhooks out: endpoints, the outbox of deliveries, and the sweep that posts them.

`webhook_event_queue` writes one Delivery per subscribed endpoint in the caller's transaction
(the receivers call it inside the owning service's transaction), and hands the ids to the
`webhook_deliver` task on commit: nothing is posted for a change that rolled back, and nothing
is lost when the broker is down, because the sweep `delivery_send_due` (Beat, every minute)
posts what is due. The sweep follows the staff outbox (followup_crm/mail.py): claim due rows
with SKIP LOCKED and a compare-and-set of the status under a lease, post each, and record its
outcome right after the answer, so a sender killed mid-sweep can post again only the delivery
in flight, with the same event id for the receiver to drop. A failed post is retried with an
exponential backoff until a day has passed since it was queued, then marked failed.

Each POST carries `X-Followup-Signature: t=<unix time>,v1=<hex>`, the HMAC-SHA256 of
`"<unix time>.<body>"` with the endpoint's secret (see the README for the receiver's side).
"""

import datetime as dt
import hashlib
import hmac
import json
import logging
import time
import urllib.error
import urllib.request
import uuid
from dataclasses import dataclass
from functools import partial
from typing import Any
from urllib.parse import urlsplit

from django.conf import settings
from django.contrib.auth.models import User
from django.core.exceptions import ValidationError
from django.core.serializers.json import DjangoJSONEncoder
from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from followup_crm.outbox import outbox_claim, outbox_release_expired

from .models import Delivery, Endpoint, EventType

logger = logging.getLogger(__name__)

USER_AGENT = "FollowupCRM-Webhooks/1"


# --- signing -------------------------------------------------------------------------------


def signature(*, secret: str, timestamp: int, body: bytes) -> str:
    """The hex HMAC-SHA256 of `"<timestamp>.<body>"` with the endpoint's secret."""
    message = str(timestamp).encode() + b"." + body
    return hmac.new(secret.encode(), message, hashlib.sha256).hexdigest()


def delivery_headers(*, delivery: Delivery, secret: str, timestamp: int) -> dict[str, str]:
    body = delivery.body.encode()
    return {
        "Content-Type": "application/json",
        "User-Agent": USER_AGENT,
        "X-Followup-Event": delivery.event_type,
        "X-Followup-Delivery": str(delivery.event_id),
        "X-Followup-Signature": (
            f"t={timestamp},v1={signature(secret=secret, timestamp=timestamp, body=body)}"
        ),
    }


# --- endpoints -----------------------------------------------------------------------------

ENDPOINT_FIELDS = ("url", "secret", "events", "description", "is_active")


def endpoint_url_errors(url: str) -> list[str]:
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        return [_("Give an http:// or https:// address.")]
    return []


def endpoint_check(endpoint: Endpoint) -> None:
    errors: dict[str, list[str]] = {}
    if url_errors := endpoint_url_errors(endpoint.url):
        errors["url"] = url_errors
    if (
        not isinstance(endpoint.events, list)
        or not endpoint.events
        or not all(isinstance(event, str) for event in endpoint.events)
    ):
        errors["events"] = [_("Choose at least one event.")]
    elif unknown := sorted(set(endpoint.events) - set(EventType.values)):
        errors["events"] = [_("Unknown events: %(events)s.") % {"events": ", ".join(unknown)}]
    if len(endpoint.secret or "") < 16:
        errors["secret"] = [_("Use a secret of at least 16 characters.")]
    if errors:
        raise ValidationError(errors)
    endpoint.full_clean(exclude=["url", "events", "secret"])


def endpoint_create(*, by: User | None, **fields: Any) -> Endpoint:
    unknown = set(fields) - set(ENDPOINT_FIELDS)
    if unknown:
        raise TypeError(f"endpoint_create got unknown fields: {sorted(unknown)}")
    endpoint = Endpoint(created_by=by, **fields)
    endpoint_check(endpoint)
    endpoint.save()
    return endpoint


def endpoint_update(*, endpoint: Endpoint, **fields: Any) -> Endpoint:
    unknown = set(fields) - set(ENDPOINT_FIELDS)
    if unknown:
        raise TypeError(f"endpoint_update got unknown fields: {sorted(unknown)}")
    for name, value in fields.items():
        setattr(endpoint, name, value)
    endpoint_check(endpoint)
    endpoint.save()
    return endpoint


# --- the outbox ----------------------------------------------------------------------------


def _enqueue(delivery_id: int) -> None:
    from .tasks import webhook_deliver  # the task module imports this one

    # No retries against a broker that is down: the request must not wait. The sweep posts
    # what no task did.
    webhook_deliver.apply_async((delivery_id,), retry=False)


def webhook_event_queue(
    *, event_type: str, data: dict[str, Any], at: dt.datetime | None = None
) -> list[Delivery]:
    """One event for every active endpoint subscribed to its type, in the caller's
    transaction; posted after the commit. Returns the deliveries queued."""
    endpoints = [
        endpoint
        for endpoint in Endpoint.objects.filter(is_active=True).only("id", "events")
        if event_type in endpoint.events
    ]
    if not endpoints:
        return []
    now = timezone.now()
    event_id = uuid.uuid4()
    body = json.dumps(
        {
            "id": str(event_id),
            "type": event_type,
            "created_at": (at or now).isoformat(),
            "data": data,
        },
        cls=DjangoJSONEncoder,
        ensure_ascii=False,
        separators=(",", ":"),
    )
    deliveries = Delivery.objects.bulk_create(
        [
            Delivery(
                endpoint=endpoint,
                event_id=event_id,
                event_type=event_type,
                body=body,
                next_attempt_at=now,
                give_up_at=now + dt.timedelta(seconds=settings.WEBHOOK_RETRY_FOR_SECONDS),
                created_at=now,
            )
            for endpoint in endpoints
        ]
    )
    for delivery in deliveries:
        # robust: a broker that is down must not undo (or fail) the caller's change.
        transaction.on_commit(partial(_enqueue, delivery.pk), robust=True)
    return deliveries


@dataclass
class DeliveryResult:
    released: int = 0
    claimed: int = 0
    delivered: int = 0
    retried: int = 0
    failed: int = 0


class DeliveryError(Exception):
    def __init__(self, message: str, status_code: int | None = None) -> None:
        super().__init__(message)
        self.status_code = status_code


class _NoRedirects(urllib.request.HTTPRedirectHandler):
    """A redirect is an answer like any other non-2xx one: it is never followed, so a
    delivery cannot be sent on to another host."""

    def redirect_request(self, *args: Any, **kwargs: Any) -> None:
        return None


_opener = urllib.request.build_opener(_NoRedirects)


def _post(*, url: str, body: bytes, headers: dict[str, str]) -> int:
    """POST the body; returns the 2xx status code or raises DeliveryError."""
    # The endpoint's URL was checked to be http(s) when it was saved (endpoint_check).
    request = urllib.request.Request(url, data=body, headers=headers, method="POST")  # noqa: S310
    try:
        with _opener.open(request, timeout=settings.WEBHOOK_TIMEOUT_SECONDS) as answer:
            return int(answer.status)
    except urllib.error.HTTPError as exc:
        raise DeliveryError(
            _("The endpoint answered %(code)d.") % {"code": exc.code}, status_code=exc.code
        ) from exc
    except (urllib.error.URLError, OSError, ValueError) as exc:
        reason = getattr(exc, "reason", exc)
        raise DeliveryError(
            _("The endpoint is unreachable: %(reason)s") % {"reason": reason}
        ) from exc


def delivery_release_expired(*, now: dt.datetime) -> int:
    """Deliveries a dead sender held past its lease go back to the queue."""
    return outbox_release_expired(Delivery.objects.all(), now=now)


def backoff(attempts: int) -> dt.timedelta:
    """The wait after the `attempts`-th failed post: doubled each time, up to the cap."""
    seconds = settings.WEBHOOK_RETRY_BASE_SECONDS * 2 ** min(max(attempts - 1, 0), 20)
    return dt.timedelta(seconds=min(seconds, settings.WEBHOOK_RETRY_MAX_SECONDS))


def delivery_send_due(
    *, limit: int = 20, now: dt.datetime | None = None, only: int | None = None
) -> DeliveryResult:
    """One sweep of the outbox: release expired leases, claim what is due (at most `limit`,
    only the delivery `only` when given), post each, record each outcome at once. The lease
    (SEND_LEASE_SECONDS) must outlast `limit` posts that each time out."""
    now = now or timezone.now()
    owner = uuid.uuid4().hex
    result = DeliveryResult(released=delivery_release_expired(now=now))
    deliveries = list(
        outbox_claim(
            Delivery.objects.select_related("endpoint"),
            now=now,
            limit=limit,
            owner=owner,
            only=only,
        )
    )
    result.claimed = len(deliveries)
    # Only rows this sender still holds are written.
    held = Delivery.objects.filter(status=Delivery.Status.SENDING, lease_owner=owner)
    for delivery in deliveries:
        endpoint = delivery.endpoint
        headers = delivery_headers(
            delivery=delivery, secret=endpoint.secret, timestamp=int(time.time())
        )
        try:
            if not endpoint.is_active:
                raise DeliveryError(_("The endpoint is switched off."))
            status_code: int | None = _post(
                url=endpoint.url, body=delivery.body.encode(), headers=headers
            )
        except DeliveryError as exc:
            error, status_code = str(exc), exc.status_code
        except Exception as exc:
            # A bug must not stop the sweep nor spin for ever: retried, then failed.
            logger.exception("Posting webhook delivery %s failed", delivery.pk)
            error, status_code = repr(exc), None
        else:
            # Recorded at once: a kill later in the sweep must not post this one again.
            held.filter(id=delivery.pk).update(
                status=Delivery.Status.DELIVERED,
                status_code=status_code,
                delivered_at=timezone.now(),
                error="",
                lease_until=None,
                lease_owner="",
            )
            result.delivered += 1
            continue
        next_attempt_at = timezone.now() + backoff(delivery.attempts)
        gave_up = next_attempt_at > delivery.give_up_at
        held.filter(id=delivery.pk).update(
            status=Delivery.Status.FAILED if gave_up else Delivery.Status.QUEUED,
            status_code=status_code,
            error=error[:1000],
            next_attempt_at=delivery.next_attempt_at if gave_up else next_attempt_at,
            lease_until=None,
            lease_owner="",
        )
        logger.warning("Webhook delivery %s not delivered: %s", delivery.pk, error)
        if gave_up:
            result.failed += 1
        else:
            result.retried += 1
    return result


def delivery_redeliver(*, deliveries: QuerySet[Delivery]) -> int:
    """Post these deliveries once more (a director's action), with the same event id and a
    fresh day of retries. A delivery being posted right now is left alone."""
    now = timezone.now()
    ids = list(deliveries.exclude(status=Delivery.Status.SENDING).values_list("id", flat=True))
    queued = (
        Delivery.objects.filter(id__in=ids)
        .exclude(status=Delivery.Status.SENDING)
        .update(
            status=Delivery.Status.QUEUED,
            attempts=0,
            next_attempt_at=now,
            give_up_at=now + dt.timedelta(seconds=settings.WEBHOOK_RETRY_FOR_SECONDS),
            error="",
        )
    )
    for delivery_id in ids:
        transaction.on_commit(partial(_enqueue, delivery_id), robust=True)
    return queued
