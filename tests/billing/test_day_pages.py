"""The daily report page: built on demand, approved when every till is verified, deposit locks the day."""

from billing.models import HallDay, Payment
from billing.services import tills
from servicecenter.roles import Role
from tests.billing.conftest import MORNING

DAY = MORNING.date()


def _verified_day(billing_hall, rep, auditor, open_till_for, pay, payments=2):
    till = open_till_for(rep, opening_float="100.00")
    for _ in range(payments):
        pay(till, rep, "50.00")
    cash = 100 + 50 * payments
    tills.close_till(till=till, by=rep, denominations={"10.00": cash // 10}, settlements={}, at=MORNING)
    tills.hand_in_till(till=till, by=rep, at=MORNING)
    tills.verify_till(till=till, by=auditor, at=MORNING)
    return till


def test_supervisor_approves_and_records_the_deposit_and_the_day_locks(
    billing_hall, rep, auditor, supervisor, login, client, open_till_for, pay, close_hall
):
    _verified_day(billing_hall, rep, auditor, open_till_for, pay)
    login(supervisor)
    refused = client.post(f"/halls/{billing_hall.pk}/money/day/approve/?day={DAY}")
    assert refused.status_code == 302 and HallDay.objects.get().state == HallDay.State.OPEN  # hall still open
    close_hall()
    login(supervisor)
    base = f"/halls/{billing_hall.pk}/money/day/"
    client.post(f"{base}generate/?day={DAY}")
    page = client.get(f"{base}?day={DAY}").content.decode()
    assert "¥100.00" in page and 'data-testid="approve-form"' in page
    client.post(f"{base}approve/?day={DAY}", {"note": "核对无误"})
    assert HallDay.objects.get(hall=billing_hall).state == HallDay.State.APPROVED
    refused = client.post(
        f"{base}deposit/?day={DAY}", {"amount": "90", "bank": "工商银行", "slip_number": "A1"}
    )
    assert refused.status_code == 302
    assert HallDay.objects.get(hall=billing_hall).state == HallDay.State.APPROVED  # differs, unexplained
    client.post(f"{base}deposit/?day={DAY}", {"amount": "100.00", "bank": "工商银行", "slip_number": "A1"})
    day = HallDay.objects.get(hall=billing_hall)
    assert day.state == HallDay.State.LOCKED
    page = client.get(f"{base}?day={DAY}").content.decode()
    assert 'data-testid="locked-note"' in page and 'data-testid="approve-form"' not in page


def test_a_day_with_an_unverified_till_cannot_be_approved(
    billing_hall, rep, supervisor, login, client, open_till_for, pay
):
    pay(open_till_for(rep), rep, "20")
    login(supervisor)
    page = client.get(f"/halls/{billing_hall.pk}/money/day/?day={DAY}").content.decode()
    assert 'data-testid="blockers"' in page
    client.post(f"/halls/{billing_hall.pk}/money/day/approve/?day={DAY}")
    assert not HallDay.objects.filter(state=HallDay.State.APPROVED).exists()


def test_day_page_queries_do_not_grow_with_payments(
    billing_hall, rep, auditor, supervisor, login, client, open_till_for, pay, django_assert_max_num_queries
):
    _verified_day(billing_hall, rep, auditor, open_till_for, pay, payments=40)
    login(supervisor)
    client.post(f"/halls/{billing_hall.pk}/money/day/generate/?day={DAY}")
    with django_assert_max_num_queries(20):
        response = client.get(f"/halls/{billing_hall.pk}/money/day/?day={DAY}")
    assert response.status_code == 200
    assert Payment.objects.count() == 40
    assert "¥2,000.00" in response.content.decode()


def test_a_rep_cannot_see_the_daily_report(billing_hall, rep, login, client):
    login(rep)
    assert client.get(f"/halls/{billing_hall.pk}/money/day/").status_code == 403


def test_an_auditor_reads_but_does_not_approve(billing_hall, auditor, login, client):
    login(auditor)
    assert client.get(f"/halls/{billing_hall.pk}/money/day/").status_code == 200
    assert client.post(f"/halls/{billing_hall.pk}/money/day/approve/").status_code == 403


def test_finance_auditor_reads_the_report(billing_hall, make_member, login, client):
    login(make_member(Role.FINANCE_AUDITOR, billing_hall))
    assert client.get(f"/halls/{billing_hall.pk}/money/day/").status_code == 200
