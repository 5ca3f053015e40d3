"""API: weekly and monthly revenue reports of a hall, and its monthly statements — ask for one, poll its
progress, download it. The same reports and services as the pages."""

from django.http import Http404
from django.urls import path, reverse
from django.utils import timezone
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import serializers, status
from rest_framework.response import Response
from rest_framework.views import APIView

from billing.api.common import hall_for
from billing.models import Statement
from billing.periods import build_period_report, parse_period
from billing.services import statements as services
from billing.statements import statement_file
from servicecenter.api import StaffMemberSerializer, errors, validated
from servicecenter.clock import Period
from servicecenter.scoping import int_or_404

KIND_PARAMETER = OpenApiParameter(
    "kind", OpenApiTypes.STR, OpenApiParameter.PATH, enum=["week", "month"], description="week or month"
)
PERIOD_PARAMETER = OpenApiParameter(
    "period", OpenApiTypes.STR, OpenApiParameter.PATH, description="2026-W47 for a week, 2026-11 for a month."
)


def _period(kind: str, text: str, hall) -> Period:
    if kind not in (Period.WEEK, Period.MONTH):
        raise Http404
    return parse_period(kind, text, hall, at=timezone.now())


class PeriodReportView(APIView):
    @extend_schema(
        parameters=[KIND_PARAMETER, PERIOD_PARAMETER],
        responses={
            200: OpenApiResponse(
                OpenApiTypes.OBJECT,
                description="The period's figures: totals, trend against the previous period, per day, by "
                "tender, fee item, business type, rep and window; receipts, over/short, reversals, deposits "
                "(amounts are strings with 2 decimals).",
            ),
            **errors(400, 401, 403, 404),
        },
        summary="A hall's weekly or monthly revenue report",
    )
    def get(self, request, hall_id: int, kind: str, period: str):
        hall = hall_for(request, hall_id, "billing.view_dailyreport")
        return Response(build_period_report([hall], _period(kind, period, hall)))


class StatementSerializer(serializers.ModelSerializer):
    month = serializers.SerializerMethodField()
    requested_by = StaffMemberSerializer()
    pdf_url = serializers.SerializerMethodField(help_text="Where to download the PDF, once done.")
    appendix_url = serializers.SerializerMethodField(help_text="The Excel appendix, when asked for and done.")

    class Meta:
        model = Statement
        fields = [
            "id",
            "month",
            "appendix",
            "state",
            "progress",
            "step",
            "open_days",
            "payments",
            "net",
            "error",
            "requested_by",
            "requested_at",
            "started_at",
            "finished_at",
            "pdf_url",
            "appendix_url",
        ]

    def get_month(self, statement) -> str:
        return f"{statement.month:%Y-%m}"

    def get_pdf_url(self, statement) -> str | None:
        if statement.state != Statement.State.DONE:
            return None
        return reverse("api_statement_pdf", args=[statement.hall_id, statement.pk])

    def get_appendix_url(self, statement) -> str | None:
        if statement.state != Statement.State.DONE or not statement.appendix_file:
            return None
        return reverse("api_statement_appendix", args=[statement.hall_id, statement.pk])


class StatementRequestSerializer(serializers.Serializer):
    month = serializers.RegexField(r"^\d{4}-\d{2}$", help_text="The month, 2026-11.")
    appendix = serializers.ChoiceField(choices=Statement.Appendix.choices, default="", allow_blank=True)


class StatementListView(APIView):
    @extend_schema(
        responses={200: StatementSerializer(many=True), **errors(401, 403, 404)},
        summary="The hall's monthly statements, the latest first",
    )
    def get(self, request, hall_id: int):
        hall = hall_for(request, hall_id, "billing.view_statement")
        statements = Statement.objects.filter(hall=hall).select_related("requested_by")[:50]
        return Response(StatementSerializer(statements, many=True).data)

    @extend_schema(
        request=StatementRequestSerializer,
        responses={
            201: StatementSerializer,
            200: OpenApiResponse(StatementSerializer, description="The month's statement already asked for"),
            **errors(400, 401, 403, 404, 415),
        },
        summary="Ask for a month's statement: the worker builds it; poll it for its progress",
    )
    def post(self, request, hall_id: int):
        hall = hall_for(request, hall_id, "billing.build_statement")
        data = validated(StatementRequestSerializer, request.data)
        period = parse_period(Period.MONTH, data["month"], hall, at=timezone.now())
        statement, created = services.request_statement(
            hall=hall, period=period, appendix=data["appendix"], by=request.user
        )
        statement.refresh_from_db()  # a worker running in-process has built it already
        code = status.HTTP_201_CREATED if created else status.HTTP_200_OK
        return Response(StatementSerializer(statement).data, status=code)


def _statement(request, hall_id, statement_id) -> Statement:
    hall = hall_for(request, hall_id, "billing.view_statement")
    statements = Statement.objects.filter(hall=hall).select_related("hall", "requested_by")
    found = statements.filter(pk=int_or_404(statement_id)).first()
    if found is None:
        raise Http404
    return found


class StatementView(APIView):
    @extend_schema(
        responses={200: StatementSerializer, **errors(401, 403, 404)},
        summary="A statement: its state and progress (poll until done or failed)",
    )
    def get(self, request, hall_id: int, statement_id: int):
        return Response(StatementSerializer(_statement(request, hall_id, statement_id)).data)


def _file_name(statement: Statement, suffix: str) -> str:
    return f"{statement.hall.code}-{statement.month:%Y-%m}-{statement.pk}{suffix}"


class StatementPdfView(APIView):
    @extend_schema(
        responses={(200, "application/pdf"): OpenApiTypes.BINARY, **errors(401, 403, 404)},
        summary="Download the statement's PDF (404 until it is done)",
    )
    def get(self, request, hall_id: int, statement_id: int):
        statement = _statement(request, hall_id, statement_id)
        return statement_file(statement, "pdf", _file_name(statement, ".pdf"))


class StatementAppendixView(APIView):
    @extend_schema(
        responses={
            (200, "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"): OpenApiTypes.BINARY,
            **errors(401, 403, 404),
        },
        summary="Download the statement's Excel appendix (404 until done, or when none was asked for)",
    )
    def get(self, request, hall_id: int, statement_id: int):
        statement = _statement(request, hall_id, statement_id)
        return statement_file(statement, "appendix", _file_name(statement, "-appendix.xlsx"))


urlpatterns = [
    path(
        "halls/<int:hall_id>/reports/<str:kind>/<str:period>/", PeriodReportView.as_view(), name="api_period"
    ),
    path("halls/<int:hall_id>/statements/", StatementListView.as_view(), name="api_statements"),
    path("halls/<int:hall_id>/statements/<int:statement_id>/", StatementView.as_view(), name="api_statement"),
    path(
        "halls/<int:hall_id>/statements/<int:statement_id>/pdf/",
        StatementPdfView.as_view(),
        name="api_statement_pdf",
    ),
    path(
        "halls/<int:hall_id>/statements/<int:statement_id>/appendix/",
        StatementAppendixView.as_view(),
        name="api_statement_appendix",
    ),
]
