from django.apps import AppConfig


class NotificationsConfig(AppConfig):
    name = "notifications"

    def ready(self) -> None:
        from . import subscribers  # noqa: F401 - registers the domain-event subscribers
