from celery import shared_task

from . import services


# Claims before posting, so a second delivery of the same message finds nothing to post.
@shared_task(acks_late=True)
def webhook_deliver(delivery_id: int | None = None) -> dict[str, int]:
    """Post one queued delivery (queued on commit), or sweep the outbox (Beat, no id)."""
    result = services.delivery_send_due(only=delivery_id)
    return {"claimed": result.claimed, "delivered": result.delivered, "failed": result.failed}
