"""The admin: surveys and their questions are edited here; invitations, responses and order
links are shown (their tokens and answers are never edited by hand); service cases are
recorded and resolved on their pages, where a poor score starts the recovery call."""

from typing import Any

from django import forms
from django.contrib import admin
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from .models import Invitation, OrderLink, Question, Response, ServiceCase, Survey


class QuestionForm(forms.ModelForm):
    class Meta:
        model = Question
        fields = ["position", "kind", "text", "text_ru", "choices", "required"]
        widgets = {"choices": forms.Textarea(attrs={"rows": 3, "cols": 40})}

    def clean(self) -> dict[str, Any]:
        super().clean()
        cleaned = self.cleaned_data
        # A "one of several" question without answers could never be answered.
        if (
            cleaned.get("kind") == Question.Kind.CHOICE
            and not (cleaned.get("choices") or "").strip()
        ):
            self.add_error("choices", _("Give the answers, one a line."))
        return cleaned


class QuestionInline(admin.TabularInline):
    model = Question
    form = QuestionForm
    extra = 0


@admin.register(Survey)
class SurveyAdmin(admin.ModelAdmin):
    list_display = ["title", "slug", "days_valid", "is_active"]
    list_filter = ["is_active"]
    search_fields = ["title", "title_ru", "slug"]
    inlines = [QuestionInline]


class ReadOnlyAdmin(admin.ModelAdmin):
    """Shown, never written by hand: the services write these rows."""

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(Invitation)
class InvitationAdmin(admin.ModelAdmin):
    list_display = ["survey", "client", "order", "created_at", "expires_at", "answered_at"]
    list_filter = ["survey"]
    list_select_related = ["survey", "client", "order"]
    search_fields = ["client__name", "order__external_id"]
    raw_id_fields = ["client", "order"]
    # A director may extend an invitation; the token and the answer are not theirs to change.
    readonly_fields = ["token", "created_at", "answered_at"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False


@admin.register(Response)
class ResponseAdmin(ReadOnlyAdmin):
    list_display = ["client", "source", "score", "nps", "manager", "at"]
    list_filter = ["source", "score"]
    list_select_related = ["client", "manager"]
    search_fields = ["client__name", "comment"]
    date_hierarchy = "at"


@admin.register(ServiceCase)
class ServiceCaseAdmin(admin.ModelAdmin):
    list_display = ["client", "opened_on", "severity", "resolved_at", "satisfaction"]
    list_filter = ["severity"]
    list_select_related = ["client"]
    search_fields = ["client__name", "problem"]
    # Resolving and the satisfaction go through the service-case pages, which record the
    # response and start the recovery call; here only the wording may be corrected.
    readonly_fields = [
        "client",
        "order",
        "resolved_at",
        "satisfaction",
        "recorded_by",
        "created_at",
    ]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False


@admin.register(OrderLink)
class OrderLinkAdmin(admin.ModelAdmin):
    list_display = ["order", "expires_at"]
    list_select_related = ["order"]
    search_fields = ["order__external_id", "order__client__name"]
    raw_id_fields = ["order"]
    readonly_fields = ["token"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False
