"""What happened to a client or an order, announced for the apps that build on `clients`.

`clients` knows nothing of the apps after it; `touchpoints` listens to these to plan and cancel
follow-up. They are sent by the services inside the same transaction as the change, so a
listener that fails rolls the change back, and a listener never sees a change that did not
happen.
"""

from django.dispatch import Signal

# order, event (an applied OrderEvent: placed, ready, ..., cancelled, returned)
order_event_recorded = Signal()
# order, previous (the promised date before the change)
order_promised_date_changed = Signal()
# handoff
handoff_created = Signal()
# handoff (accepted by its account manager)
handoff_accepted = Signal()
# client, from_stage, to_stage
stage_changed = Signal()
# refusal
refusal_recorded = Signal()
# client, by — sent by `client_erase` after the clients' own data is anonymised: the later apps
# blank what they hold about the client (call notes, sent messages, survey answers).
client_erased = Signal()
