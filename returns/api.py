"""Returns in the REST API, /api/v1/: list, read and move returns; what an order can return.

Same rules as orders' API (`orders/api.py`): the key's store scopes every lookup (another store's
return is a 404), lists are cursor pages, and every change goes through the services, whose
refusals answer in the API's one error format (`{"message", "extra"}`, 400/409).
"""

from typing import Any

from django.db.models import QuerySet
from django.shortcuts import get_object_or_404
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.serializers import Serializer
from rest_framework.views import APIView

from orders.api import OrderCursor, cursor_page
from orders.auth import StoreClient
from orders.models import ApiKey, Order, Store
from returns.models import ReturnRequest, ReturnStatus
from returns.selectors import order_eligibility
from returns.serializers import (
    ApproveInputSerializer,
    EligibilitySerializer,
    ReceiveInputSerializer,
    RejectInputSerializer,
    ResolveInputSerializer,
    ReturnSerializer,
)
from returns.services import return_approve, return_receive, return_reject, return_resolve


def _store(request: Request) -> Store:
    """The key's store (`orders.auth.StoreClient`, the request's user for API calls)."""
    client = request.user
    assert isinstance(client, StoreClient)
    return client.store


def _actor(request: Request) -> str:
    key = request.auth
    assert isinstance(key, ApiKey)
    return f"api:{key.prefix}"


def _returns(request: Request) -> QuerySet[ReturnRequest]:
    return (
        ReturnRequest.objects.for_store(_store(request))
        .select_related("order", "credit_code")
        .prefetch_related("items__line_item", "labels")
    )


def _answer(request: Request, pk: int) -> Response:
    return Response(ReturnSerializer(_returns(request).get(pk=pk)).data)


class ReturnListApi(APIView):
    @extend_schema(
        parameters=[
            OpenApiParameter("status", str, enum=ReturnStatus.values, description="Only returns in this status."),
            OpenApiParameter("order", int, description="Only the returns of this order (its id)."),
            OpenApiParameter("number", str, description="The return with this RMA number."),
        ],
        responses=cursor_page(ReturnSerializer(many=True), name="PaginatedReturnList"),
        operation_id="api_v1_returns_list",
    )
    def get(self, request: Request) -> Response:
        returns = _returns(request)
        if value := request.query_params.get("status"):
            returns = returns.filter(status=value)
        if value := request.query_params.get("number"):
            returns = returns.filter(number=value.strip().upper())
        if (value := request.query_params.get("order")) is not None:
            returns = returns.filter(order_id=int(value)) if value.isdigit() else returns.none()
        paginator = OrderCursor()
        page = paginator.paginate_queryset(returns, request, view=self)
        return paginator.get_paginated_response(ReturnSerializer(page, many=True).data)


class ReturnDetailApi(APIView):
    @extend_schema(responses=ReturnSerializer)
    def get(self, request: Request, pk: int) -> Response:
        return Response(ReturnSerializer(get_object_or_404(_returns(request), pk=pk)).data)


class _StepApi(APIView):
    """POST /returns/<id>/<step>/: validate the input, run the service, answer the return."""

    input_class: type[Serializer[Any]]

    def run(self, *, return_id: int, actor: str, data: Serializer[Any]) -> None:
        raise NotImplementedError

    def post(self, request: Request, pk: int) -> Response:
        rr = get_object_or_404(ReturnRequest.objects.for_store(_store(request)), pk=pk)
        serializer = self.input_class(data=request.data)
        serializer.is_valid(raise_exception=True)
        self.run(return_id=rr.pk, actor=_actor(request), data=serializer)
        return _answer(request, rr.pk)


class ReturnApproveApi(_StepApi):
    input_class = ApproveInputSerializer

    @extend_schema(
        request=ApproveInputSerializer,
        responses=ReturnSerializer,
        description="Approve a requested return: its label is issued and emailed to the customer.",
    )
    def post(self, request: Request, pk: int) -> Response:
        return super().post(request, pk)

    def run(self, *, return_id: int, actor: str, data: Serializer[Any]) -> None:
        return_approve(return_id=return_id, actor=actor, note=data.validated_data["note"])


class ReturnRejectApi(_StepApi):
    input_class = RejectInputSerializer

    @extend_schema(request=RejectInputSerializer, responses=ReturnSerializer, description="Reject, with the reason.")
    def post(self, request: Request, pk: int) -> Response:
        return super().post(request, pk)

    def run(self, *, return_id: int, actor: str, data: Serializer[Any]) -> None:
        return_reject(return_id=return_id, actor=actor, reason=data.validated_data["reason"])


class ReturnReceiveApi(_StepApi):
    input_class = ReceiveInputSerializer

    @extend_schema(
        request=ReceiveInputSerializer,
        responses=ReturnSerializer,
        description="The items arrived: condition and restock per item.",
    )
    def post(self, request: Request, pk: int) -> Response:
        return super().post(request, pk)

    def run(self, *, return_id: int, actor: str, data: Serializer[Any]) -> None:
        assert isinstance(data, ReceiveInputSerializer)
        return_receive(return_id=return_id, actor=actor, receipts=data.receipts())


class ReturnResolveApi(_StepApi):
    input_class = ResolveInputSerializer

    @extend_schema(
        request=ResolveInputSerializer,
        responses=ReturnSerializer,
        description="Issue the resolution: record the refund (with the provider's reference), "
        "issue the store credit, or mark the exchange.",
    )
    def post(self, request: Request, pk: int) -> Response:
        return super().post(request, pk)

    def run(self, *, return_id: int, actor: str, data: Serializer[Any]) -> None:
        return_resolve(return_id=return_id, actor=actor, refund_reference=data.validated_data["refund_reference"])


class OrderReturnEligibilityApi(APIView):
    @extend_schema(
        responses=EligibilitySerializer,
        description="Per line of the order: how many units can be returned now, or why none.",
    )
    def get(self, request: Request, pk: int) -> Response:
        order = get_object_or_404(Order.objects.for_store(_store(request)), pk=pk)
        lines = {li.pk: li for li in order.line_items.all()}
        answer = [
            {
                "line_item_id": e.line_id,
                "title": lines[e.line_id].title,
                "sku": lines[e.line_id].sku,
                "quantity": lines[e.line_id].quantity,
                "returnable_quantity": e.returnable_quantity,
                "why_not": e.why_not,
                "message": e.message,
            }
            for e in order_eligibility(order)
        ]
        data = {"order_id": order.pk, "returnable": any(e["returnable_quantity"] for e in answer), "lines": answer}
        return Response(EligibilitySerializer(data).data)
