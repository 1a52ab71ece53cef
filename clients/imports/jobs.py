"""The director's page: an import as an `ImportJob`.

The page runs the real import as an `ImportJob` that a Celery task hands to
`import_job_process`: an uploaded file is checked and kept as a pending job, the director
confirms it, a worker claims and imports it while writing its progress where the page can read
it, and `import_jobs_sweep` queues again the jobs whose message was lost and fails those whose
worker died.
"""

import datetime as dt
from collections.abc import Collection
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from django.conf import settings
from django.db import DEFAULT_DB_ALIAS, connection, connections, transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from ..models import ImportJob
from .apply import User, import_file
from .client_rows import FILL
from .report import ImportReport

# Unconfirmed dry runs of the page older than this are deleted when a new file is uploaded.
ABANDONED_AFTER = dt.timedelta(days=1)
# How long a worker may spend on one import job (the Celery task's limits: ten thousand orders
# run every lifecycle rule each). The soft limit raises inside the import, which rolls back.
IMPORT_SOFT_TIME_LIMIT = 900
IMPORT_TIME_LIMIT = 960
# A confirmed job that no worker has started after this lost its broker message: queue it again.
STALLED_AFTER = dt.timedelta(minutes=5)


@dataclass
class JobView:
    """An import job as the page shows it."""

    job: ImportJob
    dry_run: ImportReport | None
    result: ImportReport | None
    confirmed: bool
    phase: str

    @property
    def awaiting_confirmation(self) -> bool:
        return self.job.status == ImportJob.Status.PENDING and not self.confirmed

    @property
    def in_progress(self) -> bool:
        return self.confirmed and self.job.status in (
            ImportJob.Status.PENDING,
            ImportJob.Status.RUNNING,
        )

    @property
    def state(self) -> str:
        if self.awaiting_confirmation:
            return _("Checked, waiting for confirmation")
        return str(self.job.get_status_display())


def import_job_view(job: ImportJob) -> JobView:
    report = job.report or {}
    return JobView(
        job=job,
        dry_run=ImportReport.from_dict(report["dry_run"]) if "dry_run" in report else None,
        result=ImportReport.from_dict(report["result"]) if "result" in report else None,
        confirmed="confirmed_at" in report,
        phase=report.get("phase", ""),
    )


def import_jobs_recent(*, limit: int = 20) -> list[JobView]:
    jobs = ImportJob.objects.defer("content").select_related("created_by")[:limit]
    return [import_job_view(job) for job in jobs]


def import_upload(
    *,
    kind: str,
    filename: str,
    content: bytes,
    by: User,
    duplicates: str = FILL,
    language: str | None = None,
) -> tuple[ImportReport, ImportJob | None]:
    """The dry run of an uploaded file; a file without bad rows is kept as a pending job for
    the director to confirm."""
    report = import_file(
        kind=kind, content=content, filename=filename, by=by, dry_run=True, duplicates=duplicates
    )
    if not report.ok:
        return report, None
    # Dry runs nobody confirmed would otherwise keep their files for ever.
    ImportJob.objects.filter(
        status=ImportJob.Status.PENDING, created_at__lt=timezone.now() - ABANDONED_AFTER
    ).exclude(report__has_key="confirmed_at").delete()
    job = ImportJob.objects.create(
        kind=kind,
        filename=Path(filename).name[:255],
        content=content,
        created_by=by,
        total_rows=report.total_rows,
        report={
            "options": {
                "duplicates": duplicates,
                "language": language or settings.LANGUAGE_CODE,
            },
            "dry_run": report.to_dict(),
        },
    )
    return report, job


def import_job_confirm(*, job: ImportJob, by: User, accept_conflicts: Collection[int] = ()) -> bool:
    """Queue a checked job for the worker, once: a second click finds it confirmed.
    `accept_conflicts`: the conflicting rows the director ticked to apply too."""
    options = {**job.report.get("options", {}), "accept_conflicts": sorted(accept_conflicts)}
    report = {
        **job.report,
        "options": options,
        "confirmed_at": timezone.now().isoformat(),
        "confirmed_by": by.pk,
    }
    confirmed = (
        ImportJob.objects.filter(pk=job.pk, status=ImportJob.Status.PENDING)
        .exclude(report__has_key="confirmed_at")
        .update(report=report)
    )
    if confirmed:
        job.report = report
        from ..tasks import import_job_run  # the task module imports this one

        # robust: a broker that is down must not fail the director's click with a 500. The
        # confirmation is in the database, and import_jobs_sweep queues the job again when no
        # worker has started it after STALLED_AFTER (the error is logged).
        transaction.on_commit(lambda: import_job_run.delay(job.pk), robust=True)
    return bool(confirmed)


class _JobProgress:
    """Writes a running job's progress where the page can read it.

    The rows are checked outside any transaction, so that progress is an ordinary update. The
    import itself runs in one long transaction whose writes nobody sees before the commit; on
    PostgreSQL the progress goes through a second connection of its own. SQLite has a single
    writer at a time, so there the count jumps to the end when the import commits."""

    def __init__(self, job: ImportJob) -> None:
        self.job = job
        self.side: Any = None

    def __call__(self, phase: str, done: int) -> None:
        jobs = ImportJob.objects.filter(pk=self.job.pk)
        if done == 0:  # a new phase
            self.job.report = {**self.job.report, "phase": phase}
            jobs.update(report=self.job.report, processed_rows=0)
        elif not connection.in_atomic_block:
            jobs.update(processed_rows=done)
        elif connection.vendor == "postgresql":
            if self.side is None:
                self.side = connections.create_connection(DEFAULT_DB_ALIAS)
            table = self.side.ops.quote_name(ImportJob._meta.db_table)
            with self.side.cursor() as cursor:
                cursor.execute(
                    f"UPDATE {table} SET processed_rows = %s WHERE id = %s",  # noqa: S608 - our table name
                    [done, self.job.pk],
                )

    def close(self) -> None:
        if self.side is not None:
            self.side.close()


def import_job_process(*, job_id: int) -> ImportJob | None:
    """Import a confirmed job's file, all or nothing. The job is claimed by a compare-and-set
    before any work, so a duplicate task (a redelivered message, a second worker) does nothing
    and returns None."""
    claimed = ImportJob.objects.filter(
        pk=job_id, status=ImportJob.Status.PENDING, report__has_key="confirmed_at"
    ).update(status=ImportJob.Status.RUNNING, processed_rows=0)
    if not claimed:
        return None
    job = ImportJob.objects.select_related("created_by").get(pk=job_id)
    # The sweep tells a worker that died from one still working by this.
    job.report = {**job.report, "started_at": timezone.now().isoformat()}
    ImportJob.objects.filter(pk=job_id).update(report=job.report)
    options = job.report.get("options", {})
    progress = _JobProgress(job)
    try:
        with translation.override(options.get("language") or settings.LANGUAGE_CODE):
            report = import_file(
                kind=job.kind,
                content=bytes(job.content),
                filename=job.filename,
                by=job.created_by,
                dry_run=False,
                duplicates=options.get("duplicates", FILL),
                progress=progress,
                job=job,
                accept_conflicts=options.get("accept_conflicts", ()),
            )
    except BaseException:
        # Whatever stopped it (a time limit, a lost database), the transaction rolled back:
        # say so on the page instead of leaving the job running for ever.
        _job_finish(job, _stopped(job))
        raise
    finally:
        progress.close()
    _job_finish(job, report)
    return job


def _stopped(job: ImportJob) -> ImportReport:
    with translation.override(job.report.get("options", {}).get("language")):
        message = _("The import stopped unexpectedly; nothing was imported.")
    return ImportReport(kind=job.kind, dry_run=False, file_errors=[message])


def import_jobs_sweep(*, now: dt.datetime | None = None) -> list[int]:
    """The jobs a lost message or a dead worker left behind, found in the database: a confirmed
    job no worker started within STALLED_AFTER is queued again (a duplicate message is harmless:
    the job is claimed once), and a job running longer than any worker may run is marked failed
    (the worker died; its transaction rolled back). Returns the ids queued again."""
    from ..tasks import import_job_run  # the task module imports this one

    now = now or timezone.now()
    dead_after = dt.timedelta(seconds=IMPORT_TIME_LIMIT) + STALLED_AFTER
    queued = []
    unfinished = ImportJob.objects.defer("content").filter(
        status__in=[ImportJob.Status.PENDING, ImportJob.Status.RUNNING],
        report__has_key="confirmed_at",
    )
    for job in unfinished:
        if job.status == ImportJob.Status.PENDING:
            if dt.datetime.fromisoformat(job.report["confirmed_at"]) < now - STALLED_AFTER:
                # robust: with the broker down, the next sweep tries again.
                # A lambda, not a partial: the robust on_commit logs a failure by its __qualname__.
                # mypy cannot infer a lambda with a default argument.
                transaction.on_commit(lambda pk=job.pk: import_job_run.delay(pk), robust=True)  # type: ignore[misc]
                queued.append(job.pk)
            continue
        started_at = job.report.get("started_at") or job.report["confirmed_at"]
        if dt.datetime.fromisoformat(started_at) < now - dead_after:
            ImportJob.objects.filter(pk=job.pk, status=ImportJob.Status.RUNNING).update(
                status=ImportJob.Status.FAILED,
                processed_rows=0,
                report={**job.report, "result": _stopped(job).to_dict()},
                finished_at=now,
            )
    return queued


def _job_finish(job: ImportJob, report: ImportReport) -> None:
    job.status = ImportJob.Status.DONE if report.applied else ImportJob.Status.FAILED
    job.processed_rows = report.total_rows if report.applied else 0
    job.report = {**job.report, "result": report.to_dict()}
    job.finished_at = timezone.now()
    ImportJob.objects.filter(pk=job.pk).update(
        status=job.status,
        processed_rows=job.processed_rows,
        report=job.report,
        finished_at=job.finished_at,
    )
