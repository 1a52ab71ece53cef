"""Login records (django-axes) are pruned after LOGIN_RECORDS_KEEP_DAYS; recent ones stay."""

import datetime as dt

from axes.models import AccessAttempt, AccessFailureLog, AccessLog
from django.utils import timezone

from followup_crm.periodic import PERIODIC_JOBS
from followup_crm.services import login_records_prune
from followup_crm.tasks import login_records_prune as prune_task


def record(model, days_ago: int, **fields):
    row = model.objects.create(username="sales", ip_address="10.0.0.1", user_agent="t", **fields)
    model.objects.filter(pk=row.pk).update(
        attempt_time=timezone.now() - dt.timedelta(days=days_ago)
    )
    return row


def test_it_deletes_the_login_records_older_than_the_keep_days(db, settings):
    settings.LOGIN_RECORDS_KEEP_DAYS = 30
    old_login, new_login = record(AccessLog, 31), record(AccessLog, 29)
    old_failure, new_failure = record(AccessFailureLog, 31), record(AccessFailureLog, 1)
    lock = record(AccessAttempt, 31, failures_since_start=5)

    assert login_records_prune() == 2

    assert set(AccessLog.objects.values_list("pk", flat=True)) == {new_login.pk}
    assert set(AccessFailureLog.objects.values_list("pk", flat=True)) == {new_failure.pk}
    assert AccessAttempt.objects.filter(pk=lock.pk).exists()  # axes lifts locks itself
    assert not AccessLog.objects.filter(pk=old_login.pk).exists()
    assert not AccessFailureLog.objects.filter(pk=old_failure.pk).exists()


def test_the_nightly_job_runs_it_and_twice_is_harmless(db, settings):
    settings.LOGIN_RECORDS_KEEP_DAYS = 30
    record(AccessLog, 40)

    assert prune_task() == 1
    assert prune_task() == 0
    assert "followup_crm.tasks.login_records_prune" in {job.task for job in PERIODIC_JOBS}
