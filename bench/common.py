"""What the benchmarks share: throwaway PostgreSQL and Redis (scripts/test-services.sh), Django set up in the
benchmark's own process, and gunicorn serving the project until it answers its health check."""

import os
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PY = sys.executable


def start_services() -> tuple[dict, str]:
    """Start throwaway PostgreSQL and Redis: their environment (DATABASE_URL …) and their directory."""
    out = subprocess.run(
        [ROOT / "scripts" / "test-services.sh", "start"], check=True, capture_output=True, text=True
    )
    env = dict(line.split("=", 1) for line in out.stdout.strip().splitlines())
    return env, env["TEST_SERVICES_DIR"]


def stop_services(services_dir: str) -> None:
    subprocess.run([ROOT / "scripts" / "test-services.sh", "stop", services_dir], check=False)


def setup_django(database_url: str, env: dict) -> None:
    """Django in this process on the throwaway database, with the benchmark's settings environment (tasks
    in-process, no Redis)."""
    os.environ.update({**env, "DATABASE_URL": database_url})
    os.environ.pop("REDIS_URL", None)
    import django

    django.setup()


def serve(env: dict, *, port: int, workers: int) -> subprocess.Popen:
    """gunicorn serving the project on 127.0.0.1:port, once /healthz answers (30 s at most)."""
    proc = subprocess.Popen(
        [
            PY,
            "-m",
            "gunicorn",
            "servicecenter.wsgi",
            "--bind",
            f"127.0.0.1:{port}",
            "--workers",
            str(workers),
            "--log-level",
            "warning",
        ],
        cwd=ROOT,
        env=env,
        start_new_session=True,
    )
    deadline = time.monotonic() + 30
    last = ""
    while time.monotonic() < deadline:
        try:
            urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=5).read()
            return proc
        except (OSError, urllib.error.URLError) as exc:  # not up yet
            last = repr(exc)
            time.sleep(0.3)
    os.killpg(proc.pid, signal.SIGKILL)
    raise SystemExit(f"gunicorn did not become healthy: {last}")
