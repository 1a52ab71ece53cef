from django.contrib import admin

from .models import Extension, PhoneCall, TelegramChat


@admin.register(Extension)
class ExtensionAdmin(admin.ModelAdmin):
    list_display = ["extension", "user"]
    search_fields = ["extension", "user__username", "user__last_name"]
    autocomplete_fields = ["user"]


@admin.register(PhoneCall)
class PhoneCallAdmin(admin.ModelAdmin):
    list_display = [
        "started_at",
        "direction",
        "client_number",
        "extension",
        "disposition",
        "duration",
        "client",
        "user",
    ]
    list_filter = ["provider", "direction", "disposition"]
    search_fields = ["provider_call_id", "client_number", "extension"]
    list_select_related = ["client", "user"]
    raw_id_fields = ["client", "user", "touchpoint", "attempt"]
    readonly_fields = ["provider", "provider_call_id", "processed_at", "created_at"]


@admin.register(TelegramChat)
class TelegramChatAdmin(admin.ModelAdmin):
    list_display = ["client", "chat_id", "username", "bound_at", "stopped_at"]
    raw_id_fields = ["client"]
    search_fields = ["client__name", "username"]
