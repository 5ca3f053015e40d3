"""Complaint pages: the list (owner always shown), the form, the case with its timeline and actions; and
the duty manager's acknowledgement of a 不满意 alert. Every action calls counter.services.complaints."""

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import path, reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from counter.errors import CounterError
from counter.forms import StyledForm
from counter.models import Complaint, Visit
from counter.selectors import complaints as selectors
from counter.selectors.customers import get_account
from counter.services import complaints as services
from counter.services import ratings as rating_services
from counter.validators import mask_phone
from servicecenter.scoping import hall_view, has_hall_perm, int_or_404

PAGE_SIZE = 50


class ComplaintForm(StyledForm):
    channel = forms.ChoiceField(
        label=gettext_lazy("Channel"),
        choices=[(v, label) for v, label in Complaint.Channel.choices if v in services.RECEIVING_CHANNELS],
        initial=Complaint.Channel.COUNTER,
    )
    category = forms.ChoiceField(label=gettext_lazy("Category"), choices=Complaint.Category.choices)
    cause = forms.ChoiceField(
        label=gettext_lazy("Cause"), choices=Complaint.Cause.choices, widget=forms.RadioSelect
    )
    severity = forms.ChoiceField(
        label=gettext_lazy("Severity"), choices=Complaint.Severity.choices, initial=Complaint.Severity.NORMAL
    )
    is_vip = forms.BooleanField(label=gettext_lazy("VIP / major customer (handled first)"), required=False)
    contact_name = forms.CharField(label=gettext_lazy("Contact name"), max_length=100, required=False)
    contact_phone = forms.CharField(label=gettext_lazy("Contact phone"), max_length=20, required=False)
    description = forms.CharField(
        label=gettext_lazy("What happened"), widget=forms.Textarea(attrs={"rows": 4}), max_length=4000
    )
    wants = forms.CharField(
        label=gettext_lazy("What the customer wants"),
        widget=forms.Textarea(attrs={"rows": 2}),
        max_length=4000,
        required=False,
    )
    reply_due = forms.DateTimeField(
        label=gettext_lazy("Reply due"),
        required=False,
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
        help_text=gettext_lazy("Leave empty for the default: serious 24 hours, normal 3 days, minor 5 days."),
    )
    visit = forms.IntegerField(required=False, widget=forms.HiddenInput)
    account = forms.IntegerField(required=False, widget=forms.HiddenInput)


class HandOverForm(StyledForm):
    to_user = forms.TypedChoiceField(label=gettext_lazy("Hand over to"), coerce=int, choices=())
    note = forms.CharField(
        label=gettext_lazy("Note"), max_length=4000, widget=forms.Textarea(attrs={"rows": 2})
    )

    def __init__(self, *args, handlers, **kwargs):
        super().__init__(*args, **kwargs)
        self.handlers = {u.pk: u for u in handlers}
        self.fields["to_user"].choices = [
            (u.pk, f"{u.display_name} ({u.staff_number or u.username})") for u in handlers
        ]


class EscalateForm(StyledForm):
    to = forms.ChoiceField(
        label=gettext_lazy("Escalate to"),
        choices=[(v, label) for v, label in Complaint.Escalation.choices if v],
    )
    note = forms.CharField(
        label=gettext_lazy("Note"), max_length=4000, widget=forms.Textarea(attrs={"rows": 2})
    )
    reply_due = forms.DateTimeField(
        label=gettext_lazy("New reply deadline"),
        required=False,
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
    )


class NoteForm(StyledForm):
    note = forms.CharField(
        label=gettext_lazy("Note"), max_length=4000, widget=forms.Textarea(attrs={"rows": 2})
    )


class ResolveForm(StyledForm):
    resolution = forms.CharField(
        label=gettext_lazy("Resolution"), max_length=4000, widget=forms.Textarea(attrs={"rows": 3})
    )
    closing = forms.ChoiceField(
        label=gettext_lazy("Closing words"), choices=Complaint.Closing.choices, widget=forms.RadioSelect
    )


class CallbackForm(StyledForm):
    satisfaction = forms.ChoiceField(
        label=gettext_lazy("Is the customer satisfied?"), choices=Complaint.Satisfaction.choices
    )
    note = forms.CharField(
        label=gettext_lazy("Callback note"),
        max_length=4000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
    )


class MajorForm(StyledForm):
    level = forms.ChoiceField(
        label=gettext_lazy("Level reached"), choices=Complaint.MajorLevel.choices, required=False
    )
    justified = forms.BooleanField(label=gettext_lazy("Found justified"), required=False)


ACTION_FORMS = {
    "escalate": EscalateForm,
    "note": NoteForm,
    "resolve": ResolveForm,
    "callback": CallbackForm,
    "major": MajorForm,
}


def _which(request) -> str:
    which = request.GET.get("show", "open")
    return which if which in selectors.LIST_FILTERS else "open"


@hall_view("counter.view_complaint")
def complaint_list(request):
    hall = request.hall
    now = timezone.now()
    which = _which(request)
    complaints = selectors.complaint_list(hall, user=request.user, which=which, now=now)
    page = Paginator(complaints, PAGE_SIZE).get_page(request.GET.get("page"))
    for complaint in page:
        complaint.masked_phone = mask_phone(complaint.contact_phone)
    context = {
        "page": page,
        "which": which,
        "filters": [
            ("open", _("Open")),
            ("overdue", _("Overdue")),
            ("mine", _("Mine")),
            ("callback", _("Awaiting callback")),
            ("all", _("All")),
        ],
        "may_receive": has_hall_perm(request.user, hall, services.HANDLE),
        "may_ack": has_hall_perm(request.user, hall, "counter.supervise_business"),
    }
    if context["may_ack"]:
        context["alerts"] = selectors.unacknowledged_alerts(hall)
    return render(request, "counter/complaints/list.html", context)


def _prefill(request, hall) -> dict:
    """From the rep's workspace: ?visit=<id> and/or ?account=<id>, both of this hall, else 404."""
    initial = {}
    visit = account = None
    if request.GET.get("visit"):
        visit = (
            Visit.objects.filter(hall=hall, pk=int_or_404(request.GET["visit"]))
            .select_related("account__holder", "customer")
            .first()
        )
        if visit is None:
            raise Http404
        initial["visit"] = visit.pk
        account = visit.account
    if request.GET.get("account"):
        account = get_account(hall=hall, account_id=request.GET["account"])
    if account is not None:
        initial["account"] = account.pk
        initial["contact_name"] = account.holder.name
    elif visit is not None and visit.customer is not None:
        initial["contact_name"] = visit.customer.name
    return {"initial": initial, "visit": visit, "account": account}


@hall_view("counter.handle_complaint")
def complaint_new(request):
    hall = request.hall
    status = 200
    if request.method == "POST":
        form = ComplaintForm(request.POST)
        if form.is_valid():
            data = form.cleaned_data
            visit = account = None
            if data["visit"]:
                visit = Visit.objects.filter(hall=hall, pk=data["visit"]).first()
                if visit is None:
                    raise Http404
            if data["account"]:
                account = get_account(hall=hall, account_id=data["account"])
            try:
                complaint = services.receive_complaint(
                    hall=hall,
                    by=request.user,
                    channel=data["channel"],
                    category=data["category"],
                    cause=data["cause"],
                    severity=data["severity"],
                    is_vip=data["is_vip"],
                    account=account,
                    visit=visit,
                    contact_name=data["contact_name"],
                    contact_phone=data["contact_phone"],
                    description=data["description"],
                    wants=data["wants"],
                    reply_due=data["reply_due"],
                )
            except CounterError as exc:
                if exc.code == "forbidden":
                    raise PermissionDenied from exc
                form.add_error(None, exc.message)
            else:
                messages.success(
                    request,
                    _("Complaint %(number)s recorded: you own it until you hand it over.")
                    % {"number": complaint.number},
                )
                return redirect("counter_complaint", hall_id=hall.pk, pk=complaint.pk)
        status = 400
        prefill = {
            "visit": Visit.objects.filter(hall=hall, pk=form.cleaned_data.get("visit") or 0).first()
            if hasattr(form, "cleaned_data")
            else None,
            "account": None,
        }
        if hasattr(form, "cleaned_data") and form.cleaned_data.get("account"):
            prefill["account"] = get_account(hall=hall, account_id=form.cleaned_data["account"])
    else:
        prefill = _prefill(request, hall)
        form = ComplaintForm(initial=prefill["initial"])
    return render(
        request,
        "counter/complaints/new.html",
        {"form": form, "visit": prefill["visit"], "account": prefill["account"]},
        status=status,
    )


def _action_forms(complaint, actions, handlers, bound=None) -> dict:
    forms_ = {}
    for action in actions:
        if action == "hand_over":
            forms_[action] = HandOverForm(handlers=handlers, prefix=action)
        elif action in ACTION_FORMS:
            forms_[action] = ACTION_FORMS[action](
                prefix=action,
                initial={"level": complaint.major_level, "justified": complaint.major_justified}
                if action == "major"
                else None,
            )
    if bound is not None:
        forms_[bound[0]] = bound[1]
    return forms_


def _run(action: str, complaint, form, user):
    data = form.cleaned_data if form is not None else {}
    if action == "take":
        return services.take_complaint(complaint=complaint, by=user)
    if action == "hand_over":
        return services.hand_over(
            complaint=complaint, to_user=form.handlers[data["to_user"]], by=user, note=data["note"]
        )
    if action == "escalate":
        return services.escalate(
            complaint=complaint, to=data["to"], by=user, note=data["note"], reply_due=data["reply_due"]
        )
    if action == "note":
        return services.add_note(complaint=complaint, note=data["note"], by=user)
    if action == "resolve":
        return services.resolve(
            complaint=complaint, resolution=data["resolution"], closing=data["closing"], by=user
        )
    if action == "callback":
        return services.record_callback(
            complaint=complaint, satisfaction=data["satisfaction"], note=data["note"], by=user
        )
    if action == "major":
        return services.mark_major(
            complaint=complaint, level=data["level"], justified=data["justified"], by=user
        )
    raise Http404


DONE_MESSAGES = {
    "take": gettext_lazy("You have taken the complaint: you own it now."),
    "hand_over": gettext_lazy("Handed over."),
    "escalate": gettext_lazy("Escalated."),
    "note": gettext_lazy("Note added."),
    "resolve": gettext_lazy("Resolved: call the customer back to close it."),
    "callback": gettext_lazy("Callback recorded."),
    "major": gettext_lazy("Major complaint status recorded."),
}


@hall_view("counter.view_complaint")
def complaint_detail(request, pk):
    hall = request.hall
    now = timezone.now()
    complaint = selectors.complaint_for_user(request.user, hall=hall, complaint_id=pk, now=now)
    handlers = [u for u in selectors.complaint_handlers(hall) if u.pk != complaint.owner_id]
    status = 200
    bound = None
    revealed_phone = None
    if request.method == "POST":
        action = request.POST.get("action", "")
        if action == "reveal_phone":
            try:
                revealed_phone = services.reveal_contact_phone(complaint=complaint, by=request.user)
            except CounterError as exc:
                if exc.code == "forbidden":
                    raise PermissionDenied from exc
                messages.error(request, exc.message)
                status = 400
        else:
            if action not in DONE_MESSAGES:
                raise Http404
            form = None
            if action == "hand_over":
                form = HandOverForm(request.POST, handlers=handlers, prefix=action)
            elif action in ACTION_FORMS:
                form = ACTION_FORMS[action](request.POST, prefix=action)
            if form is None or form.is_valid():
                try:
                    _run(action, complaint, form, request.user)
                except CounterError as exc:
                    if exc.code == "forbidden":
                        raise PermissionDenied from exc
                    messages.error(request, exc.message)
                else:
                    messages.success(request, DONE_MESSAGES[action])
                    return redirect("counter_complaint", hall_id=hall.pk, pk=complaint.pk)
            if form is not None:
                bound = (action, form)
            status = 400
    actions = services.allowed_actions(complaint, request.user)
    context = {
        "complaint": complaint,
        "masked_phone": mask_phone(complaint.contact_phone),
        "revealed_phone": revealed_phone,
        "may_reveal": bool(complaint.contact_phone) and services.may_reveal_phone(complaint, request.user),
        "timeline": selectors.timeline(complaint),
        "rating": selectors.complaint_rating(complaint)
        if complaint.channel == Complaint.Channel.RATING_DEVICE
        else None,
        "actions": actions,
        "forms": _action_forms(complaint, actions, handlers, bound),
        "may_ack": has_hall_perm(request.user, hall, "counter.supervise_business"),
    }
    return render(request, "counter/complaints/detail.html", context, status=status)


@require_POST
@hall_view("counter.supervise_business")
def rating_acknowledge(request, pk):
    hall = request.hall
    rating = selectors.rating_in_hall(hall=hall, rating_id=pk)
    try:
        rating_services.acknowledge_alert(rating=rating, by=request.user)
    except CounterError as exc:
        if exc.code == "forbidden":
            raise PermissionDenied from exc
        messages.error(request, exc.message)
    else:
        messages.success(request, _("Alert acknowledged."))
    target = request.POST.get("next", "")
    if not url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        target = reverse("counter_complaints", kwargs={"hall_id": hall.pk})
    return redirect(target)


urlpatterns = [
    path("halls/<int:hall_id>/complaints/", complaint_list, name="counter_complaints"),
    path("halls/<int:hall_id>/complaints/new/", complaint_new, name="counter_complaint_new"),
    path("halls/<int:hall_id>/complaints/<int:pk>/", complaint_detail, name="counter_complaint"),
    path("halls/<int:hall_id>/ratings/<int:pk>/acknowledge/", rating_acknowledge, name="counter_rating_ack"),
]
