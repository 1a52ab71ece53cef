import time_machine

from followup_crm.models import Heartbeat
from followup_crm.tasks import heartbeat


def test_it_records_one_row_that_moves_forward(db):
    with time_machine.travel("2026-11-23 10:00:00+00:00", tick=False):
        heartbeat()
    with time_machine.travel("2026-11-23 10:00:30+00:00", tick=False):
        heartbeat()

    beat = Heartbeat.objects.get()
    assert beat.beat_at.isoformat() == "2026-11-23T10:00:30+00:00"
