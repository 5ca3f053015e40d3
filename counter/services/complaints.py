"""Complaints (spec §3.5): received with first-contact ownership (首问负责), handed over only explicitly,
escalated with a reply deadline, resolved with thanks or an apology, closed by the callback (回访).

Rules kept here (the pages and the API call these functions and nothing else):
- The person who receives a complaint owns it until someone hands it over explicitly, with a note; the
  owner or a holder of `counter.supervise_business` may hand it over, to a colleague who may handle
  complaints in that hall. A draft opened by a 不满意 rating has no owner until the duty manager takes it.
- The reply is due, unless the receiver sets it, `REPLY_WITHIN[severity]` after receipt: serious 24 hours,
  normal 3 days, minor 5 days. An escalation may set a new deadline.
- Escalation goes up only (duty manager, then supervisor) and does not change the owner: the owner stays
  answerable to the customer; the duty manager or supervisor sees it flagged and may take it over.
- The callback closes the case when the customer is satisfied, basically satisfied or cannot be reached; a
  dissatisfied customer reopens it (the resolution stays in the timeline; a new reply deadline starts).
- A closed complaint takes no further action, except that a supervisor may still mark it major: whether a
  complaint that reached the authority was justified is often decided after the case was closed.
Every action appends an event to the complaint's timeline and runs in one transaction, on a locked row.
"""

from datetime import datetime, timedelta

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from counter.errors import CounterError
from counter.models import Complaint, ComplaintEvent, Customer, GasAccount, Rating, Sequence, Visit
from counter.services.common import now, require_hall_perm
from counter.services.customers import record_unmask
from counter.validators import normalize_phone, validate_phone
from servicecenter.clock import business_day
from servicecenter.models import Hall, User
from servicecenter.roles import Role
from servicecenter.scoping import has_hall_perm, roles_in_hall

HANDLE = "counter.handle_complaint"
SUPERVISE = "counter.supervise_business"

# When the reply to the customer is due, counted from the moment the complaint is received.
REPLY_WITHIN = {
    Complaint.Severity.HIGH: timedelta(hours=24),
    Complaint.Severity.NORMAL: timedelta(days=3),
    Complaint.Severity.LOW: timedelta(days=5),
}
# Escalation goes up this ladder only.
ESCALATION_RANK = {
    Complaint.Escalation.NONE: 0,
    Complaint.Escalation.DUTY_MANAGER: 1,
    Complaint.Escalation.SUPERVISOR: 2,
}
# Callback answers that close the case; "dissatisfied" reopens it.
CLOSING_SATISFACTION = {
    Complaint.Satisfaction.SATISFIED,
    Complaint.Satisfaction.BASICALLY,
    Complaint.Satisfaction.UNREACHABLE,
}
# Channels a person records a complaint from; "rating device" drafts are opened by the device only.
RECEIVING_CHANNELS = [c for c in Complaint.Channel.values if c != Complaint.Channel.RATING_DEVICE]
MAX_TEXT = 4000


def _text(value, *, label: str, required: bool = False, limit: int = MAX_TEXT) -> str:
    value = (value or "").strip()
    if required and not value:
        raise CounterError(_("Fill in: %(fields)s.") % {"fields": label}, code="invalid")
    if len(value) > limit:
        raise CounterError(
            _("%(field)s is too long (at most %(limit)s characters).") % {"field": label, "limit": limit},
            code="invalid",
        )
    return value


def _choice(value, choices, *, label: str) -> str:
    if value not in choices:
        raise CounterError(_("Choose a valid %(field)s.") % {"field": label}, code="invalid")
    return value


def _event(complaint: Complaint, kind: str, *, at: datetime, by: User | None, to_user=None, note="") -> None:
    ComplaintEvent.objects.create(complaint=complaint, kind=kind, at=at, by=by, to_user=to_user, note=note)


def _save(complaint: Complaint, by: User | None, fields: list[str]) -> None:
    # The history row names the acting user even when no request is around (the API, a task).
    complaint._history_user = by
    complaint.save(update_fields=fields)


def _locked(complaint: Complaint) -> Complaint:
    """The complaint's row, locked, re-read: every action re-checks the state it found."""
    return Complaint.objects.select_for_update(of=("self",)).select_related("hall").get(pk=complaint.pk)


def _refuse_closed(complaint: Complaint) -> None:
    if complaint.status == Complaint.Status.CLOSED:
        raise CounterError(_("This complaint is closed."), code="closed")


def _refuse_draft(complaint: Complaint) -> None:
    if complaint.status == Complaint.Status.DRAFT:
        raise CounterError(_("Take this complaint first: nobody owns it yet."), code="invalid")


def may_work_on(complaint: Complaint, user: User) -> bool:
    """Escalate, resolve, call back: the owner, or a duty manager or supervisor, who handle complaints."""
    hall = complaint.hall
    return has_hall_perm(user, hall, HANDLE) and (
        complaint.owner_id == user.pk or has_hall_perm(user, hall, SUPERVISE)
    )


def may_hand_over(complaint: Complaint, user: User) -> bool:
    """The owner, or anyone who supervises the hall's business (a manager too)."""
    hall = complaint.hall
    if complaint.owner_id == user.pk and has_hall_perm(user, hall, HANDLE):
        return True
    return has_hall_perm(user, hall, SUPERVISE)


def may_take(complaint: Complaint, user: User) -> bool:
    hall = complaint.hall
    return has_hall_perm(user, hall, HANDLE) and has_hall_perm(user, hall, SUPERVISE)


def may_note(complaint: Complaint, user: User) -> bool:
    hall = complaint.hall
    return has_hall_perm(user, hall, HANDLE) or has_hall_perm(user, hall, SUPERVISE)


def may_mark_major(complaint: Complaint, user: User) -> bool:
    return Role.SUPERVISOR in roles_in_hall(user, complaint.hall)


def allowed_actions(complaint: Complaint, user: User) -> set[str]:
    """What the user may do to the complaint now, for the page's forms (the actions check it again)."""
    status = complaint.status
    if status == Complaint.Status.CLOSED:
        return {"major"} if may_mark_major(complaint, user) else set()
    actions = set()
    if status == Complaint.Status.DRAFT:
        if may_take(complaint, user):
            actions.add("take")
    else:
        if may_work_on(complaint, user):
            if status == Complaint.Status.RESOLVED:
                actions.add("callback")
            else:
                actions.add("resolve")
                if complaint.escalated_to != Complaint.Escalation.SUPERVISOR:
                    actions.add("escalate")
        if may_mark_major(complaint, user):
            actions.add("major")
    if may_hand_over(complaint, user):
        actions.add("hand_over")
    if may_note(complaint, user):
        actions.add("note")
    return actions


def _forbidden() -> CounterError:
    return CounterError(
        _("Only the complaint's owner or a duty manager or supervisor may do this."), code="forbidden"
    )


def default_reply_due(severity: str, at: datetime) -> datetime:
    return at + REPLY_WITHIN.get(severity, REPLY_WITHIN[Complaint.Severity.NORMAL])


def _future(due: datetime | None, at: datetime) -> datetime | None:
    if due is None:
        return None
    if timezone.is_naive(due):
        raise CounterError(_("Give the reply deadline with its time zone."), code="invalid")
    if due <= at:
        raise CounterError(_("The reply deadline must be in the future."), code="invalid")
    return due


def _number(hall: Hall, at: datetime) -> str:
    day = business_day(hall, at)
    n = Sequence.next(hall=hall, day=day, name="complaint")
    return f"TS{hall.pk:03d}{day:%Y%m%d}{n:03d}"


@transaction.atomic
def receive_complaint(
    *,
    hall: Hall,
    by: User,
    channel: str,
    category: str,
    cause: str,
    severity: str = Complaint.Severity.NORMAL,
    is_vip: bool = False,
    customer: Customer | None = None,
    account: GasAccount | None = None,
    visit: Visit | None = None,
    contact_name: str = "",
    contact_phone: str = "",
    description: str,
    wants: str = "",
    reply_due: datetime | None = None,
    at: datetime | None = None,
) -> Complaint:
    """Record a complaint; whoever receives it owns it (首问负责) until they hand it over."""
    at = now(at)
    require_hall_perm(by, hall, HANDLE)
    _choice(channel, RECEIVING_CHANNELS, label=_("channel"))
    _choice(category, Complaint.Category.values, label=_("category"))
    _choice(cause, Complaint.Cause.values, label=_("cause"))
    _choice(severity, Complaint.Severity.values, label=_("severity"))
    description = _text(description, label=_("what happened"), required=True)
    wants = _text(wants, label=_("what the customer wants"))
    contact_name = _text(contact_name, label=_("contact name"), limit=100)
    contact_phone = normalize_phone(contact_phone)
    if contact_phone:
        try:
            validate_phone(contact_phone)
        except ValidationError as exc:
            raise CounterError(" ".join(exc.messages), code="invalid") from None
    if visit is not None:
        if visit.hall_id != hall.pk:
            raise CounterError(_("No such visit in this hall."), code="not_found")
        account = account or visit.account
        customer = customer or visit.customer
    if account is not None:
        if account.company_id != hall.company_id:
            raise CounterError(_("No such account."), code="not_found")
        customer = customer or account.holder
    if customer is not None and customer.company_id != hall.company_id:
        raise CounterError(_("No such customer."), code="not_found")
    reply_due = _future(reply_due, at) or default_reply_due(severity, at)
    complaint = Complaint(
        hall=hall,
        number=_number(hall, at),
        status=Complaint.Status.OPEN,
        channel=channel,
        category=category,
        cause=cause,
        severity=severity,
        is_vip=bool(is_vip),
        customer=customer,
        account=account,
        visit=visit,
        contact_name=contact_name or (customer.name if customer is not None else ""),
        contact_phone=contact_phone,
        description=description,
        wants=wants,
        received_at=at,
        received_by=by,
        owner=by,
        reply_due=reply_due,
    )
    complaint._history_user = by
    complaint.save()
    _event(complaint, ComplaintEvent.Kind.RECEIVED, at=at, by=by, to_user=by)
    return complaint


@transaction.atomic(savepoint=False)
def open_draft_from_rating(*, rating: Rating, at: datetime | None = None) -> Complaint:
    """A 不满意 on the rating device opens a draft complaint for the duty manager: nobody owns it until
    someone takes it; it carries the visit, the account, the customer (and through the visit, the rep)."""
    at = now(at)
    if rating.complaint_id is not None:
        raise CounterError(_("This rating already has a complaint."), code="invalid")
    visit = rating.visit
    hall = rating.hall
    complaint = Complaint.objects.create(
        hall=hall,
        number=_number(hall, at),
        status=Complaint.Status.DRAFT,
        channel=Complaint.Channel.RATING_DEVICE,
        category=Complaint.Category.SERVICE,
        severity=Complaint.Severity.NORMAL,
        customer_id=visit.customer_id,
        account_id=visit.account_id,
        visit=visit,
        contact_name=visit.customer.name if visit.customer_id else "",
        received_at=at,
        reply_due=default_reply_due(Complaint.Severity.NORMAL, at),
    )
    _event(complaint, ComplaintEvent.Kind.RECEIVED, at=at, by=None)
    rating.complaint = complaint
    rating.save(update_fields=["complaint"])
    return complaint


@transaction.atomic
def take_complaint(*, complaint: Complaint, by: User, at: datetime | None = None) -> Complaint:
    """A duty manager or supervisor takes a draft (from a rating): it opens, and they own it.
    Taking the draft also acknowledges the rating's alert."""
    at = now(at)
    complaint = _locked(complaint)
    if not may_take(complaint, by):
        raise CounterError(_("A duty manager or supervisor takes the drafts from ratings."), code="forbidden")
    if complaint.status != Complaint.Status.DRAFT:
        raise CounterError(
            _("Only a draft can be taken: this complaint already has an owner."), code="invalid"
        )
    complaint.status = Complaint.Status.OPEN
    complaint.owner = by
    complaint.received_by = by
    _save(complaint, by, ["status", "owner", "received_by"])
    _event(complaint, ComplaintEvent.Kind.TAKEN, at=at, by=by, to_user=by)
    for rating in Rating.objects.select_for_update().filter(
        complaint=complaint, acknowledged_at__isnull=True
    ):
        rating.acknowledged_at = at
        rating.acknowledged_by = by
        rating._history_user = by
        rating.save(update_fields=["acknowledged_at", "acknowledged_by"])
    return complaint


def may_handle(user: User, hall: Hall) -> bool:
    return has_hall_perm(user, hall, HANDLE)


@transaction.atomic
def hand_over(
    *, complaint: Complaint, to_user: User, by: User, note: str, at: datetime | None = None
) -> Complaint:
    """Hand the complaint to a colleague explicitly, with a note: they own it from now on.
    A supervisor may also hand an untaken draft to someone, which opens it."""
    at = now(at)
    complaint = _locked(complaint)
    if not may_hand_over(complaint, by):
        raise _forbidden()
    _refuse_closed(complaint)
    note = _text(note, label=_("note"), required=True)
    if to_user is None or not to_user.is_active or not may_handle(to_user, complaint.hall):
        raise CounterError(
            _("The complaint can only be handed to a colleague who handles complaints in this hall."),
            code="invalid",
        )
    if to_user.pk == complaint.owner_id:
        raise CounterError(
            _("%(name)s already owns this complaint.") % {"name": to_user.display_name}, code="invalid"
        )
    fields = ["owner"]
    if complaint.status == Complaint.Status.DRAFT:
        complaint.status = Complaint.Status.OPEN
        complaint.received_by = by
        fields += ["status", "received_by"]
    complaint.owner = to_user
    _save(complaint, by, fields)
    _event(complaint, ComplaintEvent.Kind.HANDED_OVER, at=at, by=by, to_user=to_user, note=note)
    return complaint


@transaction.atomic
def escalate(
    *,
    complaint: Complaint,
    to: str,
    by: User,
    note: str,
    reply_due: datetime | None = None,
    at: datetime | None = None,
) -> Complaint:
    """Escalate to the duty manager or the supervisor (upwards only), optionally with a new deadline.
    The owner does not change: escalation asks for help, it does not hand the customer on."""
    at = now(at)
    complaint = _locked(complaint)
    if not may_work_on(complaint, by):
        raise _forbidden()
    _refuse_closed(complaint)
    _refuse_draft(complaint)
    if complaint.status == Complaint.Status.RESOLVED:
        raise CounterError(
            _("This complaint is resolved and waits for its callback: record the callback instead."),
            code="invalid",
        )
    if to not in (Complaint.Escalation.DUTY_MANAGER, Complaint.Escalation.SUPERVISOR):
        raise CounterError(_("Escalate to the duty manager or the supervisor."), code="invalid")
    if ESCALATION_RANK[to] <= ESCALATION_RANK[complaint.escalated_to]:
        raise CounterError(
            _("This complaint is already escalated to the %(level)s.")
            % {"level": complaint.get_escalated_to_display()},
            code="invalid",
        )
    note = _text(note, label=_("note"), required=True)
    complaint.escalated_to = to
    fields = ["escalated_to"]
    if complaint.status == Complaint.Status.OPEN:
        complaint.status = Complaint.Status.ESCALATED
        fields.append("status")
    due = _future(reply_due, at)
    if due is not None:
        complaint.reply_due = due
        fields.append("reply_due")
    _save(complaint, by, fields)
    _event(complaint, ComplaintEvent.Kind.ESCALATED, at=at, by=by, note=note)
    return complaint


@transaction.atomic
def add_note(*, complaint: Complaint, note: str, by: User, at: datetime | None = None) -> ComplaintEvent:
    """Anyone who handles complaints in the hall may add what they know to the timeline."""
    at = now(at)
    complaint = _locked(complaint)
    if not may_note(complaint, by):
        raise CounterError(_("Your role does not allow this."), code="forbidden")
    _refuse_closed(complaint)
    note = _text(note, label=_("note"), required=True)
    return ComplaintEvent.objects.create(
        complaint=complaint, kind=ComplaintEvent.Kind.NOTE, at=at, by=by, note=note
    )


@transaction.atomic
def resolve(
    *, complaint: Complaint, resolution: str, closing: str, by: User, at: datetime | None = None
) -> Complaint:
    """Record how it was resolved, and whether the customer was thanked or apologised to."""
    at = now(at)
    complaint = _locked(complaint)
    if not may_work_on(complaint, by):
        raise _forbidden()
    _refuse_closed(complaint)
    _refuse_draft(complaint)
    if complaint.status == Complaint.Status.RESOLVED:
        raise CounterError(_("This complaint is already resolved: record the callback."), code="invalid")
    resolution = _text(resolution, label=_("resolution"), required=True)
    _choice(closing, Complaint.Closing.values, label=_("closing words"))
    complaint.status = Complaint.Status.RESOLVED
    complaint.resolution = resolution
    complaint.closing = closing
    complaint.resolved_at = at
    _save(complaint, by, ["status", "resolution", "closing", "resolved_at"])
    _event(
        complaint,
        ComplaintEvent.Kind.RESOLVED,
        at=at,
        by=by,
        note=f"{complaint.get_closing_display()}: {resolution}",
    )
    return complaint


@transaction.atomic
def record_callback(
    *, complaint: Complaint, satisfaction: str, note: str, by: User, at: datetime | None = None
) -> Complaint:
    """The callback (回访) after the resolution: closes the case, or reopens it if the customer is not
    satisfied (see the module's rules)."""
    at = now(at)
    complaint = _locked(complaint)
    if not may_work_on(complaint, by):
        raise _forbidden()
    _refuse_closed(complaint)
    if complaint.status != Complaint.Status.RESOLVED:
        raise CounterError(_("Call the customer back once the complaint is resolved."), code="invalid")
    _choice(satisfaction, Complaint.Satisfaction.values, label=_("satisfaction"))
    note = _text(note, label=_("callback note"))
    complaint.callback_at = at
    complaint.callback_satisfaction = satisfaction
    complaint.callback_note = note
    fields = ["callback_at", "callback_satisfaction", "callback_note", "status"]
    summary = complaint.get_callback_satisfaction_display()
    _event(
        complaint, ComplaintEvent.Kind.CALLBACK, at=at, by=by, note=f"{summary}: {note}" if note else summary
    )
    if satisfaction in CLOSING_SATISFACTION:
        complaint.status = Complaint.Status.CLOSED
        _save(complaint, by, fields)
        _event(complaint, ComplaintEvent.Kind.CLOSED, at=at, by=by)
    else:
        complaint.status = Complaint.Status.ESCALATED if complaint.escalated_to else Complaint.Status.OPEN
        complaint.resolved_at = None
        complaint.reply_due = default_reply_due(complaint.severity, at)
        _save(complaint, by, [*fields, "resolved_at", "reply_due"])
    return complaint


@transaction.atomic
def mark_major(
    *, complaint: Complaint, level: str, justified: bool, by: User, at: datetime | None = None
) -> Complaint:
    """A supervisor records the level a complaint reached (authority, group, region, company leadership)
    and whether it was found justified; "" clears it. Allowed on closed complaints too (see the module)."""
    at = now(at)
    complaint = _locked(complaint)
    if not may_mark_major(complaint, by):
        raise CounterError(_("Only a supervisor may mark a complaint major."), code="forbidden")
    _refuse_draft(complaint)
    _choice(level, Complaint.MajorLevel.values, label=_("level"))
    justified = bool(justified) and bool(level)
    if complaint.major_level == level and complaint.major_justified == justified:
        raise CounterError(_("Nothing to change."), code="invalid")
    complaint.major_level = level
    complaint.major_justified = justified
    _save(complaint, by, ["major_level", "major_justified"])
    if level:
        verdict = _("found justified") if justified else _("not found justified")
        note = f"{complaint.get_major_level_display()} · {verdict}"
    else:
        note = str(Complaint.MajorLevel.NONE.label)
    _event(complaint, ComplaintEvent.Kind.MAJOR, at=at, by=by, note=note)
    return complaint


def may_reveal_phone(complaint: Complaint, user: User) -> bool:
    """The owner calls the customer back; those who may unmask customers' data may see it too."""
    return (complaint.owner_id == user.pk and has_hall_perm(user, complaint.hall, HANDLE)) or has_hall_perm(
        user, complaint.hall, "counter.unmask_customer"
    )


@transaction.atomic
def reveal_contact_phone(*, complaint: Complaint, by: User) -> str:
    """The complaint's contact phone in full (it is shown masked); the showing is an audit event."""
    if not complaint.contact_phone:
        raise CounterError(_("This complaint has no contact phone."), code="invalid")
    if not may_reveal_phone(complaint, by):
        raise CounterError(_("Your role does not allow this."), code="forbidden")
    record_unmask(
        by=by,
        hall=complaint.hall,
        subject=complaint.number,
        detail={"complaint_id": complaint.pk, "field": "contact_phone"},
    )
    return complaint.contact_phone
