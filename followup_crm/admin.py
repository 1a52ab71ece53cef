from typing import Any

from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from .mail import staff_mail_send_again
from .models import StaffMail


@admin.register(StaffMail)
class StaffMailAdmin(admin.ModelAdmin):
    """The outbox of mail to staff: written and sent by the services, only looked at here
    (and failed mails queued again)."""

    list_display = ["created_at", "kind", "to", "subject", "status", "attempts", "error"]
    list_filter = ["status", "kind"]
    search_fields = ["to", "subject", "key"]
    date_hierarchy = "created_at"
    actions = ["send_again"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    @admin.action(description=_("Send the failed ones again"), permissions=["view"])
    def send_again(self, request: HttpRequest, queryset: QuerySet[StaffMail]) -> None:
        queued = staff_mail_send_again(mails=queryset)
        self.message_user(
            request,
            ngettext("%(count)d e-mail queued again.", "%(count)d e-mails queued again.", queued)
            % {"count": queued},
            messages.SUCCESS if queued else messages.WARNING,
        )
