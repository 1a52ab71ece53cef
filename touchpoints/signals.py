"""What happened on a call, announced for the apps built on `touchpoints` (surveys counts the
satisfaction a client expressed). Sent inside the transaction that records the attempt."""

from django.dispatch import Signal

# attempt (a CallAttempt)
call_recorded = Signal()
# touchpoint (just done: a reached call, or an automatic message sent)
touchpoint_completed = Signal()

# attempt (a CallAttempt about to be deleted by an Undo, still in the database): what was
# counted from it goes with it. Sent inside the Undo's transaction.
call_undone = Signal()
