"""Background tasks of the kernel: the worker ping behind /healthz and the audit retention purge."""

from celery import shared_task
from django.db import transaction
from django.utils import timezone

from servicecenter import services


@shared_task(name="servicecenter.ping")
def ping(nonce: str = "") -> str:
    """Answer from the worker: /healthz sends a nonce and waits for it to come back."""
    return f"pong:{nonce}"


@shared_task(name="servicecenter.purge_audit_events", autoretry_for=(ConnectionError,), retry_backoff=True)
def purge_audit_events() -> int:
    return services.purge_audit_events(now=timezone.now())


def enqueue(task, *args, **kwargs) -> None:
    """Queue a task once the current transaction commits, so the worker never sees uncommitted rows."""
    transaction.on_commit(lambda: task.delay(*args, **kwargs))
