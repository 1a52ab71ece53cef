"""The REST API's shapes of service cases and responses. They validate and represent; writes go
through services.py. A client or order id the caller may not see is answered like one that
does not exist (clients.serializers' visible fields)."""

from typing import Any

from django.utils.translation import gettext_lazy
from rest_framework import serializers

from clients.serializers import VisibleClientField, VisibleOrderField, not_in_future

from .models import Response, ServiceCase

TEXT_LIMIT = 5000


class SatisfactionField(serializers.IntegerField):
    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("min_value", 1)
        kwargs.setdefault("max_value", 5)
        kwargs.setdefault("required", False)
        kwargs.setdefault("allow_null", True)
        kwargs.setdefault(
            "help_text",
            gettext_lazy("What the client said of how the case was handled: 1 … 5 (5 best)."),
        )
        super().__init__(**kwargs)


class ServiceCaseSerializer(serializers.ModelSerializer):
    client = VisibleClientField()
    order = VisibleOrderField(required=False, allow_null=True)
    opened_on = serializers.DateField(
        validators=[not_in_future], help_text=gettext_lazy("The day the problem was reported.")
    )
    problem = serializers.CharField(max_length=TEXT_LIMIT)
    severity = serializers.ChoiceField(choices=ServiceCase.Severity.choices)
    satisfaction = SatisfactionField()
    is_open = serializers.SerializerMethodField()

    class Meta:
        model = ServiceCase
        fields = (
            "id",
            "client",
            "order",
            "opened_on",
            "problem",
            "severity",
            "satisfaction",
            "is_open",
            "resolved_at",
            "resolution",
            "recorded_by",
            "created_at",
        )
        read_only_fields = ("resolved_at", "resolution", "recorded_by", "created_at")

    def get_is_open(self, case: ServiceCase) -> bool:
        return case.resolved_at is None


class ServiceCaseResolveSerializer(serializers.Serializer):
    resolution = serializers.CharField(max_length=TEXT_LIMIT)
    satisfaction = SatisfactionField()


class ResponseSerializer(serializers.ModelSerializer):
    answers = serializers.JSONField(
        read_only=True,
        help_text=gettext_lazy(
            "A survey's answers by question id: a number for a score, the English text of the "
            "chosen answer, or free text."
        ),
    )

    class Meta:
        model = Response
        fields = (
            "id",
            "source",
            "client",
            "order",
            "manager",
            "score",
            "nps",
            "answers",
            "comment",
            "at",
        )
        read_only_fields = fields
