"""Reads of the webhooks: the endpoints and their recent deliveries."""

from django.db.models import QuerySet

from .models import Delivery, Endpoint


def endpoints_all() -> QuerySet[Endpoint]:
    return Endpoint.objects.select_related("created_by")


def deliveries_recent(*, endpoint: Endpoint) -> QuerySet[Delivery]:
    return Delivery.objects.filter(endpoint=endpoint).defer("body").order_by("-created_at", "-id")
