"""Customer pages of the messaging engine: preferences and one-click unsubscribe."""

from django.urls import path

app_name = "notifications"
urlpatterns: list = []
