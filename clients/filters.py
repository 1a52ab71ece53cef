"""The client list's search and filters, shared by the page, the export and the API."""

from typing import Any

import django_filters
from django.contrib.auth import get_user_model
from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _

from followup_crm.roles import ACCOUNT_MANAGER, SALES_MANAGER

from .forms import UserChoiceField
from .models import Channel, Client, Stage
from .selectors import client_search, clients_with_consent


def managers() -> QuerySet[Any]:
    return (
        get_user_model()
        .objects.filter(is_active=True, groups__name__in=[SALES_MANAGER, ACCOUNT_MANAGER])
        .distinct()
        .order_by("first_name", "last_name", "username")
    )


class UserChoiceFilter(django_filters.ModelChoiceFilter):
    """A choice of people, named by their full names as everywhere else."""

    field_class = UserChoiceField


class ClientFilter(django_filters.FilterSet):
    q = django_filters.CharFilter(
        label=_("Search"), method="filter_search", help_text=_("Name, phone or e-mail")
    )
    stage = django_filters.MultipleChoiceFilter(label=_("Stage"), choices=Stage.choices)
    manager = UserChoiceFilter(label=_("Manager"), queryset=managers(), method="filter_manager")
    consent = django_filters.ChoiceFilter(
        label=_("Consent"), choices=Channel.choices, method="filter_consent"
    )
    archived = django_filters.BooleanFilter(
        label=_("Archived"), field_name="archived_at", lookup_expr="isnull", exclude=True
    )

    class Meta:
        model = Client
        fields = ["q", "stage", "manager", "consent", "archived"]

    def __init__(self, data: Any = None, *args: Any, **kwargs: Any) -> None:
        super().__init__(data, *args, **kwargs)
        # The queryset is evaluated per request so that new managers appear.
        self.filters["manager"].queryset = managers()

    def filter_search(self, queryset: QuerySet[Client], _name: str, value: str) -> QuerySet[Client]:
        return client_search(queryset, value)

    def filter_manager(
        self, queryset: QuerySet[Client], _name: str, value: Any
    ) -> QuerySet[Client]:
        if value is None:
            return queryset
        return queryset.filter(originator=value) | queryset.filter(account_manager=value)

    def filter_consent(
        self, queryset: QuerySet[Client], _name: str, value: str
    ) -> QuerySet[Client]:
        return clients_with_consent(queryset, value) if value else queryset

    @property
    def qs(self) -> QuerySet[Client]:
        queryset = super().qs
        # Archived clients stay out of the list unless asked for.
        if self.form.cleaned_data.get("archived") is None:
            queryset = queryset.filter(archived_at__isnull=True)
        return queryset
