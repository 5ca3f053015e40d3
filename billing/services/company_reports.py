"""A company's weekly and monthly revenue report (spec §1, §4.6): its halls side by side, asked for by a
manager or built every night for the periods of the day that ended, by the worker, with its progress saved
as it goes; then kept, unchanged, for the pages, the exports and the API."""

from datetime import datetime, timedelta
from decimal import Decimal

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from billing import selectors
from billing.errors import BillingError
from billing.models import CompanyReport
from billing.periods import build_period_report
from billing.services import jobs
from billing.services.common import now
from servicecenter.clock import Period, business_day
from servicecenter.models import Company, Hall, User
from servicecenter.scoping import has_hall_perm

PERM = "billing.view_companyreport"


def company_halls(company: Company) -> list[Hall]:
    """The halls a company's report covers: its active ones, by name."""
    return list(
        Hall.objects.filter(company=company, is_active=True).select_related("company").order_by("name")
    )


@transaction.atomic(durable=True)
def request_company_report(
    *, company: Company, period: Period, by: User | None, at: datetime | None = None
) -> tuple[CompanyReport, bool]:
    """Ask for the company's report of a week or a month: (it, whether it is new); the worker builds it once
    this commits. Asking again while one waits or is being built gives that one, and a final one (the period
    ended with every day locked) is the last word: it is given rather than built again. `by` None is the
    nightly build. Refused: a period that has not begun in any hall, someone without the company's view."""
    at = now(at)
    halls = company_halls(company)
    if by is not None and not (halls and all(has_hall_perm(by, hall, PERM) for hall in halls)):
        raise BillingError(_("Your role does not allow this."), code="forbidden")
    if period.kind not in CompanyReport.Kind.values:
        raise BillingError(_("A company report covers a week or a calendar month."))
    if not halls or period.first > max(business_day(hall, at) for hall in halls):
        raise BillingError(_("This period has not begun yet: there are no figures for it."), code="future")
    # One build at a time per period: the first request holds the company's row until it commits.
    Company.objects.select_for_update().filter(pk=company.pk).first()
    waiting = selectors.pending_company_report(company, period, at=at)
    if waiting is not None:
        return waiting, False
    built = selectors.latest_company_report(company, period)
    if built is not None and built.final:
        return built, False
    report = CompanyReport(
        company=company, kind=period.kind, first=period.first, requested_by=by, requested_at=at
    )
    report._history_user = by
    report.save()
    transaction.on_commit(lambda: _queue(report.pk))
    return report, True


def _queue(report_id: int) -> None:
    from billing.tasks import build_company_report  # the tasks module calls back into these services

    build_company_report.delay(report_id)


def build_company_report(*, report_id: int, at: datetime | None = None) -> CompanyReport | None:
    """Aggregate the period over the company's halls and keep it (run by the worker). Safe to run twice: it
    is built once. Each part read saves the progress; a failure is recorded with its message."""
    at = now(at)
    report = jobs.claim(
        CompanyReport.objects.select_related("company", "requested_by"),
        report_id,
        at=at,
        step=_("Reading the halls"),
    )
    if report is None:
        return None
    try:
        return _build(report, at)
    except Exception as error:
        return jobs.record_failure(report, error)


def _build(report: CompanyReport, at: datetime) -> CompanyReport:
    halls = company_halls(report.company)
    period = Period(report.kind, report.first)

    def moved(share: float, step: str) -> None:
        jobs.record_progress(report, 2 + int(95 * share), step)

    data = build_period_report(halls, period, on_progress=moved)
    ended = all(period.last < business_day(hall, at) for hall in halls)
    with transaction.atomic(durable=True):
        report = CompanyReport.objects.select_for_update().get(pk=report.pk)
        report.data = data
        report.state, report.progress, report.step = CompanyReport.State.DONE, 100, _("Ready")
        report.final = ended and not data["open_days"]
        report.payments = data["payments"]
        report.net = Decimal(data["net"])
        report.finished_at = timezone.now()
        report._history_user = report.requested_by
        report.save()
    return report


def request_nightly_reports(*, at: datetime | None = None) -> list[CompanyReport]:
    """For each company, the week and the month of the business day that ended last (by the latest of its
    halls' clocks), built again so that its managers find the latest figures in the morning; a final one is
    left as it is."""
    at = now(at)
    made = []
    for company in Company.objects.filter(halls__is_active=True).distinct():
        halls = company_halls(company)
        ended = max(business_day(hall, at) for hall in halls) - timedelta(days=1)
        for kind in CompanyReport.Kind.values:
            report, created = request_company_report(
                company=company, period=Period.of(kind, ended), by=None, at=at
            )
            if created:
                made.append(report)
    return made
