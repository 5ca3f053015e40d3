"""/healthz: the database always; Redis and a worker round trip when they are configured."""

import uuid

import redis
from django.conf import settings
from django.core.cache import cache
from django.db import connection
from django.http import JsonResponse
from django.views.decorators.cache import never_cache

from servicecenter.tasks import ping


def _database() -> str:
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
        cursor.fetchone()
    return "ok"


def _redis() -> str:
    client = redis.Redis.from_url(settings.REDIS_URL, socket_connect_timeout=2, socket_timeout=2)
    try:
        client.ping()
    finally:
        client.close()
    return "ok"


_WORKER_OK = "healthz:worker-ok"


def _worker() -> str:
    # A round trip can take seconds: a recent success stands for WORKER_OK_SECONDS, so that a flood of
    # anonymous /healthz requests cannot tie up the web workers waiting for Celery.
    if cache.get(_WORKER_OK):
        return "ok"
    nonce = uuid.uuid4().hex
    result = ping.apply_async(args=[nonce], expires=settings.WORKER_PING_TIMEOUT)
    try:
        answer = result.get(timeout=settings.WORKER_PING_TIMEOUT)
    finally:
        result.forget()
    if answer != f"pong:{nonce}":
        raise RuntimeError("unexpected answer")
    cache.set(_WORKER_OK, True, timeout=settings.WORKER_OK_SECONDS)
    return "ok"


@never_cache
def healthz(request):
    checks = {"database": _database}
    if settings.REDIS_URL:
        checks["redis"] = _redis
    if not ping.app.conf.task_always_eager:
        checks["worker"] = _worker
    report = {}
    healthy = True
    for name, check in checks.items():
        try:
            report[name] = check()
        except Exception as exc:
            report[name] = f"error: {type(exc).__name__}"
            healthy = False
    if "worker" not in report:
        report["worker"] = "in-process"
    return JsonResponse(
        {"status": "ok" if healthy else "error", "checks": report}, status=200 if healthy else 503
    )
