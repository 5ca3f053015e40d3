"""daily_report — the daily revenue report of a hall-day of 2,000 payments against hand-written SQL (issue 4).

Starts a throwaway PostgreSQL (scripts/test-services.sh), migrates, and makes one hall-day through the real
services: REPS reps, each with a receipt book and an open till at their window, take PAYMENTS payments with
`billing.services.payments.record_payment` — gas bills of the accounts, prepaid top-ups, installation and
card fees, VAS products (with and without an account); cash with change, bank card, WeChat Pay and Alipay with
their transaction references, bank transfers, cash + WeChat splits —; some payments are voided (request_void
+ decide_void), a few voids are refused, a few receipts are spoiled. Every till is counted
(close_till: cash by denomination, non-cash settlements; one till ¥10 short, explained), handed in and
verified by the auditor, and its three legs are checked against the payments.

Then it times `billing.reports.build_daily_report(hall, day)` against hand-written SQL (raw cursor.execute,
GROUP BY) computing the same report over the same rows — totals (with reversals), by tender, by fee item,
by rep, by window, receipts per book, the tills' legs, and the report's other sections: visits and waiting
times, businesses by type, the exception list, the reversals posted, the deposit —: median of RUNS runs each
after a warm-up, the two alternated. The hand SQL and the report must agree on every one of those figures
(the report keeps amounts as 2-decimal strings). Fails when the report takes more than BAR × the hand SQL.
Writes bench/results/daily_report.json.

    .venv/bin/python bench/daily_report.py          (or: make bench, bench/run.py daily_report)
"""

import io
import json
import os
import platform
import random
import statistics
import sys
import time
from datetime import datetime, timedelta
from decimal import ROUND_CEILING, Decimal
from pathlib import Path
from zoneinfo import ZoneInfo

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.common import setup_django, start_services, stop_services  # noqa: E402

RESULTS = ROOT / "bench" / "results"
PAYMENTS = int(os.environ.get("BENCH_REPORT_PAYMENTS", "2000"))
REPS = 6
RUNS = int(os.environ.get("BENCH_REPORT_RUNS", "15"))
WARM_UP = 3
BAR = 1.5
VOIDS = PAYMENTS // 40  # 2.5 % voided
# A fixed business day, taken in the morning (cut-off 04:00): the payments spread over eight hours.
OPENED = datetime(2026, 3, 2, 8, 30, tzinfo=ZoneInfo("Asia/Shanghai"))
FLOAT = Decimal("500.00")
SHORT_TILL = 2  # this rep's till is counted ¥10 short
# As in production: DEBUG off (no query log kept) — SECRET_KEY switches it off.
ENV = {
    "SECRET_KEY": "bench-only-secret-key-" + "x" * 40,
    "DEBUG": "0",
    "ALLOWED_HOSTS": "127.0.0.1",
    "CACHE_URL": "locmemcache://",
    "CELERY_TASK_ALWAYS_EAGER": "1",
    "DJANGO_SETTINGS_MODULE": "servicecenter.settings",
}


# --- The hall-day -------------------------------------------------------------------------------------


def make_day(rng: random.Random) -> dict:
    """The hall, its staff and tills, and PAYMENTS payments taken through the real services."""
    from billing.defaults import install_price_list
    from billing.models import FeeItem, Tender
    from billing.services import receipts, tills
    from counter.models import Bill
    from counter.services import customers
    from servicecenter import services
    from servicecenter.models import Company, Hall, User, Window
    from servicecenter.roles import Role

    company = Company.objects.create(code="bench-gas", name="基准燃气有限公司")
    hall = Hall.objects.create(company=company, code="bench-east", name="基准城东客服中心")
    windows = [Window.objects.create(hall=hall, number=n, name=f"{n}号窗口") for n in range(1, REPS + 1)]
    install_price_list(company)
    root = User.objects.create_superuser("bench.root", "root@example.com", None)
    surnames = "王李张刘陈杨黄赵"

    def member(username: str, role: str, n: int) -> User:
        user = User.objects.create_user(
            username, last_name=surnames[n % len(surnames)], first_name=f"员工{n}", staff_number=username
        )
        services.grant_role(user=user, role=role, hall=hall, company=company, by=root)
        return user

    auditor = member("bench.auditor", Role.AUDITOR, 90)
    supervisor = member("bench.supervisor", Role.SUPERVISOR, 91)
    reps, till_of = [], {}
    for i in range(REPS):
        rep = member(f"bench.rep{i + 1}", Role.REP, i)
        first = (i + 1) * 100_000 + 1
        book = receipts.receive_book(
            hall=hall, prefix="F", first_number=first, last_number=first + 999, by=auditor, at=OPENED
        )
        receipts.issue_book(book=book, to=rep, by=auditor, at=OPENED)
        till = tills.issue_float(
            hall=hall, rep=rep, amount=str(FLOAT), by=auditor, window=windows[i], at=OPENED
        )
        till_of[rep.pk] = tills.open_till(till=till, by=rep, at=OPENED)
        reps.append(rep)
    # Accounts: each pays its (one or two) bills once; top-ups and fees go to any of them.
    accounts = []
    for n in range(PAYMENTS // 2):
        holder = customers.find_or_register_customer(company=company, name=f"客户{n}", phone="")
        accounts.append(
            customers.open_account(
                company=company,
                number=f"{9_000_000 + n}",
                holder=holder,
                address=f"城东区人民路{n}号",
                meter_type="ic_card" if n % 3 == 0 else "postpaid",
            )
        )
    Bill.objects.bulk_create(
        Bill(
            account=account,
            number=f"B{account.number}-{k}",
            period=f"2026-0{k + 1}",
            amount=Decimal(rng.randrange(300, 30000)) / 10,
        )
        for account in accounts
        for k in range(1 + (rng.random() < 0.4))
    )
    return {
        "hall": hall,
        "auditor": auditor,
        "supervisor": supervisor,
        "reps": reps,
        "tills": till_of,
        "accounts": accounts,
        "fee": {f.code: f for f in FeeItem.objects.filter(company=company)},
        "tender": {t.code: t for t in Tender.objects.filter(company=company)},
    }


def take_payments(day: dict, rng: random.Random) -> list:
    """PAYMENTS payments through record_payment: a mix of what a counter takes in a day."""
    from billing.services.payments import LineInput, TenderInput, record_payment
    from servicecenter.money import quantize

    fee, tender = day["fee"], day["tender"]
    unpaid = list(day["accounts"])
    rng.shuffle(unpaid)
    vas = [fee[code] for code in ("alarm", "shutoff_valve", "hose", "insurance")]
    made = []
    started = time.perf_counter()
    for n in range(PAYMENTS):
        rep = day["reps"][n % REPS]
        at = OPENED + timedelta(minutes=5, seconds=n * 14)
        account = None
        pick = rng.random()
        if pick < 0.35 and unpaid:  # the account's gas bills, sometimes with a VAS product
            account = unpaid.pop()
            lines = [LineInput(fee_item=fee["gas_bill"], bill=b) for b in account.bills.all()]
            if rng.random() < 0.15:
                lines.append(LineInput(fee_item=rng.choice(vas)))
        elif pick < 0.55:  # a prepaid top-up, whole yuan
            account = rng.choice(day["accounts"])
            lines = [LineInput(fee_item=fee["prepaid_gas"], amount=str(rng.choice((50, 100, 200, 300, 500))))]
        elif pick < 0.63:
            account = rng.choice(day["accounts"])
            lines = [LineInput(fee_item=fee["installation"], amount=f"{rng.randrange(200, 3000)}.50")]
        elif pick < 0.70:
            account = rng.choice(day["accounts"])
            lines = [LineInput(fee_item=fee["ic_card"])]
        else:  # VAS products, no account
            lines = [
                LineInput(fee_item=item, quantity=rng.choice((1, 1, 1, 2)))
                for item in rng.sample(vas, rng.choice((1, 1, 2)))
            ]
        total = quantize(
            sum(
                (ln.bill.amount if ln.bill else (ln.fee_item.price or Decimal(ln.amount)) * ln.quantity)
                for ln in lines
            )
        )
        how = rng.random()
        cash = None
        if how < 0.40:
            tenders = [TenderInput(tender=tender["cash"])]
            cash = str((total / 10).to_integral_value(rounding=ROUND_CEILING) * 10)  # handed over
        elif how < 0.55:
            tenders = [TenderInput(tender=tender["card"])]
        elif how < 0.80:
            tenders = [TenderInput(tender=tender["wechat"], reference=f"WX{n:08d}{rng.randrange(10**9):09d}")]
        elif how < 0.90:
            tenders = [TenderInput(tender=tender["alipay"], reference=f"AP{n:08d}{rng.randrange(10**9):09d}")]
        elif how < 0.93:
            tenders = [TenderInput(tender=tender["transfer"], reference=f"TR{n:08d}")]
        elif total > Decimal("20.00"):  # part cash, the rest by WeChat Pay
            part = Decimal("20.00")
            tenders = [
                TenderInput(tender=tender["cash"], amount=str(part)),
                TenderInput(tender=tender["wechat"], amount=str(total - part), reference=f"WX{n:08d}S"),
            ]
        else:
            tenders = [TenderInput(tender=tender["card"])]
        made.append(
            record_payment(
                till=day["tills"][rep.pk],
                lines=lines,
                tenders=tenders,
                idempotency_key=f"bench-{n:06d}",
                by=rep,
                account=account,
                cash_tendered=cash,
                at=at,
            )
        )
        if n % 500 == 499:
            print(f"  {n + 1} payments taken ({time.perf_counter() - started:.0f} s)", flush=True)
    return made


def void_some(day: dict, made: list, rng: random.Random) -> dict:
    """Voids approved by the supervisor and a few refused; a few receipts spoiled at the counter."""
    from billing.services.payments import decide_void, request_void
    from billing.services.receipts import spoil_receipt

    late = OPENED + timedelta(hours=9)
    # A void still waiting holds up the count of its till: every request is decided here.
    chosen = rng.sample(made, VOIDS + 4)
    for k, payment in enumerate(chosen):
        rep = next(r for r in day["reps"] if r.pk == payment.rep_id)
        request_void(payment=payment, reason="客户要求撤销", by=rep, at=late)
        decide_void(payment=payment, approve=k < VOIDS, by=day["supervisor"], at=late)
    for rep in day["reps"][:3]:
        spoil_receipt(hall=day["hall"], reason="卡纸", by=rep, at=late)
    return {"voided": VOIDS, "void_refused": 4, "receipts_spoiled": 3}


def denominations(amount: Decimal) -> dict[str, int]:
    """Cash of this amount in notes and coins, largest first (amounts here are multiples of ¥0.10)."""
    from servicecenter.money import DENOMINATIONS

    counts, rest = {}, amount
    for value, _label in DENOMINATIONS:
        pieces = int(rest // value)
        if pieces:
            counts[f"{value:.2f}"] = pieces
            rest -= value * pieces
    if rest:
        raise SystemExit(f"¥{amount} cannot be counted in notes and coins")
    return counts


def count_tills(day: dict) -> dict:
    """Each rep counts their till (one ¥10 short, explained) and hands it in; the auditor verifies it.
    The stored legs must equal the payments: system = receipts = Σ payments by tender."""
    from django.db.models import Sum

    from billing.models import Payment, PaymentTender, TillTender
    from billing.services import tills

    at = OPENED + timedelta(hours=10)
    problems = []
    for i, rep in enumerate(day["reps"]):
        till = day["tills"][rep.pk]
        paid = {
            r["tender__code"]: r["amount"]
            for r in PaymentTender.objects.filter(payment__till=till)
            .exclude(payment__status=Payment.Status.VOIDED)
            .values("tender__code")
            .annotate(amount=Sum("amount"))
        }
        cash = FLOAT + paid.get("cash", Decimal("0.00")) - (Decimal("10.00") if i == SHORT_TILL else 0)
        settlements = {
            str(t.pk): str(paid.get(code, Decimal("0.00")))
            for code, t in day["tender"].items()
            if code != "cash"
        }
        tills.close_till(
            till=till,
            by=rep,
            denominations=denominations(cash),
            settlements=settlements,
            explanation="找零多付十元" if i == SHORT_TILL else "",
            at=at,
        )
        tills.hand_in_till(till=till, by=rep, at=at)
        tills.verify_till(till=till, by=day["auditor"], at=at)
        for leg in TillTender.objects.filter(till=till).select_related("tender"):
            expected = paid.get(leg.tender.code, Decimal("0.00"))
            short = Decimal("10.00") if (i == SHORT_TILL and leg.tender.code == "cash") else 0
            if (leg.system, leg.receipts, leg.counted) != (expected, expected, expected - short):
                problems.append(
                    f"till {till}: {leg.tender.code} legs {leg.system}/{leg.receipts}/{leg.counted}"
                )
    if problems:
        raise SystemExit("tills do not add up: " + "; ".join(problems[:5]))
    return {"tills": len(day["reps"]), "verified": True, "short": "¥10.00 in one till, explained"}


# --- The hand-written SQL -----------------------------------------------------------------------------


def hand_sql(hall_id: int, day) -> dict:
    """The whole report in twelve hand-written statements (GROUP BY in the database), rows as fetched."""
    from django.db import connection

    from billing.models import (
        Deposit,
        Discrepancy,
        FeeItem,
        LedgerLine,
        Payment,
        PaymentLine,
        PaymentTender,
        Receipt,
        ReceiptBook,
        Reversal,
        Tender,
        Till,
        TillTender,
    )
    from counter.models import Business, BusinessType, Ticket
    from servicecenter.clock import business_day_bounds
    from servicecenter.models import Hall, User, Window

    t = {
        m.__name__: connection.ops.quote_name(m._meta.db_table)
        for m in (
            Business,
            BusinessType,
            Deposit,
            Discrepancy,
            FeeItem,
            LedgerLine,
            Payment,
            PaymentLine,
            PaymentTender,
            Receipt,
            ReceiptBook,
            Reversal,
            Tender,
            Till,
            TillTender,
            Ticket,
            User,
            Window,
        )
    }
    out = {}
    with connection.cursor() as cursor:
        cursor.execute(
            f"""SELECT count(*) FILTER (WHERE status <> 'voided'),
                       coalesce(sum(total) FILTER (WHERE status <> 'voided'), 0),
                       count(*) FILTER (WHERE status = 'voided'),
                       coalesce(sum(total) FILTER (WHERE status = 'voided'), 0),
                       (SELECT count(*) FROM {t["Reversal"]}
                         WHERE hall_id = %(hall)s AND business_day = %(day)s AND state = 'approved'),
                       (SELECT coalesce(sum(amount), 0) FROM {t["Reversal"]}
                         WHERE hall_id = %(hall)s AND business_day = %(day)s AND state = 'approved')
                  FROM {t["Payment"]} WHERE hall_id = %(hall)s AND business_day = %(day)s""",
            {"hall": hall_id, "day": day},
        )
        out["totals"] = cursor.fetchone()
        cursor.execute(
            f"""WITH sold AS (
                    SELECT pt.tender_id, count(DISTINCT pt.payment_id) AS n, sum(pt.amount) AS amount
                      FROM {t["PaymentTender"]} pt JOIN {t["Payment"]} p ON p.id = pt.payment_id
                     WHERE p.hall_id = %(hall)s AND p.business_day = %(day)s AND p.status <> 'voided'
                     GROUP BY pt.tender_id),
                reversed AS (
                    SELECT pt.tender_id, sum(pt.amount) AS amount
                      FROM {t["Reversal"]} r JOIN {t["PaymentTender"]} pt ON pt.payment_id = r.payment_id
                     WHERE r.hall_id = %(hall)s AND r.business_day = %(day)s AND r.state = 'approved'
                     GROUP BY pt.tender_id)
                SELECT t.name, t.kind, coalesce(sold.n, 0), coalesce(sold.amount, 0),
                       coalesce(reversed.amount, 0)
                  FROM sold FULL JOIN reversed USING (tender_id) JOIN {t["Tender"]} t ON t.id = tender_id
                 ORDER BY t."order", t.name""",
            {"hall": hall_id, "day": day},
        )
        out["by_tender"] = cursor.fetchall()
        cursor.execute(
            f"""SELECT f.name, f.kind, count(DISTINCT l.payment_id), sum(l.quantity), sum(l.amount), count(*)
                  FROM {t["PaymentLine"]} l JOIN {t["Payment"]} p ON p.id = l.payment_id
                  JOIN {t["FeeItem"]} f ON f.id = l.fee_item_id
                 WHERE p.hall_id = %s AND p.business_day = %s AND p.status <> 'voided'
                 GROUP BY f.id ORDER BY f."order", f.name""",
            [hall_id, day],
        )
        out["by_item"] = cursor.fetchall()
        cursor.execute(
            f"""SELECT u.last_name || u.first_name, u.username, u.staff_number, count(*), sum(p.total)
                  FROM {t["Payment"]} p JOIN {t["User"]} u ON u.id = p.rep_id
                 WHERE p.hall_id = %s AND p.business_day = %s AND p.status <> 'voided'
                 GROUP BY u.id ORDER BY u.staff_number, u.username""",
            [hall_id, day],
        )
        out["by_rep"] = cursor.fetchall()
        cursor.execute(
            f"""SELECT w.number, count(*), sum(p.total)
                  FROM {t["Payment"]} p LEFT JOIN {t["Window"]} w ON w.id = p.window_id
                 WHERE p.hall_id = %s AND p.business_day = %s AND p.status <> 'voided'
                 GROUP BY w.number ORDER BY w.number""",
            [hall_id, day],
        )
        out["by_window"] = cursor.fetchall()
        cursor.execute(
            f"""SELECT b.prefix, b.digits, b.first_number, b.last_number, min(r.sequence), max(r.sequence),
                       count(*) FILTER (WHERE r.status = 'issued'),
                       count(*) FILTER (WHERE r.status = 'voided')
                  FROM {t["Receipt"]} r JOIN {t["ReceiptBook"]} b ON b.id = r.book_id
                 WHERE r.hall_id = %s AND r.business_day = %s
                 GROUP BY b.id ORDER BY b.prefix, b.first_number""",
            [hall_id, day],
        )
        out["books"] = cursor.fetchall()
        cursor.execute(
            f"""SELECT t.number, u.last_name || u.first_name, t.state, t.opening_float, t.explanation,
                       sum(tt.system), sum(tt.receipts), sum(tt.counted),
                       coalesce(sum(tt.counted) FILTER (WHERE tn.kind = 'cash'), 0)
                  FROM {t["Till"]} t JOIN {t["User"]} u ON u.id = t.rep_id
                  LEFT JOIN {t["TillTender"]} tt ON tt.till_id = t.id
                  LEFT JOIN {t["Tender"]} tn ON tn.id = tt.tender_id
                 WHERE t.hall_id = %s AND t.business_day = %s
                 GROUP BY t.id, u.id ORDER BY t.number""",
            [hall_id, day],
        )
        out["tills"] = cursor.fetchall()
        # The report's other sections, by hand as well: visits and waiting times, businesses by type, the
        # exception list, the reversals posted, the deposit.
        cursor.execute(
            f"""SELECT count(*), count(*) FILTER (WHERE status = 'done'),
                       count(*) FILTER (WHERE status = 'no_show'),
                       avg(first_called_at - issued_at) FILTER (WHERE first_called_at IS NOT NULL),
                       avg(finished_at - service_started_at) FILTER (WHERE status = 'done')
                  FROM {t["Ticket"]} WHERE hall_id = %s AND business_day = %s""",
            [hall_id, day],
        )
        out["visits"] = cursor.fetchone()
        start, end = business_day_bounds(Hall.objects.get(pk=hall_id), day)
        cursor.execute(
            f"""SELECT bt.code, bt.name, count(*), count(*) FILTER (WHERE b.status = 'completed')
                  FROM {t["Business"]} b JOIN {t["BusinessType"]} bt ON bt.id = b.business_type_id
                 WHERE b.hall_id = %s AND b.accepted_at >= %s AND b.accepted_at < %s
                 GROUP BY bt.id ORDER BY count(*) DESC, bt.code""",
            [hall_id, start, end],
        )
        out["business_types"] = cursor.fetchall()
        cursor.execute(
            f"""SELECT d.kind, p.number, l.reference, d.system_amount, d.file_amount, d.note, d.resolved_at
                  FROM {t["Discrepancy"]} d LEFT JOIN {t["Payment"]} p ON p.id = d.payment_id
                  LEFT JOIN {t["LedgerLine"]} l ON l.id = d.line_id
                 WHERE d.hall_id = %s AND d.business_day = %s ORDER BY d.business_day, d.id LIMIT 500""",
            [hall_id, day],
        )
        out["exceptions"] = cursor.fetchall()
        cursor.execute(
            f"""SELECT p.number, p.business_day, r.amount, r.reason, rq.last_name || rq.first_name,
                       dc.last_name || dc.first_name
                  FROM {t["Reversal"]} r JOIN {t["Payment"]} p ON p.id = r.payment_id
                  JOIN {t["User"]} rq ON rq.id = r.requested_by_id
                  LEFT JOIN {t["User"]} dc ON dc.id = r.decided_by_id
                 WHERE r.hall_id = %s AND r.business_day = %s AND r.state = 'approved'
                 ORDER BY r.decided_at LIMIT 500""",
            [hall_id, day],
        )
        out["reversals"] = cursor.fetchall()
        cursor.execute(
            f"""SELECT amount, bank, slip_number, explanation
                  FROM {t["Deposit"]} WHERE hall_id = %s AND day = %s""",
            [hall_id, day],
        )
        out["deposit"] = cursor.fetchone()
    return out


def agree(report: dict, hand: dict) -> list[str]:
    """Where the report and the hand SQL differ (nothing, when both are right)."""

    def m(value) -> str:
        return f"{value:.2f}"

    count, gross, voided_count, voided, reversal_count, reversed_total = hand["totals"]
    pairs = [
        (
            "totals",
            [report["payments"], report["gross"], report["voided_count"], report["voided"]],
            [count, m(gross), voided_count, m(voided)],
        ),
        (
            "reversals",
            [report["reversal_count"], report["reversed"], report["net"]],
            [reversal_count, m(reversed_total), m(gross - reversed_total)],
        ),
        (
            "by tender",
            [(r["tender"], r["count"], r["amount"], r["reversed"], r["net"]) for r in report["by_tender"]],
            [(name, n, m(a), m(rv), m(a - rv)) for name, _kind, n, a, rv in hand["by_tender"]],
        ),
        (
            "by fee item",
            [(r["item"], r["count"], r["quantity"], r["amount"]) for r in report["by_item"]],
            [(name, n, q, m(a)) for name, _kind, n, q, a, _lines in hand["by_item"]],
        ),
        (
            "VAS",
            [report["vas"]["count"], report["vas"]["amount"]],
            [
                sum(lines for _n, kind, _c, _q, _a, lines in hand["by_item"] if kind == "vas"),
                m(sum((a for _n, kind, _c, _q, a, _l in hand["by_item"] if kind == "vas"), Decimal(0))),
            ],
        ),
        (
            "by rep",
            [(r["rep"], r["count"], r["amount"]) for r in report["by_rep"]],
            [(name or username, n, m(a)) for name, username, _staff, n, a in hand["by_rep"]],
        ),
        (
            "by window",
            [(r["window"], r["count"], r["amount"]) for r in report["by_window"]],
            [(w, n, m(a)) for w, n, a in hand["by_window"]],
        ),
        (
            "receipts per book",
            [(r["issued"], r["voided"]) for r in report["receipt_books"]],
            [(issued, voided) for *_b, issued, voided in hand["books"]],
        ),
        (
            "tills' legs",
            [(r["number"], r["system"], r["receipts"], r["counted"]) for r in report["tills"]],
            [(n, m(s), m(r), m(c)) for n, _rep, _st, _f, _e, s, r, c, _cash in hand["tills"]],
        ),
        (
            "cash",
            [report["cash_system"], report["cash_takings"]],
            [
                m(sum((a for _n, kind, _c, a, _r in hand["by_tender"] if kind == "cash"), Decimal(0))),
                m(sum((cash for *_t, cash in hand["tills"]), Decimal(0))),
            ],
        ),
    ]
    return [f"{name}: report {a} ≠ hand SQL {b}" for name, a, b in pairs if a != b]


def timed(fn, runs: int) -> list[float]:
    out = []
    for _ in range(runs):
        started = time.perf_counter()
        fn()
        out.append((time.perf_counter() - started) * 1000)
    return out


def main() -> None:
    env, services_dir = start_services()
    try:
        setup_django(env["DATABASE_URL"], ENV)
        from django.core.management import call_command
        from django.db import connection
        from django.test.utils import CaptureQueriesContext

        from billing.models import Payment, Receipt
        from billing.reports import build_daily_report

        call_command("migrate", "--noinput", verbosity=0, stdout=io.StringIO())
        rng = random.Random(2026)  # benchmark data, not secrets
        day = make_day(rng)
        started = time.perf_counter()
        made = take_payments(day, rng)
        took = time.perf_counter() - started
        voids = void_some(day, made, rng)
        tills = count_tills(day)
        hall, business_day = day["hall"], made[0].business_day
        rows = {
            "payments": Payment.objects.filter(hall=hall, business_day=business_day).count(),
            "receipts": Receipt.objects.filter(hall=hall, business_day=business_day).count(),
        }
        if rows["payments"] != PAYMENTS:
            raise SystemExit(f"{rows['payments']} payments on the day, expected {PAYMENTS}")
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
        print(
            f"  {PAYMENTS} payments taken through record_payment in {took:.0f} s; tills counted", flush=True
        )

        report = build_daily_report(hall, business_day)
        hand = hand_sql(hall.pk, business_day)
        differences = agree(report, hand)
        if differences:
            raise SystemExit("the report and the hand SQL disagree: " + "; ".join(differences))
        with CaptureQueriesContext(connection) as report_queries:
            build_daily_report(hall, business_day)
        with CaptureQueriesContext(connection) as hand_queries:
            hand_sql(hall.pk, business_day)

        def run_report():
            build_daily_report(hall, business_day)

        def run_hand():
            hand_sql(hall.pk, business_day)

        timed(run_report, WARM_UP)
        timed(run_hand, WARM_UP)
        times: dict[str, list[float]] = {"report": [], "hand_sql": []}
        for _ in range(RUNS):  # alternated, so that drift in the machine's load affects both alike
            times["report"] += timed(run_report, 1)
            times["hand_sql"] += timed(run_hand, 1)
        with connection.cursor() as cursor:
            cursor.execute("SHOW server_version")
            server = cursor.fetchone()[0].split()[0]
        connection.close()
    finally:
        stop_services(services_dir)
    report_ms, hand_ms = statistics.median(times["report"]), statistics.median(times["hand_sql"])
    ratio = report_ms / hand_ms
    result = {
        "machine": f"{platform.node()} {os.cpu_count()} cores, Python {platform.python_version()}",
        "at": time.strftime("%Y-%m-%d %H:%M:%S %z"),
        "what": (
            f"billing.reports.build_daily_report for a hall-day of {PAYMENTS} payments ({REPS} reps and "
            f"tills) against hand-written SQL (raw cursor, GROUP BY) for the same figures, "
            f"PostgreSQL {server} (throwaway, fsync off), median of {RUNS} alternated runs after "
            f"{WARM_UP} warm-up runs, in-process (times include the ORM / the cursor)"
        ),
        "day": {**rows, **voids, **tills, "seconds_to_take_payments": round(took, 1)},
        "ms": {"report": round(report_ms, 2), "hand_sql": round(hand_ms, 2)},
        "runs_ms": {k: [round(v, 2) for v in vs] for k, vs in times.items()},
        "queries": {
            "report": len(report_queries.captured_queries),
            "hand_sql": len(hand_queries.captured_queries),
        },
        "ratio": round(ratio, 2),
        "bar": BAR,
        "passed": ratio <= BAR,
        "agree": True,
        "report_by_tender": report["by_tender"],
    }
    RESULTS.mkdir(parents=True, exist_ok=True)
    (RESULTS / "daily_report.json").write_text(json.dumps(result, ensure_ascii=False, indent=2) + "\n")
    print(
        f"daily report: {report_ms:.1f} ms ({result['queries']['report']} queries) vs hand-written SQL "
        f"{hand_ms:.1f} ms ({result['queries']['hand_sql']} queries) = {ratio:.2f}x (bar ≤ {BAR}x); "
        f"the two agree on every figure"
    )
    if ratio > BAR:
        raise SystemExit(f"the daily report takes {ratio:.2f}x the hand-written SQL, above the bar of {BAR}x")


if __name__ == "__main__":
    main()
