"""Checking the rows of an orders file against the CRM: the orders to create, and the statuses
to record as events.

An order whose `external_id` is already recorded for its client is not created again and its
amount and dates are left as they are; only a status the CRM has not seen yet is recorded as
events.
"""

import datetime as dt
import re
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import ValidationError
from django.db.models.functions import Lower
from django.utils.translation import gettext as _

from ..models import Client, ClientPhone, Order, OrderStatus
from ..services import TRANSITIONS, phone_normalize
from .cells import _shorten, parse_amount, parse_date, parse_id, parse_moment
from .files import Table
from .report import PROGRESS_EVERY, ImportReport, Progress
from .rows import RowReader, UserDirectory, _chunks, _future


@dataclass
class OrderAction:
    row: int
    order: Order | None  # None: create
    client: Client
    fields: dict[str, Any]
    events: list[tuple[str, dt.datetime]]


def _reachable(status: str) -> set[str]:
    """Every status an order can reach from `status`."""
    found: set[str] = set()
    todo = [status]
    while todo:
        for following in TRANSITIONS[todo.pop()]:
            if following not in found:
                found.add(following)
                todo.append(following)
    return found


def status_events(
    *, current: str, target: str, at: dt.datetime, delivered_at: dt.datetime | None = None
) -> list[tuple[str, dt.datetime]]:
    """The events that take an order from `current` to `target`: none when the CRM already
    knows a later status (the file is older), ValueError when `target` cannot follow."""
    if not target or target == current or current in _reachable(target):
        return []
    if target in TRANSITIONS[current]:
        return [(target, at)]
    if target == OrderStatus.RETURNED and OrderStatus.DELIVERED in TRANSITIONS[current]:
        return [(OrderStatus.DELIVERED, delivered_at or at), (OrderStatus.RETURNED, at)]
    raise ValueError(
        _("An order that is %(current)s cannot become %(new)s.")
        % {"current": OrderStatus(current).label, "new": OrderStatus(target).label}
    )


class ClientDirectory:
    """The clients an orders file names, by id, e-mail or phone, read in a few queries."""

    def __init__(self, refs: Iterable[tuple[str, str]]) -> None:
        wanted: dict[str, set[str]] = {"id": set(), "email": set(), "phone": set()}
        for kind, value in refs:
            wanted[kind].add(value)
        self.by_id: dict[str, set[int]] = {}
        self.by_email: dict[str, set[int]] = {}
        self.by_phone: dict[str, set[int]] = {}
        for chunk in _chunks(sorted(wanted["id"])):
            for pk in Client.objects.filter(pk__in=chunk).values_list("pk", flat=True):
                self.by_id[str(pk)] = {pk}
        for chunk in _chunks(sorted(wanted["email"])):
            found = Client.objects.annotate(email_lower=Lower("email")).filter(
                email_lower__in=chunk
            )
            for email, pk in found.values_list("email_lower", "pk"):
                self.by_email.setdefault(email, set()).add(pk)
        for chunk in _chunks(sorted(wanted["phone"])):
            phones = ClientPhone.objects.filter(number__in=chunk)
            for number, pk in phones.values_list("number", "client_id"):
                self.by_phone.setdefault(str(number), set()).add(pk)

    def find(self, kind: str, value: str) -> set[int]:
        return {"id": self.by_id, "email": self.by_email, "phone": self.by_phone}[kind].get(
            value, set()
        )


def _client_refs(reader: RowReader) -> list[tuple[str, str, str]]:
    """(column, kind, value) for each way the row names its client."""
    refs = []
    general = reader.text("client")
    if general:
        if "@" in general:
            refs.append(("client", "email", general.lower()))
        elif re.fullmatch(r"#\d+", general):
            client_id = parse_id(general)
            if client_id is None:
                message = _("“%(value)s” is not an id.") % {"value": _shorten(general)}
                reader.error("client", message)
            else:
                refs.append(("client", "id", str(client_id)))
        else:
            try:
                refs.append(("client", "phone", phone_normalize(general)))
            except ValidationError:
                reader.error(
                    "client",
                    _(
                        "“%(value)s” is neither an e-mail nor a phone number; write a client "
                        "id as #123."
                    )
                    % {"value": _shorten(general)},
                )
    client_id = reader.positive_int("client_id")
    if client_id:
        refs.append(("client_id", "id", str(client_id)))
    email = reader.email("client_email")
    if email:
        refs.append(("client_email", "email", email.lower()))
    for phone in reader.phones("client_phone"):
        refs.append(("client_phone", "phone", phone))
    if not refs and not reader.failed:
        reader.error("client", _("Say whose order it is: an e-mail, a phone or a client id."))
    return refs


def _check_orders(
    table: Table, report: ImportReport, progress: Progress | None
) -> list[OrderAction]:
    users = UserDirectory(table, ("seller",))
    readers = [RowReader(table_row, report.errors) for table_row in table.rows]
    refs = {reader.number: _client_refs(reader) for reader in readers}
    clients = ClientDirectory((kind, value) for row in refs.values() for _, kind, value in row)
    external_ids = sorted(
        {reader.text("external_id") for reader in readers if reader.text("external_id")}
    )
    # By client and external id: the ids are each client's own (as in the API).
    existing: dict[tuple[int, str | None], Order] = {}
    for chunk in _chunks(external_ids):
        existing.update(
            ((order.client_id, order.external_id), order)
            for order in Order.objects.filter(external_id__in=chunk)
        )
    client_ids: set[int] = set()
    rows = []
    seen: dict[str, int] = {}
    statuses = [(value, label) for value, label in OrderStatus.choices]
    for position, reader in enumerate(readers, start=1):
        external_id = reader.text("external_id", max_length=100, required=True)
        if external_id:
            earlier = seen.setdefault(external_id, reader.number)
            if earlier != reader.number:
                reader.error(
                    "external_id",
                    _("“%(value)s” is also in row %(row)d.")
                    % {"value": _shorten(external_id), "row": earlier},
                )
        found: set[int] = set()
        for column, kind, value in refs[reader.number]:
            matched = clients.find(kind, value)
            if not matched:
                reader.error(column, _("No client has “%(value)s”.") % {"value": value})
            elif len(matched) > 1:
                reader.error(
                    column,
                    _("%(count)d clients have “%(value)s”: give client_id to say which one.")
                    % {"count": len(matched), "value": value},
                )
            found |= matched
        if len(found) > 1 and not reader.failed:
            reader.error(
                "client",
                _("The columns name different clients (ids %(ids)s).")
                % {"ids": ", ".join(map(str, sorted(found)))},
            )
        fields = {
            "external_id": external_id,
            "amount": reader.parsed("amount", parse_amount),
            "currency": (reader.text("currency") or "RUB").upper(),
            "placed_at": reader.parsed("placed_at", parse_moment),
            "promised_date": reader.parsed("promised_date", parse_date),
            "seller": reader.user("seller", users),
            "description": reader.text("description"),
        }
        if reader.raw("amount") is None:
            reader.error("amount", _("Required."))
        if reader.raw("placed_at") is None:
            reader.error("placed_at", _("Required."))
        if len(fields["currency"]) != 3 or not fields["currency"].isalpha():
            reader.error("currency", _("Use a three-letter currency code such as RUB."))
        target = reader.choice("status", statuses)
        status_at = reader.parsed("status_at", parse_moment)
        delivered_at = reader.parsed("delivered_at", parse_moment)
        rows.append((reader, fields, found, target, status_at, delivered_at))
        client_ids |= found
        if progress and position % PROGRESS_EVERY == 0:
            progress("checking", position)

    client_objects = Client.objects.in_bulk(sorted(client_ids))
    actions = []
    for reader, fields, found, target, status_at, delivered_at in rows:
        if reader.failed:
            continue
        client = client_objects[next(iter(found))]
        order = existing.get((client.pk, fields["external_id"]))
        placed_at = order.placed_at if order is not None else fields["placed_at"]
        if order is None and _future(placed_at):
            reader.error("placed_at", _("The order cannot be placed in the future."))
        at = status_at or placed_at
        for column, moment in (("status_at", status_at), ("delivered_at", delivered_at)):
            if moment is None:
                continue
            if moment < placed_at:
                reader.error(column, _("Earlier than the order was placed."))
            elif _future(moment):
                reader.error(column, _("In the future."))
        if delivered_at is not None and delivered_at > at:
            reader.error("delivered_at", _("Later than status_at."))
        try:
            current = order.status if order is not None else OrderStatus.PLACED
            events = status_events(current=current, target=target, at=at, delivered_at=delivered_at)
        except ValueError as exc:
            reader.error("status", str(exc))
            continue
        if reader.failed:
            continue
        if order is None:
            report.created += 1
        elif events:
            report.updated += 1
        else:
            report.skipped += 1
            continue
        actions.append(OrderAction(reader.number, order, client, fields, events))
    return actions
