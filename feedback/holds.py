"""Feedback's hold on its own kinds: no review request or survey while something is wrong.

Registered in FeedbackConfig.ready(). Reads only feedback's projection (`OrderProblems`) and the
outbox, one query each for a whole batch.
"""

from collections.abc import Mapping, Sequence
from datetime import datetime, timedelta

from notifications.holds import HeldMessage, Hold
from notifications.models import Message, MessageState

from .kinds import REVIEW_REMINDER, SURVEY_REQUEST
from .models import OrderProblems, Review

# Looked at again this often while a problem is open, so the request follows soon after it clears.
WAIT = timedelta(hours=6)
# A problem open this long is not going to clear in a way that makes asking a good idea.
GIVE_UP = timedelta(days=60)
SURVEY_GAP = timedelta(days=30)


def open_problems(messages: Sequence[HeldMessage], now: datetime) -> Mapping[int, Hold | None]:
    orders = {m.order_id for m in messages if m.order_id is not None}
    rows = {p.order_id: p for p in OrderProblems.objects.filter(order_id__in=orders)}
    answers: dict[int, Hold | None] = {}
    reminded = {m.order_id for m in messages if m.kind == REVIEW_REMINDER and m.order_id is not None}
    reviewed = (
        set(Review.objects.filter(order_id__in=reminded).values_list("order_id", flat=True)) if reminded else set()
    )
    for message in messages:
        if message.kind == REVIEW_REMINDER and message.order_id in reviewed:
            answers[message.id] = Hold.cancel("the customer already wrote a review")
            continue
        problems = rows.get(message.order_id) if message.order_id is not None else None
        if problems is None:
            continue
        if problems.returned:
            answers[message.id] = Hold.cancel("the order was returned")
            continue
        reasons = problems.open_reasons()
        if not reasons:
            continue
        opened = [datetime.fromisoformat(t) for t in problems.opened_at()]
        if opened and now - min(opened) > GIVE_UP:
            answers[message.id] = Hold.cancel(f"{reasons[0]} for more than {GIVE_UP.days} days")
        else:
            answers[message.id] = Hold.postpone(f"waits: {', '.join(reasons)}", now + WAIT)
    return answers


def one_survey_a_month(messages: Sequence[HeldMessage], now: datetime) -> Mapping[int, Hold | None]:
    """At most one survey per customer per 30 days (on top of the frequency cap): a survey sent
    lately, or an earlier one in the same batch, cancels this one."""
    customers = {m.customer_id for m in messages if m.customer_id is not None}
    recent = set(
        Message.objects.filter(
            kind=SURVEY_REQUEST,
            customer_id__in=customers,
            state__in=[MessageState.SENDING, MessageState.SENT, MessageState.DELIVERED],
            send_at__gte=now - SURVEY_GAP,
        )
        .exclude(id__in=[m.id for m in messages])
        .values_list("customer_id", flat=True)
    )
    answers: dict[int, Hold | None] = {}
    for message in sorted(messages, key=lambda m: m.id):
        if message.customer_id is None:
            continue
        if message.customer_id in recent:
            answers[message.id] = Hold.cancel("a survey was sent to this customer in the last 30 days")
        recent.add(message.customer_id)
    return answers
