"""API: ratings — the hall's ratings for staff, and the rating device's own endpoints, authenticated by the
device's token (`Authorization: Device <token>`), not by a member of staff."""

from django.contrib.auth.models import AnonymousUser
from django.urls import path
from django.utils import timezone
from django.utils.translation import gettext as _
from drf_spectacular.extensions import OpenApiAuthenticationExtension
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import exceptions, generics, serializers, status
from rest_framework.authentication import BaseAuthentication, get_authorization_header
from rest_framework.permissions import BasePermission
from rest_framework.response import Response
from rest_framework.views import APIView

from counter.models import Rating, RatingDevice
from counter.selectors import complaints as selectors
from counter.services import ratings as services
from servicecenter.api import MAX_ID, StaffMemberSerializer, WindowSerializer, errors, validated
from servicecenter.scoping import get_hall_for_user


class DeviceAuthentication(BaseAuthentication):
    """`Authorization: Device <token>`: the rating device's token from its pairing. The request then has
    no user; `request.auth` is the device."""

    keyword = "Device"

    def authenticate(self, request):
        parts = get_authorization_header(request).split()
        if not parts or parts[0].lower() != self.keyword.lower().encode():
            return None
        if len(parts) != 2:
            raise exceptions.AuthenticationFailed(_("Give the device token after “Device ”."))
        try:
            token = parts[1].decode("ascii")
        except UnicodeError:
            raise exceptions.AuthenticationFailed(_("This device is not paired.")) from None
        device = services.device_for_token(token)
        if device is None:
            raise exceptions.AuthenticationFailed(_("This device is not paired."))
        return AnonymousUser(), device

    def authenticate_header(self, request):
        return self.keyword


class DeviceAuthenticationScheme(OpenApiAuthenticationExtension):
    target_class = DeviceAuthentication
    name = "deviceAuth"

    def get_security_definition(self, auto_schema):
        return {
            "type": "apiKey",
            "in": "header",
            "name": "Authorization",
            "description": "The rating device's token, shown once when it was paired: `Device <token>`.",
        }


class IsRatingDevice(BasePermission):
    message = _("This device is not paired.")

    def has_permission(self, request, view):
        return isinstance(request.auth, RatingDevice)


class RatingSerializer(serializers.ModelSerializer):
    """A customer's rating of one visit (4 very satisfied … 1 dissatisfied)."""

    visit = serializers.IntegerField(source="visit_id", min_value=1, max_value=MAX_ID)
    ticket = serializers.CharField(source="ticket.code", read_only=True, allow_null=True, default=None)
    rep = StaffMemberSerializer(read_only=True)
    window = WindowSerializer(read_only=True)
    device = serializers.IntegerField(source="device_id", read_only=True)
    complaint = serializers.IntegerField(
        source="complaint_id", read_only=True, allow_null=True, help_text="The draft a “Dissatisfied” opened."
    )

    class Meta:
        model = Rating
        fields = [
            "id",
            "business_day",
            "at",
            "visit",
            "score",
            "ticket",
            "rep",
            "window",
            "device",
            "complaint",
            "acknowledged_at",
        ]
        read_only_fields = ["business_day", "at", "acknowledged_at"]


class RatingQuerySerializer(serializers.Serializer):
    business_day = serializers.DateField(required=False)
    score = serializers.ChoiceField(choices=Rating.Score.choices, required=False)


class RatingListView(generics.ListAPIView):
    serializer_class = RatingSerializer

    @extend_schema(
        parameters=[
            OpenApiParameter("business_day", OpenApiTypes.DATE, description="Only this business day."),
            OpenApiParameter("score", int, enum=Rating.Score.values, description="Only this score."),
        ],
        responses={200: RatingSerializer(many=True), **errors(400, 401, 403, 404)},
        summary="The hall's ratings, newest first",
    )
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return Rating.objects.none()
        hall = get_hall_for_user(self.request.user, self.kwargs["hall_id"], "counter.view_rating")
        query = validated(RatingQuerySerializer, self.request.query_params.dict())
        ratings = selectors.ratings_for_hall(hall)
        if "business_day" in query:
            ratings = ratings.filter(business_day=query["business_day"])
        if "score" in query:
            ratings = ratings.filter(score=query["score"])
        return ratings


class AcknowledgeAlertView(APIView):
    @extend_schema(
        request=None,
        responses={200: RatingSerializer, **errors(400, 401, 403, 404)},
        summary="The duty manager has seen a “Dissatisfied” alert",
    )
    def post(self, request, hall_id: int, rating_id: int):
        hall = get_hall_for_user(request.user, hall_id, "counter.supervise_business")
        rating = selectors.rating_in_hall(hall=hall, rating_id=rating_id)
        rating = services.acknowledge_alert(rating=rating, by=request.user)
        return Response(RatingSerializer(rating).data)


class DeviceRepSerializer(serializers.Serializer):
    display_name = serializers.CharField()
    staff_number = serializers.CharField(allow_null=True)
    photo_url = serializers.CharField(allow_null=True, help_text="Empty: show the surname in a circle.")


class DeviceScreenSerializer(serializers.Serializer):
    device = serializers.IntegerField()
    hall = serializers.CharField()
    window = WindowSerializer()
    device_state = serializers.ChoiceField(
        choices=["closed", "serving", "paused", "rating"],
        help_text="closed: nobody at the window; rating: show the four buttons for `pending_visit`.",
    )
    rep = DeviceRepSerializer(allow_null=True, help_text="The rep now serving at the window.")
    pending_visit = serializers.IntegerField(allow_null=True)


class DeviceView(APIView):
    authentication_classes = [DeviceAuthentication]
    permission_classes = [IsRatingDevice]

    @extend_schema(
        responses={200: DeviceScreenSerializer, **errors(401, 403)},
        summary="The device's screen: its window, the rep serving there, the visit to rate",
    )
    def get(self, request):
        screen = services.device_screen(request.auth, at=timezone.now())
        rep = screen.rep
        data = {
            "device": screen.device.pk,
            "hall": screen.hall.name,
            "window": screen.window,
            "device_state": screen.state,
            "rep": None
            if rep is None
            else {
                "display_name": rep.display_name,
                "staff_number": rep.staff_number,
                "photo_url": rep.photo.url if rep.photo else None,
            },
            "pending_visit": screen.visit.pk if screen.visit is not None else None,
        }
        return Response(DeviceScreenSerializer(data).data)


class DeviceRatingView(APIView):
    authentication_classes = [DeviceAuthentication]
    permission_classes = [IsRatingDevice]

    @extend_schema(
        request=RatingSerializer,
        responses={201: RatingSerializer, **errors(400, 401, 403)},
        summary="Record the customer's rating of the visit the device is showing",
    )
    def post(self, request):
        data = validated(RatingSerializer, request.data)
        rating = services.submit_rating(
            device=request.auth,
            visit_id=data["visit_id"],
            score=data["score"],
            at=timezone.now(),
        )
        rating = Rating.objects.select_related("rep", "window", "ticket").get(pk=rating.pk)
        return Response(RatingSerializer(rating).data, status=status.HTTP_201_CREATED)


urlpatterns = [
    path("halls/<int:hall_id>/ratings/", RatingListView.as_view(), name="api_ratings"),
    path(
        "halls/<int:hall_id>/ratings/<int:rating_id>/acknowledge/",
        AcknowledgeAlertView.as_view(),
        name="api_rating_acknowledge",
    ),
    path("device/", DeviceView.as_view(), name="api_device"),
    path("device/ratings/", DeviceRatingView.as_view(), name="api_device_ratings"),
]
