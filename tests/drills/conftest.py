"""Fault drills: the product's real processes (gunicorn, a Celery worker, Celery Beat) against
servers that the drill stops, kills or restarts.

What a drill breaks is its own: it starts a private Redis (`redis-server --save ''
--appendonly no`, so stopping it loses the messages it held, as a crash would) and, for the
restart drill, a private PostgreSQL cluster (initdb and pg_ctl in a temporary folder, trust
authentication, fsync off), each on a spare port. The machine's shared PostgreSQL and Redis,
which other tests and CI use, are never stopped.

Databases: the drills that leave PostgreSQL alone point their processes at the test database
that pytest-django created on the configured PostgreSQL; they are transactional tests
(`django_db(transaction=True)`), so what the test writes is committed and the processes see it.
The restart drill runs everything on the private cluster, whose schema `manage.py migrate`
makes there.

The drills run when PostgreSQL and Redis are configured (DATABASE_URL, REDIS_URL). A private
server that cannot start goes through `missing()`: a skip locally, a failure in CI's second
pass.
"""

import glob
import http.client
import json
import os
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Callable, Iterator
from http.cookies import SimpleCookie
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import pytest
import redis
from celery import Celery
from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser
from django.test import Client as DjangoClient

from tests.conftest import PASSWORD, missing

REDIS_SERVER = "/usr/bin/redis-server"
START_SECONDS = 60  # Django processes start slowly on a busy 2-CPU machine
REQUEST_SECONDS = 10


def spare_port() -> int:
    """A free port below Linux's ephemeral range (32768 and up), so that no outgoing connection
    takes it while a drill's server is down between a stop and a start."""
    for _ in range(200):
        port = 20000 + secrets.randbelow(12000)
        with socket.socket() as probe:
            try:
                probe.bind(("127.0.0.1", port))
            except OSError:
                continue
        return port
    raise RuntimeError("no free port between 20000 and 32000")


def wait_until(condition: Callable[[], object], seconds: float) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.2)
    return bool(condition())


class RedisServer:
    """A Redis of the drill's own that keeps nothing on disk."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.port = spare_port()
        self.process: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def answers(self) -> bool:
        try:
            with redis.Redis(port=self.port, socket_connect_timeout=1) as client:
                return bool(client.ping())
        except redis.RedisError:
            return False

    def start(self) -> None:
        with (self.folder / "redis.log").open("ab") as log:
            self.process = subprocess.Popen(
                [
                    REDIS_SERVER,
                    "--port",
                    str(self.port),
                    "--bind",
                    "127.0.0.1",
                    "--save",
                    "",
                    "--appendonly",
                    "no",
                    "--dir",
                    str(self.folder),
                ],
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        if not wait_until(self.answers, START_SECONDS):
            raise RuntimeError((self.folder / "redis.log").read_text(errors="replace"))

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            self.process.wait(timeout=30)


class PostgresCluster:
    """A PostgreSQL cluster of the drill's own, in a temporary folder."""

    DATABASE = "followup_crm_drill"

    def __init__(self, bindir: Path) -> None:
        self.bindir = bindir
        self.port = spare_port()
        # Not under pytest's tmp_path: the server runs as the postgres user, who cannot enter
        # root's private pytest folders.
        self.folder = Path(tempfile.mkdtemp(prefix="followup-drill-pg-"))
        self.data = self.folder / "data"
        self.log = self.folder / "server.log"

    @property
    def url(self) -> str:
        return f"postgres://postgres@127.0.0.1:{self.port}/{self.DATABASE}"

    def _run(self, tool: str, *args: str) -> None:
        command = [str(self.bindir / tool), *args]
        if os.geteuid() == 0:
            # initdb refuses to run as root, and the server should not run as root anyway.
            command = ["runuser", "-u", "postgres", "--", *command]
        subprocess.run(
            command, cwd=self.folder, check=True, capture_output=True, text=True, timeout=120
        )

    def _pg_ctl(self, *args: str) -> None:
        # -l always: without it the server writes to pg_ctl's own output, which would then
        # never close.
        self._run("pg_ctl", "-D", str(self.data), "-l", str(self.log), "-w", "-t", "60", *args)

    def create(self) -> None:
        if os.geteuid() == 0:
            shutil.chown(self.folder, "postgres", "postgres")
        self._run(
            "initdb",
            *("-D", str(self.data), "-U", "postgres", "-A", "trust"),
            *("-E", "UTF8", "--locale", "C", "--no-sync"),
        )
        with (self.data / "postgresql.conf").open("a") as conf:
            conf.write(
                f"port = {self.port}\n"
                "listen_addresses = '127.0.0.1'\n"
                f"unix_socket_directories = '{self.folder}'\n"
                "fsync = off\n"
                "synchronous_commit = off\n"
                "full_page_writes = off\n"
            )
        self._pg_ctl("start")
        self._run(
            "createdb", "-h", "127.0.0.1", "-p", str(self.port), "-U", "postgres", self.DATABASE
        )

    def server_pid(self) -> int:
        return int((self.data / "postmaster.pid").read_text().split()[0])

    def restart(self) -> None:
        self._pg_ctl("-m", "fast", "restart")

    def destroy(self) -> None:
        try:
            if (self.data / "postmaster.pid").exists():
                self._pg_ctl("-m", "immediate", "stop")
        finally:
            shutil.rmtree(self.folder, ignore_errors=True)


@pytest.fixture
def folder() -> Iterator[Path]:
    """The drill's files: logs, mail, Redis's folder. Not pytest's tmp_path, which a pytest
    session started meanwhile elsewhere on the machine may delete (pytest keeps only its three
    latest base folders)."""
    with tempfile.TemporaryDirectory(prefix="followup-drill-") as name:
        yield Path(name)


@pytest.fixture
def private_redis(folder) -> Iterator[RedisServer]:
    if not settings.REDIS_URL:
        missing("Redis is not configured: set REDIS_URL to run the fault drills")
    if not os.access(REDIS_SERVER, os.X_OK):
        missing(f"{REDIS_SERVER} is not installed: the fault drills start a Redis of their own")
    (folder / "redis").mkdir()
    server = RedisServer(folder / "redis")
    try:
        server.start()
    except (OSError, RuntimeError) as exc:
        server.stop()
        missing(f"a private Redis does not start on this machine: {exc}")
    yield server
    server.stop()


@pytest.fixture
def private_postgres() -> Iterator[PostgresCluster]:
    if not settings.DATABASE_URL:
        missing("PostgreSQL is not configured: set DATABASE_URL to run the fault drills")
    bindirs = [Path(p).parent for p in glob.glob("/usr/lib/postgresql/*/bin/initdb")]
    if not bindirs:
        missing("PostgreSQL's server programs (initdb, pg_ctl) are not installed")
    newest = max(bindirs, key=lambda bindir: int(bindir.parent.name))
    cluster = PostgresCluster(newest)
    try:
        cluster.create()
    except (OSError, LookupError, subprocess.SubprocessError) as exc:
        detail = getattr(exc, "stderr", "") or exc
        cluster.destroy()
        missing(f"a private PostgreSQL cluster does not start on this machine: {detail}")
    yield cluster
    cluster.destroy()


def app_env(*, database_url: str, redis_url: str, folder: Path, **extra: str) -> dict[str, str]:
    """The environment of the product's processes: the given database and broker, files under
    `folder`, and e-mail written one file per message by the tests' SlowFileBackend."""
    (folder / "mail").mkdir(exist_ok=True)
    return {
        **os.environ,
        "DATABASE_URL": database_url,
        "REDIS_URL": redis_url,
        "DATA_DIR": str(folder / "data"),
        "EMAIL_BACKEND": "tests.touchpoints.backends.SlowFileBackend",
        "TEST_MAIL_DIR": str(folder / "mail"),
        "PYTHONUNBUFFERED": "1",
        **extra,
    }


def sent_to(folder: Path) -> Counter[str]:
    """How many messages each recipient got, from the files of SlowFileBackend."""
    return Counter(p.read_text("utf-8") for p in (folder / "mail").glob("*.txt"))


def send_task(redis_url: str, name: str) -> None:
    """Queue a task by name on a drill's broker (the test process's own Celery app talks to
    the configured Redis, not to the private one)."""
    with Celery(broker=redis_url, set_as_current=False) as client:
        client.send_task(name)


class Processes:
    """The product's processes that a drill starts, each logging to a file; whatever is still
    running when the test ends is stopped."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.running: list[subprocess.Popen] = []
        self.logs: list[Path] = []

    def start(self, name: str, args: list[str], env: dict[str, str]) -> subprocess.Popen:
        log = self.folder / f"{len(self.logs)}-{name}.log"
        with log.open("ab") as output:
            process = subprocess.Popen(
                [sys.executable, *args],
                cwd=settings.BASE_DIR,
                env=env,
                stdout=output,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        self.logs.append(log)
        self.running.append(process)
        return process

    def worker(self, env: dict[str, str]) -> subprocess.Popen:
        return self.start(
            "worker",
            [
                *("-m", "celery", "-A", "followup_crm", "worker", "--pool", "solo"),
                *("--loglevel", "INFO", "--without-gossip", "--without-mingle"),
                "--without-heartbeat",
            ],
            env,
        )

    def beat(self, env: dict[str, str]) -> subprocess.Popen:
        return self.start(
            "beat",
            [
                *("-m", "celery", "-A", "followup_crm", "beat", "--loglevel", "INFO"),
                *("--scheduler", "django_celery_beat.schedulers:DatabaseScheduler"),
                *("--pidfile=", "--max-interval", "1"),
            ],
            env,
        )

    def web(self, env: dict[str, str]) -> int:
        """gunicorn with one synchronous worker, as in production: one process that keeps its
        database connection from request to request. Returns its port once it answers."""
        port = spare_port()
        server = self.start(
            "web",
            [
                *("-m", "gunicorn", "followup_crm.wsgi", "--bind", f"127.0.0.1:{port}"),
                *("--workers", "1", "--timeout", "60", "--log-level", "info"),
            ],
            env,
        )
        browser = Browser(port)
        if not wait_until(
            lambda: browser.get("/login/") or server.poll() is not None, START_SECONDS
        ):
            raise AssertionError(self.output())
        assert server.poll() is None, self.output()
        return port

    def stop(self, process: subprocess.Popen, sig: int = signal.SIGTERM) -> None:
        self._signal(process, sig)
        self._wait(process)
        self.running.remove(process)

    def stop_all(self) -> None:
        for process in self.running:  # all at once: each takes a moment to shut down
            self._signal(process, signal.SIGTERM)
        for process in self.running:
            self._wait(process)
        self.running.clear()

    @staticmethod
    def _signal(process: subprocess.Popen, sig: int) -> None:
        if process.poll() is None:
            os.killpg(process.pid, sig)

    @staticmethod
    def _wait(process: subprocess.Popen) -> None:
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait(timeout=30)

    def check_running(self) -> None:
        for process in self.running:
            assert process.poll() is None, self.output()

    def output(self, name: str = "") -> str:
        """The logs of the processes of that name (of all by default), for the message of a
        failed assertion."""
        return "\n".join(
            f"--- {log.name}\n{log.read_text(errors='replace')}"
            for log in self.logs
            if log.name.endswith(f"-{name}.log" if name else ".log")
        )


@pytest.fixture
def processes(folder) -> Iterator[Processes]:
    started = Processes(folder)
    yield started
    started.stop_all()


class Browser:
    """A user of the web server under test: keeps cookies, sends the CSRF token, follows no
    redirect, and returns every status (0 when the server did not answer at all)."""

    def __init__(self, port: int) -> None:
        self.port = port
        self.cookies: dict[str, str] = {}

    def request(
        self, method: str, path: str, fields: dict[str, str] | None = None
    ) -> tuple[int, bytes]:
        headers = {}
        if self.cookies:
            headers["Cookie"] = "; ".join(f"{name}={value}" for name, value in self.cookies.items())
        body = None
        if fields is not None:
            body = urlencode({**fields, "csrfmiddlewaretoken": self.cookies.get("csrftoken", "")})
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=REQUEST_SECONDS)
        try:
            connection.request(method, path, body=body, headers=headers)
            response = connection.getresponse()
            content = response.read()
        except (OSError, http.client.HTTPException):
            return 0, b""
        finally:
            connection.close()
        for header in response.headers.get_all("Set-Cookie") or []:
            for name, morsel in SimpleCookie(header).items():
                self.cookies[name] = morsel.value
        return response.status, content

    def get(self, path: str) -> int:
        return self.request("GET", path)[0]

    def post(self, path: str, fields: dict[str, str]) -> int:
        return self.request("POST", path, fields)[0]

    def health(self) -> tuple[int, dict[str, Any]]:
        status, content = self.request("GET", "/healthz")
        return status, json.loads(content) if status in (200, 503) else {}

    def log_in_as(self, user: AbstractBaseUser) -> None:
        """Log in with a session written to the test database, for a server that shares it:
        the test's users have passwords hashed by the tests' fast hasher, which the server does
        not know."""
        client = DjangoClient()
        client.force_login(user)
        name = settings.SESSION_COOKIE_NAME
        self.cookies[name] = client.cookies[name].value

    def log_in(self, username: str, password: str = PASSWORD) -> None:
        """Log in through the login form, for a server whose users the server itself made."""
        self.get("/login/")  # the CSRF cookie
        status = self.post("/login/", {"username": username, "password": password})
        assert status == 302, f"logging in as {username} answered {status}"
