"""Provider webhooks of the messaging engine: Twilio status callbacks and inbound SMS."""

from django.urls import path

from notifications.webhooks import twilio_inbound, twilio_status

urlpatterns = [
    path("status/", twilio_status, name="twilio-status"),
    path("inbound/", twilio_inbound, name="twilio-inbound"),
]
