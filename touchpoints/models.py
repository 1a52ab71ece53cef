"""Cadences and their steps, message templates, touchpoints and the record of every send.

A cadence is data: directors edit it in the admin. Planning (services.py) turns a step and an
anchor (an order event, a handoff, a refusal, a date in the year) into touchpoints; the
dispatcher sends the automatic ones when the database says they are due.
"""

import datetime as dt
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from clients.models import Channel, Client, Order, Stage
from followup_crm.validators import no_control_characters

if TYPE_CHECKING:
    from django.utils.functional import Promise

    from .call_context import CallReason
    from .forms import CallReportForm, CallRescheduleForm, SkipForm

# The channels the system sends messages in by itself.
MESSAGE_CHANNELS = (Channel.EMAIL, Channel.SMS, Channel.TELEGRAM)


class Cadence(models.Model):
    slug = models.SlugField(_("code"), max_length=50, unique=True)
    name = models.CharField(_("name"), max_length=200)
    description = models.TextField(_("description"), blank=True)
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("cadence")
        verbose_name_plural = _("cadences")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class MessageTemplate(models.Model):
    """A message in one channel and language, in Django template syntax (context: see README)."""

    slug = models.SlugField(_("code"), max_length=50)
    channel = models.CharField(_("channel"), max_length=10, choices=Channel)
    language = models.CharField(_("language"), max_length=8, choices=settings.LANGUAGES)
    subject = models.CharField(
        _("subject"), max_length=200, blank=True, validators=[no_control_characters]
    )
    body_text = models.TextField(_("text"))
    body_html = models.TextField(
        _("HTML"), blank=True, help_text=_("E-mail only; empty sends the text version alone.")
    )

    class Meta:
        verbose_name = _("message template")
        verbose_name_plural = _("message templates")
        ordering = ["slug", "channel", "language"]
        constraints = [
            models.UniqueConstraint(
                fields=["slug", "channel", "language"], name="template_unique_per_language"
            )
        ]

    def __str__(self) -> str:
        return f"{self.slug} ({self.get_channel_display()}, {self.language})"


class Anchor(models.TextChoices):
    ORDER_PLACED = "order_placed", _("Order placed")
    ORDER_READY = "order_ready", _("Order ready")
    ORDER_AT_PICKUP = "order_at_pickup", _("Order at the pickup point")
    ORDER_DELIVERED = "order_delivered", _("Order delivered")
    PROMISED_DATE = "promised_date", _("Promised delivery date")
    HANDOFF = "handoff", _("Handoff")
    STAGE_REACHED = "stage_reached", _("Stage reached")
    REFUSAL = "refusal", _("Refusal")
    YEARLY_DATE = "yearly_date", _("Date in the year")


class Performer(models.TextChoices):
    ACCOUNT_MANAGER = "account_manager", _("Account manager")
    SALES_MANAGER = "sales_manager", _("Sales manager")
    SYSTEM = "system", _("The system")


class OffsetUnit(models.TextChoices):
    HOURS = "hours", _("hours")
    DAYS = "days", _("days")
    WEEKS = "weeks", _("weeks")
    MONTHS = "months", _("months")
    YEARS = "years", _("years")


class CadenceStep(models.Model):
    class Kind(models.TextChoices):
        SINGLE = "single", _("Once")
        YEARLY = "yearly", _("Once, then every year")
        STATUS_SERIES = "status_series", _("Status updates until the promised date")

    class Audience(models.TextChoices):
        BUYERS = "buyers", _("Every buyer")
        BUYERS_OF_THE_YEAR = "buyers_of_year", _("Buyers of this year")

    class Scope(models.TextChoices):
        ORDER = "order", _("Per order")
        CLIENT = "client", _("Once per client")

    cadence = models.ForeignKey(Cadence, on_delete=models.CASCADE, related_name="steps")
    slug = models.SlugField(_("code"), max_length=50)
    position = models.PositiveSmallIntegerField(_("position"), default=0)
    kind = models.CharField(_("repeats"), max_length=15, choices=Kind, default=Kind.SINGLE)
    anchor = models.CharField(_("anchor event"), max_length=20, choices=Anchor)
    anchor_stage = models.CharField(
        _("stage"), max_length=10, choices=Stage, blank=True, help_text=_("For “stage reached”.")
    )
    offset = models.IntegerField(_("offset"), default=0, help_text=_("Negative: before."))
    offset_unit = models.CharField(
        _("offset unit"), max_length=10, choices=OffsetUnit, default=OffsetUnit.DAYS
    )
    month = models.PositiveSmallIntegerField(
        _("month"),
        null=True,
        blank=True,
        validators=[MinValueValidator(1), MaxValueValidator(12)],
        help_text=_("For “date in the year”."),
    )
    day = models.PositiveSmallIntegerField(
        _("day"), null=True, blank=True, validators=[MinValueValidator(1), MaxValueValidator(31)]
    )
    audience = models.CharField(
        _("audience"),
        max_length=15,
        choices=Audience,
        default=Audience.BUYERS,
        help_text=_("For “date in the year”: whom it goes to."),
    )
    scope = models.CharField(
        _("planned"),
        max_length=10,
        choices=Scope,
        default=Scope.ORDER,
        help_text=_(
            "Per order: every order plans its own. Once per client: a step about the "
            "relationship (a letter, a greeting, the six-month call) is planned once within the "
            "window, however many orders fall in it."
        ),
    )
    scope_window_days = models.PositiveSmallIntegerField(
        _("window (days)"),
        default=0,
        help_text=_(
            "For “once per client”: no second one is planned this many days before or after "
            "one the client already has."
        ),
    )
    channel = models.CharField(_("channel"), max_length=10, choices=Channel)
    performer = models.CharField(_("who does it"), max_length=20, choices=Performer)
    purpose = models.CharField(_("purpose"), max_length=255)
    talking_points = models.TextField(_("talking points"), blank=True)
    template_slug = models.SlugField(
        _("message template"),
        max_length=50,
        blank=True,
        help_text=_("The code of the message template, for messages the system sends."),
    )
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("cadence step")
        verbose_name_plural = _("cadence steps")
        ordering = ["cadence", "position", "id"]
        constraints = [
            models.UniqueConstraint(fields=["cadence", "slug"], name="step_unique_in_cadence")
        ]

    def __str__(self) -> str:
        return f"{self.cadence}: {self.purpose}"

    @property
    def is_automatic(self) -> bool:
        return self.performer == Performer.SYSTEM and self.channel in MESSAGE_CHANNELS


class TouchpointStatus(models.TextChoices):
    PLANNED = "planned", _("Planned")
    SENDING = "sending", _("Sending")
    DONE = "done", _("Done")
    MISSED = "missed", _("Missed")
    SKIPPED = "skipped", _("Skipped")
    CANCELLED = "cancelled", _("Cancelled")
    FAILED = "failed", _("Failed")


OPEN_STATUSES = (TouchpointStatus.PLANNED, TouchpointStatus.SENDING)


class Touchpoint(models.Model):
    """One planned contact with one client: a call, a message, a card or a letter."""

    client = models.ForeignKey(Client, on_delete=models.CASCADE, related_name="touchpoints")
    order = models.ForeignKey(
        Order, null=True, blank=True, on_delete=models.SET_NULL, related_name="touchpoints"
    )
    step = models.ForeignKey(
        CadenceStep, null=True, blank=True, on_delete=models.PROTECT, related_name="touchpoints"
    )
    # What the touchpoint was planned from, e.g. "order:12:delivered" or "year:2027"; with the
    # step and the occurrence it is unique, so the same step is never planned twice for it.
    anchor_key = models.CharField(_("anchor"), max_length=100)
    occurrence = models.PositiveSmallIntegerField(_("occurrence"), default=0)
    due_at = models.DateTimeField(_("due"))
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("assignee"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="touchpoints",
    )
    channel = models.CharField(_("channel"), max_length=10, choices=Channel)
    is_automatic = models.BooleanField(_("sent by the system"), default=False)
    purpose = models.CharField(_("purpose"), max_length=255)
    talking_points = models.TextField(_("talking points"), blank=True)
    template_slug = models.SlugField(_("message template"), max_length=50, blank=True)
    is_urgent = models.BooleanField(_("urgent"), default=False)
    status = models.CharField(
        _("status"), max_length=10, choices=TouchpointStatus, default=TouchpointStatus.PLANNED
    )
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    # While a dispatcher holds the row (status "sending"): until when, and who.
    lease_until = models.DateTimeField(_("lease until"), null=True, blank=True)
    lease_owner = models.CharField(max_length=64, blank=True)
    outcome = models.CharField(_("outcome"), max_length=30, blank=True)
    note = models.TextField(_("note"), blank=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    closed_at = models.DateTimeField(_("closed"), null=True, blank=True)

    class Meta:
        verbose_name = _("touchpoint")
        verbose_name_plural = _("touchpoints")
        ordering = ["due_at", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["step", "anchor_key", "occurrence"],
                condition=Q(step__isnull=False),
                name="touchpoint_once_per_step_and_anchor",
            ),
            # Touchpoints a rule makes without a step (an agreed next contact, a recovery
            # call) carry a key of their own: the same event never makes two.
            models.UniqueConstraint(
                fields=["anchor_key"],
                condition=Q(step__isnull=True)
                & (Q(anchor_key__startswith="next:") | Q(anchor_key__startswith="recovery:")),
                name="touchpoint_once_per_rule_anchor",
            ),
        ]
        indexes = [
            # The dispatcher's queue: automatic rows waiting to be sent, by due time.
            models.Index(
                fields=["due_at"],
                condition=Q(status="planned", is_automatic=True),
                name="touchpoint_send_queue",
            ),
            models.Index(
                fields=["lease_until"], condition=Q(status="sending"), name="touchpoint_leases"
            ),
            # A manager's call list: their open rows by due time.
            models.Index(
                fields=["assignee", "due_at"],
                condition=Q(status="planned"),
                name="touchpoint_worklist",
            ),
            # What people owe, by due time, with what the reports' discipline figures read:
            # an index-only scan of the period instead of a scan of the whole table.
            models.Index(
                fields=["due_at"],
                include=["assignee", "status", "closed_at", "id"],
                condition=Q(is_automatic=False),
                name="touchpoint_owed",
            ),
            # What people owe and have not done, by due time: the reports' "overdue now".
            models.Index(
                fields=["due_at"],
                include=["assignee", "id"],
                condition=Q(status="planned", is_automatic=False),
                name="touchpoint_owed_open",
            ),
            # Clients in recovery: an urgent call still open (the call list's badge, the
            # reports' count of open recovery calls).
            models.Index(
                fields=["client"],
                condition=Q(status="planned", is_urgent=True),
                name="touchpoint_open_recovery",
            ),
            models.Index(fields=["client", "due_at"]),
            models.Index(fields=["order", "status"]),
            # The call list's "done today" counter.
            models.Index(fields=["assignee", "closed_at"]),
        ]

    # Not columns. The call list's annotations (selectors.call_rows):
    last_outcome: str | None
    last_at: dt.datetime | None
    in_recovery: bool
    recovery_reason: str | None
    recovery_key: str | None
    # and what its pages set on the rows they show (views._Rows, views._attach_forms,
    # row_extras.attach).
    client_clock: str
    good_time: bool
    is_overdue: bool
    is_due_today: bool
    due_iso: str
    due_text: str
    overdue_text: str
    last_iso: str
    last_text: str
    last_outcome_label: str
    stage_label: str
    phone_e164: str
    phone_text: str
    amount_text: str
    client_url: str
    detail_url: str
    forms_url: str
    companions: "list[Touchpoint]"
    reasons: "list[CallReason]"
    forms_ready: bool
    open_form: str
    complete_form: "CallReportForm"
    reschedule_form: "CallRescheduleForm"
    skip_form: "SkipForm"
    next_picks: list[tuple[str, str, str]]
    presets: "list[tuple[str, str | Promise, str]]"
    extras: list[dict[str, Any]]

    def __str__(self) -> str:
        return f"{self.client}: {self.purpose} @ {self.due_at:%Y-%m-%d %H:%M}"


class SendRecord(models.Model):
    """The one record of sending a touchpoint's message; unique per touchpoint."""

    class Status(models.TextChoices):
        SENDING = "sending", _("Sending")
        SENT = "sent", _("Sent")
        FAILED = "failed", _("Failed")
        SKIPPED = "skipped", _("Not sent")

    touchpoint = models.OneToOneField(
        Touchpoint, on_delete=models.CASCADE, related_name="send_record"
    )
    channel = models.CharField(_("channel"), max_length=10, choices=Channel)
    recipient = models.CharField(_("to"), max_length=255, blank=True)
    subject = models.CharField(_("subject"), max_length=255, blank=True)
    body = models.TextField(_("text"), blank=True)
    status = models.CharField(_("status"), max_length=10, choices=Status)
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    error = models.TextField(_("error"), blank=True)
    provider_id = models.CharField(_("provider's id"), max_length=255, blank=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    sent_at = models.DateTimeField(_("sent"), null=True, blank=True)

    class Meta:
        verbose_name = _("send record")
        verbose_name_plural = _("send records")
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.get_channel_display()} → {self.recipient}: {self.get_status_display()}"


class CallOutcome(models.TextChoices):
    REACHED = "reached", _("Reached")
    NO_ANSWER = "no_answer", _("No answer")
    BUSY = "busy", _("Busy")
    WRONG_NUMBER = "wrong_number", _("Wrong number")
    CALL_BACK = "call_back", _("Asked to call back")
    REFUSED = "refused", _("Refused")


class OfferAnswer(models.TextChoices):
    NOT_OFFERED = "", _("Not offered")
    ACCEPTED = "accepted", _("Accepted")
    DECLINED = "declined", _("Declined")
    THINKING = "thinking", _("Will think")


class CallAttempt(models.Model):
    """One attempt at a call and what came of it; a touchpoint may have several (no answer,
    busy, then reached)."""

    touchpoint = models.ForeignKey(
        Touchpoint, on_delete=models.CASCADE, related_name="attempts_made"
    )
    client = models.ForeignKey(Client, on_delete=models.CASCADE, related_name="call_attempts")
    outcome = models.CharField(_("outcome"), max_length=15, choices=CallOutcome)
    satisfaction = models.PositiveSmallIntegerField(
        _("satisfaction"),
        null=True,
        blank=True,
        validators=[MinValueValidator(1), MaxValueValidator(5)],
        help_text=_("What the client expressed: 1 very dissatisfied … 5 very satisfied."),
    )
    note = models.TextField(_("notes"), blank=True)
    next_contact_on = models.DateField(_("next contact"), null=True, blank=True)
    no_further_contact = models.CharField(
        _("no further contact because"), max_length=255, blank=True
    )
    callback_at = models.DateTimeField(_("call back at"), null=True, blank=True)
    upsell = models.CharField(
        _("upsell"), max_length=10, choices=OfferAnswer, default=OfferAnswer.NOT_OFFERED, blank=True
    )
    cross_sell = models.CharField(
        _("cross-sell"),
        max_length=10,
        choices=OfferAnswer,
        default=OfferAnswer.NOT_OFFERED,
        blank=True,
    )
    complaint = models.TextField(_("complaint"), blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    at = models.DateTimeField(_("when"))

    class Meta:
        verbose_name = _("call attempt")
        verbose_name_plural = _("call attempts")
        ordering = ["-at", "-id"]
        indexes = [models.Index(fields=["client", "-at"]), models.Index(fields=["at"])]

    def __str__(self) -> str:
        return f"{self.client}: {self.get_outcome_display()}"


class TouchpointChange(models.Model):
    """Who changed a touchpoint, when, and what: a call moved, skipped, handed to someone else,
    a card posted. Written by the service in the same transaction as the change; a call's
    attempts are their own record (CallAttempt.recorded_by)."""

    class Action(models.TextChoices):
        RESCHEDULED = "rescheduled", _("Rescheduled")
        SKIPPED = "skipped", _("Skipped")
        REASSIGNED = "reassigned", _("Reassigned")
        POSTED = "posted", _("Posted")

    touchpoint = models.ForeignKey(Touchpoint, on_delete=models.CASCADE, related_name="changes")
    at = models.DateTimeField(_("when"))
    # None: the system.
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    action = models.CharField(_("action"), max_length=15, choices=Action)
    old_due_at = models.DateTimeField(_("was due"), null=True, blank=True)
    new_due_at = models.DateTimeField(_("now due"), null=True, blank=True)
    old_assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("was assigned to"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    new_assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("now assigned to"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    reason = models.TextField(_("reason"), blank=True)

    class Meta:
        verbose_name = _("touchpoint change")
        verbose_name_plural = _("touchpoint changes")
        ordering = ["-at", "-id"]
        indexes = [models.Index(fields=["touchpoint", "-at"])]

    def __str__(self) -> str:
        return f"{self.touchpoint_id}: {self.get_action_display()}"


class TouchpointUndo(models.Model):
    """What an action on the call list changed, kept for a short while so that its Undo can put
    the calls back exactly as they were (touchpoints/queue.py). `before` and `after` hold each
    touchpoint's state (status, due_at, attempts, outcome, note, closed_at) before and right
    after the action; `attempts` the call attempts it recorded; `planned` the touchpoints it
    planned (an agreed next contact, a recovery call). Undo refuses when a touchpoint is no
    longer as the action left it, when it has expired, or when it was used."""

    token = models.CharField(max_length=43, unique=True)
    by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    client = models.ForeignKey(Client, on_delete=models.CASCADE, related_name="+")
    summary = models.CharField(_("what was done"), max_length=255)
    before = models.JSONField(default=list)
    after = models.JSONField(default=list)
    attempts = models.JSONField(default=list)
    planned = models.JSONField(default=list)
    created_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField()
    used_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("undo of a call action")
        verbose_name_plural = _("undos of call actions")
        indexes = [models.Index(fields=["expires_at"])]

    def __str__(self) -> str:
        return self.summary
