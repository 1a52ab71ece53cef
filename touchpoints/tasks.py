"""Celery tasks: thin wrappers that call one service each and are safe to run twice."""

from celery import shared_task

from . import services


@shared_task(acks_late=True)
def dispatch_due() -> dict[str, int]:
    result = services.dispatch_due()
    return {"claimed": result.claimed, "sent": result.sent, "failed": result.failed}


@shared_task(acks_late=True)
def mark_missed_calls() -> int:
    return services.mark_missed_calls()


@shared_task(acks_late=True)
def morning_digest() -> int:
    return services.digest_send()


@shared_task(acks_late=True)
def plan_yearly() -> int:
    return services.plan_yearly()
