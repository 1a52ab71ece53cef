"""Reads shared by the pages, the API, the import and the reports.

Visibility is decided here and nowhere else: a sales manager sees the clients they brought
(their open leads included), an account manager the clients assigned to them, a director
everything. Anything outside that is, for the caller, as if it did not exist (a 404).
"""

import re
from typing import Any

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser, AnonymousUser
from django.db.models import Exists, OuterRef, Q, QuerySet, Subquery
from phonenumber_field.phonenumber import to_python as phone_to_python

from followup_crm.roles import ACCOUNT_MANAGER, DIRECTOR, SALES_MANAGER, user_roles

from . import timeline
from .models import Channel, Client, ClientPhone, Consent, Handoff, Order, Referral, Refusal

AnyUser = AbstractBaseUser | AnonymousUser


def client_visibility_q(user: AnyUser, prefix: str = "") -> Q | None:
    """A filter for what `user` may see, or None when they may see every client."""
    roles = user_roles(user)
    if DIRECTOR in roles:
        return None
    condition = Q(pk__in=[])
    if SALES_MANAGER in roles:
        condition |= Q(**{f"{prefix}originator": user})
    if ACCOUNT_MANAGER in roles:
        condition |= Q(**{f"{prefix}account_manager": user})
    return condition


def clients_visible_to(user: AnyUser) -> QuerySet[Client]:
    condition = client_visibility_q(user)
    clients = Client.objects.all()
    return clients if condition is None else clients.filter(condition)


def orders_visible_to(user: AnyUser) -> QuerySet[Order]:
    condition = client_visibility_q(user, prefix="client__")
    orders = Order.objects.all()
    return orders if condition is None else orders.filter(condition)


def referrals_visible_to(user: AnyUser) -> QuerySet[Referral]:
    """Referrals made or received by a client the user may see."""
    referrer = client_visibility_q(user, prefix="referrer__")
    if referrer is None:
        return Referral.objects.all()
    referred = client_visibility_q(user, prefix="referred__")
    return Referral.objects.filter(referrer | referred)


def refusals_visible_to(user: AnyUser) -> QuerySet[Refusal]:
    condition = client_visibility_q(user, prefix="client__")
    refusals = Refusal.objects.all()
    return refusals if condition is None else refusals.filter(condition)


def phone_search_digits(query: str) -> str | None:
    """The E.164 form of a phone number written in any format, or None if it is not one."""
    if len(re.sub(r"\D", "", query)) < 5:
        return None
    number = phone_to_python(query, region=settings.PHONENUMBER_DEFAULT_REGION)
    if number is None or not number.is_valid():
        return None
    return number.as_e164


def client_search(clients: QuerySet[Client], query: str) -> QuerySet[Client]:
    """Name, e-mail or phone (in any format: +7 912 …, 8 (912) …, or a run of its digits)."""
    query = query.strip()
    if not query:
        return clients
    condition = Q(name__icontains=query) | Q(contact_person__icontains=query)
    if "@" in query:
        condition |= Q(email__iexact=query) | Q(email__icontains=query)
    e164 = phone_search_digits(query)
    digits = re.sub(r"\D", "", query)
    if e164:
        condition |= Q(Exists(ClientPhone.objects.filter(client=OuterRef("pk"), number=e164)))
    elif len(digits) >= 4 and len(digits) == len(re.sub(r"[\s()+\-]", "", query)):
        condition |= Q(
            Exists(ClientPhone.objects.filter(client=OuterRef("pk"), number__contains=digits))
        )
    return clients.filter(condition)


def clients_with_consent(clients: QuerySet[Client], channel: str) -> QuerySet[Client]:
    """Clients whose newest consent record for `channel` grants it."""
    newest = Consent.objects.filter(client=OuterRef("pk"), channel=channel).order_by("-at", "-id")
    return clients.annotate(_consent=Subquery(newest.values("granted")[:1])).filter(_consent=True)


def handoffs_inbox(user: AnyUser) -> QuerySet[Handoff]:
    """New buyers handed to this account manager and not accepted yet."""
    return (
        Handoff.objects.filter(to_user=user, accepted_at__isnull=True)
        .select_related("client", "from_user")
        .order_by("created_at", "id")
    )


def handoffs_unassigned() -> QuerySet[Handoff]:
    """Handoffs waiting for a director to choose the account manager (manual assignment)."""
    return Handoff.objects.filter(to_user__isnull=True).select_related("client", "from_user")


def handoffs_awaiting_acceptance() -> QuerySet[Handoff]:
    """Handoffs assigned to an account manager who has not accepted them yet (for directors)."""
    return (
        Handoff.objects.filter(to_user__isnull=False, accepted_at__isnull=True)
        .select_related("client", "from_user", "to_user")
        .order_by("created_at", "id")
    )


def client_consents(client: Client) -> list[dict[str, Any]]:
    """Per channel, the newest consent record (when, how, by whom), or None for a channel the
    client was never asked about — which counts as not granted."""
    newest: dict[str, Consent] = {}
    for consent in client.consents.select_related("recorded_by").order_by("-at", "-id"):
        newest.setdefault(consent.channel, consent)
    return [
        {"channel": value, "label": label, "consent": newest.get(value)}
        for value, label in Channel.choices
    ]


def client_timeline(client: Client) -> list[dict[str, Any]]:
    """Orders and their events, stage changes, the handoff, referrals and refusals, newest
    first — a fixed number of queries whatever the client's history."""
    items: list[dict[str, Any]] = []
    orders = list(client.orders.prefetch_related("events").order_by("placed_at"))
    for order in orders:
        for event in order.events.all():
            items.append({"at": event.at, "kind": "order_event", "order": order, "event": event})
    for change in client.stage_changes.select_related("changed_by"):
        items.append({"at": change.at, "kind": "stage", "change": change})
    handoff = Handoff.objects.filter(client=client).select_related("from_user", "to_user").first()
    if handoff is not None:
        items.append({"at": handoff.created_at, "kind": "handoff", "handoff": handoff})
        if handoff.accepted_at:
            items.append(
                {"at": handoff.accepted_at, "kind": "handoff_accepted", "handoff": handoff}
            )
    for referral in client.referrals_made.select_related("referred"):
        items.append({"at": referral.created_at, "kind": "referral", "referral": referral})
    for refusal in client.refusals.select_related("recorded_by", "order"):
        items.append({"at": refusal.at, "kind": "refusal", "refusal": refusal})
    items.extend(timeline.items_from_sources(client))
    items.sort(key=lambda item: item["at"], reverse=True)
    return items


def consents_current(client_ids: "set[int] | list[int]") -> dict[int, dict[str, bool]]:
    """Each client's current choice per channel (the newest record wins); a channel never
    asked about is not granted. One query for any number of clients."""
    from .models import Channel

    current = {client_id: dict.fromkeys(Channel.values, False) for client_id in client_ids}
    seen: set[tuple[int, str]] = set()
    rows = Consent.objects.filter(client_id__in=client_ids).order_by("client_id", "-at", "-id")
    for client_id, channel, granted in rows.values_list("client_id", "channel", "granted"):
        if (client_id, channel) not in seen:
            seen.add((client_id, channel))
            current[client_id][channel] = granted
    return current
