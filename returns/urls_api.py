"""Returns' part of /api/v1/."""

from django.urls import path

from . import api

urlpatterns = [
    path("returns/", api.ReturnListApi.as_view(), name="return-list"),
    path("returns/<int:pk>/", api.ReturnDetailApi.as_view(), name="return-detail"),
    path("returns/<int:pk>/approve/", api.ReturnApproveApi.as_view(), name="return-approve"),
    path("returns/<int:pk>/reject/", api.ReturnRejectApi.as_view(), name="return-reject"),
    path("returns/<int:pk>/receive/", api.ReturnReceiveApi.as_view(), name="return-receive"),
    path("returns/<int:pk>/resolve/", api.ReturnResolveApi.as_view(), name="return-resolve"),
    path("orders/<int:pk>/returns/eligibility/", api.OrderReturnEligibilityApi.as_view(), name="order-eligibility"),
]
