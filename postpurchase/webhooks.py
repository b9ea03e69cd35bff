"""Inbound webhook plumbing shared by every provider: signature checks and a handler registry.

Each app registers a handler per provider (`@handles("shopify")`); the stored webhook row is
passed to it, whether it arrives live or is replayed by `manage.py replay_webhooks`.
"""

import base64
import hashlib
import hmac
from collections.abc import Callable, Iterable
from typing import Any

from django.conf import settings
from django.core.exceptions import RequestDataTooBig
from django.http import HttpRequest, JsonResponse

from postpurchase.limits import json_loads

Handler = Callable[[Any], None]
_handlers: dict[str, Handler] = {}


def handles(provider: str) -> Callable[[Handler], Handler]:
    def register(fn: Handler) -> Handler:
        _handlers[provider] = fn
        return fn

    return register


def handler_for(provider: str) -> Handler | None:
    return _handlers.get(provider)


def hmac_sha256(secret: str, body: bytes) -> bytes:
    return hmac.new(secret.encode(), body, hashlib.sha256).digest()


def base64_hmac_matches(secrets: Iterable[str], body: bytes, signature: str) -> bool:
    """True if `signature` is the base64 HMAC-SHA256 of `body` under any of `secrets`.

    Several secrets are accepted so a merchant can rotate one without losing webhooks.
    Every candidate is compared in constant time.
    """
    given = signature.strip().encode()
    matched = False
    for secret in secrets:
        if secret:
            expected = base64.b64encode(hmac_sha256(secret, body))
            matched |= hmac.compare_digest(expected, given)
    return bool(given) and matched


def error_response(status: int, message: str) -> JsonResponse:
    return JsonResponse({"ok": False, "error": message}, status=status)


def declared_length(request: HttpRequest) -> int | None:
    """The Content-Length the sender declared (0 if none), or None if it is not a number."""
    try:
        return int(request.headers.get("Content-Length") or 0)
    except ValueError:
        return None


def read_body(request: HttpRequest) -> bytes | None:
    """The raw body, or None if it is larger than WEBHOOK_MAX_BODY_BYTES.

    The declared length is checked first so a large body is refused without being read;
    Django's own limit (RequestDataTooBig) is caught so it can never become a 500.
    """
    limit = settings.WEBHOOK_MAX_BODY_BYTES
    if (declared_length(request) or 0) > limit:
        return None
    try:
        body = request.body
    except RequestDataTooBig:
        return None
    return body if len(body) <= limit else None


def json_object(body: bytes) -> tuple[str, dict] | None:
    """The body as text and as a JSON object, or None if it is not UTF-8 JSON of an object
    within our limits (postpurchase.limits: nesting depth, no NUL characters)."""
    try:
        text = body.decode("utf-8")
        payload = json_loads(text)
    except ValueError:  # UnicodeDecodeError and JsonRefused are both ValueErrors
        return None
    return (text, payload) if isinstance(payload, dict) else None
