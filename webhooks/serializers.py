from typing import Any

from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from .models import Delivery, Endpoint, EventType


class EndpointSerializer(serializers.ModelSerializer):
    events = serializers.MultipleChoiceField(
        choices=EventType.choices, help_text=_("The event types to receive.")
    )
    secret = serializers.CharField(
        write_only=True,
        max_length=200,
        help_text=_("Signs every delivery; at least 16 characters. Never shown again."),
    )

    class Meta:
        model = Endpoint
        fields = ("id", "url", "secret", "events", "description", "is_active", "created_at")
        read_only_fields = ("id", "created_at")

    def to_representation(self, instance: Endpoint) -> dict[str, Any]:
        data = super().to_representation(instance)
        data["events"] = sorted(data["events"])
        return data

    def validate_events(self, value: set[str]) -> list[str]:
        return sorted(value)


class DeliverySerializer(serializers.ModelSerializer):
    class Meta:
        model = Delivery
        fields = (
            "id",
            "event_id",
            "event_type",
            "status",
            "status_code",
            "attempts",
            "error",
            "created_at",
            "next_attempt_at",
            "delivered_at",
        )
        read_only_fields = fields


class RedeliverSerializer(serializers.Serializer):
    event_ids = serializers.ListField(
        child=serializers.UUIDField(),
        min_length=1,
        max_length=100,
        help_text=_("The ids of the events to post again (the X-Followup-Delivery header)."),
    )


class RedeliveredSerializer(serializers.Serializer):
    queued = serializers.IntegerField(help_text=_("Deliveries queued again."))
