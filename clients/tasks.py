from celery import shared_task

from . import imports


# Safe to run twice: the job is claimed with a compare-and-set before any work, so a
# redelivered message or a second worker finds it taken and does nothing. Its limits are longer
# than the default ones; with Redis the broker's visibility timeout still outlasts them.
@shared_task(soft_time_limit=imports.IMPORT_SOFT_TIME_LIMIT, time_limit=imports.IMPORT_TIME_LIMIT)
def import_job_run(job_id: int) -> None:
    imports.import_job_process(job_id=job_id)


# Safe to run twice: queuing a job again is harmless, and failing a dead one is a
# compare-and-set.
@shared_task
def import_jobs_sweep() -> None:
    imports.import_jobs_sweep()
