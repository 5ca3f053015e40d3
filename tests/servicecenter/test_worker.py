"""Celery through Redis with a real worker process."""

import os
import time
from datetime import timedelta

import pytest
import redis
from django.db import transaction
from django.utils import timezone

from servicecenter import services
from servicecenter.models import AuditEvent
from servicecenter.tasks import enqueue, ping, purge_audit_events


def test_a_task_makes_the_round_trip_through_redis_and_the_worker(celery_worker):
    result = ping.delay("round-trip")
    assert result.get(timeout=30) == "pong:round-trip"


def test_healthz_pings_the_worker(celery_worker, client):
    response = client.get("/healthz")
    assert response.status_code == 200, response.content
    assert response.json()["checks"] == {"database": "ok", "redis": "ok", "worker": "ok"}


def test_tasks_are_queued_only_when_the_transaction_commits(celery_worker):
    old = timezone.now() - timedelta(days=400)
    broker = redis.Redis.from_url(os.environ["TEST_REDIS_URL"])
    celery_worker.control.purge()
    with transaction.atomic():
        services.record_audit_event(kind=AuditEvent.Kind.LOGIN, username="ancient", at=old)
        services.record_audit_event(kind=AuditEvent.Kind.LOGIN, username="recent")
        enqueue(purge_audit_events)
        # Nothing has been sent yet: the worker must not see a task before its rows are committed.
        assert broker.llen("celery") == 0
        time.sleep(0.5)
        assert AuditEvent.objects.filter(username="ancient").exists()
    deadline = timezone.now() + timedelta(seconds=30)
    while AuditEvent.objects.filter(username="ancient").exists():
        assert timezone.now() < deadline, "the worker never purged the old event"
    assert AuditEvent.objects.filter(username="recent").exists()


@pytest.mark.django_db
def test_without_a_worker_tasks_run_in_process(settings):
    assert ping.app.conf.task_always_eager
    assert ping.delay("eager").get() == "pong:eager"
