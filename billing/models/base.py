"""What every money record shares: it is never deleted, and nothing on a locked day changes."""

from django.db import models
from django.utils.translation import gettext as _

from billing.errors import BillingError

MONEY = {"max_digits": 12, "decimal_places": 2}


class NeverDeleted(models.Model):
    """Money records are voided or reversed, never deleted (spec §4.5)."""

    class Meta:
        abstract = True

    def delete(self, *args, **kwargs):
        raise BillingError(_("Money records are never deleted: void or reverse them instead."), code="locked")


class DayGuarded(NeverDeleted):
    """A record of a hall's business day: refused once that day is locked (invariant 4).

    The check is here, in the model, as the last line of defence behind the services' own check: whatever
    path saves the row (a service, the admin, a shell), a locked day does not change.
    """

    class Meta:
        abstract = True

    def save(self, *args, day_held: bool = False, **kwargs):
        """`day_held`: the calling service holds the day's row under its shared lock and found it open in
        this very transaction (`services.common.hold_open_day`), so the guard's own query is redundant."""
        if not day_held:
            from billing.models.days import HallDay

            hall_id, day = self.guarded_day()
            if HallDay.locked(hall_id=hall_id, day=day):
                raise BillingError(
                    _("The business day %(day)s is locked: nothing on it can change.") % {"day": day},
                    code="locked",
                )
        super().save(*args, **kwargs)

    def guarded_day(self) -> tuple[int, object]:
        return self.hall_id, self.business_day
