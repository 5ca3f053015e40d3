"""The project's URL map plus one bench-only endpoint: a bare DRF view that inserts one row.

bench/payments.py measures payment recording against this floor, under the same server, middleware,
authentication (DRF token) and permission class, so that the ratio is the cost of the payment itself.
"""

from django.urls import path
from rest_framework import status
from rest_framework.response import Response
from rest_framework.views import APIView

from servicecenter.models import AuditEvent
from servicecenter.services import record_audit_event
from servicecenter.urls import handler403, handler404, handler500  # noqa: F401 — the project's handlers
from servicecenter.urls import urlpatterns as project_urlpatterns

BARE_INSERT_PATH = "api/v1/bench/insert/"
BARE_SUBJECT = "bench: bare insert"


class BareInsertView(APIView):
    """Reads the JSON body and inserts it as one audit event (no new table, one INSERT): 201."""

    def post(self, request):
        body = request.data if isinstance(request.data, dict) else {}
        event = record_audit_event(
            kind=AuditEvent.Kind.APPROVAL, actor=request.user, subject=BARE_SUBJECT, detail=body
        )
        return Response({"id": event.pk}, status=status.HTTP_201_CREATED)


urlpatterns = [
    path(BARE_INSERT_PATH, BareInsertView.as_view(), name="bench_bare_insert"),
    *project_urlpatterns,
]
