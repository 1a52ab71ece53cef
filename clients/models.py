"""Clients, their consent and stage history, orders and their events, handoff, referrals,
refusals, bonus points and commissions. Every rule that changes these lives in `services.py`."""

import functools
import zoneinfo
from decimal import Decimal
from typing import TYPE_CHECKING

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from phonenumber_field.modelfields import PhoneNumberField
from simple_history.models import HistoricalRecords

from followup_crm.timezones import zone_or_company
from followup_crm.validators import no_control_characters

if TYPE_CHECKING:
    from django import forms

    from followup_crm.users import User


@functools.cache
def known_time_zones() -> frozenset[str]:
    # Scanning the tz database takes milliseconds: once per process is enough.
    return frozenset(zoneinfo.available_timezones())


def validate_time_zone(value: str) -> None:
    if value not in known_time_zones():
        raise ValidationError(_("%(value)s is not a known time zone."), params={"value": value})


def default_time_zone() -> str:
    return settings.TIME_ZONE


def default_language() -> str:
    return settings.LANGUAGE_CODE


class Stage(models.TextChoices):
    PROSPECT = "prospect", _("Prospect")
    VISITOR = "visitor", _("Visitor")
    BUYER = "buyer", _("Buyer")
    CLIENT = "client", _("Client")
    ADVOCATE = "advocate", _("Advocate")


class Channel(models.TextChoices):
    CALL = "call", _("Call")
    EMAIL = "email", _("E-mail")
    SMS = "sms", _("SMS")
    POST = "post", _("Post")
    TELEGRAM = "telegram", _("Telegram")


# The channels a list of clients carries consents for (export and import): a Telegram consent
# comes only with a chat the client binds to the bot, so a file can neither give nor carry it.
LISTED_CONSENT_CHANNELS = tuple(c for c in Channel.values if c != Channel.TELEGRAM)


class AuditReason(models.TextChoices):
    """Why a history record of a client was written, when it is not an edit: the reason is
    kept in simple-history's change reason (see clients.services)."""

    DATA_EXPORT = "data-export", _("Personal data downloaded")
    CONSENT_EXPORT = "consent-export", _("Consent history downloaded")
    ERASE = "erase", _("Personal data erased")
    # Written as "<code>:<the other client's id>" (see clients.merge).
    MERGED_INTO = "merged-into", _("Merged into client")
    MERGED_FROM = "merged-from", _("Merged in from client")


class Client(models.Model):
    class Kind(models.TextChoices):
        PERSON = "person", _("Person")
        COMPANY = "company", _("Company")

    class Source(models.TextChoices):
        SITE = "site", _("Web site")
        SHOP = "shop", _("Shop")
        OFFICE = "office", _("Office")
        CALL = "call", _("Phone call")
        REFERRAL = "referral", _("Referral")
        IMPORT = "import", _("Import")
        OTHER = "other", _("Other")

    kind = models.CharField(_("kind"), max_length=10, choices=Kind, default=Kind.PERSON)
    # Both reach mail headers (the directors' alerts name the client): one line each.
    name = models.CharField(_("name"), max_length=200, validators=[no_control_characters])
    contact_person = models.CharField(
        _("contact person"),
        max_length=200,
        blank=True,
        help_text=_("For a company."),
        validators=[no_control_characters],
    )
    email = models.EmailField(_("e-mail"), blank=True)
    postal_address = models.TextField(_("postal address"), blank=True)
    time_zone = models.CharField(
        _("time zone"), max_length=64, default=default_time_zone, validators=[validate_time_zone]
    )
    language = models.CharField(
        _("language"), max_length=8, choices=settings.LANGUAGES, default=default_language
    )
    birthday = models.DateField(_("birthday"), null=True, blank=True)
    source = models.CharField(_("source"), max_length=20, choices=Source, default=Source.OTHER)
    originator = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("originator"),
        help_text=_("The sales manager who brought the client."),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="originated_clients",
    )
    account_manager = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("account manager"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="managed_clients",
    )
    stage = models.CharField(_("stage"), max_length=10, choices=Stage, default=Stage.PROSPECT)
    stage_changed_at = models.DateTimeField(_("stage changed"), null=True, blank=True)
    visited_at = models.DateTimeField(
        _("first visit"),
        null=True,
        blank=True,
        help_text=_("When the client first came in (site, shop, office, call); empty for a lead."),
    )
    recommends = models.BooleanField(
        _("recommends us"),
        default=False,
        help_text=_("A manager recorded an explicit recommendation."),
    )
    notes = models.TextField(_("notes"), blank=True)
    # The times of the first two purchases (cancelled and returned orders do not count), kept
    # by client_recount_purchases whenever the client's purchases change: the director's
    # reports read cohorts, repeat purchases and conversion from these two columns instead of
    # ranking every order of every client on each page.
    first_purchase_at = models.DateTimeField(
        _("first purchase"), null=True, blank=True, editable=False
    )
    second_purchase_at = models.DateTimeField(
        _("second purchase"), null=True, blank=True, editable=False
    )
    archived_at = models.DateTimeField(_("archived"), null=True, blank=True)
    # Set by `client_erase`: the personal data is gone, the orders and figures stay.
    erased_at = models.DateTimeField(_("personal data erased"), null=True, blank=True)
    erased_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("erased by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    history = HistoricalRecords(excluded_fields=["first_purchase_at", "second_purchase_at"])
    # Set before a save for simple-history: who made the change, and why.
    _history_user: "User | None"
    _change_reason: str

    class Meta:
        verbose_name = _("client")
        verbose_name_plural = _("clients")
        ordering = ["name", "id"]
        indexes = [
            models.Index(fields=["stage"]),
            models.Index(fields=["originator", "stage"]),
            models.Index(fields=["account_manager", "stage"]),
            models.Index(fields=["name"]),
            models.Index(fields=["email"]),
            models.Index(fields=["first_purchase_at"]),
            models.Index(fields=["second_purchase_at"]),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def is_archived(self) -> bool:
        return self.archived_at is not None

    @property
    def is_erased(self) -> bool:
        return self.erased_at is not None

    @property
    def zone(self) -> zoneinfo.ZoneInfo:
        """The client's time zone: their local time decides when messages go out."""
        return zone_or_company(self.time_zone)

    @property
    def is_out_of_reach(self) -> bool:
        """Archived or erased: nothing is planned for the client or sent to them."""
        return self.is_archived or self.is_erased


class ClientPhone(models.Model):
    client = models.ForeignKey(Client, on_delete=models.CASCADE, related_name="phones")
    number = PhoneNumberField(_("phone"))
    label = models.CharField(_("label"), max_length=50, blank=True)
    is_primary = models.BooleanField(_("primary"), default=False)

    class Meta:
        verbose_name = _("phone number")
        verbose_name_plural = _("phone numbers")
        ordering = ["-is_primary", "id"]
        constraints = [
            models.UniqueConstraint(fields=["client", "number"], name="phone_unique_per_client")
        ]
        indexes = [models.Index(fields=["number"])]

    def __str__(self) -> str:
        return str(self.number)


class Consent(models.Model):
    """One row per change: the newest row of a channel is the client's current choice."""

    class Method(models.TextChoices):
        IN_PERSON = "in_person", _("In person")
        WEB_FORM = "web_form", _("Web form")
        PHONE = "phone", _("By phone")
        LETTER = "letter", _("In writing")
        UNSUBSCRIBE = "unsubscribe", _("Unsubscribe link")
        IMPORT = "import", _("Import")
        ERASURE = "erasure", _("Personal data erased")
        TELEGRAM = "telegram", _("Telegram bot")

    client = models.ForeignKey(Client, on_delete=models.CASCADE, related_name="consents")
    channel = models.CharField(_("channel"), max_length=10, choices=Channel)
    granted = models.BooleanField(_("granted"))
    at = models.DateTimeField(_("when"))
    method = models.CharField(_("how"), max_length=20, choices=Method)
    note = models.CharField(_("note"), max_length=255, blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        verbose_name = _("consent")
        verbose_name_plural = _("consents")
        ordering = ["-at", "-id"]
        indexes = [models.Index(fields=["client", "channel", "-at"])]

    def __str__(self) -> str:
        state = _("granted") if self.granted else _("withdrawn")
        return f"{self.get_channel_display()}: {state}"


class StageChange(models.Model):
    client = models.ForeignKey(Client, on_delete=models.CASCADE, related_name="stage_changes")
    from_stage = models.CharField(_("from"), max_length=10, choices=Stage, blank=True)
    to_stage = models.CharField(_("to"), max_length=10, choices=Stage)
    at = models.DateTimeField(_("when"))
    reason = models.CharField(_("why"), max_length=255)
    changed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        verbose_name = _("stage change")
        verbose_name_plural = _("stage changes")
        ordering = ["at", "id"]
        indexes = [models.Index(fields=["to_stage", "at"])]

    def __str__(self) -> str:
        return f"{self.from_stage or '—'} → {self.to_stage}"


class OrderStatus(models.TextChoices):
    PLACED = "placed", _("Placed")
    READY = "ready", _("Ready")
    SHIPPED = "shipped", _("Shipped")
    AT_PICKUP = "at_pickup", _("At the pickup point")
    DELIVERED = "delivered", _("Delivered")
    CANCELLED = "cancelled", _("Cancelled")
    RETURNED = "returned", _("Returned")


# Orders in these states are not purchases: they do not count towards the stage.
NOT_PURCHASES = (OrderStatus.CANCELLED, OrderStatus.RETURNED)


class Order(models.Model):
    client = models.ForeignKey(Client, on_delete=models.PROTECT, related_name="orders")
    # NULL, not "", for orders typed by hand: the unique constraint skips NULLs.
    external_id = models.CharField(  # noqa: DJ001
        _("external id"),
        max_length=100,
        null=True,
        blank=True,
        help_text=_("The order's id in the shop, ERP or accounting system it came from."),
    )
    amount = models.DecimalField(
        _("amount"), max_digits=14, decimal_places=2, validators=[MinValueValidator(Decimal("0"))]
    )
    currency = models.CharField(_("currency"), max_length=3, default="RUB")
    placed_at = models.DateTimeField(_("placed"))
    promised_date = models.DateField(_("promised delivery date"), null=True, blank=True)
    # The first date promised, set once: on-time delivery is measured against it, however often
    # the date moved afterwards (PromisedDateChange keeps every move).
    first_promised_date = models.DateField(
        _("first promised date"), null=True, blank=True, editable=False
    )
    seller = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("seller"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="sold_orders",
    )
    description = models.TextField(_("items"), blank=True)
    status = models.CharField(
        _("status"), max_length=10, choices=OrderStatus, default=OrderStatus.PLACED
    )
    status_at = models.DateTimeField(_("status since"))
    delivered_at = models.DateTimeField(_("delivered"), null=True, blank=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    history = HistoricalRecords()
    # Set before a save for simple-history: who made the change.
    _history_user: "User | None"
    # Set on the rows a page shows, not columns: the card's action forms (clients/views.py),
    # the amount as the call's page prints it (touchpoints/views.py).
    event_form: "forms.Form"
    date_form: "forms.Form"
    amount_text: str

    class Meta:
        verbose_name = _("order")
        verbose_name_plural = _("orders")
        ordering = ["-placed_at", "-id"]
        constraints = [
            # Per client, so that an order of a client the caller may not see does not make
            # an id "taken" to them (an oracle of other managers' orders).
            models.UniqueConstraint(
                fields=["client", "external_id"],
                condition=Q(external_id__isnull=False),
                name="order_client_external_id_unique",
            )
        ]
        indexes = [
            models.Index(fields=["client", "status"]),
            models.Index(fields=["placed_at"]),
        ]

    def __str__(self) -> str:
        label = self.external_id or f"#{self.pk}"
        return f"{label}: {self.amount} {self.currency}"

    @property
    def is_purchase(self) -> bool:
        return self.status not in NOT_PURCHASES


class OrderEvent(models.Model):
    order = models.ForeignKey(Order, on_delete=models.CASCADE, related_name="events")
    type = models.CharField(_("event"), max_length=10, choices=OrderStatus)
    at = models.DateTimeField(_("when"))
    applied = models.BooleanField(
        _("moved the status"),
        default=True,
        help_text=_("False for an event that arrived after a later one and is kept for history."),
    )
    note = models.CharField(_("note"), max_length=255, blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    recorded_at = models.DateTimeField(_("recorded"), auto_now_add=True)

    class Meta:
        verbose_name = _("order event")
        verbose_name_plural = _("order events")
        ordering = ["at", "id"]
        constraints = [
            models.UniqueConstraint(fields=["order", "type", "at"], name="order_event_unique")
        ]

    def __str__(self) -> str:
        return f"{self.get_type_display()} @ {self.at:%Y-%m-%d %H:%M}"


class PromisedDateChange(models.Model):
    """A move of an order's promised delivery date: when, from what to what, who and why."""

    order = models.ForeignKey(Order, on_delete=models.CASCADE, related_name="date_changes")
    at = models.DateTimeField(_("when"))
    old_date = models.DateField(_("was promised for"), null=True, blank=True)
    new_date = models.DateField(_("now promised for"), null=True, blank=True)
    reason = models.CharField(_("why"), max_length=255, blank=True)
    changed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        verbose_name = _("promised date change")
        verbose_name_plural = _("promised date changes")
        ordering = ["at", "id"]
        indexes = [models.Index(fields=["order", "at"])]

    def __str__(self) -> str:
        return f"{self.order_id}: {self.old_date or '—'} → {self.new_date or '—'}"


class Handoff(models.Model):
    """A new buyer handed from the sales manager who sold to a personal account manager."""

    client = models.OneToOneField(Client, on_delete=models.CASCADE, related_name="handoff")
    from_user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("from"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="handoffs_given",
    )
    to_user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("to"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="handoffs_received",
    )
    created_at = models.DateTimeField(_("handed over"))
    notes = models.TextField(_("sales manager's notes"), blank=True)
    sales_letter_sent_at = models.DateTimeField(_("sales manager's letter sent"), null=True)
    manager_letter_sent_at = models.DateTimeField(_("account manager's letter sent"), null=True)
    accepted_at = models.DateTimeField(_("accepted"), null=True, blank=True)

    class Meta:
        verbose_name = _("handoff")
        verbose_name_plural = _("handoffs")
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["to_user", "accepted_at"])]

    def __str__(self) -> str:
        return f"{self.client} → {self.to_user or '?'}"


class Referral(models.Model):
    referrer = models.ForeignKey(
        Client, verbose_name=_("referrer"), on_delete=models.PROTECT, related_name="referrals_made"
    )
    referred = models.OneToOneField(
        Client, verbose_name=_("referred"), on_delete=models.PROTECT, related_name="referred_by"
    )
    created_at = models.DateTimeField(_("recorded"))
    reward = models.CharField(_("reward"), max_length=255, blank=True)
    converted_at = models.DateTimeField(_("referred person bought"), null=True, blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        verbose_name = _("referral")
        verbose_name_plural = _("referrals")
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=~Q(referrer=models.F("referred")), name="referral_not_self"
            )
        ]

    def __str__(self) -> str:
        return f"{self.referrer} → {self.referred}"


class BonusEntry(models.Model):
    """The bonus-points ledger: the balance is the sum of a client's entries."""

    class Kind(models.TextChoices):
        EARNED = "earned", _("Earned")
        SPENT = "spent", _("Spent")
        REFERRAL = "referral", _("Referral reward")
        FREE_PURCHASE = "free", _("Free purchase")

    client = models.ForeignKey(Client, on_delete=models.CASCADE, related_name="bonus_entries")
    kind = models.CharField(_("kind"), max_length=10, choices=Kind)
    points = models.IntegerField(_("points"))
    order = models.ForeignKey(Order, null=True, blank=True, on_delete=models.SET_NULL)
    referral = models.ForeignKey(Referral, null=True, blank=True, on_delete=models.SET_NULL)
    at = models.DateTimeField(_("when"))
    note = models.CharField(_("note"), max_length=255, blank=True)

    class Meta:
        verbose_name = _("bonus entry")
        verbose_name_plural = _("bonus entries")
        ordering = ["-at", "-id"]
        constraints = [
            # One reward per referral and one free-purchase entry per order, however often
            # the rules run.
            models.UniqueConstraint(
                fields=["referral"], condition=Q(kind="referral"), name="bonus_once_per_referral"
            ),
            models.UniqueConstraint(
                fields=["order"], condition=Q(kind="free"), name="bonus_free_once_per_order"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.client}: {self.points:+d}"


class Refusal(models.Model):
    class Reason(models.TextChoices):
        SALES = "sales", _("The sales conversation or the staff's skill")
        PRODUCTION = "production", _("Production did not serve the client")
        PRODUCT = "product", _("The product did not match what was promised")
        PRICE = "price", _("Price")
        OTHER = "other", _("Other")

    client = models.ForeignKey(Client, on_delete=models.CASCADE, related_name="refusals")
    order = models.ForeignKey(Order, null=True, blank=True, on_delete=models.SET_NULL)
    reason = models.CharField(_("reason"), max_length=12, choices=Reason)
    details = models.TextField(_("details"), blank=True)
    at = models.DateTimeField(_("when"))
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        verbose_name = _("refusal")
        verbose_name_plural = _("refusals")
        ordering = ["-at", "-id"]
        indexes = [models.Index(fields=["reason", "at"])]

    def __str__(self) -> str:
        return f"{self.client}: {self.get_reason_display()}"


class CommissionRule(models.Model):
    percentage = models.DecimalField(
        _("percentage"),
        max_digits=5,
        decimal_places=2,
        validators=[MinValueValidator(Decimal("0"))],
    )
    effective_from = models.DateField(_("effective from"))
    effective_to = models.DateField(_("effective to"), null=True, blank=True)

    class Meta:
        verbose_name = _("commission rule")
        verbose_name_plural = _("commission rules")
        ordering = ["-effective_from"]

    def __str__(self) -> str:
        return f"{self.percentage}% from {self.effective_from}"


class Commission(models.Model):
    """The originator's share of one later purchase of a client they brought."""

    order = models.OneToOneField(Order, on_delete=models.CASCADE, related_name="commission")
    sales_manager = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="commissions"
    )
    rule = models.ForeignKey(CommissionRule, on_delete=models.PROTECT)
    amount = models.DecimalField(_("amount"), max_digits=14, decimal_places=2)
    currency = models.CharField(_("currency"), max_length=3)
    created_at = models.DateTimeField(_("created"))
    voided_at = models.DateTimeField(
        _("voided"),
        null=True,
        blank=True,
        help_text=_("Set when the order stops counting as a purchase (cancelled or returned)."),
    )

    class Meta:
        verbose_name = _("commission")
        verbose_name_plural = _("commissions")
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["sales_manager", "created_at"])]

    def __str__(self) -> str:
        return f"{self.sales_manager}: {self.amount} {self.currency}"


class ClientNote(models.Model):
    """A line a manager wrote about the client ("called in about the warranty"): it shows in
    the card's history with its author and time."""

    client = models.ForeignKey(Client, on_delete=models.CASCADE, related_name="timeline_notes")
    text = models.TextField(_("note"))
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("author"),
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    at = models.DateTimeField(_("when"))

    class Meta:
        verbose_name = _("client note")
        verbose_name_plural = _("client notes")
        ordering = ["-at", "-id"]
        indexes = [models.Index(fields=["client", "-at"])]

    def __str__(self) -> str:
        return f"{self.client}: {self.text[:40]}"


class ImportJob(models.Model):
    """One uploaded file of clients or orders: checked in a dry run, then imported whole or not
    at all. The worker updates the progress fields while it runs; the page polls them."""

    class Kind(models.TextChoices):
        CLIENTS = "clients", _("Clients")
        ORDERS = "orders", _("Orders")

    class Status(models.TextChoices):
        PENDING = "pending", _("Waiting")
        RUNNING = "running", _("Running")
        DONE = "done", _("Imported")
        FAILED = "failed", _("Failed, nothing imported")

    kind = models.CharField(_("kind"), max_length=10, choices=Kind)
    filename = models.CharField(_("file"), max_length=255)
    content = models.BinaryField(_("content"))
    status = models.CharField(_("status"), max_length=10, choices=Status, default=Status.PENDING)
    total_rows = models.PositiveIntegerField(_("rows"), default=0)
    processed_rows = models.PositiveIntegerField(_("rows done"), default=0)
    report = models.JSONField(_("report"), default=dict, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    finished_at = models.DateTimeField(_("finished"), null=True, blank=True)

    class Meta:
        verbose_name = _("import")
        verbose_name_plural = _("imports")
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"{self.get_kind_display()}: {self.filename}"


class ImportChange(models.Model):
    """What an applied import changed, to revert it: a client or an order it created, or one
    field of a client with its value before and after (JSON: text, a date as text, a user's or
    consent's value). Order events it added to existing orders are listed, never undone."""

    class Kind(models.TextChoices):
        CLIENT_CREATED = "client", _("Client created")
        ORDER_CREATED = "order", _("Order created")
        FIELD = "field", _("Field changed")
        ORDER_EVENT = "event", _("Order event recorded")

    job = models.ForeignKey(ImportJob, on_delete=models.CASCADE, related_name="changes")
    kind = models.CharField(_("kind"), max_length=10, choices=Kind)
    client = models.ForeignKey(Client, on_delete=models.CASCADE, related_name="+")
    order = models.ForeignKey(Order, null=True, blank=True, on_delete=models.CASCADE)
    field = models.CharField(_("field"), max_length=40, blank=True)
    old = models.JSONField(_("before"), null=True, blank=True)
    new = models.JSONField(_("after"), null=True, blank=True)

    class Meta:
        verbose_name = _("import change")
        verbose_name_plural = _("import changes")
        ordering = ["id"]

    def __str__(self) -> str:
        return f"{self.job_id}: {self.kind} {self.client_id} {self.field}"
