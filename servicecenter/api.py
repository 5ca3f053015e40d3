"""The kernel's API under /api/v1/: who am I, my halls, a hall's business day, the audit trail, tokens."""

import re

from django.core.exceptions import ValidationError as DjangoValidationError
from django.utils import timezone
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema, extend_schema_field
from rest_framework import generics, serializers, status
from rest_framework.authtoken.serializers import AuthTokenSerializer
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.views import APIView
from rest_framework.views import exception_handler as drf_exception_handler

from servicecenter import selectors, services
from servicecenter.auth_policy import address_blocked, address_blocked_message, client_ip
from servicecenter.clock import business_day, business_day_bounds
from servicecenter.errors import DomainError
from servicecenter.models import AuditEvent, Hall, Window
from servicecenter.roles import Role
from servicecenter.scoping import access_for, get_hall_for_user


def exception_handler(exc, context):
    """Domain refusals and model validation become a 400 with their translated message."""
    if isinstance(exc, DomainError):
        status_code = status.HTTP_403_FORBIDDEN if exc.code == "forbidden" else status.HTTP_400_BAD_REQUEST
        return Response({"detail": str(exc.message), "code": exc.code}, status=status_code)
    if isinstance(exc, DjangoValidationError):
        return Response(
            {"detail": " ".join(exc.messages), "code": "invalid"}, status=status.HTTP_400_BAD_REQUEST
        )
    return drf_exception_handler(exc, context)


class ErrorSerializer(serializers.Serializer):
    detail = serializers.CharField()
    code = serializers.CharField(required=False)


_ERRORS = {
    400: OpenApiResponse(OpenApiTypes.OBJECT, description="Invalid input: a message per field, or `detail`."),
    401: OpenApiResponse(ErrorSerializer, description="The session has ended."),
    403: OpenApiResponse(ErrorSerializer, description="Not signed in, or the role does not allow it."),
    404: OpenApiResponse(ErrorSerializer, description="Not found, or not in one of the user's halls."),
    415: OpenApiResponse(
        ErrorSerializer, description="The body is in a format this operation does not read."
    ),
    429: OpenApiResponse(ErrorSerializer, description="Locked after too many failed sign-ins."),
}


# The largest id a database row has here (Postgres integer keys).
MAX_ID = 2**31 - 1


def id_field(**kwargs) -> serializers.IntegerField:
    """A row id in a request body: 1 … MAX_ID, so that nothing out of range reaches a query."""
    return serializers.IntegerField(min_value=1, max_value=MAX_ID, **kwargs)


def validated(serializer_class, data, **kwargs) -> dict:
    """Validate request data with a serializer; invalid data is a 400 with a message per field."""
    serializer = serializer_class(data=data, **kwargs)
    serializer.is_valid(raise_exception=True)
    return serializer.validated_data


def choice_param(request, name: str, choices, message) -> str | None:
    """An optional query parameter that must be one of `choices` (a 400 with `message` otherwise)."""
    value = request.query_params.get(name)
    if value and value not in choices:
        raise serializers.ValidationError({name: message})
    return value or None


def errors(*codes: int) -> dict:
    """The error responses an operation may give, for its schema."""
    return {code: _ERRORS[code] for code in codes}


class HallMembershipSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()
    code = serializers.CharField()
    company = serializers.CharField(source="company.name")
    roles = serializers.ListField(child=serializers.ChoiceField(choices=Role.choices))


class UserSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    username = serializers.CharField()
    display_name = serializers.CharField()
    staff_number = serializers.CharField(allow_null=True)
    must_change_password = serializers.BooleanField()


class MeSerializer(serializers.Serializer):
    user = UserSerializer()
    halls = HallMembershipSerializer(many=True)


class MeView(APIView):
    @extend_schema(
        responses={200: MeSerializer, **errors(401, 403)},
        summary="The signed-in user, their halls and roles in each",
    )
    def get(self, request):
        access = access_for(request.user)
        halls = [
            {
                "id": h.pk,
                "name": h.name,
                "code": h.code,
                "company": h.company,
                "roles": sorted(access.roles_in(h)),
            }
            for h in access.halls
        ]
        return Response(MeSerializer({"user": request.user, "halls": halls}).data)


class TokenSerializer(serializers.Serializer):
    token = serializers.CharField()


class ObtainTokenView(APIView):
    """Exchange a username and password for an API token (failed attempts count towards the lockout)."""

    authentication_classes = []
    permission_classes = [AllowAny]

    @extend_schema(
        request=AuthTokenSerializer,
        responses={200: TokenSerializer, **errors(400, 403, 415, 429)},
        summary="Obtain an API token",
    )
    def post(self, request):
        if address_blocked(client_ip(request)):
            return Response({"detail": address_blocked_message()}, status=status.HTTP_429_TOO_MANY_REQUESTS)
        # axes marks a lockout on the Django request, where its middleware looks for it.
        serializer = AuthTokenSerializer(data=request.data, context={"request": request._request})
        serializer.is_valid(raise_exception=True)
        token = services.issue_api_token(
            user=serializer.validated_data["user"], ip_address=client_ip(request)
        )
        return Response({"token": token.key})


@extend_schema_field({"type": "string", "pattern": r"^([01]\d|2[0-3]):[0-5]\d$", "example": "04:00"})
class ClockTimeField(serializers.TimeField):
    """A wall-clock time in the hall's own time zone, HH:MM."""

    def __init__(self, **kwargs):
        super().__init__(format="%H:%M", **kwargs)


class HallSerializer(serializers.ModelSerializer):
    company = serializers.CharField(source="company.name")
    company_id = serializers.IntegerField(read_only=True, help_text="The company's reports are under it.")
    cutoff = ClockTimeField(read_only=True)

    class Meta:
        model = Hall
        fields = ["id", "name", "code", "company", "company_id", "address", "phone", "cutoff", "time_zone"]


class HallListView(generics.ListAPIView):
    serializer_class = HallSerializer
    pagination_class = None

    @extend_schema(responses={200: HallSerializer(many=True), **errors(401, 403)}, summary="The user's halls")
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)

    def get_queryset(self):
        return Hall.objects.select_related("company").filter(pk__in=access_for(self.request.user).hall_ids)


class WindowSerializer(serializers.ModelSerializer):
    class Meta:
        model = Window
        fields = ["id", "number", "name", "is_active"]


class StaffMemberSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    display_name = serializers.CharField()
    staff_number = serializers.CharField(allow_null=True)


class RoleGroupSerializer(serializers.Serializer):
    role = serializers.ChoiceField(choices=Role.choices)
    label = serializers.CharField()
    members = StaffMemberSerializer(many=True)


class HallTodaySerializer(serializers.Serializer):
    hall = HallSerializer()
    business_day = serializers.DateField()
    starts = serializers.DateTimeField()
    ends = serializers.DateTimeField()
    windows = WindowSerializer(many=True)
    staff = RoleGroupSerializer(many=True)


class HallDetailView(APIView):
    @extend_schema(
        responses={200: HallTodaySerializer, **errors(401, 403, 404)},
        summary="A hall today: business day, windows, staff by role",
    )
    def get(self, request, hall_id: int):
        hall = get_hall_for_user(request.user, hall_id)
        return Response(HallTodaySerializer(selectors.hall_today(hall, at=timezone.now())).data)


_RFC3339 = re.compile(r"^\d{4}-\d{2}-\d{2}[Tt]\d{2}:\d{2}:\d{2}(\.\d{1,6})?([Zz]|[+-]\d{2}:\d{2})$")


class MomentField(serializers.DateTimeField):
    """An exact moment: RFC 3339 with its UTC offset, so that no time zone has to be guessed."""

    def to_internal_value(self, value):
        if not isinstance(value, str) or not _RFC3339.match(value):
            raise serializers.ValidationError(
                _("Give the moment with seconds and its UTC offset, e.g. 2026-11-23T08:30:00+08:00.")
            )
        moment = super().to_internal_value(value)
        if not 2000 <= moment.year <= 2099:
            raise serializers.ValidationError(_("Give a moment between the years 2000 and 2099."))
        return moment


class BusinessDayQuerySerializer(serializers.Serializer):
    at = MomentField(required=False, help_text="Moment to place; defaults to now.")


class BusinessDaySerializer(serializers.Serializer):
    hall = serializers.IntegerField()
    at = serializers.DateTimeField()
    business_day = serializers.DateField()
    starts = serializers.DateTimeField()
    ends = serializers.DateTimeField()


class BusinessDayView(APIView):
    @extend_schema(
        parameters=[
            OpenApiParameter("at", OpenApiTypes.DATETIME, description="Moment to place; defaults to now.")
        ],
        responses={200: BusinessDaySerializer, **errors(400, 401, 403, 404)},
        summary="The business day a moment belongs to in this hall (honours the cut-off)",
    )
    def get(self, request, hall_id: int):
        hall = get_hall_for_user(request.user, hall_id)
        # A plain dict: an empty `at=` is an error, not "now" (DRF's form semantics would drop it).
        query = BusinessDayQuerySerializer(data=request.query_params.dict())
        query.is_valid(raise_exception=True)
        at = query.validated_data.get("at") or timezone.now()
        day = business_day(hall, at)
        starts, ends = business_day_bounds(hall, day)
        data = {"hall": hall.pk, "at": at, "business_day": day, "starts": starts, "ends": ends}
        return Response(BusinessDaySerializer(data).data)


class AuditEventSerializer(serializers.ModelSerializer):
    actor = serializers.CharField(source="actor.username", allow_null=True, default=None)

    class Meta:
        model = AuditEvent
        fields = ["id", "at", "kind", "actor", "username", "hall", "subject", "detail", "ip_address"]


class AuditEventListView(generics.ListAPIView):
    serializer_class = AuditEventSerializer

    @extend_schema(
        parameters=[OpenApiParameter("kind", OpenApiTypes.STR, enum=AuditEvent.Kind.values)],
        responses={200: AuditEventSerializer(many=True), **errors(400, 401, 403, 404)},
        summary="The hall's audit trail, newest first",
    )
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return AuditEvent.objects.none()
        hall = get_hall_for_user(self.request.user, self.kwargs["hall_id"], "servicecenter.view_auditevent")
        events = selectors.audit_events_for_hall(hall)
        kind = self.request.query_params.get("kind")
        if kind:
            if kind not in AuditEvent.Kind.values:
                raise serializers.ValidationError({"kind": _("Unknown event kind.")})
            events = events.filter(kind=kind)
        return events
