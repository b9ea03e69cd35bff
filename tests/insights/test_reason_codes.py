"""A message held back carries its reason as a code the dashboard counts, not only as text."""

import pytest

from notifications.models import Channel, Message, MessageState, Suppression
from tests.orders.factories import place_order

pytestmark = pytest.mark.django_db


def test_a_message_to_a_suppressed_address_is_suppressed_with_the_suppression_list_code(
    store, django_capture_on_commit_callbacks
):
    Suppression.objects.create(channel=Channel.EMAIL, address="ada@example.com", reason="hard bounce")

    with django_capture_on_commit_callbacks(execute=True):
        order = place_order(store, email="ada@example.com")

    message = Message.objects.get(order=order, channel=Channel.EMAIL)
    assert (message.state, message.reason_code) == (MessageState.SUPPRESSED, "suppression_list")
    assert "suppression list" in message.reason
