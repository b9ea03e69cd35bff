"""Customer pages under /track/: the lookup form, the signed page and its JSON for widgets."""

from django.urls import path

from . import api, views

app_name = "tracking"
urlpatterns = [
    path("", views.lookup, name="lookup"),
    path("<str:token>.json", api.PublicTrackingApi.as_view(), name="json"),
    path("<str:token>/", views.page, name="page"),
]
