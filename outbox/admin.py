from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from issues.admin import KeepRecordsAdmin

from .models import Delivery, RobotHook


@admin.register(RobotHook)
class RobotHookAdmin(KeepRecordsAdmin, SimpleHistoryAdmin):
    """Robots are switched off (active), not deleted: their deliveries name them."""

    list_display = ["name", "county", "unit", "kind", "active"]
    list_select_related = ["county", "unit"]
    list_filter = ["kind", "active", "county"]
    search_fields = ["name", "unit__name"]
    autocomplete_fields = ["unit"]
    readonly_fields = ["created_at", "updated_at", "created_by", "updated_by"]


@admin.register(Delivery)
class DeliveryAdmin(admin.ModelAdmin):
    """What was sent, for reading: deliveries are written by the outbox only."""

    list_display = ["created_at", "channel", "kind", "county", "recipient", "status", "attempts"]
    list_filter = ["channel", "kind", "status", "county"]
    search_fields = ["recipient", "subject", "dedupe_key"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
