"""The Celery app. With REDIS_URL a real worker runs the tasks; without it they run in-process (eager)."""

import os

from celery import Celery
from celery.schedules import crontab

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "servicecenter.settings")

app = Celery("servicecenter")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()

app.conf.beat_schedule = {
    "purge-audit-events": {
        "task": "servicecenter.purge_audit_events",
        "schedule": crontab(hour=4, minute=30),
    },
    # Each hall's finished business day, shortly after its cut-off (the task reads each hall's clock).
    "build-daily-reports": {
        "task": "billing.build_due_daily_reports",
        "schedule": crontab(minute="5,35"),
    },
    # Each company's week and month with the day that ended, ready for its managers in the morning (after
    # the halls' default 04:00 cut-off and the daily reports that follow it).
    "build-company-reports": {
        "task": "billing.build_nightly_company_reports",
        "schedule": crontab(hour=5, minute=15),
    },
}
