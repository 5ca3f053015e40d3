"""Receipt stock pages (spec §4.2): the hall's books and their register, received, issued and taken back."""

from dataclasses import dataclass

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.shortcuts import redirect, render
from django.urls import path
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods, require_POST

from billing import selectors
from billing.errors import BillingError
from billing.models import ReceiptBook
from billing.services import receipts as services
from billing.views.common import attempt
from servicecenter.scoping import hall_view, has_hall_perm
from servicecenter.selectors import staff_with_perm

BOOKS_PER_PAGE = 50
MANAGE = "billing.manage_receipt_stock"


# --- Forms -------------------------------------------------------------------------------------------


class ReceiveBookForm(forms.Form):
    """Parses the range; the rules (prefix, size, overlap with any book of the company) are the service's."""

    prefix = forms.CharField(
        label=gettext_lazy("Prefix"),
        required=False,
        max_length=10,
        help_text=gettext_lazy("Letters or digits printed before the number, e.g. A; may be empty."),
    )
    first_number = forms.IntegerField(label=gettext_lazy("First number"), min_value=1)
    last_number = forms.IntegerField(label=gettext_lazy("Last number"), min_value=1)
    digits = forms.IntegerField(
        label=gettext_lazy("Digits"),
        min_value=1,
        max_value=12,
        initial=8,
        help_text=gettext_lazy("How many digits the printed number has, leading zeros included."),
    )


class IssueBookForm(forms.Form):
    holder = forms.TypedChoiceField(label=gettext_lazy("Issue to"), coerce=int, choices=())

    def __init__(self, *args, staff, **kwargs):
        super().__init__(*args, **kwargs)
        self.staff = {user.pk: user for user in staff}
        self.fields["holder"].choices = [("", "—"), *((u.pk, u.display_name) for u in staff)]


# --- The list of books ---------------------------------------------------------------------------------


@dataclass
class BookRow:
    """A book with its register: issued + voided + unused must be the whole range (invariant 1)."""

    book: ReceiptBook

    @property
    def issued(self) -> int:
        return self.book.issued_count

    @property
    def voided(self) -> int:
        return self.book.voided_count

    @property
    def unused(self) -> int:
        return self.book.unused

    @property
    def next_number(self) -> str:
        """The number the next receipt of this book gets; empty once the book is used up."""
        return self.book.format(self.book.next_number) if self.unused > 0 else ""

    @property
    def accounted(self) -> int:
        return self.issued + self.voided + self.unused

    @property
    def balanced(self) -> bool:
        return self.accounted == self.book.size


def _render_books(request, *, form=None, status=200):
    hall = request.hall
    may_manage = has_hall_perm(request.user, hall, MANAGE)
    page = Paginator(selectors.books(hall), BOOKS_PER_PAGE).get_page(request.GET.get("page"))
    context = {
        "page": page,
        "rows": [BookRow(book) for book in page],
        "may_manage": may_manage,
        "form": form or (ReceiveBookForm() if may_manage else None),
    }
    return render(request, "billing/stock/books.html", context, status=status)


@hall_view("billing.view_receiptbook")
@require_http_methods(["GET", "POST"])
def book_list(request):
    if request.method != "POST":
        return _render_books(request)
    if not has_hall_perm(request.user, request.hall, MANAGE):
        raise PermissionDenied
    form = ReceiveBookForm(request.POST)
    if form.is_valid():
        data = form.cleaned_data
        try:
            book = services.receive_book(
                hall=request.hall,
                prefix=data["prefix"],
                first_number=data["first_number"],
                last_number=data["last_number"],
                digits=data["digits"],
                by=request.user,
            )
        except BillingError as exc:
            form.add_error(None, exc.message)
        else:
            messages.success(request, _("Receipt book %(book)s is received into stock.") % {"book": book})
            return redirect("billing_books", hall_id=request.hall.pk)
    return _render_books(request, form=form, status=400)


# --- One book ----------------------------------------------------------------------------------------


def _render_book(request, book: ReceiptBook, *, issue_form=None, status=200):
    hall = request.hall
    may_manage = has_hall_perm(request.user, hall, MANAGE)
    if issue_form is None and may_manage and book.status == ReceiptBook.Status.IN_STOCK:
        issue_form = IssueBookForm(staff=staff_with_perm(hall, "billing.take_payment"))
    context = {
        "book": book,
        "row": BookRow(book),
        "receipts": selectors.book_receipts(book),
        "may_manage": may_manage,
        "issue_form": issue_form,
    }
    return render(request, "billing/stock/book.html", context, status=status)


@hall_view("billing.view_receiptbook")
def book_detail(request, book_id: int):
    return _render_book(request, selectors.get_book(request.hall, book_id))


@require_POST
@hall_view(MANAGE)
def book_issue(request, book_id: int):
    book = selectors.get_book(request.hall, book_id)
    form = IssueBookForm(request.POST, staff=staff_with_perm(request.hall, "billing.take_payment"))
    if form.is_valid():
        holder = form.staff[form.cleaned_data["holder"]]
        try:
            services.issue_book(book=book, to=holder, by=request.user)
        except BillingError as exc:
            form.add_error(None, exc.message)
        else:
            messages.success(
                request,
                _("Receipt book %(book)s is issued to %(name)s.")
                % {"book": book, "name": holder.display_name},
            )
            return redirect("billing_book", hall_id=request.hall.pk, book_id=book.pk)
    return _render_book(request, book, issue_form=form, status=400)


@require_POST
@hall_view(MANAGE)
def book_return(request, book_id: int):
    book = selectors.get_book(request.hall, book_id)
    attempt(
        request,
        lambda: services.return_book(book=book, by=request.user),
        _("The unused numbers of book %(book)s are back in stock.") % {"book": book},
    )
    return redirect("billing_book", hall_id=request.hall.pk, book_id=book.pk)


urlpatterns = [
    path("halls/<int:hall_id>/money/receipt-books/", book_list, name="billing_books"),
    path("halls/<int:hall_id>/money/receipt-books/<int:book_id>/", book_detail, name="billing_book"),
    path(
        "halls/<int:hall_id>/money/receipt-books/<int:book_id>/issue/", book_issue, name="billing_book_issue"
    ),
    path(
        "halls/<int:hall_id>/money/receipt-books/<int:book_id>/return/",
        book_return,
        name="billing_book_return",
    ),
]
