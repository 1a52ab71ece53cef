"""The outbox: an event is queued in the transaction of its fact and posted after the commit,
retried with a backoff while the receiver fails, posted once per endpoint, never for a change
that rolled back, and marked failed after a day."""

import datetime as dt
import uuid

import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from clients import services as client_services
from clients.models import Handoff, OrderStatus, Refusal
from followup_crm.periodic import PERIODIC_JOBS, Every
from surveys import services as survey_services
from surveys.models import Survey
from tests.clients.factories import make_client, make_order
from tests.surveys.conftest import answers
from webhooks import services, tasks
from webhooks.models import Delivery, EventType

from .conftest import make_endpoint

NOW = dt.datetime(2026, 11, 16, 9, tzinfo=dt.UTC)


@pytest.fixture
def frozen():
    with time_machine.travel(NOW, tick=False) as traveller:
        yield traveller


def stage_events(receiver, **fields):
    return make_endpoint(receiver.url, events=[EventType.STAGE_CHANGED], **fields)


def test_it_queues_on_commit_and_the_task_posts(
    db, receiver, webhooks_handed, django_capture_on_commit_callbacks
):
    stage_events(receiver)
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        make_client(name="Vera")
    [delivery] = Delivery.objects.all()
    assert webhooks_handed == []  # nothing handed to the broker before the commit
    for callback in callbacks:
        callback()
    assert webhooks_handed == [delivery.pk]

    assert tasks.webhook_deliver(delivery.pk) == {"claimed": 1, "delivered": 1, "failed": 0}

    delivery.refresh_from_db()
    assert (delivery.status, delivery.status_code, delivery.attempts) == ("delivered", 200, 1)
    assert len(receiver.requests) == 1


def test_an_event_of_a_rolled_back_change_is_never_posted(
    db, receiver, webhooks_handed, django_capture_on_commit_callbacks
):
    stage_events(receiver)
    with (
        django_capture_on_commit_callbacks(execute=True),
        pytest.raises(RuntimeError),
        transaction.atomic(),
    ):
        make_client(name="Vera")
        assert Delivery.objects.count() == 1  # written with the fact...
        raise RuntimeError("the request failed after the client was created")

    assert Delivery.objects.count() == 0  # ...and gone with it
    assert webhooks_handed == []
    assert services.delivery_send_due().claimed == 0
    assert receiver.requests == []


def test_a_500_then_a_200_gives_one_delivery_after_the_backoff(db, receiver, frozen):
    stage_events(receiver)
    make_client(name="Vera")
    receiver.answers = [500]

    first = services.delivery_send_due()
    assert (first.claimed, first.retried) == (1, 1)
    delivery = Delivery.objects.get()
    assert (delivery.status, delivery.status_code) == ("queued", 500)
    assert delivery.next_attempt_at == NOW + dt.timedelta(seconds=30)

    frozen.shift(dt.timedelta(seconds=29))
    assert services.delivery_send_due().claimed == 0  # the backoff is respected
    frozen.shift(dt.timedelta(seconds=1))
    assert services.delivery_send_due().delivered == 1

    delivery.refresh_from_db()
    assert (delivery.status, delivery.status_code, delivery.attempts) == ("delivered", 200, 2)
    assert [request.headers["status"] for request in receiver.requests] == ["500", "200"]
    ids = {request.headers["X-Followup-Delivery"] for request in receiver.requests}
    assert ids == {str(delivery.event_id)}  # the same id on the retry


def test_the_receiver_down_for_several_sweeps_gets_each_event_once(db, receiver, frozen):
    stage_events(receiver)
    for name in ("Vera", "Oleg", "Maria"):
        make_client(name=name)
    receiver.down = True
    for _minute in range(10):  # Beat's sweep, every minute, while the receiver is down
        services.delivery_send_due()
        frozen.shift(dt.timedelta(minutes=1))
    assert len(receiver.requests) > 3  # several attempts each, none delivered
    assert set(Delivery.objects.values_list("status", flat=True)) == {"queued"}

    receiver.down = False
    for _minute in range(10):
        services.delivery_send_due()
        frozen.shift(dt.timedelta(minutes=1))

    delivered = [request.headers["X-Followup-Delivery"] for request in receiver.delivered]
    assert sorted(delivered) == sorted(str(d.event_id) for d in Delivery.objects.all())
    assert set(Delivery.objects.values_list("status", flat=True)) == {"delivered"}


def test_it_gives_up_after_a_day(db, receiver, frozen):
    stage_events(receiver)
    make_client(name="Vera")
    receiver.down = True
    services.delivery_send_due()
    while Delivery.objects.filter(status="queued").exists():
        frozen.move_to(Delivery.objects.get().next_attempt_at)
        services.delivery_send_due()

    delivery = Delivery.objects.get()
    assert (delivery.status, delivery.status_code) == ("failed", 503)
    # The last attempt was within the day, and the next would have been past it.
    assert NOW + dt.timedelta(hours=23) < timezone.now() <= NOW + dt.timedelta(days=1)
    assert 10 < delivery.attempts < 40  # backed off, up to an hour apart
    assert len(receiver.requests) == delivery.attempts


def test_a_redirect_is_not_followed(db, receiver):
    stage_events(receiver)
    make_client(name="Vera")
    receiver.answers = [302]

    result = services.delivery_send_due()

    assert result.retried == 1
    assert len(receiver.requests) == 1
    assert Delivery.objects.get().status_code == 302


def test_an_unreachable_endpoint_is_retried(db):
    make_endpoint("http://127.0.0.1:9/nothing-listens-here")
    make_client(name="Vera")

    assert services.delivery_send_due().retried == 1
    assert "unreachable" in Delivery.objects.get().error


def test_a_sender_killed_after_its_claim_leaves_the_row_to_the_next_sweep(db, receiver, frozen):
    stage_events(receiver)
    make_client(name="Vera")
    Delivery.objects.update(
        status="sending", lease_until=NOW + dt.timedelta(minutes=5), lease_owner="dead", attempts=1
    )
    assert services.delivery_send_due().claimed == 0  # its sender may still be at it

    frozen.shift(dt.timedelta(minutes=6))
    result = services.delivery_send_due()

    assert (result.released, result.delivered) == (1, 1)
    assert Delivery.objects.get().attempts == 2


def test_only_subscribed_active_endpoints_get_an_event(db, receiver):
    wanted = stage_events(receiver)
    make_endpoint(receiver.url, events=[EventType.REFUSAL_RECORDED])
    stage_events(receiver, is_active=False)

    make_client(name="Vera")

    assert list(Delivery.objects.values_list("endpoint", flat=True)) == [wanted.pk]


def test_the_same_event_is_one_row_per_endpoint(db, receiver):
    endpoint = stage_events(receiver)
    make_client(name="Vera")
    event_id = Delivery.objects.get().event_id

    with pytest.raises(Exception), transaction.atomic():  # noqa: B017 - the database's error
        Delivery.objects.create(
            endpoint=endpoint,
            event_id=event_id,
            event_type=EventType.STAGE_CHANGED,
            body="{}",
            give_up_at=NOW,
        )


def test_the_facts_of_each_app_become_events(db, receiver, sales, account):
    make_endpoint(receiver.url)
    buyer = make_client(originator=sales, account_manager=account, name="Vera", language="en")
    order = make_order(buyer, external_id="SHOP-9", by=sales)
    client_services.order_record_event(
        order=order, type=OrderStatus.DELIVERED, at=order.placed_at, by=sales
    )
    client_services.handoff_accept(handoff=Handoff.objects.get(client=buyer), by=account)
    client_services.refusal_record(client=buyer, reason=Refusal.Reason.PRICE, by=account)
    survey = Survey.objects.get(slug="after-delivery")
    invitation = survey_services.invitation_for(survey=survey, client=buyer, order=order)
    survey_services.survey_answer(invitation=invitation, data=answers(survey, score="1"))

    types = set(Delivery.objects.values_list("event_type", flat=True))
    assert types >= {
        "client.stage_changed",
        "order.event_recorded",
        "handoff.accepted",
        "refusal.recorded",
        "survey.answered",
        "feedback.low_score",
    }
    services.delivery_send_due(limit=100)
    order_events = [
        request.payload["data"]
        for request in receiver.requests
        if request.payload["type"] == "order.event_recorded"
    ]
    assert {(data["order_external_id"], data["event"]) for data in order_events} == {
        ("SHOP-9", "placed"),
        ("SHOP-9", "delivered"),
    }


def test_the_sweep_costs_a_fixed_number_of_queries(db, receiver):
    stage_events(receiver)
    make_client(name="Vera")
    with CaptureQueriesContext(connection) as one:
        services.delivery_send_due()
    for number in range(5):
        make_client(name=f"Client {number}")
    with CaptureQueriesContext(connection) as five:
        services.delivery_send_due()

    # Per sweep: the release of expired leases, the claim (savepoint, locked read,
    # compare-and-set, release) and the read of the claimed rows with their endpoints; then one
    # write per delivery, its outcome.
    assert len(one) == 7
    assert len(five) - len(one) == 4


def test_endpoints_take_only_web_addresses_and_known_events(db):
    with pytest.raises(ValidationError) as error:
        services.endpoint_create(
            by=None, url="file:///etc/passwd", secret="x" * 20, events=["client.stage_changed"]
        )
    assert set(error.value.message_dict) == {"url"}
    with pytest.raises(ValidationError) as error:
        services.endpoint_create(by=None, url="https://x.example", secret="short", events=["nope"])
    assert set(error.value.message_dict) == {"secret", "events"}


def test_beat_sweeps_every_minute():
    [job] = [job for job in PERIODIC_JOBS if job.task == "webhooks.tasks.webhook_deliver"]
    assert job.schedule == Every(seconds=60)


def test_a_redelivery_posts_again_with_the_same_id(db, receiver):
    stage_events(receiver)
    make_client(name="Vera")
    services.delivery_send_due()

    queued = services.delivery_redeliver(deliveries=Delivery.objects.all())
    services.delivery_send_due()

    assert queued == 1
    assert len(receiver.requests) == 2
    assert len({request.headers["X-Followup-Delivery"] for request in receiver.requests}) == 1
    assert uuid.UUID(receiver.requests[0].headers["X-Followup-Delivery"])
