"""Dispatch and planning rates.

    .venv/bin/python -m bench.touchpoints_bench [--messages 2000] [--orders 500]

Dispatch: N e-mails due now, swept by two concurrent dispatchers (threads, each with its own
database connection; the locmem e-mail backend), messages per second. Planning: M orders
recorded and delivered through the services with the default cadences, orders per second.
Each also gives the CPU time of this process (steadier than the wall clock on a shared
machine) and the queries of one message or order.
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

    started, cpu_started = time.perf_counter(), time.process_time()
    threads = [threading.Thread(target=dispatcher) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    seconds = time.perf_counter() - started
    cpu = time.process_time() - cpu_started
    sent = len(mail.outbox)
    twice = sent - len({message.to[0] for message in mail.outbox})
    print(
        f"dispatch: {sent} of {count} messages in {seconds:.2f} s with 2 dispatchers: "
        f"{sent / seconds:.0f} messages/s, {1000 * cpu / sent:.2f} ms CPU a message "
        f"(sent twice: {twice}); {_queries_of_one_message()} queries a message"
    )


def _queries_of_one_message() -> int:
    """The queries one more message adds to a sweep: a sweep of 11 less a sweep of 1."""
    from django.db import connection, reset_queries
    from django.test.utils import CaptureQueriesContext

    from bench.data import due_emails
    from touchpoints import services

    counts = []
    for size, prefix in ((1, "q1"), (11, "q11")):
        due_emails(size, prefix=prefix)
        reset_queries()
        with CaptureQueriesContext(connection) as captured:
            services.dispatch_due(limit=size)
        counts.append(len(captured))
    return (counts[1] - counts[0]) // 10


def planning_rate(count: int) -> None:
    from decimal import Decimal

    from django.contrib.auth.models import Group, User
    from django.db import connection, reset_queries
    from django.test.utils import CaptureQueriesContext
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

    def place_and_deliver(n: int, client: Client) -> None:
        order = client_services.order_record(
            client=client,
            amount=Decimal("25000"),
            placed_at=now - dt.timedelta(hours=2),
            promised_date=(now + dt.timedelta(days=20 + n % 30)).date(),
            by=seller,
            external_id=f"bench-{n}",
        ).order
        client_services.order_record_event(order=order, type="delivered", at=now, by=seller)

    started, cpu_started = time.perf_counter(), time.process_time()
    for n, client in enumerate(clients[1:], start=1):
        place_and_deliver(n, client)
    seconds = time.perf_counter() - started
    cpu = time.process_time() - cpu_started
    reset_queries()  # a full log (DEBUG keeps the last 9,000) would count nothing
    with CaptureQueriesContext(connection) as captured:
        place_and_deliver(0, clients[0])
    touchpoints = Touchpoint.objects.count()
    print(
        f"planning: {count - 1} orders placed and delivered in {seconds:.2f} s: "
        f"{(count - 1) / seconds:.0f} orders/s, {1000 * cpu / (count - 1):.1f} ms CPU an order "
        f"({touchpoints} touchpoints planned); {len(captured)} queries an order"
    )


if __name__ == "__main__":
    main()
