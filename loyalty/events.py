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
