from django.contrib import admin, messages
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from simple_history.admin import SimpleHistoryAdmin

from .models import (
    Category,
    County,
    Evidence,
    Finding,
    FindingUnit,
    Measure,
    Progress,
    Project,
    Province,
    ReminderLog,
    Review,
    StatusChange,
    Unit,
    User,
)


class KeepRecordsAdmin(admin.ModelAdmin):
    """Nothing in the ledger is deleted, not even by a superuser in the admin: a deleted
    finding would take with it who applied for and who approved its close-out (StatusChange),
    its progress and evidence. Findings are archived, units and accounts deactivated, in the
    application. Without the permission the admin offers neither the delete button nor the
    "delete selected" action; a delete address typed in says why."""

    refusal = _(
        "整改台账的记录不能删除（销号申请和审批记录必须保留）：问题请归档，单位和账户请停用。"
    )

    def has_delete_permission(self, request, obj=None):
        return False

    def delete_view(self, request, object_id, extra_context=None):
        messages.error(request, self.refusal)
        info = self.opts.app_label, self.opts.model_name
        return redirect(
            reverse("admin:{}_{}_changelist".format(*info), current_app=self.admin_site.name)
        )


@admin.register(User)
class UserAdmin(KeepRecordsAdmin, BaseUserAdmin):
    list_display = ["username", "last_name", "first_name", "county", "province", "is_national"]
    list_filter = ["groups", "county__province", "is_national", "is_active"]
    list_select_related = ["county", "province"]
    fieldsets = [
        *BaseUserAdmin.fieldsets,
        (_("数据范围"), {"fields": ["county", "province", "is_national"]}),
    ]
    add_fieldsets = [
        *BaseUserAdmin.add_fieldsets,
        (_("数据范围"), {"fields": ["county", "province", "is_national", "groups"]}),
    ]


@admin.register(Province)
class ProvinceAdmin(KeepRecordsAdmin):
    list_display = ["code", "name"]
    search_fields = ["code", "name"]


class ProjectInline(admin.TabularInline):
    model = Project
    extra = 0


@admin.register(County)
class CountyAdmin(KeepRecordsAdmin, SimpleHistoryAdmin):
    list_display = ["code", "name", "province"]
    list_filter = ["province"]
    list_select_related = ["province"]
    search_fields = ["code", "name"]
    inlines = [ProjectInline]


@admin.register(Unit)
class UnitAdmin(KeepRecordsAdmin, SimpleHistoryAdmin):
    list_display = ["name", "kind", "county", "contact", "phone"]
    list_filter = ["kind", "county"]
    list_select_related = ["county"]
    search_fields = ["name", "contact"]


class CategoryInline(admin.TabularInline):
    model = Category
    extra = 0
    fields = ["order", "name"]


@admin.register(Review)
class ReviewAdmin(KeepRecordsAdmin, SimpleHistoryAdmin):
    list_display = ["team", "kind", "reference_number", "start_date", "end_date"]
    list_filter = ["kind"]
    search_fields = ["team", "title", "reference_number"]
    filter_horizontal = ["counties"]
    inlines = [CategoryInline]


class MeasureInline(admin.TabularInline):
    model = Measure
    extra = 0
    fields = ["order", "text"]


class FindingUnitInline(admin.TabularInline):
    model = FindingUnit
    extra = 0
    fields = ["order", "unit", "role"]
    raw_id_fields = ["unit"]


@admin.register(Finding)
class FindingAdmin(KeepRecordsAdmin, SimpleHistoryAdmin):
    list_display = ["short_description", "county", "review", "category", "status", "deadline"]
    list_filter = ["status", "review__kind", "county__province"]
    list_select_related = ["county", "review", "category"]
    search_fields = ["description"]
    raw_id_fields = ["review", "county", "category", "related"]
    inlines = [MeasureInline, FindingUnitInline]


@admin.register(Progress)
class ProgressAdmin(KeepRecordsAdmin, SimpleHistoryAdmin):
    list_display = ["finding", "date", "author"]
    list_select_related = ["finding", "author"]
    raw_id_fields = ["finding", "author"]


class StatusChangeInline(admin.TabularInline):
    model = StatusChange
    extra = 0
    readonly_fields = ["from_status", "to_status", "actor", "at", "comment"]
    can_delete = False


FindingAdmin.inlines = [MeasureInline, FindingUnitInline, StatusChangeInline]


@admin.register(Evidence)
class EvidenceAdmin(KeepRecordsAdmin, SimpleHistoryAdmin):
    list_display = ["title", "finding", "original_name", "size", "created_by", "removed_at"]
    list_select_related = ["finding", "created_by"]
    raw_id_fields = ["finding", "progress"]


@admin.register(ReminderLog)
class ReminderLogAdmin(KeepRecordsAdmin):
    list_display = ["day", "kind", "county", "recipient", "status", "items", "at"]
    list_filter = ["status", "kind", "day"]
    readonly_fields = [f.name for f in ReminderLog._meta.fields]
