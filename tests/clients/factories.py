"""Builders for client graphs that the tests share. They call the services, so every object is
built by the same rules as in production."""

import datetime as dt
from decimal import Decimal
from itertools import count

from django.contrib.auth.models import User
from django.utils import timezone

from clients import services
from clients.models import Client, Order

_serial = count(1)


def make_client(*, originator: User | None = None, by: User | None = None, **fields) -> Client:
    fields.setdefault("name", f"Client {next(_serial)}")
    return services.client_create(by=by or originator, originator=originator, **fields)


def make_order(
    client: Client,
    *,
    amount: str = "1000.00",
    placed_at: dt.datetime | None = None,
    external_id: str | None = None,
    by: User | None = None,
    **fields,
) -> Order:
    return services.order_record(
        client=client,
        amount=Decimal(amount),
        placed_at=placed_at or timezone.now() - dt.timedelta(days=1),
        external_id=external_id,
        by=by,
        **fields,
    ).order
