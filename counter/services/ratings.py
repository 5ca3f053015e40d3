"""The rating device at each window (客户评价器): pairing and revoking tablets, and the customer's rating.

A device signs in with its own random token; only the token's SHA-256 is stored, so a leaked database does
not let anyone rate. A window has at most one active device: pairing again revokes the old one. A rating
is accepted only for the visit the device is showing now (see `pending_visit`), once, from the device at
that visit's window. A 不满意 (dissatisfied) opens a draft complaint and raises an alert for the duty
manager until someone acknowledges it.
"""

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.db import transaction
from django.utils.translation import gettext as _

from counter.errors import CounterError
from counter.models import Rating, RatingDevice, Visit, WindowPost
from counter.services import pairing
from counter.services.common import now, require_hall_perm
from counter.services.complaints import open_draft_from_rating
from servicecenter.models import Hall, User, Window

MANAGE = "counter.manage_rating_devices"
# How long after the farewell the device still asks for the rating of a visit.
RATING_WINDOW = timedelta(minutes=10)


@transaction.atomic
def pair_device(
    *, hall: Hall, window: Window, name: str, by: User, at: datetime | None = None
) -> tuple[RatingDevice, str]:
    """A new device for the window, and its token, which is shown once and never stored.
    The window's active device, if any, is revoked."""
    at = now(at)
    require_hall_perm(by, hall, MANAGE)
    if window.hall_id != hall.pk:
        raise CounterError(_("This window belongs to another hall."), code="not_found")
    name = (name or "").strip()[:50] or str(window)
    for old in RatingDevice.objects.select_for_update().filter(window=window, revoked_at__isnull=True):
        old.revoked_at = at
        old._history_user = by
        old.save(update_fields=["revoked_at"])
    raw, token_hash = pairing.new_token()
    device = RatingDevice(
        hall=hall, window=window, name=name, token_hash=token_hash, created_at=at, created_by=by
    )
    device._history_user = by
    device.save()
    return device, raw


@transaction.atomic
def revoke_device(*, device: RatingDevice, by: User, at: datetime | None = None) -> RatingDevice:
    """The device's token stops working at once (a lost or replaced tablet)."""
    at = now(at)
    device = RatingDevice.objects.select_for_update().select_related("hall").get(pk=device.pk)
    require_hall_perm(by, device.hall, MANAGE)
    if device.revoked_at is not None:
        raise CounterError(_("This device is already revoked."), code="invalid")
    device.revoked_at = at
    device._history_user = by
    device.save(update_fields=["revoked_at"])
    return device


def device_for_token(raw: str | None, *, at: datetime | None = None) -> RatingDevice | None:
    """The active device holding this token, or None; notes when it was last seen (at most once a minute)."""
    return pairing.find_active(RatingDevice.objects.select_related("hall", "window"), raw, at=now(at))


def pending_visit(device: RatingDevice, *, at: datetime | None = None) -> Visit | None:
    """The visit the device asks the customer to rate: the latest visit started at its window, if the rep
    asked for the rating in the last ten minutes and it is not rated yet. A newer visit at the window
    (the next customer) ends the chance to rate the previous one."""
    at = now(at)
    latest = (
        Visit.objects.filter(window_id=device.window_id)
        .select_related("rep", "ticket", "rating")
        .order_by("-started_at", "-pk")
        .first()
    )
    if latest is None or latest.rating_requested_at is None:
        return None
    if not (at - RATING_WINDOW <= latest.rating_requested_at <= at):
        return None
    if hasattr(latest, "rating"):
        return None
    return latest


@dataclass
class DeviceScreen:
    """What the customer sees: the window, the rep serving there, and the visit to rate, if any."""

    device: RatingDevice
    hall: Hall
    window: Window
    rep: User | None
    paused: bool
    visit: Visit | None

    @property
    def state(self) -> str:
        if self.visit is not None:
            return "rating"
        if self.rep is None:
            return "closed"
        return "paused" if self.paused else "serving"


def device_screen(device: RatingDevice, *, at: datetime | None = None) -> DeviceScreen:
    """The device's screen in two queries, whatever the hall's history."""
    at = now(at)
    visit = pending_visit(device, at=at)
    post = WindowPost.objects.filter(window_id=device.window_id).active().select_related("user").first()
    rep = visit.rep if visit is not None else (post.user if post is not None else None)
    return DeviceScreen(
        device=device,
        hall=device.hall,
        window=device.window,
        rep=rep,
        paused=post is not None and post.status == WindowPost.Status.PAUSED,
        visit=visit,
    )


@transaction.atomic
def submit_rating(*, device: RatingDevice, visit_id, score, at: datetime | None = None) -> Rating:
    """The customer pressed one of the four buttons. A 不满意 opens a draft complaint for the duty manager."""
    at = now(at)
    device = RatingDevice.objects.select_for_update().select_related("hall", "window").get(pk=device.pk)
    if device.revoked_at is not None:
        raise CounterError(_("This device is not paired."), code="forbidden")
    try:
        score = int(score)
        visit_id = int(visit_id)
    except (TypeError, ValueError):
        raise CounterError(_("Choose one of the four ratings."), code="invalid") from None
    if score not in Rating.Score.values:
        raise CounterError(_("Choose one of the four ratings."), code="invalid")
    visit = (
        Visit.objects.select_for_update(of=("self",))
        .select_related("customer")
        .filter(pk=visit_id, hall_id=device.hall_id)
        .first()
    )
    if visit is None:
        raise CounterError(_("No such visit in this hall."), code="not_found")
    if visit.window_id != device.window_id:
        raise CounterError(_("This visit was served at another window."), code="invalid")
    if Rating.objects.filter(visit_id=visit.pk).exists():
        raise CounterError(_("This visit has already been rated."), code="invalid")
    pending = pending_visit(device, at=at)
    if pending is None or pending.pk != visit.pk:
        raise CounterError(_("This visit is not waiting for a rating."), code="invalid")
    rating = Rating.objects.create(
        hall=device.hall,
        business_day=visit.business_day,
        visit=visit,
        ticket_id=visit.ticket_id,
        rep_id=visit.rep_id,
        window_id=visit.window_id,
        device=device,
        score=score,
        at=at,
    )
    if score == Rating.Score.DISSATISFIED:
        open_draft_from_rating(rating=rating, at=at)
    return rating


@transaction.atomic
def acknowledge_alert(*, rating: Rating, by: User, at: datetime | None = None) -> Rating:
    """The duty manager has seen the 不满意 alert (the draft complaint stays until someone takes it)."""
    at = now(at)
    rating = Rating.objects.select_for_update(of=("self",)).select_related("hall").get(pk=rating.pk)
    require_hall_perm(by, rating.hall, "counter.supervise_business")
    if rating.score != Rating.Score.DISSATISFIED:
        raise CounterError(_("Only a “Dissatisfied” rating raises an alert."), code="invalid")
    if rating.acknowledged_at is not None:
        raise CounterError(_("This alert has already been acknowledged."), code="invalid")
    rating.acknowledged_at = at
    rating.acknowledged_by = by
    rating._history_user = by
    rating.save(update_fields=["acknowledged_at", "acknowledged_by"])
    return rating
