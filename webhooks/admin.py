from typing import Any, cast

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.http import HttpRequest
from django.urls import reverse
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from followup_crm.users import User

from . import selectors, services
from .models import Delivery, Endpoint, EventType

# How many deliveries an endpoint's page lists (the full list is one click away).
SHOWN_ON_ENDPOINT = 20


class EndpointForm(forms.ModelForm):
    # A receiver typed without a scheme is taken as https, as Django 6 will.
    url = forms.URLField(label=_("URL"), max_length=500, assume_scheme="https")
    events = forms.MultipleChoiceField(
        label=_("Events"), choices=EventType.choices, widget=forms.CheckboxSelectMultiple
    )
    secret = forms.CharField(
        label=_("Secret"),
        max_length=200,
        widget=forms.PasswordInput(render_value=True),
        help_text=_("Signs every delivery (HMAC-SHA256); at least 16 characters."),
    )

    class Meta:
        model = Endpoint
        fields = ("url", "secret", "events", "description", "is_active")

    def clean(self) -> dict[str, Any]:
        super().clean()
        cleaned = self.cleaned_data
        candidate = Endpoint(**{**cleaned, "events": sorted(cleaned.get("events") or [])})
        try:
            services.endpoint_check(candidate)
        except ValidationError as exc:
            for field, errors in exc.message_dict.items():
                if field in self.fields and field not in self.errors:
                    self.add_error(field, errors)
        return cleaned


@admin.register(Endpoint)
class EndpointAdmin(admin.ModelAdmin):
    form = EndpointForm
    list_display = ["__str__", "url", "is_active", "created_at"]
    list_filter = ["is_active"]
    readonly_fields = ["recent_deliveries"]

    def save_model(self, request: HttpRequest, obj: Endpoint, form: Any, change: bool) -> None:
        fields = {name: form.cleaned_data[name] for name in services.ENDPOINT_FIELDS}
        fields["events"] = sorted(fields["events"])
        if change:
            services.endpoint_update(endpoint=obj, **fields)
        else:
            # The admin's pages are behind its login.
            obj.pk = services.endpoint_create(by=cast(User, request.user), **fields).pk

    @admin.display(description=_("Recent deliveries"))
    def recent_deliveries(self, endpoint: Endpoint) -> str:
        if endpoint.pk is None:
            return "—"
        deliveries = selectors.deliveries_recent(endpoint=endpoint)[:SHOWN_ON_ENDPOINT]
        rows = format_html_join(
            "",
            "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
            (
                (
                    delivery.created_at.strftime("%Y-%m-%d %H:%M:%S"),
                    delivery.get_event_type_display(),
                    delivery.get_status_display(),
                    delivery.status_code or "—",
                    delivery.attempts,
                    delivery.error or "",
                )
                for delivery in deliveries
            ),
        )
        link = reverse("admin:webhooks_delivery_changelist") + f"?endpoint__id__exact={endpoint.pk}"
        return format_html(
            "<table><thead><tr><th>{}</th><th>{}</th><th>{}</th><th>{}</th><th>{}</th><th>{}</th>"
            '</tr></thead><tbody>{}</tbody></table><p><a href="{}">{}</a></p>',
            _("Queued"),
            _("Event"),
            _("Status"),
            _("Status code"),
            _("Attempts"),
            _("Error"),
            rows,
            link,
            _("All deliveries, and redelivery"),
        )


@admin.register(Delivery)
class DeliveryAdmin(admin.ModelAdmin):
    """The outbox: written and posted by the services, only looked at here (and posted again
    when a director asks)."""

    list_display = [
        "created_at",
        "endpoint",
        "event_type",
        "event_id",
        "status",
        "status_code",
        "attempts",
        "error",
    ]
    list_filter = ["status", "event_type", "endpoint"]
    list_select_related = ["endpoint"]
    search_fields = ["event_id"]
    date_hierarchy = "created_at"
    actions = ["redeliver"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    @admin.action(description=_("Post again"), permissions=["view"])
    def redeliver(self, request: HttpRequest, queryset: QuerySet[Delivery]) -> None:
        queued = services.delivery_redeliver(deliveries=queryset)
        self.message_user(
            request,
            ngettext(
                "%(count)d delivery queued again.", "%(count)d deliveries queued again.", queued
            )
            % {"count": queued},
            messages.SUCCESS if queued else messages.WARNING,
        )
