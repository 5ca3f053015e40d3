"""API: receipt stock — the hall's books with their register (issued, voided, unused), books received from
finance, issued to a rep and taken back, a book's receipts; a spoiled form, a reissued and a reprinted
receipt. The same services as the pages."""

from django.http import Http404
from django.urls import path
from drf_spectacular.utils import extend_schema
from rest_framework import generics, serializers, status
from rest_framework.response import Response
from rest_framework.views import APIView

from billing import selectors
from billing.api.common import ReasonSerializer, RowField, TextField, hall_for, staff_member
from billing.models import Receipt, ReceiptBook, ReceiptReprint
from billing.services import receipts as services
from servicecenter.api import MAX_ID, StaffMemberSerializer, errors, validated
from servicecenter.scoping import has_hall_perm, int_or_404

STOCK = "billing.manage_receipt_stock"
TAKE = "billing.take_payment"
BOOK_RECEIPTS = 500


class ReceiptBookSerializer(serializers.ModelSerializer):
    range = serializers.CharField(source="__str__", help_text="First–last number as printed.")
    holder = StaffMemberSerializer(allow_null=True)
    size = serializers.IntegerField()
    issued = serializers.IntegerField(source="issued_count", help_text="Numbers used for valid receipts.")
    voided = serializers.IntegerField(source="voided_count", help_text="Numbers voided (spoiled or voided).")
    unused = serializers.IntegerField(help_text="Numbers not yet used: issued + voided + unused = size.")

    class Meta:
        model = ReceiptBook
        fields = [
            "id",
            "prefix",
            "first_number",
            "last_number",
            "digits",
            "range",
            "next_number",
            "status",
            "holder",
            "received_at",
            "issued_at",
            "size",
            "issued",
            "voided",
            "unused",
        ]


class ReceiptSerializer(serializers.ModelSerializer):
    payment_number = serializers.CharField(source="payment.number", allow_null=True, default=None)
    issued_by = StaffMemberSerializer()
    voided_by = StaffMemberSerializer(allow_null=True)

    class Meta:
        model = Receipt
        fields = [
            "id",
            "number",
            "book",
            "sequence",
            "business_day",
            "status",
            "payment",
            "payment_number",
            "issued_at",
            "issued_by",
            "void_reason",
            "voided_at",
            "voided_by",
        ]


class ReprintSerializer(serializers.ModelSerializer):
    receipt = ReceiptSerializer()
    by = StaffMemberSerializer()

    class Meta:
        model = ReceiptReprint
        fields = ["id", "receipt", "at", "by", "reason"]


class ReceiveBookSerializer(serializers.Serializer):
    prefix = TextField(max_length=10, required=False, allow_blank=True, default="", help_text="E.g. A.")
    # One below the largest id: the book's next number runs one past its last.
    first_number = serializers.IntegerField(min_value=1, max_value=MAX_ID - 1)
    last_number = serializers.IntegerField(min_value=1, max_value=MAX_ID - 1)
    digits = serializers.IntegerField(
        min_value=1, max_value=12, required=False, default=8, help_text="Printed width: 8 → A00001001."
    )


class IssueBookSerializer(serializers.Serializer):
    to = RowField(staff_member, help_text="The rep (user id) who takes the book.")


def _book(hall, book_id) -> ReceiptBook:
    return selectors.get_book(hall, book_id)


def _book_response(hall, book: ReceiptBook, code=status.HTTP_200_OK) -> Response:
    return Response(ReceiptBookSerializer(selectors.get_book(hall, book.pk)).data, status=code)


def _receipt_response(receipt: Receipt, code=status.HTTP_201_CREATED) -> Response:
    receipt = Receipt.objects.select_related("payment", "issued_by", "voided_by").get(pk=receipt.pk)
    return Response(ReceiptSerializer(receipt).data, status=code)


def receipt_for_user(user, hall, receipt_id) -> Receipt:
    """A receipt of the hall: those who read money records reach any, a rep the ones they issued."""
    receipts = Receipt.objects.filter(hall=hall, pk=int_or_404(receipt_id)).select_related(
        "hall", "payment", "issued_by", "voided_by"
    )
    if not has_hall_perm(user, hall, "billing.view_payment"):
        receipts = receipts.filter(issued_by=user)
    receipt = receipts.first()
    if receipt is None:
        raise Http404
    return receipt


class BookListView(generics.GenericAPIView):
    queryset = ReceiptBook.objects.none()  # for the schema: the rows come from the selectors
    serializer_class = ReceiptBookSerializer

    @extend_schema(
        responses={200: ReceiptBookSerializer(many=True), **errors(401, 403, 404)},
        summary="The hall's receipt books with their register (a rep sees the books in their hands)",
    )
    def get(self, request, hall_id: int):
        hall = hall_for(request, hall_id, "billing.view_receiptbook", TAKE)
        books = selectors.books(hall)
        if not has_hall_perm(request.user, hall, "billing.view_receiptbook"):
            books = books.filter(holder=request.user)
        page = self.paginate_queryset(books)
        return self.get_paginated_response(ReceiptBookSerializer(page, many=True).data)

    @extend_schema(
        request=ReceiveBookSerializer,
        responses={201: ReceiptBookSerializer, **errors(400, 401, 403, 404, 415)},
        summary="Record a receipt book received from finance (auditor)",
    )
    def post(self, request, hall_id: int):
        hall = hall_for(request, hall_id, STOCK)
        data = validated(ReceiveBookSerializer, request.data)
        book = services.receive_book(hall=hall, by=request.user, **data)
        return _book_response(hall, book, status.HTTP_201_CREATED)


class IssueBookView(APIView):
    @extend_schema(
        request=IssueBookSerializer,
        responses={200: ReceiptBookSerializer, **errors(400, 401, 403, 404, 415)},
        summary="Hand a book from stock to a rep (auditor)",
    )
    def post(self, request, hall_id: int, book_id: int):
        hall = hall_for(request, hall_id, STOCK)
        book = _book(hall, book_id)
        data = validated(IssueBookSerializer, request.data, context={"request": request, "hall": hall})
        return _book_response(hall, services.issue_book(book=book, to=data["to"], by=request.user))


class ReturnBookView(APIView):
    @extend_schema(
        request=None,
        responses={200: ReceiptBookSerializer, **errors(400, 401, 403, 404)},
        summary="Take a book's unused numbers back into stock (auditor)",
    )
    def post(self, request, hall_id: int, book_id: int):
        hall = hall_for(request, hall_id, STOCK)
        book = _book(hall, book_id)
        return _book_response(hall, services.return_book(book=book, by=request.user))


class BookReceiptsView(APIView):
    @extend_schema(
        responses={200: ReceiptSerializer(many=True), **errors(401, 403, 404)},
        summary=f"A book's used numbers, the latest first (at most {BOOK_RECEIPTS})",
    )
    def get(self, request, hall_id: int, book_id: int):
        hall = hall_for(request, hall_id, "billing.view_receiptbook")
        receipts = selectors.book_receipts(_book(hall, book_id), limit=BOOK_RECEIPTS)
        return Response(ReceiptSerializer(receipts, many=True).data)


class SpoilView(APIView):
    @extend_schema(
        request=ReasonSerializer,
        responses={201: ReceiptSerializer, **errors(400, 401, 403, 404, 415)},
        summary="Void the next number of my book without a payment (a jammed or misprinted form)",
    )
    def post(self, request, hall_id: int):
        hall = hall_for(request, hall_id, TAKE)
        data = validated(ReasonSerializer, request.data)
        return _receipt_response(services.spoil_receipt(hall=hall, reason=data["reason"], by=request.user))


class ReissueView(APIView):
    @extend_schema(
        request=ReasonSerializer,
        responses={201: ReceiptSerializer, **errors(400, 401, 403, 404, 415)},
        summary="The printed receipt was spoiled: void it and give the payment my next number",
    )
    def post(self, request, hall_id: int, payment_id: int):
        hall = hall_for(request, hall_id, TAKE)
        payment = selectors.get_payment(request.user, hall, payment_id)
        data = validated(ReasonSerializer, request.data)
        receipt = services.reissue_receipt(payment=payment, reason=data["reason"], by=request.user)
        return _receipt_response(receipt)


class ReprintView(APIView):
    @extend_schema(
        request=ReasonSerializer,
        responses={201: ReprintSerializer, **errors(400, 401, 403, 404, 415)},
        summary="Print a receipt again: recorded with who and why (the copy says it is a reprint)",
    )
    def post(self, request, hall_id: int, receipt_id: int):
        hall = hall_for(request, hall_id, TAKE)
        receipt = receipt_for_user(request.user, hall, receipt_id)
        data = validated(ReasonSerializer, request.data)
        reprint = services.log_reprint(receipt=receipt, reason=data["reason"], by=request.user)
        return Response(ReprintSerializer(reprint).data, status=status.HTTP_201_CREATED)


_BOOKS = "halls/<int:hall_id>/receipt-books/"
urlpatterns = [
    path(_BOOKS, BookListView.as_view(), name="api_receipt_books"),
    path(f"{_BOOKS}<int:book_id>/issue/", IssueBookView.as_view(), name="api_receipt_book_issue"),
    path(f"{_BOOKS}<int:book_id>/return/", ReturnBookView.as_view(), name="api_receipt_book_return"),
    path(f"{_BOOKS}<int:book_id>/receipts/", BookReceiptsView.as_view(), name="api_receipt_book_receipts"),
    path("halls/<int:hall_id>/receipts/spoil/", SpoilView.as_view(), name="api_receipt_spoil"),
    path(
        "halls/<int:hall_id>/receipts/<int:receipt_id>/reprint/",
        ReprintView.as_view(),
        name="api_receipt_reprint",
    ),
    path(
        "halls/<int:hall_id>/payments/<int:payment_id>/reissue-receipt/",
        ReissueView.as_view(),
        name="api_payment_reissue_receipt",
    ),
]
