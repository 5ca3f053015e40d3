"""API: the queue — categories, issuing tickets, the rep's post, call next, recall, no-show, transfer."""

from django.urls import path
from django.utils import timezone
from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers, status
from rest_framework.response import Response
from rest_framework.views import APIView

from counter.errors import CounterError
from counter.models import Ticket, WindowPost
from counter.selectors import queue as queue_selectors
from counter.services import queue as queue_services
from servicecenter.api import choice_param, errors, id_field, validated
from servicecenter.clock import business_day
from servicecenter.scoping import get_hall_for_user


class TicketSerializer(serializers.ModelSerializer):
    category = serializers.CharField(source="category.prefix")
    window = serializers.IntegerField(source="window.number", allow_null=True, default=None)
    waited_seconds = serializers.IntegerField(allow_null=True)
    served_seconds = serializers.IntegerField(allow_null=True)

    class Meta:
        model = Ticket
        fields = [
            "id",
            "code",
            "category",
            "priority",
            "status",
            "business_day",
            "issued_at",
            "waiting_ahead",
            "window",
            "call_count",
            "first_called_at",
            "service_started_at",
            "finished_at",
            "waited_seconds",
            "served_seconds",
        ]


class QueueLineSerializer(serializers.Serializer):
    id = serializers.IntegerField(source="category.pk")
    prefix = serializers.CharField(source="category.prefix")
    name = serializers.CharField(source="category.name")
    waiting = serializers.IntegerField()
    priority_waiting = serializers.IntegerField()
    longest_wait_seconds = serializers.IntegerField(allow_null=True)


class IssueTicketSerializer(serializers.Serializer):
    category = id_field(help_text="Ticket category id (see ticket-categories).")
    priority = serializers.BooleanField(default=False, help_text="VIP or major customer: called first.")


class PostSerializer(serializers.ModelSerializer):
    window = serializers.IntegerField(source="window.number")
    window_id = serializers.IntegerField()
    categories = serializers.PrimaryKeyRelatedField(many=True, read_only=True)

    class Meta:
        model = WindowPost
        fields = ["id", "window", "window_id", "status", "categories", "started_at", "ended_at"]


class OpenPostSerializer(serializers.Serializer):
    window = serializers.IntegerField(help_text="Window id.")
    categories = serializers.ListField(
        child=serializers.IntegerField(),
        required=False,
        default=list,
        help_text="Queues to call; empty = all.",
    )


class TransferSerializer(serializers.Serializer):
    to_window = id_field(required=False, allow_null=True, default=None)
    to_category = id_field(required=False, allow_null=True, default=None)


class CategoryListView(APIView):
    @extend_schema(
        responses={200: QueueLineSerializer(many=True), **errors(401, 403, 404)},
        summary="The hall's open queues with how many wait and the longest wait",
    )
    def get(self, request, hall_id: int):
        hall = get_hall_for_user(request.user, hall_id, "counter.view_ticket")
        now = timezone.now()
        lines = queue_selectors.queue_summary(hall, day=business_day(hall, now), now=now)
        return Response(QueueLineSerializer(lines, many=True).data)


class TicketListView(APIView):
    @extend_schema(
        parameters=[OpenApiParameter("status", str, enum=Ticket.Status.values)],
        responses={200: TicketSerializer(many=True), **errors(400, 401, 403, 404)},
        summary="Today's tickets of the hall, the latest first (at most 200)",
    )
    def get(self, request, hall_id: int):
        hall = get_hall_for_user(request.user, hall_id, "counter.view_ticket")
        wanted = choice_param(request, "status", Ticket.Status.values, _("Unknown status."))
        tickets = queue_selectors.tickets_today(
            hall, day=business_day(hall, timezone.now()), status=wanted, limit=200
        )
        return Response(TicketSerializer(tickets, many=True).data)

    @extend_schema(
        request=IssueTicketSerializer,
        responses={201: TicketSerializer, **errors(400, 401, 403, 404, 415)},
        summary="Issue a queue ticket",
    )
    def post(self, request, hall_id: int):
        hall = get_hall_for_user(request.user, hall_id, "counter.add_ticket")
        data = validated(IssueTicketSerializer, request.data)
        ticket = queue_services.issue_ticket(
            hall=hall,
            category=queue_selectors.category_in_hall(hall, data["category"]),
            priority=data["priority"],
            by=request.user,
        )
        return Response(TicketSerializer(ticket).data, status=status.HTTP_201_CREATED)


class PostView(APIView):
    @extend_schema(
        responses={200: PostSerializer, **errors(400, 401, 403, 404)},
        summary="The signed-in rep's post at a window in this hall",
    )
    def get(self, request, hall_id: int):
        hall = get_hall_for_user(request.user, hall_id, "counter.serve_window")
        post = queue_selectors.current_post(user=request.user, hall=hall)
        if post is None:
            raise CounterError(_("Sign on at a window first."), code="no_post")
        return Response(PostSerializer(post).data)

    @extend_schema(
        request=OpenPostSerializer,
        responses={201: PostSerializer, **errors(400, 401, 403, 404, 415)},
        summary="Sign on at a window",
    )
    def post(self, request, hall_id: int):
        hall = get_hall_for_user(request.user, hall_id, "counter.serve_window")
        data = validated(OpenPostSerializer, request.data)
        categories = [queue_selectors.category_in_hall(hall, pk) for pk in data["categories"]]
        post = queue_services.open_post(
            hall=hall,
            window=queue_selectors.window_in_hall(hall, data["window"]),
            user=request.user,
            categories=categories,
        )
        return Response(PostSerializer(post).data, status=status.HTTP_201_CREATED)


def window_action(action, output, summary):
    """An endpoint for one button of the rep's window: POST with no body; the ids in the URL (ticket_id,
    visit_id) go to the service as they are; the answer is the record it returns."""

    class WindowActionView(APIView):
        @extend_schema(request=None, responses={200: output, **errors(400, 401, 403, 404)}, summary=summary)
        def post(self, request, hall_id: int, **ids):
            hall = get_hall_for_user(request.user, hall_id, "counter.serve_window")
            return Response(output(action(user=request.user, hall=hall, **ids)).data)

    WindowActionView.__name__ = f"{action.__name__.title().replace('_', '')}View"
    return WindowActionView


class CallNextView(APIView):
    @extend_schema(
        request=None,
        responses={200: TicketSerializer, **errors(400, 401, 403, 404)},
        summary="Call the next ticket to my window (priority first, then the longest waiting)",
    )
    def post(self, request, hall_id: int):
        hall = get_hall_for_user(request.user, hall_id, "counter.serve_window")
        return Response(TicketSerializer(queue_services.call_next(user=request.user, hall=hall)).data)


class TransferTicketView(APIView):
    @extend_schema(
        request=TransferSerializer,
        responses={200: TicketSerializer, **errors(400, 401, 403, 404, 415)},
        summary="Send a called ticket to another window or queue (it keeps its place)",
    )
    def post(self, request, hall_id: int, ticket_id: int):
        hall = get_hall_for_user(request.user, hall_id, "counter.serve_window")
        data = validated(TransferSerializer, request.data)
        ticket = queue_services.transfer_ticket(
            user=request.user,
            hall=hall,
            ticket_id=ticket_id,
            to_window=queue_selectors.window_in_hall(hall, data["to_window"]),
            to_category=queue_selectors.category_in_hall(hall, data["to_category"]),
        )
        return Response(TicketSerializer(ticket).data)


urlpatterns = [
    path("halls/<int:hall_id>/ticket-categories/", CategoryListView.as_view(), name="api_ticket_categories"),
    path("halls/<int:hall_id>/tickets/", TicketListView.as_view(), name="api_tickets"),
    path("halls/<int:hall_id>/post/", PostView.as_view(), name="api_post"),
    path(
        "halls/<int:hall_id>/post/pause/",
        window_action(queue_services.pause_post, PostSerializer, "Pause my window").as_view(),
        name="api_post_pause",
    ),
    path(
        "halls/<int:hall_id>/post/resume/",
        window_action(queue_services.resume_post, PostSerializer, "Resume calling at my window").as_view(),
        name="api_post_resume",
    ),
    path(
        "halls/<int:hall_id>/post/end/",
        window_action(queue_services.end_post, PostSerializer, "Sign off from my window").as_view(),
        name="api_post_end",
    ),
    path("halls/<int:hall_id>/call-next/", CallNextView.as_view(), name="api_call_next"),
    path(
        "halls/<int:hall_id>/tickets/<int:ticket_id>/recall/",
        window_action(queue_services.recall, TicketSerializer, "Call the ticket again").as_view(),
        name="api_ticket_recall",
    ),
    path(
        "halls/<int:hall_id>/tickets/<int:ticket_id>/no-show/",
        window_action(
            queue_services.mark_no_show, TicketSerializer, "Mark the called ticket a no-show"
        ).as_view(),
        name="api_ticket_no_show",
    ),
    path(
        "halls/<int:hall_id>/tickets/<int:ticket_id>/transfer/",
        TransferTicketView.as_view(),
        name="api_ticket_transfer",
    ),
]
