"""The API's defaults: permission (deny by default; hall scoping comes on top, per endpoint), pagination."""

from django.utils.translation import gettext_lazy as _
from rest_framework.pagination import LimitOffsetPagination
from rest_framework.permissions import IsAuthenticated


class IsAuthenticatedWithOwnPassword(IsAuthenticated):
    """Signed in, and not still on a password someone else set."""

    message = _("You must change your password before you continue.")

    def has_permission(self, request, view):
        return super().has_permission(request, view) and not request.user.must_change_password


class Pagination(LimitOffsetPagination):
    default_limit = 50
    max_limit = 500
