"""The reconciliation page (spec §4.3, the fourth leg): one business day's imports of the billing system's
ledger and the channels' settlement files, and the exceptions the auditor resolves or explains."""

from datetime import date

from django import forms
from django.contrib import messages
from django.db.models import Count, F, IntegerField, OuterRef, Q, Subquery, Value
from django.db.models.functions import Coalesce
from django.shortcuts import redirect, render
from django.template.defaultfilters import filesizeformat
from django.urls import path, reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods, require_POST

from billing import selectors
from billing.errors import BillingError
from billing.models import Discrepancy, HallDay, LedgerImport, LedgerLine, Receipt, Tender
from billing.services import ledger
from billing.views.common import page_day
from counter.forms import StyledForm
from servicecenter.scoping import hall_view

MAX_UPLOAD_BYTES = 20 * 1024 * 1024


class LedgerUploadForm(StyledForm):
    source = forms.ChoiceField(label=gettext_lazy("The file is"), choices=LedgerImport.Source.choices)
    tender = forms.TypedChoiceField(
        label=gettext_lazy("Payment channel"),
        coerce=int,
        required=False,
        empty_value=None,
        help_text=gettext_lazy("For a settlement file: the channel it comes from."),
    )
    file = forms.FileField(
        label=gettext_lazy("CSV file"),
        help_text=gettext_lazy("UTF-8 or GB18030 (GBK), at most 20 MB; the first line names the columns."),
    )

    def __init__(self, *args, channels: list[Tender], **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["tender"].choices = [("", "—"), *((t.pk, t.name) for t in channels)]

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if not upload.name.lower().endswith(".csv"):
            raise forms.ValidationError(_("Choose a CSV file (.csv). In Excel, use “Save as” → CSV."))
        if upload.size > MAX_UPLOAD_BYTES:
            raise forms.ValidationError(
                _("The file is %(size)s; at most %(limit)s can be imported at once.")
                % {"size": filesizeformat(upload.size), "limit": filesizeformat(MAX_UPLOAD_BYTES)}
            )
        return upload

    def clean(self):
        data = super().clean()
        if data.get("source") == LedgerImport.Source.SETTLEMENT and not data.get("tender"):
            self.add_error("tender", _("Choose the payment channel the settlement file comes from."))
        return data


def _day_url(hall_id: int, day: date) -> str:
    return f"{reverse('billing_reconciliation', args=[hall_id])}?day={day:%Y-%m-%d}"


def _count(queryset) -> Coalesce:
    """A correlated COUNT(*) of `queryset` (filtered on OuterRef), 0 when there is none."""
    counted = queryset.order_by().values("source_import").annotate(n=Count("pk")).values("n")
    return Coalesce(Subquery(counted, output_field=IntegerField()), Value(0))


def _imports(hall, day: date) -> list[LedgerImport]:
    mine = Q(source_import=OuterRef("pk"))
    return list(
        LedgerImport.objects.filter(hall=hall, business_day=day)
        .select_related("tender", "imported_by")
        .annotate(
            matched=_count(LedgerLine.objects.filter(mine, payment__isnull=False)),
            exceptions=_count(Discrepancy.objects.filter(mine)),
            still_open=_count(Discrepancy.objects.filter(mine, resolved_at__isnull=True)),
        )
        .order_by("-imported_at", "-pk")
    )


def _exceptions(hall, day: date) -> list[Discrepancy]:
    """The day's exceptions, open first, each with the receipt number or transaction reference it is
    about and the difference file − system (constant number of queries)."""
    items = list(
        selectors.discrepancies(hall, day)
        .select_related("source_import__tender")
        .prefetch_related("payment__receipts", "payment__tenders")
        .order_by(F("resolved_at").desc(nulls_first=True), "pk")
    )
    for item in items:
        item.reference = item.line.reference if item.line else _payment_reference(item)
        item.difference = (
            item.file_amount - item.system_amount
            if item.file_amount is not None and item.system_amount is not None
            else None
        )
    return items


def _payment_reference(item: Discrepancy) -> str:
    """A payment missing from the file is named as the file would have named it."""
    payment = item.payment
    if payment is None:
        return ""
    channel_id = item.source_import.tender_id if item.source_import else None
    if channel_id is not None:
        return next((t.reference for t in payment.tenders.all() if t.tender_id == channel_id), "")
    return next((r.number for r in payment.receipts.all() if r.status == Receipt.Status.ISSUED), "")


def _render(request, day: date, *, form, rejected=None, resolving: dict | None = None, status=200):
    """The page; `resolving` is {exception id: (typed note, refusal)} for a resolve form shown again."""
    hall = request.hall
    hall_day = selectors.hall_day(hall, day)
    exceptions = _exceptions(hall, day)
    for item in exceptions:
        item.typed_note, item.resolve_error = (resolving or {}).get(item.pk, ("", ""))
    open_count = sum(1 for item in exceptions if item.is_open)
    context = {
        "day": day,
        "hall_day": hall_day,
        "day_open": hall_day is None or hall_day.state == HallDay.State.OPEN,
        "form": form,
        "rejected": rejected,
        "imports": _imports(hall, day),
        "exceptions": exceptions,
        "open_count": open_count,
        "resolved_count": len(exceptions) - open_count,
        "ledger_columns": _column_help(ledger.LEDGER_COLUMNS),
        "settlement_columns": _column_help(ledger.SETTLEMENT_COLUMNS),
    }
    return render(request, "billing/reconciliation/day.html", context, status=status)


def _column_help(columns: dict[str, tuple[str, ...]]) -> list[tuple[str, bool]]:
    """[("票据号 / 票据号码 / …", required), …] for the page's description of the files."""
    return [(" / ".join(names), key in ledger.REQUIRED) for key, names in columns.items()]


def _channels(hall) -> list[Tender]:
    return [t for t in selectors.tenders(hall) if not t.is_cash]


@hall_view(ledger.PERMISSION)
@require_http_methods(["GET", "POST"])
def reconciliation(request):
    hall = request.hall
    day = page_day(request)
    channels = _channels(hall)
    if request.method != "POST":
        return _render(request, day, form=LedgerUploadForm(channels=channels))
    form = LedgerUploadForm(request.POST, request.FILES, channels=channels)
    rejected = None
    if form.is_valid():
        upload = form.cleaned_data["file"]
        tender = next((t for t in channels if t.pk == form.cleaned_data["tender"]), None)
        try:
            record = ledger.import_ledger_file(
                hall=hall,
                day=day,
                source=form.cleaned_data["source"],
                tender=tender,
                raw=b"".join(upload.chunks()),
                file_name=upload.name,
                by=request.user,
            )
        except ledger.LedgerRejected as exc:
            rejected = exc
        except BillingError as exc:
            form.add_error(None, exc.message)
        else:
            messages.success(
                request,
                _("Imported %(file)s: %(lines)s lines, %(matched)s matched, %(exceptions)s exceptions.")
                % {
                    "file": record.file_name,
                    "lines": record.line_count,
                    "matched": record.lines.exclude(payment=None).count(),
                    "exceptions": record.discrepancies.count(),
                },
            )
            return redirect(_day_url(hall.pk, day))
    return _render(request, day, form=form, rejected=rejected, status=400)


@require_POST
@hall_view(ledger.PERMISSION)
def resolve(request, discrepancy_id):
    hall = request.hall
    item = selectors.get_discrepancy(hall, discrepancy_id)
    note = request.POST.get("note", "")
    try:
        ledger.resolve_discrepancy(discrepancy=item, note=note, by=request.user)
    except BillingError as exc:
        # The page again, the typed note kept and the refusal under it.
        form = LedgerUploadForm(channels=_channels(hall))
        resolving = {item.pk: (note, exc.message)}
        return _render(request, item.business_day, form=form, resolving=resolving, status=400)
    messages.success(request, _("Exception resolved."))
    return redirect(f"{_day_url(hall.pk, item.business_day)}#exceptions")


urlpatterns = [
    path("halls/<int:hall_id>/money/reconciliation/", reconciliation, name="billing_reconciliation"),
    path(
        "halls/<int:hall_id>/money/reconciliation/exceptions/<int:discrepancy_id>/resolve/",
        resolve,
        name="billing_resolve_discrepancy",
    ),
]
