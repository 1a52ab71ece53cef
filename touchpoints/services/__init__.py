"""The touchpoints' services, one capability a module: planning from cadences (`planning`,
`yearly`), sending exactly once (`dispatch`), the morning digest (`digest`), postal tasks
(`postal`) and erasure (`erasure`). The calls' own services are in `touchpoints.calls`.
Callers import from here; the modules are the map."""

from .collisions import client_window, one_a_day
from .digest import digest_send
from .dispatch import (
    SYSTEM_SKIP_REASONS,
    DispatchResult,
    dispatch_due,
    release_expired_leases,
)
from .erasure import client_touchpoints_erase
from .planning import (
    EVENT_ANCHORS,
    STALE_AFTER,
    mark_missed_calls,
    plan_for_handoff,
    plan_for_order_event,
    plan_for_refusal,
    plan_for_stage,
    plan_from_anchor,
    plan_pre_delivery,
    replan_promised_date,
    status_update_days,
    step_due_at,
    touchpoints_cancel,
)
from .postal import postal_letters, postal_mark_sent
from .yearly import plan_yearly

__all__ = [
    "EVENT_ANCHORS",
    "STALE_AFTER",
    "SYSTEM_SKIP_REASONS",
    "DispatchResult",
    "client_touchpoints_erase",
    "client_window",
    "digest_send",
    "dispatch_due",
    "mark_missed_calls",
    "one_a_day",
    "plan_for_handoff",
    "plan_for_order_event",
    "plan_for_refusal",
    "plan_for_stage",
    "plan_from_anchor",
    "plan_pre_delivery",
    "plan_yearly",
    "postal_letters",
    "postal_mark_sent",
    "release_expired_leases",
    "replan_promised_date",
    "status_update_days",
    "step_due_at",
    "touchpoints_cancel",
]
