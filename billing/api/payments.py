"""API: payments — taken into the rep's open till (idempotent by the Idempotency-Key header), listed and read
with their lines, tenders and receipt; the prepaid card write confirmed; same-day voids asked for and decided.
Also the price list and the tenders a payment is made of. The same services as the pages."""

import re

from django.urls import path
from django.utils import timezone
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import generics, serializers, status
from rest_framework.exceptions import ParseError, UnsupportedMediaType
from rest_framework.response import Response
from rest_framework.views import APIView

from billing import selectors
from billing.api import common
from billing.api.common import (
    AmountField,
    DayField,
    FeeItemSerializer,
    ReasonSerializer,
    RowField,
    TenderSerializer,
    TextField,
    amount_text,
    hall_for,
)
from billing.errors import BillingError
from billing.models import Payment, PaymentLine, PaymentTender, Receipt
from billing.services import payments as services
from counter.selectors import customers as customer_selectors
from servicecenter.api import MAX_ID, StaffMemberSerializer, errors, validated
from servicecenter.money import quantize, to_chinese_capital

TAKE = "billing.take_payment"
VIEW = "billing.view_payment"

IDEMPOTENCY_HEADER = "Idempotency-Key"
MAX_TENDERS = 10  # tenders one payment may be split into
# What the service accepts (8–64 ASCII characters), without spaces: what a client generates (a UUID).
_KEY = re.compile(r"[!-~]{8,64}")


# --- Output -------------------------------------------------------------------------------------------


class PaymentLineSerializer(serializers.ModelSerializer):
    class Meta:
        model = PaymentLine
        fields = ["id", "fee_item", "bill", "description", "quantity", "unit_price", "amount"]


class PaymentTenderSerializer(serializers.ModelSerializer):
    tender = TenderSerializer()

    class Meta:
        model = PaymentTender
        fields = ["tender", "amount", "reference"]


class PaymentSerializer(serializers.ModelSerializer):
    till_number = serializers.CharField(source="till.number")
    rep = StaffMemberSerializer()
    window = serializers.IntegerField(source="window.number", allow_null=True, default=None)
    account_number = serializers.CharField(source="account.number", allow_null=True, default=None)
    receipt_number = serializers.SerializerMethodField(
        help_text="The valid receipt's number (none once voided)."
    )
    amount_in_words = serializers.SerializerMethodField(help_text="The total in Chinese capitals (大写金额).")
    card_write = serializers.ChoiceField(
        choices=Payment.CardWrite.choices,
        allow_blank=True,
        help_text="Prepaid top-ups: whether the gas card was written; empty when there is no card to write.",
    )
    lines = PaymentLineSerializer(many=True)
    tenders = PaymentTenderSerializer(many=True)

    class Meta:
        model = Payment
        fields = [
            "id",
            "number",
            "business_day",
            "created_at",
            "till",
            "till_number",
            "rep",
            "window",
            "account",
            "account_number",
            "visit",
            "receipt_number",
            "total",
            "amount_in_words",
            "cash_tendered",
            "change",
            "status",
            "card_write",
            "card_write_note",
            "void_reason",
            "lines",
            "tenders",
        ]

    def get_receipt_number(self, payment) -> str | None:
        return next((r.number for r in payment.receipts.all() if r.status == Receipt.Status.ISSUED), None)

    def get_amount_in_words(self, payment) -> str:
        return to_chinese_capital(payment.total)


def _payments(user, hall):
    return selectors.payments_for_user(user, hall).prefetch_related("lines", "tenders__tender", "receipts")


def _detail(request, hall, payment: Payment, code=status.HTTP_200_OK) -> Response:
    payment = _payments(request.user, hall).get(pk=payment.pk)
    return Response(PaymentSerializer(payment).data, status=code)


# --- Input --------------------------------------------------------------------------------------------


class LineInputSerializer(serializers.Serializer):
    fee_item = RowField(common.fee_item, help_text="A price-list item (id, see price-list).")
    amount = AmountField(
        required=False,
        allow_null=True,
        default=None,
        help_text="For an item without a fixed price (top-up, quote): the amount. Ignored for fixed prices.",
    )
    quantity = serializers.IntegerField(min_value=1, max_value=999, required=False, default=1)
    bill = RowField(
        common.bill,
        required=False,
        allow_null=True,
        default=None,
        help_text="Gas bills: the bill (id) this line pays, one of the account's unpaid bills.",
    )


class TenderInputSerializer(serializers.Serializer):
    tender = RowField(common.tender, help_text="How (part of) it is paid: a tender id, see tenders.")
    amount = AmountField(
        required=False, allow_null=True, default=None, help_text="May be left out when it is the only tender."
    )
    reference = TextField(
        max_length=64,
        required=False,
        allow_blank=True,
        default="",
        help_text="QR payments and transfers: the channel's transaction reference.",
    )


class PaymentInputSerializer(serializers.Serializer):
    till = RowField(selectors.get_till, help_text="My open till (id).")
    account = RowField(
        lambda user, hall, pk: customer_selectors.get_account(hall=hall, account_id=pk),
        required=False,
        allow_null=True,
        default=None,
        help_text="The gas account paid for (needed for bills, top-ups and most fees).",
    )
    visit = RowField(
        common.visit,
        required=False,
        allow_null=True,
        default=None,
        help_text="The visit at my window this payment belongs to (its account is used if none is given).",
    )
    lines = LineInputSerializer(many=True, max_length=services.MAX_LINES)
    tenders = TenderInputSerializer(many=True, max_length=MAX_TENDERS)
    cash_tendered = AmountField(
        required=False,
        allow_null=True,
        default=None,
        help_text="Cash handed over by the customer (the change is worked out); defaults to the cash due.",
    )


class CardWriteSerializer(serializers.Serializer):
    written = serializers.BooleanField(help_text="False: the write failed (the auditor follows it up).")
    note = TextField(max_length=200, required=False, allow_blank=True, default="")


class PaymentQuerySerializer(serializers.Serializer):
    day = DayField(required=False, help_text="Only the payments of this business day.")


def idempotency_key(request) -> str:
    """The client's key for this payment: refused when missing or not 8–64 visible ASCII characters."""
    key = request.headers.get(IDEMPOTENCY_HEADER, "").strip()
    if not _KEY.fullmatch(key):
        raise BillingError(
            _("Send an Idempotency-Key header: 8 to 64 letters, digits or symbols, new for each payment."),
            code="idempotency",
        )
    return key


# --- The plain path ---------------------------------------------------------------------------------
# A payment is the request a counter sends all day: it is read without the serializer when the body has the
# plain shape (ids as JSON integers, amounts as text or numbers, references as text), and answered from the
# rows just written. Anything else — and any id the hall's lookups would not find — goes the serializer's
# way, which words the refusal field by field. tests/billing/test_api_payments_plain.py holds the two to the
# same answers.


def _id(value) -> int | None:
    return value if type(value) is int and 1 <= value <= MAX_ID else None


def _optional_id(body: dict, name: str) -> tuple[bool, int | None]:
    value = body.get(name)
    if value is None:
        return True, None
    pk = _id(value)
    return pk is not None, pk


def _amount(body: dict, name: str) -> tuple[bool, object]:
    """(plain, the amount as AmountField gives it: text, or None)."""
    value = body.get(name)
    if value is None:
        return True, None
    text = amount_text(value)
    return text is not None, text


def plain_entry(data) -> dict | None:
    """The payment's fields as the serializer would give them (ids instead of rows), or None when the body
    is not of the plain shape."""
    if type(data) is not dict:
        return None
    till = _id(data.get("till"))
    ok_account, account = _optional_id(data, "account")
    ok_visit, visit = _optional_id(data, "visit")
    ok_cash, cash = _amount(data, "cash_tendered")
    lines, tenders = data.get("lines"), data.get("tenders")
    if till is None or not (ok_account and ok_visit and ok_cash):
        return None
    if type(lines) is not list or not 0 < len(lines) <= services.MAX_LINES:
        return None
    if type(tenders) is not list or not 0 < len(tenders) <= MAX_TENDERS:
        return None
    entry_lines = []
    for line in lines:
        if type(line) is not dict:
            return None
        fee_item = _id(line.get("fee_item"))
        ok_amount, amount = _amount(line, "amount")
        ok_bill, bill = _optional_id(line, "bill")
        quantity = line.get("quantity", 1)
        if (
            fee_item is None
            or not (ok_amount and ok_bill)
            or type(quantity) is not int
            or not 1 <= quantity <= 999
        ):
            return None
        entry_lines.append(services.LineEntry(fee_item, amount, quantity, bill))
    entry_tenders = []
    for entry in tenders:
        if type(entry) is not dict:
            return None
        tender = _id(entry.get("tender"))
        ok_amount, amount = _amount(entry, "amount")
        reference = entry.get("reference", "")
        if (
            tender is None
            or not ok_amount
            or type(reference) is not str
            or not _PLAIN_REFERENCE.fullmatch(reference)
        ):
            return None
        entry_tenders.append(services.TenderEntry(tender, amount, reference))
    return {
        "till_id": till,
        "account_id": account,
        "visit": visit,
        "lines": entry_lines,
        "tenders": entry_tenders,
        "cash_tendered": cash,
    }


# A channel's reference as it looks (the service checks it again); anything else goes to the serializer.
_PLAIN_REFERENCE = re.compile(r"[A-Za-z0-9_-]{0,64}")


def _take_plain(request, hall_id: int, at) -> services.Taken | None:
    """The payment taken from a plain body, or None: the body (or the key) is for the serializer's way.

    The hall's access is checked by the service in the round trip that locks the till (404, 403 as
    `hall_for` answers them); a visit is looked up in the hall first."""
    key = request.headers.get(IDEMPOTENCY_HEADER, "").strip()
    if not _KEY.fullmatch(key) or not 1 <= hall_id <= MAX_ID:
        return None
    entry = plain_entry(request.data)
    if entry is None:
        return None
    visit = None
    if entry["visit"] is not None:
        hall = hall_for(request, hall_id, TAKE)
        visit = common.visit(request.user, hall, entry["visit"])
        if visit is None:
            return None
    try:
        return services.take_payment(
            hall_id=hall_id, idempotency_key=key, by=request.user, at=at, **{**entry, "visit": visit}
        )
    except services.NotInScope:
        return None


_WHEN = serializers.DateTimeField()


def _money(amount) -> str:
    return str(quantize(amount))


def created_body(taken: services.Taken) -> dict:
    """PaymentSerializer's answer for a payment just taken, from the rows in hand (not read back)."""
    payment, rep = taken.payment, taken.payment.rep
    return {
        "id": payment.pk,
        "number": payment.number,
        "business_day": payment.business_day.isoformat(),
        "created_at": _WHEN.to_representation(payment.created_at),
        "till": payment.till_id,
        "till_number": payment.till.number,
        "rep": {"id": rep.pk, "display_name": rep.display_name, "staff_number": rep.staff_number},
        "window": payment.window.number if payment.window_id else None,
        "account": payment.account_id,
        "account_number": payment.account.number if payment.account_id else None,
        "visit": payment.visit_id,
        "receipt_number": taken.receipt.number,
        "total": _money(payment.total),
        "amount_in_words": to_chinese_capital(payment.total),
        "cash_tendered": _money(payment.cash_tendered),
        "change": _money(payment.change),
        "status": payment.status,
        "card_write": payment.card_write,
        "card_write_note": payment.card_write_note,
        "void_reason": payment.void_reason,
        "lines": [
            {
                "id": line.pk,
                "fee_item": line.fee_item_id,
                "bill": line.bill_id,
                "description": line.description,
                "quantity": line.quantity,
                "unit_price": _money(line.unit_price),
                "amount": _money(line.amount),
            }
            for line in taken.lines
        ],
        "tenders": [
            {
                "tender": {
                    "id": entry.tender.pk,
                    "code": entry.tender.code,
                    "name": entry.tender.name,
                    "kind": entry.tender.kind,
                },
                "amount": _money(entry.amount),
                "reference": entry.reference,
            }
            for entry in taken.tenders
        ],
    }


# --- Endpoints ----------------------------------------------------------------------------------------


class PaymentListView(generics.GenericAPIView):
    queryset = Payment.objects.none()  # for the schema: the rows come from the selectors
    serializer_class = PaymentSerializer

    @extend_schema(
        parameters=[OpenApiParameter("day", OpenApiTypes.DATE, description="A business day, YYYY-MM-DD.")],
        responses={200: PaymentSerializer(many=True), **errors(400, 401, 403, 404)},
        summary="The hall's payments, the latest first (a rep sees the ones they took)",
    )
    def get(self, request, hall_id: int):
        hall = hall_for(request, hall_id, VIEW, TAKE)
        query = validated(PaymentQuerySerializer, request.query_params.dict())
        payments = _payments(request.user, hall)
        if "day" in query:
            payments = payments.filter(business_day=query["day"])
        page = self.paginate_queryset(payments.order_by("-created_at", "-pk"))
        return self.get_paginated_response(PaymentSerializer(page, many=True).data)

    @extend_schema(
        parameters=[
            OpenApiParameter(
                IDEMPOTENCY_HEADER,
                {"type": "string", "minLength": 8, "maxLength": 64, "pattern": "^[!-~]{8,64}$"},
                OpenApiParameter.HEADER,
                required=True,
                description="A new key (e.g. a UUID) for each payment, sent again unchanged when the request "
                "is retried: the same key returns the payment already made (200) instead of a second one.",
            )
        ],
        request=PaymentInputSerializer,
        responses={
            201: PaymentSerializer,
            200: OpenApiResponse(PaymentSerializer, description="This key was used before: that payment."),
            **errors(400, 401, 403, 404, 415),
        },
        summary="Take a payment into my open till: its receipt is issued and the bills it pays are settled",
    )
    def post(self, request, hall_id: int):
        at = timezone.now()
        try:
            taken = _take_plain(request, hall_id, at)
        except (ParseError, UnsupportedMediaType):
            # A body that cannot be read is answered after the hall's and the key's checks, as always.
            hall_for(request, hall_id, TAKE)
            idempotency_key(request)
            raise
        if taken is not None and taken.created:
            return Response(created_body(taken), status=status.HTTP_201_CREATED)
        hall = hall_for(request, hall_id, TAKE)
        key = idempotency_key(request)
        if taken is not None:
            payment, created = taken.payment, False
        else:
            data = validated(PaymentInputSerializer, request.data, context={"request": request, "hall": hall})
            payment = services.record_payment(
                till=data["till"],
                lines=[services.LineInput(**line) for line in data["lines"]],
                tenders=[services.TenderInput(**entry) for entry in data["tenders"]],
                idempotency_key=key,
                by=request.user,
                account=data["account"],
                visit=data["visit"],
                cash_tendered=data["cash_tendered"],
                at=at,
            )
            # The service answers a key it has seen with the payment it made then (taken at another moment).
            created = payment.created_at == at
        if payment.hall_id != hall.pk:  # the key is the rep's: they used it in another of their halls
            raise BillingError(
                _("This Idempotency-Key was already used for a payment in another hall."), code="idempotency"
            )
        return _detail(request, hall, payment, status.HTTP_201_CREATED if created else status.HTTP_200_OK)


class PaymentDetailView(APIView):
    @extend_schema(
        responses={200: PaymentSerializer, **errors(401, 403, 404)},
        summary="One payment with its lines, tenders and receipt number",
    )
    def get(self, request, hall_id: int, payment_id: int):
        hall = hall_for(request, hall_id, VIEW, TAKE)
        return _detail(request, hall, selectors.get_payment(request.user, hall, payment_id))


class CardWriteView(APIView):
    @extend_schema(
        request=CardWriteSerializer,
        responses={200: PaymentSerializer, **errors(400, 401, 403, 404, 415)},
        summary="Confirm the prepaid card was written (or say it failed)",
    )
    def post(self, request, hall_id: int, payment_id: int):
        hall = hall_for(request, hall_id, TAKE)
        payment = selectors.get_payment(request.user, hall, payment_id)
        data = validated(CardWriteSerializer, request.data)
        payment = services.confirm_card_write(
            payment=payment, written=data["written"], note=data["note"], by=request.user
        )
        return _detail(request, hall, payment)


class VoidRequestView(APIView):
    @extend_schema(
        request=ReasonSerializer,
        responses={200: PaymentSerializer, **errors(400, 401, 403, 404, 415)},
        summary="Ask for a payment of today to be voided, saying why (its till must still be open)",
    )
    def post(self, request, hall_id: int, payment_id: int):
        hall = hall_for(request, hall_id, TAKE)
        payment = selectors.get_payment(request.user, hall, payment_id)
        data = validated(ReasonSerializer, request.data)
        return _detail(
            request, hall, services.request_void(payment=payment, reason=data["reason"], by=request.user)
        )


def void_decision(approve: bool, summary: str):
    class VoidDecisionView(APIView):
        @extend_schema(
            request=None, responses={200: PaymentSerializer, **errors(400, 401, 403, 404)}, summary=summary
        )
        def post(self, request, hall_id: int, payment_id: int):
            hall = hall_for(request, hall_id, "billing.approve_payment_void")
            payment = selectors.get_payment(request.user, hall, payment_id)
            payment = services.decide_void(payment=payment, approve=approve, by=request.user)
            return _detail(request, hall, payment)

    VoidDecisionView.__name__ = "ApproveVoidView" if approve else "RejectVoidView"
    return VoidDecisionView


class PriceListView(APIView):
    @extend_schema(
        responses={200: FeeItemSerializer(many=True), **errors(401, 403, 404)},
        summary="The items a payment can carry (the company's price list)",
    )
    def get(self, request, hall_id: int):
        hall = hall_for(request, hall_id, VIEW, TAKE)
        return Response(FeeItemSerializer(selectors.price_list(hall), many=True).data)


class TenderListView(APIView):
    @extend_schema(
        responses={200: TenderSerializer(many=True), **errors(401, 403, 404)},
        summary="The ways to pay that are accepted",
    )
    def get(self, request, hall_id: int):
        hall = hall_for(request, hall_id, VIEW, TAKE)
        return Response(TenderSerializer(selectors.tenders(hall), many=True).data)


_BASE = "halls/<int:hall_id>/payments/"
urlpatterns = [
    path(_BASE, PaymentListView.as_view(), name="api_payments"),
    path(f"{_BASE}<int:payment_id>/", PaymentDetailView.as_view(), name="api_payment"),
    path(f"{_BASE}<int:payment_id>/card-write/", CardWriteView.as_view(), name="api_payment_card_write"),
    path(f"{_BASE}<int:payment_id>/void/", VoidRequestView.as_view(), name="api_payment_void"),
    path(
        f"{_BASE}<int:payment_id>/void/approve/",
        void_decision(
            True, "Approve the void: the payment, its receipt and its bill settlements are voided"
        ).as_view(),
        name="api_payment_void_approve",
    ),
    path(
        f"{_BASE}<int:payment_id>/void/reject/",
        void_decision(False, "Refuse the void: the payment stands").as_view(),
        name="api_payment_void_reject",
    ),
    path("halls/<int:hall_id>/price-list/", PriceListView.as_view(), name="api_price_list"),
    path("halls/<int:hall_id>/tenders/", TenderListView.as_view(), name="api_tenders"),
]
