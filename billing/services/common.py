"""What every billing service needs: the clock, the permission check, amounts parsed strictly, the day."""

from datetime import date, datetime
from decimal import Decimal, InvalidOperation

from django.utils import timezone
from django.utils.translation import gettext as _

from billing.errors import BillingError
from billing.models import HallDay
from servicecenter.errors import DomainError
from servicecenter.models import Hall, User
from servicecenter.money import format_cny, quantize
from servicecenter.scoping import has_hall_perm

# No payment, line, float or deposit at a gas counter comes near this: anything above is a typing slip.
MAX_AMOUNT = Decimal("1000000.00")


def now(at: datetime | None) -> datetime:
    return at or timezone.now()


def require_hall_perm(user: User, hall: Hall, perm: str) -> None:
    if not has_hall_perm(user, hall, perm):
        raise BillingError(_("Your role does not allow this."), code="forbidden")


def parse_amount(value, *, label: str, allow_zero: bool = False) -> Decimal:
    """An amount typed by a person or sent by a client: a number with at most 2 decimals, positive (or zero
    when allowed), below MAX_AMOUNT. Anything else is refused with a message naming the field."""
    if isinstance(value, float):
        raise TypeError("money is never a float")
    text = str(value).strip().replace(",", "").replace("¥", "").replace("￥", "") if value is not None else ""
    if not text:
        raise BillingError(_("%(field)s: enter an amount.") % {"field": label})
    try:
        amount = Decimal(text)
    except InvalidOperation:
        raise BillingError(
            _("%(field)s: “%(value)s” is not an amount.") % {"field": label, "value": text[:20]}
        ) from None
    if not amount.is_finite():
        raise BillingError(
            _("%(field)s: “%(value)s” is not an amount.") % {"field": label, "value": text[:20]}
        )
    if amount < 0 or (amount == 0 and not allow_zero):
        raise BillingError(_("%(field)s: the amount must be more than zero.") % {"field": label})
    if amount >= MAX_AMOUNT:
        raise BillingError(
            _("%(field)s: amounts of %(max)s or more are not taken at a counter.")
            % {"field": label, "max": format_cny(MAX_AMOUNT)}
        )
    if amount != amount.quantize(Decimal("0.01")):
        raise BillingError(_("%(field)s: at most 2 decimals (fen).") % {"field": label})
    return quantize(amount)


def lock_open_day(*, hall: Hall, day: date) -> HallDay:
    """The day's row under an exclusive lock, refused once approved or locked (numbering, reports)."""
    hall_day = HallDay.lock(hall=hall, day=day)
    _refuse_closed(hall_day)
    return hall_day


def reason_given(reason, *, limit: int = 200) -> str:
    """The reason a person gave for a void, a send-back or a cancellation: required, cut to `limit`."""
    reason = " ".join(str(reason or "").split())
    if len(reason) < 2:
        raise BillingError(_("Give the reason."))
    return reason[:limit]


def hold_open_day(*, hall: Hall, day: date) -> HallDay:
    """Hold the business day (shared lock) for a money write; refused once it is approved or locked."""
    hall_day = HallDay.hold(hall=hall, day=day)
    _refuse_closed(hall_day)
    return hall_day


def _refuse_closed(hall_day: HallDay) -> None:
    refuse_closed_day(state=hall_day.state, day=hall_day.day)


def refuse_closed_day(*, state: str, day: date) -> None:
    """Refuse a money write on a day that is approved or locked."""
    if state == HallDay.State.LOCKED:
        raise BillingError(
            _("The business day %(day)s is locked: nothing on it can change.") % {"day": day}, code="locked"
        )
    if state == HallDay.State.APPROVED:
        raise BillingError(
            _("The business day %(day)s has been approved: nothing more can be recorded on it.")
            % {"day": day},
            code="locked",
        )


def as_billing_error(error: DomainError) -> BillingError:
    """Another app's refusal inside a money action (a bill paid meanwhile), as billing's own."""
    return BillingError(error.message, code=error.code)
