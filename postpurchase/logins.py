"""Admin login throttling, with django-axes: a username or a client address that fails too often
is locked out for a while, whatever password it tries next (docs/architecture.md, "Security").

Only logins over HTTP carry a request; `authenticate()` without one (the test client, a shell)
is not an attack surface and is not throttled.
"""

from axes.backends import AxesStandaloneBackend
from django.http import HttpRequest


class LoginThrottleBackend(AxesStandaloneBackend):
    def authenticate(
        self, request: HttpRequest | None, username: str | None = None, password: str | None = None, **kwargs
    ):
        if request is None:
            return None
        return super().authenticate(request, username=username, password=password, **kwargs)
