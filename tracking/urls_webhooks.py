"""Carrier webhooks, included at /webhooks/carriers/ (docs/carrier-webhooks.md)."""

from django.urls import path

from .webhooks import carrier_webhook

urlpatterns = [
    path("<str:provider>/<slug:store_slug>/", carrier_webhook, name="carrier-webhook"),
]
