from django.apps import AppConfig


class ReturnsConfig(AppConfig):
    name = "returns"

    def ready(self) -> None:
        # Registers how the timeline words return.* events.
        from returns import events, messages, privacy, subscribers  # noqa: F401

        messages.kinds_register()
