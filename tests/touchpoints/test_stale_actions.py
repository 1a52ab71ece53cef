"""Skipping or moving a call reads the touchpoint's state under a row lock, not as the page saw
it: a call a colleague has just completed is not turned into "skipped" or moved."""

import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from tests.clients.factories import make_client
from touchpoints.calls import touchpoint_reschedule, touchpoint_skip
from touchpoints.models import Touchpoint, TouchpointStatus


@pytest.fixture
def stale_call(sales, account) -> Touchpoint:
    client = make_client(originator=sales, account_manager=account, name="Olga")
    call = Touchpoint.objects.create(
        client=client,
        anchor_key="test:call",
        channel="call",
        assignee=account,
        purpose="How is the sofa?",
        due_at=timezone.now() + dt.timedelta(hours=1),
    )
    seen = Touchpoint.objects.get(pk=call.pk)
    Touchpoint.objects.filter(pk=call.pk).update(status=TouchpointStatus.DONE, outcome="reached")
    return seen


def test_it_does_not_skip_a_call_completed_meanwhile(stale_call, account):
    with pytest.raises(ValidationError, match="already done"):
        touchpoint_skip(touchpoint=stale_call, reason="Away", by=account)

    assert Touchpoint.objects.get(pk=stale_call.pk).status == TouchpointStatus.DONE


def test_it_does_not_move_a_call_completed_meanwhile(stale_call, account):
    later = timezone.now() + dt.timedelta(days=2)
    with pytest.raises(ValidationError, match="already done"):
        touchpoint_reschedule(touchpoint=stale_call, due_at=later, reason="Asked", by=account)

    assert Touchpoint.objects.get(pk=stale_call.pk).due_at < later
