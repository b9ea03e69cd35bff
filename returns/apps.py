from django.apps import AppConfig


class ReturnsConfig(AppConfig):
    name = "returns"

    def ready(self) -> None:
        # Registers how the timeline words return.* events.
        from returns import events, messages, privacy, subscribers  # noqa: F401
        from returns.claims import holds, late, timeline  # noqa: F401  (late: subscribers)
        from returns.claims import messages as claim_messages

        messages.kinds_register()
        claim_messages.kinds_register()
        holds.holds_register()
        timeline.register()
