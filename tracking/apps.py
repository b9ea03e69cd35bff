from django.apps import AppConfig


class TrackingConfig(AppConfig):
    name = "tracking"

    def ready(self) -> None:
        from . import services, webhooks  # noqa: F401 - delay events' timeline wording, carrier webhook handlers
