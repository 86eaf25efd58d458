"""The audit log in the Django admin: read, never written (no add, change, delete or
actions), like everywhere else in the application."""

from django.contrib import admin

from .models import Event


@admin.register(Event)
class EventAdmin(admin.ModelAdmin):
    list_display = ["created_at", "kind", "username", "county", "province", "ip", "target", "path"]
    list_filter = ["kind"]
    search_fields = ["username", "ip", "target", "path"]
    list_select_related = ["county", "province"]
    date_hierarchy = "created_at"
    actions = None

    def has_add_permission(self, request, obj=None) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False
