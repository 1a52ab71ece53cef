"""Every write to clients and orders, and the lifecycle rules.

The stage of a client is derived from facts (orders that count as purchases, referrals that
bought, a recorded recommendation) by `client_recount_stage`; nothing else sets it. Functions
raise `django.core.exceptions.ValidationError` with a message per field for bad input.
"""

import datetime as dt
from collections.abc import Collection
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from typing import Any, cast

from django.conf import settings
from django.contrib.admin.models import LogEntry
from django.contrib.auth import get_user_model
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Count, Exists, OuterRef, Q, Sum, Value
from django.db.models.functions import Replace
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop
from phonenumber_field.phonenumber import PhoneNumber
from phonenumber_field.phonenumber import to_python as phone_to_python

from followup_crm.roles import ACCOUNT_MANAGER
from followup_crm.users import User

from . import signals
from .models import (
    NOT_PURCHASES,
    AuditReason,
    BonusEntry,
    Client,
    ClientNote,
    ClientPhone,
    Commission,
    CommissionRule,
    Consent,
    Handoff,
    Order,
    OrderEvent,
    OrderStatus,
    PromisedDateChange,
    Referral,
    Refusal,
    Stage,
    StageChange,
)
from .selectors import consents_current

# Clock skew we tolerate between the other system and ours for event times.
FUTURE_TOLERANCE = dt.timedelta(minutes=10)
# The years a time the CRM takes in (from the API, an import) may fall in. An earlier one is a
# typing mistake, and the oldest local times have offsets with seconds (Moscow's until 1919,
# "+02:30:17") that an RFC 3339 time cannot write; year 1 or 9999 overflows when moved to UTC.
EARLIEST_TIME = dt.datetime(1970, 1, 1, tzinfo=dt.UTC)
LATEST_TIME = dt.datetime(3000, 1, 1, tzinfo=dt.UTC)
# A promised delivery date further than this from the day of the order is a typing mistake;
# the weekly status updates planned up to it would run into the thousands (or past year 9999).
PROMISED_DATE_HORIZON = dt.timedelta(days=2 * 366)

CLIENT_FIELDS = (
    "kind",
    "name",
    "contact_person",
    "email",
    "postal_address",
    "time_zone",
    "language",
    "birthday",
    "source",
    "originator",
    "account_manager",
    "visited_at",
    "recommends",
    "notes",
)


# --- clients -----------------------------------------------------------------------------


def phone_normalize(raw: str) -> str:
    """A phone number in E.164, read with the configured default region; ValidationError if
    it is not a valid number."""
    number = phone_to_python(raw.strip(), region=settings.PHONENUMBER_DEFAULT_REGION)
    # A blank comes back as it is (a str), not as a PhoneNumber.
    if not isinstance(number, PhoneNumber) or not number.is_valid():
        raise ValidationError(
            {"phones": _("“%(value)s” is not a valid phone number.") % {"value": raw}}
        )
    return number.as_e164


def _set_phones(client: Client, phones: list[str]) -> None:
    numbers: list[str] = []
    for raw in phones:
        if raw and raw.strip():
            number = phone_normalize(raw)
            if number not in numbers:
                numbers.append(number)
    client.phones.exclude(number__in=numbers).delete()
    existing = set(client.phones.values_list("number", flat=True))
    for position, number in enumerate(numbers):
        if number in existing:
            client.phones.filter(number=number).update(is_primary=position == 0)
        else:
            ClientPhone.objects.create(client=client, number=number, is_primary=position == 0)


@transaction.atomic
def client_create(
    *,
    by: User | None,
    phones: list[str] | None = None,
    consents: list[dict[str, Any]] | None = None,
    **fields: Any,
) -> Client:
    """Create a client; `consents` are the choices collected with them (each a dict of
    `consent_record`'s channel, granted, method and optionally at and note)."""
    unknown = set(fields) - set(CLIENT_FIELDS)
    if unknown:
        raise TypeError(f"client_create got unknown fields: {sorted(unknown)}")
    client = Client(**fields)
    client.full_clean(exclude=["stage"])
    client.save()
    _set_phones(client, phones or [])
    for consent in consents or []:
        consent_record(client=client, by=by, **consent)
    client_recount_stage(client=client, reason=gettext_noop("Client created"), by=by)
    return client


@transaction.atomic
def client_update(
    *, client: Client, by: User | None, phones: list[str] | None = None, **fields: Any
) -> Client:
    unknown = set(fields) - set(CLIENT_FIELDS)
    if unknown:
        raise TypeError(f"client_update got unknown fields: {sorted(unknown)}")
    for name, value in fields.items():
        setattr(client, name, value)
    client.full_clean(exclude=["stage"])
    client.save()
    if phones is not None:
        _set_phones(client, phones)
    client_recount_stage(client=client, reason=gettext_noop("Client details changed"), by=by)
    return client


def client_archive(*, client: Client, by: User | None) -> Client:
    """Clients are archived, never deleted: their orders and history stay."""
    if client.archived_at is None:
        client.archived_at = timezone.now()
        client._history_user = by
        client.save(update_fields=["archived_at", "updated_at"])
    return client


def client_restore(*, client: Client, by: User | None) -> Client:
    if client.archived_at is not None:
        client.archived_at = None
        client._history_user = by
        client.save(update_fields=["archived_at", "updated_at"])
    return client


def client_record_export(*, client: Client, by: User | None, reason: str) -> None:
    """Who downloaded a client's personal data, and when, in the client's audit trail: a history
    record that changes nothing, with the reason (an AuditReason)."""
    Client.history.bulk_history_create(
        [client], update=True, default_user=by, default_change_reason=reason
    )


# What erasing blanks on the client; the name becomes `erased_name`.
ERASED_VALUES: dict[str, Any] = {
    "contact_person": "",
    "email": "",
    "postal_address": "",
    "birthday": None,
    "notes": "",
}


def erased_name(client_id: int) -> str:
    # In the company's language, whoever erases: it is data, not the interface.
    with translation.override(settings.LANGUAGE_CODE):
        return _("Erased client #%(id)d") % {"id": client_id}


@transaction.atomic
def client_erase(*, client: Client, by: User | None) -> Client:
    """Anonymise a client: their name, contacts, birthday and every free text about them go,
    consents are withdrawn, and the history keeps that changes happened but not the old
    personal values. Orders, amounts, stages, scores and dates stay, so the reports' figures do
    not move. `signals.client_erased` lets touchpoints and surveys blank what they hold.
    Running it again is harmless: it blanks what may have been added since and keeps the first
    erasure's time and author."""
    Client.objects.select_for_update().filter(pk=client.pk).first()
    # The caller's copy, fresh: saved stale later, it would bring the old values back.
    client.refresh_from_db()
    name = erased_name(client.pk)
    previous_name = client.name
    now = timezone.now()
    changed = client.name != name or any(
        getattr(client, field) != value for field, value in ERASED_VALUES.items()
    )
    if changed or client.erased_at is None:
        client.name = name
        for field, value in ERASED_VALUES.items():
            setattr(client, field, value)
        if client.erased_at is None:
            client.erased_at, client.erased_by = now, by
        client._history_user = by
        client._change_reason = AuditReason.ERASE
        client.save()
    Client.history.model.objects.filter(id=client.pk).update(name=name, **ERASED_VALUES)
    client.phones.all().delete()
    withdrawn = [
        Consent(
            client=client,
            channel=channel,
            granted=False,
            at=now,
            method=Consent.Method.ERASURE,
            recorded_by=by,
        )
        for channel, granted in consent_current(client=client).items()
        if granted
    ]
    Consent.objects.bulk_create(withdrawn)
    client.consents.update(note="")
    OrderEvent.objects.filter(order__client=client).update(note="")
    Handoff.objects.filter(client=client).update(notes="")
    client.refusals.update(details="")
    client.bonus_entries.update(note="")
    client.timeline_notes.update(text="")
    # The rewards the client earned: what was promised to them may say anything about them.
    client.referrals_made.update(reward="")
    if previous_name != name:
        _erase_name_elsewhere(client=client, old=previous_name, new=name)
    LogEntry.objects.filter(
        content_type=ContentType.objects.get_for_model(Client), object_id=str(client.pk)
    ).update(object_repr=name)
    signals.client_erased.send(sender=Client, client=client, by=by)
    return client


def _erase_name_elsewhere(*, client: Client, old: str, new: str) -> None:
    """The services write a client's name into the records of the people linked to them by a
    referral: "Referred …" in a referrer's stage history, "… bought" in their bonus ledger,
    "Recommended by …" in the notes (and handoff notes) of someone they recommended."""
    linked = Referral.objects.filter(Q(referrer=client) | Q(referred=client))
    ids = {pk for pair in linked.values_list("referrer_id", "referred_id") for pk in pair}
    ids.discard(client.pk)
    if not ids:
        return
    texts = (
        (StageChange.objects, "client_id", "reason"),
        (BonusEntry.objects, "client_id", "note"),
        (Handoff.objects, "client_id", "notes"),
        (Client.objects, "pk", "notes"),
        (Client.history.model.objects, "id", "notes"),
        # A reward the client's referrer earned may name the client.
        (Referral.objects, "referrer_id", "reward"),
    )
    for manager, owner, field in texts:
        manager.filter(**{f"{owner}__in": ids, f"{field}__contains": old}).update(
            **{field: Replace(field, Value(old), Value(new))}
        )


def consent_record(
    *,
    client: Client,
    channel: str,
    granted: bool,
    method: str,
    by: User | None = None,
    at: dt.datetime | None = None,
    note: str = "",
) -> Consent:
    consent = Consent(
        client=client,
        channel=channel,
        granted=granted,
        method=method,
        at=at or timezone.now(),
        note=note,
        recorded_by=by,
    )
    consent.full_clean()
    consent.save()
    return consent


def consent_current(*, client: Client) -> dict[str, bool]:
    """The client's current choice per channel; a channel never asked about is not granted."""
    return consents_current([client.pk])[client.pk]


# --- the lifecycle -----------------------------------------------------------------------


def _purchases(client: Client) -> Any:
    return Order.objects.filter(client=client).exclude(status__in=NOT_PURCHASES)


def client_stage_from_facts(*, client: Client) -> str:
    purchases = _purchases(client).count()
    if purchases == 0:
        return Stage.VISITOR if client.visited_at else Stage.PROSPECT
    referred_buyer = Referral.objects.filter(referrer=client).filter(
        Exists(Order.objects.filter(client=OuterRef("referred")).exclude(status__in=NOT_PURCHASES))
    )
    if client.recommends or referred_buyer.exists():
        return Stage.ADVOCATE
    return Stage.CLIENT if purchases >= 2 else Stage.BUYER


def client_recount_stage(*, client: Client, reason: str, by: User | None = None) -> bool:
    """Set the stage from the facts; write the history only when it changes. Returns whether it
    changed."""
    # The caller's copy may be older than another service's write in the same request.
    client.refresh_from_db(fields=["stage", "stage_changed_at", "visited_at", "recommends"])
    new_stage = client_stage_from_facts(client=client)
    if new_stage == client.stage and client.stage_changed_at is not None:
        return False
    now = timezone.now()
    StageChange.objects.create(
        client=client,
        from_stage=client.stage if client.stage_changed_at else "",
        to_stage=new_stage,
        at=now,
        reason=reason[:255],
        changed_by=by,
    )
    previous = client.stage if client.stage_changed_at else ""
    client.stage = new_stage
    client.stage_changed_at = now
    client.save(update_fields=["stage", "stage_changed_at", "updated_at"])
    signals.stage_changed.send(
        sender=Client, client=client, from_stage=previous, to_stage=new_stage
    )
    return True


def client_recount_purchases(*, client: Client) -> None:
    """Keep the times of the client's first two purchases (cancelled and returned orders do
    not count) that the reports read. An UPDATE of two columns: no history row, no signal."""
    times: list[dt.datetime | None] = list(
        Order.objects.filter(client=client)
        .exclude(status__in=NOT_PURCHASES)
        .order_by("placed_at", "id")
        .values_list("placed_at", flat=True)[:2]
    )
    times += [None] * (2 - len(times))
    client.first_purchase_at, client.second_purchase_at = times
    Client.objects.filter(pk=client.pk).update(
        first_purchase_at=times[0], second_purchase_at=times[1]
    )


def purchases_changed(*, client: Client, reason: str, by: User | None) -> None:
    """Everything that follows from a client's purchases changing, in order."""
    client_recount_purchases(client=client)
    commission_recount(client=client)
    referral_convert(referred=client)
    was_new = client.stage in (Stage.PROSPECT, Stage.VISITOR)
    client_recount_stage(client=client, reason=reason, by=by)
    if was_new and client.stage not in (Stage.PROSPECT, Stage.VISITOR):
        handoff_create(client=client, by=by)
    # A referrer's stage depends on whether the people they referred still count as buyers.
    referral = Referral.objects.filter(referred=client).select_related("referrer").first()
    if referral is not None:
        client_recount_stage(
            client=referral.referrer,
            reason=gettext_noop("A referred client's purchases changed: %(name)s")
            % {"name": client.name},
            by=by,
        )
    _bonus_every_nth_free(client=client)


# --- orders ------------------------------------------------------------------------------

# Which events may follow which status. An event for an earlier status that happened before the
# current one is kept in the timeline without moving the status back.
TRANSITIONS: dict[str, frozenset[str]] = {
    OrderStatus.PLACED: frozenset(
        {
            OrderStatus.READY,
            OrderStatus.SHIPPED,
            OrderStatus.AT_PICKUP,
            OrderStatus.DELIVERED,
            OrderStatus.CANCELLED,
        }
    ),
    OrderStatus.READY: frozenset(
        {OrderStatus.SHIPPED, OrderStatus.AT_PICKUP, OrderStatus.DELIVERED, OrderStatus.CANCELLED}
    ),
    OrderStatus.SHIPPED: frozenset(
        {OrderStatus.AT_PICKUP, OrderStatus.DELIVERED, OrderStatus.CANCELLED}
    ),
    OrderStatus.AT_PICKUP: frozenset({OrderStatus.DELIVERED, OrderStatus.CANCELLED}),
    OrderStatus.DELIVERED: frozenset({OrderStatus.RETURNED}),
    OrderStatus.CANCELLED: frozenset(),
    OrderStatus.RETURNED: frozenset(),
}
RANK: dict[str, int] = {
    OrderStatus.PLACED: 0,
    OrderStatus.READY: 1,
    OrderStatus.SHIPPED: 2,
    OrderStatus.AT_PICKUP: 3,
    OrderStatus.DELIVERED: 4,
    OrderStatus.CANCELLED: 5,
    OrderStatus.RETURNED: 5,
}


@dataclass(frozen=True)
class OrderRecorded:
    order: Order
    created: bool
    # For an order recorded before: the fields the new call changed.
    changed: frozenset[str] = frozenset()


def order_record(
    *,
    client: Client,
    amount: Decimal,
    placed_at: dt.datetime,
    by: User | None,
    external_id: str | None = None,
    currency: str = "RUB",
    promised_date: dt.date | None = None,
    seller: User | None = None,
    description: str = "",
    sent: Collection[str] = (),
) -> OrderRecorded:
    """Record an order. The same `external_id` again for the same client returns the order
    already recorded, and updates those of the fields named in `sent` (the API passes the fields
    the order system sent) that differ: amount, currency, promised date, description, seller.
    The time placed cannot change (a ValidationError naming the field). The card and the import
    name no fields: for them the same id again changes nothing. External ids are the client's
    own: the same id on another client's order is another order (and whether one exists is
    nobody's business who may not see it)."""
    external_id = (external_id or "").strip() or None
    proposed = {
        "amount": amount,
        "currency": currency,
        "placed_at": placed_at,
        "promised_date": promised_date,
        "seller": seller,
        "description": description,
    }
    proposed = {name: value for name, value in proposed.items() if name in sent}
    if external_id:
        existing = Order.objects.filter(client=client, external_id=external_id).first()
        if existing is not None:
            return _existing_order(order=existing, by=by, proposed=proposed)
    if timezone.is_naive(placed_at):
        raise ValidationError({"placed_at": _("Give the time with its time zone.")})
    if placed_at > timezone.now() + FUTURE_TOLERANCE:
        raise ValidationError({"placed_at": _("The order cannot be placed in the future.")})
    _check_promised_date(placed_at, promised_date)
    order = Order(
        client=client,
        external_id=external_id,
        amount=amount,
        currency=(currency or "").upper(),
        placed_at=placed_at,
        promised_date=promised_date,
        first_promised_date=promised_date,
        seller=seller,
        description=description,
        status=OrderStatus.PLACED,
        status_at=placed_at,
    )
    order.full_clean(validate_constraints=False)
    if len(order.currency) != 3 or not order.currency.isalpha():
        raise ValidationError({"currency": _("Use a three-letter currency code such as RUB.")})
    try:
        with transaction.atomic():
            order.save()
            event = OrderEvent.objects.create(
                order=order, type=OrderStatus.PLACED, at=placed_at, recorded_by=by
            )
            if client.visited_at is None or client.visited_at > placed_at:
                client.visited_at = placed_at
                client.save(update_fields=["visited_at", "updated_at"])
            purchases_changed(
                client=client,
                reason=gettext_noop("Order %(order)s placed") % {"order": order},
                by=by,
            )
            signals.order_event_recorded.send(sender=Order, order=order, event=event)
    except IntegrityError:
        # Another request recorded the same external id a moment ago.
        existing = Order.objects.filter(client=client, external_id=external_id).first()
        if existing is None:
            raise
        return _existing_order(order=existing, by=by, proposed=proposed)
    return OrderRecorded(order=order, created=True)


def _check_promised_date(placed_at: dt.datetime, promised_date: dt.date | None) -> None:
    if promised_date is None:
        return
    if abs(promised_date - timezone.localdate(placed_at)) > PROMISED_DATE_HORIZON:
        message = _("The promised delivery date must be within two years of the order.")
        raise ValidationError({"promised_date": message})


def _existing_order(*, order: Order, by: User | None, proposed: dict[str, Any]) -> OrderRecorded:
    placed_at = proposed.pop("placed_at", None)
    # Systems write times to the second, or the millisecond: within a minute it is the same.
    if placed_at is not None and abs(placed_at - order.placed_at) >= dt.timedelta(minutes=1):
        raise ValidationError({"placed_at": _("The time an order was placed cannot change.")})
    if "currency" in proposed:
        proposed["currency"] = (proposed["currency"] or "").upper()
    changed = {name: value for name, value in proposed.items() if _differs(order, name, value)}
    if changed:
        reason = _("Sent again with a new date by the order system.")
        order = order_update(order=order, by=by, reason=reason, **changed)
    return OrderRecorded(order=order, created=False, changed=frozenset(changed))


def _differs(order: Order, name: str, value: Any) -> bool:
    if name == "seller":
        return order.seller_id != (value.pk if value is not None else None)
    return getattr(order, name) != value


# The fields of an order that may change after it was recorded; the client, the external id
# and the time it was placed may not (a 400 naming the field).
ORDER_CHANGEABLE = frozenset({"amount", "currency", "promised_date", "description", "seller"})
ORDER_FIXED = frozenset({"client", "external_id", "placed_at"})


@transaction.atomic
def order_update(*, order: Order, by: User | None, reason: str = "", **fields: Any) -> Order:
    """Change what an order system may change about an order. A moved promised date goes
    through `order_set_promised_date` (recorded with who and why, re-plans the status updates);
    a new amount updates the originator's commission on it."""
    fixed = sorted(set(fields) & ORDER_FIXED)
    if fixed:
        raise ValidationError(
            {name: _("This cannot change once the order is recorded.") for name in fixed}
        )
    unknown = set(fields) - ORDER_CHANGEABLE
    if unknown:
        raise TypeError(f"order_update got unknown fields: {sorted(unknown)}")
    order = Order.objects.select_for_update().get(pk=order.pk)
    promised = fields.pop("promised_date", order.promised_date)
    if "currency" in fields:
        fields["currency"] = (fields["currency"] or "").upper()
        if len(fields["currency"]) != 3 or not fields["currency"].isalpha():
            raise ValidationError({"currency": _("Use a three-letter currency code such as RUB.")})
    changed = [name for name, value in fields.items() if getattr(order, name) != value]
    for name in changed:
        setattr(order, name, fields[name])
    if changed:
        order.full_clean(validate_constraints=False)
        order._history_user = by
        order.save(update_fields=changed)
        if {"amount", "currency"} & set(changed):
            _commission_follow_amount(order=order)
    return order_set_promised_date(order=order, promised_date=promised, by=by, reason=reason)


def _commission_follow_amount(*, order: Order) -> None:
    commission = Commission.objects.filter(order=order).select_related("rule").first()
    if commission is None:
        return
    commission.amount = (order.amount * commission.rule.percentage / 100).quantize(
        Decimal("0.01"), rounding=ROUND_HALF_UP
    )
    commission.currency = order.currency
    commission.save(update_fields=["amount", "currency"])


@transaction.atomic
def order_record_event(
    *,
    order: Order,
    type: str,
    at: dt.datetime,
    by: User | None,
    note: str = "",
) -> OrderEvent:
    if type not in OrderStatus.values:
        raise ValidationError({"type": _("Unknown event “%(type)s”.") % {"type": type}})
    if timezone.is_naive(at):
        raise ValidationError({"at": _("Give the time with its time zone.")})
    if at > timezone.now() + FUTURE_TOLERANCE:
        raise ValidationError({"at": _("The event cannot be in the future.")})
    if at < order.placed_at:
        raise ValidationError({"at": _("The event cannot be earlier than the order.")})
    order = Order.objects.select_for_update().get(pk=order.pk)
    duplicate = OrderEvent.objects.filter(order=order, type=type, at=at).first()
    if duplicate is not None:
        return duplicate

    if type in TRANSITIONS[order.status]:
        applied = True
    elif RANK[type] <= RANK[order.status] and at <= order.status_at:
        applied = False  # an older event arriving late: history only
    else:
        raise ValidationError(
            {
                "type": _("An order that is %(current)s cannot become %(new)s.")
                % {
                    "current": OrderStatus(order.status).label,
                    "new": OrderStatus(type).label,
                }
            }
        )
    event = OrderEvent.objects.create(
        order=order, type=type, at=at, applied=applied, note=note, recorded_by=by
    )
    if applied:
        was_purchase = order.is_purchase
        order.status = type
        order.status_at = max(at, order.status_at)
        if type == OrderStatus.DELIVERED:
            order.delivered_at = at
        order.save(update_fields=["status", "status_at", "delivered_at"])
        if was_purchase != order.is_purchase:
            with translation.override("en"):  # stored in English, shown translated
                status = str(OrderStatus(type).label).lower()
            purchases_changed(
                client=order.client,
                reason=gettext_noop("Order %(order)s %(status)s")
                % {"order": order, "status": status},
                by=by,
            )
        signals.order_event_recorded.send(sender=Order, order=order, event=event)
    return event


@transaction.atomic
def order_set_promised_date(
    *, order: Order, promised_date: dt.date | None, by: User | None, reason: str = ""
) -> Order:
    """Move the promised delivery date: recorded in the order's timeline with who and why, and
    the status updates before delivery are planned again from the new date (what was done
    stays). The first date promised is kept for the on-time figures."""
    previous = order.promised_date
    if previous == promised_date:
        return order
    if order.status in (OrderStatus.DELIVERED, *NOT_PURCHASES):
        raise ValidationError(
            {
                "promised_date": _("The order is %(status)s: its date can no longer move.")
                % {"status": OrderStatus(order.status).label.lower()}
            }
        )
    _check_promised_date(order.placed_at, promised_date)
    update_fields = ["promised_date"]
    order.promised_date = promised_date
    if order.first_promised_date is None and promised_date is not None:
        order.first_promised_date = promised_date
        update_fields.append("first_promised_date")
    order._history_user = by
    order.save(update_fields=update_fields)
    PromisedDateChange.objects.create(
        order=order,
        at=timezone.now(),
        old_date=previous,
        new_date=promised_date,
        reason=reason[:255],
        changed_by=by,
    )
    signals.order_promised_date_changed.send(sender=Order, order=order, previous=previous)
    return order


# --- handoff -----------------------------------------------------------------------------


def account_manager_queryset() -> Any:
    return get_user_model().objects.filter(is_active=True, groups__name=ACCOUNT_MANAGER)


def handoff_pick_account_manager() -> User | None:
    """The account manager for a new buyer by the configured rule (None when assigned by hand)."""
    rule = settings.HANDOFF_ASSIGNMENT
    managers = account_manager_queryset().order_by("id")
    if rule == "manual":
        return None
    if rule == "round_robin":
        last = Handoff.objects.filter(to_user__isnull=False).order_by("-created_at", "-id").first()
        if last is not None:
            following = managers.filter(id__gt=last.to_user_id).first()
            if following is not None:
                return following
        return managers.first()
    return (
        managers.annotate(
            load=Count("managed_clients", filter=Q(managed_clients__archived_at__isnull=True))
        )
        .order_by("load", "id")
        .first()
    )


def handoff_create(
    *, client: Client, by: User | None, notes: str | None = None, to_user: User | None = None
) -> Handoff:
    """Hand a new buyer to an account manager; a client is handed over once."""
    existing = Handoff.objects.filter(client=client).first()
    if existing is not None:
        return existing
    if to_user is None and client.account_manager_id is None:
        to_user = handoff_pick_account_manager()
    elif to_user is None:
        to_user = client.account_manager
    handoff = Handoff.objects.create(
        client=client,
        from_user=client.originator,
        to_user=to_user,
        created_at=timezone.now(),
        notes=client.notes if notes is None else notes,
    )
    if to_user is not None and client.account_manager_id != to_user.pk:
        client.account_manager = to_user
        client._history_user = by
        client.save(update_fields=["account_manager", "updated_at"])
    signals.handoff_created.send(sender=Handoff, handoff=handoff)
    return handoff


@transaction.atomic
def handoff_assign(*, handoff: Handoff, to_user: User, by: User | None) -> Handoff:
    if not to_user.groups.filter(name=ACCOUNT_MANAGER).exists():
        raise ValidationError({"to_user": _("Choose an account manager.")})
    handoff.to_user = to_user
    handoff.accepted_at = None
    handoff.save(update_fields=["to_user", "accepted_at"])
    client = handoff.client
    client.account_manager = to_user
    client._history_user = by
    client.save(update_fields=["account_manager", "updated_at"])
    return handoff


@transaction.atomic
def handoff_accept(*, handoff: Handoff, by: User) -> Handoff:
    """Accept a handoff made to `by`. One compare-and-set on the row as it is now, not as the
    page saw it: a director may have handed the client to someone else meanwhile. Accepting
    twice (a double click) is harmless."""
    now = timezone.now()
    accepted = Handoff.objects.filter(pk=handoff.pk, to_user=by, accepted_at__isnull=True).update(
        accepted_at=now
    )
    handoff.refresh_from_db(fields=["to_user", "accepted_at"])
    if handoff.to_user_id != by.pk:
        raise ValidationError(_("Only the account manager it was handed to can accept it."))
    if accepted:
        signals.handoff_accepted.send(sender=Handoff, handoff=handoff)
    return handoff


# --- referrals, refusals, bonus points ---------------------------------------------------


@transaction.atomic
def referral_record(
    *, referrer: Client, referred: Client, by: User | None, reward: str = ""
) -> Referral:
    if referrer.pk == referred.pk:
        raise ValidationError({"referred": _("A client cannot refer themselves.")})
    if Referral.objects.filter(referred=referred).exists():
        raise ValidationError({"referred": _("This client was already referred by someone.")})
    referral = Referral.objects.create(
        referrer=referrer,
        referred=referred,
        reward=reward,
        created_at=timezone.now(),
        recorded_by=by,
    )
    if referred.source == Client.Source.OTHER:
        referred.source = Client.Source.REFERRAL
        referred.save(update_fields=["source", "updated_at"])
    referral_convert(referred=referred)
    client_recount_stage(
        client=referrer,
        reason=gettext_noop("Referred %(name)s") % {"name": referred.name},
        by=by,
    )
    return referral


@transaction.atomic
def referral_record_new(
    *,
    referrer: Client,
    by: User | None,
    name: str,
    phones: list[str],
    reward: str = "",
    **fields: Any,
) -> Referral:
    """Someone a client recommended who is not on the books yet: the new client and the referral
    are one fact, both written or neither."""
    referred = client_create(
        by=by, name=name, phones=phones, source=Client.Source.REFERRAL, **fields
    )
    return referral_record(referrer=referrer, referred=referred, by=by, reward=reward)


def referral_convert(*, referred: Client) -> Referral | None:
    """When a referred person has bought, reward the referrer once."""
    referral = Referral.objects.filter(referred=referred, converted_at__isnull=True).first()
    if referral is None or not _purchases(referred).exists():
        return None
    referral.converted_at = timezone.now()
    referral.save(update_fields=["converted_at"])
    points = settings.REFERRAL_REWARD_POINTS
    if points > 0:
        BonusEntry.objects.get_or_create(
            referral=referral,
            kind=BonusEntry.Kind.REFERRAL,
            defaults={
                "client": referral.referrer,
                "points": points,
                "at": referral.converted_at,
                "note": _("%(name)s bought") % {"name": referred.name},
            },
        )
    return referral


def refusal_record(
    *,
    client: Client,
    reason: str,
    by: User | None,
    details: str = "",
    order: Order | None = None,
    at: dt.datetime | None = None,
) -> Refusal:
    if order is not None and order.client_id != client.pk:
        raise ValidationError({"order": _("The order belongs to another client.")})
    refusal = Refusal(
        client=client,
        order=order,
        reason=reason,
        details=details,
        at=at or timezone.now(),
        recorded_by=by,
    )
    refusal.full_clean()
    with transaction.atomic():
        refusal.save()
        signals.refusal_recorded.send(sender=Refusal, refusal=refusal)
    return refusal


def bonus_balance(*, client: Client) -> int:
    return client.bonus_entries.aggregate(total=Sum("points"))["total"] or 0


@transaction.atomic
def bonus_record(
    *, client: Client, kind: str, points: int, note: str = "", order: Order | None = None
) -> BonusEntry:
    """Add points (earned) or take them (spent); the balance never goes below zero."""
    if points <= 0:
        raise ValidationError({"points": _("Give a positive number of points.")})
    if kind == BonusEntry.Kind.SPENT:
        Client.objects.select_for_update().filter(pk=client.pk).first()
        if points > bonus_balance(client=client):
            raise ValidationError({"points": _("The client does not have that many points.")})
        points = -points
    elif kind != BonusEntry.Kind.EARNED:
        raise ValidationError({"kind": _("Points are earned or spent by hand.")})
    return BonusEntry.objects.create(
        client=client, kind=kind, points=points, note=note, order=order, at=timezone.now()
    )


def _bonus_every_nth_free(*, client: Client) -> None:
    """With BONUS_EVERY_NTH_FREE = N, every Nth purchase of a client is marked as free."""
    nth = settings.BONUS_EVERY_NTH_FREE
    if nth <= 0:
        return
    purchases = list(_purchases(client).order_by("placed_at", "id"))
    for position, order in enumerate(purchases, start=1):
        if position % nth == 0:
            BonusEntry.objects.get_or_create(
                order=order,
                kind=BonusEntry.Kind.FREE_PURCHASE,
                defaults={
                    "client": client,
                    "points": 0,
                    "at": timezone.now(),
                    "note": _("Purchase number %(n)d is free") % {"n": position},
                },
            )


# --- commissions -------------------------------------------------------------------------


def commission_rule_for(*, day: dt.date) -> CommissionRule | None:
    return (
        CommissionRule.objects.filter(effective_from__lte=day)
        .filter(Q(effective_to__isnull=True) | Q(effective_to__gte=day))
        .order_by("-effective_from")
        .first()
    )


def commission_recount(*, client: Client) -> None:
    """The originator earns on every purchase after the first; an order that stops counting
    (cancelled, returned) or becomes the first voids its commission."""
    purchases = list(_purchases(client).order_by("placed_at", "id"))
    earning = {order.pk for order in purchases[1:]} if client.originator_id else set()
    now = timezone.now()
    Commission.objects.filter(order__client=client, voided_at__isnull=True).exclude(
        order_id__in=earning
    ).update(voided_at=now)
    # An order recorded late can make a voided one a later purchase again.
    Commission.objects.filter(order_id__in=earning, voided_at__isnull=False).update(voided_at=None)
    already = set(
        Commission.objects.filter(order_id__in=earning).values_list("order_id", flat=True)
    )
    for order in purchases[1:]:
        if order.pk not in earning or order.pk in already:
            continue
        rule = commission_rule_for(day=timezone.localdate(order.placed_at))
        if rule is None:
            continue
        Commission.objects.create(
            order=order,
            # Set: without an originator, nothing is earning.
            sales_manager_id=cast(int, client.originator_id),
            rule=rule,
            amount=(order.amount * rule.percentage / 100).quantize(
                Decimal("0.01"), rounding=ROUND_HALF_UP
            ),
            currency=order.currency,
            created_at=now,
        )


# --- notes -------------------------------------------------------------------------------


def client_note_add(*, client: Client, text: str, by: User | None) -> ClientNote:
    """A note in the client's history, with its author and time."""
    text = text.strip()
    if not text:
        raise ValidationError({"text": [_("Write the note.")]})
    return ClientNote.objects.create(client=client, text=text, author=by, at=timezone.now())
