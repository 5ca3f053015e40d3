"""The monthly statement: asked for by an auditor, built by the worker with its progress saved, a Chinese PDF
whose figures are the locked days' own; open days said on the cover or refused, as the hall has it; the files
handed out only to those allowed."""
# ruff: noqa: F811 — fixtures imported from test_periods are taken as arguments

import io
import subprocess
from datetime import date
from decimal import Decimal

import pytest
from django.test import TestCase
from django.utils import translation
from openpyxl import load_workbook

from billing.errors import BillingError
from billing.models import DailyReport, HallDay, Payment, Statement
from billing.services import statements
from servicecenter.clock import Period
from servicecenter.models import Hall
from servicecenter.roles import Role
from tests.billing.test_periods import DAYS, MONTH, at, make_day, month  # noqa: F401 — shared fixtures

AFTER = at(date(2026, 10, 2), 12)  # early in the next month: September has ended


def chinese(text: str) -> str:
    """As the statement says it: it is always built in Chinese."""
    with translation.override("zh-hans"):
        return translation.gettext(text)


def pdf_text(path) -> str:
    return subprocess.run(
        ["pdftotext", "-layout", str(path), "-"], check=True, capture_output=True, text=True
    ).stdout


def pdf_fonts(path) -> str:
    return subprocess.run(["pdffonts", str(path)], check=True, capture_output=True, text=True).stdout


@pytest.fixture
def finance(make_member, billing_hall):
    return make_member(
        Role.FINANCE_AUDITOR, billing_hall, username="finance", last_name="陈", first_name="静"
    )


@pytest.fixture
def locked_month(billing_hall, make_day):
    """Three locked days of September; no open day."""
    made = [make_day(day, seed=n, void=n == 1, short=n == 2) for n, day in enumerate(DAYS[:3])]
    return made


def committed():
    """The task is queued once the request commits (the test's own transaction never does): run what was
    queued, in-process, when the block ends."""
    return TestCase.captureOnCommitCallbacks(execute=True)


def _request(hall, by, appendix="", period=MONTH, at=AFTER):
    with committed():
        statement, _created = statements.request_statement(
            hall=hall, period=period, appendix=appendix, by=by, at=at
        )
    statement.refresh_from_db()
    return statement


def test_the_statement_of_a_locked_month_states_its_days_totals(billing_hall, locked_month, auditor):
    statement = _request(billing_hall, auditor)
    assert statement.state == Statement.State.DONE and statement.progress == 100
    nets = [Decimal(DailyReport.objects.get(hall=billing_hall, day=d).data["net"]) for d in DAYS[:3]]
    assert statement.net == sum(nets) and statement.open_days == []
    text = pdf_text(statement.pdf.path)
    assert billing_hall.name in text and "2026年9月" in text
    assert f"{statement.net:,.2f}" in text  # the month's total, as the cover and tables show it
    assert "Noto" in pdf_fonts(statement.pdf.path) and "CJK" in pdf_fonts(statement.pdf.path)
    # Approvals on the cover: the supervisor who approved the days.
    supervisor = HallDay.objects.filter(hall=billing_hall).first().approved_by
    assert f"{supervisor.last_name}{supervisor.first_name}" in text


def test_open_days_are_said_on_the_cover(billing_hall, month, auditor):
    statement = _request(billing_hall, auditor)
    assert statement.state == Statement.State.DONE
    assert statement.open_days == [DAYS[3].isoformat()]
    text = pdf_text(statement.pdf.path)
    assert DAYS[3].isoformat() in text.split("\n\f")[0]  # on the cover page


def test_a_hall_that_refuses_open_days_gets_no_statement(billing_hall, month, auditor):
    billing_hall.statement_open_days = Hall.OpenDays.REFUSE
    billing_hall.save()
    with pytest.raises(BillingError, match="not locked yet"):
        _request(billing_hall, auditor)
    assert not Statement.objects.exists()


def test_a_hall_that_refuses_open_days_waits_for_the_month_to_end(billing_hall, locked_month, auditor):
    billing_hall.statement_open_days = Hall.OpenDays.REFUSE
    billing_hall.save()
    with pytest.raises(BillingError, match="not ended"):
        _request(billing_hall, auditor, at=at(DAYS[2], 23))
    assert _request(billing_hall, auditor).state == Statement.State.DONE  # once the month is over


def test_a_future_month_or_a_week_is_refused(billing_hall, auditor):
    with pytest.raises(BillingError, match="not begun"):
        _request(billing_hall, auditor, period=MONTH.next().next().next())
    with pytest.raises(BillingError, match="calendar month"):
        _request(billing_hall, auditor, period=Period.of(Period.WEEK, DAYS[0]))
    with pytest.raises(BillingError, match="appendix"):
        _request(billing_hall, auditor, appendix="zip")
    assert not Statement.objects.exists()


def test_asking_again_while_it_waits_gives_the_same_statement(
    billing_hall, locked_month, auditor, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=False):
        first, created = statements.request_statement(hall=billing_hall, period=MONTH, by=auditor, at=AFTER)
    assert created and Statement.objects.get().state == Statement.State.QUEUED
    again, created = statements.request_statement(hall=billing_hall, period=MONTH, by=auditor, at=AFTER)
    assert again.pk == first.pk and not created


def test_building_twice_builds_once(billing_hall, locked_month, auditor, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=False):
        statement, _ = statements.request_statement(hall=billing_hall, period=MONTH, by=auditor, at=AFTER)
    built = statements.build_statement(statement_id=statement.pk, at=AFTER)
    assert built.state == Statement.State.DONE
    assert statements.build_statement(statement_id=statement.pk, at=AFTER) is None
    assert Statement.objects.get().pdf.name == built.pdf.name


def test_the_pdf_appendix_lists_every_payment_after_the_statement(billing_hall, locked_month, auditor):
    statement = _request(billing_hall, auditor, appendix=Statement.Appendix.PDF)
    text = pdf_text(statement.pdf.path)
    numbers = list(Payment.objects.filter(hall=billing_hall).values_list("number", flat=True))
    assert all(number in text for number in numbers)
    assert text.index(chinese("Transaction appendix")) > text.index(chinese("Summary"))


def test_the_excel_appendix_totals_the_months_takings(billing_hall, locked_month, auditor):
    statement = _request(billing_hall, auditor, appendix=Statement.Appendix.XLSX)
    book = load_workbook(statement.appendix_file.path)
    rows = list(book[book.sheetnames[0]].iter_rows(values_only=True))
    header, body, total = rows[0], rows[1:-1], rows[-1]
    assert len(body) == Payment.objects.filter(hall=billing_hall).count()
    assert total[0] == "合计"
    amount = header.index(chinese("Amount"))
    gross = sum((p.total for p in Payment.objects.exclude(status=Payment.Status.VOIDED)), Decimal("0"))
    assert Decimal(str(total[amount])).quantize(Decimal("0.01")) == gross


def test_a_failure_is_recorded_with_its_message(billing_hall, locked_month, auditor, monkeypatch):
    def broken(data):
        raise RuntimeError("字体缺失")

    monkeypatch.setattr(statements, "render_statement_pdf", broken)
    statement = _request(billing_hall, auditor)
    assert statement.state == Statement.State.FAILED and "字体缺失" in statement.error and not statement.pdf


# --- Pages, downloads and the API, per role -------------------------------------------------------------


def _pages(hall, statement=None, tail=""):
    base = f"/halls/{hall.pk}/money/statements/"
    return f"{base}{statement.pk}/{tail}" if statement else base


def test_the_auditor_starts_it_and_the_finance_auditor_downloads_it(
    billing_hall, locked_month, auditor, finance, login, client
):
    login(auditor)
    with committed():
        response = client.post(_pages(billing_hall) + "start/", {"month": MONTH.key, "appendix": ""})
    statement = Statement.objects.get()
    assert response.status_code == 302 and response["Location"].endswith(f"/statements/{statement.pk}/")
    page = client.get(_pages(billing_hall, statement)).content.decode()
    assert 'data-testid="download-pdf"' in page
    login(finance)
    download = client.get(_pages(billing_hall, statement, "statement.pdf"))
    assert download.status_code == 200 and download["Content-Type"] == "application/pdf"
    assert b"".join(download.streaming_content).startswith(b"%PDF")


def test_a_refused_month_is_a_message_and_nothing_is_made(billing_hall, auditor, login, client):
    login(auditor)
    client.cookies["django_language"] = "en"
    response = client.post(_pages(billing_hall) + "start/", {"month": "2099-01"}, follow=True)
    assert "has not begun" in response.content.decode()
    response = client.post(_pages(billing_hall) + "start/", {"month": "sept"}, follow=True)
    assert "Not a month" in response.content.decode()
    assert not Statement.objects.exists()


@pytest.mark.parametrize("role", [Role.REP, Role.SUPERVISOR, Role.DUTY_MANAGER, Role.GREETER])
def test_others_neither_see_nor_start_statements(
    billing_hall, locked_month, auditor, make_member, login, client, role
):
    statement = _request(billing_hall, auditor)
    login(make_member(role, billing_hall, username=f"u-{role}"))
    assert client.get(_pages(billing_hall)).status_code == 403
    assert client.get(_pages(billing_hall, statement, "statement.pdf")).status_code == 403
    assert client.post(_pages(billing_hall) + "start/", {"month": MONTH.key}).status_code == 403
    assert client.get(f"/api/v1/halls/{billing_hall.pk}/statements/{statement.pk}/pdf/").status_code == 403


def test_the_finance_auditor_may_not_reach_another_halls_statement(
    billing_hall, other_hall, locked_month, auditor, make_member, login, client
):
    statement = _request(billing_hall, auditor)
    login(make_member(Role.FINANCE_AUDITOR, other_hall, username="other-finance"))
    assert client.get(_pages(billing_hall, statement, "statement.pdf")).status_code == 404
    assert (
        client.get(f"/halls/{other_hall.pk}/money/statements/{statement.pk}/statement.pdf").status_code == 404
    )
    assert client.get(f"/api/v1/halls/{billing_hall.pk}/statements/{statement.pk}/").status_code == 404


def test_the_api_starts_polls_and_downloads(billing_hall, locked_month, auditor, finance, client, login):
    login(auditor)
    api = f"/api/v1/halls/{billing_hall.pk}/statements/"
    with committed():
        created = client.post(api, {"month": MONTH.key, "appendix": "xlsx"}, content_type="application/json")
    assert created.status_code == 201, created.content
    body = created.json()
    assert body["state"] == "queued" and body["month"] == MONTH.key  # the worker takes it from here
    polled = client.get(f"{api}{body['id']}/").json()
    assert polled["state"] == "done" and polled["progress"] == 100
    assert polled["pdf_url"].endswith("/pdf/") and polled["appendix_url"].endswith("/appendix/")
    login(finance)
    pdf = client.get(polled["pdf_url"])
    assert pdf.status_code == 200 and b"".join(pdf.streaming_content).startswith(b"%PDF")
    xlsx = client.get(polled["appendix_url"])
    assert load_workbook(io.BytesIO(b"".join(xlsx.streaming_content))).sheetnames


def test_the_api_refuses_bad_months_with_a_message(billing_hall, auditor, client, login):
    login(auditor)
    client.cookies["django_language"] = "en"
    api = f"/api/v1/halls/{billing_hall.pk}/statements/"
    for month_text, message in [
        ("2099-01", "has not begun"),
        ("2026-13", "Not a month"),
        ("11/2026", "month"),
    ]:
        response = client.post(api, {"month": month_text}, content_type="application/json")
        assert response.status_code == 400 and message in response.content.decode(), response.content
    assert not Statement.objects.exists()


def test_the_api_gives_a_period_report(billing_hall, locked_month, auditor, client, login):
    login(auditor)
    ok = client.get(f"/api/v1/halls/{billing_hall.pk}/reports/month/{MONTH.key}/")
    assert ok.status_code == 200 and ok.json()["payments"] == Payment.objects.exclude(status="voided").count()
    assert client.get(f"/api/v1/halls/{billing_hall.pk}/reports/week/2099-W01/").status_code == 400
    assert client.get(f"/api/v1/halls/{billing_hall.pk}/reports/year/2026/").status_code == 404
