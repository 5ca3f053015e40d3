"""The queue: issuing tickets, reps' posts at windows, calling, recalling, no-shows and transfers.

Calling the next ticket takes the row lock with SKIP LOCKED: two reps calling at the same moment lock
different tickets, so nobody is called to two windows and no rep waits behind another's transaction.
"""

from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils.translation import gettext as _

from counter.errors import CounterError
from counter.models import Call, Sequence, Ticket, TicketCategory, WindowPost
from counter.selectors import queue as queue_selectors
from counter.services.common import now
from servicecenter.clock import business_day
from servicecenter.models import Hall, User, Window


@transaction.atomic
def issue_ticket(
    *, hall: Hall, category: TicketCategory, priority: bool = False, by: User | None = None, at=None
) -> Ticket:
    """A new numbered ticket for today's queue of `category` (A001, A002 …)."""
    at = now(at)
    if category.hall_id != hall.pk:
        raise CounterError(_("This queue belongs to another hall."), code="not_found")
    if not category.is_active:
        raise CounterError(_("The queue “%(name)s” is closed.") % {"name": category.name}, code="invalid")
    day = business_day(hall, at)
    number = Sequence.next(hall=hall, day=day, name=f"ticket:{category.prefix}")
    if number > 999:
        raise CounterError(_("The queue “%(name)s” has run out of numbers today.") % {"name": category.name})
    waiting = Ticket.objects.filter(
        hall=hall, business_day=day, category=category, status=Ticket.Status.WAITING
    )
    ahead = waiting.filter(priority=True).count() if priority else waiting.count()
    return Ticket.objects.create(
        hall=hall,
        business_day=day,
        category=category,
        number=number,
        code=f"{category.prefix}{number:03d}",
        priority=priority,
        issued_at=at,
        issued_by=by if by is not None and by.is_authenticated else None,
        waiting_ahead=ahead,
    )


def require_post(user: User, hall: Hall) -> WindowPost:
    post = queue_selectors.current_post(user=user, hall=hall, lock=True)
    if post is None:
        raise CounterError(_("Sign on at a window first."), code="no_post")
    return post


@transaction.atomic
def open_post(*, hall: Hall, window: Window, user: User, categories=(), at=None) -> WindowPost:
    """Sign on at a window to call tickets (optionally only some queues)."""
    at = now(at)
    if window.hall_id != hall.pk:
        raise CounterError(_("This window belongs to another hall."), code="not_found")
    if not window.is_active:
        raise CounterError(_("%(window)s is out of service.") % {"window": window}, code="invalid")
    categories = list(categories)
    if any(c.hall_id != hall.pk for c in categories):
        raise CounterError(_("This queue belongs to another hall."), code="not_found")
    # Lock the window so that two reps signing on at it at once are told, not failed.
    Window.objects.select_for_update().filter(pk=window.pk).first()
    if WindowPost.objects.filter(user=user).active().exists():
        raise CounterError(_("You are already signed on at a window: sign off there first."), code="invalid")
    taken = WindowPost.objects.filter(window=window).active().first()
    if taken is not None:
        raise CounterError(
            _("%(window)s is taken by %(user)s.") % {"window": window, "user": taken.user.display_name},
            code="invalid",
        )
    try:
        with transaction.atomic():
            post = WindowPost.objects.create(hall=hall, window=window, user=user, started_at=at)
    except IntegrityError as exc:  # the same rep signing on at two windows at the same moment
        raise CounterError(
            _("You are already signed on at a window: sign off there first."), code="invalid"
        ) from exc
    if categories:
        post.categories.set(categories)
    return post


@transaction.atomic
def pause_post(*, user: User, hall: Hall) -> WindowPost:
    post = require_post(user, hall)
    post.status = WindowPost.Status.PAUSED
    post.save(update_fields=["status"])
    return post


@transaction.atomic
def resume_post(*, user: User, hall: Hall) -> WindowPost:
    post = require_post(user, hall)
    post.status = WindowPost.Status.OPEN
    post.save(update_fields=["status"])
    return post


@transaction.atomic
def end_post(*, user: User, hall: Hall, at=None) -> WindowPost:
    """Sign off. Refused while a customer is called or being served at the window: nothing is left behind."""
    post = require_post(user, hall)
    current = queue_selectors.ticket_at_window(post.window)
    if current is not None:
        raise CounterError(
            _("Ticket %(ticket)s is still at your window: finish, transfer or mark it no-show first.")
            % {"ticket": current.code},
            code="invalid",
        )
    post.status = WindowPost.Status.ENDED
    post.ended_at = now(at)
    post.save(update_fields=["status", "ended_at"])
    # Tickets sent to this window go back to the hall's queue, keeping their place.
    for ticket in Ticket.objects.filter(target_window=post.window, status=Ticket.Status.WAITING):
        ticket.target_window = None
        ticket.save(update_fields=["target_window"])
    return post


@transaction.atomic
def call_next(*, user: User, hall: Hall, at=None) -> Ticket:
    """Call the next ticket to the rep's window: priority tickets first, then the longest waiting."""
    at = now(at)
    post = require_post(user, hall)
    if post.status == WindowPost.Status.PAUSED:
        raise CounterError(_("Your window is paused: resume it to call."), code="invalid")
    current = queue_selectors.ticket_at_window(post.window)
    if current is not None:
        raise CounterError(
            _("Ticket %(ticket)s is still at your window.") % {"ticket": current.code}, code="invalid"
        )
    waiting = Ticket.objects.filter(
        hall=hall, business_day=business_day(hall, at), status=Ticket.Status.WAITING
    ).filter(Q(target_window__isnull=True) | Q(target_window=post.window))
    category_ids = list(post.categories.values_list("pk", flat=True))
    if category_ids:
        waiting = waiting.filter(category_id__in=category_ids)
    ticket = (
        waiting.order_by("-priority", "issued_at", "pk")
        .select_for_update(skip_locked=True, of=("self",))
        .select_related("category")
        .first()
    )
    if ticket is None:
        raise CounterError(_("Nobody is waiting."), code="empty_queue")
    ticket.status = Ticket.Status.CALLED
    ticket.window = post.window
    ticket.served_by = user
    ticket.call_count = 1
    ticket.first_called_at = ticket.first_called_at or at
    ticket.last_called_at = at
    ticket.save(
        update_fields=["status", "window", "served_by", "call_count", "first_called_at", "last_called_at"]
    )
    Call.objects.create(hall=hall, ticket=ticket, window=post.window, kind=Call.Kind.CALL, at=at, by=user)
    return ticket


def ticket_at_my_window(
    *, user: User, hall: Hall, ticket_id: int, statuses=(Ticket.Status.CALLED,)
) -> tuple[WindowPost, Ticket]:
    post = require_post(user, hall)
    ticket = (
        Ticket.objects.select_for_update(of=("self",))
        .select_related("category")
        .filter(pk=ticket_id, hall=hall)
        .first()
    )
    if ticket is None:
        raise CounterError(_("No such ticket in this hall."), code="not_found")
    if ticket.window_id != post.window_id or ticket.status not in statuses:
        raise CounterError(
            _("Ticket %(ticket)s is not at your window.") % {"ticket": ticket.code}, code="invalid"
        )
    return post, ticket


@transaction.atomic
def recall(*, user: User, hall: Hall, ticket_id: int, at=None) -> Ticket:
    """Call the same ticket again: the display announces it again."""
    at = now(at)
    post, ticket = ticket_at_my_window(
        user=user, hall=hall, ticket_id=ticket_id, statuses=[Ticket.Status.CALLED]
    )
    ticket.call_count += 1
    ticket.last_called_at = at
    ticket.save(update_fields=["call_count", "last_called_at"])
    Call.objects.create(hall=hall, ticket=ticket, window=post.window, kind=Call.Kind.RECALL, at=at, by=user)
    return ticket


@transaction.atomic
def mark_no_show(*, user: User, hall: Hall, ticket_id: int, at=None) -> Ticket:
    """The customer did not come after N calls; they must take a new ticket."""
    at = now(at)
    _post, ticket = ticket_at_my_window(
        user=user, hall=hall, ticket_id=ticket_id, statuses=[Ticket.Status.CALLED]
    )
    needed = queue_selectors.counter_settings(hall).no_show_after_calls
    if ticket.call_count < needed:
        raise CounterError(
            _(
                "Ticket %(ticket)s has been called %(count)s time(s): "
                "call it %(needed)s times before marking it a no-show."
            )
            % {"ticket": ticket.code, "count": ticket.call_count, "needed": needed},
            code="invalid",
        )
    ticket.status = Ticket.Status.NO_SHOW
    ticket.finished_at = at
    ticket.save(update_fields=["status", "finished_at"])
    return ticket


@transaction.atomic
def transfer_ticket(
    *,
    user: User,
    hall: Hall,
    ticket_id: int,
    to_window: Window | None = None,
    to_category: TicketCategory | None = None,
    at=None,
) -> Ticket:
    """Send a called ticket to another window or queue; it keeps its place (its issue time) there.

    A ticket whose visit has started is transferred by ending the visit (counter.services.visits)."""
    post, ticket = ticket_at_my_window(
        user=user, hall=hall, ticket_id=ticket_id, statuses=[Ticket.Status.CALLED]
    )
    return requeue_ticket(ticket=ticket, post=post, to_window=to_window, to_category=to_category)


def requeue_ticket(*, ticket: Ticket, post: WindowPost, to_window, to_category) -> Ticket:
    if to_window is None and to_category is None:
        raise CounterError(_("Choose the window or the queue to transfer to."), code="invalid")
    if to_window is not None:
        if to_window.hall_id != ticket.hall_id:
            raise CounterError(_("This window belongs to another hall."), code="not_found")
        if to_window.pk == post.window_id:
            raise CounterError(_("The ticket is already at this window."), code="invalid")
        if not to_window.is_active:
            raise CounterError(_("%(window)s is out of service.") % {"window": to_window}, code="invalid")
        there = WindowPost.objects.filter(window=to_window).active().prefetch_related("categories").first()
        category = to_category or ticket.category
        if there is None:
            raise CounterError(_("Nobody is at %(window)s to serve the ticket.") % {"window": to_window})
        served = [c.pk for c in there.categories.all()]
        if served and category.pk not in served:
            raise CounterError(
                _("%(window)s does not call the queue “%(queue)s”.")
                % {"window": to_window, "queue": category.name}
            )
    if to_category is not None and (to_category.hall_id != ticket.hall_id or not to_category.is_active):
        raise CounterError(_("This queue is not open in this hall."), code="invalid")
    with transaction.atomic(savepoint=False):
        ticket.status = Ticket.Status.WAITING
        ticket.window = None
        ticket.served_by = None
        ticket.call_count = 0
        ticket.service_started_at = None
        ticket.target_window = to_window
        if to_category is not None:
            ticket.category = to_category
        ticket.save(
            update_fields=[
                "status",
                "window",
                "served_by",
                "call_count",
                "service_started_at",
                "target_window",
                "category",
            ]
        )
    return ticket
