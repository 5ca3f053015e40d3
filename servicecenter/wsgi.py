"""WSGI entry point (gunicorn servicecenter.wsgi)."""

import gc
import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "servicecenter.settings")
application = get_wsgi_application()


def _warm_and_freeze() -> None:
    """Load every view now, then keep what the process holds from here on out of the garbage collector's
    full passes (gc.freeze): they would otherwise walk the whole of Django, the apps and their modules, again
    and again, under load."""
    from django.urls import get_resolver

    get_resolver().url_patterns  # noqa: B018 — imports the URL map and, with it, every view
    gc.collect()
    gc.freeze()


_warm_and_freeze()
