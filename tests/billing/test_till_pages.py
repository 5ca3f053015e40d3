"""Till pages: the auditor issues the float, the rep opens, counts by denomination, explains, hands in;
the auditor verifies — never their own till — or sends it back."""

import pytest
from django.utils import translation
from django.utils.translation import gettext

from billing.models import Till
from billing.services import tills
from servicecenter.roles import Role
from tests.billing.conftest import MORNING


def act(client, hall, till, action, **data):
    return client.post(f"/halls/{hall.pk}/money/tills/{till.pk}/act/", {"action": action, **data})


def test_auditor_issues_a_float_and_the_rep_opens_the_till(
    billing_hall, auditor, rep, login, client, book_for
):
    book_for(rep)
    login(auditor)
    response = client.post(f"/halls/{billing_hall.pk}/money/tills/issue/", {"rep": rep.pk, "amount": "300"})
    assert response.status_code == 302
    till = Till.objects.get(rep=rep)
    assert till.state == Till.State.ISSUED and str(till.opening_float) == "300.00"
    rep_client = login(rep, c=type(client)())
    page = rep_client.get(f"/halls/{billing_hall.pk}/money/till/").content.decode()
    assert 'data-testid="open-till"' in page and "¥300.00" in page
    act(rep_client, billing_hall, till, "open")
    till.refresh_from_db()
    assert till.state == Till.State.OPEN


def test_a_short_count_needs_an_explanation_then_hands_in(
    billing_hall, rep, login, client, open_till_for, pay
):
    till = open_till_for(rep, opening_float="500.00")
    pay(till, rep, "120.00")
    login(rep)
    # Float 500 + takings 120 = 620 expected; counted 610: ¥10 short.
    count = {"d_100.00": "6", "d_10.00": "1"}
    refused = act(client, billing_hall, till, "close", **count)
    assert refused.status_code == 400
    page = refused.content.decode()
    assert 'value="6"' in page  # what was counted stays on the form
    till.refresh_from_db()
    assert till.state == Till.State.OPEN
    act(client, billing_hall, till, "close", explanation="找零时多找了10元", **count)
    till.refresh_from_db()
    assert till.state == Till.State.CLOSED and str(till.counted_cash) == "610.00"
    page = client.get(f"/halls/{billing_hall.pk}/money/tills/{till.pk}/").content.decode()
    assert 'data-testid="difference-cash"' in page and "-¥10.00" in page
    with translation.override("zh-hans"):
        assert gettext("Short") in page
    act(client, billing_hall, till, "hand_in")
    till.refresh_from_db()
    assert till.state == Till.State.HANDED_IN


def test_auditor_verifies_but_never_their_own_till(billing_hall, auditor, rep, login, client, open_till_for):
    own = open_till_for(auditor, opening_float="0")
    tills.close_till(till=own, by=auditor, denominations={}, settlements={}, at=MORNING)
    tills.hand_in_till(till=own, by=auditor, at=MORNING)
    theirs = open_till_for(rep, opening_float="0")
    tills.close_till(till=theirs, by=rep, denominations={}, settlements={}, at=MORNING)
    tills.hand_in_till(till=theirs, by=rep, at=MORNING)
    login(auditor)
    page = client.get(f"/halls/{billing_hall.pk}/money/tills/{own.pk}/").content.decode()
    assert 'data-testid="verify-till"' not in page
    act(client, billing_hall, own, "verify")
    own.refresh_from_db()
    assert own.state == Till.State.HANDED_IN
    act(client, billing_hall, theirs, "send_back", reason="请重新清点")
    theirs.refresh_from_db()
    assert theirs.state == Till.State.CLOSED and theirs.sent_back_reason == "请重新清点"


def test_a_rep_sees_only_their_own_tills(billing_hall, rep, make_member, login, client, open_till_for):
    colleague = make_member(Role.REP, billing_hall, username="colleague")
    theirs = open_till_for(colleague)
    login(rep)
    assert client.get(f"/halls/{billing_hall.pk}/money/tills/{theirs.pk}/").status_code == 404
    assert client.get(f"/halls/{billing_hall.pk}/money/tills/").status_code == 403
    act(client, billing_hall, theirs, "close")
    theirs.refresh_from_db()
    assert theirs.state == Till.State.OPEN


def test_tills_page_queries_stay_flat(
    billing_hall, auditor, make_member, login, client, open_till_for, django_assert_max_num_queries
):
    for i in range(8):
        open_till_for(make_member(Role.REP, billing_hall, username=f"rep{i}"))
    login(auditor)
    with django_assert_max_num_queries(16):
        response = client.get(f"/halls/{billing_hall.pk}/money/tills/?day={MORNING.date().isoformat()}")
    assert response.status_code == 200
    assert response.content.decode().count("data-till=") == 8


@pytest.mark.parametrize("role", [Role.GREETER, Role.DUTY_MANAGER])
def test_roles_without_money_work_cannot_issue_floats(billing_hall, rep, make_member, login, client, role):
    login(make_member(role, billing_hall))
    response = client.post(f"/halls/{billing_hall.pk}/money/tills/issue/", {"rep": rep.pk, "amount": "300"})
    assert response.status_code == 403
    assert not Till.objects.exists()


def test_the_auditor_takes_back_a_float_never_opened(billing_hall, auditor, rep, login, client):
    till = tills.issue_float(hall=billing_hall, rep=rep, amount="200", by=auditor, at=MORNING)
    login(auditor)
    act(client, billing_hall, till, "cancel", reason="")
    till.refresh_from_db()
    assert till.state == Till.State.ISSUED
    act(client, billing_hall, till, "cancel", reason="当班人员请假")
    till.refresh_from_db()
    assert (till.state, till.cancel_reason) == (Till.State.CANCELLED, "当班人员请假")
    # The rep can be given a new float at once.
    assert (
        tills.issue_float(hall=billing_hall, rep=rep, amount="300", by=auditor, at=MORNING).state == "issued"
    )
