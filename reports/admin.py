from django.contrib import admin

from touchpoints.admin import ReadOnlyAdmin

from .models import WeeklySummaryLog


@admin.register(WeeklySummaryLog)
class WeeklySummaryLogAdmin(ReadOnlyAdmin):
    list_display = ["user", "week_start", "sent_at"]
    list_select_related = ["user"]
    date_hierarchy = "week_start"
