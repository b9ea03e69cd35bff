from datetime import timedelta
from pathlib import Path
from typing import Any

from django.apps import AppConfig

NUDGED = "fake_pillar.nudged"  # its domain event: an order was nudged
NUDGE = "fake_pillar_nudge"  # the message it sends then
BIRTHDAY = "fake_pillar_birthday"  # a message to a customer, about no order, scheduled by the app itself


def _nudge_sample(store: Any, locale: str) -> dict[str, Any]:
    return {"nudge": "Your wool cap misses you"}


class FakePillarConfig(AppConfig):
    name = "tests.apps.fake_pillar"
    label = "fake_pillar"
    verbose_name = "Fake pillar"

    def ready(self) -> None:
        from notifications.registry import DefaultFlow, Kind, register

        templates = Path(__file__).parent / "message_templates"
        register(
            Kind(
                name=NUDGE,
                label="Nudge",
                app=self.label,
                templates=templates,
                channels=("email",),
                triggers=(NUDGED,),
                flows=(DefaultFlow(channel="email", delay=timedelta(hours=1)),),
                sample=_nudge_sample,
            )
        )
        register(
            Kind(
                name=BIRTHDAY,
                label="Birthday",
                app=self.label,
                templates=templates,
                channels=("email", "sms"),
                triggers=("fake_pillar.birthday",),
                flows=(
                    DefaultFlow(channel="email", transactional=False),
                    DefaultFlow(channel="sms", transactional=False),
                ),
            )
        )
