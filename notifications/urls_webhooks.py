"""Provider webhooks of the messaging engine: Twilio status callbacks and inbound SMS."""

urlpatterns: list = []
