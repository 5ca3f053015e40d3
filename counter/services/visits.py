"""A visit at a window: started when the called customer arrives, walked through the six steps of
article 9, linked to the customer's account, and ended with one or more businesses recorded."""

from django.db import transaction
from django.utils.translation import gettext as _

from counter.errors import CounterError
from counter.models import GasAccount, Ticket, Visit
from counter.services.common import now
from counter.services.queue import requeue_ticket, require_post, ticket_at_my_window
from servicecenter.clock import business_day
from servicecenter.models import Hall, User

STEP_ORDER = [step for step, _label in Visit.Step.choices]


@transaction.atomic
def start_visit(*, user: User, hall: Hall, ticket_id: int, at=None) -> Visit:
    """The called customer has come to the window: service starts (the waiting time ends at the call)."""
    at = now(at)
    post, ticket = ticket_at_my_window(
        user=user, hall=hall, ticket_id=ticket_id, statuses=[Ticket.Status.CALLED]
    )
    ticket.status = Ticket.Status.SERVING
    ticket.service_started_at = at
    ticket.save(update_fields=["status", "service_started_at"])
    return Visit.objects.create(
        hall=hall,
        business_day=business_day(hall, at),
        ticket=ticket,
        window=post.window,
        rep=user,
        started_at=at,
    )


def _my_visit(*, user: User, hall: Hall, visit_id: int) -> Visit:
    visit = (
        Visit.objects.select_for_update(of=("self",))
        .select_related("ticket", "window")
        .filter(pk=visit_id, hall=hall)
        .first()
    )
    if visit is None:
        raise CounterError(_("No such visit in this hall."), code="not_found")
    if visit.rep_id != user.pk:
        raise CounterError(_("This customer is being served by a colleague."), code="forbidden")
    if not visit.is_open:
        raise CounterError(_("This visit has ended."), code="invalid")
    return visit


@transaction.atomic
def attach_account(*, user: User, hall: Hall, visit_id: int, account: GasAccount) -> Visit:
    """The customer's account, found by lookup, becomes the visit's account (and its holder the customer)."""
    visit = _my_visit(user=user, hall=hall, visit_id=visit_id)
    if account.company_id != hall.company_id:
        raise CounterError(_("No such account."), code="not_found")
    visit.account = account
    visit.customer_id = account.holder_id
    visit.save(update_fields=["account", "customer"])
    return visit


@transaction.atomic
def set_step(*, user: User, hall: Hall, visit_id: int, step: str, intent: str | None = None) -> Visit:
    """Move the visit to one of the six steps (reps may go back); the intent is noted at step 2."""
    visit = _my_visit(user=user, hall=hall, visit_id=visit_id)
    if step not in STEP_ORDER:
        raise CounterError(_("Unknown step."), code="invalid")
    fields = ["step"]
    visit.step = step
    if intent is not None:
        visit.intent = intent.strip()[:200]
        fields.append("intent")
    if STEP_ORDER.index(step) > STEP_ORDER.index(Visit.Step.VAS):
        visit.vas_offered = True
        fields.append("vas_offered")
    visit.save(update_fields=fields)
    return visit


@transaction.atomic
def request_rating(*, user: User, hall: Hall, visit_id: int, at=None) -> Visit:
    """Farewell: the rating device at the window shows its four buttons for this visit."""
    visit = _my_visit(user=user, hall=hall, visit_id=visit_id)
    visit.step = Visit.Step.FAREWELL
    visit.rating_requested_at = now(at)
    visit.save(update_fields=["step", "rating_requested_at"])
    return visit


@transaction.atomic
def end_visit(*, user: User, hall: Hall, visit_id: int, at=None) -> Visit:
    """The customer leaves: the visit needs at least one business recorded; the ticket is served."""
    at = now(at)
    visit = _my_visit(user=user, hall=hall, visit_id=visit_id)
    if not (visit.businesses.exists() or visit.complaints.exists()):
        raise CounterError(
            _("Record at least one business (a consultation or a complaint counts) before ending the visit."),
            code="invalid",
        )
    visit.ended_at = at
    fields = ["ended_at"]
    if visit.rating_requested_at is None:
        # The device still asks for the rating of a visit ended without the farewell step.
        visit.rating_requested_at = at
        fields.append("rating_requested_at")
    visit.save(update_fields=fields)
    if visit.ticket is not None:
        ticket = visit.ticket
        ticket.status = Ticket.Status.DONE
        ticket.finished_at = at
        ticket.save(update_fields=["status", "finished_at"])
    return visit


@transaction.atomic
def transfer_visit(
    *, user: User, hall: Hall, visit_id: int, to_window=None, to_category=None, at=None
) -> Visit:
    """Send the customer on to another window or queue: the visit here ends, the ticket waits again there.
    What was recorded here stays with this visit."""
    at = now(at)
    visit = _my_visit(user=user, hall=hall, visit_id=visit_id)
    if visit.ticket is None:
        raise CounterError(_("This visit has no ticket to transfer."), code="invalid")
    post = require_post(user, hall)
    ticket = Ticket.objects.select_for_update(of=("self",)).get(pk=visit.ticket_id)
    requeue_ticket(ticket=ticket, post=post, to_window=to_window, to_category=to_category)
    visit.ended_at = at
    visit.save(update_fields=["ended_at"])
    return visit
