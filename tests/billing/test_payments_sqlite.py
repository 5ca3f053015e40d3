"""Payments on SQLite — the embedded default `make run` starts on a bare machine — through the portable ORM
path: migrate a fresh SQLite file and take payments there (tests/billing/sqlite_payments.py)."""

import os
import subprocess
import sys

from tests.conftest import ROOT


def test_payments_are_taken_on_sqlite(tmp_path):
    # Only what the embedded default needs: nothing of the test run's own database, cache or Celery.
    dropped = ("CELERY_", "CACHE_", "DJANGO_", "TEST_", "REDIS_URL", "DATABASE_URL")
    env = {k: v for k, v in os.environ.items() if not k.startswith(dropped)}
    env["DATABASE_URL"] = f"sqlite:///{tmp_path / 'db.sqlite3'}"
    migrate = subprocess.run(
        [sys.executable, "manage.py", "migrate", "--noinput"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert migrate.returncode == 0, migrate.stderr[-2000:]
    run = subprocess.run(
        [sys.executable, str(ROOT / "tests" / "billing" / "sqlite_payments.py")],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert run.returncode == 0, run.stdout[-2000:] + run.stderr[-3000:]
    assert "SQLite payments: OK" in run.stdout
