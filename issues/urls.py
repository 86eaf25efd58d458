"""The ledger's pages: findings, their workflow and evidence, notices, reviews, units, imports."""

from django.urls import path

from . import review_views
from . import views as issue_views
from .importing import notice_views
from .importing import views as import_views

urlpatterns = [
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
    path("findings/<int:pk>/urge/", issue_views.finding_urge, name="finding_urge"),
    path("notices/<int:pk>/urge/", issue_views.notice_urge, name="notice_urge"),
    path(
        "findings/<int:pk>/acknowledge/",
        issue_views.finding_acknowledge,
        name="finding_acknowledge",
    ),
    path("findings/<int:pk>/hand-back/", issue_views.finding_hand_back, name="finding_hand_back"),
    path("findings/progress/<int:pk>/accept/", issue_views.progress_accept, name="progress_accept"),
    path("findings/progress/<int:pk>/return/", issue_views.progress_return, name="progress_return"),
    path("findings/<int:pk>/<str:action>/", issue_views.finding_action, name="finding_action"),
    path("evidence/<int:pk>/", issue_views.evidence_download, name="evidence_download"),
    path(
        "evidence/<int:pk>/thumbnail/",
        issue_views.evidence_image,
        {"copy": "thumbnail"},
        name="evidence_thumbnail",
    ),
    path(
        "evidence/<int:pk>/display/",
        issue_views.evidence_image,
        {"copy": "display"},
        name="evidence_display",
    ),
    path("evidence/<int:pk>/remove/", issue_views.evidence_remove, name="evidence_remove"),
    path("evidence/<int:pk>/restore/", issue_views.evidence_restore, name="evidence_restore"),
    path("my/", issue_views.my_work, name="my_work"),
    path("notices/new/", issue_views.notice_create, name="notice_create"),
    path("notices/<int:pk>/", issue_views.notice_detail, name="notice_detail"),
    path("notices/<int:pk>/items/", issue_views.notice_item_add, name="notice_item_add"),
    path("notices/<int:pk>/edit/", review_views.notice_edit, name="notice_edit"),
    path("notices/items/<int:pk>/edit/", issue_views.notice_item_edit, name="notice_item_edit"),
    path(
        "notices/items/<int:pk>/withdraw/",
        issue_views.notice_item_withdraw,
        name="notice_item_withdraw",
    ),
    path("notices/import/", notice_views.notice_import_start_view, name="notice_import_start"),
    path(
        "notices/import/<int:pk>/",
        notice_views.notice_import_preview,
        name="notice_import_preview",
    ),
    path(
        "notices/import/<int:pk>/cancel/",
        notice_views.notice_import_cancel_view,
        name="notice_import_cancel",
    ),
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
]
