from celery import shared_task

from . import services


# Writing the same row again is harmless, so a redelivered message may run it twice.
@shared_task(acks_late=True)
def heartbeat() -> None:
    services.heartbeat_record()


# Deleting what is already gone deletes nothing: safe to run twice.
@shared_task(acks_late=True)
def login_records_prune() -> int:
    return services.login_records_prune()


# Deleting what is already gone deletes nothing: safe to run twice.
@shared_task(acks_late=True)
def api_tokens_prune() -> int:
    return services.api_tokens_prune()
