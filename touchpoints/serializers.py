import dataclasses
from typing import Any

from django.core.exceptions import ValidationError as DjangoValidationError
from django.utils.translation import gettext_lazy as _
from drf_spectacular.extensions import OpenApiSerializerFieldExtension
from drf_spectacular.plumbing import build_choice_field
from rest_framework import serializers

from clients.models import Refusal
from clients.serializers import AwareDateTimeField
from clients.services import phone_normalize

from .calls import CallReport
from .models import Cadence, CadenceStep, CallAttempt, CallOutcome, OfferAnswer, Touchpoint


class CadenceStepSerializer(serializers.ModelSerializer):
    cadence: serializers.SlugRelatedField[Cadence] = serializers.SlugRelatedField(
        slug_field="slug", read_only=True
    )

    class Meta:
        model = CadenceStep
        fields = [
            "id",
            "cadence",
            "slug",
            "anchor",
            "offset",
            "offset_unit",
            "channel",
            "performer",
        ]
        read_only_fields = fields


class TouchpointSerializer(serializers.ModelSerializer):
    step = CadenceStepSerializer(read_only=True)
    anchor = serializers.CharField(source="anchor_key", read_only=True)
    send_status = serializers.SerializerMethodField()

    class Meta:
        model = Touchpoint
        fields = [
            "id",
            "client",
            "order",
            "step",
            "anchor",
            "occurrence",
            "due_at",
            "assignee",
            "channel",
            "is_automatic",
            "is_urgent",
            "purpose",
            "status",
            "attempts",
            "outcome",
            "note",
            "send_status",
            "closed_at",
        ]
        read_only_fields = fields

    def get_send_status(self, touchpoint: Touchpoint) -> str | None:
        record = getattr(touchpoint, "send_record", None)
        return record.status if record is not None else None


# --- the actions: completing a call, rescheduling, skipping ---------------------------------


class NamedChoiceField(serializers.ChoiceField):
    """A choice field whose choices are one named enum in the OpenAPI schema. The same choices
    under two field names (upsell and cross_sell; a refusal's reason) would otherwise be two
    enums, which the schema check counts as a warning."""

    def __init__(self, *args: Any, enum_name: str, **kwargs: Any) -> None:
        self.enum_name = enum_name
        super().__init__(*args, **kwargs)


class NamedChoiceFieldExtension(OpenApiSerializerFieldExtension):
    target_class = NamedChoiceField

    def get_name(self) -> str:
        return self.target.enum_name

    def map_serializer_field(self, _auto_schema: Any, _direction: Any) -> dict[str, Any]:
        # Only the choices go into the component; nullable, read-only, the default and the
        # help text stay on each field that refers to it.
        schema = build_choice_field(self.target)
        return {key: schema[key] for key in ("type", "enum", "description") if key in schema}


# The fields are CallReport's, and so are the names in a 400: the rules of a complete report
# are the service's (touchpoints/calls.py), which the call page shows in the same words.
class CallReportSerializer(serializers.Serializer):
    """What the manager records about one call attempt."""

    outcome = serializers.ChoiceField(choices=CallOutcome.choices)
    satisfaction = serializers.IntegerField(
        min_value=1,
        max_value=5,
        required=False,
        allow_null=True,
        help_text=_(
            "What the client expressed, 1 very dissatisfied … 5 very satisfied; only "
            "for a reached call."
        ),
    )
    note = serializers.CharField(required=False, allow_blank=True, default="")
    next_contact_on = serializers.DateField(
        required=False,
        allow_null=True,
        help_text=_(
            "The agreed date of the next contact: a reached call needs it, or no_further_contact."
        ),
    )
    no_further_contact = serializers.CharField(
        max_length=255,
        required=False,
        allow_blank=True,
        default="",
        help_text=_("Why there will be no further contact, instead of next_contact_on."),
    )
    callback_at = AwareDateTimeField(
        required=False,
        allow_null=True,
        help_text=_(
            "When the client asked to be called back (outcome call_back), with the UTC offset."
        ),
    )
    upsell = NamedChoiceField(
        choices=OfferAnswer.choices,
        enum_name="OfferAnswerEnum",
        required=False,
        allow_blank=True,
        default="",
    )
    cross_sell = NamedChoiceField(
        choices=OfferAnswer.choices,
        enum_name="OfferAnswerEnum",
        required=False,
        allow_blank=True,
        default="",
    )
    referral_name = serializers.CharField(
        max_length=200,
        required=False,
        allow_blank=True,
        default="",
        help_text=_("Someone the client recommended us to: added as a new client."),
    )
    referral_phone = serializers.CharField(
        max_length=40, required=False, allow_blank=True, default=""
    )
    complaint = serializers.CharField(
        required=False,
        allow_blank=True,
        default="",
        help_text=_("Plans an urgent recovery call and alerts the directors."),
    )
    refusal_reason = NamedChoiceField(
        choices=Refusal.Reason.choices,
        enum_name="RefusalReasonEnum",
        required=False,
        allow_blank=True,
        default="",
        help_text=_("For the outcome refused."),
    )

    def validate_referral_phone(self, value: str) -> str:
        if not value:
            return ""
        try:
            return phone_normalize(value)
        except DjangoValidationError as exc:
            raise serializers.ValidationError(exc.messages) from None

    def report(self) -> CallReport:
        data = self.validated_data
        return CallReport(
            **{field.name: data.get(field.name) for field in dataclasses.fields(CallReport)}
        )


class RescheduleSerializer(serializers.Serializer):
    due_at = AwareDateTimeField(
        help_text=_("The new due time, in the future, with the UTC offset.")
    )
    # Blank passes here so that the service's own message ("say why") answers it.
    reason = serializers.CharField(max_length=255, allow_blank=True, help_text=_("Why it moves."))


class SkipSerializer(serializers.Serializer):
    reason = serializers.CharField(
        max_length=255, allow_blank=True, help_text=_("Why it is skipped.")
    )


class CallAttemptSerializer(serializers.ModelSerializer):
    """A recorded call attempt, with the touchpoint as it is after it: still planned and due
    later (no answer, busy, asked to call back) or closed."""

    touchpoint = TouchpointSerializer(read_only=True)
    upsell = NamedChoiceField(
        choices=OfferAnswer.choices, enum_name="OfferAnswerEnum", read_only=True
    )
    cross_sell = NamedChoiceField(
        choices=OfferAnswer.choices, enum_name="OfferAnswerEnum", read_only=True
    )

    class Meta:
        model = CallAttempt
        fields = [
            "id",
            "client",
            "outcome",
            "satisfaction",
            "note",
            "next_contact_on",
            "no_further_contact",
            "callback_at",
            "upsell",
            "cross_sell",
            "complaint",
            "recorded_by",
            "at",
            "touchpoint",
        ]
        read_only_fields = fields
