"""The customer return portal under /returns/ (returns/views.py), and the return labels' links."""

from django.urls import path

from . import views, views_claims

app_name = "returns"
urlpatterns = [
    # Before the portal's token routes: a label's link is its own kind of path.
    path("label/<str:token>.pdf", views.label_pdf_view, name="label-pdf"),
    # Claims (a delivery problem) and late-parcel choices, before the portal's `<token>/<number>/`.
    path("problem/<str:token>/", views_claims.report, name="problem"),
    path("problem/<str:token>/<str:number>/", views_claims.report_done, name="problem-done"),
    path("late/<str:token>/", views_claims.late_page, name="late"),
    path("", views.lookup, name="lookup"),
    path("<str:token>/", views.order_page, name="order"),
    path("<str:token>/<str:number>/", views.done, name="done"),
]
