from django.apps import AppConfig


class NotificationsConfig(AppConfig):
    name = "notifications"

    def ready(self) -> None:
        # Registered here, not by URL loading, so a Celery worker replaying webhooks has them too.
        from . import email_events, subscribers, webhooks  # noqa: F401 - subscribers, anymail and Twilio handlers
