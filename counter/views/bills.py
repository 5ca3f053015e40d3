"""Bills pages: the auditor's import of the billing system's export, and the history of past imports."""

from django import forms
from django.contrib import messages
from django.core.paginator import Paginator
from django.db.models import F
from django.shortcuts import redirect, render
from django.template.defaultfilters import filesizeformat
from django.urls import path
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods

from counter.errors import CounterError
from counter.models import BillImport
from counter.services.bill_import import (
    COLUMNS,
    REQUIRED_COLUMNS,
    ImportRejected,
    import_bills,
    import_summary,
)
from servicecenter.scoping import hall_view

MAX_UPLOAD_BYTES = 20 * 1024 * 1024
IMPORTS_PER_PAGE = 20


class BillImportForm(forms.Form):
    file = forms.FileField(
        label=gettext_lazy("CSV export of the billing system"),
        help_text=gettext_lazy("UTF-8 or GB18030 (GBK), at most 20 MB; the first line names the columns."),
    )

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


@hall_view("counter.import_bills")
@require_http_methods(["GET", "POST"])
def bill_import(request):
    hall = request.hall
    form = BillImportForm()
    rejected = None
    status = 200
    if request.method == "POST":
        form = BillImportForm(request.POST, request.FILES)
        if form.is_valid():
            upload = form.cleaned_data["file"]
            try:
                record = import_bills(
                    company=hall.company,
                    data=b"".join(upload.chunks()),
                    file_name=upload.name,
                    by=request.user,
                    at=timezone.now(),
                )
            except ImportRejected as exc:
                rejected = exc
            except CounterError as exc:
                form.add_error(None, exc.message)
            else:
                messages.success(request, import_summary(record))
                return redirect("counter_bill_import", hall_id=hall.pk)
        status = 400
    imports = (
        BillImport.objects.filter(company_id=hall.company_id)
        .select_related("imported_by")
        .annotate(skipped=F("rows") - F("bills_created"))
        .order_by("-imported_at", "-pk")
    )
    page = Paginator(imports, IMPORTS_PER_PAGE).get_page(request.GET.get("page"))
    return render(
        request,
        "counter/bills/import.html",
        {
            "form": form,
            "rejected": rejected,
            "page": page,
            "columns": COLUMNS,
            "required_columns": REQUIRED_COLUMNS,
        },
        status=status,
    )


urlpatterns: list = [
    path("halls/<int:hall_id>/bills/import/", bill_import, name="counter_bill_import"),
]
