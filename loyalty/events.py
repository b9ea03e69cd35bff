"""The `loyalty.*` event kinds and their timeline wording."""

from orders.events import describes

TIER_CHANGED = "loyalty.tier_changed"
REWARD_REDEEMED = "loyalty.reward_redeemed"
# Triggers of the birthday and expiry-warning messages' flows. Loyalty schedules those messages
# itself (`message_schedule_for_customer`, keyed per year or per warning); no event has these kinds.
BIRTHDAY = "loyalty.birthday"
POINTS_EXPIRING = "loyalty.points_expiring"
# Likewise for the page link a customer asks for by email, and the "points available" nudge.
LINK_REQUESTED = "loyalty.link_requested"
POINTS_AVAILABLE = "loyalty.points_available"

describes(TIER_CHANGED)(lambda d: f"Loyalty tier changed from {d.get('from') or 'none'} to {d.get('to')}")
describes(REWARD_REDEEMED)(lambda d: f"Redeemed {d.get('points')} points for {d.get('reward')} ({d.get('code')})")

# Kinds recorded by other apps that loyalty follows. Loyalty never imports returns or feedback,
# so their kinds are spelled here as the strings those apps publish (the event catalogue).
RETURN_WINDOW_CLOSED = "return_window.closed"
RETURN_FAMILY = "return.*"
RETURN_RESOLVED_STATUSES = ("refunded", "credited", "kept", "exchanged")
REVIEW_PUBLISHED = "review.published"

# One timeline line per ledger entry, written by `ledger.entry_post` with the entry (one INSERT, no
# read): on the order's timeline when the entry belongs to an order (earned, released, reversed,
# apology), on the customer's otherwise (birthday, referral and other bonuses, adjustments, expiry).
# A redemption has its own line (REWARD_REDEEMED). Not "loyalty.points_available": that is the
# trigger of the "points available" message's flow, and a line must never send a message.
POINTS_PENDING = "loyalty.points_pending"
POINTS_RELEASED = "loyalty.points_released"
POINTS_REVERSED = "loyalty.points_reversed"
POINTS_BONUS = "loyalty.points_bonus"  # bonus, birthday, review, referral and apology points
POINTS_EXPIRED = "loyalty.points_expired"
POINTS_ADJUSTED = "loyalty.points_adjusted"


def points_event_kind(entry_kind: str) -> str | None:
    """The timeline kind of a ledger entry of `entry_kind` (an `EntryKind` value); None for none."""
    return {
        "earn": POINTS_PENDING,
        "release": POINTS_RELEASED,
        "reverse": POINTS_REVERSED,
        "bonus": POINTS_BONUS,
        "referral": POINTS_BONUS,
        "apology": POINTS_BONUS,
        "expire": POINTS_EXPIRED,
        "adjust": POINTS_ADJUSTED,
    }.get(entry_kind)


def _why(d: dict) -> str:
    return f" ({d['reason']})" if d.get("reason") else ""


def _balances(d: dict) -> str:
    return f" · now {d.get('available', 0)} available, {d.get('pending', 0)} pending"


_BONUS_NAMES = {"referral": "referral", "apology": "apology"}

describes(POINTS_PENDING)(lambda d: f"{d.get('points')} points pending{_why(d)}{_balances(d)}")
describes(POINTS_RELEASED)(lambda d: f"{d.get('points')} points became available{_why(d)}{_balances(d)}")
describes(POINTS_REVERSED)(lambda d: f"{abs(d.get('points') or 0)} points reversed{_why(d)}{_balances(d)}")
describes(POINTS_BONUS)(
    lambda d: f"{d.get('points')} {_BONUS_NAMES.get(d.get('entry', ''), 'bonus')} points given{_why(d)}{_balances(d)}"
)
describes(POINTS_EXPIRED)(lambda d: f"{abs(d.get('points') or 0)} points expired{_why(d)}{_balances(d)}")
describes(POINTS_ADJUSTED)(lambda d: f"Points adjusted by {int(d.get('points') or 0):+d}{_why(d)}{_balances(d)}")
