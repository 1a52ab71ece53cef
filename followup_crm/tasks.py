from celery import shared_task

from . import mail, services


# Writing the same row again is harmless, so a redelivered message may run it twice.
@shared_task(acks_late=True)
def heartbeat() -> None:
    services.heartbeat_record()


# Deleting what is already gone deletes nothing: safe to run twice.
@shared_task(acks_late=True)
def login_records_prune() -> int:
    return services.login_records_prune()


# Claims before sending, so a second delivery of the same message finds nothing to send.
@shared_task(acks_late=True)
def staff_mail_send(mail_id: int | None = None) -> dict[str, int]:
    """Send one queued staff mail (queued on commit), or sweep the outbox (Beat, no id)."""
    result = mail.staff_mail_send_due(only=mail_id)
    return {"claimed": result.claimed, "sent": result.sent, "failed": result.failed}


# Deleting what is already gone deletes nothing: safe to run twice.
@shared_task(acks_late=True)
def api_tokens_prune() -> int:
    return services.api_tokens_prune()
