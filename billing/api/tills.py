"""API: tills — the hall's (or a rep's own) tills with their three legs per tender; the float issued, the till
opened, counted by denomination, handed in, verified or sent back. The same services as the pages."""

from django.urls import path
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import generics, serializers, status
from rest_framework.response import Response
from rest_framework.views import APIView

from billing import selectors
from billing.api.common import (
    AmountField,
    DayField,
    ReasonSerializer,
    RowField,
    TenderSerializer,
    TextField,
    hall_for,
    staff_member,
)
from billing.models import Till
from billing.services import tills as services
from counter.selectors import queue as queue_selectors
from servicecenter.api import StaffMemberSerializer, errors, validated
from servicecenter.money import ZERO, quantize

TAKE = "billing.take_payment"
VIEW = "billing.view_till"


class TillSerializer(serializers.ModelSerializer):
    rep = StaffMemberSerializer()
    window = serializers.IntegerField(source="window.number", allow_null=True, default=None)
    float_issued_by = StaffMemberSerializer()
    verified_by = StaffMemberSerializer(allow_null=True)

    class Meta:
        model = Till
        fields = [
            "id",
            "number",
            "business_day",
            "state",
            "rep",
            "window",
            "opening_float",
            "float_issued_by",
            "float_issued_at",
            "opened_at",
            "closed_at",
            "counted_cash",
            "explanation",
            "handed_in_at",
            "verified_at",
            "verified_by",
            "sent_back_reason",
        ]


class LegSerializer(serializers.Serializer):
    tender = TenderSerializer()
    system = serializers.DecimalField(max_digits=12, decimal_places=2, help_text="Payments that count.")
    receipts = serializers.DecimalField(
        max_digits=12, decimal_places=2, help_text="Of those, the ones with a valid receipt."
    )
    counted = serializers.DecimalField(
        max_digits=12,
        decimal_places=2,
        allow_null=True,
        help_text="The money: cash counted less the float, or the settlement total. Null until counted.",
    )
    difference = serializers.DecimalField(
        max_digits=12,
        decimal_places=2,
        allow_null=True,
        help_text="Over (+) or short (−); null until counted.",
    )


class TillDetailSerializer(TillSerializer):
    denominations = serializers.DictField(
        child=serializers.IntegerField(), help_text='Cash counted, pieces by denomination: {"100.00": 3}.'
    )
    legs = LegSerializer(many=True, help_text="Per tender: system, receipts and money (the three legs).")
    expected = serializers.DecimalField(
        max_digits=12, decimal_places=2, help_text="What the system expects: the takings, all tenders."
    )
    counted = serializers.DecimalField(
        max_digits=12, decimal_places=2, allow_null=True, help_text="The money counted, all tenders."
    )
    difference = serializers.DecimalField(
        max_digits=12, decimal_places=2, allow_null=True, help_text="Over (+) or short (−) of the till."
    )

    class Meta(TillSerializer.Meta):
        fields = [*TillSerializer.Meta.fields, "denominations", "legs", "expected", "counted", "difference"]


def with_figures(till: Till) -> Till:
    """The till with its legs and their totals, as TillDetailSerializer shows them."""
    till.legs = selectors.till_legs(till)
    till.expected = quantize(sum((leg.system for leg in till.legs), ZERO))
    counted = [leg.counted for leg in till.legs]
    till.counted = quantize(sum(counted, ZERO)) if counted and None not in counted else None
    till.difference = None if till.counted is None else till.counted - till.expected
    return till


class TillQuerySerializer(serializers.Serializer):
    day = DayField(required=False, help_text="Only the tills of this business day.")


class IssueFloatSerializer(serializers.Serializer):
    rep = RowField(staff_member, help_text="The rep (user id) who takes the float.")
    amount = AmountField(help_text="The opening float; zero is allowed.")
    window = RowField(
        lambda user, hall, pk: queue_selectors.window_in_hall(hall, pk),
        required=False,
        allow_null=True,
        default=None,
        help_text="The window (id) the till works at.",
    )


class CloseTillSerializer(serializers.Serializer):
    denominations = serializers.DictField(
        child=serializers.IntegerField(min_value=0, max_value=services.MAX_PIECES),
        required=False,
        default=dict,
        help_text='Cash counted, pieces by denomination: {"100.00": 3, "0.50": 2}. '
        "Denominations: 100.00, 50.00, 20.00, 10.00, 5.00, 1.00, 0.50, 0.10.",
    )
    settlements = serializers.DictField(
        child=AmountField(),
        required=False,
        default=dict,
        help_text='Non-cash settlement totals by tender id: {"2": "180.00"} (card terminal, QR channels).',
    )
    explanation = TextField(
        max_length=2000,
        required=False,
        allow_blank=True,
        default="",
        help_text="Needed when the count differs from the system: why it is over or short.",
    )

    def validate_settlements(self, value):
        # Tender ids, as JSON object keys are strings: plain ASCII digits only, so nothing odd reaches int().
        if not all(key.isascii() and key.isdigit() and len(key) <= 10 for key in value):
            raise serializers.ValidationError(serializers.IntegerField.default_error_messages["invalid"])
        return value


def _hall_and_till(request, hall_id, till_id, perm: str):
    hall = hall_for(request, hall_id, perm)
    return hall, selectors.get_till(request.user, hall, till_id)


def _detail(request, hall, till: Till, code=status.HTTP_200_OK) -> Response:
    """The till as it is now (read again through the scoped lookup), with its legs."""
    till = selectors.get_till(request.user, hall, till.pk)
    return Response(TillDetailSerializer(with_figures(till)).data, status=code)


class TillListView(generics.GenericAPIView):
    queryset = Till.objects.none()  # for the schema: the rows come from the selectors
    serializer_class = TillSerializer

    @extend_schema(
        parameters=[OpenApiParameter("day", OpenApiTypes.DATE, description="A business day, YYYY-MM-DD.")],
        responses={200: TillSerializer(many=True), **errors(400, 401, 403, 404)},
        summary="The hall's tills, the latest day first (a rep sees their own)",
    )
    def get(self, request, hall_id: int):
        hall = hall_for(request, hall_id, VIEW, TAKE)
        query = validated(TillQuerySerializer, request.query_params.dict())
        tills = selectors.tills_for_user(request.user, hall).select_related("float_issued_by")
        if "day" in query:
            tills = tills.filter(business_day=query["day"])
        page = self.paginate_queryset(tills.order_by("-business_day", "-number"))
        return self.get_paginated_response(TillSerializer(page, many=True).data)

    @extend_schema(
        request=IssueFloatSerializer,
        responses={201: TillDetailSerializer, **errors(400, 401, 403, 404, 415)},
        summary="Issue an opening float to a rep: a till waiting to be opened (auditor)",
    )
    def post(self, request, hall_id: int):
        hall = hall_for(request, hall_id, "billing.issue_float")
        data = validated(IssueFloatSerializer, request.data, context={"request": request, "hall": hall})
        till = services.issue_float(
            hall=hall, rep=data["rep"], amount=data["amount"], window=data["window"], by=request.user
        )
        return _detail(request, hall, till, status.HTTP_201_CREATED)


class TillDetailView(APIView):
    @extend_schema(
        responses={200: TillDetailSerializer, **errors(401, 403, 404)},
        summary="One till with its three legs per tender and its over or short",
    )
    def get(self, request, hall_id: int, till_id: int):
        hall = hall_for(request, hall_id, VIEW, TAKE)
        return _detail(request, hall, selectors.get_till(request.user, hall, till_id))


def till_action(action, perm: str, summary: str):
    """A button on a till with no input: POST, the till in the URL, the till as it is afterwards."""

    class TillActionView(APIView):
        @extend_schema(
            request=None, responses={200: TillDetailSerializer, **errors(400, 401, 403, 404)}, summary=summary
        )
        def post(self, request, hall_id: int, till_id: int):
            hall, till = _hall_and_till(request, hall_id, till_id, perm)
            return _detail(request, hall, action(till=till, by=request.user))

    TillActionView.__name__ = f"{action.__name__.title().replace('_', '')}View"
    return TillActionView


class CloseTillView(APIView):
    @extend_schema(
        request=CloseTillSerializer,
        responses={200: TillDetailSerializer, **errors(400, 401, 403, 404, 415)},
        summary="Count my till: cash by denomination, settlement totals; an over or short needs a reason",
    )
    def post(self, request, hall_id: int, till_id: int):
        hall, till = _hall_and_till(request, hall_id, till_id, TAKE)
        data = validated(CloseTillSerializer, request.data)
        till = services.close_till(
            till=till,
            by=request.user,
            denominations=data["denominations"],
            settlements=data["settlements"],
            explanation=data["explanation"],
        )
        return _detail(request, hall, till)


def till_reason_action(action, perm: str, summary: str):
    """An endpoint for a till button that needs a reason (send back, cancel the float)."""

    class TillReasonView(APIView):
        @extend_schema(
            request=ReasonSerializer,
            responses={200: TillDetailSerializer, **errors(400, 401, 403, 404, 415)},
            summary=summary,
        )
        def post(self, request, hall_id: int, till_id: int):
            hall, till = _hall_and_till(request, hall_id, till_id, perm)
            data = validated(ReasonSerializer, request.data)
            return _detail(request, hall, action(till=till, reason=data["reason"], by=request.user))

    TillReasonView.__name__ = f"{action.__name__.title().replace('_', '')}View"
    return TillReasonView


_BASE = "halls/<int:hall_id>/tills/"
urlpatterns = [
    path(_BASE, TillListView.as_view(), name="api_tills"),
    path(f"{_BASE}<int:till_id>/", TillDetailView.as_view(), name="api_till"),
    path(
        f"{_BASE}<int:till_id>/open/",
        till_action(services.open_till, TAKE, "Open my till: I have counted the float handed over").as_view(),
        name="api_till_open",
    ),
    path(f"{_BASE}<int:till_id>/close/", CloseTillView.as_view(), name="api_till_close"),
    path(
        f"{_BASE}<int:till_id>/hand-in/",
        till_action(services.hand_in_till, TAKE, "Hand my counted till in to the auditor").as_view(),
        name="api_till_hand_in",
    ),
    path(
        f"{_BASE}<int:till_id>/verify/",
        till_action(
            services.verify_till, "billing.verify_till", "Verify a handed-in till (auditor; never one's own)"
        ).as_view(),
        name="api_till_verify",
    ),
    path(
        f"{_BASE}<int:till_id>/send-back/",
        till_reason_action(
            services.send_back_till,
            "billing.verify_till",
            "Send a handed-in till back to its rep, saying why",
        ).as_view(),
        name="api_till_send_back",
    ),
    path(
        f"{_BASE}<int:till_id>/cancel/",
        till_reason_action(
            services.cancel_float,
            "billing.issue_float",
            "Take back a float never opened, saying why (auditor)",
        ).as_view(),
        name="api_till_cancel",
    ),
]
