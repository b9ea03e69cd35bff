"""The customer return portal under /returns/ (returns/views.py)."""

from django.urls import path

from . import views

app_name = "returns"
urlpatterns = [
    path("", views.lookup, name="lookup"),
    path("<str:token>/", views.order_page, name="order"),
    path("<str:token>/<str:number>/", views.done, name="done"),
]
