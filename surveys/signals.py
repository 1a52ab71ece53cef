"""What happened to feedback, announced for the apps built on `surveys` (webhooks). Sent inside
the transaction that records the response."""

from django.dispatch import Signal

# response (a Response from a survey link)
survey_answered = Signal()
# response (a Response whose score or NPS is poor, from any source)
low_score = Signal()
