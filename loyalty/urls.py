"""The loyalty pages: the magic-link form and the member's page behind a signed link."""

from django.urls import path

from . import views

app_name = "loyalty"
urlpatterns = [
    path("", views.link_request, name="lookup"),
    path("<str:token>/", views.page, name="page"),
]
