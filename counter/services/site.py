"""Site management (spec §6): the duty manager's opening and closing checklists, and incidents (article 17)
with their handling checklists, from the report to the close.

Closing an incident while some of its handling steps are not ticked is refused unless the person closing it
says why those steps were not done (a counterfeit note the customer took back never goes to the bank): the
explanation is kept in the outcome, under the names of the steps it covers, so the record says which steps
were skipped and why.
"""

import re
import unicodedata
from collections.abc import Iterable, Mapping
from datetime import datetime
from decimal import Decimal, InvalidOperation

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from counter.errors import CounterError
from counter.models import (
    ChecklistAnswer,
    ChecklistItem,
    ChecklistRun,
    Incident,
    IncidentKind,
    IncidentStep,
    IncidentStepTemplate,
)
from counter.services.common import now, require_hall_perm
from servicecenter.clock import business_day
from servicecenter.models import Hall, User
from servicecenter.money import DENOMINATIONS, quantize
from servicecenter.selectors import hall_memberships

# The banknotes a counterfeit can be: ¥1 and up (smaller amounts are coins).
NOTE_DENOMINATIONS: tuple[Decimal, ...] = tuple(value for value, _label in DENOMINATIONS if value >= 1)
# A banknote's serial number (冠字号码): ten letters and digits, the prefix (冠字) starting with a letter
# and the last six always digits, e.g. FA12345678 or A1B2345678.
_SERIAL = re.compile(r"^[A-Z][A-Z0-9]{3}\d{6}$")
_NOTE_MAX = 200
_PEOPLE_MAX = 200


# --- Checklists --------------------------------------------------------------------------------------


@transaction.atomic
def complete_checklist(
    *,
    hall: Hall,
    kind: str,
    answers: Mapping[int, tuple[bool, str]],
    remarks: str = "",
    by: User,
    at: datetime | None = None,
) -> ChecklistRun:
    """Record today's opening or closing checklist: every active point answered, a point not in order
    with a note saying what is wrong. One of each per hall and business day."""
    at = now(at)
    require_hall_perm(by, hall, "counter.manage_site")
    if kind not in ChecklistItem.Kind.values:
        raise CounterError(_("Unknown checklist."), code="invalid")
    label = ChecklistItem.Kind(kind).label
    day = business_day(hall, at)
    existing = ChecklistRun.objects.filter(hall=hall, business_day=day, kind=kind).select_related(
        "completed_by"
    )
    if (run := existing.first()) is not None:
        raise _already_done(run, label)
    items = list(ChecklistItem.objects.filter(hall=hall, kind=kind, is_active=True))
    if not items:
        raise CounterError(
            _("The %(checklist)s checklist of this hall has no points.") % {"checklist": label},
            code="invalid",
        )
    by_id = {item.pk: item for item in items}
    answers = dict(answers)
    if set(answers) - set(by_id):
        raise CounterError(_("An answer is for a point that is not on this checklist."), code="invalid")
    cleaned: list[tuple[ChecklistItem, bool, str]] = []
    for item in items:
        if item.pk not in answers:
            raise CounterError(_("Answer every point: “%(point)s” has no answer.") % {"point": item.text})
        ok, note = answers[item.pk]
        note = (note or "").strip()
        if not ok and not note:
            raise CounterError(
                _("“%(point)s” is not in order: note what is wrong.") % {"point": item.text}, code="invalid"
            )
        if len(note) > _NOTE_MAX:
            raise CounterError(
                _("The note on “%(point)s” is too long (at most %(max)s characters).")
                % {"point": item.text, "max": _NOTE_MAX},
                code="invalid",
            )
        cleaned.append((item, bool(ok), note))
    try:
        with transaction.atomic():
            run = ChecklistRun.objects.create(
                hall=hall,
                business_day=day,
                kind=kind,
                completed_at=at,
                completed_by=by,
                remarks=(remarks or "").strip(),
            )
    except IntegrityError:
        # A colleague completed it in the same moment: the constraint decided, say who.
        raise _already_done(existing.get(), label) from None
    ChecklistAnswer.objects.bulk_create(
        ChecklistAnswer(run=run, item=item, section=item.section, text=item.text, ok=ok, note=note)
        for item, ok, note in cleaned
    )
    return run


def _already_done(run: ChecklistRun, label: str) -> CounterError:
    return CounterError(
        _("The %(checklist)s checklist of %(day)s was already completed by %(name)s at %(time)s.")
        % {
            "checklist": label,
            "day": run.business_day.isoformat(),
            "name": run.completed_by.display_name,
            "time": timezone.localtime(run.completed_at).strftime("%H:%M"),
        },
        code="duplicate",
    )


# --- Incidents ---------------------------------------------------------------------------------------


def normalize_serial(value: str) -> str:
    """Full-width characters (from a Chinese input method) and spaces removed, upper case."""
    return re.sub(r"\s+", "", unicodedata.normalize("NFKC", value or "")).upper()


def _note_denomination(value) -> Decimal:
    if value in (None, ""):
        raise CounterError(_("Give the denomination of the counterfeit note."), code="invalid")
    try:
        amount = quantize(value if isinstance(value, Decimal) else str(value))
    except (ValueError, TypeError, InvalidOperation):
        amount = None
    if amount not in NOTE_DENOMINATIONS:
        raise CounterError(
            _("A counterfeit note is one of %(notes)s; coins are not recorded as counterfeit notes.")
            % {"notes": "、".join(f"¥{value:.0f}" for value in NOTE_DENOMINATIONS)},
            code="invalid",
        )
    return amount


def _note_serial(value: str) -> str:
    serial = normalize_serial(value)
    if not serial:
        raise CounterError(_("Give the serial number of the counterfeit note."), code="invalid")
    if not _SERIAL.match(serial):
        raise CounterError(
            _(
                "“%(serial)s” is not a banknote serial number: it has 10 letters and digits, "
                "starting with a letter and ending with six digits, e.g. FA12345678."
            )
            % {"serial": serial[:20]},
            code="invalid",
        )
    return serial


def _staff_ids(hall: Hall, staff: Iterable) -> list[int]:
    """Users (or their ids) who hold a role in the hall; anyone else is refused."""
    try:
        ids = sorted({person if isinstance(person, int) else person.pk for person in staff})
    except AttributeError:
        raise CounterError(_("Only staff of this hall can be named as involved."), code="invalid") from None
    if ids:
        found = set(hall_memberships(hall).filter(user_id__in=ids).values_list("user_id", flat=True))
        if found != set(ids):
            raise CounterError(_("Only staff of this hall can be named as involved."), code="invalid")
    return ids


def _people(value: str) -> str:
    people = (value or "").strip()
    if len(people) > _PEOPLE_MAX:
        raise CounterError(
            _("Others involved: at most %(max)s characters.") % {"max": _PEOPLE_MAX}, code="invalid"
        )
    return people


@transaction.atomic
def report_incident(
    *,
    hall: Hall,
    kind: str,
    occurred_at: datetime,
    description: str,
    people: str = "",
    staff_involved: Iterable = (),
    note_denomination=None,
    note_serial: str = "",
    by: User,
    at: datetime | None = None,
) -> Incident:
    """Record an incident; its handling checklist is the hall's steps for that kind, as they are today."""
    at = now(at)
    require_hall_perm(by, hall, "counter.report_incident")
    if kind not in IncidentKind.values:
        raise CounterError(_("Choose what kind of incident it is."), code="invalid")
    if occurred_at is None or timezone.is_naive(occurred_at):
        raise CounterError(_("Give the time the incident happened."), code="invalid")
    if occurred_at > at:
        raise CounterError(_("The incident cannot have happened in the future."), code="invalid")
    description = (description or "").strip()
    if not description:
        raise CounterError(_("Describe what happened."), code="invalid")
    people = _people(people)
    if kind == IncidentKind.COUNTERFEIT_NOTE:
        denomination = _note_denomination(note_denomination)
        serial = _note_serial(note_serial)
    else:
        if note_denomination not in (None, "") or (note_serial or "").strip():
            raise CounterError(
                _("A denomination and serial number are recorded only for a counterfeit note."),
                code="invalid",
            )
        denomination, serial = None, ""
    staff_ids = _staff_ids(hall, staff_involved)
    incident = Incident.objects.create(
        hall=hall,
        business_day=business_day(hall, occurred_at),
        kind=kind,
        occurred_at=occurred_at,
        reported_at=at,
        reported_by=by,
        people=people,
        description=description,
        note_denomination=denomination,
        note_serial=serial,
    )
    if staff_ids:
        incident.staff_involved.set(staff_ids)
    templates = IncidentStepTemplate.objects.filter(hall=hall, kind=kind, is_active=True)
    IncidentStep.objects.bulk_create(
        IncidentStep(incident=incident, text=template.text, sort=template.sort) for template in templates
    )
    return incident


def _open_incident(incident: Incident, by: User) -> Incident:
    """The incident locked for a change, after checking that it may still be changed and by whom."""
    require_hall_perm(by, incident.hall, "counter.manage_site")
    locked = Incident.objects.select_for_update().get(pk=incident.pk)
    if locked.status != Incident.Status.OPEN:
        raise CounterError(_("This incident is closed: it can no longer be changed."), code="closed")
    return locked


def _step_of(incident: Incident, step: IncidentStep) -> IncidentStep:
    locked = IncidentStep.objects.select_for_update().filter(pk=step.pk, incident=incident).first()
    if locked is None:
        raise CounterError(_("No such step in this incident."), code="not_found")
    return locked


@transaction.atomic
def tick_step(*, step: IncidentStep, by: User, at: datetime | None = None) -> IncidentStep:
    """A step of the handling checklist is done: by whom, when."""
    at = now(at)
    incident = _open_incident(step.incident, by)
    step = _step_of(incident, step)
    if step.done_at is not None:
        raise CounterError(
            _("“%(step)s” was already ticked by %(name)s at %(time)s.")
            % {
                "step": step.text,
                "name": step.done_by.display_name if step.done_by else "—",
                "time": timezone.localtime(step.done_at).strftime("%H:%M"),
            },
            code="duplicate",
        )
    step.done_at = at
    step.done_by = by
    step.save(update_fields=["done_at", "done_by"])
    return step


@transaction.atomic
def untick_step(*, step: IncidentStep, by: User) -> IncidentStep:
    """Undo a tick made by mistake (the history keeps who ticked it and when)."""
    incident = _open_incident(step.incident, by)
    step = _step_of(incident, step)
    if step.done_at is None:
        raise CounterError(_("“%(step)s” is not ticked.") % {"step": step.text}, code="invalid")
    step.done_at = None
    step.done_by = None
    step.save(update_fields=["done_at", "done_by"])
    return step


@transaction.atomic
def update_incident(
    *,
    incident: Incident,
    by: User,
    actions: str | None = None,
    people: str | None = None,
    staff_involved: Iterable | None = None,
) -> Incident:
    """Record what was done and who was involved while the incident is open (None leaves a field as is)."""
    incident = _open_incident(incident, by)
    fields = []
    if actions is not None:
        incident.actions = actions.strip()
        fields.append("actions")
    if people is not None:
        incident.people = _people(people)
        fields.append("people")
    staff_ids = _staff_ids(incident.hall, staff_involved) if staff_involved is not None else None
    if fields:
        incident.save(update_fields=fields)
    if staff_ids is not None:
        incident.staff_involved.set(staff_ids)
    return incident


@transaction.atomic
def close_incident(
    *,
    incident: Incident,
    outcome: str,
    by: User,
    at: datetime | None = None,
    unticked_reason: str = "",
) -> Incident:
    """Close the incident with its outcome. Steps still unticked need a reason, kept in the outcome."""
    at = now(at)
    incident = _open_incident(incident, by)
    outcome = (outcome or "").strip()
    if not outcome:
        raise CounterError(_("Give the outcome before closing the incident."), code="invalid")
    unticked = list(incident.steps.filter(done_at__isnull=True).values_list("text", flat=True))
    reason = (unticked_reason or "").strip()
    if unticked:
        if not reason:
            raise CounterError(
                _("Handling steps not ticked: %(steps)s. Tick them, or say why they were not needed.")
                % {"steps": "；".join(unticked)},
                code="steps_open",
            )
        outcome += "\n\n" + _("Steps not done: %(steps)s. Why: %(reason)s") % {
            "steps": "；".join(unticked),
            "reason": reason,
        }
    incident.outcome = outcome
    incident.status = Incident.Status.CLOSED
    incident.closed_at = at
    incident.closed_by = by
    incident.save(update_fields=["outcome", "status", "closed_at", "closed_by"])
    return incident
