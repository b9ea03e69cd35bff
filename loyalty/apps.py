from django.apps import AppConfig


class LoyaltyConfig(AppConfig):
    name = "loyalty"

    def ready(self) -> None:
        from tracking.page_lines import register_page_line

        from . import events, privacy, subscribers  # noqa: F401  (timeline wording, subscribers, erasure/export)
        from .kinds import kinds_register
        from .selectors import tracking_line

        kinds_register()
        register_page_line("loyalty", tracking_line)
