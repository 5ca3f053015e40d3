"""API: a hall's business day as money sees it — its state, what still blocks its approval, the stored daily
report and the deposit; the report built on demand, the supervisor's approval, the deposit that locks the
day. The same services as the pages."""

from datetime import date

from django.urls import path
from django.utils import timezone
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers, status
from rest_framework.response import Response
from rest_framework.views import APIView

from billing import selectors
from billing.api.common import AmountField, TextField, day_or_404, hall_for
from billing.errors import BillingError
from billing.models import Deposit, HallDay
from billing.services import days as services
from servicecenter.api import StaffMemberSerializer, errors, validated
from servicecenter.clock import business_day
from servicecenter.models import Hall

DAY_PARAMETER = OpenApiParameter(
    "day", OpenApiTypes.DATE, OpenApiParameter.PATH, description="The business day, YYYY-MM-DD."
)


class DepositSerializer(serializers.ModelSerializer):
    recorded_by = StaffMemberSerializer()

    class Meta:
        model = Deposit
        fields = [
            "day",
            "amount",
            "bank",
            "slip_number",
            "cash_takings",
            "explanation",
            "deposited_at",
            "recorded_by",
        ]


class ReportSerializer(serializers.Serializer):
    generated_at = serializers.DateTimeField()
    data = serializers.DictField(
        help_text="The day's figures as built (amounts are strings with 2 decimals)."
    )


class DaySerializer(serializers.Serializer):
    hall = serializers.IntegerField()
    day = serializers.DateField()
    state = serializers.ChoiceField(choices=HallDay.State.choices)
    approved_at = serializers.DateTimeField(allow_null=True)
    approved_by = StaffMemberSerializer(allow_null=True)
    approval_note = serializers.CharField(allow_blank=True)
    locked_at = serializers.DateTimeField(allow_null=True)
    blockers = serializers.ListField(
        child=serializers.CharField(), help_text="Why the day cannot be approved yet (empty when it can)."
    )
    report = ReportSerializer(allow_null=True, help_text="The stored daily report; null until one is built.")
    deposit = DepositSerializer(allow_null=True)


class ApproveSerializer(serializers.Serializer):
    note = TextField(max_length=300, required=False, allow_blank=True, default="")


class DepositInputSerializer(serializers.Serializer):
    amount = AmountField(help_text="The cash taken to the bank.")
    bank = TextField(max_length=100)
    slip_number = TextField(max_length=50)
    explanation = TextField(
        max_length=2000,
        required=False,
        allow_blank=True,
        default="",
        help_text="Needed when the amount differs from the day's cash takings.",
    )


def day_detail(hall: Hall, day: date) -> dict:
    hall_day = selectors.hall_day(hall, day)
    return {
        "hall": hall.pk,
        "day": day,
        "state": hall_day.state if hall_day else HallDay.State.OPEN,
        "approved_at": hall_day.approved_at if hall_day else None,
        "approved_by": hall_day.approved_by if hall_day else None,
        "approval_note": hall_day.approval_note if hall_day else "",
        "locked_at": hall_day.locked_at if hall_day else None,
        "blockers": services.day_blockers(hall, day),
        "report": selectors.daily_report(hall, day),
        "deposit": selectors.deposit(hall, day),
    }


def _answer(hall: Hall, day: date) -> Response:
    return Response(DaySerializer(day_detail(hall, day)).data)


class DayView(APIView):
    @extend_schema(
        parameters=[DAY_PARAMETER],
        responses={200: DaySerializer, **errors(401, 403, 404)},
        summary="A business day: its state, what blocks its approval, its report and deposit",
    )
    def get(self, request, hall_id: int, day: str):
        hall = hall_for(request, hall_id, "billing.view_hallday")
        return _answer(hall, day_or_404(day))


class ReportView(APIView):
    @extend_schema(
        parameters=[DAY_PARAMETER],
        request=None,
        responses={200: DaySerializer, **errors(400, 401, 403, 404)},
        summary="Build the day's report now (again, while the day is open; an approved day's is final)",
    )
    def post(self, request, hall_id: int, day: str):
        hall = hall_for(request, hall_id, "billing.generate_report")
        day = day_or_404(day)
        # A day that has not started has nothing to report (and gets no row of its own).
        if day > business_day(hall, timezone.now()):
            raise BillingError(_("This business day has not started yet."))
        services.generate_daily_report(hall=hall, day=day)
        return _answer(hall, day)


class ApproveView(APIView):
    @extend_schema(
        parameters=[DAY_PARAMETER],
        request=ApproveSerializer,
        responses={200: DaySerializer, **errors(400, 401, 403, 404, 415)},
        summary="Approve the day's revenue report: every till verified, every exception settled (supervisor)",
    )
    def post(self, request, hall_id: int, day: str):
        hall = hall_for(request, hall_id, "billing.approve_day")
        day = day_or_404(day)
        data = validated(ApproveSerializer, request.data)
        services.approve_day(hall=hall, day=day, note=data["note"], by=request.user)
        return _answer(hall, day)


class DepositView(APIView):
    @extend_schema(
        parameters=[DAY_PARAMETER],
        request=DepositInputSerializer,
        responses={201: DaySerializer, **errors(400, 401, 403, 404, 415)},
        summary="Record the bank deposit of the approved day's cash: the day locks (supervisor)",
    )
    def post(self, request, hall_id: int, day: str):
        hall = hall_for(request, hall_id, "billing.record_deposit")
        day = day_or_404(day)
        data = validated(DepositInputSerializer, request.data)
        services.record_deposit(hall=hall, day=day, by=request.user, **data)
        return Response(DaySerializer(day_detail(hall, day)).data, status=status.HTTP_201_CREATED)


_BASE = "halls/<int:hall_id>/days/<str:day>/"
urlpatterns = [
    path(_BASE, DayView.as_view(), name="api_day"),
    path(f"{_BASE}report/", ReportView.as_view(), name="api_day_report"),
    path(f"{_BASE}approve/", ApproveView.as_view(), name="api_day_approve"),
    path(f"{_BASE}deposit/", DepositView.as_view(), name="api_day_deposit"),
]
