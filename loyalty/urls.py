"""The member's loyalty page, reached by a signed link."""

from django.urls import path

from . import views

app_name = "loyalty"
urlpatterns = [path("<str:token>/", views.page, name="page")]
