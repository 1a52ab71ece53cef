"""Reads shared by the pages, the API, the import and the reports.

Visibility is decided here and nowhere else: a sales manager sees the clients they brought
(their open leads included), an account manager the clients assigned to them, a director
everything. Anything outside that is, for the caller, as if it did not exist (a 404).
"""

import datetime as dt
import re
from dataclasses import dataclass
from decimal import Decimal
from typing import Any, cast, overload

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db.models import (
    CharField,
    Exists,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Value,
)
from django.utils import formats, timezone
from django.utils.translation import gettext_lazy as _
from phonenumber_field.phonenumber import to_python as phone_to_python

from followup_crm.roles import ACCOUNT_MANAGER, DIRECTOR, ROLES, SALES_MANAGER, user_roles
from followup_crm.users import AnyUser, User

from . import timeline
from .models import (
    AuditReason,
    Channel,
    Client,
    ClientPhone,
    Consent,
    Handoff,
    Order,
    PromisedDateChange,
    Referral,
    Refusal,
)


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
    # Not None either: the same user sees every client or a filtered set, whatever the prefix.
    referred = cast(Q, client_visibility_q(user, prefix="referred__"))
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


def handoffs_inbox(user: User) -> QuerySet[Handoff]:
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
    """Orders and their events, stage changes, the handoff, referrals, refusals and notes,
    newest first — a fixed number of queries whatever the client's history."""
    items: list[dict[str, Any]] = []
    for note in client.timeline_notes.select_related("author"):
        items.append({"at": note.at, "kind": "note", "note": note})
    orders = list(client.orders.prefetch_related("events").order_by("placed_at"))
    for order in orders:
        for event in order.events.all():
            items.append({"at": event.at, "kind": "order_event", "order": order, "event": event})
    moves = PromisedDateChange.objects.filter(order__client=client).select_related(
        "order", "changed_by"
    )
    for change in moves:
        items.append(
            {
                "at": change.at,
                "kind": "promised_date",
                "template": "clients/timeline_promised_date.html",
                "change": change,
            }
        )
    for stage_change in client.stage_changes.select_related("changed_by"):
        items.append({"at": stage_change.at, "kind": "stage", "change": stage_change})
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


@dataclass(frozen=True)
class Timeline:
    planned: list[dict[str, Any]]  # what is ahead, soonest first (overdue ones included)
    history: list[dict[str, Any]]  # what happened, newest first


def timeline_split(items: list[dict[str, Any]]) -> Timeline:
    """The card's two parts: items a source marks `planned` (see clients/timeline.py) apart
    from the rest."""
    planned = sorted((item for item in items if item.get("planned")), key=lambda i: i["at"])
    return Timeline(planned=planned, history=[item for item in items if not item.get("planned")])


@dataclass(frozen=True)
class Money:
    amount: Decimal
    currency: str


@dataclass(frozen=True)
class OrderSummary:
    spent: list[Money]  # per currency, what the purchases came to
    orders: int
    not_purchases: int  # cancelled or returned: not counted in `spent`


def order_summary(orders: list[Order]) -> OrderSummary:
    """Total spent and the number of orders, from orders already read (no query)."""
    totals: dict[str, Decimal] = {}
    for order in orders:
        if order.is_purchase:
            totals[order.currency] = totals.get(order.currency, Decimal(0)) + order.amount
    return OrderSummary(
        spent=[Money(amount, currency) for currency, amount in sorted(totals.items())],
        orders=len(orders),
        not_purchases=sum(1 for order in orders if not order.is_purchase),
    )


def client_duplicates(
    *, user: AnyUser, phones: list[str], email: str, exclude: int | None = None
) -> list[Client]:
    """Clients the user may see who have one of these phones (E.164) or this e-mail: a new or
    edited client is probably one of them. Clients the user may not see are not looked at,
    so that nothing tells a manager that someone else's client exists. One query."""
    condition = Q(phones__number__in=phones) if phones else Q(pk__in=[])
    if email.strip():
        condition |= Q(email__iexact=email.strip())
    found = clients_visible_to(user).filter(condition, erased_at__isnull=True)
    if exclude is not None:
        found = found.exclude(pk=exclude)
    return list(found.distinct().order_by("name", "id")[:10])


def client_timeline_entries(client: Client) -> list[dict[str, Any]]:
    """The card's timeline as the API's entries, newest first (by time, then id)."""
    entries = [timeline.entry_of(item) for item in client_timeline(client)]
    described = [entry for entry in entries if entry is not None]
    described.sort(key=lambda entry: (entry["at"], entry["id"]), reverse=True)
    return described


def consents_current(client_ids: "set[int] | list[int]") -> dict[int, dict[str, bool]]:
    """Each client's current choice per channel (the newest record wins); a channel never
    asked about is not granted. One query for any number of clients."""
    current = {client_id: dict.fromkeys(Channel.values, False) for client_id in client_ids}
    seen: set[tuple[int, str]] = set()
    rows = Consent.objects.filter(client_id__in=client_ids).order_by("client_id", "-at", "-id")
    for client_id, channel, granted in rows.values_list("client_id", "channel", "granted"):
        if (client_id, channel) not in seen:
            seen.add((client_id, channel))
            current[client_id][channel] = granted
    return current


# --- personal data: consent history, the audit history, the data export -----------------


def consent_history(client: Client) -> list[Consent]:
    """Every consent record of the client, newest first: each choice given or withdrawn, when,
    how and by whom. One query."""
    return list(client.consents.select_related("recorded_by").order_by("-at", "-id"))


def users_visible_to(user: AnyUser) -> QuerySet[Any]:
    """The people a user works with, for the API's /users/: a director sees everyone with a
    role; a manager sees themselves, the directors, and the managers of the clients they see
    (who brought them, who looks after them) and the sellers of those clients' orders."""
    people = get_user_model().objects.filter(groups__name__in=ROLES)
    condition = client_visibility_q(user)
    if condition is not None:
        clients = clients_visible_to(user)
        people = people.filter(
            Q(pk=user.pk)
            | Q(groups__name=DIRECTOR)
            | Q(pk__in=clients.values("originator"))
            | Q(pk__in=clients.values("account_manager"))
            | Q(pk__in=Order.objects.filter(client__in=clients).values("seller"))
        )
    return people.distinct().prefetch_related("groups").order_by("id")


def user_entry(user: Any) -> dict[str, Any]:
    """A user as the API shows them: id, login, full name, roles."""
    return {
        "id": user.pk,
        "username": user.get_username(),
        "full_name": user.get_full_name(),
        "roles": sorted(group.name for group in user.groups.all() if group.name in ROLES),
        "is_active": user.is_active,
    }


@overload
def person_name(user: None) -> None: ...
@overload
def person_name(user: User) -> str: ...
def person_name(user: User | None) -> str | None:
    """How a user is named in the history and the export: their full name, else the login."""
    if user is None:
        return None
    return user.get_full_name() or user.get_username()


@dataclass(frozen=True)
class FieldChange:
    field: str
    label: str
    old: Any
    new: Any
    old_display: str
    new_display: str


@dataclass(frozen=True)
class AuditEntry:
    """One django-simple-history record of the client or of one of their orders, with what it
    changed compared with the record before it (for a creation: every field it set)."""

    history_id: int
    record_of: str  # "client" or "order"
    object_id: int
    object_label: str
    at: dt.datetime
    user: Any
    action: str  # simple-history's "+" created, "~" changed, "-" deleted
    reason: str
    changes: list[FieldChange]

    @property
    def action_label(self) -> str:
        return str(AUDIT_ACTIONS.get(self.action, self.action))

    @property
    def reason_label(self) -> str:
        # A merge names the other client: "merged-into:12".
        code, _sep, other = self.reason.partition(":")
        if code not in AuditReason:
            return self.reason
        label = str(AuditReason(code).label)
        return f"{label} #{other}" if other else label


AUDIT_ACTIONS = {"+": _("created"), "~": _("changed"), "-": _("deleted")}
# Never "changes": the row's own key, and the client an order belongs to.
AUDIT_HIDDEN_FIELDS = frozenset({"id", "client"})


def _history_of(client: Client) -> dict[str, tuple[Any, Q]]:
    """The history models the audit reads, each with what selects the client's records."""
    return {
        "client": (Client.history.model, Q(id=client.pk)),
        "order": (Order.history.model, Q(client_id=client.pk)),
    }


def _audit_rows(client: Client, offset: int, limit: int | None) -> list[tuple[str, int]]:
    """("client"|"order", history_id) of the records wanted, newest first: one query over the
    client's and their orders' history together, so a page costs the same at any length."""
    first, second = (
        model.objects.filter(whole)
        .annotate(record_of=Value(kind, output_field=CharField()))
        .values_list("history_id", "history_date", "record_of")
        .order_by()
        for kind, (model, whole) in _history_of(client).items()
    )
    merged = first.union(second, all=True).order_by("-history_date", "-history_id")
    if limit is not None:
        merged = merged[offset : offset + limit]
    return [(kind, history_id) for history_id, _at, kind in merged]


def _with_previous(model: Any, chosen: Q) -> dict[int, Any]:
    """The records `chosen` and, for each, the record of the same object just before it, by
    history id, each annotated with `previous_id`: one query whatever their number."""
    previous = (
        model.objects.filter(id=OuterRef("id"))
        .filter(
            Q(history_date__lt=OuterRef("history_date"))
            | Q(history_date=OuterRef("history_date"), history_id__lt=OuterRef("history_id"))
        )
        .order_by("-history_date", "-history_id")
        .values("history_id")[:1]
    )
    records = model.objects.annotate(previous_id=Subquery(previous))
    wanted = chosen | Q(history_id__in=records.filter(chosen).values("previous_id"))
    # The users a record names come with it, for "who" and for fields such as the manager.
    user_model = get_user_model()
    users = [
        field.name
        for field in model.tracked_fields
        if field.is_relation and field.related_model is user_model
    ]
    found = records.filter(wanted).select_related("history_user", *users)
    return {record.history_id: record for record in found}


def _raw_changes(record: Any, previous: Any) -> list[tuple[Any, Any, Any]]:
    """(model field, old, new) of each field the record changed, a user field's values as
    users; for a first record, each field it set to something."""
    fields = [
        field
        for field in record.tracked_fields
        if field.editable and field.name not in AUDIT_HIDDEN_FIELDS
    ]
    if previous is None:
        values = [(field, getattr(record, field.name)) for field in fields]
        return [(field, None, value) for field, value in values if value not in (None, "", False)]
    meta = {field.name: field for field in fields}
    delta = record.diff_against(previous, included_fields=list(meta), foreign_keys_are_objs=True)
    position = {name: index for index, name in enumerate(meta)}
    changes = sorted(delta.changes, key=lambda change: position[change.field])
    return [(meta[change.field], change.old, change.new) for change in changes]


def _display(field: Any, value: Any) -> str:
    if value is None or value == "":
        return "—"
    if field.is_relation:
        # A user, or simple-history's stand-in for one deleted since.
        return person_name(value) if isinstance(value, User) else str(value)
    if field.choices:
        return str(dict(field.flatchoices).get(value, value))
    if isinstance(value, bool):
        return str(_("yes") if value else _("no"))
    if isinstance(value, dt.datetime):
        return formats.localize(timezone.localtime(value))
    if isinstance(value, dt.date | Decimal):
        return formats.localize(value)
    return str(value)


def _order_label(record: Any) -> str:
    return str(_("Order %(order)s") % {"order": record.external_id or f"#{record.id}"})


def client_audit_history(
    client: Client, *, offset: int = 0, limit: int | None = None
) -> list[AuditEntry]:
    """Who changed what of the client and their orders, newest first, from django-simple-history:
    `limit` records from `offset`, or the whole history with no limit. At most three queries
    whatever the history's length: the merged list, then the records of the client and of the
    orders, each with the one before it and the users it names."""
    rows = _audit_rows(client, offset, limit)
    # The whole history reads by client; a page by the ids the merged list picked (history ids
    # are counted per table, so a record is known by its kind and its id).
    found: dict[str, dict[int, Any]] = {}
    for kind, (model, whole) in _history_of(client).items():
        ids = [history_id for row_kind, history_id in rows if row_kind == kind]
        if ids:
            found[kind] = _with_previous(model, whole if limit is None else Q(history_id__in=ids))
    entries = []
    for kind, history_id in rows:
        record = found[kind][history_id]
        previous = found[kind].get(record.previous_id)
        changes = [
            FieldChange(
                field=field.name,
                label=str(field.verbose_name),
                old=old,
                new=new,
                old_display=_display(field, old),
                new_display=_display(field, new),
            )
            for field, old, new in _raw_changes(record, previous)
        ]
        entries.append(
            AuditEntry(
                history_id=history_id,
                record_of=kind,
                object_id=record.id,
                object_label=record.name if kind == "client" else _order_label(record),
                at=record.history_date,
                user=record.history_user,
                action=record.history_type,
                reason=record.history_change_reason or "",
                changes=changes,
            )
        )
    return entries
