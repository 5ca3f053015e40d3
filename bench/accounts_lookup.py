"""accounts_lookup — how fast the rep finds an account among 200,000: `search_accounts` per kind of query.

Starts a throwaway PostgreSQL (scripts/test-services.sh), migrates, loads 200,000 accounts with their holders
by COPY (plus a second company's 20,000, so that every lookup has to keep to its company), runs ANALYZE, then
times counter.selectors.customers.search_accounts for each kind of query — exact account number,
account-number prefix, mobile phone, resident ID, name prefix — with random existing values: median and p95
in ms. It also EXPLAINs (ANALYZE) each kind's queries: reading the whole customer or account table fails the
run, whether as a Seq Scan or as an index scan that filters away the company's rows one by one.
Writes bench/results/accounts_lookup.json.

    .venv/bin/python bench/accounts_lookup.py          (or: make bench)
"""

import io
import json
import os
import platform
import random
import re
import statistics
import sys
import time
from datetime import date, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.common import setup_django, start_services, stop_services  # noqa: E402

RESULTS = ROOT / "bench" / "results"
ACCOUNTS = int(os.environ.get("BENCH_ACCOUNTS", "200000"))
OTHER_COMPANY_ACCOUNTS = ACCOUNTS // 10
LOOKUPS = int(os.environ.get("BENCH_LOOKUPS", "400"))
WARM_UP = 30
FIRST_NUMBER = 10000001
BIG_TABLES = ("counter_customer", "counter_gasaccount")
ENV = {
    "CACHE_URL": "locmemcache://",
    "CELERY_TASK_ALWAYS_EAGER": "1",
    "DJANGO_SETTINGS_MODULE": "servicecenter.settings",
}


def people(rng: random.Random, count: int, taken: set[str]):
    """(name, id_number, phone) for `count` people: plausible, valid, ID numbers unique (5% have none)."""
    from counter.demo_accounts import GIVEN, LOCAL_REGIONS, MOBILE_PREFIXES, OTHER_REGIONS, SURNAMES
    from counter.validators import id_check_digit

    regions = LOCAL_REGIONS * 4 + OTHER_REGIONS
    for _ in range(count):
        name = rng.choice(SURNAMES) + rng.choice(GIVEN)
        id_number = ""
        if rng.random() >= 0.05:
            while True:
                born = date(1935, 1, 1) + timedelta(days=rng.randrange(365 * 70))
                first17 = f"{rng.choice(regions)}{born:%Y%m%d}{rng.randrange(1, 1000):03d}"
                id_number = first17 + id_check_digit(first17)
                if id_number not in taken:
                    taken.add(id_number)
                    break
        phone = rng.choice(MOBILE_PREFIXES) + f"{rng.randrange(10**8):08d}"
        yield name, id_number, phone


def copy_rows(table: str, columns: list[str], rows) -> None:
    from django.db import connection

    with (
        connection.cursor() as cursor,
        cursor.cursor.copy(f"COPY {table} ({', '.join(columns)}) FROM STDIN") as copy,
    ):
        for row in rows:
            copy.write_row(row)


def load(rng: random.Random) -> dict:
    """Two companies' customers and accounts by COPY; returns the values to look up (of the big company)."""
    from django.db import connection
    from django.utils import timezone

    from counter.demo_accounts import DISTRICTS, ESTATES, ROADS
    from counter.models import Customer, GasAccount
    from servicecenter.models import Company, Hall

    company = Company.objects.create(code="bench-gas", name="基准燃气有限公司")
    hall = Hall.objects.create(company=company, code="bench-east", name="基准城东客服中心")
    other = Company.objects.create(code="bench-other", name="邻市燃气有限公司")
    now = timezone.now()
    taken: set[str] = set()
    values = {"exact": [], "phone": [], "resident_id": [], "name": []}
    customer_rows, account_rows = [], []
    pk = 0
    for company_id, count, first, keep in (
        (company.pk, ACCOUNTS, FIRST_NUMBER, True),
        (other.pk, OTHER_COMPANY_ACCOUNTS, 50000001, False),
    ):
        for i, (name, id_number, phone) in enumerate(people(rng, count, taken)):
            pk += 1
            number = str(first + i)
            address = (
                f"{rng.choice(DISTRICTS)}{rng.choice(ROADS)}{rng.randrange(1, 400)}号{rng.choice(ESTATES)}"
                f"{rng.randrange(1, 30)}幢{rng.randrange(1, 5)}单元"
                f"{rng.randrange(1, 19)}{rng.randrange(1, 5):02d}室"
            )
            meter = "ic_card" if rng.random() < 1 / 3 else "postpaid"
            opened = date(2005, 1, 1) + timedelta(days=rng.randrange(365 * 20))
            customer_rows.append((pk, company_id, name, id_number, phone, now))
            account_rows.append((pk, company_id, number, pk, address, meter, "active", opened, None))
            if keep:
                values["exact"].append(number)
                values["phone"].append(phone)
                values["name"].append(name)
                if id_number:
                    values["resident_id"].append(id_number)
    started = time.perf_counter()
    copy_rows(
        Customer._meta.db_table,
        ["id", "company_id", "name", "id_number", "phone", "created_at"],
        customer_rows,
    )
    copy_rows(
        GasAccount._meta.db_table,
        [
            "id",
            "company_id",
            "number",
            "holder_id",
            "address",
            "meter_type",
            "status",
            "opened_on",
            "closed_on",
        ],
        account_rows,
    )
    with connection.cursor() as cursor:
        for model in (Customer, GasAccount):
            table = model._meta.db_table
            cursor.execute(
                f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), (SELECT max(id) FROM {table}))"
            )
        cursor.execute("ANALYZE")
    loaded = time.perf_counter() - started
    print(f"  loaded {len(account_rows):,} accounts and customers in {loaded:.1f} s", flush=True)
    return {"hall": hall, "values": values, "load_seconds": round(loaded, 1)}


def queries_for(kind: str, values: dict, rng: random.Random) -> str:
    """A random existing value for this kind of lookup, typed the way a rep would type it."""
    if kind == "exact_account_number":
        return rng.choice(values["exact"])
    if kind == "account_number_prefix":
        return rng.choice(values["exact"])[:6]  # about a hundred accounts share it; the first 20 are shown
    if kind == "mobile_phone":
        return rng.choice(values["phone"])
    if kind == "resident_id":
        return rng.choice(values["resident_id"])
    if kind == "name_prefix":
        return rng.choice(values["name"])[:2]  # surname and the first character of the given name
    raise ValueError(kind)


KINDS = ("exact_account_number", "account_number_prefix", "mobile_phone", "resident_id", "name_prefix")


def captured_sql(hall, query: str) -> list[tuple[str, tuple]]:
    """The SQL statements (with their parameters) that one search runs."""
    from django.db import connection

    from counter.selectors.customers import search_accounts

    statements: list[tuple[str, tuple]] = []

    def capture(execute, sql, params, many, context):
        statements.append((sql, params))
        return execute(sql, params, many, context)

    with connection.execute_wrapper(capture):
        search_accounts(hall=hall, query=query)
    return statements


def explain(hall, query: str) -> tuple[str, list[str]]:
    """EXPLAIN ANALYZE of the search's statements, and the big tables they read whole."""
    from django.db import connection

    plans, whole = [], []
    for sql, params in captured_sql(hall, query):
        with connection.cursor() as cursor:
            cursor.execute("EXPLAIN (ANALYZE, COSTS OFF, TIMING OFF, SUMMARY OFF) " + sql, params)
            plan = "\n".join(row[0] for row in cursor.fetchall())
        plans.append(plan)
        whole += full_scans(plan)
    return "\n---\n".join(plans), whole


_NODE = re.compile(r"(Seq Scan|Index Scan|Index Only Scan|Bitmap Heap Scan)( using \w+)? on (\w+)")
_ACTUAL = re.compile(r"actual rows=(\d+) loops=(\d+)")
_REMOVED = re.compile(r"Rows Removed by Filter: (\d+)")
# A lookup touches a handful of rows (a page of 20, a prefix of ~100); this many means a table walk.
FULL_SCAN_ROWS = 1000


def full_scans(plan: str) -> list[str]:
    """How this plan walks a big table instead of looking rows up: a Seq Scan; an index scan that filters
    away (or returns, over all its loops) more than FULL_SCAN_ROWS rows — e.g. walking the company's
    accounts in number order, testing each one, until 20 match."""
    found, table, loops = [], None, 1
    for line in plan.splitlines():
        node = _NODE.search(line)
        if node:
            table = node.group(3) if node.group(3) in BIG_TABLES else None
            actual = _ACTUAL.search(line)
            rows, loops = (int(actual.group(1)), int(actual.group(2))) if actual else (0, 1)
            if table and node.group(1) == "Seq Scan":
                found.append(f"Seq Scan on {table}")
            elif table and rows * loops > FULL_SCAN_ROWS:
                found.append(f"{node.group(1)}{node.group(2) or ''} on {table}: {rows * loops} rows read")
            continue
        if "->" in line:
            table = None
        removed = _REMOVED.search(line)
        if table and removed and int(removed.group(1)) * loops > FULL_SCAN_ROWS:
            found.append(f"{table}: {int(removed.group(1)) * loops} rows filtered away")
    return found


def time_kind(hall, kind: str, values: dict, rng: random.Random) -> dict:
    """Median and p95 over LOOKUPS random lookups; the plans of a random one and of the slowest three."""
    from counter.selectors.customers import search_accounts

    for _ in range(WARM_UP):
        search_accounts(hall=hall, query=queries_for(kind, values, rng))
    timings: list[tuple[float, str]] = []
    empty = 0
    for _ in range(LOOKUPS):
        query = queries_for(kind, values, rng)
        started = time.perf_counter()
        found = search_accounts(hall=hall, query=query)
        timings.append(((time.perf_counter() - started) * 1000, query))
        empty += not found
    if empty:
        raise SystemExit(f"{kind}: {empty} lookups of existing values found nothing")
    ms = [t for t, _query in timings]
    # The planner may choose differently for different values: the slowest lookups show the worst plans.
    slowest = []
    for t, query in sorted(timings, reverse=True):
        if query not in {q for _t, q in slowest}:
            slowest.append((t, query))
        if len(slowest) == 3:
            break
    plans, reads = [], []
    for label, t, query in [("random", None, queries_for(kind, values, rng))] + [
        ("slowest", t, query) for t, query in slowest
    ]:
        plan, whole = explain(hall, query)
        reads += [r for r in whole if r not in reads]
        plans.append(
            {
                "query": query,
                "which": label,
                "ms": round(t, 2) if t is not None else None,
                "whole_table_reads": whole,
                "explain": plan.splitlines(),
            }
        )
    return {
        "median_ms": round(statistics.median(ms), 2),
        "p95_ms": round(statistics.quantiles(ms, n=20)[18], 2),
        "max_ms": round(max(ms), 2),
        "lookups": LOOKUPS,
        "index_only": not reads,
        "whole_table_reads": reads,
        "plans": plans,
    }


def main() -> None:
    env, services_dir = start_services()
    try:
        setup_django(env["DATABASE_URL"], ENV)
        from django.core.management import call_command
        from django.db import connection

        call_command("migrate", "--noinput", verbosity=0, stdout=io.StringIO())
        rng = random.Random(2026)  # benchmark data, not secrets
        loaded = load(rng)
        hall, values = loaded["hall"], loaded["values"]
        kinds = {}
        for kind in KINDS:
            kinds[kind] = time_kind(hall, kind, values, rng)
            k = kinds[kind]
            reads = k["whole_table_reads"]
            more = f" (+{len(reads) - 1} more)" if len(reads) > 1 else ""
            flag = f"  WHOLE TABLE READ: {reads[0]}{more}" if reads else ""
            print(
                f"  {kind:24} median {k['median_ms']:7.2f} ms   p95 {k['p95_ms']:7.2f} ms{flag}", flush=True
            )
        with connection.cursor() as cursor:
            cursor.execute("SHOW server_version")
            server = cursor.fetchone()[0]
        connection.close()
    finally:
        stop_services(services_dir)
    result = {
        "machine": f"{platform.node()} {os.cpu_count()} cores, Python {platform.python_version()}",
        "at": time.strftime("%Y-%m-%d %H:%M:%S %z"),
        "what": (
            f"counter.selectors.customers.search_accounts over {ACCOUNTS:,} accounts and holders of one "
            f"company (+{OTHER_COMPANY_ACCOUNTS:,} of another), PostgreSQL {server.split()[0]} "
            "(throwaway, fsync off), "
            f"{LOOKUPS} lookups per kind with random existing values after {WARM_UP} warm-up lookups; "
            "times include the ORM"
        ),
        "load_seconds": loaded["load_seconds"],
        "kinds": kinds,
    }
    RESULTS.mkdir(parents=True, exist_ok=True)
    (RESULTS / "accounts_lookup.json").write_text(json.dumps(result, ensure_ascii=False, indent=2) + "\n")
    scans = {kind: k["whole_table_reads"] for kind, k in kinds.items() if k["whole_table_reads"]}
    if scans:
        raise SystemExit(
            f"lookups that read a whole table: {scans} (plans in bench/results/accounts_lookup.json)"
        )
    print("accounts lookup: every kind of query uses an index (bench/results/accounts_lookup.json)")


if __name__ == "__main__":
    main()
