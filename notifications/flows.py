"""The default flows of every registered kind, given to every store once. Merchants change them in
the admin; the sync never touches a flow again once the store was given it (a flow the merchant
deleted stays deleted)."""

from collections.abc import Iterable

from django.db import transaction

from notifications import registry
from notifications.models import Flow, MessagingSettings
from orders.models import Store


def flow_key(trigger: str, kind: str, channel: str) -> str:
    return f"{trigger}/{kind}/{channel}"


def _defaults() -> dict[str, tuple[str, registry.Kind, registry.DefaultFlow]]:
    return {
        flow_key(trigger, kind.name, flow.channel): (trigger, kind, flow)
        for kind in registry.kinds()
        for trigger, flow in kind.default_flows()
    }


def _give(
    settings: MessagingSettings,
    missing: Iterable[str],
    defaults: dict[str, tuple[str, registry.Kind, registry.DefaultFlow]],
) -> None:
    """Create the flows `missing` names for the store and remember it was given them."""
    rows = []
    for key in missing:
        trigger, kind, flow = defaults[key]
        rows.append(
            Flow(
                store_id=settings.store_id,
                trigger=trigger,
                kind=kind.name,
                channel=flow.channel,
                delay_minutes=flow.delay_minutes,
                transactional=flow.transactional,
                enabled=flow.enabled,
            )
        )
    # A flow the merchant made by hand for the same trigger, kind and channel wins.
    Flow.objects.bulk_create(rows, ignore_conflicts=True)
    settings.synced_flows = sorted({*settings.synced_flows, *(flow_key(f.trigger, f.kind, f.channel) for f in rows)})
    settings.save(update_fields=["synced_flows"])


def messaging_for(store: Store) -> MessagingSettings:
    """The store's messaging settings; the first call also creates its default flows."""
    settings, created = MessagingSettings.objects.get_or_create(store=store)
    if created:
        defaults = _defaults()
        _give(settings, defaults, defaults)
    return settings


@transaction.atomic
def flows_sync() -> int:
    """Give every store the default flows of the kinds registered since it was set up: a pillar
    deployed after the store exists still reaches its customers. Returns how many flows were
    created; a second run creates none. Stores never set up get their settings and all flows."""
    defaults = _defaults()
    before = Flow.objects.count()
    for store in Store.objects.filter(messaging__isnull=True):
        messaging_for(store)
    # Locked so two deploys running the sync at once do not both give a store the same flows.
    for settings in MessagingSettings.objects.select_for_update().order_by("pk"):
        missing = defaults.keys() - set(settings.synced_flows)
        if missing:
            _give(settings, sorted(missing), defaults)
    return Flow.objects.count() - before
