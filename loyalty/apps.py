from pathlib import Path

from django.apps import AppConfig


class LoyaltyConfig(AppConfig):
    name = "loyalty"

    def ready(self) -> None:
        from notifications.registry import DefaultFlow, Kind, register

        from . import events, privacy, subscribers  # noqa: F401  (timeline wording, subscribers, erasure/export)
        from .moments import BIRTHDAY_MESSAGE, EXPIRING_MESSAGE
        from .tiers import TIER_MESSAGE

        templates = Path(__file__).parent / "message_templates"
        register(
            Kind(
                name=TIER_MESSAGE,
                label="Loyalty tier changed",
                app=self.label,
                templates=templates,
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
        register(
            Kind(
                name=BIRTHDAY_MESSAGE,
                label="Loyalty birthday points",
                app=self.label,
                templates=templates,
                channels=("email",),
                triggers=(events.BIRTHDAY,),
                flows=(DefaultFlow(channel="email", transactional=False),),
                sample=lambda store, locale: {"points": 200},
            )
        )
        register(
            Kind(
                name=EXPIRING_MESSAGE,
                label="Loyalty points expiring",
                app=self.label,
                templates=templates,
                channels=("email",),
                triggers=(events.POINTS_EXPIRING,),
                flows=(DefaultFlow(channel="email", transactional=False),),
                sample=lambda store, locale: {"points": 1250, "expires_on": "2027-03-01", "days": 30},
            )
        )
