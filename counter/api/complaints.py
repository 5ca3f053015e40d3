"""API: complaints — list and receive, one complaint with its timeline, and the actions on it (take, hand
over, escalate, note, resolve, callback, major). The same services as the pages; the same scoping."""

from django.urls import path
from django.utils import timezone
from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_field
from rest_framework import generics, serializers, status
from rest_framework.response import Response
from rest_framework.views import APIView

from counter.errors import CounterError
from counter.models import Complaint, ComplaintEvent, Customer, GasAccount, Visit
from counter.selectors import complaints as selectors
from counter.services import complaints as services
from counter.validators import mask_phone
from servicecenter.api import MomentField, StaffMemberSerializer, errors, id_field, validated
from servicecenter.models import User
from servicecenter.scoping import get_hall_for_user


class MaskedPhoneField(serializers.CharField):
    """Written in full, shown masked (138****5678): personal data (spec §3.2)."""

    def to_representation(self, value):
        return mask_phone(value or "")


class ComplaintEventSerializer(serializers.Serializer):
    kind = serializers.ChoiceField(choices=ComplaintEvent.Kind.choices, source="event.kind")
    at = serializers.DateTimeField(source="event.at")
    by = StaffMemberSerializer(source="event.by", allow_null=True)
    to_user = StaffMemberSerializer(source="event.to_user", allow_null=True)
    from_user = StaffMemberSerializer(allow_null=True, help_text="For a hand-over: the previous owner.")
    note = serializers.CharField(source="event.note")


class ComplaintSerializer(serializers.ModelSerializer):
    """A complaint: written when it is received, read with its owner and timeline."""

    customer = id_field(source="customer_id", required=False, allow_null=True)
    account = id_field(source="account_id", required=False, allow_null=True)
    visit = id_field(source="visit_id", required=False, allow_null=True)
    contact_phone = MaskedPhoneField(max_length=20, required=False, allow_blank=True)
    reply_due = MomentField(
        required=False,
        allow_null=True,
        help_text="Defaults by severity: serious 24 hours, normal 3 days, minor 5 days.",
    )
    owner = StaffMemberSerializer(read_only=True, allow_null=True)
    received_by = StaffMemberSerializer(read_only=True, allow_null=True)
    is_overdue = serializers.SerializerMethodField()
    # Read-only choices that may be empty (DRF drops allow_blank from read-only model fields).
    escalated_to = serializers.ChoiceField(Complaint.Escalation.choices, read_only=True, allow_blank=True)
    closing = serializers.ChoiceField(Complaint.Closing.choices, read_only=True, allow_blank=True)
    callback_satisfaction = serializers.ChoiceField(
        Complaint.Satisfaction.choices, read_only=True, allow_blank=True
    )
    major_level = serializers.ChoiceField(Complaint.MajorLevel.choices, read_only=True, allow_blank=True)
    events = serializers.SerializerMethodField()

    class Meta:
        model = Complaint
        fields = [
            "id",
            "number",
            "hall",
            "status",
            "channel",
            "category",
            "cause",
            "severity",
            "is_vip",
            "customer",
            "account",
            "visit",
            "contact_name",
            "contact_phone",
            "description",
            "wants",
            "received_at",
            "received_by",
            "owner",
            "reply_due",
            "is_overdue",
            "escalated_to",
            "resolution",
            "closing",
            "resolved_at",
            "callback_at",
            "callback_satisfaction",
            "callback_note",
            "major_level",
            "major_justified",
            "events",
        ]
        read_only_fields = [
            "number",
            "hall",
            "status",
            "received_at",
            "resolution",
            "resolved_at",
            "callback_at",
            "callback_note",
            "major_justified",
        ]
        extra_kwargs = {
            "channel": {"required": True},
            "category": {"required": True},
            "cause": {"required": True},
            "description": {"required": True, "max_length": services.MAX_TEXT},
            "wants": {"max_length": services.MAX_TEXT},
        }

    def get_is_overdue(self, obj) -> bool:
        now = self.context.get("now") or timezone.now()
        return bool(obj.is_open and obj.reply_due is not None and obj.reply_due < now)

    @extend_schema_field(ComplaintEventSerializer(many=True))
    def get_events(self, obj):
        return ComplaintEventSerializer(selectors.timeline(obj), many=True).data


class ComplaintHandOverSerializer(serializers.Serializer):
    to_user = id_field(help_text="The colleague (user id) who owns the complaint from now on.")
    note = serializers.CharField(max_length=services.MAX_TEXT)


class ComplaintEscalationSerializer(serializers.Serializer):
    escalated_to = serializers.ChoiceField(
        choices=[(v, label) for v, label in Complaint.Escalation.choices if v]
    )
    note = serializers.CharField(max_length=services.MAX_TEXT)
    reply_due = MomentField(required=False, allow_null=True, help_text="A new reply deadline, if any.")


class ComplaintNoteSerializer(serializers.Serializer):
    note = serializers.CharField(max_length=services.MAX_TEXT)


class ComplaintResolutionSerializer(serializers.Serializer):
    resolution = serializers.CharField(max_length=services.MAX_TEXT)
    closing = serializers.ChoiceField(choices=Complaint.Closing.choices)


class ComplaintCallbackSerializer(serializers.Serializer):
    callback_satisfaction = serializers.ChoiceField(
        choices=Complaint.Satisfaction.choices,
        help_text="“dissatisfied” reopens the complaint; any other answer closes it.",
    )
    note = serializers.CharField(max_length=services.MAX_TEXT, required=False, allow_blank=True, default="")


class ComplaintMajorSerializer(serializers.Serializer):
    major_level = serializers.ChoiceField(
        choices=Complaint.MajorLevel.choices, allow_blank=True, help_text="Empty clears the mark."
    )
    major_justified = serializers.BooleanField(default=False)


class ComplaintQuerySerializer(serializers.Serializer):
    show = serializers.ChoiceField(choices=selectors.LIST_FILTERS, required=False, default="open")


def _complaint(request, hall_id, pk) -> Complaint:
    hall = get_hall_for_user(request.user, hall_id, "counter.view_complaint")
    return selectors.complaint_for_user(request.user, hall=hall, complaint_id=pk)


def _detail(complaint: Complaint, *, code=status.HTTP_200_OK) -> Response:
    complaint = Complaint.objects.select_related("owner", "received_by", "hall").get(pk=complaint.pk)
    return Response(ComplaintSerializer(complaint, context={"now": timezone.now()}).data, status=code)


class ComplaintListView(generics.ListAPIView):
    serializer_class = ComplaintSerializer

    @extend_schema(
        parameters=[
            OpenApiParameter(
                "show",
                str,
                enum=list(selectors.LIST_FILTERS),
                description="open (default: VIP first, then overdue, then by reply due), overdue, mine, "
                "callback (resolved, awaiting the callback), all (newest first).",
            )
        ],
        responses={200: ComplaintSerializer(many=True), **errors(400, 401, 403, 404)},
        summary="The hall's complaints, each with its owner and timeline",
    )
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)

    def get_serializer_context(self):
        return {**super().get_serializer_context(), "now": getattr(self, "now", None)}

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return Complaint.objects.none()
        hall = get_hall_for_user(self.request.user, self.kwargs["hall_id"], "counter.view_complaint")
        query = validated(ComplaintQuerySerializer, self.request.query_params.dict())
        self.now = timezone.now()
        return selectors.with_timeline(
            selectors.complaint_list(hall, user=self.request.user, which=query["show"], now=self.now)
        )

    @extend_schema(
        request=ComplaintSerializer,
        responses={201: ComplaintSerializer, **errors(400, 401, 403, 404)},
        summary="Receive a complaint: the caller owns it (first-contact ownership)",
    )
    def post(self, request, hall_id: int):
        hall = get_hall_for_user(request.user, hall_id, "counter.handle_complaint")
        data = validated(ComplaintSerializer, request.data)

        def scoped(model, pk, **scope):
            if pk is None:
                return None
            obj = model.objects.filter(pk=pk, **scope).first()
            if obj is None:
                raise CounterError(
                    {
                        Customer: _("No such customer."),
                        GasAccount: _("No such account."),
                        Visit: _("No such visit in this hall."),
                    }[model],
                    code="not_found",
                )
            return obj

        complaint = services.receive_complaint(
            hall=hall,
            by=request.user,
            channel=data["channel"],
            category=data["category"],
            cause=data["cause"],
            severity=data.get("severity", Complaint.Severity.NORMAL),
            is_vip=data.get("is_vip", False),
            customer=scoped(Customer, data.get("customer_id"), company_id=hall.company_id),
            account=scoped(GasAccount, data.get("account_id"), company_id=hall.company_id),
            visit=scoped(Visit, data.get("visit_id"), hall=hall),
            contact_name=data.get("contact_name", ""),
            contact_phone=data.get("contact_phone", ""),
            description=data["description"],
            wants=data.get("wants", ""),
            reply_due=data.get("reply_due"),
        )
        return _detail(complaint, code=status.HTTP_201_CREATED)


class ComplaintDetailView(APIView):
    @extend_schema(
        responses={200: ComplaintSerializer, **errors(401, 403, 404)},
        summary="One complaint with its owner and timeline",
    )
    def get(self, request, hall_id: int, pk: int):
        return _detail(_complaint(request, hall_id, pk))


def _action(summary: str, request_serializer=None):
    return extend_schema(
        request=request_serializer,
        responses={200: ComplaintSerializer, **errors(400, 401, 403, 404)},
        summary=summary,
    )


class TakeView(APIView):
    @_action("Take a draft (from a “Dissatisfied” rating): the caller owns it (duty manager, supervisor)")
    def post(self, request, hall_id: int, pk: int):
        complaint = services.take_complaint(complaint=_complaint(request, hall_id, pk), by=request.user)
        return _detail(complaint)


class HandOverView(APIView):
    @_action(
        "Hand the complaint over to a colleague, with a note (the owner, or a supervisor)",
        ComplaintHandOverSerializer,
    )
    def post(self, request, hall_id: int, pk: int):
        complaint = _complaint(request, hall_id, pk)
        data = validated(ComplaintHandOverSerializer, request.data)
        to_user = User.objects.filter(pk=data["to_user"], is_active=True).first()
        complaint = services.hand_over(
            complaint=complaint, to_user=to_user, by=request.user, note=data["note"]
        )
        return _detail(complaint)


class EscalateView(APIView):
    @_action(
        "Escalate to the duty manager or the supervisor, optionally with a new deadline",
        ComplaintEscalationSerializer,
    )
    def post(self, request, hall_id: int, pk: int):
        complaint = _complaint(request, hall_id, pk)
        data = validated(ComplaintEscalationSerializer, request.data)
        complaint = services.escalate(
            complaint=complaint,
            to=data["escalated_to"],
            by=request.user,
            note=data["note"],
            reply_due=data.get("reply_due"),
        )
        return _detail(complaint)


class NoteView(APIView):
    @_action("Add a note to the timeline", ComplaintNoteSerializer)
    def post(self, request, hall_id: int, pk: int):
        complaint = _complaint(request, hall_id, pk)
        data = validated(ComplaintNoteSerializer, request.data)
        services.add_note(complaint=complaint, note=data["note"], by=request.user)
        return _detail(complaint)


class ResolveView(APIView):
    @_action(
        "Resolve, recording whether the customer was thanked or apologised to", ComplaintResolutionSerializer
    )
    def post(self, request, hall_id: int, pk: int):
        complaint = _complaint(request, hall_id, pk)
        data = validated(ComplaintResolutionSerializer, request.data)
        complaint = services.resolve(
            complaint=complaint, resolution=data["resolution"], closing=data["closing"], by=request.user
        )
        return _detail(complaint)


class CallbackView(APIView):
    @_action(
        "Record the callback: closes the complaint, or reopens it if the customer is dissatisfied",
        ComplaintCallbackSerializer,
    )
    def post(self, request, hall_id: int, pk: int):
        complaint = _complaint(request, hall_id, pk)
        data = validated(ComplaintCallbackSerializer, request.data)
        complaint = services.record_callback(
            complaint=complaint,
            satisfaction=data["callback_satisfaction"],
            note=data["note"],
            by=request.user,
        )
        return _detail(complaint)


class MajorView(APIView):
    @_action(
        "Mark a major complaint: the level it reached and whether it was justified (supervisor)",
        ComplaintMajorSerializer,
    )
    def post(self, request, hall_id: int, pk: int):
        complaint = _complaint(request, hall_id, pk)
        data = validated(ComplaintMajorSerializer, request.data)
        complaint = services.mark_major(
            complaint=complaint, level=data["major_level"], justified=data["major_justified"], by=request.user
        )
        return _detail(complaint)


_BASE = "halls/<int:hall_id>/complaints/"
urlpatterns = [
    path(_BASE, ComplaintListView.as_view(), name="api_complaints"),
    path(f"{_BASE}<int:pk>/", ComplaintDetailView.as_view(), name="api_complaint"),
    path(f"{_BASE}<int:pk>/take/", TakeView.as_view(), name="api_complaint_take"),
    path(f"{_BASE}<int:pk>/hand-over/", HandOverView.as_view(), name="api_complaint_hand_over"),
    path(f"{_BASE}<int:pk>/escalate/", EscalateView.as_view(), name="api_complaint_escalate"),
    path(f"{_BASE}<int:pk>/notes/", NoteView.as_view(), name="api_complaint_notes"),
    path(f"{_BASE}<int:pk>/resolve/", ResolveView.as_view(), name="api_complaint_resolve"),
    path(f"{_BASE}<int:pk>/callback/", CallbackView.as_view(), name="api_complaint_callback"),
    path(f"{_BASE}<int:pk>/major/", MajorView.as_view(), name="api_complaint_major"),
]
