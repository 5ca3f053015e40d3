"""API: site management (spec §6) — a hall's incidents with their handling steps, and its checklists."""

from django.core.exceptions import PermissionDenied
from django.urls import path
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import generics, serializers, status
from rest_framework.response import Response

from counter.models import ChecklistItem, ChecklistRun, Incident, IncidentKind
from counter.selectors import site as selectors
from counter.services import site as services
from servicecenter.api import MAX_ID, MomentField, StaffMemberSerializer, choice_param, errors, validated
from servicecenter.scoping import get_hall_for_user, has_hall_perm

# --- Incidents ---------------------------------------------------------------------------------------


class IncidentStepSerializer(serializers.Serializer):
    id = serializers.IntegerField(read_only=True)
    text = serializers.CharField(read_only=True)
    sort = serializers.IntegerField(read_only=True)
    done_at = serializers.DateTimeField(read_only=True, allow_null=True)
    done_by = StaffMemberSerializer(read_only=True, allow_null=True)


class IncidentSerializer(serializers.Serializer):
    """An incident as read, and (its writable fields) as reported."""

    id = serializers.IntegerField(read_only=True)
    kind = serializers.ChoiceField(choices=IncidentKind.choices)
    status = serializers.ChoiceField(choices=Incident.Status.choices, read_only=True)
    business_day = serializers.DateField(read_only=True)
    occurred_at = MomentField(help_text="When it happened; not in the future.")
    reported_at = serializers.DateTimeField(read_only=True)
    reported_by = StaffMemberSerializer(read_only=True)
    description = serializers.CharField(max_length=5000)
    people = serializers.CharField(
        max_length=200, required=False, allow_blank=True, default="", help_text="Others involved."
    )
    staff_involved = StaffMemberSerializer(many=True, read_only=True)
    staff_involved_ids = serializers.ListField(
        child=serializers.IntegerField(min_value=1, max_value=MAX_ID),
        write_only=True,
        required=False,
        default=list,
        max_length=50,
        help_text="Ids of the hall's staff who were involved.",
    )
    note_denomination = serializers.DecimalField(
        max_digits=6,
        decimal_places=2,
        required=False,
        allow_null=True,
        default=None,
        help_text="Counterfeit note only: 100, 50, 20, 10, 5 or 1.",
    )
    note_serial = serializers.CharField(
        max_length=20,
        required=False,
        allow_blank=True,
        default="",
        help_text="Counterfeit note only: its serial number, 10 letters and digits, e.g. FA12345678.",
    )
    actions = serializers.CharField(read_only=True)
    outcome = serializers.CharField(read_only=True)
    closed_at = serializers.DateTimeField(read_only=True, allow_null=True)
    closed_by = StaffMemberSerializer(read_only=True, allow_null=True)
    steps = IncidentStepSerializer(many=True, read_only=True)


class IncidentCloseSerializer(serializers.Serializer):
    outcome = serializers.CharField(max_length=5000)
    unticked_reason = serializers.CharField(
        max_length=1000,
        required=False,
        allow_blank=True,
        default="",
        help_text="Needed while some handling steps are not ticked: why they were not needed.",
    )


def _hall_for_incidents(request, hall_id):
    hall = get_hall_for_user(request.user, hall_id)
    if not selectors.may_see_incidents(request.user, hall):
        raise PermissionDenied
    return hall


class IncidentListView(generics.GenericAPIView):
    queryset = Incident.objects.none()  # for the schema: the rows come from the selectors
    serializer_class = IncidentSerializer

    @extend_schema(
        parameters=[OpenApiParameter("status", OpenApiTypes.STR, enum=Incident.Status.values)],
        responses={200: IncidentSerializer(many=True), **errors(400, 401, 403, 404)},
        summary="The hall's incidents, open first then newest (a reporter sees the ones they reported)",
    )
    def get(self, request, hall_id: int):
        hall = _hall_for_incidents(request, hall_id)
        incidents = selectors.incidents_with_details(hall, request.user)
        wanted = choice_param(request, "status", Incident.Status.values, _("Unknown status."))
        if wanted:
            incidents = incidents.filter(status=wanted)
        page = self.paginate_queryset(incidents)
        return self.get_paginated_response(IncidentSerializer(page, many=True).data)

    @extend_schema(
        request=IncidentSerializer,
        responses={201: IncidentSerializer, **errors(400, 401, 403, 404, 415)},
        summary="Report an incident; it gets the hall's handling steps for its kind",
    )
    def post(self, request, hall_id: int):
        hall = get_hall_for_user(request.user, hall_id, "counter.report_incident")
        data = validated(IncidentSerializer, request.data)
        incident = services.report_incident(
            hall=hall,
            kind=data["kind"],
            occurred_at=data["occurred_at"],
            description=data["description"],
            people=data["people"],
            staff_involved=data["staff_involved_ids"],
            note_denomination=data["note_denomination"],
            note_serial=data["note_serial"],
            by=request.user,
        )
        incident = selectors.get_incident_for_user(request.user, hall, incident.pk)
        return Response(IncidentSerializer(incident).data, status=status.HTTP_201_CREATED)


class IncidentDetailView(generics.GenericAPIView):
    queryset = Incident.objects.none()  # for the schema: the rows come from the selectors
    serializer_class = IncidentSerializer

    @extend_schema(
        responses={200: IncidentSerializer, **errors(401, 403, 404)},
        summary="One incident with its handling steps",
    )
    def get(self, request, hall_id: int, incident_id: int):
        hall = _hall_for_incidents(request, hall_id)
        return Response(
            IncidentSerializer(selectors.get_incident_for_user(request.user, hall, incident_id)).data
        )


class IncidentStepTickView(generics.GenericAPIView):
    queryset = Incident.objects.none()  # for the schema: the rows come from the selectors
    serializer_class = IncidentStepSerializer

    @extend_schema(
        request=None,
        responses={200: IncidentStepSerializer, **errors(400, 401, 403, 404)},
        summary="Tick a handling step as done (by the signed-in user, now)",
    )
    def post(self, request, hall_id: int, incident_id: int, step_id: int):
        hall = _hall_for_incidents(request, hall_id)
        incident = selectors.get_incident_for_user(request.user, hall, incident_id)
        step = selectors.get_step(incident, step_id)
        if not has_hall_perm(request.user, hall, "counter.manage_site"):
            raise PermissionDenied
        step = services.tick_step(step=step, by=request.user)
        return Response(IncidentStepSerializer(step).data)


class IncidentStepUntickView(generics.GenericAPIView):
    queryset = Incident.objects.none()  # for the schema: the rows come from the selectors
    serializer_class = IncidentStepSerializer

    @extend_schema(
        request=None,
        responses={200: IncidentStepSerializer, **errors(400, 401, 403, 404)},
        summary="Undo the tick of a handling step (the history keeps who ticked it)",
    )
    def post(self, request, hall_id: int, incident_id: int, step_id: int):
        hall = _hall_for_incidents(request, hall_id)
        incident = selectors.get_incident_for_user(request.user, hall, incident_id)
        step = selectors.get_step(incident, step_id)
        if not has_hall_perm(request.user, hall, "counter.manage_site"):
            raise PermissionDenied
        return Response(IncidentStepSerializer(services.untick_step(step=step, by=request.user)).data)


class IncidentUpdateSerializer(serializers.Serializer):
    actions = serializers.CharField(required=False, allow_blank=True, max_length=5000)
    people = serializers.CharField(required=False, allow_blank=True, max_length=200)
    staff_involved = serializers.ListField(
        child=serializers.IntegerField(min_value=1, max_value=MAX_ID), required=False, max_length=50
    )


class IncidentUpdateView(generics.GenericAPIView):
    queryset = Incident.objects.none()  # for the schema: the rows come from the selectors
    serializer_class = IncidentUpdateSerializer

    @extend_schema(
        request=IncidentUpdateSerializer,
        responses={200: IncidentSerializer, **errors(400, 401, 403, 404, 415)},
        summary="Record the actions taken and the people involved (fields left out stay as they are)",
    )
    def post(self, request, hall_id: int, incident_id: int):
        hall = _hall_for_incidents(request, hall_id)
        incident = selectors.get_incident_for_user(request.user, hall, incident_id)
        if not has_hall_perm(request.user, hall, "counter.manage_site"):
            raise PermissionDenied
        data = validated(IncidentUpdateSerializer, request.data)
        services.update_incident(incident=incident, by=request.user, **data)
        return Response(
            IncidentSerializer(selectors.get_incident_for_user(request.user, hall, incident_id)).data
        )


class IncidentCloseView(generics.GenericAPIView):
    queryset = Incident.objects.none()  # for the schema: the rows come from the selectors
    serializer_class = IncidentCloseSerializer

    @extend_schema(
        request=IncidentCloseSerializer,
        responses={200: IncidentSerializer, **errors(400, 401, 403, 404, 415)},
        summary="Close an incident with its outcome",
    )
    def post(self, request, hall_id: int, incident_id: int):
        hall = _hall_for_incidents(request, hall_id)
        incident = selectors.get_incident_for_user(request.user, hall, incident_id)
        if not has_hall_perm(request.user, hall, "counter.manage_site"):
            raise PermissionDenied
        data = validated(IncidentCloseSerializer, request.data)
        services.close_incident(incident=incident, by=request.user, **data)
        incident = selectors.get_incident_for_user(request.user, hall, incident_id)
        return Response(IncidentSerializer(incident).data)


# --- Checklists --------------------------------------------------------------------------------------


class ChecklistAnswerSerializer(serializers.Serializer):
    item = serializers.IntegerField(
        source="item_id", min_value=1, max_value=MAX_ID, help_text="The checklist point's id."
    )
    section = serializers.ChoiceField(choices=ChecklistItem.Section.choices, read_only=True)
    text = serializers.CharField(read_only=True)
    ok = serializers.BooleanField(help_text="In order.")
    note = serializers.CharField(
        max_length=200, required=False, allow_blank=True, default="", help_text="Needed when not in order."
    )


class ChecklistRunSerializer(serializers.Serializer):
    """A completed checklist as read, and (its writable fields) as completed."""

    id = serializers.IntegerField(read_only=True)
    kind = serializers.ChoiceField(choices=ChecklistItem.Kind.choices)
    business_day = serializers.DateField(read_only=True)
    completed_at = serializers.DateTimeField(read_only=True)
    completed_by = StaffMemberSerializer(read_only=True)
    remarks = serializers.CharField(max_length=2000, required=False, allow_blank=True, default="")
    answers = ChecklistAnswerSerializer(many=True, help_text="One answer for every active point.")

    def validate_answers(self, value):
        ids = [answer["item_id"] for answer in value]
        if len(ids) != len(set(ids)):
            raise serializers.ValidationError(_("Each point is answered once."))
        return value


class ChecklistRunListView(generics.GenericAPIView):
    queryset = ChecklistRun.objects.none()  # for the schema: the rows come from the selectors
    serializer_class = ChecklistRunSerializer

    @extend_schema(
        parameters=[OpenApiParameter("kind", OpenApiTypes.STR, enum=ChecklistItem.Kind.values)],
        responses={200: ChecklistRunSerializer(many=True), **errors(400, 401, 403, 404)},
        summary="The hall's completed checklists, newest first, with their answers",
    )
    def get(self, request, hall_id: int):
        hall = get_hall_for_user(request.user, hall_id, "counter.view_checklistrun")
        runs = selectors.checklist_runs(hall)
        kind = choice_param(request, "kind", ChecklistItem.Kind.values, _("Unknown checklist."))
        if kind:
            runs = runs.filter(kind=kind)
        page = self.paginate_queryset(runs)
        return self.get_paginated_response(ChecklistRunSerializer(page, many=True).data)

    @extend_schema(
        request=ChecklistRunSerializer,
        responses={201: ChecklistRunSerializer, **errors(400, 401, 403, 404, 415)},
        summary="Complete today's opening or closing checklist",
    )
    def post(self, request, hall_id: int):
        hall = get_hall_for_user(request.user, hall_id, "counter.manage_site")
        data = validated(ChecklistRunSerializer, request.data)
        run = services.complete_checklist(
            hall=hall,
            kind=data["kind"],
            answers={a["item_id"]: (a["ok"], a["note"]) for a in data["answers"]},
            remarks=data["remarks"],
            by=request.user,
        )
        return Response(
            ChecklistRunSerializer(selectors.get_run(hall, run.pk)).data, status=status.HTTP_201_CREATED
        )


urlpatterns = [
    path("halls/<int:hall_id>/incidents/", IncidentListView.as_view(), name="api_incidents"),
    path(
        "halls/<int:hall_id>/incidents/<int:incident_id>/", IncidentDetailView.as_view(), name="api_incident"
    ),
    path(
        "halls/<int:hall_id>/incidents/<int:incident_id>/steps/<int:step_id>/tick/",
        IncidentStepTickView.as_view(),
        name="api_incident_step_tick",
    ),
    path(
        "halls/<int:hall_id>/incidents/<int:incident_id>/steps/<int:step_id>/untick/",
        IncidentStepUntickView.as_view(),
        name="api_incident_step_untick",
    ),
    path(
        "halls/<int:hall_id>/incidents/<int:incident_id>/update/",
        IncidentUpdateView.as_view(),
        name="api_incident_update",
    ),
    path(
        "halls/<int:hall_id>/incidents/<int:incident_id>/close/",
        IncidentCloseView.as_view(),
        name="api_incident_close",
    ),
    path("halls/<int:hall_id>/checklists/", ChecklistRunListView.as_view(), name="api_checklists"),
]
