"""API: account lookup (masked), the account panel, and unmasking personal data (audited)."""

from django.urls import path
from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.response import Response
from rest_framework.views import APIView

from counter.models import Bill, Business, GasAccount
from counter.selectors import customers as customer_selectors
from counter.services import customers as customer_services
from servicecenter.api import errors, validated
from servicecenter.scoping import get_hall_for_user


class MaskedCustomerSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()
    id_number = serializers.CharField(help_text="Masked: 3301**********1234.")
    phone = serializers.CharField(help_text="Masked: 138****5678.")


class AccountSerializer(serializers.ModelSerializer):
    holder = serializers.SerializerMethodField()

    class Meta:
        model = GasAccount
        fields = ["id", "number", "holder", "address", "meter_type", "status", "opened_on", "closed_on"]

    @staticmethod
    def get_holder(account) -> MaskedCustomerSerializer:
        return MaskedCustomerSerializer(customer_selectors.masked(account.holder)).data


class BillSerializer(serializers.ModelSerializer):
    class Meta:
        model = Bill
        fields = ["id", "number", "period", "amount", "due_on", "status", "settled_at"]


class PastVisitSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    started_at = serializers.DateTimeField()
    window = serializers.IntegerField(source="window.number")
    rep = serializers.CharField(source="rep.display_name")
    businesses = serializers.SerializerMethodField()

    @staticmethod
    def get_businesses(visit) -> list[str]:
        return [b.business_type.code for b in visit.businesses.all()]


class OpenBusinessSerializer(serializers.ModelSerializer):
    type = serializers.CharField(source="business_type.code")

    class Meta:
        model = Business
        fields = ["id", "number", "type", "status", "reply_due"]


class OpenComplaintSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    number = serializers.CharField()
    status = serializers.CharField()
    owner = serializers.CharField(source="owner.display_name", allow_null=True, default=None)


class AccountPanelSerializer(serializers.Serializer):
    account = AccountSerializer()
    unpaid_total = serializers.DecimalField(max_digits=12, decimal_places=2)
    unpaid_bills = BillSerializer(many=True)
    recent_bills = BillSerializer(many=True)
    visit_count = serializers.IntegerField()
    visits = PastVisitSerializer(many=True)
    open_businesses = OpenBusinessSerializer(many=True)
    open_complaints = OpenComplaintSerializer(many=True)


class UnmaskSerializer(serializers.Serializer):
    field = serializers.ChoiceField(choices=sorted(customer_services.UNMASKABLE_FIELDS))


class UnmaskedSerializer(serializers.Serializer):
    customer = serializers.IntegerField()
    field = serializers.CharField()
    value = serializers.CharField()


class SearchSerializer(serializers.Serializer):
    q = serializers.CharField(
        max_length=100, help_text="Account number (or its start), phone, start of the name, or resident ID."
    )


class AccountSearchView(APIView):
    @extend_schema(
        request=SearchSerializer,
        responses={200: AccountSerializer(many=True), **errors(400, 401, 403, 404, 415)},
        summary="Find accounts (personal data masked; at most 20)",
        description="A POST, so that a resident ID or phone number searched for never appears in a URL.",
    )
    def post(self, request, hall_id: int):
        hall = get_hall_for_user(request.user, hall_id, "counter.view_customer")
        query = validated(SearchSerializer, request.data)["q"]
        accounts = customer_selectors.search_accounts(hall=hall, query=query)
        return Response(AccountSerializer(accounts, many=True).data)


class AccountPanelView(APIView):
    @extend_schema(
        responses={200: AccountPanelSerializer, **errors(401, 403, 404)},
        summary="An account: holder (masked), bills, past visits, open cases",
    )
    def get(self, request, hall_id: int, account_id: int):
        hall = get_hall_for_user(request.user, hall_id, "counter.view_customer")
        account = customer_selectors.get_account(hall=hall, account_id=account_id)
        return Response(AccountPanelSerializer(customer_selectors.account_panel(account, hall=hall)).data)


class UnmaskView(APIView):
    @extend_schema(
        request=UnmaskSerializer,
        responses={200: UnmaskedSerializer, **errors(400, 401, 403, 404, 415)},
        summary="Show a customer's ID or phone number in full (recorded in the audit log)",
    )
    def post(self, request, hall_id: int, customer_id: int):
        hall = get_hall_for_user(request.user, hall_id, "counter.unmask_customer")
        customer = customer_selectors.get_customer(hall=hall, customer_id=customer_id)
        field = validated(UnmaskSerializer, request.data)["field"]
        value = customer_services.reveal_personal_data(
            customer=customer, field=field, hall=hall, by=request.user
        )
        return Response({"customer": customer.pk, "field": field, "value": value})


urlpatterns = [
    path("halls/<int:hall_id>/accounts/search/", AccountSearchView.as_view(), name="api_accounts_search"),
    path("halls/<int:hall_id>/accounts/<int:account_id>/", AccountPanelView.as_view(), name="api_account"),
    path("halls/<int:hall_id>/customers/<int:customer_id>/unmask/", UnmaskView.as_view(), name="api_unmask"),
]
