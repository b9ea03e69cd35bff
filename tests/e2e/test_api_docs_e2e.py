"""The API docs render from our own static files: with every request off this machine blocked,
Swagger UI still draws the operations."""

from urllib.parse import urlsplit

import pytest
from playwright.sync_api import expect

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

LOCAL_HOSTS = {"localhost", "127.0.0.1", "::1"}


def test_the_api_docs_render_with_the_network_off(page):
    refused = []

    def only_local(route):
        host = urlsplit(route.request.url).hostname or ""
        if host in LOCAL_HOSTS or route.request.url.startswith(("data:", "blob:")):
            route.continue_()
        else:
            refused.append(route.request.url)
            route.abort()

    page.route("**/*", only_local)

    page.goto("/api/docs/")

    expect(page.locator(".swagger-ui .info .title")).to_contain_text("Post-purchase API")
    expect(page.locator(".opblock-summary-path", has_text="/api/v1/orders/").first).to_be_visible()
    assert [url for url in refused if "swagger" in url or "redoc" in url] == []
