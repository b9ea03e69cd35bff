"""Inbound webhook plumbing shared by every provider: signature checks and a handler registry.

Each app registers a handler per provider (`@handles("shopify")`); the stored webhook row is
passed to it, whether it arrives live or is replayed by `manage.py replay_webhooks`.
"""

import base64
import hashlib
import hmac
from collections.abc import Callable, Iterable
from typing import Any

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
