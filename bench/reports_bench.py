"""The director's dashboard's server time on a large database.

    .venv/bin/python -m bench.reports_bench [--touchpoints 2000000] [--runs 20]

Fills the bench database with bench.generate at 200,000 clients, 400,000 orders and 2,000,000
touchpoints on PostgreSQL (a small set on SQLite), adds satisfaction responses, refusals and
referrals when they are missing, then times `GET /reports/` (the last 90 days, compared with
the 90 before) as a director through Django's test client. Prints median and p95; asserts
nothing. Target (issue 7): under 1 s.
"""

import argparse
import datetime as dt
import random

from bench.calllist_bench import median, p95, timings
from bench.generate import default_scale, generate
from bench.setup import bench_database

RESPONSES_PER_CLIENT = 0.5
REFUSALS_PER_CLIENT = 0.05


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--touchpoints", type=int)
    parser.add_argument("--runs", type=int, default=20)
    parser.add_argument("--force", action="store_true", help="regenerate the data set")
    args = parser.parse_args()
    bench_database()

    from django.conf import settings
    from django.db import connection

    settings.DEBUG = False
    touchpoints = args.touchpoints or (2_000_000 if connection.vendor == "postgresql" else None)
    scale = default_scale(connection.vendor, touchpoints=touchpoints)
    print(f"database: {connection.vendor} {connection.settings_dict['NAME']}; scale: {scale}")
    for line in generate(scale, force=args.force).lines():
        print(line)
    feedback()
    render = dashboard_page()
    render()  # warm-up
    times = timings(render, args.runs)
    print(
        f"dashboard GET /reports/ (90 days vs the 90 before), {args.runs} runs: "
        f"median {median(times):.0f} ms, p95 {p95(times):.0f} ms (target: under 1000 ms)"
    )


def feedback() -> None:
    """Survey, call and service responses, refusals and referrals, in bulk, once."""
    from django.utils import timezone

    from clients.models import Client, Referral, Refusal
    from surveys.models import Response

    if Response.objects.exists():
        print("feedback already present")
        return
    rng = random.Random(7)
    now = timezone.now()
    ids = list(Client.objects.values_list("id", "account_manager_id"))
    responses = []
    for number in range(int(len(ids) * RESPONSES_PER_CLIENT)):
        client_id, manager_id = ids[rng.randrange(len(ids))]
        responses.append(
            Response(
                source=rng.choice(["survey", "survey", "call", "service"]),
                client_id=client_id,
                manager_id=manager_id,
                score=rng.choice([1, 2, 3, 4, 4, 5, 5, 5]),
                nps=rng.randint(0, 10) if rng.random() < 0.6 else None,
                at=now - dt.timedelta(days=rng.randint(0, 540), minutes=rng.randint(0, 1440)),
                origin_key=f"bench:{number}",
            )
        )
    Response.objects.bulk_create(responses, batch_size=5000)
    refusals = [
        Refusal(
            client_id=ids[rng.randrange(len(ids))][0],
            reason=rng.choice(["sales", "production", "product", "price", "other"]),
            at=now - dt.timedelta(days=rng.randint(0, 540)),
        )
        for _ in range(int(len(ids) * REFUSALS_PER_CLIENT))
    ]
    Refusal.objects.bulk_create(refusals, batch_size=5000)
    pairs = rng.sample(range(len(ids)), k=min(len(ids) // 20 * 2, len(ids) - len(ids) % 2))
    referrals = [
        Referral(
            referrer_id=ids[a][0],
            referred_id=ids[b][0],
            created_at=now - dt.timedelta(days=rng.randint(0, 540)),
        )
        for a, b in zip(pairs[::2], pairs[1::2], strict=False)
    ]
    Referral.objects.bulk_create(referrals, batch_size=5000, ignore_conflicts=True)
    from django.db import connection

    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
    print(
        f"feedback: {len(responses):,} responses, {len(refusals):,} refusals, "
        f"{len(referrals):,} referrals"
    )


def dashboard_page():
    from django.contrib.auth import get_user_model
    from django.test import Client
    from django.utils import timezone

    from followup_crm.roles import DIRECTOR

    director = get_user_model().objects.filter(groups__name=DIRECTOR, is_active=True).first()
    client = Client()
    client.force_login(director)
    today = timezone.localdate()
    params = {"from": (today - dt.timedelta(days=89)).isoformat(), "to": today.isoformat()}

    def render() -> None:
        response = client.get("/reports/", params)
        if response.status_code != 200:
            raise SystemExit(f"GET /reports/: {response.status_code}")

    return render


if __name__ == "__main__":
    main()
