"""The anchor keys (touchpoints.anchors): the planner's and the generator's, and the keys of the
touchpoints already in the database, so their form must not change."""

import datetime as dt

from touchpoints import anchors


def test_the_keys_keep_their_form():
    assert anchors.order_event_key(12, "delivered") == "order:12:delivered"
    assert anchors.promised_key(12, dt.date(2026, 11, 27)) == "order:12:promised:2026-11-27"
    assert anchors.handoff_key(7) == "handoff:7"
    assert anchors.stage_key(5, "advocate") == "client:5:stage:advocate"
    assert anchors.refusal_key(3) == "refusal:3"
    assert anchors.yearly_key(5, 2026) == "client:5:year:2026"
    assert anchors.yearly_key(5, 2026).endswith(anchors.yearly_key_suffix(2026))
