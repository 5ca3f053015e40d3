# ruff: noqa: F811 — the api fixture comes from test_api
"""POST payments' plain path (billing/api/payments.py): a body of the plain shape is read without the
serializer and answered from the rows just written — with exactly the answers the serializer's path gives,
and anything else still goes the serializer's way."""

import json
import uuid
from types import SimpleNamespace

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from billing.api.payments import PaymentInputSerializer, plain_entry
from billing.models import Payment
from counter.services import queue, visits
from tests.billing.test_api import _counts, _pay, api, url  # noqa: F401


@pytest.fixture
def till(rep, open_till_for):
    return open_till_for(rep)


def _answers_agree(client, hall, response) -> dict:
    """The 201's body is what reading the payment back answers."""
    assert response.status_code == 201, response.content
    created = response.json()
    again = client.get(url(hall, f"payments/{created['id']}/"))
    assert again.status_code == 200
    assert created == again.json()
    return created


def test_the_answer_is_the_payment_as_read_back(
    billing_hall, rep, till, fee, tender, make_account, api, category
):
    client = api(rep)
    account = make_account(billing_hall, "3100001", bills=["30.20", "45.00"])
    cash, alipay, wechat = tender("cash").pk, tender("alipay").pk, tender("wechat").pk
    # Open a visit at the rep's window: the payment belongs to it.
    window = billing_hall.windows.get(number=1)
    queue.open_post(hall=billing_hall, window=window, user=rep)
    ticket = queue.issue_ticket(hall=billing_hall, category=category("A"))
    queue.call_next(user=rep, hall=billing_hall)
    visit = visits.start_visit(user=rep, hall=billing_hall, ticket_id=ticket.pk)
    visit = visits.attach_account(user=rep, hall=billing_hall, visit_id=visit.pk, account=account)
    bills = list(account.bills.order_by("period"))
    bodies = [
        # Gas bills in the visit, split between cash (with change) and Alipay.
        {
            "till": till.pk,
            "visit": visit.pk,
            "lines": [{"fee_item": fee("gas_bill").pk, "bill": b.pk} for b in bills],
            "tenders": [
                {"tender": cash, "amount": "50.00"},
                {"tender": alipay, "amount": 25.2, "reference": "ALI2026112300001"},
            ],
            "cash_tendered": "100",
        },
        # Two alarms by WeChat Pay, no account.
        {
            "till": till.pk,
            "lines": [{"fee_item": fee("alarm").pk, "quantity": 2}],
            "tenders": [{"tender": wechat, "reference": "WX2026112300001"}],
        },
        # A prepaid top-up: the card write waits for its confirmation.
        {
            "till": till.pk,
            "account": account.pk,
            "lines": [{"fee_item": fee("prepaid_gas").pk, "amount": 200}],
            "tenders": [{"tender": cash}],
            "cash_tendered": None,
        },
    ]
    answers = [_answers_agree(client, billing_hall, _pay(client, billing_hall, body)) for body in bodies]
    assert [a["total"] for a in answers[:2]] == ["75.20", str(2 * fee("alarm").price)]
    assert answers[0]["change"] == "50.00" and answers[0]["visit"] == visit.pk
    assert answers[0]["amount_in_words"] == "柒拾伍元贰角整"
    assert answers[2]["card_write"] == Payment.CardWrite.PENDING
    assert [b.status for b in account.bills.all()] == ["paid", "paid"]


def test_a_body_of_another_shape_is_read_by_the_serializer_to_the_same_payment(
    billing_hall, rep, till, fee, tender, api
):
    """Ids and quantities as text are not the plain shape; the serializer reads them as it always did."""
    client = api(rep)
    body = {
        "till": str(till.pk),
        "lines": [{"fee_item": str(fee("alarm").pk), "quantity": "2"}],
        "tenders": [{"tender": tender("wechat").pk, "reference": "WX2026112300002"}],
    }
    assert plain_entry(body) is None
    answer = _answers_agree(client, billing_hall, _pay(client, billing_hall, body))
    assert answer["lines"][0]["quantity"] == 2


def test_ids_outside_the_hall_fall_back_to_the_messages_per_field(
    billing_hall, rep, till, fee, tender, make_account, api
):
    """Ids of the plain shape that the hall's lookups would not find are still answered field by field."""
    from tests.factories import CompanyFactory

    other = make_account(billing_hall, "3100002")
    other.company = CompanyFactory()
    other.save()
    body = {
        "till": till.pk,
        "account": other.pk,
        "lines": [{"fee_item": fee("installation").pk, "amount": "10"}],
        "tenders": [{"tender": tender("cash").pk}],
    }
    assert plain_entry(body) is not None
    response = _pay(api(rep), billing_hall, body)
    assert response.status_code == 400 and "does not exist" in response.json()["account"][0]
    assert _counts() == (0, 0, 0)


def test_taking_a_payment_by_the_api_is_a_few_statements(
    billing_hall, rep, till, fee, tender, api, django_assert_max_num_queries
):
    client = api(rep)
    body = {
        "till": till.pk,
        "lines": [{"fee_item": fee("alarm").pk}],
        "tenders": [{"tender": tender("wechat").pk, "reference": "WX2026112300003"}],
    }
    _pay(client, billing_hall, body)
    body["tenders"][0]["reference"] = "WX2026112300004"
    # Session and user; the user's halls, the till locked, and all the payment needs read (three statements in
    # one round trip: test_payment_writers.py counts them); the write. The test's savepoint and its release
    # stand where a request's BEGIN and COMMIT are.
    with django_assert_max_num_queries(8):
        assert _pay(client, billing_hall, body).status_code == 201


# --- The plain reading agrees with the serializer --------------------------------------------------------

_ID = st.one_of(
    st.sampled_from(["VALID"]), st.integers(-3, 2**40), st.text(max_size=4), st.booleans(), st.none()
)
_AMOUNT = st.one_of(
    st.none(),
    st.text(max_size=34),
    st.integers(-10, 10**8),
    st.floats(allow_nan=True),
    st.booleans(),
    st.lists(st.integers(), max_size=1),
)
_QUANTITY = st.one_of(st.integers(-2, 1200), st.text(max_size=3), st.booleans(), st.none(), st.floats(0, 5))
_REFERENCE = st.one_of(
    st.text(max_size=70), st.from_regex(r"[A-Za-z0-9_-]{0,66}", fullmatch=True), st.integers()
)


def _maybe(key, strategy):
    return st.one_of(st.just({}), strategy.map(lambda value: {key: value}))


def _dict(required: dict, optional: dict):
    parts = [st.fixed_dictionaries(required), *(_maybe(k, s) for k, s in optional.items())]
    return st.tuples(*parts).map(lambda ds: {k: v for d in ds for k, v in d.items()})


_LINE = _dict({"fee_item": _ID}, {"amount": _AMOUNT, "quantity": _QUANTITY, "bill": _ID})
_TENDER = _dict({"tender": _ID}, {"amount": _AMOUNT, "reference": _REFERENCE})
_BODY = st.one_of(
    _dict(
        {"till": _ID, "lines": st.lists(_LINE, max_size=3), "tenders": st.lists(_TENDER, max_size=3)},
        {"account": _ID, "visit": _ID, "cash_tendered": _AMOUNT},
    ),
    st.lists(st.integers(), max_size=2),
    st.text(max_size=5),
)


def _codes(errors) -> set[str]:
    if isinstance(errors, dict):
        return set().union(*(_codes(v) for v in errors.values())) if errors else set()
    if isinstance(errors, list):
        return set().union(*(_codes(v) for v in errors)) if errors else set()
    return {errors.code}


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(body=_BODY)
def test_the_plain_reading_is_the_serializers_reading(body, billing_hall, rep, till, fee, tender):
    """Whatever a client sends: when the plain reading takes the body, the serializer reads the same ids
    and values from it — or finds only that an id is not there (which the plain path then leaves to it)."""
    valid = {"till": till.pk, "fee_item": fee("alarm").pk, "tender": tender("cash").pk}

    def fill(value, key=None):
        if isinstance(value, dict):
            return {k: fill(v, k) for k, v in value.items()}
        if isinstance(value, list):
            return [fill(v, key) for v in value]
        return valid.get(key, till.pk) if value == "VALID" else value

    body = fill(body)
    plain = plain_entry(body)
    if plain is None:
        return  # not the plain shape: the serializer reads it, as before
    serializer = PaymentInputSerializer(
        data=body, context={"request": SimpleNamespace(user=rep), "hall": billing_hall}
    )
    if not serializer.is_valid():
        assert _codes(serializer.errors) == {"does_not_exist"}, serializer.errors
        return
    data = serializer.validated_data

    def pk(row):
        return row.pk if row is not None else None

    assert plain["till_id"] == data["till"].pk
    assert (plain["account_id"], plain["visit"]) == (pk(data["account"]), pk(data["visit"]))
    assert plain["cash_tendered"] == data["cash_tendered"]
    assert [(e.fee_item, e.amount, e.quantity, e.bill) for e in plain["lines"]] == [
        (line["fee_item"].pk, line["amount"], line["quantity"], pk(line["bill"])) for line in data["lines"]
    ]
    assert [(e.tender, e.amount, e.reference) for e in plain["tenders"]] == [
        (entry["tender"].pk, entry["amount"], entry["reference"]) for entry in data["tenders"]
    ]


def test_the_answer_carries_no_float(billing_hall, rep, till, fee, tender, api):
    """Money in the answer is text with two decimals, as the serializer gives it (never a JSON number)."""
    client = api(rep)
    body = {
        "till": till.pk,
        "lines": [{"fee_item": fee("alarm").pk}],
        "tenders": [{"tender": tender("wechat").pk, "reference": "WX2026112300005"}],
    }
    answer = json.loads(_pay(client, billing_hall, body, key=uuid.uuid4().hex).content)
    assert all(isinstance(answer[k], str) for k in ("total", "cash_tendered", "change"))


def test_the_hall_is_checked_before_the_body_is_read(billing_hall, other_hall, rep, till, api):
    """Another hall's payments stay a 404 whatever the body; a body that is not JSON is a 400 in one's own."""
    client = api(rep)
    key = {"Idempotency-Key": uuid.uuid4().hex}
    broken = "{not json"
    for hall_id, expected in ((other_hall.pk, 404), (2**63, 404), (billing_hall.pk, 400)):
        response = client.post(
            f"/api/v1/halls/{hall_id}/payments/", broken, content_type="application/json", headers=key
        )
        assert response.status_code == expected, (hall_id, response.content)
    assert _counts() == (0, 0, 0)


def test_another_hall_is_a_404_on_the_plain_path_too(billing_hall, other_hall, rep, till, fee, tender, api):
    body = {
        "till": till.pk,
        "lines": [{"fee_item": fee("alarm").pk}],
        "tenders": [{"tender": tender("wechat").pk, "reference": "WX2026112300006"}],
    }
    assert plain_entry(body) is not None
    assert _pay(api(rep), other_hall, body).status_code == 404
    assert _pay(api(rep), type(billing_hall)(pk=2**62), body).status_code == 404
    assert _counts() == (0, 0, 0)
