"""Site management pages (spec §6): the duty manager's checklists and incidents, and reporting an incident."""

import re
from dataclasses import dataclass

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.shortcuts import redirect, render
from django.urls import path
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from counter.errors import CounterError
from counter.models import ChecklistItem, Incident, IncidentKind
from counter.selectors import site as selectors
from counter.services import site as services
from servicecenter.clock import business_day
from servicecenter.scoping import hall_view, has_hall_perm

_INCIDENT_LIST_LIMIT = 50
_ANSWER = re.compile(r"^ok_(\d{1,12})$")


# --- Forms -------------------------------------------------------------------------------------------


def _staff_choices(hall) -> list[tuple[int, str]]:
    return [(user.pk, user.display_name) for user in selectors.hall_staff(hall)]


class _LocalMinuteInput(forms.DateTimeInput):
    input_type = "datetime-local"

    def __init__(self):
        super().__init__(format="%Y-%m-%dT%H:%M", attrs={"class": "form-control", "required": True})


def _staff_field() -> forms.TypedMultipleChoiceField:
    return forms.TypedMultipleChoiceField(
        label=gettext_lazy("Staff involved"),
        coerce=int,
        required=False,
        choices=(),
        widget=forms.CheckboxSelectMultiple(attrs={"class": "form-check-input"}),
    )


class IncidentForm(forms.Form):
    """Parses the report; the rules (future time, counterfeit note, staff of the hall) are the service's."""

    kind = forms.ChoiceField(label=gettext_lazy("Incident"), choices=[("", "—"), *IncidentKind.choices])
    occurred_at = forms.DateTimeField(
        label=gettext_lazy("Happened at"),
        input_formats=["%Y-%m-%dT%H:%M", "%Y-%m-%dT%H:%M:%S", "%Y-%m-%d %H:%M"],
        widget=_LocalMinuteInput(),
    )
    description = forms.CharField(label=gettext_lazy("What happened"), widget=forms.Textarea)
    people = forms.CharField(
        label=gettext_lazy("Others involved"),
        required=False,
        max_length=200,
        help_text=gettext_lazy(
            "Customers, witnesses, reporters: names or descriptions and how to reach them."
        ),
    )
    staff_involved = _staff_field()
    note_denomination = forms.DecimalField(label=gettext_lazy("Note denomination"), required=False)
    note_serial = forms.CharField(
        label=gettext_lazy("Serial number"),
        required=False,
        max_length=20,
        help_text=gettext_lazy("10 letters and digits printed on the note, e.g. FA12345678."),
    )

    def __init__(self, *args, hall, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["staff_involved"].choices = _staff_choices(hall)


class IncidentUpdateForm(forms.Form):
    actions = forms.CharField(label=gettext_lazy("Actions taken"), required=False, widget=forms.Textarea)
    people = forms.CharField(label=gettext_lazy("Others involved"), required=False, max_length=200)
    staff_involved = _staff_field()

    def __init__(self, *args, hall, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["staff_involved"].choices = _staff_choices(hall)


class IncidentCloseForm(forms.Form):
    outcome = forms.CharField(label=gettext_lazy("Outcome"), widget=forms.Textarea)
    unticked_reason = forms.CharField(
        label=gettext_lazy("Why steps were not done"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=gettext_lazy("Needed only if some handling steps are not ticked."),
    )


def _form_error(request, form: forms.Form, exc: CounterError) -> None:
    if exc.code == "closed":
        # A closed incident's page has no forms left to show the error on.
        messages.error(request, exc.message)
    form.add_error(None, exc.message)


# --- Overview: today's checklists, the last two weeks, incidents ---------------------------------------


@dataclass
class PointRow:
    item: ChecklistItem
    ok: str  # "1", "0" or "" as posted
    note: str


def _checklist_forms(hall, status, posted_kind: str | None, post) -> dict[str, list]:
    """For each checklist not done today: its points by section, with what was posted if it was refused."""
    missing = [kind for kind, run in status.items() if run is None]
    if not missing:
        return {}
    points = selectors.checklist_points(hall)
    forms_by_kind = {}
    for kind in missing:
        values = post if kind == posted_kind else {}
        forms_by_kind[kind] = [
            (
                section,
                [
                    PointRow(item, values.get(f"ok_{item.pk}", ""), values.get(f"note_{item.pk}", ""))
                    for item in section.items
                ],
            )
            for section in points[kind]
        ]
    return forms_by_kind


def _render_overview(request, *, posted_kind=None, post=None, status=200):
    hall = request.hall
    now = timezone.now()
    today = business_day(hall, now)
    may_manage = has_hall_perm(request.user, hall, "counter.manage_site")
    may_see_checklists = has_hall_perm(request.user, hall, "counter.view_checklistrun")
    may_see_incidents = selectors.may_see_incidents(request.user, hall)
    checklists, runs, incidents = [], [], []
    if may_see_checklists:
        checklist_status = selectors.checklist_status(hall, today)
        forms_by_kind = (
            _checklist_forms(hall, checklist_status, posted_kind, post or {}) if may_manage else {}
        )
        for kind, label in ChecklistItem.Kind.choices:
            checklists.append(
                {
                    "kind": kind,
                    "label": label,
                    "run": checklist_status[kind],
                    "sections": forms_by_kind.get(kind),
                    "remarks": (post or {}).get("remarks", "") if kind == posted_kind else "",
                }
            )
        runs = selectors.recent_runs(hall, day=today)
    if may_see_incidents:
        incidents = list(selectors.incidents_for_user(hall, request.user)[:_INCIDENT_LIST_LIMIT])
    context = {
        "today": today,
        "may_see_checklists": may_see_checklists,
        "checklists": checklists,
        "runs": runs,
        "recent_days": selectors.RECENT_DAYS,
        "may_see_incidents": may_see_incidents,
        "may_see_all_incidents": selectors.may_see_all_incidents(request.user, hall),
        "incidents": incidents,
        "may_manage": may_manage,
        "may_report": has_hall_perm(request.user, hall, "counter.report_incident"),
    }
    return render(request, "counter/site/overview.html", context, status=status)


# Whoever holds one of these sees the page (the menu offers it to them); each part shows what they may see.
SITE_PERMS = (
    "counter.manage_site",
    "counter.view_checklistrun",
    "counter.view_incident",
    "counter.report_incident",
)


@hall_view()
def site(request):
    if not any(has_hall_perm(request.user, request.hall, perm) for perm in SITE_PERMS):
        raise PermissionDenied
    return _render_overview(request)


@require_POST
@hall_view("counter.manage_site")
def complete_checklist(request, kind: str):
    answers = {}
    for key, value in request.POST.items():
        match = _ANSWER.match(key)
        if match and value in ("0", "1"):
            item_id = int(match.group(1))
            answers[item_id] = (value == "1", request.POST.get(f"note_{item_id}", ""))
    try:
        run = services.complete_checklist(
            hall=request.hall,
            kind=kind,
            answers=answers,
            remarks=request.POST.get("remarks", ""),
            by=request.user,
        )
    except CounterError as exc:
        messages.error(request, exc.message)
        return _render_overview(request, posted_kind=kind, post=request.POST, status=400)
    messages.success(
        request, _("The %(checklist)s checklist is recorded.") % {"checklist": run.get_kind_display()}
    )
    return redirect("counter_site", hall_id=request.hall.pk)


@hall_view("counter.view_checklistrun")
def checklist_run(request, pk: int):
    run = selectors.get_run(request.hall, pk)
    return render(request, "counter/site/run.html", {"run": run, "answers": list(run.answers.all())})


# --- Incidents ---------------------------------------------------------------------------------------


def _kind_context(hall, kind: str, form: IncidentForm) -> dict:
    return {
        "kind": kind,
        "is_counterfeit": kind == IncidentKind.COUNTERFEIT_NOTE,
        "steps": selectors.step_templates(hall, kind) if kind in IncidentKind.values else [],
        "form": form,
        "denominations": services.NOTE_DENOMINATIONS,
    }


@hall_view("counter.report_incident")
def incident_new(request):
    hall = request.hall
    status = 200
    if request.method == "POST":
        form = IncidentForm(request.POST, hall=hall)
        if form.is_valid():
            data = form.cleaned_data
            try:
                incident = services.report_incident(
                    hall=hall,
                    kind=data["kind"],
                    occurred_at=data["occurred_at"],
                    description=data["description"],
                    people=data["people"],
                    staff_involved=data["staff_involved"],
                    note_denomination=data["note_denomination"],
                    note_serial=data["note_serial"],
                    by=request.user,
                )
            except CounterError as exc:
                _form_error(request, form, exc)
            else:
                messages.success(request, _("The incident is recorded."))
                return redirect("counter_incident", hall_id=hall.pk, pk=incident.pk)
        status = 400
    else:
        now = timezone.localtime(timezone.now()).replace(second=0, microsecond=0)
        form = IncidentForm(initial={"occurred_at": now}, hall=hall)
    kind = form["kind"].value() or ""
    context = {
        **_kind_context(hall, kind, form),
        "mine": [] if selectors.may_see_all_incidents(request.user, hall) else _my_recent(request),
    }
    return render(request, "counter/site/incident_new.html", context, status=status)


def _my_recent(request) -> list[Incident]:
    return list(selectors.incidents_for_user(request.hall, request.user)[:10])


@hall_view("counter.report_incident")
def incident_kind_fields(request):
    """The part of the report form that depends on the kind: the counterfeit note's fields, the steps."""
    kind = request.GET.get("kind", "")
    form = IncidentForm(hall=request.hall)
    return render(request, "counter/site/_kind_fields.html", _kind_context(request.hall, kind, form))


def _visible_incident(request, pk) -> Incident:
    if not selectors.may_see_incidents(request.user, request.hall):
        raise PermissionDenied
    return selectors.get_incident_for_user(request.user, request.hall, pk)


def _render_incident(request, incident, *, update_form=None, close_form=None, status=200):
    hall = request.hall
    may_manage = has_hall_perm(request.user, hall, "counter.manage_site")
    is_open = incident.status == Incident.Status.OPEN
    staff = list(incident.staff_involved.all())
    if update_form is None:
        update_form = IncidentUpdateForm(
            initial={
                "actions": incident.actions,
                "people": incident.people,
                "staff_involved": [u.pk for u in staff],
            },
            hall=hall,
        )
    steps = list(incident.steps.all())
    context = {
        "incident": incident,
        "steps": steps,
        "unticked": sum(1 for s in steps if s.done_at is None),
        "staff": staff,
        "may_tick": may_manage and is_open,
        "may_manage": may_manage and is_open,
        "update_form": update_form,
        "close_form": close_form or IncidentCloseForm(),
    }
    return render(request, "counter/site/incident.html", context, status=status)


@hall_view()
def incident_detail(request, pk: int):
    return _render_incident(request, _visible_incident(request, pk))


def _render_step(request, incident, step, *, error: str = ""):
    context = {"incident": incident, "step": step, "may_tick": True, "error": error}
    return render(request, "counter/site/_step.html", context)


def _change_step(request, pk: int, step_id: int, action):
    incident = _visible_incident(request, pk)
    step = selectors.get_step(incident, step_id)
    try:
        step = action(step=step, by=request.user)
    except CounterError as exc:
        if request.htmx:
            # The row shows the step as it now is (a colleague may have ticked it), with the reason.
            fresh = selectors.get_step(
                selectors.get_incident_for_user(request.user, request.hall, pk), step_id
            )
            return _render_step(request, incident, fresh, error=exc.message)
        messages.error(request, exc.message)
    else:
        if request.htmx:
            return _render_step(request, incident, step)
    return redirect("counter_incident", hall_id=request.hall.pk, pk=incident.pk)


@require_POST
@hall_view("counter.manage_site")
def tick_step(request, pk: int, step_id: int):
    return _change_step(request, pk, step_id, services.tick_step)


@require_POST
@hall_view("counter.manage_site")
def untick_step(request, pk: int, step_id: int):
    return _change_step(request, pk, step_id, services.untick_step)


@require_POST
@hall_view("counter.manage_site")
def incident_update(request, pk: int):
    incident = _visible_incident(request, pk)
    form = IncidentUpdateForm(request.POST, hall=request.hall)
    if form.is_valid():
        try:
            services.update_incident(incident=incident, by=request.user, **form.cleaned_data)
        except CounterError as exc:
            _form_error(request, form, exc)
        else:
            messages.success(request, _("The incident is updated."))
            return redirect("counter_incident", hall_id=request.hall.pk, pk=incident.pk)
    return _render_incident(request, incident, update_form=form, status=400)


@require_POST
@hall_view("counter.manage_site")
def incident_close(request, pk: int):
    incident = _visible_incident(request, pk)
    form = IncidentCloseForm(request.POST)
    if form.is_valid():
        try:
            services.close_incident(
                incident=incident,
                outcome=form.cleaned_data["outcome"],
                unticked_reason=form.cleaned_data["unticked_reason"],
                by=request.user,
            )
        except CounterError as exc:
            _form_error(request, form, exc)
        else:
            messages.success(request, _("The incident is closed."))
            return redirect("counter_incident", hall_id=request.hall.pk, pk=incident.pk)
    return _render_incident(request, incident, close_form=form, status=400)


urlpatterns = [
    path("halls/<int:hall_id>/site/", site, name="counter_site"),
    path(
        "halls/<int:hall_id>/site/checklists/<str:kind>/complete/",
        complete_checklist,
        name="counter_site_checklist",
    ),
    path("halls/<int:hall_id>/site/checklists/runs/<int:pk>/", checklist_run, name="counter_site_run"),
    path("halls/<int:hall_id>/site/incidents/new/", incident_new, name="counter_incident_new"),
    path(
        "halls/<int:hall_id>/site/incidents/new/kind/",
        incident_kind_fields,
        name="counter_incident_kind_fields",
    ),
    path("halls/<int:hall_id>/site/incidents/<int:pk>/", incident_detail, name="counter_incident"),
    path(
        "halls/<int:hall_id>/site/incidents/<int:pk>/steps/<int:step_id>/tick/",
        tick_step,
        name="counter_incident_step_tick",
    ),
    path(
        "halls/<int:hall_id>/site/incidents/<int:pk>/steps/<int:step_id>/untick/",
        untick_step,
        name="counter_incident_step_untick",
    ),
    path(
        "halls/<int:hall_id>/site/incidents/<int:pk>/update/", incident_update, name="counter_incident_update"
    ),
    path("halls/<int:hall_id>/site/incidents/<int:pk>/close/", incident_close, name="counter_incident_close"),
]
