"""Dashboards, reports (Word and PDF) and the ledger exports (.xlsx)."""

from django.urls import path

from . import views as report_views

urlpatterns = [
    path("", report_views.home, name="home"),
    path("healthz", report_views.healthz, name="healthz"),
    path("findings/export.xlsx", report_views.ledger_xlsx, name="ledger_xlsx"),
    path("counties/<str:code>/", report_views.county_dashboard, name="county_dashboard"),
    path("provinces/<str:code>/", report_views.province_dashboard, name="province_dashboard"),
    path("nation/", report_views.nation_dashboard, name="nation_dashboard"),
    path("nation/ledger.xlsx", report_views.nation_ledger_xlsx, name="nation_ledger_xlsx"),
    path("nation/ledger/", report_views.nation_ledger_status, name="nation_ledger_status"),
    path("indicators/<int:pk>/readings/", report_views.reading_add, name="reading_add"),
    path("reports/", report_views.report_list, name="report_list"),
    path("reports/new/", report_views.report_create, name="report_create"),
    path("reports/<int:pk>/", report_views.report_detail, name="report_detail"),
    path("reports/<int:pk>/edit/", report_views.report_edit, name="report_edit"),
    path(
        "reports/<int:pk>/<str:document>.docx",
        report_views.report_file,
        {"fmt": "docx"},
        name="report_docx",
    ),
    path(
        "reports/<int:pk>/<str:document>.pdf",
        report_views.report_file,
        {"fmt": "pdf"},
        name="report_pdf",
    ),
    path(
        "provinces/<str:code>/ledger.xlsx",
        report_views.province_ledger_xlsx,
        name="province_ledger_xlsx",
    ),
    path(
        "provinces/<str:code>/ledger/",
        report_views.province_ledger_status,
        name="province_ledger_status",
    ),
    # The forms per finding and per report.
    path(
        "findings/<int:pk>/forms/closeout.docx",
        report_views.finding_closeout_file,
        {"fmt": "docx"},
        name="finding_closeout_docx",
    ),
    path(
        "findings/<int:pk>/forms/closeout.pdf",
        report_views.finding_closeout_file,
        {"fmt": "pdf"},
        name="finding_closeout_pdf",
    ),
    path(
        "findings/<int:pk>/forms/evidence.docx",
        report_views.finding_evidence_list,
        name="finding_evidence_list",
    ),
    path(
        "findings/<int:pk>/forms/evidence.zip",
        report_views.finding_evidence_zip,
        name="finding_evidence_zip",
    ),
    path(
        "reports/<int:pk>/forms/evidence.docx",
        report_views.report_evidence_list,
        name="report_evidence_list",
    ),
    path(
        "reports/<int:pk>/forms/evidence.zip",
        report_views.report_evidence_zip,
        name="report_evidence_zip",
    ),
    # 月度整改进展情况表
    path(
        "counties/<str:code>/monthly.docx",
        report_views.county_monthly,
        {"fmt": "docx"},
        name="county_monthly_docx",
    ),
    path(
        "counties/<str:code>/monthly.pdf",
        report_views.county_monthly,
        {"fmt": "pdf"},
        name="county_monthly_pdf",
    ),
    path(
        "provinces/<str:code>/monthly.docx",
        report_views.province_monthly,
        {"fmt": "docx"},
        name="province_monthly_docx",
    ),
    path(
        "provinces/<str:code>/monthly.pdf",
        report_views.province_monthly,
        {"fmt": "pdf"},
        name="province_monthly_pdf",
    ),
    # 督查通报
    path(
        "notices/<int:pk>/notice.docx",
        report_views.notice_file,
        {"fmt": "docx"},
        name="notice_docx",
    ),
    path(
        "notices/<int:pk>/notice.pdf",
        report_views.notice_file,
        {"fmt": "pdf"},
        name="notice_pdf",
    ),
]
