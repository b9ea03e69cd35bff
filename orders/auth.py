"""API authentication: `Authorization: Bearer <key>`; a key acts for exactly one store."""

from dataclasses import dataclass
from datetime import timedelta

from django.utils import timezone
from rest_framework import authentication, exceptions, permissions

from postpurchase.audit import Actor, act_as
from postpurchase.models import ActorKind

from .models import ApiKey, Store


@dataclass(frozen=True)
class StoreClient:
    """The request's user for API calls: a machine acting for one store."""

    store: Store
    is_authenticated: bool = True
    is_staff: bool = False
    is_superuser: bool = False


class ApiKeyAuthentication(authentication.BaseAuthentication):
    keyword = "Bearer"

    def authenticate(self, request):
        header = authentication.get_authorization_header(request).decode("latin-1")
        scheme, _, raw = header.partition(" ")
        if scheme != self.keyword:
            return None
        key = ApiKey.objects.for_raw_key(raw.strip())
        if key is None:
            raise exceptions.AuthenticationFailed("Unknown or revoked API key.")
        now = timezone.now()
        # At most one write a minute per key, not one per request.
        if key.last_used_at is None or now - key.last_used_at > timedelta(minutes=1):
            ApiKey.objects.filter(pk=key.pk).update(last_used_at=now)
        # The key is the actor of what this request changes (the audit log); the middleware resets it.
        act_as(Actor(ActorKind.API_KEY, f"{key.prefix}… ({key.name})"))
        return StoreClient(store=key.store), key

    def authenticate_header(self, request) -> str:
        return self.keyword


class HasStoreKey(permissions.BasePermission):
    def has_permission(self, request, view) -> bool:
        return isinstance(request.user, StoreClient)
