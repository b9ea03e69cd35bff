"""Tracking's part of /api/v1/ (included before orders' routes in postpurchase/urls.py)."""

from django.urls import re_path

from . import api

urlpatterns = [
    # With or without the trailing slash: the documented path has none, the rest of the API has one.
    re_path(r"^orders/(?P<pk>[0-9]+)/tracking/?$", api.OrderTrackingApi.as_view(), name="order-tracking"),
]
