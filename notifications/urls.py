"""Customer pages of the messaging engine: preferences and one-click unsubscribe."""

from django.urls import path

from . import views

app_name = "notifications"
urlpatterns = [
    path("preferences/<str:token>/", views.preferences, name="preferences"),
    path("unsubscribe/<str:token>/", views.unsubscribe, name="unsubscribe"),
]
