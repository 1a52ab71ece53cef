"""The call list's server time on a large database, and the floor: the same SQL run bare.

    .venv/bin/python -m bench.calllist_bench [--touchpoints 1000000] [--runs 200] [--explain]

Fills the bench database with bench.generate (skipped when it already holds the scale), gives
one account manager exactly 100 due rows (overdue and due today), then times, after warm-up
runs, the page `/calls/` rendered through Django's test client with the manager logged in (or,
while that page does not exist yet, the selectors behind it: the first 51 rows of `call_list`
and `call_counters`). The floor: the SELECT statements one render ran, captured and run again
exactly with a bare cursor, as many times. Prints median and p95 of both and their ratio;
asserts nothing. Target (issue 5): p95 under 50 ms and within 3x of the floor.
"""

import argparse
import datetime as dt
import statistics
import time
from collections.abc import Callable

from bench.generate import default_scale, generate
from bench.setup import bench_database

DUE_ROWS = 100
MANAGER = "bench-account-01"


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--touchpoints", type=int)
    parser.add_argument("--clients", type=int)
    parser.add_argument("--orders", type=int)
    parser.add_argument("--runs", type=int, default=200)
    parser.add_argument("--warmup", type=int, default=20)
    parser.add_argument("--force", action="store_true", help="regenerate the data set")
    parser.add_argument(
        "--explain", action="store_true", help="print EXPLAIN ANALYZE of the call list's queries"
    )
    args = parser.parse_args()
    bench_database()

    from django.conf import settings
    from django.db import connection

    # As in production (and as Django's test runner does): no query log kept per request.
    settings.DEBUG = False
    scale = default_scale(
        connection.vendor, touchpoints=args.touchpoints, clients=args.clients, orders=args.orders
    )
    print(f"database: {connection.vendor} {connection.settings_dict['NAME']}")
    if connection.vendor != "postgresql" and args.touchpoints is None:
        print(
            f"SQLite (no DATABASE_URL): small default scale, {scale}; set DATABASE_URL for "
            "the issue's scale on PostgreSQL"
        )
    print(f"scale: {scale}")
    for line in generate(scale, force=args.force).lines():
        print(line)

    user, overdue, today = give_due_rows(MANAGER, DUE_ROWS)
    print(
        f"manager: {user.username}, {overdue + today} due rows ({overdue} overdue, "
        f"{today} due today)"
    )
    render, what = page_or_selectors(user)
    print(f"timed: {what}, {args.warmup} warm-up runs, then {args.runs} runs")
    for _ in range(args.warmup):
        render()
    page = timings(render, args.runs)

    statements, skipped = captured_selects(render)
    floor = timings(lambda: run_bare(statements), args.runs)
    own = [sql for sql in statements if "touchpoints_touchpoint" in sql or "clientphone" in sql]
    floor_own = timings(lambda: run_bare(own), args.runs)

    print(f"{what}: median {median(page):.1f} ms, p95 {p95(page):.1f} ms")
    print(
        f"floor, the {len(statements)} SELECTs of one render run bare: median "
        f"{median(floor):.1f} ms, p95 {p95(floor):.1f} ms"
        + (f" ({skipped} other statements not re-run)" if skipped else "")
    )
    print(
        f"  of which the {len(own)} call list queries (rows, phones, counters): median "
        f"{median(floor_own):.1f} ms, p95 {p95(floor_own):.1f} ms"
    )
    ratio = p95(page) / p95(floor)
    print(
        f"ratio p95 {what.split()[0]} / p95 floor: {ratio:.1f}x "
        f"(target: p95 < 50 ms and within 3x of the floor: "
        f"{'met' if p95(page) < 50 and ratio <= 3 else 'missed'})"
    )
    if args.explain:
        explain(own)


def give_due_rows(username: str, count: int) -> tuple:
    """Make the manager's list for today hold exactly `count` rows: close the oldest overdue
    rows beyond it (missed), or bring their next planned calls forward to today."""
    from django.contrib.auth.models import User
    from django.utils import timezone

    from touchpoints.models import Touchpoint
    from touchpoints.selectors import call_counters, day_bounds

    user = User.objects.get(username=username)
    now = timezone.now()
    start, end = day_bounds(now)
    open_work = Touchpoint.objects.filter(
        assignee=user, status="planned", is_automatic=False
    ).exclude(channel="post")
    due = list(
        open_work.filter(due_at__lt=end).order_by("due_at", "id").values_list("id", flat=True)
    )
    if len(due) > count:
        surplus = due[: len(due) - count]
        # Closed yesterday: the counters of today stay as they were.
        Touchpoint.objects.filter(id__in=surplus).update(
            status="missed", outcome="no_answer", closed_at=start - dt.timedelta(minutes=1)
        )
    elif len(due) < count:
        # Their next planned calls first; on a small data set, other people's too.
        wanted = count - len(due)
        later = list(
            open_work.filter(due_at__gte=end, channel="call")
            .order_by("due_at", "id")
            .values_list("id", flat=True)[:wanted]
        )
        if len(later) < wanted:
            later += list(
                Touchpoint.objects.filter(status="planned", is_automatic=False, channel="call")
                .exclude(assignee=user)
                .filter(due_at__gte=end)
                .order_by("due_at", "id")
                .values_list("id", flat=True)[: wanted - len(later)]
            )
        for n, pk in enumerate(later):
            # Spread over the working day, 10:00 to 17:45 (company time).
            slot = start + dt.timedelta(hours=10, minutes=15 * (n % 32))
            Touchpoint.objects.filter(pk=pk).update(due_at=slot, assignee=user)
    counters = call_counters(user, now=now)
    return user, counters.overdue, counters.due_today


def page_or_selectors(user) -> tuple[Callable[[], None], str]:
    """The page when it exists (touchpoints:calls), otherwise the selectors behind it."""
    from django.test import Client
    from django.urls import NoReverseMatch, reverse
    from django.utils import timezone

    from touchpoints.selectors import call_counters, call_list

    try:
        url = reverse("touchpoints:calls")
    except NoReverseMatch:
        url = None
    if url is not None:
        client = Client()
        client.force_login(user)

        def render() -> None:
            response = client.get(url)
            if response.status_code != 200:
                raise SystemExit(f"GET {url}: {response.status_code}")

        return render, f"page GET {url}"

    def selectors() -> None:
        now = timezone.now()
        list(call_list(user, now=now)[:51])
        call_counters(user, now=now)

    print(
        "the page touchpoints:calls does not resolve yet: timing the selectors instead "
        "(list(call_list(user, now=now)[:51]) + call_counters(user, now=now))"
    )
    return selectors, "selectors call_list[:51] + call_counters"


def captured_selects(render: Callable[[], None]) -> tuple[list[str], int]:
    """The SQL of one render, exactly as sent (parameters in place), SELECTs only."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as context:
        render()
    statements = [query["sql"] for query in context.captured_queries]
    selects = [sql for sql in statements if sql.lstrip().upper().startswith("SELECT")]
    return selects, len(statements) - len(selects)


def run_bare(statements: list[str]) -> None:
    from django.db import connection

    with connection.cursor() as cursor:
        for sql in statements:
            cursor.execute(sql)
            cursor.fetchall()


def timings(action: Callable[[], None], runs: int) -> list[float]:
    result = []
    for _ in range(runs):
        started = time.perf_counter()
        action()
        result.append((time.perf_counter() - started) * 1000)
    return result


def median(values: list[float]) -> float:
    return statistics.median(values)


def p95(values: list[float]) -> float:
    return statistics.quantiles(values, n=100, method="inclusive")[94]


def explain(statements: list[str]) -> None:
    from django.db import connection

    if connection.vendor != "postgresql":
        print("EXPLAIN ANALYZE: PostgreSQL only")
        return
    with connection.cursor() as cursor:
        for sql in statements:
            cursor.execute(f"EXPLAIN (ANALYZE, BUFFERS) {sql}")
            print(f"\n-- {sql[:160]}…")
            for (line,) in cursor.fetchall():
                print(line)


if __name__ == "__main__":
    main()
