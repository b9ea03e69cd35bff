from django.apps import AppConfig


class TrackingConfig(AppConfig):
    name = "tracking"

    def ready(self) -> None:
        from . import privacy, services, subscribers, webhooks  # noqa: F401 - erasure, timeline wording, subscribers, webhooks
