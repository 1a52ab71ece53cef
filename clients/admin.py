from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from .models import (
    BonusEntry,
    Client,
    ClientPhone,
    Commission,
    CommissionRule,
    Consent,
    Handoff,
    ImportJob,
    Order,
    OrderEvent,
    Referral,
    Refusal,
    StageChange,
)


class PhoneInline(admin.TabularInline):
    model = ClientPhone
    extra = 0


class ConsentInline(admin.TabularInline):
    model = Consent
    extra = 0
    readonly_fields = ["recorded_by"]


class StageChangeInline(admin.TabularInline):
    model = StageChange
    extra = 0
    readonly_fields = ["from_stage", "to_stage", "at", "reason", "changed_by"]
    can_delete = False


@admin.register(Client)
class ClientAdmin(SimpleHistoryAdmin):
    list_display = ["name", "stage", "originator", "account_manager", "archived_at"]
    list_filter = ["stage", "kind", "source"]
    search_fields = ["name", "email", "contact_person", "phones__number"]
    list_select_related = ["originator", "account_manager"]
    raw_id_fields = ["originator", "account_manager"]
    # The stage is derived from facts by the services; editing it here would break the history.
    # An erasure is recorded by clients.services.client_erase alone.
    readonly_fields = [
        "stage",
        "stage_changed_at",
        "erased_at",
        "erased_by",
        "created_at",
        "updated_at",
    ]
    inlines = [PhoneInline, ConsentInline, StageChangeInline]

    def has_delete_permission(self, request, obj=None) -> bool:
        return False  # clients are archived, never deleted


class OrderEventInline(admin.TabularInline):
    model = OrderEvent
    extra = 0
    readonly_fields = ["type", "at", "applied", "note", "recorded_by", "recorded_at"]
    can_delete = False


@admin.register(Order)
class OrderAdmin(SimpleHistoryAdmin):
    list_display = ["__str__", "client", "status", "placed_at", "promised_date"]
    list_filter = ["status", "currency"]
    search_fields = ["external_id", "client__name"]
    raw_id_fields = ["client", "seller"]
    readonly_fields = ["status", "status_at", "delivered_at", "created_at"]
    inlines = [OrderEventInline]

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


@admin.register(Handoff)
class HandoffAdmin(admin.ModelAdmin):
    list_display = ["client", "from_user", "to_user", "created_at", "accepted_at"]
    raw_id_fields = ["client", "from_user", "to_user"]


@admin.register(Referral)
class ReferralAdmin(admin.ModelAdmin):
    list_display = ["referrer", "referred", "created_at", "converted_at"]
    raw_id_fields = ["referrer", "referred", "recorded_by"]


@admin.register(Refusal)
class RefusalAdmin(admin.ModelAdmin):
    list_display = ["client", "reason", "at"]
    list_filter = ["reason"]
    raw_id_fields = ["client", "order", "recorded_by"]


@admin.register(BonusEntry)
class BonusEntryAdmin(admin.ModelAdmin):
    list_display = ["client", "kind", "points", "at"]
    raw_id_fields = ["client", "order", "referral"]


@admin.register(CommissionRule)
class CommissionRuleAdmin(admin.ModelAdmin):
    list_display = ["percentage", "effective_from", "effective_to"]


@admin.register(Commission)
class CommissionAdmin(admin.ModelAdmin):
    list_display = ["order", "sales_manager", "amount", "currency", "created_at", "voided_at"]
    raw_id_fields = ["order", "sales_manager", "rule"]


@admin.register(ImportJob)
class ImportJobAdmin(admin.ModelAdmin):
    list_display = ["filename", "kind", "status", "processed_rows", "total_rows", "created_at"]
    exclude = ["content"]
