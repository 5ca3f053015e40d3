"""Reads of site management: today's checklists, recent runs, incidents as each user may see them."""

from dataclasses import dataclass, field
from datetime import date, timedelta

from django.db.models import Case, Count, Prefetch, Q, QuerySet, Value, When
from django.http import Http404

from counter.models import (
    ChecklistAnswer,
    ChecklistItem,
    ChecklistRun,
    Incident,
    IncidentStep,
    IncidentStepTemplate,
)
from servicecenter.models import Hall, User
from servicecenter.scoping import has_hall_perm, int_or_404
from servicecenter.selectors import hall_memberships

RECENT_DAYS = 14


def checklist_status(hall: Hall, day: date) -> dict[str, ChecklistRun | None]:
    """The opening and closing checklists of one business day: the completed run, or None (one query)."""
    runs = {
        run.kind: run
        for run in ChecklistRun.objects.filter(hall=hall, business_day=day).select_related("completed_by")
    }
    return {kind: runs.get(kind) for kind in ChecklistItem.Kind.values}


@dataclass
class ChecklistSection:
    section: str
    label: str
    items: list[ChecklistItem] = field(default_factory=list)


def checklist_points(hall: Hall) -> dict[str, list[ChecklistSection]]:
    """The active points of both checklists, by section in the order of the hall's configuration."""
    labels = dict(ChecklistItem.Section.choices)
    points: dict[str, list[ChecklistSection]] = {kind: [] for kind in ChecklistItem.Kind.values}
    for item in ChecklistItem.objects.filter(hall=hall, is_active=True).order_by("kind", "sort", "pk"):
        sections = points[item.kind]
        if not sections or sections[-1].section != item.section:
            sections.append(ChecklistSection(item.section, labels.get(item.section, item.section)))
        sections[-1].items.append(item)
    return points


def recent_runs(hall: Hall, *, day: date, days: int = RECENT_DAYS) -> list[ChecklistRun]:
    """Runs of the last `days` business days up to `day`, newest first, with their not-in-order count."""
    return list(
        ChecklistRun.objects.filter(
            hall=hall, business_day__gt=day - timedelta(days=days), business_day__lte=day
        )
        .select_related("completed_by")
        .annotate(not_ok=Count("answers", filter=Q(answers__ok=False)))
        .order_by("-business_day", "kind")
    )


def checklist_runs(hall: Hall) -> QuerySet[ChecklistRun]:
    """Every run of the hall, newest first, with its answers (for the API)."""
    return (
        ChecklistRun.objects.filter(hall=hall)
        .select_related("completed_by")
        .prefetch_related(Prefetch("answers", queryset=ChecklistAnswer.objects.order_by("pk")))
        .order_by("-business_day", "kind")
    )


def get_run(hall: Hall, run_id) -> ChecklistRun:
    run = checklist_runs(hall).filter(pk=int_or_404(run_id)).first()
    if run is None:
        raise Http404
    return run


def open_incidents(hall: Hall) -> list[Incident]:
    """The hall's open incidents, newest first (for the duty manager's floor view)."""
    return list(
        Incident.objects.filter(hall=hall, status=Incident.Status.OPEN)
        .select_related("reported_by")
        .order_by("-occurred_at", "-pk")
    )


def may_see_all_incidents(user: User, hall: Hall) -> bool:
    return has_hall_perm(user, hall, "counter.view_incident")


def may_see_incidents(user: User, hall: Hall) -> bool:
    """Whoever sees all of the hall's incidents, and whoever may report one (they see their own)."""
    return may_see_all_incidents(user, hall) or has_hall_perm(user, hall, "counter.report_incident")


_OPEN_FIRST = Case(When(status=Incident.Status.OPEN, then=Value(0)), default=Value(1))


def incidents_for_user(hall: Hall, user: User) -> QuerySet[Incident]:
    """The incidents of the hall this user may see, open first then newest; a reporter without
    view_incident sees only the ones they reported."""
    incidents = Incident.objects.filter(hall=hall)
    if not may_see_all_incidents(user, hall):
        incidents = incidents.filter(reported_by=user)
    return (
        incidents.select_related("reported_by", "closed_by")
        .annotate(
            step_count=Count("steps", distinct=True),
            done_count=Count("steps", filter=Q(steps__done_at__isnull=False), distinct=True),
        )
        .order_by(_OPEN_FIRST, "-occurred_at", "-pk")
    )


def with_details(incidents: QuerySet[Incident]) -> QuerySet[Incident]:
    """Incidents with everything the detail page and the API show, in a constant number of queries."""
    return incidents.select_related("reported_by", "closed_by").prefetch_related(
        Prefetch("steps", queryset=IncidentStep.objects.select_related("done_by").order_by("sort", "pk")),
        Prefetch("staff_involved", queryset=User.objects.order_by("last_name", "first_name", "username")),
    )


def incidents_with_details(hall: Hall, user: User) -> QuerySet[Incident]:
    incidents = Incident.objects.filter(hall=hall)
    if not may_see_all_incidents(user, hall):
        incidents = incidents.filter(reported_by=user)
    return with_details(incidents).order_by(_OPEN_FIRST, "-occurred_at", "-pk")


def get_incident_for_user(user: User, hall: Hall, incident_id) -> Incident:
    """One incident of the hall that the user may see, with its steps and staff; else 404."""
    incident = incidents_with_details(hall, user).filter(pk=int_or_404(incident_id)).first()
    if incident is None:
        raise Http404
    incident.hall = hall
    return incident


def get_step(incident: Incident, step_id) -> IncidentStep:
    """A step of this incident (from its prefetched steps), else 404."""
    step_id = int_or_404(step_id)
    step = next((s for s in incident.steps.all() if s.pk == step_id), None)
    if step is None:
        raise Http404
    step.incident = incident
    return step


def hall_staff(hall: Hall) -> list[User]:
    """Everyone holding a role in the hall, once each, for "staff involved" choices."""
    seen: dict[int, User] = {}
    for membership in hall_memberships(hall):
        seen.setdefault(membership.user_id, membership.user)
    return list(seen.values())


def step_templates(hall: Hall, kind: str) -> list[str]:
    """The handling steps a new incident of this kind will get (a preview for the reporter)."""
    return list(
        IncidentStepTemplate.objects.filter(hall=hall, kind=kind, is_active=True)
        .order_by("sort", "pk")
        .values_list("text", flat=True)
    )
