from django.urls import path

from . import api

urlpatterns = [
    path("orders/", api.OrderListCreateApi.as_view(), name="order-list"),
    path("orders/<int:pk>/", api.OrderDetailApi.as_view(), name="order-detail"),
    path("orders/<int:pk>/cancel/", api.OrderCancelApi.as_view(), name="order-cancel"),
    path(
        "orders/<int:pk>/shipments/",
        api.OrderShipmentsApi.as_view(),
        name="order-shipments",
    ),
    path("shipments/<int:pk>/", api.ShipmentDetailApi.as_view(), name="shipment-detail"),
    path(
        "shipments/<int:pk>/events/",
        api.ShipmentEventsApi.as_view(),
        name="shipment-events",
    ),
]
