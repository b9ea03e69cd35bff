"""Stores: the tenant's own row."""

from django.db import transaction

from orders import events
from orders.models import Store


@transaction.atomic
def store_save(*, store: Store, actor: str = "") -> bool:
    """Save a store; a new one also records `store.created`, so every app sets up its defaults
    (flows, messaging and tracking settings) in the same transaction. Returns whether it was new."""
    created = store.pk is None
    store.save()
    if created:
        events.event_record(kind=events.STORE_CREATED, store=store, data={"slug": store.slug}, actor=actor)
    return created
