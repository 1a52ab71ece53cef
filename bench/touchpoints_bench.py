"""Dispatch and planning rates.

    .venv/bin/python -m bench.touchpoints_bench [--messages 2000] [--orders 500]

Dispatch: N e-mails due now, swept by two concurrent dispatchers (threads, each with its own
database connection; the locmem e-mail backend), messages per second. Planning: M orders
recorded and delivered through the services with the default cadences, orders per second.
"""

import argparse
import datetime as dt
import threading
import time

from bench.setup import bench_database


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--messages", type=int, default=2000)
    parser.add_argument("--orders", type=int, default=500)
    args = parser.parse_args()
    bench_database()

    from django.db import connection

    print(f"database: {connection.vendor}")
    dispatch_rate(args.messages)
    planning_rate(args.orders)


def _reset() -> None:
    from clients.models import Client, Commission, Handoff, Order, Referral, Refusal
    from touchpoints.models import SendRecord, Touchpoint

    for model in (SendRecord, Touchpoint, Commission, Handoff, Referral, Refusal):
        model.objects.all().delete()
    for model in (Order, Client):
        model.objects.all().delete()


def dispatch_rate(count: int) -> None:
    from django.core import mail
    from django.db import connections

    from bench.data import due_emails
    from touchpoints import services

    _reset()
    due_emails(count, prefix="b")
    mail.outbox = []

    def dispatcher() -> None:
        while services.dispatch_due(limit=200).claimed:
            pass
        connections.close_all()

    started = time.perf_counter()
    threads = [threading.Thread(target=dispatcher) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    seconds = time.perf_counter() - started
    sent = len(mail.outbox)
    twice = sent - len({message.to[0] for message in mail.outbox})
    print(
        f"dispatch: {sent} of {count} messages in {seconds:.2f} s with 2 dispatchers: "
        f"{sent / seconds:.0f} messages/s (sent twice: {twice})"
    )


def planning_rate(count: int) -> None:
    from decimal import Decimal

    from django.contrib.auth.models import Group, User
    from django.utils import timezone

    from clients import services as client_services
    from clients.models import Client
    from touchpoints.models import Touchpoint

    _reset()
    seller, _ = User.objects.get_or_create(username="bench-sales")
    manager, _ = User.objects.get_or_create(username="bench-account")
    manager.groups.add(Group.objects.get(name="account_manager"))
    clients = Client.objects.bulk_create(
        Client(name=f"Plan {n}", email=f"p{n}@example.com", originator=seller) for n in range(count)
    )
    now = timezone.now()
    started = time.perf_counter()
    for n, client in enumerate(clients):
        order = client_services.order_record(
            client=client,
            amount=Decimal("25000"),
            placed_at=now - dt.timedelta(hours=2),
            promised_date=(now + dt.timedelta(days=20 + n % 30)).date(),
            by=seller,
            external_id=f"bench-{n}",
        ).order
        client_services.order_record_event(order=order, type="delivered", at=now, by=seller)
    seconds = time.perf_counter() - started
    touchpoints = Touchpoint.objects.count()
    print(
        f"planning: {count} orders placed and delivered in {seconds:.2f} s: "
        f"{count / seconds:.0f} orders/s ({touchpoints} touchpoints planned)"
    )


if __name__ == "__main__":
    main()
