"""Carrier tracking webhooks: `/webhooks/carriers/<provider>/<store-slug>/`. Verify, store, process.

Providers: `aftership`, `easypost` and `generic` (our own format), see tracking/carriers/ and
docs/carrier-webhooks.md. Like the Shopify webhook: the row is stored before it is processed
and we answer 200 once it is stored, so a processing failure (typically a checkpoint for a
shipment we do not know yet) is recorded on the row and retried by the sweeper and
`manage.py replay_webhooks`, not by the provider.
"""

import json
import logging

from django.http import HttpRequest, JsonResponse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from orders.models import InboundWebhook, Store
from orders.services import webhook_process, webhook_receive
from postpurchase.webhooks import declared_length, error_response, handles, json_object, read_body

from .carriers import FORMATS, PROVIDER_PREFIX, carrier_format, provider_name
from .carriers.apply import tracking_update_apply

logger = logging.getLogger(__name__)


@csrf_exempt
@require_POST
def carrier_webhook(request: HttpRequest, provider: str, store_slug: str) -> JsonResponse:
    """Receive one carrier webhook for a store.

    1. Unknown provider: 404. Too large: 413. Unknown store, or bad or missing signature: the same
       401, so the URL does not tell which store slugs exist. Nothing is stored.
    2. Not a JSON object in the provider's format: 400, nothing stored.
    3. Store the row (deduplicated on the provider's event id) and process it inline; 200 either way.
    """
    fmt = carrier_format(provider)
    if fmt is None:
        return error_response(404, "unknown provider")
    if declared_length(request) is None:
        return error_response(400, "bad Content-Length")
    body = read_body(request)
    if body is None:
        return error_response(413, "body too large")
    store = Store.objects.filter(slug=store_slug).first()
    if store is None or not fmt.verify(store, body, request.headers):
        logger.warning("%s webhook for store %r: unknown store, or bad or missing signature", provider, store_slug)
        return error_response(401, "bad signature")

    parsed = json_object(body)
    if parsed is None:
        return error_response(400, "expected a JSON object")
    text, payload = parsed
    try:
        envelope = fmt.envelope(payload, body)
        fmt.parse(payload, store.zone)  # the zone assumed for times without an offset
    except (ValueError, TypeError, KeyError) as exc:
        return error_response(400, f"not a {provider} tracking webhook: {exc}")

    headers = {name: value for name, value in request.headers.items() if name.lower().startswith(fmt.kept_headers)}
    webhook, needs_processing = webhook_receive(
        provider=provider_name(fmt.name),
        store=store,
        topic=envelope.topic[:100],
        event_id=envelope.event_id[:200],
        headers=headers,
        body=text,
    )
    if not needs_processing:
        return JsonResponse({"ok": True, "duplicate": True})
    webhook_process(webhook_id=webhook.pk)
    return JsonResponse({"ok": True})


def carrier_webhook_handle(webhook: InboundWebhook) -> None:
    """Apply a stored carrier webhook, live or replayed; every step is idempotent."""
    fmt = carrier_format(webhook.provider.removeprefix(PROVIDER_PREFIX))
    if fmt is None:
        raise LookupError(f"no carrier format for {webhook.provider!r}")
    update = fmt.parse(json.loads(webhook.body), webhook.store.zone)
    if update is None:
        logger.info("%s %s has no tracking news; webhook %s stored and skipped", fmt.name, webhook.topic, webhook.pk)
        return
    shipment, added = tracking_update_apply(store=webhook.store, update=update, actor=webhook.provider)
    logger.info("%s webhook %s: %s new checkpoints for shipment %s", fmt.name, webhook.pk, added, shipment.pk)


for _name in FORMATS:
    handles(provider_name(_name))(carrier_webhook_handle)
