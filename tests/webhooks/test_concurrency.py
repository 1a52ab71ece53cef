"""Two senders sweeping the outbox at the same moment on PostgreSQL post each delivery once
(SKIP LOCKED and the compare-and-set of the claim)."""

import threading
from unittest import mock

import pytest
from django.db import connection

from tests.clients.factories import make_client
from webhooks import services
from webhooks.models import Delivery, EventType

from .conftest import make_endpoint


@pytest.mark.django_db(transaction=True)
def test_two_sweeps_at_once_post_each_delivery_once(postgres, receiver):
    make_endpoint(receiver.url, events=[EventType.STAGE_CHANGED])
    for number in range(20):
        make_client(name=f"Client {number}")
    barrier = threading.Barrier(2, timeout=10)
    release = services.delivery_release_expired

    def released_together(*, now):
        count = release(now=now)
        barrier.wait()  # both claim at the same moment
        return count

    results = []

    def sweep():
        try:
            results.append(services.delivery_send_due(limit=20))
        finally:
            connection.close()

    with mock.patch.object(services, "delivery_release_expired", released_together):
        threads = [threading.Thread(target=sweep) for _ in range(2)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()

    assert sum(result.delivered for result in results) == 20
    posted = [request.headers["X-Followup-Delivery"] for request in receiver.requests]
    assert sorted(posted) == sorted(str(d.event_id) for d in Delivery.objects.all())
    assert set(Delivery.objects.values_list("status", "attempts")) == {("delivered", 1)}
