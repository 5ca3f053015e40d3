"""Gapless per-hall, per-day counters for ticket, business and complaint numbers."""

from datetime import date

from django.db import connection, models
from django.utils.translation import gettext_lazy as _

from servicecenter.models import Hall


class Sequence(models.Model):
    hall = models.ForeignKey(Hall, on_delete=models.CASCADE, related_name="+", verbose_name=_("hall"))
    day = models.DateField(_("day"))
    name = models.CharField(_("name"), max_length=20)
    last = models.PositiveIntegerField(_("last number"), default=0)

    class Meta:
        verbose_name = _("number sequence")
        verbose_name_plural = _("number sequences")
        constraints = [models.UniqueConstraint(fields=["hall", "day", "name"], name="sequence_unique")]

    def __str__(self) -> str:
        return f"{self.hall_id} {self.day} {self.name} {self.last}"

    @classmethod
    def next(cls, *, hall: Hall, day: date, name: str) -> int:
        """The next number, atomically: one upsert that creates or increments the row and returns it.

        Concurrent callers serialise on the row lock the upsert takes, held until their transaction ends,
        so numbers are never handed out twice and a rolled-back transaction leaves no gap.
        """
        table = connection.ops.quote_name(cls._meta.db_table)
        with connection.cursor() as cursor:
            cursor.execute(
                f"INSERT INTO {table} (hall_id, day, name, last) VALUES (%s, %s, %s, 1) "  # noqa: S608
                "ON CONFLICT (hall_id, day, name) DO UPDATE SET last = "
                f"{table}.last + 1 RETURNING last",
                [hall.pk, day, name],
            )
            return cursor.fetchone()[0]
