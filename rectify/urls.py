from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path
from django.utils.translation import gettext_lazy as _

from issues import review_views
from issues import views as issue_views
from issues.importing import views as import_views
from reports import views as report_views

admin.site.site_header = _("整改台账 管理后台")
admin.site.site_title = _("整改台账")

urlpatterns = [
    path("", report_views.home, name="home"),
    path("healthz", report_views.healthz, name="healthz"),
    path("findings/", issue_views.finding_list, name="finding_list"),
    path("findings/new/", issue_views.finding_create, name="finding_create"),
    path("findings/<int:pk>/", issue_views.finding_detail, name="finding_detail"),
    path("findings/<int:pk>/edit/", issue_views.finding_edit, name="finding_edit"),
    path("findings/<int:pk>/progress/", issue_views.progress_add, name="progress_add"),
    path(
        "findings/progress/<int:pk>/withdraw/",
        issue_views.progress_withdraw,
        name="progress_withdraw",
    ),
    path("findings/<int:pk>/evidence/", issue_views.evidence_upload, name="evidence_upload"),
    path("findings/<int:pk>/archive/", issue_views.finding_archive, name="finding_archive"),
    path("findings/<int:pk>/restore/", issue_views.finding_restore, name="finding_restore"),
    path("findings/<int:pk>/extension/", issue_views.extension_request, name="extension_request"),
    path("requests/<int:pk>/decide/", issue_views.request_decide, name="request_decide"),
    path("requests/<int:pk>/withdraw/", issue_views.request_withdraw, name="request_withdraw"),
    path("findings/<int:pk>/<str:action>/", issue_views.finding_action, name="finding_action"),
    path("evidence/<int:pk>/", issue_views.evidence_download, name="evidence_download"),
    path("evidence/<int:pk>/remove/", issue_views.evidence_remove, name="evidence_remove"),
    path("evidence/<int:pk>/restore/", issue_views.evidence_restore, name="evidence_restore"),
    path("my/", issue_views.my_work, name="my_work"),
    path("notices/new/", issue_views.notice_create, name="notice_create"),
    path("notices/<int:pk>/", issue_views.notice_detail, name="notice_detail"),
    path("notices/<int:pk>/items/", issue_views.notice_item_add, name="notice_item_add"),
    path("notices/<int:pk>/edit/", review_views.notice_edit, name="notice_edit"),
    path("findings/export.xlsx", report_views.ledger_xlsx, name="ledger_xlsx"),
    path("imports/", import_views.import_start_view, name="import_start"),
    path("imports/<int:pk>/", import_views.import_preview, name="import_preview"),
    path("imports/<int:pk>/cancel/", import_views.import_cancel_view, name="import_cancel"),
    path("reviews/", review_views.review_list, name="review_list"),
    path("reviews/new/", review_views.review_create, name="review_create"),
    path("reviews/<int:pk>/", review_views.review_detail, name="review_detail"),
    path("reviews/<int:pk>/edit/", review_views.review_edit, name="review_edit"),
    path("reviews/<int:pk>/categories/", review_views.categories_save, name="categories_save"),
    path("reviews/<int:pk>/categories/new/", review_views.category_add, name="category_add"),
    path(
        "reviews/<int:pk>/categories/<int:category_pk>/remove/",
        review_views.category_remove,
        name="category_remove",
    ),
    path("units/", issue_views.unit_list, name="unit_list"),
    path("units/new/", issue_views.unit_create, name="unit_create"),
    path("units/<int:pk>/edit/", issue_views.unit_edit, name="unit_edit"),
    path("counties/<str:code>/", report_views.county_dashboard, name="county_dashboard"),
    path("provinces/<str:code>/", report_views.province_dashboard, name="province_dashboard"),
    path("nation/", report_views.nation_dashboard, name="nation_dashboard"),
    path("nation/ledger.xlsx", report_views.nation_ledger_xlsx, name="nation_ledger_xlsx"),
    path("indicators/<int:pk>/readings/", report_views.reading_add, name="reading_add"),
    path("reports/", report_views.report_list, name="report_list"),
    path("reports/new/", report_views.report_create, name="report_create"),
    path("reports/<int:pk>/", report_views.report_detail, name="report_detail"),
    path("reports/<int:pk>/edit/", report_views.report_edit, name="report_edit"),
    path(
        "reports/<int:pk>/<str:document>.docx",
        report_views.report_docx,
        name="report_docx",
    ),
    path(
        "provinces/<str:code>/ledger.xlsx",
        report_views.province_ledger_xlsx,
        name="province_ledger_xlsx",
    ),
    path("accounts/login/", auth_views.LoginView.as_view(), name="login"),
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("i18n/", include("django.conf.urls.i18n")),
    path("admin/", admin.site.urls),
]
