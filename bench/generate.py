"""Fill the bench database with a realistic data set at a chosen scale, quickly.

    .venv/bin/python -m bench.generate [--touchpoints 1000000] [--clients N] [--orders M] [--force]

The default scale is 1,000,000 touchpoints on PostgreSQL (DATABASE_URL set) and 20,000 on SQLite;
clients and orders default to a tenth and a fifth of the touchpoints (the proportions of the
reports' target: 200,000 clients, 400,000 orders, 2,000,000 touchpoints).

The shape: 20 sales managers, 20 account managers and 2 directors (made through the ORM, with
their groups); clients over every stage and manager, with phones, stage history and a handoff
for buyers; orders placed over 18 months with their events, delivered, on their way, cancelled
or returned; touchpoints planned from the default cadences (steps looked up by their codes, due
times, status update days, anchor keys, no pile-ups of calls on one day and the steps planned
once per client by the planner's own rules: touchpoints.services and touchpoints.anchors),
closed in the past (done, missed, skipped, cancelled; a share still open: overdue), planned in
the future; call attempts for most calls made; send records for the messages sent.

PostgreSQL: one transaction truncates the bench tables, drops their secondary indexes and
foreign keys, loads every table with COPY ... FREEZE from text built in memory in chunks,
rebuilds the indexes and foreign keys (which checks every reference) and commits; then VACUUM
ANALYZE. If anything fails, the transaction leaves the database as it was. SQLite: batches of
INSERTs. When the database already holds exactly the wanted scale, nothing is done (say --force
to regenerate). Progress goes to stderr; figures to stdout.
"""

import argparse
import datetime as dt
import random
import sys
import time
import zoneinfo
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from bench.setup import bench_database
from touchpoints import anchors

SALES_MANAGERS = 20
ACCOUNT_MANAGERS = 20
DIRECTORS = 2

POSTGRES_TOUCHPOINTS = 1_000_000
SQLITE_TOUCHPOINTS = 20_000

DAY = 86_400
HOUR = 3_600
HISTORY_DAYS = 548  # 18 months of orders

# The default cadences' steps the generator plans, by (cadence code, step code).
STEPS = {
    "thanks": ("order-notifications", "order-thanks"),
    "director": ("order-notifications", "director-thanks"),
    "status": ("pre-delivery", "status-updates"),
    "ready_tomorrow": ("pre-delivery", "ready-tomorrow"),
    "pickup": ("pre-delivery", "pickup-reminder"),
    "day0": ("after-sale", "delivery-day-call"),
    "day3": ("after-sale", "day-3-call"),
    "week2": ("after-sale", "week-2-call"),
    "month3": ("after-sale", "month-3-card"),
    "month6": ("after-sale", "month-6-call"),
    "yearly": ("after-sale", "yearly-letter"),
}
PRE_DELIVERY = ("status", "ready_tomorrow", "pickup")
AFTER_SALE = ("day3", "week2", "month3", "month6", "yearly", "director")

STAGES = ("prospect", "visitor", "buyer", "client", "advocate")
STAGE_WEIGHTS = (10, 15, 30, 35, 10)
BUYING_STAGES = frozenset(("buyer", "client", "advocate"))
REPEAT_STAGES = frozenset(("client", "advocate"))

FIRST_NAMES = (
    "Ivan",
    "Pyotr",
    "Sergei",
    "Andrei",
    "Dmitry",
    "Alexei",
    "Mikhail",
    "Nikolai",
    "Pavel",
    "Oleg",
    "Yuri",
    "Boris",
    "Artyom",
    "Anna",
    "Maria",
    "Elena",
    "Olga",
    "Natalia",
    "Irina",
    "Svetlana",
    "Tatiana",
    "Yulia",
    "Ekaterina",
    "Daria",
    "Polina",
    "Vera",
)
LAST_NAMES = (
    "Ivanov",
    "Smirnov",
    "Kuznetsov",
    "Popov",
    "Vasiliev",
    "Petrov",
    "Sokolov",
    "Mikhailov",
    "Novikov",
    "Fedorov",
    "Morozov",
    "Volkov",
    "Alekseev",
    "Lebedev",
    "Semenov",
    "Egorov",
    "Pavlov",
    "Kozlov",
    "Stepanov",
    "Nikolaev",
    "Orlov",
    "Andreev",
    "Makarov",
    "Nikitin",
    "Zakharov",
    "Zaitsev",
    "Soloviev",
    "Borisov",
    "Yakovlev",
    "Grigoriev",
    "Romanov",
)
TIME_ZONES = (
    ("Europe/Moscow", 70),
    ("Europe/Samara", 6),
    ("Asia/Yekaterinburg", 10),
    ("Asia/Novosibirsk", 6),
    ("Europe/Kaliningrad", 4),
    ("Asia/Vladivostok", 4),
)
SOURCES = (("shop", 35), ("site", 25), ("office", 15), ("call", 10), ("referral", 10), ("other", 5))
CALL_NOTES = (
    "All fine, happy with the purchase.",
    "Asked about care instructions; sent them by e-mail.",
    "A small scratch on delivery; replacement part agreed.",
    "Very pleased, will recommend us to a friend.",
    "Busy at work, short call; everything is in order.",
    "Asked about the matching set; interested in autumn.",
)


# --- the scale ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Scale:
    clients: int
    orders: int
    touchpoints: int

    def __str__(self) -> str:
        return f"{self.clients:,} clients, {self.orders:,} orders, {self.touchpoints:,} touchpoints"


def default_scale(
    vendor: str,
    *,
    touchpoints: int | None = None,
    clients: int | None = None,
    orders: int | None = None,
) -> Scale:
    """The issue's target on PostgreSQL, a small set on SQLite; clients and orders follow the
    touchpoints (1 : 2 : 10) unless given."""
    if touchpoints is None:
        touchpoints = POSTGRES_TOUCHPOINTS if vendor == "postgresql" else SQLITE_TOUCHPOINTS
    return Scale(
        clients=clients if clients is not None else max(1, touchpoints // 10),
        orders=orders if orders is not None else max(1, touchpoints // 5),
        touchpoints=touchpoints,
    )


@dataclass
class Report:
    scale: Scale
    skipped: bool = False
    rows: dict[str, int] = field(default_factory=dict)
    load_seconds: float = 0.0
    index_seconds: float = 0.0
    analyze_seconds: float = 0.0
    seconds: float = 0.0

    @property
    def total_rows(self) -> int:
        return sum(self.rows.values())

    def lines(self) -> list[str]:
        if self.skipped:
            return [f"generation: skipped, the bench database already holds {self.scale}"]
        table = ", ".join(f"{name} {count:,}" for name, count in self.rows.items())
        return [
            f"generated: {table} ({self.total_rows:,} rows)",
            f"generation: {self.seconds:.1f} s = load {self.load_seconds:.1f} s + indexes and "
            f"foreign keys {self.index_seconds:.1f} s + analyze {self.analyze_seconds:.1f} s: "
            f"{self.total_rows / self.seconds:,.0f} rows/s, "
            f"{self.scale.touchpoints / self.seconds:,.0f} touchpoints/s",
        ]


# --- progress ----------------------------------------------------------------------------------


class Progress:
    """A text progress bar on stderr, redrawn at most five times a second."""

    def __init__(self, label: str, total: int, unit: str, width: int = 30) -> None:
        self.label, self.total, self.unit, self.width = label, max(total, 1), unit, width
        self.started = time.perf_counter()
        self.drawn = 0.0

    def update(self, done: int, extra: str = "", *, force: bool = False) -> None:
        now = time.perf_counter()
        if not force and now - self.drawn < 0.2:
            return
        self.drawn = now
        share = min(done / self.total, 1.0)
        bar = "#" * round(share * self.width)
        elapsed = now - self.started
        sys.stderr.write(
            f"\r{self.label} [{bar:<{self.width}}] {share:4.0%} {done:,}/{self.total:,} "
            f"{self.unit} {elapsed:5.1f} s {extra}\033[K"
        )
        sys.stderr.flush()

    def close(self, done: int, extra: str = "") -> None:
        self.update(done, extra, force=True)
        sys.stderr.write("\n")
        sys.stderr.flush()


# --- how values are written --------------------------------------------------------------------


class Dialect:
    """Values as text for PostgreSQL's COPY (text format); SQLite gets the same strings except
    NULL, booleans and the time zone suffix."""

    def __init__(self, vendor: str) -> None:
        self.postgres = vendor == "postgresql"
        self.null: str | None = "\\N" if self.postgres else None
        self.true, self.false = ("t", "f") if self.postgres else ("1", "0")
        suffix = "+00" if self.postgres else ""
        self._minutes = [f" {m // 60:02d}:{m % 60:02d}:00{suffix}" for m in range(1440)]
        self._days: dict[int, str] = {}
        self._epoch = dt.date(1970, 1, 1)

    def day(self, epoch_day: int) -> str:
        text = self._days.get(epoch_day)
        if text is None:
            text = self._days[epoch_day] = (self._epoch + dt.timedelta(days=epoch_day)).isoformat()
        return text

    def ts(self, seconds: int) -> str:
        """A UTC moment (seconds since the epoch, to the minute)."""
        epoch_day, rest = divmod(seconds, DAY)
        return self.day(epoch_day) + self._minutes[rest // 60]

    def text(self, value: str) -> str:
        if not self.postgres:
            return value
        return (
            value.replace("\\", "\\\\")
            .replace("\t", "\\t")
            .replace("\n", "\\n")
            .replace("\r", "\\r")
        )

    def flag(self, value: bool) -> str:
        return self.true if value else self.false


# Columns of every table loaded, in the order the rows below are built.
COLUMNS = {
    "clients_client": (
        "id kind name contact_person email postal_address time_zone language birthday source "
        "originator_id account_manager_id stage stage_changed_at visited_at recommends notes "
        "first_purchase_at second_purchase_at archived_at created_at updated_at"
    ),
    "clients_clientphone": "id client_id number label is_primary",
    "clients_stagechange": "id client_id from_stage to_stage at reason changed_by_id",
    "clients_handoff": (
        "id client_id from_user_id to_user_id created_at notes sales_letter_sent_at "
        "manager_letter_sent_at accepted_at"
    ),
    "clients_order": (
        "id client_id external_id amount currency placed_at promised_date seller_id description "
        "status status_at delivered_at created_at"
    ),
    "clients_orderevent": "id order_id type at applied note recorded_by_id recorded_at",
    "touchpoints_touchpoint": (
        "id client_id order_id step_id anchor_key occurrence due_at assignee_id channel "
        "is_automatic purpose talking_points template_slug is_urgent status attempts lease_until "
        "lease_owner outcome note created_at closed_at"
    ),
    "touchpoints_sendrecord": (
        "id touchpoint_id channel recipient subject body status attempts error provider_id "
        "created_at sent_at"
    ),
    "touchpoints_callattempt": (
        "id touchpoint_id client_id outcome satisfaction note next_contact_on no_further_contact "
        "callback_at upsell cross_sell complaint recorded_by_id at"
    ),
}
TABLES = tuple(COLUMNS)


class Writer:
    """Buffers rows per table and writes them in chunks: COPY on PostgreSQL, INSERT batches on
    SQLite."""

    def __init__(self, cursor, dialect: Dialect) -> None:
        self.cursor, self.dialect = cursor, dialect
        self.buffers: dict[str, list] = {table: [] for table in TABLES}
        self.rows = dict.fromkeys(TABLES, 0)
        self.pending = 0

    def add(self, table: str, row: tuple) -> None:
        self.buffers[table].append("\t".join(row) if self.dialect.postgres else row)
        self.pending += 1

    def flush(self) -> None:
        import io

        for table, rows in self.buffers.items():
            if not rows:
                continue
            columns = ", ".join(COLUMNS[table].split())
            if self.dialect.postgres:
                stream = io.StringIO("\n".join(rows) + "\n")
                self.cursor.copy_expert(
                    f"COPY {table} ({columns}) FROM STDIN WITH (FREEZE)", stream, size=1 << 20
                )
            else:
                marks = ", ".join(["%s"] * len(COLUMNS[table].split()))
                self.cursor.executemany(
                    f"INSERT INTO {table} ({columns}) VALUES ({marks})",  # noqa: S608
                    rows,
                )
            self.rows[table] += len(rows)
            rows.clear()
        self.pending = 0


# --- the team and the steps --------------------------------------------------------------------


@dataclass(frozen=True)
class Team:
    sales: list[int]
    account: list[int]
    directors: list[int]


def ensure_team() -> Team:
    """The bench users, made once through the ORM and put in their groups."""
    from django.contrib.auth.models import Group, User

    from followup_crm.roles import ACCOUNT_MANAGER, DIRECTOR, SALES_MANAGER

    groups = {group.name: group for group in Group.objects.all()}

    def make(prefix: str, count: int, role: str) -> list[int]:
        ids = []
        for n in range(1, count + 1):
            user, created = User.objects.get_or_create(
                username=f"bench-{prefix}-{n:02d}",
                defaults={
                    "first_name": FIRST_NAMES[n % len(FIRST_NAMES)],
                    "last_name": LAST_NAMES[(n * 7) % len(LAST_NAMES)],
                    "email": f"bench-{prefix}-{n:02d}@example.com",
                },
            )
            if created:
                user.set_unusable_password()
                user.save(update_fields=["password"])
            user.groups.add(groups[role])
            ids.append(user.pk)
        return ids

    return Team(
        sales=make("sales", SALES_MANAGERS, SALES_MANAGER),
        account=make("account", ACCOUNT_MANAGERS, ACCOUNT_MANAGER),
        directors=make("director", DIRECTORS, DIRECTOR),
    )


@dataclass(frozen=True)
class Step:
    id: str
    channel: str
    performer: str
    automatic: bool
    purpose: str
    talking_points: str
    template_slug: str
    model: Any  # the CadenceStep, for the planner's rules
    # An offset in days or longer: step_due_at counts it in the client's calendar, so the due
    # time depends on the anchor's local date alone.
    by_day: bool
    # Where the planner takes it among the steps of its anchor (the last call of a day stays).
    rank: int
    # Planned once per client: the window in seconds (touchpoints.services.client_window).
    window: int | None


def load_steps(dialect: Dialect) -> dict[str, Step]:
    from touchpoints.models import CadenceStep, OffsetUnit
    from touchpoints.services import client_window

    found = {
        (step.cadence.slug, step.slug): step
        for step in CadenceStep.objects.select_related("cadence").filter(
            slug__in=[slug for _, slug in STEPS.values()]
        )
    }
    missing = [f"{c}/{s}" for c, s in STEPS.values() if (c, s) not in found]
    if missing:
        raise SystemExit(f"default cadence steps missing: {', '.join(missing)} (run migrate)")
    # The planner's order of steps (CadenceStep's default ordering).
    ranks = {pk: rank for rank, pk in enumerate(CadenceStep.objects.values_list("pk", flat=True))}
    steps = {}
    for key, code in STEPS.items():
        step = found[code]
        window = client_window(step)
        steps[key] = Step(
            id=str(step.pk),
            channel=step.channel,
            performer=step.performer,
            automatic=step.is_automatic,
            purpose=dialect.text(step.purpose),
            talking_points=dialect.text(step.talking_points),
            template_slug=step.template_slug,
            model=step,
            by_day=step.offset_unit != OffsetUnit.HOURS and step.offset != 0,
            rank=ranks[step.pk],
            window=None if window is None else int(window.total_seconds()),
        )
    return steps


# --- the data set ------------------------------------------------------------------------------


def _weighted(rng: random.Random, pairs: tuple[tuple[str, int], ...], count: int) -> list[str]:
    values, weights = zip(*pairs, strict=True)
    return rng.choices(values, weights=weights, k=count)


EPOCH = dt.date(1970, 1, 1)

# A touchpoint the cadences plan: (step, anchor key, occurrence, due, created), in epoch seconds.
Planned = tuple[str, str, int, int, int]


@dataclass(frozen=True)
class OrderFacts:
    """What happened to an order, as its rows say (moments in epoch seconds)."""

    id: int
    placed: int
    promised: dt.date
    delivered: int | None
    # Cancelled or returned: when its touchpoints still planned were cancelled.
    ended: int | None


class OrderPlanner:
    """What the default cadences plan for a client's orders, by the planner's own rules: due
    times from touchpoints.services.step_due_at, the status update days from
    status_update_days and their times from touchpoints.calendar.fit, keys from
    touchpoints.anchors, no pile-ups by touchpoints.services.one_a_day, the steps planned once
    per client by touchpoints.services.client_window. Each step is planned as
    touchpoints.services would when the event happens, the client's orders delivered in turn.
    Moments are epoch seconds (UTC); due times are computed once per anchor (per local date
    for steps counted in days)."""

    def __init__(self, steps: dict[str, Step]) -> None:
        from clients.models import Client
        from touchpoints import calendar
        from touchpoints.services import one_a_day, status_update_days, step_due_at

        self.steps = steps
        self._fit = calendar.fit
        self._one_a_day = one_a_day
        self._step_due_at = step_due_at
        self._status_update_days = status_update_days
        self._client_class = Client
        self._zones: dict[str, tuple[zoneinfo.ZoneInfo, Any]] = {}
        self._dues: dict[tuple[str, str, dt.date | int], int] = {}
        self._status: dict[tuple[str, dt.date], int] = {}
        self._days: dict[tuple[str, int], dt.date] = {}

    def _zone(self, time_zone: str) -> tuple[zoneinfo.ZoneInfo, Any]:
        """The zone and an unsaved client in it: all step_due_at reads of a client."""
        found = self._zones.get(time_zone)
        if found is None:
            client = self._client_class(time_zone=time_zone)
            found = self._zones[time_zone] = (zoneinfo.ZoneInfo(time_zone), client)
        return found

    def due(self, key: str, time_zone: str, anchor: int, *, remember: bool = True) -> int:
        """touchpoints.services.step_due_at for the step `key` and an anchor moment; computed
        once a local date for a step counted in days, once a moment for the others unless
        told not to remember (moments that seldom repeat)."""
        step = self.steps[key]
        tz, client = self._zone(time_zone)
        anchor_at = dt.datetime.fromtimestamp(anchor, tz)
        memo: tuple[str, str, dt.date | int] | None = None
        if step.by_day:
            memo = (key, time_zone, anchor_at.date())
        elif remember:
            memo = (key, time_zone, anchor)
        if memo is not None and (due := self._dues.get(memo)) is not None:
            return due
        due = int(
            self._step_due_at(step=step.model, anchor_at=anchor_at, client=client).timestamp()
        )
        if memo is not None:
            self._dues[memo] = due
        return due

    def status_due(self, time_zone: str, day: dt.date) -> int:
        """A status update's time on `day`, as plan_pre_delivery fits it."""
        memo = (time_zone, day)
        due = self._status.get(memo)
        if due is None:
            tz, _ = self._zone(time_zone)
            start = dt.datetime.combine(day, dt.time(0), tzinfo=tz)
            fitted = self._fit(start, channel=self.steps["status"].channel, client_tz=tz)
            due = self._status[memo] = int(fitted.timestamp())
        return due

    def _local_day(self, time_zone: str, moment: int) -> dt.date:
        memo = (time_zone, moment)
        day = self._days.get(memo)
        if day is None:
            tz, _ = self._zone(time_zone)
            day = self._days[memo] = dt.datetime.fromtimestamp(moment, tz).date()
        return day

    def _without_pile_ups(self, time_zone: str, planned: list[Planned]) -> list[Planned]:
        """The pile-up rule on what one anchor plans for one order, in the planner's order of
        steps. The services also give a day that has a call of the order already no second
        one; here no such day comes up: the only calls before delivery are the status updates,
        which the services cancel on delivery unless done (the plan is what they make when
        nobody does them in between, as the test replays it)."""
        if len(planned) < 2:
            return planned
        steps = self.steps
        planned.sort(key=lambda item: steps[item[0]].rank)  # stable: occurrences stay in turn
        kept, merged = self._one_a_day(
            planned,
            channel=lambda item: steps[item[0]].channel,
            day_key=lambda item: (steps[item[0]].channel, self._local_day(time_zone, item[3])),
        )
        return [*kept, *merged.values()]

    def plan_client(
        self, time_zone: str, orders: list[OrderFacts]
    ) -> dict[int, tuple[list[Planned], Planned | None]]:
        """A client's orders: for each, its touchpoints and, apart, its delivery-day call (None
        if undelivered or merged away). The orders are planned in the order they were
        delivered, so that a step planned once per client goes to the first one in its window
        (unless that order was returned, which cancelled it, before the next was delivered)."""
        # Per step planned once per client: (due, cancelled at or None) of those planned.
        taken: dict[str, list[tuple[int, int | None]]] = {}
        plans = {}
        for order in sorted(orders, key=lambda order: (order.delivered or 1 << 62, order.id)):
            plans[order.id] = self.plan(time_zone, order, taken)
        return plans

    def plan(
        self, time_zone: str, order: OrderFacts, taken: dict[str, list[tuple[int, int | None]]]
    ) -> tuple[list[Planned], Planned | None]:
        """One order's touchpoints and its delivery-day call; `taken` holds what the client has
        of the steps planned once per client, and learns what this order adds."""
        tz, _ = self._zone(time_zone)
        oid, placed, promised, delivered = order.id, order.placed, order.promised, order.delivered
        placed_key = anchors.order_event_key(oid, "placed")
        promised_key = anchors.promised_key(oid, promised)
        thanks = self.due("thanks", time_zone, placed, remember=False)  # placed: any minute
        plan = self._without_pile_ups(time_zone, [("thanks", placed_key, 0, thanks, placed)])
        # plan_pre_delivery, run when the order is placed. Its other skips (a time already
        # gone, a notice before the order) cannot happen here: promised is 10 days on or more.
        promised_start = int(dt.datetime.combine(promised, dt.time(0), tzinfo=tz).timestamp())
        placed_day = dt.datetime.fromtimestamp(placed, tz).date()
        pre_delivery: list[Planned] = []
        for occurrence, day in enumerate(self._status_update_days(placed_day, promised)):
            due = self.status_due(time_zone, day)
            if due < promised_start:  # a weekend or holiday may push it to the promised day
                pre_delivery.append(("status", promised_key, occurrence, due, placed))
        for key in ("ready_tomorrow", "pickup"):
            due = self.due(key, time_zone, promised_start)
            pre_delivery.append((key, promised_key, 0, due, placed))
        plan += self._without_pile_ups(time_zone, pre_delivery)
        if delivered is None:
            return plan, None
        delivered_key = anchors.order_event_key(oid, "delivered")
        after_sale: list[Planned] = []
        for key in ("day0", *AFTER_SALE):
            due = self.due(key, time_zone, delivered)
            window = self.steps[key].window
            if window is not None and any(
                abs(due - other) <= window and (cancelled is None or cancelled > delivered)
                for other, cancelled in taken.get(key, ())
            ):
                continue  # the client has one in the window already
            after_sale.append((key, delivered_key, 0, due, delivered))
        first = None
        for item in self._without_pile_ups(time_zone, after_sale):
            key = item[0]
            if self.steps[key].window is not None:
                taken.setdefault(key, []).append((item[3], order.ended))
            if key == "day0":
                first = item
            else:
                plan.append(item)
        return plan, first


class Generator:
    def __init__(
        self, scale: Scale, team: Team, steps: dict[str, Step], writer: Writer, seed: int
    ) -> None:
        self.scale, self.team, self.steps, self.w = scale, team, steps, writer
        self.d = writer.dialect
        self.planner = OrderPlanner(steps)
        self.rng = random.Random(seed)
        self.now = int(time.time()) // 60 * 60
        self.today = self.now // DAY
        self.ids = dict.fromkeys(TABLES, 0)
        self.quota = (0, 0)

    def next_id(self, table: str) -> int:
        self.ids[table] += 1
        return self.ids[table]

    # When people did things (a delivery, an agreed next call): on a weekday between 10:00 and
    # 18:00 in Moscow (07-15 UTC), on a quarter of an hour.
    def work_time(self, seconds: int) -> int:
        day = seconds // DAY
        weekday = (day + 3) % 7  # 1970-01-01 was a Thursday
        if weekday >= 5:
            day += 7 - weekday
        return day * DAY + 7 * HOUR + int(self.rng.random() * 32) * 15 * 60

    def run(self, progress: Callable[[int], None]) -> None:
        scale, rng = self.scale, self.rng
        stages = rng.choices(STAGES, weights=STAGE_WEIGHTS, k=scale.clients)
        if scale.orders and not scale.clients:
            raise SystemExit("orders need clients: give --clients 1 or more")
        if scale.orders == 0 and scale.touchpoints:
            raise SystemExit("touchpoints need orders: give --orders 1 or more")
        buying = [n for n, stage in enumerate(stages) if stage in BUYING_STAGES]
        if scale.orders and not buying:
            stages[0], buying = "client", [0]
        if scale.orders < len(buying):
            for n in buying[scale.orders :]:
                stages[n] = "visitor"
            buying = buying[: scale.orders]
        orders_of = [0] * scale.clients
        for n in buying:
            orders_of[n] = 1
        repeat = [n for n in buying if stages[n] in REPEAT_STAGES] or buying
        for n in rng.choices(repeat, k=scale.orders - len(buying)):
            orders_of[n] += 1
        self.quota = divmod(scale.touchpoints, max(scale.orders, 1))
        time_zones = _weighted(rng, TIME_ZONES, scale.clients)
        sources = _weighted(rng, SOURCES, scale.clients)
        for n in range(scale.clients):
            self.client(n + 1, stages[n], orders_of[n], time_zones[n], sources[n])
            if self.w.pending >= 100_000:
                self.w.flush()
                progress(n + 1)
        self.w.flush()
        progress(scale.clients)

    def client(self, cid: int, stage: str, order_count: int, time_zone: str, source: str) -> None:
        d, rng, w, team, now = self.d, self.rng, self.w, self.team, self.now
        null = d.null
        created = now - int((0.02 + rng.random() * 0.98) * HISTORY_DAYS * DAY)
        seller = team.sales[cid % len(team.sales)]
        manager = team.account[int(rng.random() * len(team.account))] if order_count else None
        first, last = FIRST_NAMES[cid % 26], LAST_NAMES[(cid * 7) % 31]
        company = rng.random() < 0.08
        name = f"OOO {last} & Co" if company else f"{last} {first}"
        # To the minute, as the rows hold them, so that the plan is the one the rows imply.
        placed_times = sorted(
            (created + int(rng.random() * max(now - HOUR - created, HOUR))) // 60 * 60
            for _ in range(order_count)
        )
        # Stage history: prospect, then each stage reached up to the current one.
        visited = created + int(rng.random() * 3 * DAY)
        reached = [("prospect", created), ("visitor", visited)]
        if order_count:
            reached.append(("buyer", placed_times[0]))
        if stage in REPEAT_STAGES and order_count > 1:
            reached.append(("client", placed_times[1]))
        if stage == "advocate":
            reached.append(("advocate", min(reached[-1][1] + 30 * DAY, now - DAY)))
        reached = reached[: STAGES.index(stage) + 1]
        previous = ""
        for to_stage, at in reached:
            w.add(
                "clients_stagechange",
                (
                    str(self.next_id("clients_stagechange")),
                    str(cid),
                    previous,
                    to_stage,
                    d.ts(at),
                    "bench",
                    str(seller),
                ),
            )
            previous = to_stage
        stage_at = reached[-1][1]
        row = [
            str(cid),
            "company" if company else "person",
            name,
            f"{first} {last}" if company else "",
            f"client{cid}@example.com" if rng.random() < 0.7 else "",
            f"{cid % 200 + 1} Lenina St, apt. {cid % 97 + 1}, Moscow" if rng.random() < 0.4 else "",
            time_zone,
            "en" if rng.random() < 0.15 else "ru",
            d.day(-10_000 - int(rng.random() * 15_000)) if rng.random() < 0.6 else null,
            source,
            str(seller),
            str(manager) if manager else null,
            stage,
            d.ts(stage_at),
            d.ts(visited) if stage != "prospect" else null,
            d.flag(stage == "advocate"),
            "",
            null,  # first and second purchase: filled in once the orders are made
            null,
            null,
            d.ts(created),
            d.ts(stage_at),
        ]
        phone = f"+79{(cid * 7_919_113) % 1_000_000_000:09d}"
        w.add(
            "clients_clientphone",
            (str(self.next_id("clients_clientphone")), str(cid), phone, "mobile", d.true),
        )
        if rng.random() < 0.2:
            w.add(
                "clients_clientphone",
                (
                    str(self.next_id("clients_clientphone")),
                    str(cid),
                    f"+7495{(cid * 31) % 10_000_000:07d}",
                    "work",
                    d.false,
                ),
            )
        if not order_count:
            w.add("clients_client", tuple(row))
            return
        handed = placed_times[0] + HOUR
        w.add(
            "clients_handoff",
            (
                str(self.next_id("clients_handoff")),
                str(cid),
                str(seller),
                str(manager),
                d.ts(handed),
                "",
                d.ts(handed),
                d.ts(handed),
                d.ts(min(handed + 4 * HOUR, now)),
            ),
        )
        client = {
            "id": str(cid),
            "seller": str(seller),
            "manager": str(manager),
            "email": f"client{cid}@example.com",
            "phone": phone,
            "time_zone": time_zone,
        }
        orders = [self.order(client, placed) for placed in placed_times]
        plans = self.planner.plan_client(time_zone, orders)
        for order in orders:
            self.touchpoints(client, order, *plans[order.id])
        # Cancelled and returned orders are no purchases.
        purchases = [order.placed for order in orders if order.ended is None]
        for column, placed in zip((-5, -4), purchases[:2], strict=False):
            row[column] = d.ts(placed)
        w.add("clients_client", tuple(row))

    def order(self, client: dict, placed: int) -> OrderFacts:
        """Write an order with its events; what happened to it."""
        d, rng, w, now, null = self.d, self.rng, self.w, self.now, self.d.null
        oid = self.next_id("clients_order")
        placed_day = placed // DAY
        promised_day = placed_day + 10 + int(rng.random() * 36)
        amount = int(rng.lognormvariate(10.3, 0.8)) // 100 * 100 + 990
        delivered = ended = None
        if promised_day >= self.today:
            status = ("placed", "placed", "placed", "ready", "shipped")[int(rng.random() * 5)]
            status_at = placed if status == "placed" else min(placed + 3 * DAY, now - HOUR)
        else:
            r = rng.random()
            delivered = min(
                self.work_time((promised_day + int(rng.random() * 5) - 2) * DAY), now - HOUR
            )
            delivered = max(delivered, placed + DAY)
            if r < 0.88:
                status, status_at = "delivered", delivered
            elif r < 0.95:
                status = "cancelled"
                ended = status_at = placed + int(rng.random() * (delivered - placed)) // 60 * 60
                delivered = None
            else:
                status = "returned"
                ended = status_at = min(delivered + (7 + int(rng.random() * 7)) * DAY, now - 60)
        w.add(
            "clients_order",
            (
                str(oid),
                client["id"],
                f"B{oid:09d}" if rng.random() < 0.7 else null,
                f"{amount}.00",
                "RUB",
                d.ts(placed),
                d.day(promised_day),
                client["seller"],
                "",
                status,
                d.ts(status_at),
                d.ts(delivered) if delivered else null,
                d.ts(placed),
            ),
        )
        events = [("placed", placed)]
        if status in ("ready", "shipped"):
            events.append((status, status_at))
        if delivered:
            events.append(("delivered", delivered))
        if status in ("cancelled", "returned"):
            events.append((status, status_at))
        for kind, at in events:
            w.add(
                "clients_orderevent",
                (
                    str(self.next_id("clients_orderevent")),
                    str(oid),
                    kind,
                    d.ts(at),
                    d.true,
                    "",
                    client["seller"],
                    d.ts(at),
                ),
            )
        promised = EPOCH + dt.timedelta(days=promised_day)
        return OrderFacts(oid, placed, promised, delivered, ended)

    def touchpoints(
        self, client: dict, order: OrderFacts, plan: list[Planned], first: Planned | None
    ) -> None:
        """This order's share of the touchpoints, chosen from what the cadences plan for it
        (`first`, its delivery-day call, always)."""
        rng = self.rng
        oid, delivered, ended = order.id, order.delivered, order.ended
        base, extra = self.quota
        quota = base + (1 if oid <= extra else 0)
        if not quota:
            return
        if first:
            chosen = [first, *rng.sample(plan, min(quota - 1, len(plan)))]
        else:
            chosen = rng.sample(plan, min(quota, len(plan)))
        chosen.sort(key=lambda item: item[3])
        previous = None
        for item in chosen:
            previous = self.touchpoint(client, oid, *item, delivered=delivered, ended=ended)
        # More than the cadences plan: agreed next contacts, each following the one before.
        while len(chosen) < quota:
            chosen.append(None)
            due = self.work_time(previous[1] + (14 + int(rng.random() * 46)) * DAY)
            previous = self.touchpoint(
                client,
                oid,
                None,
                f"next:{previous[0]}:0",
                0,
                due,
                previous[1],
                delivered=delivered,
                ended=ended,
            )

    def touchpoint(
        self,
        client: dict,
        oid: int,
        key: str | None,
        anchor_key: str,
        occurrence: int,
        due: int,
        created: int,
        *,
        delivered: int | None,
        ended: int | None,
    ) -> tuple[int, int]:
        d, rng, w, now, null = self.d, self.rng, self.w, self.now, self.d.null
        tid = self.next_id("touchpoints_touchpoint")
        step = self.steps[key] if key else None
        if step is None:
            channel, automatic, performer = "call", False, "account_manager"
        else:
            channel, automatic, performer = step.channel, step.automatic, step.performer
        if performer == "sales_manager":
            assignee = client["seller"]
        elif performer == "account_manager" or channel == "post":
            assignee = client["manager"]
        else:
            assignee = null
        status, closed, outcome, note, attempts = "planned", None, "", "", 0
        if ended is not None and due > ended:
            status, closed, note = "cancelled", ended, "order cancelled"
        elif delivered is not None and key in PRE_DELIVERY and due > delivered:
            status, closed, note = "cancelled", delivered, "order delivered"
        elif due < now:
            age = now - due
            r = rng.random()
            if automatic:
                status, closed = "done", due
            elif r < (0.10 if age < 14 * DAY else 0.01 if age < 60 * DAY else 0.001):
                pass  # still open: overdue
            elif r < 0.92:
                status, closed = "done", min(due + int(rng.random() * 4 * HOUR), now)
                outcome = "reached" if channel == "call" else ""
            elif r < 0.97 and channel == "call" and due + 2 * DAY < now:
                status, closed, outcome = "missed", due + 2 * DAY, "no_answer"
            else:
                status, closed, note = "skipped", min(due + HOUR, now), "not needed any more"
        if status == "done" and channel == "call" and rng.random() < 0.85:
            attempts = self.call_attempts(client, tid, closed, assignee, reached=True)
        elif status == "missed":
            attempts = self.call_attempts(client, tid, closed, assignee, reached=False)
        if status == "done" and automatic:
            email = step.channel == "email"
            w.add(
                "touchpoints_sendrecord",
                (
                    str(self.next_id("touchpoints_sendrecord")),
                    str(tid),
                    step.channel,
                    client["email"] if email else client["phone"],
                    step.purpose if email else "",
                    step.purpose,
                    "sent",
                    "1",
                    "",
                    f"bench-{tid}",
                    d.ts(due),
                    d.ts(due),
                ),
            )
        if step is None:
            purpose, talking, template, step_id = "Agreed next contact", "", "", null
        else:
            purpose, talking, template = step.purpose, step.talking_points, step.template_slug
            step_id = step.id
        urgent = status == "planned" and channel == "call" and rng.random() < 0.005
        w.add(
            "touchpoints_touchpoint",
            (
                str(tid),
                client["id"],
                str(oid),
                step_id,
                anchor_key,
                str(occurrence),
                d.ts(due),
                assignee,
                channel,
                d.flag(automatic),
                purpose,
                talking,
                template,
                d.flag(urgent),
                status,
                str(attempts),
                null,
                "",
                outcome,
                note,
                d.ts(min(created, due)),
                d.ts(closed) if closed is not None else null,
            ),
        )
        return tid, due

    def call_attempts(self, client: dict, tid: int, at: int, by: str, *, reached: bool) -> int:
        d, rng, null = self.d, self.rng, self.d.null
        tries = [("no_answer", at - DAY)] if rng.random() < 0.2 else []
        tries.append(("reached", at) if reached else ("no_answer", at))
        for outcome, moment in tries:
            done = outcome == "reached"
            satisfaction = str((3, 4, 4, 5, 5, 5, 2)[int(rng.random() * 7)]) if done else null
            row = (
                str(self.next_id("touchpoints_callattempt")),
                str(tid),
                client["id"],
                outcome,
                satisfaction,
                CALL_NOTES[int(rng.random() * len(CALL_NOTES))] if done else "",
                d.day(moment // DAY + 30 + int(rng.random() * 60)) if done else null,
                "",
                null,
                ("", "", "", "accepted", "declined", "thinking")[int(rng.random() * 6)]
                if done
                else "",
                "",
                "",
                by,
                d.ts(moment),
            )
            self.w.add("touchpoints_callattempt", row)
        return len(tries)


# --- the database ------------------------------------------------------------------------------


def _dependent_tables() -> list[str]:
    """Every table whose rows hang on clients (through foreign keys, transitively), children
    first, and the history tables of clients and orders."""
    from clients.models import Client, Order

    tables: list[str] = []
    seen: set[type] = set()

    def visit(model: type) -> None:
        if model in seen:
            return
        seen.add(model)
        for relation in model._meta.related_objects:
            visit(relation.related_model)
        tables.append(model._meta.db_table)

    visit(Client)
    return [Client.history.model._meta.db_table, Order.history.model._meta.db_table, *tables]


def current_scale() -> Scale:
    from clients.models import Client, Order
    from touchpoints.models import Touchpoint

    return Scale(Client.objects.count(), Order.objects.count(), Touchpoint.objects.count())


def _truncate(cursor, dialect: Dialect) -> None:
    tables = _dependent_tables()
    if dialect.postgres:
        cursor.execute(f"TRUNCATE {', '.join(tables)} RESTART IDENTITY CASCADE")
    else:
        for table in tables:
            cursor.execute(f"DELETE FROM {table}")  # noqa: S608


def _drop_secondary(cursor) -> tuple[list[str], list[str]]:
    """Drop the loaded tables' foreign keys and the indexes that back no constraint; return
    the statements that make them again."""
    cursor.execute(
        """
        SELECT c.conrelid::regclass::text, c.conname, pg_get_constraintdef(c.oid)
        FROM pg_constraint c
        WHERE c.contype = 'f' AND c.conrelid = ANY(%s::regclass[])
        ORDER BY 1, 2
        """,
        [list(TABLES)],
    )
    foreign_keys = cursor.fetchall()
    cursor.execute(
        """
        SELECT i.indexrelid::regclass::text, pg_get_indexdef(i.indexrelid)
        FROM pg_index i
        WHERE i.indrelid = ANY(%s::regclass[])
          AND NOT EXISTS (
            SELECT 1 FROM pg_constraint c
            WHERE c.conindid = i.indexrelid AND c.conrelid = i.indrelid
          )
        ORDER BY 1
        """,
        [list(TABLES)],
    )
    indexes = cursor.fetchall()
    for table, name, _ in foreign_keys:
        cursor.execute(f'ALTER TABLE {table} DROP CONSTRAINT "{name}"')
    for name, _ in indexes:
        cursor.execute(f"DROP INDEX {name}")
    return (
        [definition for _, definition in indexes],
        [f'ALTER TABLE {table} ADD CONSTRAINT "{name}" {d}' for table, name, d in foreign_keys],
    )


def clear() -> None:
    """Empty the bench tables (the touchpoints bench deletes through the ORM, which takes
    minutes on a large data set)."""
    from django.db import connection, transaction

    with transaction.atomic(), connection.cursor() as cursor:
        _truncate(cursor, Dialect(connection.vendor))


def generate(scale: Scale, *, force: bool = False, seed: int = 20261123) -> Report:
    """Fill the bench database with `scale`; skip when it holds exactly that already."""
    from django.db import connection, transaction

    report = Report(scale=scale)
    team = ensure_team()
    if not force and current_scale() == scale:
        report.skipped = True
        return report
    dialect = Dialect(connection.vendor)
    started = time.perf_counter()
    with transaction.atomic(), connection.cursor() as wrapper:
        cursor = wrapper.cursor if dialect.postgres else wrapper
        if dialect.postgres:
            cursor.execute("SET LOCAL maintenance_work_mem = '512MB'")
            cursor.execute("SET LOCAL synchronous_commit = off")
        steps = load_steps(dialect)
        _truncate(cursor, dialect)
        rebuild: list[str] = []
        if dialect.postgres:
            indexes, foreign_keys = _drop_secondary(cursor)
            rebuild = indexes + foreign_keys
        writer = Writer(cursor, dialect)
        bar = Progress("load   ", scale.clients, "clients")
        gen = Generator(scale, team, steps, writer, seed)

        def progress(done: int) -> None:
            bar.update(done, f"{writer.rows['touchpoints_touchpoint']:,} touchpoints")

        gen.run(progress)
        bar.close(scale.clients, f"{writer.rows['touchpoints_touchpoint']:,} touchpoints")
        report.rows = {table.split("_", 1)[1]: count for table, count in writer.rows.items()}
        report.load_seconds = time.perf_counter() - started
        step_started = time.perf_counter()
        if dialect.postgres:
            bar = Progress("indexes", len(rebuild), "indexes and foreign keys")
            for n, statement in enumerate(rebuild):
                cursor.execute(statement)
                bar.update(n + 1)
            bar.close(len(rebuild))
            for table in TABLES:
                sql = f"SELECT setval(pg_get_serial_sequence(%s, 'id'), MAX(id)) FROM {table}"  # noqa: S608
                cursor.execute(sql, [table])
        report.index_seconds = time.perf_counter() - step_started
    step_started = time.perf_counter()
    with connection.cursor() as cursor:
        # VACUUM cannot run inside a transaction (a test's): skipped there.
        if dialect.postgres and not connection.in_atomic_block:
            for table in TABLES:
                cursor.execute(f"VACUUM (ANALYZE) {table}")
        else:
            cursor.execute("ANALYZE")
    report.analyze_seconds = time.perf_counter() - step_started
    report.seconds = time.perf_counter() - started
    return report


def main(argv: Iterable[str] | None = None) -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--touchpoints", type=int)
    parser.add_argument("--clients", type=int)
    parser.add_argument("--orders", type=int)
    parser.add_argument("--seed", type=int, default=20261123)
    parser.add_argument("--force", action="store_true", help="regenerate even at the same scale")
    parser.add_argument("--clear", action="store_true", help="only empty the bench tables")
    args = parser.parse_args(argv)
    bench_database()

    from django.db import connection

    if args.clear:
        started = time.perf_counter()
        clear()
        print(f"bench tables emptied in {time.perf_counter() - started:.1f} s")
        return

    scale = default_scale(
        connection.vendor, touchpoints=args.touchpoints, clients=args.clients, orders=args.orders
    )
    print(f"database: {connection.vendor} {connection.settings_dict['NAME']}")
    if connection.vendor != "postgresql" and args.touchpoints is None:
        print(f"SQLite (no DATABASE_URL): small default scale, {scale}")
    print(f"scale: {scale}")
    for line in generate(scale, force=args.force, seed=args.seed).lines():
        print(line)


if __name__ == "__main__":
    main()
