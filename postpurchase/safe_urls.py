"""Web addresses we accept and render: http and https only.

A URL from a platform, a carrier, the API, an import or the admin ends up as a link on the
tracking page, in its JSON and in emails; `javascript:` or `data:` there would run in the
customer's browser or mail client. Every ingest path validates with `validate_http_url` (or
drops the value with `http_url`), and every page, JSON and email renders links through
`http_url`, so a value stored before these checks is never a link either.
"""

from typing import TypeGuard
from urllib.parse import urlsplit

from django.core.exceptions import ValidationError

SCHEMES = ("http", "https")
MESSAGE = "Enter a web address that starts with http:// or https://."


def is_http_url(value: object) -> TypeGuard[str]:
    """An absolute http(s) URL with a host, and nothing a browser would strip or reinterpret."""
    if not isinstance(value, str) or not value or value != value.strip():
        return False
    if any(ord(char) < 0x21 or ord(char) == 0x7F or char == "\\" for char in value):
        return False
    try:
        parts = urlsplit(value)
    except ValueError:
        return False
    return parts.scheme.lower() in SCHEMES and bool(parts.hostname)


def http_url(value: object) -> str:
    """The URL if it is a safe http(s) address, else "" (render no link): the template filter."""
    return value if is_http_url(value) else ""


def validate_http_url(value: str) -> None:
    """A validator for forms, serializers and model fields; blank is left to `blank`/`required`."""
    if value and not is_http_url(value):
        raise ValidationError(MESSAGE, code="http_url")
