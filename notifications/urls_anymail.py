"""anymail's webhook URLs (tracking and inbound, every ESP), each behind our basic-auth guard.

anymail checks ANYMAIL["WEBHOOK_SECRET"] itself, but only when one is set: without it every
request is accepted with a warning, and a wrong password answers 400. Here a request is refused
with 401 before anymail sees it unless a secret is configured and the request carries it, so a
forged bounce or complaint can never suppress an address (docs/architecture.md, "Security").
"""

import base64
import binascii
import logging
from collections.abc import Callable
from functools import wraps

from anymail import urls as anymail_urls
from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.urls import URLPattern
from django.utils.crypto import constant_time_compare
from django.views.decorators.csrf import csrf_exempt

from postpurchase.limits import JsonRefused, json_loads
from postpurchase.webhooks import declared_length, read_body

app_name = "anymail"
logger = logging.getLogger(__name__)


def webhook_secrets() -> list[str]:
    """The configured "user:password" pairs (several while one is being rotated)."""
    configured = (getattr(settings, "ANYMAIL", None) or {}).get("WEBHOOK_SECRET") or []
    if isinstance(configured, str):
        configured = [configured]
    return [secret for secret in configured if ":" in secret]


def _given(request: HttpRequest) -> str:
    kind, _, data = request.headers.get("Authorization", "").partition(" ")
    if kind.lower() != "basic":
        return ""
    try:
        return base64.b64decode(data.strip(), validate=True).decode("utf-8")
    except (binascii.Error, UnicodeDecodeError):
        return ""


def basic_auth_required(view: Callable) -> Callable:
    @wraps(view)
    def guarded(request: HttpRequest, *args, **kwargs) -> HttpResponse:
        given = _given(request)
        matched = False
        for secret in webhook_secrets():
            matched |= constant_time_compare(secret, given)
        if not (given and matched):
            response = HttpResponse("Unauthorized", status=401, content_type="text/plain")
            response["WWW-Authenticate"] = 'Basic realm="email provider webhooks"'
            return response
        if declared_length(request) is None:
            return HttpResponse("bad Content-Length", status=400, content_type="text/plain")
        body = read_body(request)
        if body is None:
            return HttpResponse("body too large", status=413, content_type="text/plain")
        if request.content_type == "application/json":
            try:
                json_loads(body)
            except JsonRefused as exc:
                return HttpResponse(str(exc), status=400, content_type="text/plain")
        try:
            return view(request, *args, **kwargs)
        except (ValueError, KeyError, TypeError, AttributeError):
            # anymail could not read the payload: the sender's fault, not a server error.
            logger.warning("%s: unreadable email provider webhook", request.path, exc_info=True)
            return HttpResponse("unreadable payload", status=400, content_type="text/plain")

    return csrf_exempt(guarded)


urlpatterns = [
    URLPattern(pattern.pattern, basic_auth_required(pattern.callback), pattern.default_args, pattern.name)
    for pattern in anymail_urls.urlpatterns
]
