"""Till pages (spec §4.3): the rep's own till — open, count, hand in — and the auditor's tills of the day —
issue floats, verify or send back."""

from django import forms
from django.contrib import messages
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import path
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from billing import selectors
from billing.models import Till
from billing.services import tills as services
from billing.views.common import attempt, page_day
from counter.forms import StyledForm
from servicecenter.clock import business_day
from servicecenter.money import DENOMINATIONS
from servicecenter.scoping import hall_view, has_hall_perm, int_or_404
from servicecenter.selectors import staff_with_perm


class FloatForm(StyledForm):
    rep = forms.TypedChoiceField(label=gettext_lazy("Rep"), coerce=int)
    amount = forms.CharField(
        label=gettext_lazy("Opening float (¥)"),
        max_length=20,
        widget=forms.TextInput(attrs={"inputmode": "decimal"}),
    )
    window = forms.TypedChoiceField(
        label=gettext_lazy("Window"), coerce=int, required=False, empty_value=None
    )

    def __init__(self, *args, hall, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["rep"].choices = [
            (u.pk, u.display_name) for u in staff_with_perm(hall, "billing.take_payment")
        ]
        self.fields["window"].choices = [("", "—")] + [
            (w.pk, str(w)) for w in hall.windows.filter(is_active=True)
        ]


def _denominations():
    return [(f"{value:.2f}", label) for value, label in DENOMINATIONS]


def _count_from(post) -> tuple[dict, dict, str]:
    denominations = {
        key: post.get(f"d_{key}", "") for key, _label in _denominations() if post.get(f"d_{key}", "")
    }
    settlements = {
        name[2:]: value
        for name, value in post.items()
        if name.startswith("s_") and name[2:].isdigit() and value
    }
    return denominations, settlements, post.get("explanation", "")


def _till_context(request, till: Till) -> dict:
    hall = request.hall
    may_audit = has_hall_perm(request.user, hall, "billing.verify_till") and till.rep_id != request.user.pk
    return {
        "till": till,
        "legs": selectors.till_legs(till),
        "payments": selectors.till_payments(till),
        "denominations": _denominations(),
        "counted_pieces": till.denominations or {},
        "is_mine": till.rep_id == request.user.pk,
        "may_audit": may_audit,
        "may_issue": has_hall_perm(request.user, hall, "billing.issue_float")
        and till.rep_id != request.user.pk,
        "book": selectors.rep_book(till.rep, hall) if till.rep_id == request.user.pk else None,
    }


@hall_view("billing.take_payment")
def my_till(request):
    """The rep's till: the one in use, else today's latest (counted, handed in, verified)."""
    hall = request.hall
    till = selectors.live_till(request.user, hall) or (
        Till.objects.filter(hall=hall, rep=request.user, business_day=business_day(hall, timezone.now()))
        .order_by("-float_issued_at")
        .first()
    )
    context = (
        _till_context(request, till)
        if till
        else {"till": None, "book": selectors.rep_book(request.user, hall)}
    )
    return render(request, "billing/tills/till.html", context)


@hall_view("billing.view_till")
def till_list(request):
    hall = request.hall
    day = page_day(request)
    tills = list(selectors.tills_for_user(request.user, hall).filter(business_day=day).order_by("number"))
    differences = selectors.till_differences(tills)
    for till in tills:
        till.difference = differences.get(till.pk)
    form = FloatForm(hall=hall) if has_hall_perm(request.user, hall, "billing.issue_float") else None
    return render(request, "billing/tills/list.html", {"tills": tills, "day": day, "form": form})


@hall_view()
def till_detail(request, till_id):
    if not (
        has_hall_perm(request.user, request.hall, "billing.view_till")
        or has_hall_perm(request.user, request.hall, "billing.take_payment")
    ):
        raise Http404
    till = selectors.get_till(request.user, request.hall, till_id)
    return render(request, "billing/tills/till.html", _till_context(request, till))


@require_POST
@hall_view("billing.issue_float")
def issue_float(request):
    hall = request.hall
    form = FloatForm(request.POST, hall=hall)
    if not form.is_valid():
        for errors in form.errors.values():
            for error in errors:
                messages.error(request, error)
        return redirect("billing_tills", hall.pk)
    window = (
        hall.windows.filter(pk=form.cleaned_data["window"]).first() if form.cleaned_data["window"] else None
    )
    rep = next(u for u in staff_with_perm(hall, "billing.take_payment") if u.pk == form.cleaned_data["rep"])
    attempt(
        request,
        lambda: services.issue_float(
            hall=hall, rep=rep, amount=form.cleaned_data["amount"], window=window, by=request.user
        ),
        _("Float issued to %(name)s.") % {"name": rep.display_name},
    )
    return redirect("billing_tills", hall.pk)


@require_POST
@hall_view()
def till_action(request, till_id):
    """The buttons of a till: open, count (close), hand in — the rep's; verify, send back — the auditor's."""
    hall = request.hall
    till = selectors.get_till(request.user, hall, till_id)
    action = request.POST.get("action", "")
    by = request.user
    if action == "open":
        attempt(request, lambda: services.open_till(till=till, by=by), _("Till open: payments can be taken."))
    elif action == "close":
        denominations, settlements, explanation = _count_from(request.POST)
        ok = attempt(
            request,
            lambda: services.close_till(
                till=till,
                by=by,
                denominations=denominations,
                settlements=settlements,
                explanation=explanation,
            ),
            _("Till counted. Check the figures, then hand it in."),
        )
        if not ok:
            # Keep what was typed: the count is re-shown with the message.
            context = _till_context(request, till)
            context["counted_pieces"] = denominations
            context["typed_settlements"] = settlements
            context["typed_explanation"] = explanation
            context["show_count"] = True
            return render(request, "billing/tills/till.html", context, status=400)
    elif action == "hand_in":
        attempt(request, lambda: services.hand_in_till(till=till, by=by), _("Till handed in to the auditor."))
    elif action == "verify":
        attempt(request, lambda: services.verify_till(till=till, by=by), _("Till verified."))
    elif action == "cancel":
        attempt(
            request,
            lambda: services.cancel_float(till=till, reason=request.POST.get("reason", ""), by=by),
            _("Float cancelled."),
        )
    elif action == "send_back":
        attempt(
            request,
            lambda: services.send_back_till(till=till, reason=request.POST.get("reason", ""), by=by),
            _("Till sent back to the rep for a recount."),
        )
    else:
        raise Http404
    return redirect("billing_till", hall.pk, int_or_404(till_id))


urlpatterns = [
    path("halls/<int:hall_id>/money/till/", my_till, name="billing_my_till"),
    path("halls/<int:hall_id>/money/tills/", till_list, name="billing_tills"),
    path("halls/<int:hall_id>/money/tills/issue/", issue_float, name="billing_issue_float"),
    path("halls/<int:hall_id>/money/tills/<int:till_id>/", till_detail, name="billing_till"),
    path("halls/<int:hall_id>/money/tills/<int:till_id>/act/", till_action, name="billing_till_act"),
]
