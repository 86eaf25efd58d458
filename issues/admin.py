from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
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


@admin.register(User)
class UserAdmin(BaseUserAdmin):
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
class ProvinceAdmin(admin.ModelAdmin):
    list_display = ["code", "name"]
    search_fields = ["code", "name"]


class ProjectInline(admin.TabularInline):
    model = Project
    extra = 0


@admin.register(County)
class CountyAdmin(SimpleHistoryAdmin):
    list_display = ["code", "name", "province"]
    list_filter = ["province"]
    list_select_related = ["province"]
    search_fields = ["code", "name"]
    inlines = [ProjectInline]


@admin.register(Unit)
class UnitAdmin(SimpleHistoryAdmin):
    list_display = ["name", "kind", "county", "contact", "phone"]
    list_filter = ["kind", "county"]
    list_select_related = ["county"]
    search_fields = ["name", "contact"]


class CategoryInline(admin.TabularInline):
    model = Category
    extra = 0
    fields = ["order", "name"]


@admin.register(Review)
class ReviewAdmin(SimpleHistoryAdmin):
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
class FindingAdmin(SimpleHistoryAdmin):
    list_display = ["short_description", "county", "review", "category", "status", "deadline"]
    list_filter = ["status", "review__kind", "county__province"]
    list_select_related = ["county", "review", "category"]
    search_fields = ["description"]
    raw_id_fields = ["review", "county", "category", "related"]
    inlines = [MeasureInline, FindingUnitInline]


@admin.register(Progress)
class ProgressAdmin(SimpleHistoryAdmin):
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
class EvidenceAdmin(SimpleHistoryAdmin):
    list_display = ["title", "finding", "original_name", "size", "created_by", "removed_at"]
    list_select_related = ["finding", "created_by"]
    raw_id_fields = ["finding", "progress"]


@admin.register(ReminderLog)
class ReminderLogAdmin(admin.ModelAdmin):
    list_display = ["day", "kind", "county", "recipient", "status", "items", "at"]
    list_filter = ["status", "kind", "day"]
    readonly_fields = [f.name for f in ReminderLog._meta.fields]
