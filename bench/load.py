"""The load test: a hundred people at once against gunicorn on loopback, for a minute.

    .venv/bin/python -m bench.load [--seconds 60] [--managers 50] [--clients 50] [--calls 40]
                                   [--workers 4] [--threads 4] [--touchpoints 200000]

`make load` runs it (locust comes from requirements-load.txt). It needs PostgreSQL, the
production database: DATABASE_URL names the server, and the test works in a database of its
own beside it, `<name>_load` (bench/setup.py), which it fills afresh on every run. Figures are
printed, nothing is asserted. The target: no errors, p95 under 300 ms.

1. Data: bench.generate's data set (--touchpoints, clients and orders a tenth and a fifth of
   it); then 50 managers (`load-manager-NN`, account managers, a password made for the run),
   each handed 40 clients with one open call each (10 overdue, 30 due today: a list of 25 rows
   and a second page), and for each virtual client its own open survey invitations, one for
   every second of the run, so that none answers a survey twice.
2. The server: gunicorn on a free port of 127.0.0.1, gthread workers (4 processes of 4 threads
   by default). The processes share the two cores between them, and with PostgreSQL and
   locust on the same machine more of them only switch more; the threads let a process serve
   another request while one waits for the database. DEBUG is off and the broker is the
   filesystem one under var/load/ (no REDIS_URL: a worker elsewhere must not pick up this
   database's tasks). It runs in the development shape otherwise: production's secure cookies
   would not come back over plain HTTP, and its HTTPS redirect would answer every request.
3. Locust, in this process: 50 managers log in once each (50 different accounts, so login
   throttling never starts), then load /calls/ and open one of its rows' forms
   (/calls/<id>/forms/, as htmx does) with about a second to think between; 50 clients each
   open their own survey links and answer them (one answer in ten is poor, which plans a
   recovery call and e-mails the directors). An answer that comes back as the survey's form
   with errors counts as an error; the thank-you page of a survey answered before would not.
4. Gunicorn stops. Requests per second, p50/p95/p99 for each kind of request and overall
   (exact, from every request's time), overall again for the requests sent once every manager
   had logged in (a login checks a PBKDF2 hash, a fifth of a second of CPU: fifty of them load
   the first seconds), the errors, and the CPU time gunicorn, this database's PostgreSQL
   backends, locust and the rest of the machine used during the run, since a figure measured
   while something else used the cores says little.
"""

# locust patches the standard library for gevent when it is imported: first, before anything
# imports ssl or opens a socket.
from locust import HttpUser, between, task
from locust.env import Environment

# isort: split
import argparse
import ctypes
import datetime as dt
import os
import random
import re
import secrets
import signal
import socket
import statistics
import subprocess
import sys
import time
import urllib.request
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import gevent
import psutil

from bench.generate import default_scale, generate
from bench.setup import bench_database

if TYPE_CHECKING:
    from django.contrib.auth.models import User

BASE_DIR = Path(__file__).resolve().parent.parent
DATA_DIR = BASE_DIR / "var" / "load"
GUNICORN_LOG = DATA_DIR / "gunicorn.log"
PR_SET_PDEATHSIG = 1  # linux/prctl.h
MANAGER_PREFIX = "load-manager-"
OVERDUE_SHARE = 4  # one call in four is overdue
POOR_ANSWERS = 0.1
RAMP_SECONDS = 10
TARGET_P95_MS = 300

CSRF_FIELD = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')
ROW_FORMS = re.compile(r"/calls/(\d+)/forms/")
ANSWER_ERRORS = 'role="alert"'
# The kinds of request, as locust names them: method and name.
LOGIN_PAGE = "GET login page"
LOGIN = "POST log in"
KINDS = (
    LOGIN_PAGE,
    LOGIN,
    "GET /calls/",
    "GET /calls/[id]/forms/",
    "GET /s/[token]/",
    "POST /s/[token]/",
)


# --- the data ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Question:
    name: str
    kind: str
    choices: tuple[str, ...]


@dataclass
class Plan:
    """What the virtual users are given: the managers' logins and each client's links, which
    each user takes one of as it starts."""

    password: str
    managers: list[str]
    token_pools: list[list[str]]
    questions: list[Question]


def prepare(args: argparse.Namespace) -> Plan:
    from django.db import connection

    scale = default_scale(connection.vendor, touchpoints=args.touchpoints)
    print(f"database: {connection.settings_dict['NAME']}; data set: {scale}")
    for line in generate(scale, force=True).lines():
        print(line)
    password = secrets.token_urlsafe(16)
    managers = make_managers(args.managers, password)
    hand_calls(managers, args.calls)
    pools = make_invitations(args.clients, args.seconds + 1)
    print(
        f"{len(managers)} managers with {args.calls} open calls each; {len(pools)} clients "
        f"with {len(pools[0])} open survey links each"
    )
    return Plan(
        password=password,
        managers=[manager.username for manager in managers],
        token_pools=pools,
        questions=survey_questions(),
    )


def make_managers(count: int, password: str) -> list["User"]:
    from django.contrib.auth.hashers import make_password
    from django.contrib.auth.models import Group, User
    from django.contrib.sessions.models import Session

    from followup_crm.roles import ACCOUNT_MANAGER

    group = Group.objects.get(name=ACCOUNT_MANAGER)
    managers = []
    for n in range(1, count + 1):
        user, _ = User.objects.get_or_create(
            username=f"{MANAGER_PREFIX}{n:02d}",
            defaults={"first_name": "Load", "last_name": f"Manager {n:02d}"},
        )
        user.groups.add(group)
        managers.append(user)
    # One hash for all: the password check at login costs the same, and making 50 hashes would
    # cost as much as 50 logins.
    User.objects.filter(pk__in=[user.pk for user in managers]).update(
        password=make_password(password)
    )
    Session.objects.all().delete()
    return managers


def hand_calls(managers: list["User"], per_manager: int) -> None:
    """Give each manager `per_manager` clients of the data set with one open call each, due
    today or overdue: their planned calls, moved to today and assigned to the manager."""
    from django.utils import timezone

    from clients.models import Client
    from touchpoints.models import Touchpoint
    from touchpoints.selectors import day_bounds

    start, end = day_bounds(timezone.now())
    wanted = len(managers) * per_manager
    chosen: dict[int, Touchpoint] = {}
    candidates = (
        Touchpoint.objects.filter(
            status="planned",
            is_automatic=False,
            channel="call",
            due_at__gte=end,
            client__archived_at__isnull=True,
        )
        .only("id", "client_id", "due_at", "assignee_id")
        .order_by("id")
    )
    for touchpoint in candidates.iterator(chunk_size=5000):
        chosen.setdefault(touchpoint.client_id, touchpoint)
        if len(chosen) == wanted:
            break
    if len(chosen) < wanted:
        raise SystemExit(
            f"the data set has {len(chosen)} clients with a planned call, {wanted} are needed: "
            "raise --touchpoints"
        )
    rows = list(chosen.values())
    for m, manager in enumerate(managers):
        mine = rows[m * per_manager : (m + 1) * per_manager]
        for n, touchpoint in enumerate(mine):
            touchpoint.assignee_id = manager.pk
            if n % OVERDUE_SHARE == 0:
                touchpoint.due_at = start - dt.timedelta(hours=3 * (n + 1))
            else:
                touchpoint.due_at = start + dt.timedelta(hours=9, minutes=15 * (n % 30))
        Client.objects.filter(pk__in=[t.client_id for t in mine]).update(account_manager=manager)
    Touchpoint.objects.bulk_update(rows, ["assignee", "due_at"], batch_size=1000)


def make_invitations(clients: int, per_client: int) -> list[list[str]]:
    """`per_client` open survey links for each virtual client, or as many as the data set's
    delivered orders allow (a client who runs out opens its answered links again)."""
    from django.conf import settings
    from django.utils import timezone

    from clients.models import Order
    from surveys.models import Invitation, Survey

    survey = Survey.objects.get(slug=settings.DEFAULT_SURVEY)
    orders = list(
        Order.objects.filter(status="delivered", client__archived_at__isnull=True)
        .order_by("id")
        .values_list("id", "client_id")[: clients * per_client]
    )
    per_client = len(orders) // clients
    if per_client == 0:
        raise SystemExit(f"{clients} delivered orders are needed for the survey links")
    expires = timezone.now() + dt.timedelta(days=survey.days_valid)
    invitations = Invitation.objects.bulk_create(
        Invitation(survey=survey, client_id=client_id, order_id=order_id, expires_at=expires)
        for order_id, client_id in orders[: clients * per_client]
    )
    tokens = [invitation.token for invitation in invitations]
    return [tokens[n * per_client : (n + 1) * per_client] for n in range(clients)]


def survey_questions() -> list[Question]:
    from django.conf import settings

    from surveys.models import Survey

    survey = Survey.objects.get(slug=settings.DEFAULT_SURVEY)
    return [
        Question(
            name=str(question.pk),
            kind=question.kind,
            choices=tuple(value for value, _label in question.choice_list("en")),
        )
        for question in survey.questions.all()
    ]


def answer(questions: list[Question]) -> dict[str, str]:
    """A client's answers; one in ten poor (a score of 2 and a detractor's 3)."""
    poor = random.random() < POOR_ANSWERS
    values = {}
    for question in questions:
        if question.kind == "score":
            values[question.name] = "2" if poor else random.choice("34555")
        elif question.kind == "nps":
            values[question.name] = "3" if poor else random.choice(("8", "9", "10", "10"))
        elif question.kind == "choice" and question.choices:
            values[question.name] = random.choice(question.choices)
        elif question.kind == "text" and random.random() < 0.3:
            values[question.name] = "Delivered on time, the assembly was quick."
    return values


# --- the virtual users -------------------------------------------------------------------------


class Manager(HttpUser):
    """Logs in once, then works the call list: the list, then one row's forms."""

    wait_time = between(0.5, 1.5)
    plan: Plan

    def on_start(self) -> None:
        username = self.plan.managers.pop()
        with self.client.get("/login/", name="login page", catch_response=True) as page:
            found = CSRF_FIELD.search(page.text)
            if found is None:
                page.failure("no CSRF token on the login page")
                return
        data = {
            "username": username,
            "password": self.plan.password,
            "csrfmiddlewaretoken": found[1],
        }
        with self.client.post(
            "/login/", data=data, name="log in", allow_redirects=False, catch_response=True
        ) as response:
            if response.status_code != 302:
                response.failure(f"{username} not logged in: {response.status_code}")

    @task
    def work_the_list(self) -> None:
        with self.client.get("/calls/", name="/calls/", catch_response=True) as page:
            rows = ROW_FORMS.findall(page.text)
            if not rows:
                page.failure("no calls on the list")
                return
        self.wait()
        self.client.get(
            f"/calls/{random.choice(rows)}/forms/",
            params={"next": "/calls/", "open": "complete"},
            headers={"HX-Request": "true"},
            name="/calls/[id]/forms/",
        )


class SurveyClient(HttpUser):
    """Opens their own survey links one after the other and answers each."""

    wait_time = between(0.5, 1.5)
    plan: Plan

    def on_start(self) -> None:
        self.tokens = self.plan.token_pools.pop()
        self.answered = 0

    @task
    def answer_a_survey(self) -> None:
        # Past its last link, the links it answered already: their thank-you page is the
        # expected answer.
        token = self.tokens[self.answered % len(self.tokens)]
        self.answered += 1
        self.client.get(f"/s/{token}/", name="/s/[token]/")
        self.wait()
        with self.client.post(
            f"/s/{token}/",
            data=answer(self.plan.questions),
            name="/s/[token]/",
            catch_response=True,
        ) as response:
            if ANSWER_ERRORS in response.text:
                response.failure("the answer came back with errors")


# --- the server --------------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _die_with_parent() -> None:
    """In the child before gunicorn starts: Linux sends it SIGTERM when this script ends, however
    it ends (even killed), so that no server outlives its load test."""
    ctypes.CDLL(None, use_errno=True).prctl(PR_SET_PDEATHSIG, signal.SIGTERM)


def start_gunicorn(port: int, workers: int, threads: int) -> subprocess.Popen:
    env = {
        **os.environ,
        "FOLLOWUP_ENV": "development",
        "DEBUG": "0",
        "ALLOWED_HOSTS": "127.0.0.1",
        "SECRET_KEY": secrets.token_urlsafe(50),
        "DATA_DIR": str(DATA_DIR),
        "EMAIL_BACKEND": "django.core.mail.backends.locmem.EmailBackend",
        "SMS_BACKEND": "touchpoints.sms.LocmemBackend",
        "LOG_LEVEL": "WARNING",
    }
    env.pop("REDIS_URL", None)
    command = [
        sys.executable, "-m", "gunicorn", "followup_crm.wsgi:application",
        "--bind", f"127.0.0.1:{port}",
        "--worker-class", "gthread", "--workers", str(workers), "--threads", str(threads),
        # Loaded once before the workers fork: no request of the run waits for a worker's start.
        "--preload",
        # Longer than a think time: a connection idle between two requests of a user must not
        # be closed just as the next one goes out (gunicorn's default is 2 s).
        "--keep-alive", "5",
        "--graceful-timeout", "10",
    ]  # fmt: skip
    with GUNICORN_LOG.open("w") as log:
        return subprocess.Popen(  # noqa: S603
            command,
            cwd=BASE_DIR,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
            # preexec_fn is unsafe beside other threads; this process runs none (greenlets only).
            preexec_fn=_die_with_parent,
        )


def wait_until_ready(process: subprocess.Popen, port: int) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise SystemExit(
                f"gunicorn stopped (exit status {process.returncode}): see {GUNICORN_LOG}"
            )
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/login/", timeout=10):
                return
        except OSError:  # not listening yet, or not answering yet
            time.sleep(0.5)
    raise SystemExit(f"gunicorn did not answer within a minute: see {GUNICORN_LOG}")


def stop_gunicorn(process: subprocess.Popen) -> None:
    process.terminate()
    try:
        process.wait(timeout=30)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


# --- the run and its figures -------------------------------------------------------------------


class CpuMeter:
    """CPU seconds used between two readings: by gunicorn (master and workers), by this
    database's PostgreSQL backends, by locust (this process), and by the whole machine, so that
    a run disturbed by other work on the machine shows it."""

    def __init__(self, server_pid: int, database: str) -> None:
        self.server_pid = server_pid
        self.marker = f" {database} "  # a backend's title: "postgres: user database host(port)"
        self.start = self.read()

    def read(self) -> dict[str, dict[int, float]]:
        server = psutil.Process(self.server_pid)
        backends = [
            process
            for process in psutil.process_iter(["cmdline"])
            if self.marker in " ".join(process.info["cmdline"] or ()) + " "
        ]
        groups = {
            "gunicorn": [server, *server.children(recursive=True)],
            "database": backends,
            "locust": [psutil.Process()],
        }
        reading = {name: self._seconds(processes) for name, processes in groups.items()}
        machine = psutil.cpu_times()
        reading["machine"] = {0: sum(machine) - machine.idle - machine.iowait}
        return reading

    @staticmethod
    def _seconds(processes: list[psutil.Process]) -> dict[int, float]:
        seconds = {}
        for process in processes:
            try:
                times = process.cpu_times()
            except psutil.Error:  # gone meanwhile
                continue
            seconds[process.pid] = times.user + times.system
        return seconds

    def used(self) -> dict[str, float]:
        end = self.read()
        return {
            name: sum(value - self.start[name].get(pid, 0.0) for pid, value in end[name].items())
            for name in end
        }


@dataclass(frozen=True)
class Sample:
    kind: str
    started: float
    ms: float
    failed: bool


class Recorder:
    """Every request's time, exact (locust's own percentiles round times above 100 ms)."""

    def __init__(self, env: Environment) -> None:
        self.samples: list[Sample] = []
        env.events.request.add_listener(self.on_request)

    def on_request(
        self,
        request_type: str,
        name: str,
        response_time: float,
        exception: BaseException | None,
        start_time: float,
        **_: object,
    ) -> None:
        kind = f"{request_type} {name}"
        self.samples.append(Sample(kind, start_time, response_time, exception is not None))


def run_load(host: str, plan: Plan, seconds: int) -> tuple[Environment, Recorder, float]:
    Manager.plan = SurveyClient.plan = plan
    Manager.fixed_count = len(plan.managers)
    SurveyClient.fixed_count = len(plan.token_pools)
    users = Manager.fixed_count + SurveyClient.fixed_count
    env = Environment(user_classes=[Manager, SurveyClient], host=host)
    recorder = Recorder(env)
    runner = env.create_local_runner()
    started = time.monotonic()
    runner.start(users, spawn_rate=users / RAMP_SECONDS)
    gevent.spawn_later(seconds, runner.quit)
    runner.greenlet.join()
    return env, recorder, time.monotonic() - started


def report_cpu(used: dict[str, float], seconds: float) -> None:
    cores = psutil.cpu_count()
    others = used["machine"] - used["gunicorn"] - used["database"] - used["locust"]
    print(
        f"CPU over the run ({cores} cores x {seconds:.0f} s = {cores * seconds:.0f} s): "
        f"gunicorn {used['gunicorn']:.0f} s, PostgreSQL (this database) {used['database']:.0f} s, "
        f"locust {used['locust']:.0f} s, everything else on the machine {max(others, 0):.0f} s"
    )


def percentiles(values: list[float]) -> tuple[float, float, float]:
    if len(values) < 2:
        return (values[0],) * 3 if values else (0.0, 0.0, 0.0)
    cuts = statistics.quantiles(values, n=100, method="inclusive")
    return cuts[49], cuts[94], cuts[98]


def report(env: Environment, recorder: Recorder, seconds: float) -> None:
    """Requests per second, p50/p95/p99 for each kind and overall, over the whole run and once
    every manager had logged in (the logins' password hashing loads the first seconds), and
    the errors."""
    samples = recorder.samples
    logins = [sample.started + sample.ms / 1000 for sample in samples if sample.kind == LOGIN]
    logged_in = max(logins, default=min(sample.started for sample in samples))
    first = min(sample.started for sample in samples)
    last = max(sample.started for sample in samples)
    rows = {kind: [sample for sample in samples if sample.kind == kind] for kind in KINDS}
    rows["all"] = samples
    steady = f"all, once logged in (from {logged_in - first:.0f} s)"
    rows[steady] = [sample for sample in samples if sample.started >= logged_in]
    width = max(len(label) for label in rows)
    print(
        f"\n{'request':<{width}} {'count':>7} {'errors':>7} {'req/s':>7} "
        f"{'p50':>6} {'p95':>6} {'p99':>6} (ms)"
    )
    for label, chosen in rows.items():
        span = last - logged_in if label == steady else seconds
        p50, p95, p99 = percentiles([sample.ms for sample in chosen])
        print(
            f"{label:<{width}} {len(chosen):>7} {sum(s.failed for s in chosen):>7} "
            f"{len(chosen) / span:>7.1f} {p50:>6.0f} {p95:>6.0f} {p99:>6.0f}"
        )
    exceptions = env.runner.exceptions.values()
    errors = sum(sample.failed for sample in samples) + sum(row["count"] for row in exceptions)
    print(f"\n{len(samples) / seconds:.1f} requests/s over {seconds:.0f} s; errors: {errors}")
    for error in env.stats.errors.values():
        print(f"  {error.occurrences} x {error.method} {error.name}: {error.error}")
    for row in exceptions:
        print(f"  {row['count']} x exception: {row['msg']}\n{row['traceback']}")
    whole = percentiles([sample.ms for sample in samples])[1]
    once = percentiles([sample.ms for sample in rows[steady]])[1]
    met = errors == 0 and whole < TARGET_P95_MS
    print(
        f"target: 0 errors and p95 < {TARGET_P95_MS} ms: {'met' if met else 'missed'} "
        f"({errors} errors, p95 {whole:.0f} ms; once logged in {once:.0f} ms)"
    )


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--seconds", type=int, default=60, help="how long the load runs")
    parser.add_argument("--managers", type=int, default=50)
    parser.add_argument("--clients", type=int, default=50, help="virtual survey clients")
    parser.add_argument("--calls", type=int, default=40, help="open calls of each manager")
    parser.add_argument("--workers", type=int, default=4, help="gunicorn processes")
    parser.add_argument("--threads", type=int, default=4, help="threads of each process")
    parser.add_argument("--touchpoints", type=int, default=200_000, help="size of the data set")
    args = parser.parse_args()

    if not os.environ.get("DATABASE_URL", "").startswith(("postgres://", "postgresql://")):
        raise SystemExit(
            "The load test needs PostgreSQL, as in production: "
            "DATABASE_URL=postgres://postgres@127.0.0.1:5432/followup_crm make load"
        )
    DATA_DIR.mkdir(parents=True, exist_ok=True)
    os.environ["DATA_DIR"] = str(DATA_DIR)
    os.environ.pop("REDIS_URL", None)
    os.environ.setdefault("LOG_LEVEL", "WARNING")
    bench_database(suffix="load")
    plan = prepare(args)

    from django.db import connection, connections

    database = connection.settings_dict["NAME"]
    connections.close_all()
    port = free_port()
    server = start_gunicorn(port, args.workers, args.threads)
    try:
        wait_until_ready(server, port)
        print(
            f"gunicorn on 127.0.0.1:{port}: {args.workers} workers x {args.threads} threads; "
            f"{args.managers + args.clients} users for {args.seconds} s"
        )
        meter = CpuMeter(server.pid, database)
        env, recorder, seconds = run_load(f"http://127.0.0.1:{port}", plan, args.seconds)
        used = meter.used()
    finally:
        stop_gunicorn(server)
    report(env, recorder, seconds)
    report_cpu(used, seconds)


if __name__ == "__main__":
    main()
