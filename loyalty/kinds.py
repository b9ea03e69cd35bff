"""Loyalty's message kinds, declared in `LoyaltyConfig.ready()`.

Every loyalty message is about the customer, not an order. Its `message.data` carries `member`
(the customer's id), from which the `data` hook derives `loyalty_url`, the member's signed page,
at render time: the link is never stored in the outbox, and every loyalty message carries it.
"""

from collections.abc import Mapping
from pathlib import Path
from typing import Any

from notifications.registry import DefaultFlow, Kind, register

from . import events
from .links import loyalty_url_for_id

TEMPLATES = Path(__file__).parent / "message_templates"

TIER_MESSAGE = "loyalty_tier_changed"
BIRTHDAY_MESSAGE = "loyalty_birthday"
EXPIRING_MESSAGE = "loyalty_points_expiring"
MAGIC_LINK_MESSAGE = "loyalty_magic_link"
REWARD_MESSAGE = "loyalty_reward_issued"
AVAILABLE_MESSAGE = "loyalty_points_available"


def member_links(data: Mapping[str, Any], locale: str) -> Mapping[str, Any]:
    """The member's signed page, for the templates (`message.data.loyalty_url`)."""
    member = data.get("member")
    if isinstance(member, int) and not isinstance(member, bool):
        return {"loyalty_url": loyalty_url_for_id(member)}
    return {}


def _optional(trigger: str) -> tuple[DefaultFlow, ...]:
    return (DefaultFlow(channel="email", trigger=trigger, transactional=False),)


def kinds_register() -> None:
    def kind(name: str, label: str, trigger: str, flows: tuple[DefaultFlow, ...], sample: dict[str, Any]) -> None:
        register(
            Kind(
                name=name,
                label=label,
                app="loyalty",
                templates=TEMPLATES,
                channels=("email",),
                triggers=(trigger,),
                flows=flows,
                sample=lambda store, locale: {**sample, "member": 0},
                data=member_links,
            )
        )

    kind(
        TIER_MESSAGE,
        "Loyalty tier changed",
        events.TIER_CHANGED,
        _optional(events.TIER_CHANGED),
        {"tier": "silver", "previous": "bronze", "perks": "1.5 points per unit spent.", "up": True},
    )
    kind(BIRTHDAY_MESSAGE, "Loyalty birthday points", events.BIRTHDAY, _optional(events.BIRTHDAY), {"points": 200})
    kind(
        EXPIRING_MESSAGE,
        "Loyalty points expiring",
        events.POINTS_EXPIRING,
        _optional(events.POINTS_EXPIRING),
        {"points": 1250, "expires_on": "2027-03-01", "days": 30},
    )
    # Asked for on the loyalty page's form: the customer is waiting for it, so it is transactional.
    kind(
        MAGIC_LINK_MESSAGE,
        "Loyalty page link (asked for)",
        events.LINK_REQUESTED,
        (DefaultFlow(channel="email", trigger=events.LINK_REQUESTED),),
        {"available": 1250},
    )
    # The code the customer just bought with points: transactional, like a receipt.
    kind(
        REWARD_MESSAGE,
        "Loyalty reward issued",
        events.REWARD_REDEEMED,
        (DefaultFlow(channel="email"),),
        {
            "reward": "5.00 off",
            "points": 500,
            "code": "REWARD-8F2K4Q7MXP",
            "expires_on": "2027-03-01",
            "available": 750,
        },
    )
    # Marketing: a nudge that points can be spent now.
    kind(
        AVAILABLE_MESSAGE,
        "Loyalty points available",
        events.POINTS_AVAILABLE,
        _optional(events.POINTS_AVAILABLE),
        {"points": 349, "available": 1249},
    )
