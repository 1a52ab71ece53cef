"""Backup and restore (scripts/): the check script backs up the test database, restores it into
a new database and finds every row there; restore.sh will not overwrite a database in use."""

import datetime as dt
import importlib.util
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path
from types import ModuleType

import pytest
from django.conf import settings
from django.contrib.auth.models import User
from django.db import connection
from django.utils import timezone

from clients.models import Client, Order
from tests.clients.factories import make_client, make_order
from tests.conftest import missing
from tests.followup_crm.test_celery_worker import worker_database_url
from touchpoints.models import Touchpoint

SCRIPTS = Path(settings.BASE_DIR) / "scripts"


def load_check_module() -> ModuleType:
    spec = importlib.util.spec_from_file_location("backup_check", SCRIPTS / "backup_check.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture
def database_url(postgres) -> str:
    absent = [tool for tool in ("pg_dump", "pg_restore", "psql") if shutil.which(tool) is None]
    if absent:
        missing(f"{', '.join(absent)} not on PATH (apt-get install postgresql-client)")
    return worker_database_url()


def script(command: list[str], **env: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        command,
        env={**os.environ, **env},
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )


def database_names() -> set[str]:
    """The databases of the server (other tests and people may add theirs meanwhile)."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT datname FROM pg_database")
        return {name for (name,) in cursor.fetchall()}


def make_clients_with_calls(sales, account, count: int) -> None:
    for n in range(count):
        client = make_client(originator=sales, account_manager=account, name=f"Buyer {n}")
        order = make_order(client, external_id=f"SHOP-{n}", by=sales)
        Touchpoint.objects.create(
            client=client,
            order=order,
            anchor_key=f"test:{n}",
            due_at=timezone.now() + dt.timedelta(days=n),
            assignee=account,
            channel="call",
            purpose="Delivery-day call",
        )


@pytest.mark.services
@pytest.mark.django_db(transaction=True)
def test_it_restores_every_row_of_every_table(database_url, sales, account):
    make_clients_with_calls(sales, account, 3)
    touchpoints = Touchpoint.objects.count()
    users = User.objects.count()
    database = connection.settings_dict["NAME"]

    result = script([sys.executable, str(SCRIPTS / "backup_check.py")], DATABASE_URL=database_url)

    assert result.returncode == 0, result.stdout + result.stderr
    counts = {
        match["table"]: (int(match["source"]), int(match["restored"]))
        for match in re.finditer(
            r"^(?P<table>\w+) +(?P<source>\d+) +(?P<restored>\d+)$", result.stdout, re.MULTILINE
        )
    }
    assert counts["clients_client"] == (3, 3)
    assert counts["clients_order"] == (3, 3)
    history, restored_history = counts["clients_historicalclient"]
    assert history == restored_history >= 3
    assert counts["touchpoints_touchpoint"] == (touchpoints, touchpoints)
    assert counts["auth_user"] == (users, users)
    assert "django_celery_beat_periodictask" in counts
    assert "\nOK: " in result.stdout
    copies = {name for name in database_names() if name.startswith(f"{database}_check_")}
    assert copies == set(), "the restored copy is dropped again"


@pytest.mark.services
@pytest.mark.django_db(transaction=True)
def test_restore_refuses_to_overwrite_a_database_that_holds_tables(
    database_url, sales, account, tmp_path
):
    make_clients_with_calls(sales, account, 1)
    backup = script([str(SCRIPTS / "backup.sh"), str(tmp_path)], DATABASE_URL=database_url)
    assert backup.returncode == 0, backup.stderr
    path, size = backup.stdout.strip().split("\t")
    assert Path(path).parent == tmp_path and Path(path).stat().st_size > 0 and size

    refused = script([str(SCRIPTS / "restore.sh"), path, database_url])

    assert refused.returncode == 1
    assert "refusing to overwrite" in refused.stderr and "--force" in refused.stderr
    assert Client.objects.count() == 1 and Order.objects.count() == 1


def test_the_check_reports_every_difference():
    check = load_check_module()

    found = check.differences(
        {"clients_client": 3, "clients_order": 5, "old_table": 1},
        {"clients_client": 3, "clients_order": 4, "new_table": 0},
    )

    assert found == [
        "clients_order: 5 rows, 4 restored",
        "new_table: in the restored database only",
        "old_table: missing from the restored database",
    ]
