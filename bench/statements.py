"""statements — the monthly statement of a hall-month of 30,000 payments, and a company month of up to
1,000,000 payments aggregated as the worker does it (issue 5).

Starts a throwaway PostgreSQL (scripts/test-services.sh), migrates, and sets up a company of HALLS halls with
the standard price list; in each hall a rep, an issued receipt book and an open till, made by the services.
The month's payments are then written straight in SQL (generate_series: a million service calls would take
hours): each with one line (the price list's items in turn), one tender (the tenders in turn) and its
receipt; one in 200 voided (its receipt voided too); every business day of the month locked.

1. The statement: the first hall gets STATEMENT_PAYMENTS payments. Timed: `billing.statements`
   statement_data + render_statement_pdf — what the worker does for a statement without appendix —, median of
   RUNS after a warm-up. Bar: ≤ 5 s.
2. The company month: the other halls get payments until the month holds 250,000, then 500,000, then
   1,000,000 payments. At each size the worker's build of the company's report is timed (median of RUNS):
   `billing.services.company_reports.build_company_report` — the task's body: the aggregation over all the
   halls' rows with its progress saved part by part, and the snapshot stored. Its cost must be linear in the
   rows: the time per payment at the largest size is at most LINEAR × the time per payment at the smallest.
   The report's payment count must equal the rows written. Then the manager's page of that snapshot is
   timed (it reads the snapshot, not the rows) and its queries counted (bar ≤ 25).

The appendix's memory is bench/statement_appendix.py's. Writes bench/results/statements.json.

    .venv/bin/python bench/statements.py          (or: make bench, bench/run.py statements)
"""

import json
import os
import platform
import statistics
import sys
import time
from datetime import date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.common import setup_django, start_services, stop_services  # noqa: E402

RESULTS = ROOT / "bench" / "results"
HALLS = 8
STATEMENT_PAYMENTS = int(os.environ.get("BENCH_STATEMENT_PAYMENTS", "30000"))
SIZES = [int(n) for n in os.environ.get("BENCH_COMPANY_SIZES", "250000,500000,1000000").split(",")]
RUNS = int(os.environ.get("BENCH_STATEMENT_RUNS", "3"))
STATEMENT_BAR = 5.0
LINEAR = 1.5
PAGE_QUERIES = 25
SHANGHAI = ZoneInfo("Asia/Shanghai")
MONTH_FIRST = date(2026, 3, 1)
DAYS = 31
ENV = {
    "SECRET_KEY": "bench-only-secret-key-" + "x" * 40,
    "DEBUG": "0",
    "ALLOWED_HOSTS": "127.0.0.1",
    "CACHE_URL": "locmemcache://",
    "CELERY_TASK_ALWAYS_EAGER": "1",
    "DJANGO_SETTINGS_MODULE": "servicecenter.settings",
}


def make_company() -> dict:
    from django.db import connection

    from billing.defaults import install_price_list
    from billing.models import FeeItem, Tender
    from billing.services import receipts, tills
    from servicecenter import services
    from servicecenter.models import Company, Hall, User
    from servicecenter.roles import Role

    company = Company.objects.create(code="bench-gas", name="基准燃气有限公司")
    install_price_list(company)
    root = User.objects.create_superuser("bench.root", "root@example.com", None)
    at = datetime.combine(MONTH_FIRST, datetime.min.time(), SHANGHAI) + timedelta(hours=9)
    halls = []
    for n in range(HALLS):
        hall = Hall.objects.create(company=company, code=f"hall-{n}", name=f"基准第{n + 1}客服中心")

        def member(role, username, last, first, hall=hall):
            user = User.objects.create_user(username, last_name=last, first_name=first, staff_number=username)
            services.grant_role(user=user, role=role, hall=hall, company=company, by=root)
            return user

        auditor = member(Role.AUDITOR, f"auditor-{n}", "王", f"审{n}")
        rep = member(Role.REP, f"rep-{n}", "李", f"收{n}")
        book = receipts.receive_book(
            hall=hall, prefix=f"H{n}", first_number=1, last_number=99_999, by=auditor, at=at
        )
        receipts.issue_book(book=book, to=rep, by=auditor, at=at)
        with connection.cursor() as cursor:  # one book for the month's numbers (real books hold ≤ 100,000)
            cursor.execute("UPDATE billing_receiptbook SET last_number = 9999999 WHERE id = %s", [book.pk])
        till = tills.open_till(
            till=tills.issue_float(hall=hall, rep=rep, amount="500", by=auditor, at=at), by=rep, at=at
        )
        halls.append({"hall": hall, "rep": rep.pk, "till": till.pk, "book": book.pk, "written": 0})
    return {
        "halls": halls,
        "items": list(FeeItem.objects.filter(company=company).values_list("pk", flat=True)),
        "tenders": list(Tender.objects.filter(company=company).values_list("pk", flat=True)),
        "next": 1,
    }


def add_payments(setup: dict, entry: dict, count: int) -> None:
    """`count` more payments of the month in one hall, with their lines, tenders and receipts (SQL)."""
    from django.db import connection, transaction

    start = setup["next"]
    params = {
        "start": start,
        "end": start + count - 1,
        "hall": entry["hall"].pk,
        "rep": entry["rep"],
        "till": entry["till"],
        "book": entry["book"],
        "first": MONTH_FIRST,
        "items": setup["items"],
        "tenders": setup["tenders"],
    }
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SELECT coalesce(max(id), 0) FROM billing_payment")
        params["after"] = cursor.fetchone()[0]
        cursor.execute(
            """INSERT INTO billing_payment (hall_id, business_day, number, till_id, rep_id, idempotency_key,
                   total, cash_tendered, change, status, card_write, card_write_note, created_at, void_reason)
               SELECT %(hall)s, %(first)s::date + (g %% 31), 'P' || g, %(till)s, %(rep)s, md5(g::text),
                      (10 + g %% 490) + 0.5, 0, 0,
                      CASE WHEN g %% 200 = 0 THEN 'voided' ELSE 'completed' END, '', '',
                      (%(first)s::date + (g %% 31) + time '01:00' + (g %% 36000) * interval '1 second')
                          AT TIME ZONE 'UTC',
                      CASE WHEN g %% 200 = 0 THEN '客户取消' ELSE '' END
                 FROM generate_series(%(start)s, %(end)s) g""",
            params,
        )
        new = "p.id > %(after)s"  # the rows just written (nothing else writes)
        cursor.execute(
            f"""INSERT INTO billing_paymentline
                       (payment_id, fee_item_id, description, quantity, unit_price, amount)
                SELECT p.id, (%(items)s::bigint[])[1 + p.id %% cardinality(%(items)s::bigint[])], '', 1,
                       p.total, p.total
                  FROM billing_payment p WHERE {new}""",
            params,
        )
        cursor.execute(
            f"""INSERT INTO billing_paymenttender (payment_id, tender_id, amount, reference, counts)
                SELECT p.id, (%(tenders)s::bigint[])[1 + p.id %% cardinality(%(tenders)s::bigint[])], p.total,
                       '', p.status <> 'voided'
                  FROM billing_payment p WHERE {new}""",
            params,
        )
        cursor.execute(
            f"""INSERT INTO billing_receipt (hall_id, business_day, book_id, sequence, number, payment_id,
                       status, issued_at, issued_by_id, void_reason)
                SELECT p.hall_id, p.business_day, %(book)s, substr(p.number, 2)::bigint,
                       'H' || substr(p.number, 2), p.id,
                       CASE WHEN p.status = 'voided' THEN 'voided' ELSE 'issued' END, p.created_at, p.rep_id,
                       p.void_reason
                  FROM billing_payment p WHERE {new}""",
            params,
        )
    setup["next"] += count
    entry["written"] += count


def lock_days(setup: dict) -> None:
    from django.db import connection

    with connection.cursor() as cursor:
        for entry in setup["halls"]:
            cursor.execute(
                """INSERT INTO billing_hallday (hall_id, day, state, approval_note, locked_at)
                   SELECT %s, %s::date + n, 'locked', '', now() FROM generate_series(0, 30) n
                   ON CONFLICT (hall_id, day) DO UPDATE SET state = 'locked', locked_at = now()""",
                [entry["hall"].pk, MONTH_FIRST],
            )
        cursor.execute("ANALYZE")


def median_seconds(work, runs: int = RUNS) -> float:
    work()  # warm-up
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        work()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def run() -> int:
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext
    from django.utils import timezone

    from billing.models import CompanyReport
    from billing.services.company_reports import build_company_report
    from billing.statements import render_statement_pdf, statement_data
    from servicecenter.clock import Period
    from servicecenter.models import User

    setup = make_company()
    month = Period.of(Period.MONTH, MONTH_FIRST)
    first = setup["halls"][0]
    add_payments(setup, first, STATEMENT_PAYMENTS)
    lock_days(setup)
    hall = first["hall"]
    pages = {}

    def statement():
        pages["bytes"] = len(render_statement_pdf(statement_data(hall, month, at=timezone.now())))

    statement_seconds = median_seconds(statement)
    print(
        f"statement of {STATEMENT_PAYMENTS:,} payments (no appendix): {statement_seconds:.2f} s "
        f"(bar ≤ {STATEMENT_BAR:.0f} s), PDF {pages['bytes'] / 1024:.0f} KiB"
    )

    others = setup["halls"][1:]
    company_of = hall.company
    root = User.objects.get(username="bench.root")
    company = []
    for size in SIZES:
        missing = size - sum(entry["written"] for entry in setup["halls"])
        for n, entry in enumerate(others):
            add_payments(setup, entry, missing // len(others) + (1 if n < missing % len(others) else 0))
        lock_days(setup)
        report = {}

        def build(report=report):
            # What the task does with a build asked for (the row a request makes, then the worker's part).
            queued = CompanyReport.objects.create(
                company=company_of,
                kind=month.kind,
                first=month.first,
                requested_by=root,
                requested_at=timezone.now(),
            )
            report["built"] = build_company_report(report_id=queued.pk)

        seconds = median_seconds(build)
        built = report["built"]
        assert built.state == CompanyReport.State.DONE, built.error
        written = sum(entry["written"] for entry in setup["halls"])
        counted = built.data["payments"] + built.data["voided_count"]
        assert counted == written, (counted, written)
        company.append(
            {"payments": written, "seconds": round(seconds, 3), "us_per_payment": seconds / written * 1e6}
        )
        print(
            f"company month of {written:,} payments in {HALLS} halls, built by the worker: {seconds:.2f} s "
            f"({seconds / written * 1e6:.2f} µs a payment)"
        )

    # The manager's page of the largest month: it reads the snapshot only.
    client = Client(HTTP_HOST="127.0.0.1")
    client.force_login(root)
    url = f"/halls/{hall.pk}/money/company/month/?period={month.key}"

    def page():
        response = client.get(url, secure=True)  # production settings: HTTPS only
        assert response.status_code == 200 and b"halls-side-by-side" in response.content, (
            response.status_code,
            response.get("Location"),
            response.content[:3000].decode(),
        )

    page_seconds = median_seconds(page, runs=max(RUNS, 5))
    with CaptureQueriesContext(connection) as queries:
        page()
    page_queries = len(queries)
    print(
        f"the manager's page of that month: {page_seconds * 1000:.0f} ms, {page_queries} queries "
        f"(bar ≤ {PAGE_QUERIES})"
    )
    growth = company[-1]["us_per_payment"] / company[0]["us_per_payment"]
    linear = growth <= LINEAR
    passed = statement_seconds <= STATEMENT_BAR and linear and page_queries <= PAGE_QUERIES
    print(
        f"time per payment at {company[-1]['payments']:,} is {growth:.2f}× that at "
        f"{company[0]['payments']:,} (linear: ≤ {LINEAR}×)"
    )
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / "statements.json").write_text(
        json.dumps(
            {
                "machine": f"vm {os.cpu_count()} cores, {platform.platform()}, "
                f"Python {platform.python_version()}",
                "at": time.strftime("%Y-%m-%d %H:%M:%S %z"),
                "statement": {
                    "payments": STATEMENT_PAYMENTS,
                    "seconds": round(statement_seconds, 3),
                    "bar_seconds": STATEMENT_BAR,
                    "pdf_kib": round(pages["bytes"] / 1024),
                },
                "company_month": company,
                "company_page": {
                    "payments": company[-1]["payments"],
                    "ms": round(page_seconds * 1000, 1),
                    "queries": page_queries,
                    "bar_queries": PAGE_QUERIES,
                },
                "growth_per_payment": round(growth, 2),
                "linear_bar": LINEAR,
                "passed": passed,
            },
            ensure_ascii=False,
            indent=2,
        )
        + "\n"
    )
    if not passed:
        print("statements: a bar is not met")
        return 1
    return 0


def main() -> int:
    env, services_dir = start_services()
    try:
        setup_django(env["DATABASE_URL"], ENV)
        from django.core.management import call_command

        call_command("migrate", "--noinput", verbosity=0)
        call_command("collectstatic", "--noinput", verbosity=0)  # the manager's page, as production serves it
        return run()
    finally:
        stop_services(services_dir)


if __name__ == "__main__":
    sys.exit(main())
