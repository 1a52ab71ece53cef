"""The REST API's shapes of clients, orders, referrals and refusals.

Serializers only validate and represent: every write goes through `services.py`, which the
viewsets in `api.py` call with the validated data. Which rows a field may point at (a client,
an order) follows the caller's visibility from `selectors.py`, so an id the caller may not see
is answered exactly like an id that does not exist.
"""

import datetime as dt
from decimal import Decimal
from typing import Any

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError as DjangoValidationError
from django.core.validators import RegexValidator
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from rest_framework import serializers

from followup_crm.roles import (
    ACCOUNT_MANAGER,
    DIRECTOR,
    ROLE_LABELS,
    SALES_MANAGER,
    has_role,
    user_roles,
)

from .models import Channel, Client, Consent, Order, OrderEvent, OrderStatus, Referral, Refusal
from .selectors import clients_visible_to, orders_visible_to
from .services import EARLIEST_TIME, FUTURE_TOLERANCE, LATEST_TIME, ORDER_FIXED

User = get_user_model()


# --- fields ------------------------------------------------------------------------------


def plausible_time(moment: dt.datetime) -> None:
    """A validator for API fields and filters: a time between EARLIEST_TIME and LATEST_TIME."""
    if not EARLIEST_TIME <= moment < LATEST_TIME:
        raise DjangoValidationError(_("Give a time between 1970 and 2999."))


class AwareDateTimeField(serializers.DateTimeField):
    """An ISO 8601 time that must carry its offset: an order system in another time zone that
    sends "10:00" would otherwise be read as 10:00 in ours, silently hours off."""

    default_error_messages = {
        "naive": gettext_lazy("Give the time with its time zone, e.g. 2025-05-01T10:00:00+03:00."),
    }

    def to_internal_value(self, value: Any) -> dt.datetime:
        if isinstance(value, str):
            try:
                parsed = parse_datetime(value.strip())
            except ValueError:
                parsed = None  # out-of-range parts: the parent reports the format
            if parsed is not None and timezone.is_naive(parsed):
                self.fail("naive")
        moment = super().to_internal_value(value)
        # Here and not among the validators, which a field's own list would replace.
        plausible_time(moment)
        return moment


def not_in_future(value: dt.date | dt.datetime) -> None:
    if isinstance(value, dt.datetime):
        if value > timezone.now() + FUTURE_TOLERANCE:
            raise serializers.ValidationError(_("This cannot be in the future."))
    elif value > timezone.localdate():
        raise serializers.ValidationError(_("This cannot be in the future."))


def pk_field() -> serializers.IntegerField:
    # Ids are integers: a float such as 1.5 or 1e999 from JSON is refused here instead of being
    # truncated to another row's id, or overflowing, in the database lookup.
    return serializers.IntegerField()


class VisibleClientField(serializers.PrimaryKeyRelatedField):
    """A client id the caller may see; any other id is "does not exist", never "not yours"."""

    # The model, for the OpenAPI schema only: the rows come from get_queryset().
    queryset = Client.objects.none()

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("pk_field", pk_field())
        super().__init__(**kwargs)

    def get_queryset(self) -> QuerySet[Client]:
        return clients_visible_to(self.context["request"].user)


class VisibleOrderField(serializers.PrimaryKeyRelatedField):
    """An order id the caller may see, like VisibleClientField."""

    queryset = Order.objects.none()

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("pk_field", pk_field())
        super().__init__(**kwargs)

    def get_queryset(self) -> QuerySet[Order]:
        return orders_visible_to(self.context["request"].user)


class PhonesField(serializers.ListField):
    """Phone numbers as strings: written in any format (normalised by the services), read back
    in E.164, the primary one first."""

    child = serializers.CharField(max_length=50)

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("max_length", 20)
        super().__init__(**kwargs)

    def get_attribute(self, instance: Client) -> list[str]:
        # .all() so that a list served from prefetch_related("phones") costs no query per row.
        return [phone.number.as_e164 for phone in instance.phones.all()]


# --- consent -----------------------------------------------------------------------------

# Where a consent may come from through the API: every way but erasure, which only
# `client_erase` records.
CONSENT_SOURCES = [
    (value, label) for value, label in Consent.Method.choices if value != Consent.Method.ERASURE
]


class ConsentSerializer(serializers.ModelSerializer):
    """One consent record: the client's choice for a channel, given or withdrawn."""

    channel = serializers.ChoiceField(choices=Channel.choices)
    given = serializers.BooleanField(
        source="granted", help_text=gettext_lazy("True: given; false: withdrawn.")
    )
    # A field named like Field.source, which the serializer's metaclass takes in as a field.
    source = serializers.ChoiceField(  # type: ignore[assignment]
        source="method",
        choices=CONSENT_SOURCES,
        help_text=gettext_lazy("How the client gave or withdrew it; required."),
    )
    at = AwareDateTimeField(
        required=False,
        validators=[not_in_future],
        help_text=gettext_lazy("When the client chose; now when left out."),
    )
    note = serializers.CharField(max_length=255, required=False, default="", allow_blank=True)

    class Meta:
        model = Consent
        fields = ("id", "channel", "given", "source", "at", "note", "recorded_by")
        read_only_fields = ("recorded_by",)


# --- clients -----------------------------------------------------------------------------


class ClientSerializer(serializers.ModelSerializer):
    phones = PhonesField(required=False)
    consents = ConsentSerializer(
        many=True,
        required=False,
        write_only=True,
        help_text=gettext_lazy(
            "On creation only: the consents the shop collected, each with its source. Later "
            "changes go to /api/v1/clients/{id}/consents/."
        ),
    )
    originator = serializers.PrimaryKeyRelatedField(
        queryset=User.objects.all(),
        pk_field=pk_field(),
        allow_null=True,
        required=False,
        help_text=gettext_lazy(
            "The sales manager who brought the client. Only a director may choose it; a sales "
            "manager who creates a client becomes its originator."
        ),
    )
    account_manager = serializers.PrimaryKeyRelatedField(
        queryset=User.objects.all(),
        pk_field=pk_field(),
        allow_null=True,
        required=False,
        help_text=gettext_lazy(
            "Only a director may choose it; an account manager who creates a client becomes "
            "its account manager."
        ),
    )
    birthday = serializers.DateField(required=False, allow_null=True, validators=[not_in_future])
    visited_at = AwareDateTimeField(required=False, allow_null=True, validators=[not_in_future])

    class Meta:
        model = Client
        fields = (
            "id",
            "kind",
            "name",
            "contact_person",
            "email",
            "phones",
            "consents",
            "postal_address",
            "time_zone",
            "language",
            "birthday",
            "source",
            "originator",
            "account_manager",
            "stage",
            "stage_changed_at",
            "visited_at",
            "recommends",
            "notes",
            "archived_at",
            "created_at",
            "updated_at",
        )
        # The stage is derived from the facts by the services, never written.
        read_only_fields = ("stage", "stage_changed_at", "archived_at", "created_at", "updated_at")

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        user = self.context["request"].user
        if self.instance is not None and "consents" in attrs:
            raise serializers.ValidationError(
                {"consents": _("Record a change of consent at /api/v1/clients/{id}/consents/.")}
            )
        for field, role, message in (
            ("originator", SALES_MANAGER, _("Choose a sales manager.")),
            ("account_manager", ACCOUNT_MANAGER, _("Choose an account manager.")),
        ):
            if DIRECTOR in user_roles(user):
                self._check_director_choice(attrs, field, role, message)
            elif self.instance is None:
                self._assign_creator(attrs, field, role, user)
            else:
                self._refuse_reassignment(attrs, field)
        return attrs

    def _check_director_choice(
        self, attrs: dict[str, Any], field: str, role: str, message: str
    ) -> None:
        chosen = attrs.get(field)
        current_id = getattr(self.instance, f"{field}_id", None)
        # A client kept with a manager who has since left stays editable; a new choice must be
        # an active member of the right team.
        if chosen is None or chosen.pk == current_id:
            return
        if not (chosen.is_active and has_role(chosen, role)):
            raise serializers.ValidationError({field: message})

    def _assign_creator(self, attrs: dict[str, Any], field: str, role: str, user: Any) -> None:
        chosen = attrs.get(field)
        if chosen is not None and chosen.pk != user.pk:
            raise serializers.ValidationError(
                {field: _("Only a director can assign a client to someone else.")}
            )
        if has_role(user, role):
            # The creator is the one who keeps the client, and so sees it afterwards.
            attrs[field] = user
        elif chosen is not None:
            raise serializers.ValidationError({field: _("Only a director can choose this.")})

    def _refuse_reassignment(self, attrs: dict[str, Any], field: str) -> None:
        if field not in attrs:
            return
        chosen = attrs[field]
        if (chosen.pk if chosen else None) != getattr(self.instance, f"{field}_id"):
            raise serializers.ValidationError({field: _("Only a director can reassign a client.")})


# --- orders ------------------------------------------------------------------------------


class OrderEventSerializer(serializers.ModelSerializer):
    type = serializers.ChoiceField(choices=OrderStatus.choices)
    at = AwareDateTimeField()
    note = serializers.CharField(max_length=255, required=False, default="", allow_blank=True)

    class Meta:
        model = OrderEvent
        fields = ("id", "type", "at", "applied", "note", "recorded_at")
        read_only_fields = ("applied", "recorded_at")
        # The same event again is answered by the service with the one recorded, not refused
        # by a unique check here.
        validators: list[Any] = []


class OrderSerializer(serializers.ModelSerializer):
    client = VisibleClientField()
    external_id = serializers.CharField(
        max_length=100,
        required=False,
        allow_null=True,
        allow_blank=True,
        help_text=gettext_lazy(
            "The order's id in the system it comes from, unique per client. Posting the same "
            "id again for the same client returns the order already recorded (200) and "
            "changes nothing; for another client it is another order."
        ),
    )
    amount = serializers.DecimalField(max_digits=14, decimal_places=2, min_value=Decimal("0"))
    currency = serializers.CharField(
        default="RUB",
        validators=[
            RegexValidator(
                r"^[A-Za-z]{3}\Z", gettext_lazy("Use a three-letter currency code such as RUB.")
            )
        ],
    )
    placed_at = AwareDateTimeField()
    promised_date = serializers.DateField(required=False, allow_null=True)
    seller = serializers.PrimaryKeyRelatedField(
        queryset=User.objects.filter(is_active=True, groups__name=SALES_MANAGER),
        pk_field=pk_field(),
        required=False,
        allow_null=True,
        help_text=gettext_lazy(
            "The sales manager who sold it. Only a director may name someone else than the "
            "caller, as on the order form."
        ),
    )
    description = serializers.CharField(required=False, default="", allow_blank=True)
    events = OrderEventSerializer(many=True, read_only=True)

    def validate_seller(self, seller: Any) -> Any:
        user = self.context["request"].user
        if seller is not None and seller.pk != user.pk and DIRECTOR not in user_roles(user):
            raise serializers.ValidationError(_("Only a director can name another seller."))
        return seller

    class Meta:
        model = Order
        fields: tuple[str, ...] = (
            "id",
            "client",
            "external_id",
            "amount",
            "currency",
            "placed_at",
            "promised_date",
            "seller",
            "description",
            "status",
            "status_at",
            "delivered_at",
            "created_at",
            "events",
        )
        read_only_fields: tuple[str, ...] = ("status", "status_at", "delivered_at", "created_at")
        # No unique check on external_id: a repeated id is the idempotent case the service
        # answers with the order already recorded.
        validators: list[Any] = []


# The most orders one bulk post may carry; more is a 400.
BULK_ORDERS_MAX = 1000


class OrderBulkItemSerializer(OrderSerializer):
    """One order of a bulk post: the fields of POST /api/v1/orders/ and the order's events,
    recorded in the order given."""

    events = OrderEventSerializer(many=True, required=False, default=list)

    class Meta(OrderSerializer.Meta):
        pass


class OrderBulkSerializer(serializers.Serializer):
    """A bulk post's envelope. Each item is validated on its own (OrderBulkItemSerializer), so
    that a bad one refuses no other."""

    orders = serializers.ListField(
        child=serializers.JSONField(), allow_empty=False, max_length=BULK_ORDERS_MAX
    )


class OrderChangeSerializer(OrderSerializer):
    """What an order system may change about an order it sent (PATCH): not the client, the
    external id or the time it was placed."""

    # None takes an inherited field out (REST framework); the stubs know only the field.
    client = None  # type: ignore[assignment]
    external_id = None  # type: ignore[assignment]
    placed_at = None  # type: ignore[assignment]
    events = None  # type: ignore[assignment]
    reason = serializers.CharField(
        max_length=255,
        required=False,
        default="",
        allow_blank=True,
        write_only=True,
        help_text=gettext_lazy("Why the promised date moved; kept in the order's timeline."),
    )

    class Meta(OrderSerializer.Meta):
        fields = ("amount", "currency", "promised_date", "seller", "description", "reason")
        read_only_fields = ()

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        fixed = sorted(ORDER_FIXED & set(self.initial_data))
        if fixed:
            message = _("This cannot change once the order is recorded.")
            raise serializers.ValidationError(dict.fromkeys(fixed, message))
        return attrs


# --- referrals and refusals --------------------------------------------------------------


class ReferralSerializer(serializers.ModelSerializer):
    referrer = VisibleClientField()
    referred = VisibleClientField()
    reward = serializers.CharField(max_length=255, required=False, default="", allow_blank=True)

    class Meta:
        model = Referral
        fields = ("id", "referrer", "referred", "reward", "created_at", "converted_at")
        read_only_fields = ("created_at", "converted_at")
        validators: list[Any] = []


class RefusalSerializer(serializers.ModelSerializer):
    client = VisibleClientField()
    order = VisibleOrderField(required=False, allow_null=True)
    reason = serializers.ChoiceField(choices=Refusal.Reason.choices)
    details = serializers.CharField(required=False, default="", allow_blank=True)
    at = AwareDateTimeField(
        required=False,
        validators=[not_in_future],
        help_text=gettext_lazy("When the client refused; now when left out."),
    )

    class Meta:
        model = Refusal
        fields = ("id", "client", "order", "reason", "details", "at", "recorded_by")
        read_only_fields = ("recorded_by",)


class TokenSerializer(serializers.Serializer):
    token = serializers.CharField(read_only=True)
    expires_at = serializers.DateTimeField(read_only=True)


# --- history and people ------------------------------------------------------------------


class TimelineEntrySerializer(serializers.Serializer):
    """One entry of a client's history (the shape of GET /api/v1/clients/{id}/timeline/)."""

    id = serializers.CharField(help_text=gettext_lazy("Unique within the client's timeline."))
    at = serializers.DateTimeField()
    kind = serializers.CharField(
        help_text=gettext_lazy(
            "order_event, promised_date, stage, handoff, handoff_accepted, referral, refusal, "
            "planned, touchpoint, message, call, change, survey_response, service_case."
        )
    )
    order = serializers.IntegerField(allow_null=True)
    by = serializers.IntegerField(
        allow_null=True, help_text=gettext_lazy("The user who did it; null: the system.")
    )
    details = serializers.DictField(help_text=gettext_lazy("What the kind of entry carries."))


class TimelinePageSerializer(serializers.Serializer):
    next = serializers.URLField(allow_null=True)
    results = TimelineEntrySerializer(many=True)


class UserSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    username = serializers.CharField()
    full_name = serializers.CharField()
    roles = serializers.ListField(child=serializers.ChoiceField(choices=list(ROLE_LABELS.items())))
    is_active = serializers.BooleanField()
