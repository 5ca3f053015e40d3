"""Billing's demo data for `make run`: the price list, receipt books in the reps' hands, and three business
days of takings — two locked (approved and deposited), yesterday verified and waiting for the supervisor —
and today a float issued to each hall's first rep, ready to be counted and opened; the company's week and
month, built for its manager. Idempotent."""

import random
import uuid
from collections.abc import Iterator
from datetime import datetime, time, timedelta
from decimal import Decimal

from django.utils import timezone

from billing.defaults import install_price_list
from billing.models import CompanyReport, FeeItem, ReceiptBook, Tender, Till
from billing.services import company_reports, days, payments, receipts, tills
from billing.services.tills import expected_by_tender
from counter.models import Bill, GasAccount
from servicecenter.clock import Period, business_day, hall_zone
from servicecenter.models import Company, Hall, User
from servicecenter.roles import Role


def _staff(hall: Hall, role: str) -> list[User]:
    return list(
        User.objects.filter(memberships__hall=hall, memberships__role=role, is_active=True).order_by(
            "username"
        )
    )


def seed(*, company: Company, by: User) -> Iterator[str]:
    install_price_list(company)
    yield "Billing: price list and tenders ready."
    for hall in company.halls.filter(is_active=True).order_by("code"):
        if ReceiptBook.objects.filter(hall=hall).exists():
            continue
        yield from _seed_hall(hall)
    if not CompanyReport.objects.filter(company=company).exists():
        # As the worker does each morning: the week and the month of the day that ended, halls side by side.
        halls = company_reports.company_halls(company)
        ended = max(business_day(hall, timezone.now()) for hall in halls) - timedelta(days=1)
        for kind in CompanyReport.Kind.values:
            company_reports.request_company_report(company=company, period=Period.of(kind, ended), by=None)
        yield "Billing: the company's weekly and monthly reports built, as each morning."


def _seed_hall(hall: Hall) -> Iterator[str]:
    auditor = _staff(hall, Role.AUDITOR)[0]
    supervisor = _staff(hall, Role.SUPERVISOR)[0]
    reps = _staff(hall, Role.REP)
    rng = random.Random(hall.code)  # noqa: S311 — demo data
    today = business_day(hall, timezone.now())
    start = today - timedelta(days=3)
    at = datetime.combine(start, time(8, 0), tzinfo=hall_zone(hall))
    prefix = hall.code[:1].upper()
    base = 1 + 100000 * (hall.pk % 10)
    for i, rep in enumerate(reps):
        book = receipts.receive_book(
            hall=hall,
            prefix=prefix,
            first_number=base + i * 500,
            last_number=base + i * 500 + 499,
            by=auditor,
            at=at,
        )
        receipts.issue_book(book=book, to=rep, by=auditor, at=at)
    receipts.receive_book(
        hall=hall, prefix=prefix, first_number=base + 5000, last_number=base + 5499, by=auditor, at=at
    )
    items = {i.code: i for i in FeeItem.objects.filter(company=hall.company)}
    tenders = {t.code: t for t in Tender.objects.filter(company=hall.company)}
    accounts = list(
        GasAccount.objects.filter(company=hall.company, bills__status=Bill.Status.UNPAID)
        .distinct()
        .order_by("number")[:60]
    )
    windows = list(hall.windows.filter(is_active=True).order_by("number"))
    for offset in range(3):
        day = start + timedelta(days=offset)
        morning = datetime.combine(day, time(8, 30), tzinfo=hall_zone(hall))
        for r, rep in enumerate(reps):
            till = tills.issue_float(
                hall=hall,
                rep=rep,
                amount="500.00",
                by=auditor,
                at=morning,
                window=windows[r % len(windows)] if windows else None,
            )
            tills.open_till(till=till, by=rep, at=morning)
            cash = 0
            for n in range(rng.randint(8, 14)):
                moment = morning + timedelta(minutes=20 * n + rng.randint(0, 15))
                cash += _demo_payment(rng, till, rep, items, tenders, accounts, moment)
            evening = morning + timedelta(hours=9)
            short = 10 if (offset == 1 and r == 0) else 0
            total_cash = 500 * 100 + cash - short * 100
            pieces = {
                "100.00": total_cash // 10000,
                "1.00": (total_cash % 10000) // 100,
                "0.10": (total_cash % 100) // 10,
            }
            settlements = {str(pk): str(amount) for pk, amount in _non_cash(till).items()}
            tills.close_till(
                till=till,
                by=rep,
                denominations=pieces,
                settlements=settlements,
                explanation="找零差错，已登记" if short else "",
                at=evening,
            )
            tills.hand_in_till(till=till, by=rep, at=evening)
            tills.verify_till(till=till, by=auditor, at=evening)
        days.generate_daily_report(hall=hall, day=day, at=morning + timedelta(hours=20))
        if offset < 2:
            night = morning + timedelta(hours=24)  # the next morning, after the cut-off
            days.approve_day(hall=hall, day=day, by=supervisor, at=night, note="核对无误")
            report = days.DailyReport.objects.get(hall=hall, day=day)
            days.record_deposit(
                hall=hall,
                day=day,
                amount=report.data["cash_takings"],
                bank="中国工商银行",
                slip_number=f"DP{day:%Y%m%d}{hall.pk:02d}",
                by=supervisor,
                at=night,
            )
    if reps:
        tills.issue_float(
            hall=hall, rep=reps[0], amount="500.00", by=auditor, window=windows[0] if windows else None
        )
    yield f"Billing: receipt books, three days of takings (two locked) and a float for today in {hall.name}."


def _non_cash(till: Till) -> dict[int, object]:
    """What the terminal and the QR channels settled for the till: in the demo, exactly what was taken."""
    cash_ids = set(
        Tender.objects.filter(company_id=till.hall.company_id, kind=Tender.Kind.CASH).values_list(
            "pk", flat=True
        )
    )
    return {pk: leg["system"] for pk, leg in expected_by_tender(till).items() if pk not in cash_ids}


def _demo_payment(rng, till, rep, items, tenders, accounts, at) -> int:
    """One plausible payment; returns the cash (in cents) it put in the till."""
    account = accounts.pop(0) if accounts and rng.random() < 0.6 else None
    lines = []
    if account is not None:
        bills = list(account.bills.filter(status=Bill.Status.UNPAID).order_by("period"))
        lines = [payments.LineInput(fee_item=items["gas_bill"], bill=b) for b in bills]
    if not lines or rng.random() < 0.3:
        product = rng.choice(["alarm", "shutoff_valve", "hose", "insurance"])
        lines.append(payments.LineInput(fee_item=items[product], quantity=1))
    kind = rng.choices(["cash", "wechat", "alipay", "card"], weights=[5, 3, 2, 1])[0]
    total = sum((ln.bill.amount if ln.bill else ln.fee_item.price for ln in lines), Decimal("0.00"))
    if kind == "cash" and total * 10 != int(total * 10):
        kind = "wechat"  # a till is counted down to ¥0.1: amounts with fen are paid by QR in the demo
    reference = f"{at:%Y%m%d%H%M%S}{rng.randint(100000, 999999)}" if kind in ("wechat", "alipay") else ""
    payment = payments.record_payment(
        till=till,
        lines=lines,
        tenders=[payments.TenderInput(tender=tenders[kind], reference=reference)],
        idempotency_key=uuid.uuid4().hex,
        by=rep,
        account=account,
        at=at,
    )
    return int(payment.total * 100) if kind == "cash" else 0
