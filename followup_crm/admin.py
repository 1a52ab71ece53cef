from typing import Any

from django.contrib import admin, messages
from django.contrib.auth import admin as auth_admin
from django.contrib.auth import forms as auth_forms
from django.contrib.auth.models import User
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from .mail import staff_mail_send_again
from .models import ApiToken, StaffMail
from .validators import no_control_characters


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


@admin.register(ApiToken)
class ApiTokenAdmin(admin.ModelAdmin):
    """Who has which API token, and revoking one (delete). Neither the key nor its digest is
    shown: only the first characters of the key, as on the owner's page."""

    list_display = ("name", "user", "prefix", "created_at", "expires_at", "last_used_at")
    list_filter = ("expires_at",)
    search_fields = ("name", "user__username", "prefix")
    list_select_related = ("user",)
    fields = ("user", "name", "prefix", "created_at", "expires_at", "last_used_at")
    readonly_fields = fields

    def has_add_permission(self, request: HttpRequest) -> bool:
        # A key is shown once, to whoever makes it: its owner, on /account/tokens/.
        return False

    def has_change_permission(self, request: HttpRequest, obj: ApiToken | None = None) -> bool:
        return False


class OneLineNames:
    """A person's first and last names reach mail headers (a manager signs letters and is named
    in alerts): one line each. The stock User model cannot declare it without a migration of
    django.contrib.auth, so the admin's user forms, the one place names are edited, check it."""

    cleaned_data: dict[str, Any]  # the form's, that this mixes into

    def clean_first_name(self) -> str:
        value = self.cleaned_data.get("first_name", "")
        no_control_characters(value)
        return value

    def clean_last_name(self) -> str:
        value = self.cleaned_data.get("last_name", "")
        no_control_characters(value)
        return value


class UserChangeForm(OneLineNames, auth_forms.UserChangeForm):
    class Meta(auth_forms.UserChangeForm.Meta):
        # Those of UserAdmin's fieldsets, one by one. (The stubs type the base's "__all__" as str.)
        fields = (  # type: ignore[assignment]
            "username",
            "password",
            "first_name",
            "last_name",
            "email",
            "is_active",
            "is_staff",
            "is_superuser",
            "groups",
            "user_permissions",
            "last_login",
            "date_joined",
        )


class UserCreationForm(OneLineNames, auth_forms.AdminUserCreationForm):
    pass


class UserAdmin(auth_admin.UserAdmin):
    form = UserChangeForm
    add_form = UserCreationForm


admin.site.unregister(User)
admin.site.register(User, UserAdmin)
