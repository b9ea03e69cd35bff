"""Inbound Shopify webhooks: verify, store, process.

Shopify signs the raw body with the app's secret (base64 HMAC-SHA256 in X-Shopify-Hmac-Sha256)
and retries anything that is not a 2xx, so we answer 200 as soon as the row is stored: a
processing failure is recorded on the row and retried by the sweeper, not by Shopify.
"""

import logging

from django.http import HttpRequest, JsonResponse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from orders.models import Store
from orders.services import webhook_ingest
from postpurchase.webhooks import base64_hmac_matches, declared_length, error_response, json_object, read_body

logger = logging.getLogger(__name__)

_HEADER_PREFIX = "x-shopify-"
# Checked against for an unknown store, so it costs the same HMAC as a known one; never matches,
# since the store is unknown whatever the signature says.
UNKNOWN_STORE_SECRET = "unknown-store"  # noqa: S105 - not a credential


@csrf_exempt
@require_POST
def shopify_webhook(request: HttpRequest, store_slug: str) -> JsonResponse:
    """Receive one Shopify webhook for a store.

    1. Too large: 413. Unknown store, or bad or missing signature: the same 401, so the URL does
       not tell which store slugs exist. Nothing is stored.
    2. Not a JSON object, or no topic: 400.
    3. Store the row (deduplicated on Shopify's event id) and process it, in one transaction; 200
       either way (a processing failure is recorded on the row).
    """
    if declared_length(request) is None:
        return error_response(400, "bad Content-Length")
    body = read_body(request)
    if body is None:
        return error_response(413, "body too large")
    store = Store.objects.filter(slug=store_slug).first()
    secrets = store.shopify_secrets if store is not None else (UNKNOWN_STORE_SECRET,)
    if not base64_hmac_matches(secrets, body, request.headers.get("X-Shopify-Hmac-Sha256", "")) or store is None:
        logger.warning("Shopify webhook for store %r: unknown store, or bad or missing signature", store_slug)
        return error_response(401, "bad signature")

    parsed = json_object(body)
    topic = request.headers.get("X-Shopify-Topic", "").strip()
    if parsed is None or not topic:
        return error_response(400, "expected a JSON object and an X-Shopify-Topic header")
    text, _payload = parsed

    headers = {name: value for name, value in request.headers.items() if name.lower().startswith(_HEADER_PREFIX)}
    # Shopify documents X-Shopify-Event-Id as the same across duplicate deliveries of one event.
    event_id = request.headers.get("X-Shopify-Event-Id") or request.headers.get("X-Shopify-Webhook-Id") or ""
    _webhook, duplicate = webhook_ingest(
        provider="shopify", store=store, topic=topic[:100], event_id=event_id[:200], headers=headers, body=text
    )
    if duplicate:
        return JsonResponse({"ok": True, "duplicate": True})
    return JsonResponse({"ok": True})
