"""The REST API, /api/v1/: input serializer -> service -> output serializer, scoped to the key's store."""

import re

from django.shortcuts import get_object_or_404
from drf_spectacular.utils import OpenApiParameter, extend_schema, inline_serializer
from rest_framework import serializers, status
from rest_framework.exceptions import NotFound
from rest_framework.pagination import CursorPagination
from rest_framework.response import Response
from rest_framework.views import APIView

from . import services
from .models import Order, OrderSource, Shipment
from .serializers import (
    OrderCancelSerializer,
    OrderInputSerializer,
    OrderSerializer,
    ShipmentInputSerializer,
    ShipmentSerializer,
    TrackingEventInputSerializer,
    TrackingEventSerializer,
)


class OrderCursor(CursorPagination):
    ordering = "-id"
    page_size = 50
    page_size_query_param = "page_size"
    max_page_size = 200

    def decode_cursor(self, request):
        """A cursor is base64 text anyone can forge: its position must be an order id, or the
        database is asked to compare an id with whatever the client wrote."""
        cursor = super().decode_cursor(request)
        if cursor is not None and cursor.position is not None and not _ID.fullmatch(cursor.position):
            raise NotFound(self.invalid_cursor_message)
        return cursor


_ID = re.compile(r"[0-9]{1,18}")


def cursor_page(item: serializers.Serializer, *, name: str) -> serializers.Serializer:
    """The schema of a cursor page as the paginator really answers it: {next, previous, results}."""
    return inline_serializer(
        name=name,
        fields={
            "next": serializers.URLField(allow_null=True, help_text="The next page, or null on the last one."),
            "previous": serializers.URLField(allow_null=True, help_text="The previous page, or null on the first."),
            "results": item,
        },
    )


def _actor(request) -> str:
    return f"api:{request.auth.prefix}"


def _order_for(request, pk) -> Order:
    return get_object_or_404(Order.objects.for_store(request.user.store), pk=pk)


class OrderListCreateApi(APIView):
    @extend_schema(
        parameters=[
            OpenApiParameter("status", str, description="Only orders in this status."),
            OpenApiParameter("email", str, description="Only this customer's orders."),
            OpenApiParameter("number", str, description="The order with this number."),
        ],
        responses=cursor_page(OrderSerializer(many=True), name="PaginatedOrderList"),
        operation_id="api_v1_orders_list",
    )
    def get(self, request):
        orders = Order.objects.for_store(request.user.store).with_details()
        for name in ("status", "number"):
            if value := request.query_params.get(name):
                orders = orders.filter(**{name: value})
        if email := request.query_params.get("email"):
            orders = orders.filter(email=email.strip().lower())
        paginator = OrderCursor()
        page = paginator.paginate_queryset(orders, request, view=self)
        return paginator.get_paginated_response(OrderSerializer(page, many=True).data)

    @extend_schema(
        request=OrderInputSerializer,
        responses={201: OrderSerializer, 200: OrderSerializer},
        description="Create an order. Idempotent: sending an order whose `external_id` (or, "
        "without one, `number`) is already known updates it and answers 200 instead of 201.",
    )
    def post(self, request):
        serializer = OrderInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        order, created = services.order_upsert(
            store=request.user.store,
            data=serializer.to_input(),
            source=OrderSource.API,
            actor=_actor(request),
        )
        order = Order.objects.with_details().get(pk=order.pk)
        return Response(
            OrderSerializer(order).data,
            status=status.HTTP_201_CREATED if created else status.HTTP_200_OK,
        )


class OrderDetailApi(APIView):
    @extend_schema(responses=OrderSerializer)
    def get(self, request, pk: int):
        order = get_object_or_404(Order.objects.for_store(request.user.store).with_details(), pk=pk)
        return Response(OrderSerializer(order).data)


class OrderCancelApi(APIView):
    @extend_schema(request=OrderCancelSerializer, responses=OrderSerializer)
    def post(self, request, pk: int):
        order = _order_for(request, pk)
        serializer = OrderCancelSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        services.order_cancel(
            order=order,
            reason=serializer.validated_data["reason"],
            actor=_actor(request),
        )
        return Response(OrderSerializer(Order.objects.with_details().get(pk=order.pk)).data)


class OrderShipmentsApi(APIView):
    @extend_schema(
        request=ShipmentInputSerializer,
        responses={201: ShipmentSerializer, 200: ShipmentSerializer},
        description="Add a shipment. The same `external_id`, or carrier and tracking number, "
        "again updates that shipment (200).",
    )
    def post(self, request, pk: int):
        order = _order_for(request, pk)
        serializer = ShipmentInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        shipment, created = services.shipment_upsert(order=order, actor=_actor(request), **serializer.to_kwargs())
        shipment = Shipment.objects.prefetch_related("items", "events").get(pk=shipment.pk)
        return Response(
            ShipmentSerializer(shipment).data,
            status=status.HTTP_201_CREATED if created else status.HTTP_200_OK,
        )


class ShipmentDetailApi(APIView):
    @extend_schema(responses=ShipmentSerializer)
    def get(self, request, pk: int):
        shipments = Shipment.objects.for_store(request.user.store).prefetch_related("items", "events")
        return Response(ShipmentSerializer(get_object_or_404(shipments, pk=pk)).data)


class ShipmentEventsApi(APIView):
    @extend_schema(
        request=TrackingEventInputSerializer,
        responses={201: TrackingEventSerializer, 200: TrackingEventSerializer},
        description="Add a tracking checkpoint. The same checkpoint again is ignored (200); an "
        "older one is kept for the timeline but never moves the status back.",
    )
    def post(self, request, pk: int):
        shipment = get_object_or_404(Shipment.objects.for_store(request.user.store), pk=pk)
        serializer = TrackingEventInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        event, created = services.tracking_event_add(
            shipment=shipment, actor=_actor(request), **serializer.validated_data
        )
        return Response(
            TrackingEventSerializer(event).data,
            status=status.HTTP_201_CREATED if created else status.HTTP_200_OK,
        )
