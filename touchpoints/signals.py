"""What happened on a call, announced for the apps built on `touchpoints` (surveys counts the
satisfaction a client expressed). Sent inside the transaction that records the attempt."""

from django.dispatch import Signal

# attempt (a CallAttempt)
call_recorded = Signal()
# touchpoint (just done: a reached call, or an automatic message sent)
touchpoint_completed = Signal()
