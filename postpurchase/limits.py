"""Limits on what a request may carry, so bad input gets a clear 4xx and never a 500.

- JSON: at most MAX_JSON_DEPTH levels of nesting and no NUL characters (PostgreSQL text and
  jsonb cannot store them); `json_loads` is the one parser for webhooks and the API.
- API bodies: at most API_MAX_BODY_BYTES, refused with 413 before they are read.
- Query strings: no NUL characters anywhere (they reach database filters).

API errors use the API's one format, {"message", "extra"}; other paths get plain text.
"""

import json
from typing import Any

from django.conf import settings
from django.http import HttpRequest, HttpResponse, JsonResponse
from rest_framework.exceptions import APIException, ParseError
from rest_framework.parsers import JSONParser
from rest_framework.settings import api_settings

# Real payloads (Shopify orders, carrier events, provider callbacks) nest fewer than 10 levels.
MAX_JSON_DEPTH = 32
API_PREFIX = "/api/"


def client_ip(request: HttpRequest) -> str:
    """The client's address, for every per-client limit (lookups, admin logins).

    Behind N proxies (REST_FRAMEWORK["NUM_PROXIES"], as DRF's throttles read it) it is the Nth
    address from the right of X-Forwarded-For; without that setting the header is ignored, since
    anyone can send it to dodge a limit.
    """
    remote = request.META.get("REMOTE_ADDR", "")
    proxies = api_settings.NUM_PROXIES or 0
    hops = [hop.strip() for hop in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",") if hop.strip()]
    if proxies and hops:
        return hops[-min(proxies, len(hops))]
    return remote


class JsonRefused(ValueError):
    """The text is JSON we refuse to handle (too deep, NUL characters), or not JSON at all."""


def _check(value: Any) -> None:
    """Walk the parsed value without recursion: depth and NUL characters."""
    stack = [(value, 1)]
    while stack:
        item, depth = stack.pop()
        if isinstance(item, str):
            if "\x00" in item:
                raise JsonRefused("JSON strings must not contain NUL characters")
            continue
        if isinstance(item, dict):
            children = [*item.keys(), *item.values()]
        elif isinstance(item, list):
            children = item
        else:
            continue
        if depth > MAX_JSON_DEPTH:
            raise JsonRefused(f"JSON may nest at most {MAX_JSON_DEPTH} levels deep")
        stack.extend((child, depth + 1) for child in children)


def json_loads(text: str | bytes) -> Any:
    """json.loads, refusing input nested too deeply or carrying NUL characters (JsonRefused)."""
    try:
        value = json.loads(text)
    except RecursionError:
        raise JsonRefused(f"JSON may nest at most {MAX_JSON_DEPTH} levels deep") from None
    except ValueError as exc:  # JSONDecodeError and UnicodeDecodeError
        raise JsonRefused(f"not valid JSON: {exc}") from None
    _check(value)
    return value


class RequestTooLarge(APIException):
    status_code = 413
    default_detail = "The request body is too large."


def too_large_message() -> str:
    return f"The request body is larger than the limit of {settings.API_MAX_BODY_BYTES} bytes."


class SafeJSONParser(JSONParser):
    """DRF's JSON parser with our limits: body size (also for bodies without a Content-Length),
    nesting depth and NUL characters."""

    def parse(self, stream, media_type=None, parser_context=None):
        limit = settings.API_MAX_BODY_BYTES
        raw = stream.read(limit + 1) if stream is not None else b""
        if len(raw) > limit:
            raise RequestTooLarge(too_large_message())
        encoding = (parser_context or {}).get("encoding", settings.DEFAULT_CHARSET)
        try:
            return json_loads(raw.decode(encoding))
        except (JsonRefused, UnicodeDecodeError) as exc:
            raise ParseError(f"JSON parse error - {exc}") from None


def _refuse(request: HttpRequest, status: int, message: str, extra: dict) -> HttpResponse:
    if request.path.startswith(API_PREFIX):
        return JsonResponse({"message": message, "extra": extra}, status=status)
    return HttpResponse(message, status=status, content_type="text/plain; charset=utf-8")


class RequestLimitsMiddleware:
    """Refuse, before any view runs: NUL characters in the query string, and API bodies whose
    declared length is over the limit (Django's own limit would answer an HTML 400)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if any("\x00" in key or any("\x00" in v for v in values) for key, values in request.GET.lists()):
            return _refuse(request, 400, "Query parameters must not contain NUL characters.", {})
        if request.path.startswith(API_PREFIX):
            try:
                declared = int(request.META.get("CONTENT_LENGTH") or 0)
            except ValueError:
                return _refuse(request, 400, "The Content-Length header is not a number.", {})
            if declared > settings.API_MAX_BODY_BYTES:
                return _refuse(request, 413, too_large_message(), {"limit_bytes": settings.API_MAX_BODY_BYTES})
        return self.get_response(request)
