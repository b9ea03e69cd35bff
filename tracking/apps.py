from django.apps import AppConfig


class TrackingConfig(AppConfig):
    name = "tracking"

    def ready(self) -> None:
        from . import services, subscribers, webhooks  # noqa: F401 - timeline wording, event subscribers, carrier webhooks
