"""API: visits at a window (start, account, steps, rating request, end, transfer) and the businesses recorded
in them, with their follow-up (documents, passing on, completion, rejection). Same services as the pages."""

from django.shortcuts import get_object_or_404
from django.urls import path
from django.utils import timezone
from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers, status
from rest_framework.response import Response
from rest_framework.views import APIView

from counter.api.queue import TransferSerializer, window_action
from counter.models import Business, BusinessType, GasAccount, RequiredDocument, Visit
from counter.selectors import businesses as business_selectors
from counter.selectors import customers as customer_selectors
from counter.selectors import queue as queue_selectors
from counter.services import businesses as business_services
from counter.services import visits as visit_services
from servicecenter.api import errors, id_field, validated
from servicecenter.clock import business_day
from servicecenter.scoping import get_hall_for_user


class VisitSerializer(serializers.ModelSerializer):
    ticket = serializers.CharField(source="ticket.code", allow_null=True, default=None)
    window = serializers.IntegerField(source="window.number")
    rep = serializers.CharField(source="rep.display_name")

    class Meta:
        model = Visit
        fields = [
            "id",
            "business_day",
            "ticket",
            "window",
            "rep",
            "account",
            "customer",
            "step",
            "intent",
            "vas_offered",
            "started_at",
            "ended_at",
            "rating_requested_at",
        ]


class AttachAccountSerializer(serializers.Serializer):
    account = id_field()


class StepSerializer(serializers.Serializer):
    step = serializers.ChoiceField(choices=Visit.Step.choices)
    intent = serializers.CharField(required=False, allow_blank=True, max_length=200)


class DocumentSerializer(serializers.ModelSerializer):
    class Meta:
        model = RequiredDocument
        fields = ["id", "name"]


class FieldSpecSerializer(serializers.Serializer):
    name = serializers.CharField()
    label = serializers.CharField(required=False)
    type = serializers.CharField(required=False)
    required = serializers.BooleanField(required=False)


class BusinessTypeSerializer(serializers.ModelSerializer):
    documents = DocumentSerializer(many=True)
    fields = FieldSpecSerializer(many=True)

    class Meta:
        model = BusinessType
        fields = ["id", "code", "name", "workflow", "fields", "reply_days", "documents"]


class BusinessSerializer(serializers.ModelSerializer):
    type = serializers.CharField(source="business_type.code")
    data = serializers.SerializerMethodField(help_text="The type's fields; ID and phone numbers masked.")
    account_number = serializers.CharField(source="account.number", allow_null=True, default=None)
    documents_seen = serializers.PrimaryKeyRelatedField(many=True, read_only=True)

    class Meta:
        model = Business
        fields = [
            "id",
            "number",
            "type",
            "status",
            "visit",
            "account",
            "account_number",
            "data",
            "documents_seen",
            "missing_documents",
            "reference",
            "reply_due",
            "outcome",
            "accepted_at",
            "closed_at",
        ]

    @staticmethod
    def get_data(business) -> dict[str, str]:
        return business_selectors.masked_data(business)


class RecordBusinessSerializer(serializers.Serializer):
    type = serializers.SlugField(help_text="Business type code.")
    data = serializers.DictField(child=serializers.CharField(allow_blank=True), required=False, default=dict)
    documents = serializers.ListField(child=id_field(), required=False, default=list, max_length=50)
    missing_note = serializers.CharField(required=False, allow_blank=True, default="", max_length=300)
    complete = serializers.BooleanField(required=False, default=False)
    outcome = serializers.CharField(required=False, allow_blank=True, default="", max_length=2000)


class DocumentsSerializer(serializers.Serializer):
    documents = serializers.ListField(child=id_field(), max_length=50)


class StartSerializer(serializers.Serializer):
    reference = serializers.CharField(required=False, allow_blank=True, default="", max_length=50)
    note = serializers.CharField(required=False, allow_blank=True, default="", max_length=2000)


class NoteSerializer(serializers.Serializer):
    note = serializers.CharField(max_length=2000)


class CompleteSerializer(serializers.Serializer):
    outcome = serializers.CharField(required=False, allow_blank=True, default="", max_length=2000)
    account_number = serializers.CharField(required=False, allow_blank=True, default="", max_length=20)
    meter_type = serializers.ChoiceField(
        choices=GasAccount.MeterType.choices, required=False, allow_blank=True, default=""
    )


class RejectSerializer(serializers.Serializer):
    reason = serializers.CharField(max_length=2000)


def _serve(request, hall_id):
    return get_hall_for_user(request.user, hall_id, "counter.serve_window")


class StartVisitView(APIView):
    @extend_schema(
        request=None,
        responses={201: VisitSerializer, **errors(400, 401, 403, 404)},
        summary="The called customer has arrived: start the visit",
    )
    def post(self, request, hall_id: int, ticket_id: int):
        hall = _serve(request, hall_id)
        visit = visit_services.start_visit(user=request.user, hall=hall, ticket_id=ticket_id)
        return Response(VisitSerializer(visit).data, status=status.HTTP_201_CREATED)


class VisitView(APIView):
    @extend_schema(responses={200: VisitSerializer, **errors(401, 403, 404)}, summary="A visit")
    def get(self, request, hall_id: int, visit_id: int):
        hall = get_hall_for_user(request.user, hall_id, "counter.view_business")
        visit = get_object_or_404(
            Visit.objects.select_related("ticket", "window", "rep"), pk=visit_id, hall=hall
        )
        return Response(VisitSerializer(visit).data)


class AttachAccountView(APIView):
    @extend_schema(
        request=AttachAccountSerializer,
        responses={200: VisitSerializer, **errors(400, 401, 403, 404, 415)},
        summary="Make the looked-up account the visit's account",
    )
    def post(self, request, hall_id: int, visit_id: int):
        hall = _serve(request, hall_id)
        data = validated(AttachAccountSerializer, request.data)
        account = customer_selectors.get_account(hall=hall, account_id=data["account"])
        visit = visit_services.attach_account(
            user=request.user, hall=hall, visit_id=visit_id, account=account
        )
        return Response(VisitSerializer(visit).data)


class StepView(APIView):
    @extend_schema(
        request=StepSerializer,
        responses={200: VisitSerializer, **errors(400, 401, 403, 404, 415)},
        summary="Move the visit to one of the six steps",
    )
    def post(self, request, hall_id: int, visit_id: int):
        hall = _serve(request, hall_id)
        data = validated(StepSerializer, request.data)
        visit = visit_services.set_step(
            user=request.user, hall=hall, visit_id=visit_id, step=data["step"], intent=data.get("intent")
        )
        return Response(VisitSerializer(visit).data)


class TransferVisitView(APIView):
    @extend_schema(
        request=TransferSerializer,
        responses={200: VisitSerializer, **errors(400, 401, 403, 404, 415)},
        summary="Send the customer on to another window or queue; this visit ends",
    )
    def post(self, request, hall_id: int, visit_id: int):
        hall = _serve(request, hall_id)
        data = validated(TransferSerializer, request.data)
        visit = visit_services.transfer_visit(
            user=request.user,
            hall=hall,
            visit_id=visit_id,
            to_window=queue_selectors.window_in_hall(hall, data["to_window"]),
            to_category=queue_selectors.category_in_hall(hall, data["to_category"]),
        )
        return Response(VisitSerializer(visit).data)


class BusinessTypeListView(APIView):
    @extend_schema(
        responses={200: BusinessTypeSerializer(many=True), **errors(401, 403)},
        summary="Business types with their documents and fields",
    )
    def get(self, request):
        return Response(BusinessTypeSerializer(business_selectors.active_business_types(), many=True).data)


class RecordBusinessView(APIView):
    @extend_schema(
        request=RecordBusinessSerializer,
        responses={201: BusinessSerializer, **errors(400, 401, 403, 404, 415)},
        summary="Record a business in the visit (missing documents make it incomplete)",
    )
    def post(self, request, hall_id: int, visit_id: int):
        hall = _serve(request, hall_id)
        visit = get_object_or_404(Visit, pk=visit_id, hall=hall)
        data = validated(RecordBusinessSerializer, request.data)
        business_type = get_object_or_404(BusinessType, code=data["type"], is_active=True)
        business = business_services.record_business(
            visit=visit,
            business_type=business_type,
            by=request.user,
            data=data["data"],
            documents_seen=data["documents"],
            missing_note=data["missing_note"],
            complete=data["complete"],
            outcome=data["outcome"],
        )
        return Response(BusinessSerializer(business).data, status=status.HTTP_201_CREATED)


class BusinessListView(APIView):
    @extend_schema(
        parameters=[OpenApiParameter("show", str, enum=["open", "overdue"])],
        responses={200: BusinessSerializer(many=True), **errors(400, 401, 403, 404)},
        summary="Open businesses of the hall, overdue first (at most 500)",
    )
    def get(self, request, hall_id: int):
        hall = get_hall_for_user(request.user, hall_id, "counter.view_business")
        today = business_day(hall, timezone.now())
        show = request.query_params.get("show", "open")
        if show not in ("open", "overdue"):
            raise serializers.ValidationError({"show": _("Choose open or overdue.")})
        if show == "overdue":
            rows = business_selectors.overdue_businesses(hall, today=today)
        else:
            rows = business_selectors.open_businesses(hall, today=today)
        rows = rows.prefetch_related("documents_seen")[:500]
        return Response(BusinessSerializer(rows, many=True).data)


class BusinessDetailView(APIView):
    @extend_schema(responses={200: BusinessSerializer, **errors(401, 403, 404)}, summary="A business")
    def get(self, request, hall_id: int, business_id: int):
        hall = get_hall_for_user(request.user, hall_id, "counter.view_business")
        return Response(BusinessSerializer(business_selectors.get_business(hall, business_id)).data)


def _business_action(serializer_class, call, summary, name):
    class BusinessActionView(APIView):
        @extend_schema(
            request=serializer_class,
            responses={200: BusinessSerializer, **errors(400, 401, 403, 404, 415)},
            summary=summary,
        )
        def post(self, request, hall_id: int, business_id: int):
            hall = get_hall_for_user(request.user, hall_id, "counter.handle_business")
            business = business_selectors.get_business(hall, business_id)
            data = validated(serializer_class, request.data)
            return Response(BusinessSerializer(call(business=business, by=request.user, **data)).data)

    BusinessActionView.__name__ = name
    return BusinessActionView


def _documents(*, business, by, documents):
    return business_services.supply_documents(business=business, by=by, documents_seen=documents)


def _reject(*, business, by, reason):
    return business_services.reject_business(business=business, by=by, reason=reason)


urlpatterns = [
    path("business-types/", BusinessTypeListView.as_view(), name="api_business_types"),
    path(
        "halls/<int:hall_id>/tickets/<int:ticket_id>/visit/", StartVisitView.as_view(), name="api_visit_start"
    ),
    path("halls/<int:hall_id>/visits/<int:visit_id>/", VisitView.as_view(), name="api_visit"),
    path(
        "halls/<int:hall_id>/visits/<int:visit_id>/account/",
        AttachAccountView.as_view(),
        name="api_visit_account",
    ),
    path("halls/<int:hall_id>/visits/<int:visit_id>/step/", StepView.as_view(), name="api_visit_step"),
    path(
        "halls/<int:hall_id>/visits/<int:visit_id>/rating-request/",
        window_action(
            visit_services.request_rating, VisitSerializer, "Ask the customer for a rating on the device"
        ).as_view(),
        name="api_visit_rating_request",
    ),
    path(
        "halls/<int:hall_id>/visits/<int:visit_id>/end/",
        window_action(
            visit_services.end_visit, VisitSerializer, "End the visit (at least one business recorded)"
        ).as_view(),
        name="api_visit_end",
    ),
    path(
        "halls/<int:hall_id>/visits/<int:visit_id>/transfer/",
        TransferVisitView.as_view(),
        name="api_visit_transfer",
    ),
    path(
        "halls/<int:hall_id>/visits/<int:visit_id>/businesses/",
        RecordBusinessView.as_view(),
        name="api_visit_businesses",
    ),
    path("halls/<int:hall_id>/businesses/", BusinessListView.as_view(), name="api_businesses"),
    path(
        "halls/<int:hall_id>/businesses/<int:business_id>/", BusinessDetailView.as_view(), name="api_business"
    ),
    path(
        "halls/<int:hall_id>/businesses/<int:business_id>/documents/",
        _business_action(
            DocumentsSerializer, _documents, "Record documents the customer brought", "BusinessDocumentsView"
        ).as_view(),
        name="api_business_documents",
    ),
    path(
        "halls/<int:hall_id>/businesses/<int:business_id>/start/",
        _business_action(
            StartSerializer,
            business_services.start_business,
            "Pass the business on for work",
            "BusinessStartView",
        ).as_view(),
        name="api_business_start",
    ),
    path(
        "halls/<int:hall_id>/businesses/<int:business_id>/follow-ups/",
        _business_action(
            NoteSerializer, business_services.follow_up, "Record a follow-up", "BusinessFollowUpView"
        ).as_view(),
        name="api_business_follow_up",
    ),
    path(
        "halls/<int:hall_id>/businesses/<int:business_id>/complete/",
        _business_action(
            CompleteSerializer,
            business_services.complete_business,
            "Complete the business",
            "BusinessCompleteView",
        ).as_view(),
        name="api_business_complete",
    ),
    path(
        "halls/<int:hall_id>/businesses/<int:business_id>/reject/",
        _business_action(RejectSerializer, _reject, "Reject the business", "BusinessRejectView").as_view(),
        name="api_business_reject",
    ),
]
