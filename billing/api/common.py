"""What billing's endpoints share: the hall with a permission, amounts and texts as sent, ids found through
the hall's scoped lookups, business days, and the small output serializers several subjects show."""

import re
from datetime import date

from django.core.exceptions import PermissionDenied
from django.http import Http404
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from billing.models import FeeItem, Tender
from counter.models import Bill, Visit
from servicecenter.api import MAX_ID
from servicecenter.models import Hall
from servicecenter.scoping import get_hall_for_user, has_hall_perm
from servicecenter.selectors import hall_memberships

# A business day in a URL or a query: the ISO date, in the years the system is used.
_DAY = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")


def hall_for(request, hall_id, *perms: str) -> Hall:
    """The hall (404 outside the user's halls) where the user holds at least one of `perms` (403 without)."""
    hall = get_hall_for_user(request.user, hall_id)
    if perms and not any(has_hall_perm(request.user, hall, perm) for perm in perms):
        raise PermissionDenied
    return hall


def parse_day(value) -> date | None:
    """2026-11-23 → a date between 2000 and 2099; anything else (other spellings included) → None."""
    if not isinstance(value, str) or not _DAY.fullmatch(value):
        return None
    try:
        day = date.fromisoformat(value)
    except ValueError:
        return None
    return day if 2000 <= day.year <= 2099 else None


def day_or_404(value) -> date:
    """The business day named in a URL; a malformed or impossible date is a 404, like an unknown id."""
    day = parse_day(value)
    if day is None:
        raise Http404
    return day


class DayField(serializers.DateField):
    """A business day in a query or body: exactly YYYY-MM-DD (no week dates, no times)."""

    def to_internal_value(self, value):
        day = parse_day(value)
        if day is None:
            self.fail("invalid", format="YYYY-MM-DD")
        return day


class TextField(serializers.CharField):
    """Text in a request body. A number or a boolean is refused rather than quietly taken as its spelling."""

    def to_internal_value(self, data):
        if not isinstance(data, str):
            self.fail("invalid")
        return super().to_internal_value(data)


def amount_text(value) -> str | None:
    """An amount as sent (a string or a JSON number) as the text the service parses; None when it cannot be
    one (another type, or longer than any amount)."""
    if type(value) is str:
        text = value
    elif type(value) in (int, float):
        text = repr(value)
    else:
        return None
    return text if len(text) <= 30 else None


@extend_schema_field(
    {
        "oneOf": [{"type": "string", "maxLength": 30, "example": "123.45"}, {"type": "number"}],
        "description": 'Yuan, at most 2 decimals: a string such as "123.45" (preferred) or a JSON number.',
    }
)
class AmountField(serializers.Field):
    """An amount as sent — a string, or a JSON number — handed to the service as text: the service parses it
    strictly (positive, at most 2 decimals, below the counter's ceiling) and words any refusal. Never a float:
    a JSON number is passed on as its shortest decimal spelling."""

    default_error_messages = {"invalid": serializers.DecimalField.default_error_messages["invalid"]}

    def to_internal_value(self, data) -> str:
        text = amount_text(data)
        if text is None:
            self.fail("invalid")
        return text

    def to_representation(self, value):
        return str(value)


class RowField(serializers.IntegerField):
    """A row's id in a request body, found through the hall's scoped lookup `lookup(user, hall, id)`. An id it
    does not find — no such row, another hall's, or not the user's to see — is a 400 on that field."""

    default_error_messages = {
        "does_not_exist": serializers.PrimaryKeyRelatedField.default_error_messages["does_not_exist"]
    }

    def __init__(self, lookup, **kwargs):
        self.lookup = lookup
        super().__init__(min_value=1, max_value=MAX_ID, **kwargs)

    def run_validation(self, data=serializers.empty):
        pk = super().run_validation(data)  # the id, checked in range (or None / the default)
        if pk is None:
            return None
        try:
            row = self.lookup(self.context["request"].user, self.context["hall"], pk)
        except Http404:
            row = None
        if row is None:
            self.fail("does_not_exist", pk_value=pk)
        return row


class ReasonSerializer(serializers.Serializer):
    reason = TextField(max_length=200, help_text="Why (it stays in the record).")


# Lookups for RowField: (user, hall, id) -> the row or None. Reads only.


def staff_member(user, hall: Hall, pk: int):
    """Someone who holds a role in the hall (nobody else's name is disclosed by an answer)."""
    membership = hall_memberships(hall).filter(user_id=pk).first()
    return membership.user if membership else None


def fee_item(user, hall: Hall, pk: int) -> FeeItem | None:
    """An item of the company's price list (one no longer offered is refused by the service, by name)."""
    return FeeItem.objects.filter(company_id=hall.company_id, pk=pk).first()


def tender(user, hall: Hall, pk: int) -> Tender | None:
    return Tender.objects.filter(company_id=hall.company_id, pk=pk).first()


def bill(user, hall: Hall, pk: int) -> Bill | None:
    """A bill of one of the company's accounts (the service checks it is the paying account's)."""
    return Bill.objects.filter(account__company_id=hall.company_id, pk=pk).select_related("account").first()


def visit(user, hall: Hall, pk: int) -> Visit | None:
    """A visit in this hall (the service checks it is open at the user's window)."""
    return Visit.objects.filter(hall=hall, pk=pk).select_related("account", "window").first()


# --- Output pieces ------------------------------------------------------------------------------------


class TenderSerializer(serializers.ModelSerializer):
    class Meta:
        model = Tender
        fields = ["id", "code", "name", "kind"]


class FeeItemSerializer(serializers.ModelSerializer):
    class Meta:
        model = FeeItem
        fields = ["id", "code", "name", "kind", "price", "needs_account"]
