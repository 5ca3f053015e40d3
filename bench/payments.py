"""payments — payment recording throughput against a bare one-row insert, side by side in one run (issue 4).

Starts a throwaway PostgreSQL (scripts/test-services.sh), migrates, and sets up a hall with the standard price
list, an auditor, and CLIENTS reps, each with a DRF token, a receipt book and an open till (payments into one
till serialise on its row lock, as they must: each client thread is one rep paying into their own till).
Then one gunicorn as deployed (4 sync workers, as in the Dockerfile; bench.bench_settings: the project plus a
bench-only bare view, bench/bench_urls.py) serves both endpoints, and CLIENTS loopback threads alternate
rounds of ROUND_SECONDS seconds — bare, payments, bare, payments … —, each thread sending one request after
another:

- bare: POST /api/v1/bench/insert/, a DRF APIView with the same middleware, token authentication and
  permission class that inserts one audit event and answers 201;
- payments: POST /api/v1/halls/<hall>/payments/ with a new Idempotency-Key each time: installation fees on a
  gas account paid in cash (with change), and VAS products without an account paid by WeChat Pay with the
  channel's reference. Every answer must be a 201.

Each payments round is compared with the bare round just before it (the machine's load drifts: pairs measured
minutes apart would compare the drift); the median of those ratios is the figure, and the run fails when it is
below BAR. The medians of each kind are printed beside it.

Afterwards it checks that every payment was recorded once: resent keys (one after another, and two at the same
moment) answer 200 with the payment already made and create nothing; the payments, lines, tenders and receipts
match the 201s; each book's receipt numbers have no gap; each till's payments equal its tenders. Finally it
counts the SQL queries of one request of each kind (in-process).
Writes bench/results/payments.json.

    .venv/bin/python bench/payments.py          (or: make bench, bench/run.py payments)
"""

import json
import os
import platform
import signal
import statistics
import sys
import threading
import time
import urllib.error
import urllib.request
import uuid
from collections import Counter
from datetime import datetime
from datetime import time as dt_time
from pathlib import Path
from zoneinfo import ZoneInfo

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.common import serve, setup_django, start_services, stop_services  # noqa: E402

RESULTS = ROOT / "bench" / "results"
PORT = int(os.environ.get("BENCH_PORT", "58124"))
CLIENTS = int(os.environ.get("BENCH_CLIENTS", "8"))
WORKERS = int(os.environ.get("BENCH_WORKERS", "4"))  # as deployed: Dockerfile, docker-compose.yml
# Rounds of a fixed length (not of a fixed number of requests): the two kinds differ about tenfold in speed,
# and equal lengths let drift in the machine's load fall on both alike.
ROUND_SECONDS = float(os.environ.get("BENCH_ROUND_SECONDS", "12"))
ROUNDS = int(os.environ.get("BENCH_ROUNDS", "7"))
WARM_UP_SECONDS = 3.0
BAR = 0.6
BOOK_SIZE = 20_000
TIME_ZONE = "Asia/Shanghai"

ENV = {
    "DJANGO_SETTINGS_MODULE": "bench.bench_settings",
    "SECRET_KEY": "bench-only-secret-key-" + "x" * 40,
    "DEBUG": "0",
    "ALLOWED_HOSTS": "127.0.0.1",
    "SECURE_SSL_REDIRECT": "0",
    "CELERY_TASK_ALWAYS_EAGER": "1",
    "CACHE_URL": "locmemcache://",
    "PYTHONWARNINGS": "ignore:No directory at:UserWarning",  # no collectstatic for an API bench
}


# --- The hall -----------------------------------------------------------------------------------------


def make_hall() -> dict:
    """A hall with its price list; CLIENTS reps, each with a token, a receipt book and an open till."""
    from rest_framework.authtoken.models import Token

    from billing.defaults import install_price_list
    from billing.models import FeeItem, Tender
    from billing.services import receipts, tills
    from counter.services import customers
    from servicecenter import services
    from servicecenter.models import Company, Hall, User, Window
    from servicecenter.roles import Role

    company = Company.objects.create(code="bench-gas", name="基准燃气有限公司")
    hall = Hall.objects.create(
        company=company,
        code="bench-east",
        name="基准城东客服中心",
        time_zone=TIME_ZONE,
        cutoff=cutoff_far_from_now(),
    )
    windows = [Window.objects.create(hall=hall, number=n, name=f"{n}号窗口") for n in range(1, CLIENTS + 1)]
    install_price_list(company)
    root = User.objects.create_superuser("bench.root", "root@example.com", None)

    def member(username: str, role: str, last: str, first: str) -> User:
        user = User.objects.create_user(username, last_name=last, first_name=first, staff_number=username)
        services.grant_role(user=user, role=role, hall=hall, company=company, by=root)
        return user

    auditor = member("bench.auditor", Role.AUDITOR, "王", "芳")
    holder = customers.find_or_register_customer(company=company, name="张三", phone="13812345678")
    account = customers.open_account(
        company=company, number="8000001", holder=holder, address="城东区人民路1号", meter_type="postpaid"
    )
    reps = []
    for i in range(CLIENTS):
        rep = member(f"bench.rep{i + 1}", Role.REP, "李", f"员工{i + 1}")
        first = (i + 1) * 1_000_000 + 1
        book = receipts.receive_book(
            hall=hall, prefix="P", first_number=first, last_number=first + BOOK_SIZE - 1, by=auditor
        )
        receipts.issue_book(book=book, to=rep, by=auditor)
        till = tills.issue_float(hall=hall, rep=rep, amount="500.00", by=auditor, window=windows[i])
        tills.open_till(till=till, by=rep)
        reps.append({"rep": rep, "till": till.pk, "token": Token.objects.create(user=rep).key})
    fee = {f.code: f.pk for f in FeeItem.objects.filter(company=company)}
    tender = {t.code: t.pk for t in Tender.objects.filter(company=company)}
    return {"hall": hall, "account": account.pk, "reps": reps, "fee": fee, "tender": tender}


def cutoff_far_from_now() -> dt_time:
    """A cut-off (00:00–12:00, as halls allow) at least six hours away from now in the hall's time zone: the
    payments are taken now, into tills of the business day they were opened on, and must stay on that day."""
    local = datetime.now(ZoneInfo(TIME_ZONE)).time()
    if local < dt_time(6):
        return dt_time(12)
    return dt_time(0) if local < dt_time(12) else dt_time(6)


def payment_body(setup: dict, rep: dict, n: int) -> dict:
    """The n-th payment of a rep: three installation fees in cash (with change) to one VAS product paid by
    WeChat Pay with its transaction reference."""
    if n % 4 == 3:
        return {
            "till": rep["till"],
            "lines": [{"fee_item": setup["fee"]["alarm"]}],
            "tenders": [{"tender": setup["tender"]["wechat"], "reference": "WX" + uuid.uuid4().hex}],
        }
    amount = 100 + n % 50
    return {
        "till": rep["till"],
        "account": setup["account"],
        "lines": [{"fee_item": setup["fee"]["installation"], "amount": f"{amount}.50"}],
        "tenders": [{"tender": setup["tender"]["cash"]}],
        "cash_tendered": f"{amount + 1}.00",
    }


# --- Server and load ----------------------------------------------------------------------------------


def post(url: str, token: str, body: dict, key: str | None = None) -> tuple[int, dict]:
    headers = {"Authorization": f"Token {token}", "Content-Type": "application/json"}
    if key is not None:
        headers["Idempotency-Key"] = key
    request = urllib.request.Request(url, data=json.dumps(body).encode(), headers=headers, method="POST")
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as exc:
        return exc.code, {"error": exc.read()[:300].decode(errors="replace")}


class Load:
    """CLIENTS threads, one per rep, sending requests one after another for a while; keeps what was sent."""

    def __init__(self, base: str, setup: dict):
        self.base, self.setup = base, setup
        self.sent = {"bare": 0, "payments": 0}
        self.keys: list[list[tuple[str, dict, int]]] = [[] for _ in setup["reps"]]  # key, body, payment id

    def run(self, kind: str, seconds: float) -> float:
        """Requests per second of `kind` over `seconds`; every answer must be a 201."""
        errors: list[str] = []
        done = [0] * CLIENTS
        hall = self.setup["hall"].pk

        def client(i: int) -> None:
            rep = self.setup["reps"][i]
            while time.perf_counter() < deadline and not errors:
                n = len(self.keys[i])
                body = payment_body(self.setup, rep, n)
                if kind == "bare":
                    code, answer = post(f"{self.base}/api/v1/bench/insert/", rep["token"], body)
                else:
                    key = uuid.uuid4().hex
                    code, answer = post(f"{self.base}/api/v1/halls/{hall}/payments/", rep["token"], body, key)
                    if code == 201:
                        self.keys[i].append((key, body, answer["id"]))
                if code != 201:
                    errors.append(f"{kind} {code}: {answer}")
                done[i] += 1

        threads = [threading.Thread(target=client, args=(i,)) for i in range(CLIENTS)]
        start = time.perf_counter()
        deadline = start + seconds
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        elapsed = time.perf_counter() - start  # until the last request started in time was answered
        self.sent[kind] += sum(done)
        if errors:
            raise SystemExit(f"{len(errors)} {kind} requests failed, e.g. {errors[0]}")
        return sum(done) / elapsed


def resend(load: Load) -> dict:
    """Keys sent again: three used keys per rep one after another, then one new key per rep sent by two
    threads at the same moment. Every repeat must answer 200 with the payment the key made."""
    hall = load.setup["hall"].pk
    url = f"{load.base}/api/v1/halls/{hall}/payments/"
    problems: list[str] = []
    repeats = 0
    for i, rep in enumerate(load.setup["reps"]):
        for key, body, payment_id in (
            load.keys[i][0],
            load.keys[i][len(load.keys[i]) // 2],
            load.keys[i][-1],
        ):
            code, answer = post(url, rep["token"], body, key)
            repeats += 1
            if code != 200 or answer.get("id") != payment_id:
                problems.append(f"resent key {key}: {code} {answer.get('id')} (expected 200 {payment_id})")
    answers: dict[int, list[tuple[int, int | None]]] = {i: [] for i in range(CLIENTS)}
    pairs = []
    for i, rep in enumerate(load.setup["reps"]):
        key, body = uuid.uuid4().hex, payment_body(load.setup, rep, len(load.keys[i]))
        pairs.append((i, key, body))
    barrier = threading.Barrier(2 * CLIENTS)

    def twice(i: int, key: str, body: dict) -> None:
        barrier.wait()
        code, answer = post(url, load.setup["reps"][i]["token"], body, key)
        answers[i].append((code, answer.get("id")))

    threads = [threading.Thread(target=twice, args=pair) for pair in pairs for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    for i, key, body in pairs:
        codes = sorted(code for code, _id in answers[i])
        ids = {payment_id for _code, payment_id in answers[i]}
        if codes != [200, 201] or len(ids) != 1:
            problems.append(f"key {key} sent twice at once: {answers[i]} (expected one 201, one 200)")
        else:
            load.keys[i].append((key, body, ids.pop()))
        repeats += 1
    if problems:
        raise SystemExit("duplicate submissions: " + "; ".join(problems[:5]))
    return {"sequential_repeats": 3 * CLIENTS, "simultaneous_pairs": CLIENTS, "repeats_answered_200": repeats}


# --- Checks -------------------------------------------------------------------------------------------


def verify(load: Load) -> dict:
    """Every payment recorded once, with its line, tender and receipt; books gapless; tills add up."""
    from django.db.models import Count, Max, Min, Sum

    from bench.bench_urls import BARE_SUBJECT
    from billing.models import Payment, PaymentLine, PaymentTender, Receipt, ReceiptBook, Till
    from servicecenter.models import AuditEvent

    hall = load.setup["hall"]
    made = sum(len(keys) for keys in load.keys)
    ids = {payment_id for keys in load.keys for _k, _b, payment_id in keys}
    payments = Payment.objects.filter(hall=hall)
    found = {
        "payments": payments.count(),
        "distinct_ids_answered": len(ids),
        "lines": PaymentLine.objects.filter(payment__hall=hall).count(),
        "tenders": PaymentTender.objects.filter(payment__hall=hall).count(),
        "receipts": Receipt.objects.filter(hall=hall, status=Receipt.Status.ISSUED).count(),
    }
    problems = [f"{name}: {count} (expected {made})" for name, count in found.items() if count != made]
    if set(payments.values_list("pk", flat=True)) != ids:
        problems.append("the payments in the database are not the ones answered with 201")
    for book in ReceiptBook.objects.filter(hall=hall).annotate(
        n=Count("receipts"), lo=Min("receipts__sequence"), hi=Max("receipts__sequence")
    ):
        used = book.next_number - book.first_number
        if book.n != used or (used and (book.lo, book.hi) != (book.first_number, book.next_number - 1)):
            problems.append(f"book {book}: {book.n} receipts for {used} numbers used ({book.lo}–{book.hi})")
    for till in Till.objects.filter(hall=hall):
        total = Payment.objects.filter(till=till).aggregate(s=Sum("total"))["s"]
        tendered = PaymentTender.objects.filter(payment__till=till).aggregate(s=Sum("amount"))["s"]
        if total != tendered:
            problems.append(f"till {till}: payments {total} ≠ tenders {tendered}")
    bare_rows = AuditEvent.objects.filter(subject=BARE_SUBJECT).count()
    if bare_rows != load.sent["bare"]:
        problems.append(f"bare inserts: {bare_rows} rows for {load.sent['bare']} requests")
    if problems:
        raise SystemExit("verification failed: " + "; ".join(problems[:5]))
    return {**found, "bare_rows": bare_rows, "books_gapless": True, "tills_balance": True}


def queries_per_request(setup: dict) -> dict:
    """The SQL of one bare insert and of one payment, through Django's test client (in-process)."""
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    rep = setup["reps"][0]
    client = Client(HTTP_AUTHORIZATION=f"Token {rep['token']}", SERVER_NAME="127.0.0.1")
    out = {}
    for kind, url, headers in (
        ("bare", "/api/v1/bench/insert/", {}),
        ("payments", f"/api/v1/halls/{setup['hall'].pk}/payments/", {"Idempotency-Key": uuid.uuid4().hex}),
    ):
        body = json.dumps(payment_body(setup, rep, 0))
        client.post(url, body, content_type="application/json", headers=headers)  # warm caches
        if kind == "payments":
            headers = {"Idempotency-Key": uuid.uuid4().hex}
        with CaptureQueriesContext(connection) as captured:
            response = client.post(url, body, content_type="application/json", headers=headers)
        if response.status_code != 201:
            raise SystemExit(f"in-process {kind}: {response.status_code} {response.content[:300]!r}")
        statements = [q["sql"] for q in captured.captured_queries]
        out[kind] = {
            "count": len(statements),
            "by_kind": dict(Counter(s.split()[0].upper() for s in statements)),
            "statements": [s[:160] for s in statements],
        }
    return out


# --- The run ------------------------------------------------------------------------------------------


def main() -> None:
    services_env, services_dir = start_services()
    server = None
    try:
        setup_django(services_env["DATABASE_URL"], ENV)
        from django.core.management import call_command
        from django.db import connection

        call_command("migrate", "--noinput", verbosity=0)
        setup = make_hall()
        connection.close()
        env = {**os.environ, **ENV, "DATABASE_URL": services_env["DATABASE_URL"]}
        env.pop("REDIS_URL", None)
        server = serve(env, port=PORT, workers=WORKERS)
        load = Load(f"http://127.0.0.1:{PORT}", setup)
        load.run("bare", WARM_UP_SECONDS)
        load.run("payments", WARM_UP_SECONDS)
        figures: dict[str, list[float]] = {"bare": [], "payments": []}
        # Alternate the two so that drift in the machine's load affects both alike.
        for r in range(ROUNDS):
            for kind in ("bare", "payments"):
                figures[kind].append(load.run(kind, ROUND_SECONDS))
            print(
                f"  round {r + 1}: bare {figures['bare'][-1]:6.0f} req/s   "
                f"payments {figures['payments'][-1]:6.0f} req/s",
                flush=True,
            )
        duplicates = resend(load)
        os.killpg(server.pid, signal.SIGTERM)
        server.wait(timeout=30)
        server = None
        checked = verify(load)
        queries = queries_per_request(setup)
        with connection.cursor() as cursor:
            cursor.execute("SHOW server_version")
            pg = cursor.fetchone()[0].split()[0]
        connection.close()
    finally:
        if server is not None:
            os.killpg(server.pid, signal.SIGKILL)
        stop_services(services_dir)
    bare, payments = statistics.median(figures["bare"]), statistics.median(figures["payments"])
    paired = [p / b for b, p in zip(figures["bare"], figures["payments"], strict=True)]
    ratio = statistics.median(paired)
    result = {
        "machine": f"{platform.node()} {os.cpu_count()} cores, Python {platform.python_version()}",
        "at": time.strftime("%Y-%m-%d %H:%M:%S %z"),
        "what": (
            f"POST /api/v1/halls/<hall>/payments/ (token auth, Idempotency-Key; 3/4 installation fee "
            f"in cash, "
            f"1/4 VAS product by WeChat Pay) against a bare DRF view inserting one row, same gunicorn "
            f"({WORKERS} sync workers, bench.bench_settings) + PostgreSQL {pg} (throwaway, fsync off), "
            f"{CLIENTS} loopback client threads (one rep and till each), rounds of {ROUND_SECONDS:g} s "
            f"alternated; the ratio is the median over the rounds of payments / the bare round before it"
        ),
        "requests_per_second": {"bare_insert": round(bare, 1), "payments": round(payments, 1)},
        "rounds": {k: [round(v, 1) for v in vs] for k, vs in figures.items()},
        "ratio": round(ratio, 3),
        "ratio_by_round": [round(r, 3) for r in paired],
        "ratio_of_medians": round(payments / bare, 3),
        "bar": BAR,
        "passed": ratio >= BAR,
        "duplicates": duplicates,
        "verified": checked,
        "queries_per_request": queries,
    }
    RESULTS.mkdir(parents=True, exist_ok=True)
    (RESULTS / "payments.json").write_text(json.dumps(result, ensure_ascii=False, indent=2) + "\n")
    print(
        f"payments: {payments:.0f} req/s vs bare insert {bare:.0f} req/s (medians); round by round "
        f"{ratio:.2f}x the bare insert (median; bar ≥ {BAR}x); "
        f"{checked['payments']} payments recorded once each, "
        f"{queries['payments']['count']} vs {queries['bare']['count']} queries per request"
    )
    if ratio < BAR:
        raise SystemExit(f"payment throughput is {ratio:.2f}x the bare insert, below the bar of {BAR}x")


if __name__ == "__main__":
    main()
