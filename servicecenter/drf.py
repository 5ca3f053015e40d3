"""The API's defaults: permission (deny by default; hall scoping comes on top, per endpoint), pagination."""

from django.utils.translation import gettext_lazy as _
from rest_framework.exceptions import ValidationError
from rest_framework.pagination import LimitOffsetPagination
from rest_framework.permissions import IsAuthenticated


class IsAuthenticatedWithOwnPassword(IsAuthenticated):
    """Signed in, and not still on a password someone else set."""

    message = _("You must change your password before you continue.")

    def has_permission(self, request, view):
        return super().has_permission(request, view) and not request.user.must_change_password


class Pagination(LimitOffsetPagination):
    """limit/offset paging. A limit or offset that is not a whole number is a 400, not ignored; a limit above
    the maximum is capped to it (asking for "everything" is not an error), an offset must stay in range."""

    default_limit = 50
    max_limit = 500

    def get_limit(self, request):
        self._check(request, self.limit_query_param, minimum=1, maximum=None)
        return super().get_limit(request)

    def get_offset(self, request):
        self._check(request, self.offset_query_param, minimum=0, maximum=10**9)
        return super().get_offset(request)

    @staticmethod
    def _check(request, name: str, *, minimum: int, maximum: int | None) -> None:
        value = request.query_params.get(name)
        if value is None:
            return
        number = int(value) if value.isascii() and value.isdigit() and len(value) <= 30 else None
        if number is None or number < minimum or (maximum is not None and number > maximum):
            message = _("Enter a whole number from %(min)s to %(max)s.") % {
                "min": minimum,
                "max": maximum or "…",
            }
            raise ValidationError({name: [message]})

    def get_schema_operation_parameters(self, view):
        parameters = super().get_schema_operation_parameters(view)
        for parameter in parameters:
            if parameter["name"] == self.limit_query_param:
                parameter["schema"].update(minimum=1)
            elif parameter["name"] == self.offset_query_param:
                parameter["schema"].update(minimum=0, maximum=10**9)
        return parameters
