"""Billing's background work: the daily revenue reports, built after each hall's cut-off, the monthly
statements auditors ask for, and the companies' reports of their halls side by side."""

from datetime import date, timedelta

from celery import shared_task
from django.db import OperationalError
from django.utils import timezone

from billing.services import company_reports, days, statements
from servicecenter.clock import business_day
from servicecenter.models import Hall


@shared_task(
    name="billing.build_daily_report", autoretry_for=(OperationalError,), retry_backoff=True, max_retries=5
)
def build_daily_report(hall_id: int, day: str) -> int:
    """Build one hall-day's report (on demand, or for the beat below). Safe to run twice."""
    hall = Hall.objects.get(pk=hall_id)
    return days.generate_daily_report(hall=hall, day=date.fromisoformat(day)).pk


@shared_task(name="billing.build_due_daily_reports")
def build_due_daily_reports() -> list[str]:
    """Run by beat every half hour: for each hall, the business day that ended at its last cut-off.
    Halls' cut-offs differ, so the task looks at each hall's own clock rather than at a fixed hour."""
    at = timezone.now()
    built = []
    for hall in Hall.objects.filter(is_active=True):
        ended = business_day(hall, at) - timedelta(days=1)
        build_daily_report.delay(hall.pk, ended.isoformat())
        built.append(f"{hall.code}:{ended}")
    return built


@shared_task(name="billing.build_statement")
def build_statement(statement_id: int) -> int | None:
    """Build one monthly statement (asked for by an auditor). Safe to run twice: it is built once. Not
    retried: a failure is recorded on the statement, whose page offers to ask again."""
    statement = statements.build_statement(statement_id=statement_id)
    return statement.pk if statement else None


@shared_task(name="billing.build_company_report")
def build_company_report(report_id: int) -> int | None:
    """Build one company's weekly or monthly report. Safe to run twice: it is built once. Not retried: a
    failure is recorded on the report, whose page offers to build it again."""
    report = company_reports.build_company_report(report_id=report_id)
    return report.pk if report else None


@shared_task(name="billing.build_nightly_company_reports")
def build_nightly_company_reports() -> list[int]:
    """Run by beat each morning, after the halls' cut-offs: each company's week and month built again."""
    return [report.pk for report in company_reports.request_nightly_reports()]
