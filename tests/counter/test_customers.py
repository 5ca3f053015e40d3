"""Customers' personal data: validation, masking on screen and in the API, unmasking only for the roles that
need it and always recorded; account lookup by number, phone, name or ID."""

import pytest
from django.core.exceptions import ValidationError

from counter.errors import CounterError
from counter.models import Customer
from counter.selectors.customers import search_accounts
from counter.services import customers as customer_services
from counter.validators import mask_id_number, mask_phone, validate_id_number, validate_phone
from servicecenter.models import AuditEvent
from servicecenter.roles import Role
from tests.counter.conftest import ID_NUMBERS


@pytest.mark.parametrize("value", ID_NUMBERS)
def test_valid_resident_ids_pass(value):
    validate_id_number(value)


@pytest.mark.parametrize(
    "value",
    [
        "11010519491231002",  # 17 characters
        "110105194912310021",  # wrong check digit (X expected)
        "11010519491331002X",  # month 13 … and so a wrong checksum too
        "1101051949123100XX",
        "abcdefghijklmnopqr",
    ],
)
def test_invalid_resident_ids_are_refused(value):
    with pytest.raises(ValidationError):
        validate_id_number(value)


@pytest.mark.parametrize("value", ["13812345678", "+8613812345678", "0571-88001001", "057188001001"])
def test_valid_phones_pass(value):
    validate_phone(value)


@pytest.mark.parametrize("value", ["12812345678", "1381234567", "138123456789", "phone", "88001001"])
def test_invalid_phones_are_refused(value):
    with pytest.raises(ValidationError):
        validate_phone(value)


def test_masks_show_only_what_the_spec_allows():
    assert mask_id_number("330102199003071230") == "3301**********1230"
    assert mask_phone("13812345678") == "138****5678"
    assert mask_phone("0571-88001001") == "*********1001"


def test_registering_a_customer_with_a_bad_id_changes_nothing(hall):
    with pytest.raises(CounterError):
        customer_services.find_or_register_customer(
            company=hall.company, name="王五", id_number="110105194912310021"
        )
    assert not Customer.objects.exists()


def test_search_finds_accounts_by_number_phone_name_and_id(counter_hall, other_hall, make_account):
    a = make_account(counter_hall, "20001234", name="欧阳修", id_number=ID_NUMBERS[0], phone="13900001111")
    make_account(counter_hall, "20001299", name="李白", phone="13900002222")
    assert [x.number for x in search_accounts(hall=counter_hall, query="20001234")] == ["20001234"]
    assert [x.number for x in search_accounts(hall=counter_hall, query="200012")] == ["20001234", "20001299"]
    assert [x.number for x in search_accounts(hall=counter_hall, query="13900001111")] == [a.number]
    assert [x.number for x in search_accounts(hall=counter_hall, query="欧阳")] == [a.number]
    assert [x.number for x in search_accounts(hall=counter_hall, query=ID_NUMBERS[0].lower())] == [a.number]
    assert search_accounts(hall=counter_hall, query="  ") == []


def test_search_stays_inside_the_company(counter_hall, make_account):
    from tests.factories import HallFactory

    elsewhere = HallFactory()
    make_account(elsewhere, "20001234", name="欧阳修")
    assert search_accounts(hall=counter_hall, query="20001234") == []


def test_account_page_shows_personal_data_masked(counter_hall, make_account, rep, login):
    account = make_account(counter_hall, "20001234", id_number=ID_NUMBERS[1], phone="13812345678")
    page = login(rep).get(f"/halls/{counter_hall.pk}/accounts/{account.pk}/").content.decode()
    assert "3301**********1230" in page and "138****5678" in page
    assert ID_NUMBERS[1] not in page and "13812345678" not in page
    assert 'data-testid="unmask-phone"' not in page  # a rep may not unmask


def test_api_shows_personal_data_masked(counter_hall, make_account, rep, login):
    account = make_account(counter_hall, "20001234", id_number=ID_NUMBERS[1], phone="13812345678")
    body = login(rep).get(f"/api/v1/halls/{counter_hall.pk}/accounts/{account.pk}/").json()
    assert body["account"]["holder"]["id_number"] == "3301**********1230"
    assert body["account"]["holder"]["phone"] == "138****5678"
    found = login(rep).post(f"/api/v1/halls/{counter_hall.pk}/accounts/search/", {"q": "20001234"}).json()
    assert found[0]["holder"]["phone"] == "138****5678"


@pytest.mark.parametrize("role", [Role.SUPERVISOR, Role.DUTY_MANAGER, Role.AUDITOR])
def test_roles_that_need_it_unmask_and_the_showing_is_audited(
    counter_hall, make_account, make_member, login, role
):
    account = make_account(counter_hall, "20001234", id_number=ID_NUMBERS[1], phone="13812345678")
    user = make_member(role, counter_hall)
    client = login(user)
    page = client.get(f"/halls/{counter_hall.pk}/accounts/{account.pk}/").content.decode()
    assert 'data-testid="unmask-phone"' in page
    response = client.post(f"/halls/{counter_hall.pk}/customers/{account.holder_id}/unmask/phone/")
    assert response.status_code == 200 and "13812345678" in response.content.decode()
    event = AuditEvent.objects.get(kind=AuditEvent.Kind.UNMASK)
    assert event.actor == user and event.hall == counter_hall and event.detail["field"] == "phone"
    api = client.post(
        f"/api/v1/halls/{counter_hall.pk}/customers/{account.holder_id}/unmask/", {"field": "id_number"}
    )
    assert api.json()["value"] == ID_NUMBERS[1]
    assert AuditEvent.objects.filter(kind=AuditEvent.Kind.UNMASK).count() == 2


@pytest.mark.parametrize("role", [Role.REP, Role.GREETER, Role.FINANCE_AUDITOR])
def test_other_roles_cannot_unmask(counter_hall, make_account, make_member, login, role):
    account = make_account(counter_hall, "20001234", phone="13812345678")
    client = login(make_member(role, counter_hall))
    assert (
        client.post(f"/halls/{counter_hall.pk}/customers/{account.holder_id}/unmask/phone/").status_code
        == 403
    )
    api = client.post(
        f"/api/v1/halls/{counter_hall.pk}/customers/{account.holder_id}/unmask/", {"field": "phone"}
    )
    assert api.status_code == 403
    assert not AuditEvent.objects.filter(kind=AuditEvent.Kind.UNMASK).exists()


def test_unmasking_another_companys_customer_is_not_found(counter_hall, make_account, supervisor, login):
    from tests.factories import HallFactory

    stranger = make_account(HallFactory(), "30000001", phone="13812345678")
    client = login(supervisor)
    assert (
        client.post(f"/halls/{counter_hall.pk}/customers/{stranger.holder_id}/unmask/phone/").status_code
        == 404
    )
    assert not AuditEvent.objects.filter(kind=AuditEvent.Kind.UNMASK).exists()


def test_lookup_page_needs_a_hall_of_the_user(counter_hall, other_hall, make_member, login):
    outsider = make_member(Role.REP, other_hall)
    assert login(outsider).post(f"/halls/{counter_hall.pk}/customers/", {"q": "1"}).status_code == 404


def test_searched_numbers_never_appear_in_urls(counter_hall, make_account, rep, login):
    make_account(counter_hall, "20001234", id_number=ID_NUMBERS[1], phone="13812345678")
    client = login(rep)
    page = client.post(f"/halls/{counter_hall.pk}/customers/", {"q": ID_NUMBERS[1]}).content.decode()
    assert "20001234" in page
    assert f"q={ID_NUMBERS[1]}" not in page
    # The old GET form of the lookup no longer searches.
    assert (
        "20001234"
        not in client.get(f"/halls/{counter_hall.pk}/customers/?q={ID_NUMBERS[1]}").content.decode()
    )


def test_account_panel_shows_only_this_halls_visits_and_cases(
    counter_hall, other_hall, make_account, rep, login
):
    from counter.models import Complaint

    account = make_account(counter_hall, "20001234")
    Complaint.objects.create(
        hall=other_hall,
        number="TS-OTHER-1",
        status="open",
        channel="phone",
        account=account,
        received_at="2026-11-01T10:00:00+08:00",
        owner=rep,
    )
    page = login(rep).get(f"/halls/{counter_hall.pk}/accounts/{account.pk}/").content.decode()
    assert "TS-OTHER-1" not in page


@pytest.mark.parametrize("query", ["13812345678", "+86 138 1234 5678", "138 1234 5678"])
def test_search_by_mobile_however_it_is_written(counter_hall, make_account, query):
    make_account(counter_hall, "20001234", phone="13812345678")
    assert [a.number for a in search_accounts(hall=counter_hall, query=query)] == ["20001234"]


@pytest.mark.parametrize("query", ["0571-88001001", "057188001001"])
def test_search_by_landline_with_or_without_the_hyphen(counter_hall, make_account, query):
    make_account(counter_hall, "20001234", phone="0571-88001001")
    assert [a.number for a in search_accounts(hall=counter_hall, query=query)] == ["20001234"]
