"""Receipt stock pages (spec §4.2): books received, issued and taken back; the register adds up on screen."""

import re

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.html import escape
from django.utils.translation import gettext

from billing.models import Receipt, ReceiptBook
from billing.services import receipts
from servicecenter.roles import Role

pytestmark = pytest.mark.django_db


def zh(text: str) -> str:
    """A message as the (Chinese) page shows it, escaped as in the HTML."""
    with translation.override("zh-hans"):
        return gettext(text)


def books_url(hall) -> str:
    return reverse("billing_books", kwargs={"hall_id": hall.pk})


def book_url(hall, book, action: str = "") -> str:
    name = f"billing_book_{action}" if action else "billing_book"
    return reverse(name, kwargs={"hall_id": hall.pk, "book_id": book.pk})


def cell(page: str, book: ReceiptBook, testid: str) -> str:
    """The text of one register cell of a book's row on the list page."""
    row = re.search(rf'<tr data-testid="book" data-book="{book.pk}">(.*?)</tr>', page, re.S)
    assert row, f"book {book} is not listed"
    match = re.search(rf'data-testid="{testid}">(.*?)</td>', row.group(1), re.S)
    return re.sub(r"<[^>]+>", "", match.group(1)).strip()


def receipt_rows(page: str) -> list[tuple[str, str]]:
    return re.findall(r'data-testid="receipt" data-number="([^"]+)" data-status="([^"]+)"', page)


def test_it_receives_issues_and_the_register_adds_up(billing_hall, auditor, rep, login, open_till_for, pay):
    office = login(auditor, Client())
    response = office.post(
        books_url(billing_hall), {"prefix": "b", "first_number": "1", "last_number": "50", "digits": "8"}
    )
    assert response.status_code == 302 and response["Location"] == books_url(billing_hall)
    book = ReceiptBook.objects.get(hall=billing_hall)
    assert (book.prefix, book.first_number, book.last_number, book.status) == ("B", 1, 50, "in_stock")

    detail = office.get(book_url(billing_hall, book)).content.decode()
    assert 'data-testid="issue-form"' in detail and f'<option value="{rep.pk}">李娜</option>' in detail
    response = office.post(book_url(billing_hall, book, "issue"), {"holder": rep.pk})
    assert response.status_code == 302 and response["Location"] == book_url(billing_hall, book)
    book.refresh_from_db()
    assert (book.status, book.holder) == (ReceiptBook.Status.ISSUED, rep)

    now = timezone.now()
    till = open_till_for(rep, book=False, at=now)
    paid = [pay(till, rep, "10", at=now) for _ in range(2)]
    assert [p.receipts.get().number for p in paid] == ["B00000001", "B00000002"]

    counter = login(rep, Client())
    till_page = reverse("billing_my_till", kwargs={"hall_id": billing_hall.pk})
    response = counter.post(
        reverse("billing_spoil_receipt", kwargs={"hall_id": billing_hall.pk}),
        {"reason": "打印机卡纸", "next": till_page},
    )
    assert response.status_code == 302 and response["Location"] == till_page
    spoiled = Receipt.objects.get(number="B00000003")
    assert (spoiled.status, spoiled.void_reason, spoiled.payment) == ("voided", "打印机卡纸", None)
    assert pay(till, rep, "10", at=now).receipts.get().number == "B00000004"

    page = office.get(books_url(billing_hall)).content.decode()
    assert [cell(page, book, t) for t in ("book-issued", "book-voided", "book-unused", "book-size")] == [
        "3",
        "1",
        "46",
        "50",
    ]
    assert cell(page, book, "book-next") == "B00000005"
    assert cell(page, book, "book-holder") == "李娜"
    assert 'data-testid="book-balanced"' in page and 'data-testid="book-unbalanced"' not in page

    detail = office.get(book_url(billing_hall, book)).content.decode()
    assert receipt_rows(detail) == [
        ("B00000004", "issued"),
        ("B00000003", "voided"),
        ("B00000002", "issued"),
        ("B00000001", "issued"),
    ]
    assert "打印机卡纸" in detail
    assert all(p.number in detail for p in paid)


def test_an_overlapping_range_is_refused_with_its_message(billing_hall, auditor, rep, login, book_for):
    existing = book_for(rep, first=1001, last=1100, prefix="A")
    office = login(auditor, Client())
    response = office.post(
        books_url(billing_hall), {"prefix": "A", "first_number": "1050", "last_number": "1199", "digits": "8"}
    )
    assert response.status_code == 400
    expected = zh("These numbers overlap book %(book)s.") % {"book": existing}
    assert escape(expected) in response.content.decode()
    assert ReceiptBook.objects.count() == 1


def test_a_form_error_changes_nothing(billing_hall, auditor, login):
    office = login(auditor, Client())
    response = office.post(
        books_url(billing_hall), {"prefix": "A", "first_number": "0", "last_number": "x", "digits": "8"}
    )
    assert response.status_code == 400
    assert not ReceiptBook.objects.exists()


def test_a_rep_gets_403_on_the_stock_pages(billing_hall, rep, auditor, login, book_for):
    book = book_for(rep)
    counter = login(rep, Client())
    assert counter.get(books_url(billing_hall)).status_code == 403
    assert counter.get(book_url(billing_hall, book)).status_code == 403
    data = {"prefix": "C", "first_number": "1", "last_number": "9", "digits": "8"}
    assert counter.post(books_url(billing_hall), data).status_code == 403
    assert counter.post(book_url(billing_hall, book, "return")).status_code == 403
    assert counter.post(book_url(billing_hall, book, "issue"), {"holder": rep.pk}).status_code == 403
    book.refresh_from_db()
    assert (ReceiptBook.objects.count(), book.status, book.holder) == (1, "issued", rep)


def test_another_halls_book_is_404(billing_hall, other_hall, auditor, make_member, login):
    other_auditor = make_member(Role.AUDITOR, other_hall)
    theirs = receipts.receive_book(
        hall=other_hall, prefix="Z", first_number=1, last_number=10, by=other_auditor
    )
    office = login(auditor, Client())
    assert office.get(book_url(billing_hall, theirs)).status_code == 404
    assert office.post(book_url(billing_hall, theirs, "return")).status_code == 404
    assert office.get(books_url(other_hall)).status_code == 404
    assert 'data-book="' not in office.get(books_url(billing_hall)).content.decode()


def test_the_auditor_takes_back_the_unused_numbers(billing_hall, auditor, rep, login, book_for):
    book = book_for(rep, first=1, last=20, prefix="R")
    office = login(auditor, Client())
    page = office.get(book_url(billing_hall, book)).content.decode()
    assert 'data-testid="return-form"' in page and 'data-testid="issue-form"' not in page
    response = office.post(book_url(billing_hall, book, "return"))
    assert response.status_code == 302
    book.refresh_from_db()
    assert (book.status, book.holder) == (ReceiptBook.Status.IN_STOCK, None)
    # Again: the service refuses, the page says why, nothing changes.
    response = office.post(book_url(billing_hall, book, "return"), follow=True)
    assert escape(zh("This book is not in anyone's hands.")) in response.content.decode()
    assert book.history.count() == 3  # received, issued, taken back


def test_a_book_goes_only_to_someone_who_takes_payments(billing_hall, auditor, greeter, login):
    book = receipts.receive_book(hall=billing_hall, prefix="G", first_number=1, last_number=10, by=auditor)
    office = login(auditor, Client())
    assert f'value="{greeter.pk}"' not in office.get(book_url(billing_hall, book)).content.decode()
    response = office.post(book_url(billing_hall, book, "issue"), {"holder": greeter.pk})
    assert response.status_code == 400
    book.refresh_from_db()
    assert (book.status, book.holder) == (ReceiptBook.Status.IN_STOCK, None)


def test_a_finance_auditor_reads_the_register_but_changes_nothing(
    billing_hall, make_member, login, rep, book_for
):
    book = book_for(rep)
    reader = login(make_member(Role.FINANCE_AUDITOR, billing_hall), Client())
    page = reader.get(books_url(billing_hall)).content.decode()
    assert f'data-book="{book.pk}"' in page and 'data-testid="receive-form"' not in page
    detail = reader.get(book_url(billing_hall, book)).content.decode()
    assert 'data-testid="return-form"' not in detail and 'data-testid="issue-form"' not in detail
    data = {"prefix": "F", "first_number": "1", "last_number": "9", "digits": "8"}
    assert reader.post(books_url(billing_hall), data).status_code == 403
    assert reader.post(book_url(billing_hall, book, "return")).status_code == 403
    assert ReceiptBook.objects.count() == 1


@pytest.mark.parametrize("extra_books", [0, 10])
def test_the_book_list_queries_do_not_grow(
    extra_books,
    billing_hall,
    auditor,
    rep,
    make_member,
    login,
    book_for,
    open_till_for,
    pay,
    django_assert_max_num_queries,
):
    now = timezone.now()
    till = open_till_for(rep, at=now)
    pay(till, rep, "10", at=now)
    for _ in range(extra_books):
        holder = make_member(Role.REP, billing_hall)
        book_for(holder)
        receipts.spoil_receipt(hall=billing_hall, reason="卡纸", by=holder, at=now)
    office = login(auditor, Client())
    office.get(books_url(billing_hall))
    with django_assert_max_num_queries(5):
        page = office.get(books_url(billing_hall)).content.decode()
    assert page.count('data-testid="book"') == 1 + extra_books
    assert page.count('data-testid="book-balanced"') == 1 + extra_books
