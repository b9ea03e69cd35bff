from typing import Any

from django.apps import AppConfig
from django.db.models.signals import post_migrate


def _flows_sync(sender: AppConfig, apps: Any = None, verbosity: int = 1, **kwargs: Any) -> None:
    """After every migrate (a deploy): stores get the default flows of newly registered kinds.
    A deployment hook, not domain flow; `sync_flows` runs the same by hand."""
    if apps is not None:
        settings = apps.get_model("notifications", "MessagingSettings")
        if not any(f.name == "synced_flows" for f in settings._meta.get_fields()):
            return  # migrated back to before the sync existed
    from .flows import flows_sync

    created = flows_sync()
    if created and verbosity:
        print(f"Gave stores {created} default flow(s) of newly registered message kinds.")  # noqa: T201


class NotificationsConfig(AppConfig):
    name = "notifications"

    def ready(self) -> None:
        # Registered here, not by URL loading, so a Celery worker replaying webhooks has them too.
        from . import email_events, privacy, subscribers, webhooks  # noqa: F401 - subscribers, anymail and Twilio handlers
        from .kinds import kinds_register
        from .replenishment import kind_register as replenishment_register

        kinds_register()
        replenishment_register()
        post_migrate.connect(_flows_sync, sender=self, dispatch_uid="notifications.flows_sync")
