"""The Content-Security-Policy of every page we serve (django-csp 4, decision 0006).

One strict policy by default, for customer pages above all: nothing inline runs, scripts and
styles come from our own origin, an inline <style> only with the request's nonce, images from our
origin or any https host (merchants' logos and product pictures), forms post only to us, and no
other site may frame us. Two areas get a looser policy, chosen by path: the admin (Django's and
our templates use inline style attributes, and the template preview frames our own pages and
merchants' email HTML) and the Swagger UI of the API docs.
"""

from csp.constants import SELF, UNSAFE_INLINE
from csp.middleware import CSPMiddleware, PolicyParts
from django.conf import settings
from django.http import HttpRequest, HttpResponseBase


def request_nonce(request: HttpRequest) -> str:
    """This request's CSP nonce (django-csp sets it on the request, lazily)."""
    return str(getattr(request, "csp_nonce", ""))


class ContentSecurityPolicyMiddleware(CSPMiddleware):
    """django-csp's middleware, with the policy replaced per area (CSP_AREA_REPLACEMENTS)."""

    def get_policy_parts(
        self, request: HttpRequest, response: HttpResponseBase, report_only: bool = False
    ) -> PolicyParts:
        parts = super().get_policy_parts(request, response, report_only=report_only)
        if parts.replace is None and not report_only:
            for prefix, replacement in settings.CSP_AREA_REPLACEMENTS:
                if request.path_info.startswith(prefix):
                    parts.replace = replacement
                    break
        return parts


# The admin's and the docs' changes to the default policy (settings.CSP_AREA_REPLACEMENTS).
ADMIN_REPLACEMENTS = {
    "style-src": [SELF, UNSAFE_INLINE],
    "frame-src": [SELF],
    "frame-ancestors": [SELF],
}
DOCS_REPLACEMENTS = {
    # Swagger UI and ReDoc come from our own static files (drf-spectacular-sidecar); their page
    # starts them with an inline script.
    "script-src": [SELF, UNSAFE_INLINE],
    "style-src": [SELF, UNSAFE_INLINE],
    "connect-src": [SELF],
    "worker-src": [SELF, "blob:"],
}
