"""What every money record shares: it is never deleted, and nothing on a closed (approved or locked) day
changes — whichever way the write comes: `save()`, `delete()`, or a queryset's `update()`/`delete()`."""

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy

from billing.errors import BillingError

MONEY = {"max_digits": 12, "decimal_places": 2}


def _never_deleted() -> BillingError:
    return BillingError(_("Money records are never deleted: void or reverse them instead."), code="locked")


def _day_closed(day) -> BillingError:
    return BillingError(
        _("The business day %(day)s is closed (approved or locked): nothing on it can change.")
        % {"day": day},
        code="locked",
    )


class MoneyQuerySet(models.QuerySet):
    """Bulk writes obey the same rules as single ones: no delete, no update of a closed day's rows."""

    def delete(self):
        raise _never_deleted()

    def update(self, **kwargs):
        path = getattr(self.model, "DAY_PATH", None)
        if path is not None:
            from billing.models.days import HallDay

            pairs = set(self.values_list(*path).distinct())
            if pairs:
                touched = Q()
                for hall_id, day in pairs:
                    touched |= Q(hall_id=hall_id, day=day)
                closed = HallDay.objects.filter(touched).exclude(state=HallDay.State.OPEN).first()
                if closed is not None:
                    raise _day_closed(closed.day)
        return super().update(**kwargs)

    update.queryset_only = True


class NeverDeleted(models.Model):
    """Money records are voided or reversed, never deleted (spec §4.5)."""

    objects = MoneyQuerySet.as_manager()

    class Meta:
        abstract = True

    def delete(self, *args, **kwargs):
        raise _never_deleted()


class DayGuarded(NeverDeleted):
    """A record of a hall's business day: refused once that day is approved or locked (invariant 4).

    The check is here, in the model, as the last line of defence behind the services' own check: whatever
    path saves the row (a service, the admin, a shell), a closed day does not change — neither the day the
    row had when it was read nor the one it would get.
    """

    # The fields, from this model, that name the row's hall and business day (for queryset updates).
    DAY_PATH = ("hall_id", "business_day")

    class Meta:
        abstract = True

    def save(self, *args, day_held: bool = False, **kwargs):
        """`day_held`: the calling service holds the day's row under its lock and found it open in this very
        transaction (`services.common.hold_open_day`), so the guard's own query is redundant."""
        days = {self.guarded_day()}
        loaded = getattr(self, "_loaded_day", None)
        if loaded is not None:
            days.add(loaded)
        if not day_held or len(days) > 1:
            from billing.models.days import HallDay

            for hall_id, day in days:
                if HallDay.closed(hall_id=hall_id, day=day):
                    raise _day_closed(day)
        super().save(*args, **kwargs)

    @classmethod
    def from_db(cls, db, field_names, values):
        instance = super().from_db(db, field_names, values)
        # Rows that carry their own hall and day remember them, so a save cannot move them off a closed day.
        # (Lines and tenders follow their payment, whose own guard covers the move.)
        direct = cls.DAY_PATH == DayGuarded.DAY_PATH and {"hall_id", "business_day"} <= set(field_names)
        instance._loaded_day = (instance.hall_id, instance.business_day) if direct else None
        return instance

    def guarded_day(self) -> tuple[int, object]:
        return self.hall_id, self.business_day


class Build(NeverDeleted):
    """A document the worker builds while its reader watches — a monthly statement, a company's report: how
    far it has got, saved as it goes (`services.jobs`), and what came of it."""

    class State(models.TextChoices):
        QUEUED = "queued", _lazy("Waiting for the worker")
        RUNNING = "running", _lazy("Being built")
        DONE = "done", _lazy("Ready")
        FAILED = "failed", _lazy("Failed")

    state = models.CharField(_lazy("state"), max_length=10, choices=State.choices, default=State.QUEUED)
    progress = models.PositiveSmallIntegerField(_lazy("progress (%)"), default=0)
    step = models.CharField(_lazy("step"), max_length=100, blank=True)
    error = models.CharField(_lazy("error"), max_length=300, blank=True)
    requested_at = models.DateTimeField(_lazy("requested at"))
    started_at = models.DateTimeField(_lazy("started at"), null=True, blank=True)
    finished_at = models.DateTimeField(_lazy("finished at"), null=True, blank=True)

    class Meta:
        abstract = True

    @property
    def finished(self) -> bool:
        return self.state in (self.State.DONE, self.State.FAILED)
