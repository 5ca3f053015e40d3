"""The end of the day: report figures, approval rules, the deposit that locks the day, locked means locked,
reversals by two people — and the worker that builds the reports."""

from datetime import timedelta
from decimal import Decimal

import pytest

from billing.errors import BillingError
from billing.models import DailyReport, Discrepancy, HallDay, Payment, Receipt, Reversal, Till
from billing.services import days, receipts, tills
from counter.models import Bill
from servicecenter.models import AuditEvent
from tests.billing.conftest import MORNING

DAY = MORNING.date()
NEXT_MORNING = MORNING + timedelta(days=1)


def _count_and_verify(till, rep, auditor, *, cash, explanation="", settlements=None, at=MORNING):
    pieces = {"1.00": int(cash)} if cash else {}
    if cash != int(cash):
        pieces["0.10"] = round((cash - int(cash)) * 10)
    tills.close_till(
        till=till, by=rep, denominations=pieces, settlements=settlements or {}, explanation=explanation, at=at
    )
    tills.hand_in_till(till=till, by=rep, at=at)
    tills.verify_till(till=till, by=auditor, at=at)


@pytest.fixture
def closed_day(billing_hall, rep, auditor, open_till_for, pay, tender):
    """A day of two payments (cash 50, WeChat 30) in one till with float 100, counted exactly and verified."""
    till = open_till_for(rep, opening_float="100.00")
    pay(till, rep, "50.00")
    pay(till, rep, "30.00", tender_code="wechat", reference="4200000000001")
    _count_and_verify(till, rep, auditor, cash=150, settlements={tender("wechat").pk: "30.00"})
    return till


def test_report_totals_equal_the_sum_of_tills(billing_hall, closed_day):
    report = days.generate_daily_report(hall=billing_hall, day=DAY, at=MORNING).data
    assert report["payments"] == 2 and report["gross"] == "80.00" and report["net"] == "80.00"
    by_tender = {r["tender"]: r["amount"] for r in report["by_tender"]}
    assert by_tender == {"现金": "50.00", "微信支付": "30.00"}
    assert report["cash_takings"] == "50.00"  # counted 150 less the float of 100
    assert report["tills"][0]["difference"] == "0.00"
    assert report["receipt_books"][0]["issued"] == 2


def test_building_the_report_twice_gives_one_report(billing_hall, closed_day):
    first = days.generate_daily_report(hall=billing_hall, day=DAY, at=MORNING)
    second = days.generate_daily_report(hall=billing_hall, day=DAY, at=MORNING + timedelta(hours=1))
    assert first.pk == second.pk and DailyReport.objects.count() == 1


def test_approval_waits_for_every_till_and_exception(
    billing_hall, rep, auditor, supervisor, open_till_for, pay
):
    till = open_till_for(rep, opening_float="0")
    pay(till, rep, "20")
    with pytest.raises(BillingError, match="not yet verified"):
        days.approve_day(hall=billing_hall, day=DAY, by=supervisor, at=NEXT_MORNING)
    _count_and_verify(till, rep, auditor, cash=20)
    issue = Discrepancy.objects.create(
        hall=billing_hall,
        business_day=DAY,
        kind=Discrepancy.Kind.MISSING_IN_FILE,
        payment=Payment.objects.get(),
        system_amount=Decimal("20"),
    )
    with pytest.raises(BillingError, match="exceptions"):
        days.approve_day(hall=billing_hall, day=DAY, by=supervisor, at=NEXT_MORNING)
    issue.note, issue.resolved_at, issue.resolved_by = "收费系统次日补录", MORNING, auditor
    issue.save()
    day = days.approve_day(hall=billing_hall, day=DAY, by=supervisor, at=NEXT_MORNING)
    assert day.state == HallDay.State.APPROVED
    assert AuditEvent.objects.filter(kind=AuditEvent.Kind.APPROVAL, actor=supervisor).exists()


def test_an_unconfirmed_card_write_holds_the_day(
    billing_hall, rep, auditor, supervisor, open_till_for, pay, make_account
):
    account = make_account(billing_hall, "50000001", meter_type="ic_card")
    till = open_till_for(rep, opening_float="0")
    pay(till, rep, "100", item="prepaid_gas", account=account)
    _count_and_verify(till, rep, auditor, cash=100)
    with pytest.raises(BillingError, match="exceptions"):
        days.approve_day(hall=billing_hall, day=DAY, by=supervisor, at=NEXT_MORNING)
    # The report (built by the worker after the cut-off) lists it for the auditor.
    report = days.generate_daily_report(hall=billing_hall, day=DAY, at=MORNING)
    assert Discrepancy.objects.get().kind == Discrepancy.Kind.CARD_WRITE
    assert report.data["open_exceptions"] == 1


def test_deposit_must_match_the_cash_or_be_explained_then_the_day_locks(billing_hall, closed_day, supervisor):
    days.approve_day(hall=billing_hall, day=DAY, by=supervisor, at=NEXT_MORNING)
    with pytest.raises(BillingError, match="explain"):
        days.record_deposit(
            hall=billing_hall,
            day=DAY,
            amount="40.00",
            bank="工商银行",
            slip_number="S1",
            by=supervisor,
            at=MORNING,
        )
    assert HallDay.objects.get().state == HallDay.State.APPROVED
    days.record_deposit(
        hall=billing_hall,
        day=DAY,
        amount="50.00",
        bank="工商银行",
        slip_number="S1",
        by=supervisor,
        at=MORNING,
    )
    assert HallDay.objects.get().state == HallDay.State.LOCKED


@pytest.fixture
def locked_day(billing_hall, closed_day, supervisor):
    days.approve_day(hall=billing_hall, day=DAY, by=supervisor, at=NEXT_MORNING)
    days.record_deposit(
        hall=billing_hall,
        day=DAY,
        amount="50.00",
        bank="工商银行",
        slip_number="S1",
        by=supervisor,
        at=MORNING,
    )
    return closed_day


def test_locked_means_locked_in_services_and_models(billing_hall, locked_day, rep, auditor):
    payment = Payment.objects.filter(till=locked_day).first()
    # Services refuse…
    with pytest.raises(BillingError, match="locked"):
        tills.issue_float(hall=billing_hall, rep=rep, amount="100", by=auditor, at=MORNING)
    with pytest.raises(BillingError, match="locked"):
        receipts.spoil_receipt(hall=billing_hall, reason="卡纸", by=rep, at=MORNING)
    # …and so do the models, whatever path saves the row.
    payment.total = Decimal("1.00")
    with pytest.raises(BillingError, match="locked"):
        payment.save()
    receipt = Receipt.objects.filter(payment=payment).first()
    receipt.void_reason = "x"
    with pytest.raises(BillingError, match="locked"):
        receipt.save()
    locked_day.explanation = "改"
    with pytest.raises(BillingError, match="locked"):
        locked_day.save()
    assert Payment.objects.get(pk=payment.pk).total == Decimal("50.00")


def test_reversal_needs_a_second_person_and_posts_on_an_open_day(
    billing_hall, locked_day, auditor, supervisor, make_member, make_account
):
    payment = Payment.objects.filter(till=locked_day).order_by("pk").first()
    reversal = days.request_reversal(
        payment=payment, reason="重复收费，退还客户", by=auditor, at=NEXT_MORNING
    )
    assert reversal.business_day == DAY + timedelta(days=1)
    with pytest.raises(BillingError, match="does not allow"):
        days.decide_reversal(reversal=reversal, approve=True, by=auditor, at=NEXT_MORNING)
    from servicecenter.roles import Role

    other_supervisor = make_member(Role.SUPERVISOR, billing_hall, username="sup2")
    requested_by_supervisor = days.request_reversal(
        payment=Payment.objects.filter(till=locked_day).order_by("pk").last(),
        reason="金额录错，冲正",
        by=supervisor,
        at=NEXT_MORNING,
    )
    with pytest.raises(BillingError, match="Someone else"):
        days.decide_reversal(reversal=requested_by_supervisor, approve=True, by=supervisor, at=NEXT_MORNING)
    days.decide_reversal(reversal=reversal, approve=True, by=other_supervisor, at=NEXT_MORNING)
    reversal.refresh_from_db()
    assert reversal.state == Reversal.State.APPROVED and reversal.decided_by == other_supervisor
    # The original stays untouched on its locked day; the next day's report shows the reversal.
    payment.refresh_from_db()
    assert payment.status == Payment.Status.COMPLETED
    report = days.generate_daily_report(hall=billing_hall, day=DAY + timedelta(days=1), at=NEXT_MORNING).data
    assert report["reversed"] == "50.00" and report["net"] == "-50.00"
    assert {r["tender"]: r["reversed"] for r in report["by_tender"]}["现金"] == "50.00"


def test_reversing_a_bill_payment_makes_the_bill_owed_again(
    billing_hall, rep, auditor, supervisor, open_till_for, pay, make_account
):
    account = make_account(billing_hall, "50000002", bills=["66.00"])
    till = open_till_for(rep, opening_float="0")
    payment = pay(till, rep, bills=[account.bills.get()], account=account)
    _count_and_verify(till, rep, auditor, cash=66)
    reversal = days.request_reversal(payment=payment, reason="银行已代扣，重复缴费", by=auditor, at=MORNING)
    days.decide_reversal(reversal=reversal, approve=True, by=supervisor, at=MORNING)
    assert account.bills.get().status == Bill.Status.UNPAID


def test_an_open_till_payment_is_voided_not_reversed(billing_hall, rep, auditor, open_till_for, pay):
    payment = pay(open_till_for(rep), rep, "10")
    with pytest.raises(BillingError, match="void the payment"):
        days.request_reversal(payment=payment, reason="顾客退款", by=auditor, at=MORNING)


def test_the_worker_builds_the_report(billing_hall, celery_worker, rep, auditor, open_till_for, pay):
    from billing.tasks import build_daily_report

    yesterday = MORNING - timedelta(days=1)
    till = open_till_for(rep, opening_float="0", at=yesterday)
    pay(till, rep, "12.50", at=yesterday + timedelta(minutes=5))
    result = build_daily_report.delay(billing_hall.pk, yesterday.date().isoformat())
    report = DailyReport.objects.get(pk=result.get(timeout=60))
    assert report.data["gross"] == "12.50" and report.data["payments"] == 1
    assert Till.objects.get().state == Till.State.OPEN


def test_reports_and_days_are_never_deleted(billing_hall, closed_day, supervisor):
    report = days.generate_daily_report(hall=billing_hall, day=DAY, at=MORNING)
    day = days.approve_day(hall=billing_hall, day=DAY, by=supervisor, at=NEXT_MORNING)
    for record in (report, day):
        with pytest.raises(BillingError):
            record.delete()
    assert day.history.latest().history_user == supervisor


def test_the_count_keeps_its_history_with_the_rep_and_auditor(billing_hall, closed_day, rep, auditor):
    users = [h.history_user for h in closed_day.history.order_by("history_date")]
    assert users[0] == auditor  # the float issued
    assert rep in users and users[-1] == auditor  # counted and handed in by the rep, verified by the auditor
    leg = closed_day.tenders.first()
    assert leg.history.latest().history_user == rep
