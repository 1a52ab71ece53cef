import subprocess
import sys
from io import StringIO

import pytest
from django.conf import settings
from django.contrib.auth.models import Group, User
from django.core.management import CommandError, call_command
from django_celery_beat.models import IntervalSchedule, PeriodicTask

from clients.models import Client
from followup_crm.periodic import PERIODIC_JOBS
from followup_crm.roles import ROLES


def test_the_migration_creates_the_roles(db):
    assert set(Group.objects.values_list("name", flat=True)) >= set(ROLES)


def test_setup_periodic_tasks_is_idempotent_and_removes_strays(db):
    every_minute = IntervalSchedule.objects.create(every=60, period=IntervalSchedule.SECONDS)
    PeriodicTask.objects.create(name="stray", task="gone.task", interval=every_minute)
    with pytest.raises(PeriodicTask.DoesNotExist):
        PeriodicTask.objects.get(name="heartbeat")

    call_command("setup_periodic_tasks", stdout=StringIO())
    call_command("setup_periodic_tasks", stdout=StringIO())

    tasks = PeriodicTask.objects.order_by("name")
    assert [task.name for task in tasks] == sorted(job.name for job in PERIODIC_JOBS)
    heartbeat = PeriodicTask.objects.get(name="heartbeat")
    assert heartbeat.task == "followup_crm.tasks.heartbeat"
    assert heartbeat.interval.every == 30


def test_load_demo_creates_the_demo_logins_once(db):
    out = StringIO()
    call_command("load_demo", "--if-empty", stdout=out)

    for username in ("sales", "account", "director"):
        user = User.objects.get(username=username)
        assert user.check_password("demo")
        assert user.groups.count() == 1
    assert "http://127.0.0.1:8000/" in out.getvalue()

    count = User.objects.count()
    call_command("load_demo", "--if-empty", stdout=StringIO())
    assert User.objects.count() == count
    with pytest.raises(CommandError, match="not empty"):
        call_command("load_demo", stdout=StringIO())


def test_load_demo_refuses_in_production(db, settings):
    settings.PRODUCTION = True

    with pytest.raises(CommandError, match="production"):
        call_command("load_demo", stdout=StringIO())
    assert not User.objects.exists()


def test_the_production_mode_passes_the_deploy_check(tmp_path):
    env = {
        "FOLLOWUP_ENV": "production",
        "SECRET_KEY": "x" * 20 + "production-test-key-with-enough-variety-1234567890",
        "ALLOWED_HOSTS": "crm.example.com",
        "DATA_DIR": str(tmp_path),
        "PATH": "/usr/bin:/bin",
    }
    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=settings.BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )

    assert result.returncode == 0, result.stderr
    assert "no issues" in result.stdout


def test_the_production_mode_refuses_a_missing_secret_key(tmp_path):
    env = {
        "FOLLOWUP_ENV": "production",
        "ALLOWED_HOSTS": "crm.example.com",
        "DATA_DIR": str(tmp_path),
        "PATH": "/usr/bin:/bin",
    }
    result = subprocess.run(
        [sys.executable, "manage.py", "check"],
        cwd=settings.BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )

    assert result.returncode != 0
    assert "SECRET_KEY" in result.stderr


def test_the_demo_shows_an_erased_client_whose_orders_stay(db):
    call_command("load_demo", "--if-empty", stdout=StringIO())

    [erased] = Client.objects.filter(erased_at__isnull=False)
    assert erased.name == f"Erased client #{erased.pk}"
    assert erased.erased_by.username == "director"
    assert erased.orders.count() >= 2  # a repeat buyer: the orders and the stage are kept
    assert not erased.phones.exists()
    assert not erased.touchpoints.filter(status="planned").exists()
