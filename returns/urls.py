"""The customer return portal under /returns/ (returns/views.py), and the return labels' links."""

from django.urls import path

from . import views

app_name = "returns"
urlpatterns = [
    # Before the portal's token routes: a label's link is its own kind of path.
    path("label/<str:token>.pdf", views.label_pdf_view, name="label-pdf"),
    path("", views.lookup, name="lookup"),
    path("<str:token>/", views.order_page, name="order"),
    path("<str:token>/<str:number>/", views.done, name="done"),
]
