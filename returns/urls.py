from django.urls import path

from . import views

app_name = "returns"

urlpatterns = [
    path("label/<str:token>.pdf", views.label_pdf_view, name="label-pdf"),
]
