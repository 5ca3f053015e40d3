"""What the worker's long builds share — the monthly statement, a company's report: one worker at a time
builds each, it says how far it has got as it goes (the page's bar), and a failure is kept with its message.

A build is a row of a `billing.models.base.Build` model that has a `requested_by`."""

import logging
from datetime import datetime, timedelta

from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone

logger = logging.getLogger(__name__)

# A build "being built" for longer than this was left by a worker that died: it may be built again.
STALE_AFTER = timedelta(minutes=30)


def claim(queryset: QuerySet, pk: int, *, at: datetime, step: str):
    """The build, marked as being built by this worker — or None when it is finished or another worker is
    building it (a task delivered twice)."""
    with transaction.atomic(durable=True):
        job = queryset.select_for_update(of=("self",)).get(pk=pk)
        state = type(job).State
        if job.state in (state.DONE, state.FAILED):
            return None
        if job.state == state.RUNNING and job.started_at > at - STALE_AFTER:
            return None
        job.state, job.started_at, job.progress, job.step = state.RUNNING, at, 1, step[:100]
        job._history_user = job.requested_by
        job.save(update_fields=["state", "started_at", "progress", "step"])
        return job


def record_progress(job, percent: int, step: str) -> None:
    """Saved at once, outside any transaction, so that the page sees it while the work goes on."""
    job.progress, job.step = percent, step[:100]
    type(job).objects.filter(pk=job.pk).update(progress=percent, step=step[:100])


def record_failure(job, error: Exception):
    """The build marked failed with the error's message (logged with its traceback for the operators; the
    reader sees the message and may ask again)."""
    logger.exception("%s %s failed", type(job).__name__, job.pk)
    type(job).objects.filter(pk=job.pk).update(
        state=type(job).State.FAILED, error=str(error)[:300], finished_at=timezone.now()
    )
    job.refresh_from_db()
    return job
