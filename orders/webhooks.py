"""Inbound Shopify webhooks: verify, store, process.

Shopify signs the raw body with the app's secret (base64 HMAC-SHA256 in X-Shopify-Hmac-Sha256)
and retries anything that is not a 2xx, so we answer 200 as soon as the row is stored: a
processing failure is recorded on the row and retried by the sweeper, not by Shopify.
"""

import json
import logging

from django.conf import settings
from django.core.exceptions import RequestDataTooBig
from django.http import HttpRequest, JsonResponse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from orders.models import Store
from orders.services import webhook_process, webhook_receive
from postpurchase.webhooks import base64_hmac_matches

logger = logging.getLogger(__name__)

_HEADER_PREFIX = "x-shopify-"


def _error(status: int, message: str) -> JsonResponse:
    return JsonResponse({"ok": False, "error": message}, status=status)


def _declared_length(request: HttpRequest) -> int | None:
    try:
        return int(request.headers.get("Content-Length") or 0)
    except ValueError:
        return None


def _read_body(request: HttpRequest) -> bytes | None:
    """The raw body, or None if it is larger than we accept.

    The declared length is checked first so a large body is refused without being read;
    Django's own limit (RequestDataTooBig) is caught so it can never become a 500.
    """
    limit = settings.WEBHOOK_MAX_BODY_BYTES
    if (_declared_length(request) or 0) > limit:
        return None
    try:
        body = request.body
    except RequestDataTooBig:
        return None
    return body if len(body) <= limit else None


def _json_object(body: bytes) -> tuple[str, dict] | None:
    try:
        text = body.decode("utf-8")
        payload = json.loads(text)
    except ValueError:  # UnicodeDecodeError and JSONDecodeError are both ValueErrors
        return None
    return (text, payload) if isinstance(payload, dict) else None


@csrf_exempt
@require_POST
def shopify_webhook(request: HttpRequest, store_slug: str) -> JsonResponse:
    """Receive one Shopify webhook for a store.

    1. Unknown store: 404. Too large: 413. Bad or missing signature: 401, nothing stored.
    2. Not a JSON object, or no topic: 400.
    3. Store the row (deduplicated on Shopify's event id) and process it inline; 200 either way.
    """
    store = Store.objects.filter(slug=store_slug).first()
    if store is None:
        return _error(404, "unknown store")
    if _declared_length(request) is None:
        return _error(400, "bad Content-Length")
    body = _read_body(request)
    if body is None:
        return _error(413, "body too large")
    if not base64_hmac_matches(store.shopify_secrets, body, request.headers.get("X-Shopify-Hmac-Sha256", "")):
        logger.warning("Shopify webhook for store %s: bad or missing signature", store.slug)
        return _error(401, "bad signature")

    parsed = _json_object(body)
    topic = request.headers.get("X-Shopify-Topic", "").strip()
    if parsed is None or not topic:
        return _error(400, "expected a JSON object and an X-Shopify-Topic header")
    text, _payload = parsed

    headers = {name: value for name, value in request.headers.items() if name.lower().startswith(_HEADER_PREFIX)}
    # Shopify documents X-Shopify-Event-Id as the same across duplicate deliveries of one event.
    event_id = request.headers.get("X-Shopify-Event-Id") or request.headers.get("X-Shopify-Webhook-Id") or ""
    webhook, needs_processing = webhook_receive(
        provider="shopify", store=store, topic=topic[:100], event_id=event_id[:200], headers=headers, body=text
    )
    if not needs_processing:
        return JsonResponse({"ok": True, "duplicate": True})
    webhook_process(webhook_id=webhook.pk)
    return JsonResponse({"ok": True})
