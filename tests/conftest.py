"""Shared test setup: named personas for the three roles, the frozen clock (tools in
tests/helpers.py), and the gates for real services.

A test that needs PostgreSQL, Redis or Chromium skips with a message naming what is missing,
unless REQUIRE_SERVICES=1 (as in CI's second pass), where the same condition fails the test.
"""

import os
import shutil
from collections.abc import Iterator

import pytest
from django.contrib.auth.models import Group, User
from django.db import connection

from followup_crm.roles import ACCOUNT_MANAGER, DIRECTOR, SALES_MANAGER
from tests.helpers import DEFAULT_NOW, Clock
from touchpoints.services.planning import active_steps_forget

REQUIRE_SERVICES = os.environ.get("REQUIRE_SERVICES", "") == "1"
PASSWORD = "s3cret-pass"


def missing(what: str) -> None:
    """Skip (or, with REQUIRE_SERVICES=1, fail) a test whose service is not there."""
    if REQUIRE_SERVICES:
        pytest.fail(f"{what} (REQUIRE_SERVICES=1 makes this a failure)", pytrace=False)
    pytest.skip(what)


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """A test under `pytest.mark.clock(moment)` runs on the frozen clock, set up first."""
    for item in items:
        if item.get_closest_marker("clock"):
            if "clock" in item.fixturenames:
                item.fixturenames.remove("clock")
            item.fixturenames.insert(0, "clock")


@pytest.fixture
def clock(request) -> Iterator[Clock]:
    """Time frozen at the moment of the test's `clock` marker, or at DEFAULT_NOW."""
    marker = request.node.get_closest_marker("clock")
    with Clock(marker.args[0] if marker else DEFAULT_NOW) as frozen:
        yield frozen


@pytest.fixture(autouse=True)
def _fast_passwords(settings) -> None:
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def _active_steps_forgotten() -> None:
    """Planning keeps the active cadence steps in the process; a test's own steps (rolled back
    with it) and its `Cadence.objects.update(...)`, which sends no signal, start afresh."""
    active_steps_forget()


def make_user(username: str, role: str | None, **extra: object) -> User:
    user = User.objects.create_user(
        username=username, password=PASSWORD, first_name=username.capitalize(), **extra
    )
    if role:
        # get_or_create: transactional tests flush the groups the migration made.
        user.groups.add(Group.objects.get_or_create(name=role)[0])
    return user


# The personas: Sasha and Semyon sell, Anna and Arkady manage accounts, Dina directs.
@pytest.fixture
def sales(db) -> User:
    return make_user("sasha", SALES_MANAGER)


@pytest.fixture
def other_sales(db) -> User:
    return make_user("semyon", SALES_MANAGER)


@pytest.fixture
def account(db) -> User:
    return make_user("anna", ACCOUNT_MANAGER)


@pytest.fixture
def other_account(db) -> User:
    return make_user("arkady", ACCOUNT_MANAGER)


@pytest.fixture
def director(db) -> User:
    return make_user("dina", DIRECTOR, is_staff=True)


@pytest.fixture(autouse=True)
def staff_mail_handed(monkeypatch) -> list[int]:
    """The ids of the staff mails handed to the broker after a commit, recorded instead of
    queued: no test leaves messages in the broker, and a test sends the outbox with the sweep
    (followup_crm.mail.staff_mail_send_due)."""
    from followup_crm import tasks

    handed: list[int] = []
    monkeypatch.setattr(
        tasks.staff_mail_send, "apply_async", lambda args, **options: handed.append(args[0])
    )
    return handed


@pytest.fixture
def postgres(db) -> None:
    if connection.vendor != "postgresql":
        missing("PostgreSQL is not configured: set DATABASE_URL to run this test")


@pytest.fixture
def redis_url(settings) -> str:
    if not settings.REDIS_URL:
        missing("Redis is not configured: set REDIS_URL to run this test")
    import redis

    try:
        redis.Redis.from_url(settings.REDIS_URL, socket_connect_timeout=2).ping()
    except redis.RedisError as exc:
        missing(f"Redis at REDIS_URL does not answer: {exc}")
    return settings.REDIS_URL


def chromium_executable() -> str | None:
    for candidate in (os.environ.get("CHROMIUM_PATH"), "chromium", "chromium-browser"):
        if candidate and (found := shutil.which(candidate)):
            return found
    return None


@pytest.fixture(scope="session")
def browser() -> Iterator[object]:
    executable = chromium_executable()
    if executable is None:
        missing("Chromium is not installed (apt-get install chromium, or set CHROMIUM_PATH)")
    from playwright.sync_api import sync_playwright

    # Playwright's sync API keeps an event loop in this thread; the ORM calls that tests make
    # around it are still synchronous.
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=executable,
            headless=True,
            args=[
                "--no-sandbox",
                "--disable-gpu",
                "--disable-quic",
                "--no-first-run",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
            ],
        )
        yield browser
        browser.close()


@pytest.fixture
def page(browser, live_server) -> Iterator[object]:
    context = browser.new_context(base_url=live_server.url, locale="en-US")
    page = context.new_page()
    page.set_default_timeout(10_000)
    yield page
    context.close()


def browser_login(page, username: str, password: str = PASSWORD) -> None:
    page.goto("/login/")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Log in").click()


@pytest.fixture
def blocking_mail(settings) -> Iterator[list[int]]:
    """An SMTP server that never answers: the calls made to it (each would hang)."""
    from tests.followup_crm.mail_backends import BlockingBackend

    settings.EMAIL_BACKEND = "tests.followup_crm.mail_backends.BlockingBackend"
    BlockingBackend.calls.clear()
    BlockingBackend.release.clear()
    yield BlockingBackend.calls
    BlockingBackend.release.set()


@pytest.fixture
def flaky_mail(settings) -> Iterator[list[Exception]]:
    """A mail server that fails with the exceptions a test puts in the list, one per send,
    then delivers to mail.outbox."""
    from tests.followup_crm.mail_backends import FlakyBackend

    settings.EMAIL_BACKEND = "tests.followup_crm.mail_backends.FlakyBackend"
    FlakyBackend.failures.clear()
    yield FlakyBackend.failures
    FlakyBackend.failures.clear()


def api_key_for(user: User, name: str = "tests") -> str:
    """A working API key for `user` (for `Authorization: Token <key>`)."""
    from followup_crm.services import api_token_create

    return api_token_create(user=user, name=name)[1]
