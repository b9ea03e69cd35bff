"""Domain exceptions, and the one DRF handler that renders every API error as {message, extra}."""

from typing import Any

from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, JsonResponse
from django.urls import Resolver404, ResolverMatch, resolve
from rest_framework import exceptions as drf_exceptions
from rest_framework.response import Response
from rest_framework.views import exception_handler


class DomainError(Exception):
    """A rule of the domain said no. Rendered as 400 by the API, shown as a message in the admin."""

    status_code = 400

    def __init__(self, message: str, *, extra: dict | None = None):
        super().__init__(message)
        self.message = message
        self.extra = extra or {}


class Conflict(DomainError):
    """The request clashes with what is already stored, e.g. an id that belongs to another object."""

    status_code = 409


class InvalidTransition(DomainError):
    status_code = 409

    def __init__(self, current: str, wanted: str, reason: str = ""):
        message = f"Cannot move from {current} to {wanted}" + (f": {reason}" if reason else ".")
        super().__init__(message, extra={"current": current, "wanted": wanted})


def api_exception_handler(exc: Exception, context: dict[str, Any]) -> Response | None:
    if isinstance(exc, DomainError):
        return Response({"message": exc.message, "extra": exc.extra}, status=exc.status_code)
    if isinstance(exc, Http404):
        exc = drf_exceptions.NotFound()
    elif isinstance(exc, PermissionDenied):
        exc = drf_exceptions.PermissionDenied()

    response = exception_handler(exc, context)
    if response is None:
        return None
    if isinstance(exc, drf_exceptions.ValidationError):
        fields = exc.detail if isinstance(exc.detail, dict) else {"non_field_errors": exc.detail}
        response.data = {
            "message": "The request has invalid fields.",
            "extra": {"fields": fields},
        }
    else:
        response.data = {"message": str(getattr(exc, "detail", exc)), "extra": {}}
    return response


def api_not_found(request: HttpRequest) -> JsonResponse:
    """The catch-all under /api/: an unknown path answers like every other API error.

    It also stands where CommonMiddleware's APPEND_SLASH redirect used to answer, so a path that
    exists with a trailing slash says so instead of redirecting (a redirected POST loses its body).
    """
    extra = {"path": request.path}
    if not request.path.endswith("/"):
        match = resolve_or_none(request.path + "/")
        if match is not None and match.url_name != "api-not-found":
            extra["did_you_mean"] = request.path + "/"
    return JsonResponse({"message": "Not found.", "extra": extra}, status=404)


def resolve_or_none(path: str) -> ResolverMatch | None:
    try:
        return resolve(path)
    except Resolver404:
        return None
