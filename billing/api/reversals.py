"""API: reversals — corrections of payments whose till is counted or whose day has ended, posted on an open
day, requested by one person and approved or rejected by another. The same services as the pages."""

from django.urls import path
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import generics, serializers, status
from rest_framework.response import Response
from rest_framework.views import APIView

from billing import selectors
from billing.api.common import RowField, TextField, hall_for
from billing.models import Reversal
from billing.services import days as services
from servicecenter.api import StaffMemberSerializer, choice_param, errors, validated


class ReversalSerializer(serializers.ModelSerializer):
    payment_number = serializers.CharField(source="payment.number")
    requested_by = StaffMemberSerializer()
    decided_by = StaffMemberSerializer(allow_null=True)

    class Meta:
        model = Reversal
        fields = [
            "id",
            "payment",
            "payment_number",
            "business_day",
            "amount",
            "reason",
            "state",
            "requested_at",
            "requested_by",
            "decided_at",
            "decided_by",
        ]


class RequestReversalSerializer(serializers.Serializer):
    payment = RowField(selectors.get_payment, help_text="The payment (id) to reverse.")
    reason = TextField(max_length=300)


def _answer(hall, reversal: Reversal, code=status.HTTP_200_OK) -> Response:
    return Response(ReversalSerializer(selectors.get_reversal(hall, reversal.pk)).data, status=code)


class ReversalListView(generics.GenericAPIView):
    queryset = Reversal.objects.none()  # for the schema: the rows come from the selectors
    serializer_class = ReversalSerializer

    @extend_schema(
        parameters=[OpenApiParameter("state", OpenApiTypes.STR, enum=Reversal.State.values)],
        responses={200: ReversalSerializer(many=True), **errors(400, 401, 403, 404)},
        summary="The hall's reversals, the latest request first",
    )
    def get(self, request, hall_id: int):
        hall = hall_for(request, hall_id, "billing.view_reversal")
        reversals = selectors.reversals(hall)
        state = choice_param(request, "state", Reversal.State.values, _("Unknown status."))
        if state:
            reversals = reversals.filter(state=state)
        page = self.paginate_queryset(reversals.order_by("-requested_at", "-pk"))
        return self.get_paginated_response(ReversalSerializer(page, many=True).data)

    @extend_schema(
        request=RequestReversalSerializer,
        responses={201: ReversalSerializer, **errors(400, 401, 403, 404, 415)},
        summary="Ask for a payment to be reversed (someone else approves)",
    )
    def post(self, request, hall_id: int):
        hall = hall_for(request, hall_id, "billing.request_reversal")
        data = validated(RequestReversalSerializer, request.data, context={"request": request, "hall": hall})
        reversal = services.request_reversal(payment=data["payment"], reason=data["reason"], by=request.user)
        return _answer(hall, reversal, status.HTTP_201_CREATED)


def reversal_decision(approve: bool, summary: str):
    class ReversalDecisionView(APIView):
        @extend_schema(
            request=None, responses={200: ReversalSerializer, **errors(400, 401, 403, 404)}, summary=summary
        )
        def post(self, request, hall_id: int, reversal_id: int):
            hall = hall_for(request, hall_id, "billing.approve_reversal")
            reversal = selectors.get_reversal(hall, reversal_id)
            return _answer(
                hall, services.decide_reversal(reversal=reversal, approve=approve, by=request.user)
            )

    ReversalDecisionView.__name__ = "ApproveReversalView" if approve else "RejectReversalView"
    return ReversalDecisionView


_BASE = "halls/<int:hall_id>/reversals/"
urlpatterns = [
    path(_BASE, ReversalListView.as_view(), name="api_reversals"),
    path(
        f"{_BASE}<int:reversal_id>/approve/",
        reversal_decision(
            True, "Approve a reversal someone else asked for: posted on today's open day"
        ).as_view(),
        name="api_reversal_approve",
    ),
    path(
        f"{_BASE}<int:reversal_id>/reject/",
        reversal_decision(False, "Reject a reversal someone else asked for").as_view(),
        name="api_reversal_reject",
    ),
]
