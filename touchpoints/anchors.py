"""The anchor keys touchpoints are planned from.

A touchpoint's anchor key names what it was planned from; with its step and occurrence it is
unique, so planning the same step for the same anchor twice is impossible. The planner
(touchpoints.services) and anything that writes touchpoints the planner's way (the benchmark's
data generator) make the keys here, so that they agree.
"""

import datetime as dt


def order_event_key(order_id: int, event_type: str) -> str:
    """An order event (placed, ready, at the pickup point, delivered): "order:12:delivered"."""
    return f"order:{order_id}:{event_type}"


def promised_key(order_id: int, promised_date: dt.date) -> str:
    """An order's promised date; a new date is a new anchor: "order:12:promised:2026-11-27"."""
    return f"order:{order_id}:promised:{promised_date.isoformat()}"


def handoff_key(handoff_id: int) -> str:
    """A client handed to an account manager: "handoff:7"."""
    return f"handoff:{handoff_id}"


def stage_key(client_id: int, stage: str) -> str:
    """A client reaching a stage: "client:5:stage:advocate"."""
    return f"client:{client_id}:stage:{stage}"


def refusal_key(refusal_id: int) -> str:
    """A client's refusal: "refusal:3"."""
    return f"refusal:{refusal_id}"


def yearly_key(client_id: int, year: int) -> str:
    """A date of the year for a client: "client:5:year:2026"."""
    return f"client:{client_id}:year:{year}"


def yearly_key_suffix(year: int) -> str:
    """How every yearly key of `year` ends (yearly_key(client_id, year) for any client)."""
    return f":year:{year}"
