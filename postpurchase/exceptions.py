"""Domain exceptions, and the one DRF handler that renders every API error as {message, extra}."""

from django.core.exceptions import PermissionDenied
from django.http import Http404
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


def api_exception_handler(exc, context):
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
        response.data = {"message": str(exc.detail), "extra": {}}
    return response
