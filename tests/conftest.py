"""Shared fixtures: halls and staff built through the real services, a real Celery worker, Chromium."""

import os
import subprocess
import sys
import time
from pathlib import Path

import pytest
from django.db import connection

from servicecenter import services
from servicecenter.models import User
from tests.factories import HallFactory, UserFactory, WindowFactory

PASSWORD = "Secret-pass-2026"
ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings):
    # The production hasher is deliberately slow; tests sign in hundreds of times.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def _fresh_cache():
    # Lockout counters live in the cache; each test starts with none.
    from django.core.cache import cache

    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def root_user(db):
    """The administrator who grants roles in tests (as an administrator would)."""
    return User.objects.create_superuser("root", "root@example.com", PASSWORD)


@pytest.fixture
def hall(db):
    hall = HallFactory(name="城东客服中心")
    for number in (1, 2, 3):
        WindowFactory(hall=hall, number=number, name=f"{number}号窗口")
    return hall


@pytest.fixture
def other_hall(db, hall):
    """A second hall of the same company."""
    return HallFactory(company=hall.company, name="城西客服中心")


@pytest.fixture
def make_member(db, root_user):
    """make_member(role, hall, **user_fields) -> a user holding that role there, made via the services."""

    def make(role, hall, **fields):
        user = UserFactory(**fields)
        services.grant_role(user=user, role=role, hall=hall, company=hall.company, by=root_user)
        return user

    return make


@pytest.fixture
def login(client):
    """login(user) -> the test client signed in as that user through the real login page."""

    def do(user, c=None):
        c = c or client
        response = c.post("/login/", {"username": user.username, "password": PASSWORD})
        assert response.status_code == 302, response.content.decode()[:500]
        return c

    return do


def idle_for(client, seconds: float) -> None:
    """Make the signed-in session of `client` look idle for `seconds` (its last activity moved back)."""
    session = client.session
    session["last_activity"] = time.time() - seconds
    session.save()


# --- A real Celery worker on Redis --------------------------------------------------------------------


@pytest.fixture(scope="session")
def _celery_worker_process(django_db_setup, django_db_blocker):
    """One real worker process for the session, on TEST_REDIS_URL and the test database."""
    from servicecenter.celery import app

    url = os.environ.get("TEST_REDIS_URL")
    if not url:
        pytest.fail("TEST_REDIS_URL is not set: run the suite with `make test`, which starts Redis.")
    with django_db_blocker.unblock():
        database_url = _test_database_url()
    env = {**os.environ, "REDIS_URL": url, "CELERY_TASK_ALWAYS_EAGER": "0", "DATABASE_URL": database_url}
    log_path = Path(os.environ.get("TMPDIR", "/tmp")) / f"celery-worker-{os.getpid()}.log"
    with log_path.open("w+") as log:
        command = [sys.executable, "-m", "celery", "-A", "servicecenter", "worker", "--pool=solo"]
        command += ["--loglevel=INFO", "--without-gossip", "--without-mingle", "--without-heartbeat"]
        # A queue of this process's own: with pytest-xdist, each test process has its own database and
        # worker, and a worker must not take another process's tasks.
        queue = f"test-{os.getpid()}"
        command += ["-n", f"{queue}@%h", "-Q", queue]
        worker = subprocess.Popen(command, cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)
        saved = {k: app.conf[k] for k in ("broker_url", "result_backend", "task_default_queue")}
        app.conf.update(broker_url=url, result_backend=url, task_default_queue=queue)
        try:
            deadline = time.monotonic() + 60
            while not app.control.ping(timeout=0.5):
                if worker.poll() is not None or time.monotonic() > deadline:
                    log.seek(0)
                    pytest.fail(f"the Celery worker did not start:\n{log.read()[-3000:]}")
            yield app
        finally:
            worker.terminate()
            try:
                worker.wait(timeout=20)
            except subprocess.TimeoutExpired:
                worker.kill()
            app.conf.update(saved)


@pytest.fixture
def celery_worker(transactional_db, _celery_worker_process):
    """Send this test's tasks to the real worker instead of running them in-process."""
    app = _celery_worker_process
    app.conf.task_always_eager = False
    try:
        yield app
    finally:
        app.conf.task_always_eager = True


def _test_database_url() -> str:
    s = connection.settings_dict
    if s["ENGINE"] != "django.db.backends.postgresql":
        pytest.fail("the worker tests need PostgreSQL: run the suite with `make test`.")
    auth = s["USER"] + (f":{s['PASSWORD']}" if s["PASSWORD"] else "")
    return f"postgres://{auth}@{s['HOST']}:{s['PORT']}/{s['NAME']}"


# --- Chromium through Playwright ----------------------------------------------------------------------

CHROMIUM_ARGS = [
    "--no-sandbox",
    "--headless",
    "--disable-gpu",
    "--disable-quic",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


@pytest.fixture(scope="session")
def chromium():
    # Playwright's sync API runs an event loop in this thread; Django's ORM must still be usable here.
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    from playwright.sync_api import sync_playwright

    path = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")
    if not Path(path).exists():
        pytest.fail(f"Chromium not found at {path}: run the suite with `make test`, which installs it.")
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=path, args=CHROMIUM_ARGS, headless=True)
        yield browser
        browser.close()


@pytest.fixture
def page(chromium, request):
    context = chromium.new_context(locale="zh-CN", viewport={"width": 1366, "height": 900})
    page = context.new_page()
    page.set_default_timeout(15000)
    yield page
    context.close()


@pytest.fixture
def artifacts_dir(request) -> Path:
    """A folder under test-results/ for this test's screenshots."""
    path = ROOT / "test-results" / request.node.name
    path.mkdir(parents=True, exist_ok=True)
    return path


# --- make test: a skipped test is a failing test --------------------------------------------------------

_skipped: list[str] = []


def pytest_runtest_logreport(report):
    if report.skipped and os.environ.get("SERVICECENTER_NO_SKIPS"):
        _skipped.append(report.nodeid)


def pytest_sessionfinish(session, exitstatus):
    if _skipped:
        print(f"\n{len(_skipped)} test(s) skipped, which counts as failing here:\n  " + "\n  ".join(_skipped))
        session.exitstatus = pytest.ExitCode.TESTS_FAILED
