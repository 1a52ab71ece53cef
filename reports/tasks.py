"""Celery tasks: thin wrappers that call one service each and are safe to run twice."""

from celery import shared_task

from . import services


@shared_task(acks_late=True)
def weekly_summary() -> int:
    return services.weekly_summary_send()
