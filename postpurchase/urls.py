from django.contrib import admin
from django.urls import include, path, re_path
from django.views.generic import RedirectView
from drf_spectacular.views import SpectacularAPIView, SpectacularRedocView, SpectacularSwaggerView

from insights import views as insights_views
from loyalty import views as loyalty_views
from orders.webhooks import shopify_webhook
from postpurchase.exceptions import api_not_found
from postpurchase.health import healthz
from returns import views as returns_views
from tracking import views as tracking_views

urlpatterns = [
    path("healthz", healthz, name="healthz"),
    # The admin's home is the merchant dashboard (insights); everything else is Django's admin.
    path("admin/", admin.site.admin_view(insights_views.dashboard), name="insights-dashboard"),
    path("admin/", admin.site.urls),
    path("api/v1/", include("tracking.urls_api")),
    path("api/v1/", include("orders.urls_api")),
    path("api/v1/", include("returns.urls_api")),
    path("track/", include("tracking.urls")),
    # A store's own entry points, branded before the customer types anything.
    path("s/<slug:store_slug>/", RedirectView.as_view(pattern_name="store-tracking-lookup"), name="store-home"),
    path("s/<slug:store_slug>/track/", tracking_views.lookup, name="store-tracking-lookup"),
    path("s/<slug:store_slug>/returns/", returns_views.lookup, name="store-returns-lookup"),
    path("s/<slug:store_slug>/loyalty/", loyalty_views.link_request, name="store-loyalty-lookup"),
    path("s/<slug:store_slug>/loyalty/r/<str:code>/", loyalty_views.referral, name="store-loyalty-referral"),
    path("returns/", include("returns.urls")),
    path("messages/", include("notifications.urls")),
    path("feedback/", include("feedback.urls")),
    path("loyalty/", include("loyalty.urls")),
    path("webhooks/twilio/", include("notifications.urls_webhooks")),
    path("webhooks/anymail/", include("notifications.urls_anymail")),
    path("api/schema/", SpectacularAPIView.as_view(), name="api-schema"),
    path("webhooks/shopify/<slug:store_slug>/", shopify_webhook, name="shopify-webhook"),
    path("webhooks/carriers/", include("tracking.urls_webhooks")),
    path("api/docs/", SpectacularSwaggerView.as_view(url_name="api-schema"), name="api-docs"),
    path("api/redoc/", SpectacularRedocView.as_view(url_name="api-schema"), name="api-redoc"),
    # Anything else under /api/ is a JSON 404 in the API's one error format, never an HTML page.
    re_path(r"^api/", api_not_found, name="api-not-found"),
]

# A link that does not work gets the customer 404 page, in their language, with a way back.
handler404 = "tracking.views.not_found"
