"""Benchmarks (make bench): figures the issues ask for, printed and written to bench/results/.

foundation — persistent database connections: throughput of a signed-in API page under gunicorn and
PostgreSQL with CONN_MAX_AGE=0 (a connection per request) against CONN_MAX_AGE=600, side by side in one run.
accounts_lookup — finding an account among 200,000 by number, phone, ID or name (bench/accounts_lookup.py).
payments — payment recording throughput under gunicorn and PostgreSQL against a bare view that inserts one
row, side by side in one run (bench/payments.py; bar: ≥ 0.6×).
daily_report — the daily report of a hall-day of 2,000 payments against hand-written GROUP BY SQL over the
same rows (bench/daily_report.py; bar: ≤ 1.5×).
statements — the monthly statement of a hall-month of 30,000 payments (bar: ≤ 5 s), and the worker's build
of a company month of 250,000, 500,000 and 1,000,000 payments (bar: linear in the rows), with the manager's
page of it (bar: ≤ 25 queries) (bench/statements.py).
statement_appendix — the monthly statement's transaction appendix of 30,000 payments as a PDF: time and peak
memory of the rendering (bench/statement_appendix.py; bar: ≤ 600 MB).

`bench/run.py` runs them all; `bench/run.py payments` (or any of the names above) runs one. A benchmark whose
bar is not met fails the run, after the others have run.
"""

import json
import os
import platform
import signal
import statistics
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.common import serve, start_services, stop_services  # noqa: E402

RESULTS = ROOT / "bench" / "results"
PY = sys.executable
PORT = 58123
REQUESTS = int(os.environ.get("BENCH_REQUESTS", "2000"))
CLIENTS = 8
ROUNDS = 3


def manage(env, *args):
    subprocess.run([PY, "manage.py", *args], cwd=ROOT, env=env, check=True, capture_output=True)


def token(env) -> str:
    code = (
        "from rest_framework.authtoken.models import Token; from servicecenter.models import User; "
        "print(Token.objects.get_or_create(user=User.objects.get(username='east.supervisor'))[0].key)"
    )
    out = subprocess.run(
        [PY, "manage.py", "shell", "-c", code], cwd=ROOT, env=env, check=True, capture_output=True
    )
    return out.stdout.decode().strip().splitlines()[-1]


def load(url: str, headers: dict, total: int) -> float:
    """Requests per second for `total` requests from CLIENTS threads; every answer must be a 200."""
    per_client = total // CLIENTS
    errors: list[str] = []

    def client():
        for _ in range(per_client):
            request = urllib.request.Request(url, headers=headers)
            try:
                with urllib.request.urlopen(request, timeout=10) as response:
                    response.read()
            except Exception as exc:  # counted and reported
                errors.append(repr(exc))

    threads = [threading.Thread(target=client) for _ in range(CLIENTS)]
    start = time.perf_counter()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    elapsed = time.perf_counter() - start
    if errors:
        raise SystemExit(f"{len(errors)} failed requests, e.g. {errors[0]}")
    return per_client * CLIENTS / elapsed


def foundation(env) -> dict:
    env = {
        **env,
        "SECRET_KEY": "bench-only-secret-key-" + "x" * 40,
        "DEBUG": "0",
        "ALLOWED_HOSTS": "127.0.0.1",
        "SECURE_SSL_REDIRECT": "0",
        "CELERY_TASK_ALWAYS_EAGER": "1",
        "CACHE_URL": "locmemcache://",
        "PYTHONWARNINGS": "ignore:No directory at:UserWarning",  # no collectstatic for an API bench
    }
    env.pop("REDIS_URL", None)
    manage(env, "migrate", "--noinput")
    manage(env, "seed_demo")
    key = token(env)
    url = f"http://127.0.0.1:{PORT}/api/v1/me/"
    headers = {"Authorization": f"Token {key}"}
    figures: dict[str, list[float]] = {"per_request": [], "persistent": []}
    # Alternate the two set-ups so that drift in the machine's load affects both alike.
    for _ in range(ROUNDS):
        for name, age in (("per_request", 0), ("persistent", 600)):
            server = serve({**env, "CONN_MAX_AGE": str(age)}, port=PORT, workers=2)
            try:
                load(url, headers, 400)  # warm-up
                figures[name].append(load(url, headers, REQUESTS))
                print(f"  {name}: {figures[name][-1]:.0f} req/s", flush=True)
            finally:
                os.killpg(server.pid, signal.SIGTERM)
                server.wait(timeout=30)
    per_request = statistics.median(figures["per_request"])
    persistent = statistics.median(figures["persistent"])
    return {
        "what": "GET /api/v1/me/ (token auth) under gunicorn (2 sync workers) + PostgreSQL 15, "
        f"{CLIENTS} loopback clients, {REQUESTS} requests per round, median of {ROUNDS} rounds",
        "requests_per_second": {
            "conn_max_age_0": round(per_request, 1),
            "conn_max_age_600": round(persistent, 1),
        },
        "rounds": {k: [round(v, 1) for v in vs] for k, vs in figures.items()},
        "speedup": round(persistent / per_request, 2),
    }


# Benchmarks that run in a process of their own, each with its own throwaway PostgreSQL.
SCRIPTS = {
    "accounts_lookup": "accounts_lookup.py",  # loads 200,000 accounts
    "payments": "payments.py",
    "daily_report": "daily_report.py",
    "statements": "statements.py",  # a company month of 1,000,000 payments
    "statement_appendix": "statement_appendix.py",  # no database: 30,000 rows rendered in a child process
}


def main() -> None:
    wanted = sys.argv[1:] or ["foundation", *SCRIPTS]
    unknown = [name for name in wanted if name != "foundation" and name not in SCRIPTS]
    if unknown:
        raise SystemExit(
            f"unknown benchmark {', '.join(unknown)}: choose from foundation, {', '.join(SCRIPTS)}"
        )
    if "foundation" in wanted:
        run_foundation()
    failed = [
        name
        for name, script in SCRIPTS.items()
        if name in wanted and subprocess.run([PY, ROOT / "bench" / script], cwd=ROOT).returncode != 0
    ]
    if failed:
        raise SystemExit(f"benchmarks that failed or missed their bar: {', '.join(failed)}")


def run_foundation() -> None:
    env, services_dir = start_services()
    env = {**os.environ, **env}
    try:
        result = {
            "machine": f"{platform.node()} {os.cpu_count()} cores, Python {platform.python_version()}",
            "at": time.strftime("%Y-%m-%d %H:%M:%S %z"),
            "foundation": foundation(env),
        }
    finally:
        stop_services(services_dir)
    RESULTS.mkdir(parents=True, exist_ok=True)
    (RESULTS / "foundation.json").write_text(json.dumps(result, ensure_ascii=False, indent=2) + "\n")
    f = result["foundation"]
    print(
        f"persistent connections: {f['requests_per_second']['conn_max_age_600']} req/s "
        f"vs {f['requests_per_second']['conn_max_age_0']} req/s per-request connections "
        f"= {f['speedup']}x  ({f['what']})"
    )


if __name__ == "__main__":
    main()
