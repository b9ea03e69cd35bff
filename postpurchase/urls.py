from django.contrib import admin
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerView

from orders.webhooks import shopify_webhook
from postpurchase.health import healthz

urlpatterns = [
    path("healthz", healthz, name="healthz"),
    path("admin/", admin.site.urls),
    path("api/v1/", include("tracking.urls_api")),
    path("api/v1/", include("orders.urls_api")),
    path("track/", include("tracking.urls")),
    path("messages/", include("notifications.urls")),
    path("webhooks/twilio/", include("notifications.urls_webhooks")),
    path("webhooks/anymail/", include("anymail.urls")),
    path("api/schema/", SpectacularAPIView.as_view(), name="api-schema"),
    path("webhooks/shopify/<slug:store_slug>/", shopify_webhook, name="shopify-webhook"),
    path("webhooks/carriers/", include("tracking.urls_webhooks")),
    path("api/docs/", SpectacularSwaggerView.as_view(url_name="api-schema"), name="api-docs"),
]
