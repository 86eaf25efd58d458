from django.urls import path

from . import views

urlpatterns = [
    path("robots/", views.hook_list, name="hook_list"),
    path("robots/new/", views.hook_create, name="hook_create"),
    path("robots/<int:pk>/edit/", views.hook_edit, name="hook_edit"),
]
