from pathlib import Path

from django.apps import AppConfig


class LoyaltyConfig(AppConfig):
    name = "loyalty"

    def ready(self) -> None:
        from notifications.registry import DefaultFlow, Kind, register

        from . import events, subscribers  # noqa: F401  (timeline wording, event subscribers)
        from .tiers import TIER_MESSAGE

        register(
            Kind(
                name=TIER_MESSAGE,
                label="Loyalty tier changed",
                app=self.label,
                templates=Path(__file__).parent / "message_templates",
                channels=("email",),
                triggers=(events.TIER_CHANGED,),
                flows=(DefaultFlow(channel="email", transactional=False),),
                sample=lambda store, locale: {
                    "tier": "silver",
                    "previous": "bronze",
                    "perks": "1.5 points per unit spent.",
                    "up": True,
                },
            )
        )
