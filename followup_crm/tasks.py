from celery import shared_task

from . import services


# Writing the same row again is harmless, so a redelivered message may run it twice.
@shared_task(acks_late=True)
def heartbeat() -> None:
    services.heartbeat_record()
