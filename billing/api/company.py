"""API: a company's weekly and monthly revenue reports, its halls side by side, for its managers — ask for a
build, poll its progress, read its figures. The same services and snapshots as the pages."""

from django.http import Http404
from django.urls import path
from django.utils import timezone
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import serializers, status
from rest_framework.response import Response
from rest_framework.views import APIView

from billing import selectors
from billing.api.reports import KIND_PARAMETER, PERIOD_PARAMETER
from billing.models import CompanyReport
from billing.periods import parse_period
from billing.services import company_reports
from servicecenter.api import StaffMemberSerializer, errors, validated
from servicecenter.clock import Period
from servicecenter.scoping import get_company_for_user


def _company(request, company_id):
    return get_company_for_user(request.user, company_id, company_reports.PERM)


class CompanyReportSerializer(serializers.ModelSerializer):
    period = serializers.SerializerMethodField(help_text="2026-W47 for a week, 2026-11 for a month.")
    requested_by = StaffMemberSerializer(allow_null=True, help_text="None: the nightly build.")

    class Meta:
        model = CompanyReport
        fields = [
            "id",
            "kind",
            "period",
            "first",
            "state",
            "progress",
            "step",
            "final",
            "payments",
            "net",
            "error",
            "requested_by",
            "requested_at",
            "started_at",
            "finished_at",
        ]

    def get_period(self, report) -> str:
        return Period(report.kind, report.first).key


class CompanyReportDataSerializer(CompanyReportSerializer):
    data = serializers.JSONField(
        allow_null=True,
        help_text="Once done: the period's figures of the company, and of each hall in `halls` (totals, "
        "trend against the previous period, by tender, fee item and business type, visits, days locked and "
        "not); per day and hall in `days`; amounts are strings with 2 decimals.",
    )

    class Meta(CompanyReportSerializer.Meta):
        fields = [*CompanyReportSerializer.Meta.fields, "data"]


class CompanyReportRequestSerializer(serializers.Serializer):
    kind = serializers.ChoiceField(choices=CompanyReport.Kind.choices)
    period = serializers.RegexField(
        r"^\d{4}-(W\d{2}|\d{2})$", max_length=8, help_text="2026-W47 for a week, 2026-11 for a month."
    )


class CompanyReportListView(APIView):
    @extend_schema(
        responses={200: CompanyReportSerializer(many=True), **errors(401, 403, 404)},
        summary="The company's report builds, the latest first (figures left out: read one for them)",
    )
    def get(self, request, company_id: int):
        company, _halls = _company(request, company_id)
        reports = CompanyReport.objects.filter(company=company).select_related("requested_by")
        return Response(CompanyReportSerializer(reports.defer("data")[:50], many=True).data)

    @extend_schema(
        request=CompanyReportRequestSerializer,
        responses={
            201: CompanyReportSerializer,
            200: OpenApiResponse(
                CompanyReportSerializer, description="A build already waiting or under way, or the final one"
            ),
            **errors(400, 401, 403, 404, 415),
        },
        summary="Build the company's weekly or monthly report (by the worker; poll it for its progress)",
    )
    def post(self, request, company_id: int):
        company, halls = _company(request, company_id)
        data = validated(CompanyReportRequestSerializer, request.data)
        period = parse_period(data["kind"], data["period"], halls, at=timezone.now())
        report, created = company_reports.request_company_report(
            company=company, period=period, by=request.user
        )
        report.refresh_from_db()  # a worker running in-process has built it already
        code = status.HTTP_201_CREATED if created else status.HTTP_200_OK
        return Response(CompanyReportSerializer(report).data, status=code)


class CompanyReportView(APIView):
    @extend_schema(
        responses={200: CompanyReportDataSerializer, **errors(401, 403, 404)},
        summary="A build of the company's report: its state and progress, and its figures once done",
    )
    def get(self, request, company_id: int, report_id: int):
        company, _halls = _company(request, company_id)
        return Response(CompanyReportDataSerializer(selectors.get_company_report(company, report_id)).data)


class CompanyPeriodReportView(APIView):
    @extend_schema(
        parameters=[KIND_PARAMETER, PERIOD_PARAMETER],
        responses={
            200: CompanyReportDataSerializer,
            **errors(400, 401, 403),
            404: OpenApiResponse(OpenApiTypes.OBJECT, description="Not built yet (or no such company here)"),
        },
        summary="The company's newest built report of a week or a month, with its figures",
        operation_id="v1_companies_reports_period_retrieve",
    )
    def get(self, request, company_id: int, kind: str, period: str):
        company, halls = _company(request, company_id)
        if kind not in CompanyReport.Kind.values:
            raise Http404
        report = selectors.latest_company_report(
            company, parse_period(kind, period, halls, at=timezone.now())
        )
        if report is None:
            return Response(
                {"detail": _("This report has not been built yet: build it first.")},
                status=status.HTTP_404_NOT_FOUND,
            )
        return Response(CompanyReportDataSerializer(report).data)


urlpatterns = [
    path("companies/<int:company_id>/reports/", CompanyReportListView.as_view(), name="api_company_reports"),
    path(
        "companies/<int:company_id>/reports/<int:report_id>/",
        CompanyReportView.as_view(),
        name="api_company_report",
    ),
    path(
        "companies/<int:company_id>/reports/<str:kind>/<str:period>/",
        CompanyPeriodReportView.as_view(),
        name="api_company_period",
    ),
]
