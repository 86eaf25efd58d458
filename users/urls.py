"""The accounts pages (系统管理员, 安全管理员)."""

from django.urls import path

from . import views

urlpatterns = [
    path("", views.account_list, name="account_list"),
    path("new/", views.account_create, name="account_create"),
    path("<int:pk>/", views.account_detail, name="account_detail"),
    path("<int:pk>/deactivate/", views.account_deactivate, name="account_deactivate"),
    path("<int:pk>/reactivate/", views.account_reactivate, name="account_reactivate"),
    path("<int:pk>/reset/", views.account_password_reset, name="account_password_reset"),
    path("<int:pk>/roles/", views.account_roles, name="account_roles"),
    path("lockouts/", views.lockout_list, name="lockout_list"),
    path("lockouts/unlock/", views.lockout_unlock, name="lockout_unlock"),
]
