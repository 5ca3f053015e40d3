"""What every counter service needs: the moment it acts at, and a permission check in the hall."""

from datetime import datetime

from django.utils import timezone
from django.utils.translation import gettext as _

from counter.errors import CounterError
from servicecenter.models import Hall, User
from servicecenter.scoping import has_hall_perm


def now(at: datetime | None) -> datetime:
    """The moment given (tests, imports replaying the past) or the current one."""
    return at or timezone.now()


def require_hall_perm(user: User, hall: Hall, perm: str) -> None:
    """Refuse (API 403) unless one of the user's roles in this hall carries the permission."""
    if not has_hall_perm(user, hall, perm):
        raise CounterError(_("Your role does not allow this."), code="forbidden")
