"""The kernel's API under /api/v1/: who am I, my halls, a hall's business day, the audit trail, tokens."""

from django.core.exceptions import PermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.utils import timezone
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import generics, serializers, status
from rest_framework.authtoken.models import Token
from rest_framework.authtoken.serializers import AuthTokenSerializer
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.views import APIView
from rest_framework.views import exception_handler as drf_exception_handler

from servicecenter import selectors
from servicecenter.clock import business_day, business_day_bounds
from servicecenter.errors import DomainError
from servicecenter.models import AuditEvent, Hall, Window
from servicecenter.roles import Role
from servicecenter.scoping import access_for, get_hall_for_user, has_hall_perm


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


def hall_for_request(request, hall_id: int, perm: str | None = None) -> Hall:
    """The API's scoped lookup: 404 outside the user's halls, 403 without `perm` there."""
    hall = get_hall_for_user(request.user, hall_id)
    if perm is not None and not has_hall_perm(request.user, hall, perm):
        raise PermissionDenied
    return hall


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
    @extend_schema(responses=MeSerializer, summary="The signed-in user, their halls and roles in each")
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
        request=AuthTokenSerializer, responses={200: TokenSerializer}, summary="Obtain an API token"
    )
    def post(self, request):
        # axes marks a lockout on the Django request, where its middleware looks for it.
        serializer = AuthTokenSerializer(data=request.data, context={"request": request._request})
        serializer.is_valid(raise_exception=True)
        user = serializer.validated_data["user"]
        if user.must_change_password:
            return Response(
                {"detail": _("You must change your password before you continue.")},
                status=status.HTTP_403_FORBIDDEN,
            )
        token, _created = Token.objects.get_or_create(user=user)
        return Response({"token": token.key})


class HallSerializer(serializers.ModelSerializer):
    company = serializers.CharField(source="company.name")

    class Meta:
        model = Hall
        fields = ["id", "name", "code", "company", "address", "phone", "cutoff", "time_zone"]


class HallListView(generics.ListAPIView):
    serializer_class = HallSerializer
    pagination_class = None

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
        responses=HallTodaySerializer, summary="A hall today: business day, windows, staff by role"
    )
    def get(self, request, hall_id: int):
        hall = hall_for_request(request, hall_id)
        return Response(HallTodaySerializer(selectors.hall_today(hall, at=timezone.now())).data)


class BusinessDayQuerySerializer(serializers.Serializer):
    at = serializers.DateTimeField(required=False, help_text="Moment to place; defaults to now.")


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
        responses=BusinessDaySerializer,
        summary="The business day a moment belongs to in this hall (honours the cut-off)",
    )
    def get(self, request, hall_id: int):
        hall = hall_for_request(request, hall_id)
        query = BusinessDayQuerySerializer(data=request.query_params)
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
        summary="The hall's audit trail, newest first",
    )
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return AuditEvent.objects.none()
        hall = hall_for_request(self.request, self.kwargs["hall_id"], "servicecenter.view_auditevent")
        events = selectors.audit_events_for_hall(hall)
        kind = self.request.query_params.get("kind")
        if kind:
            if kind not in AuditEvent.Kind.values:
                raise serializers.ValidationError({"kind": _("Unknown event kind.")})
            events = events.filter(kind=kind)
        return events
