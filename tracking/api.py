"""Tracking as JSON: for the merchant's systems (API key) and for storefront widgets (signed token)."""

from django.http import Http404
from django.utils import translation
from django.views.decorators.cache import never_cache
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.views import APIView

from . import links
from .selectors import order_tracking
from .serializers import MerchantOrderTrackingSerializer, OrderTrackingSerializer
from .services import shipment_promises_fill
from .views import language_for

LANG = OpenApiParameter("lang", str, description="Language of the labels: en, de, fr or es.")


class OrderTrackingApi(APIView):
    @extend_schema(
        parameters=[LANG],
        responses=MerchantOrderTrackingSerializer,
        description="Where an order is: its progress, estimated delivery, delays, and each shipment "
        "with its checkpoints (newest first). Labels follow `lang`, else the order's language.",
    )
    def get(self, request, pk: int):
        tracking = order_tracking(int(pk), store=request.user.store)
        if tracking is None:
            raise Http404
        with translation.override(language_for(request, tracking.locale)):
            return Response(MerchantOrderTrackingSerializer(tracking).data)


class PublicTrackingApi(APIView):
    """The signed tracking page as JSON, for a widget on the merchant's storefront.

    The token is the key, as for the page; any site may read it (CORS), since whoever holds the
    token can open the page anyway.
    """

    authentication_classes = []
    permission_classes = [AllowAny]

    @extend_schema(
        auth=[],
        parameters=[LANG],
        responses=OrderTrackingSerializer,
        description="The tracking page's data for a signed link's token (tracking links in messages).",
    )
    def get(self, request, token: str):
        order_id = links.order_id_from_token(token)
        tracking = order_tracking(order_id) if order_id is not None else None
        if tracking is not None:
            shipment_promises_fill(tracking)  # a storefront widget shows the customer the estimate
        if tracking is None:
            raise Http404
        with translation.override(language_for(request, tracking.locale)):
            response = Response(OrderTrackingSerializer(tracking).data)
        response["Access-Control-Allow-Origin"] = "*"
        response["X-Robots-Tag"] = "noindex"
        return response

    @classmethod
    def as_view(cls, **initkwargs):
        return never_cache(super().as_view(**initkwargs))
