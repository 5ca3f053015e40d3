"""Billing's panel on the hall's home page: the rep's till and book, the auditor's and supervisor's to-dos."""

from django.test import Client

from billing.services import payments, tills
from tests.billing.conftest import MORNING


def test_rep_sees_their_till_and_next_receipt(billing_hall, rep, login, client, open_till_for):
    till = open_till_for(rep)
    login(rep)
    page = client.get(f"/halls/{billing_hall.pk}/money/summary/").content.decode()
    assert till.number in page and "A00001001" in page


def test_auditor_and_supervisor_see_what_waits_for_them(
    billing_hall, rep, auditor, supervisor, login, client, open_till_for, pay, django_assert_max_num_queries
):
    till = open_till_for(rep, opening_float="0")
    payment = pay(till, rep, "10")
    payments.request_void(payment=payment, reason="重复", by=rep, at=MORNING)
    payments.decide_void(payment=payment, approve=False, by=supervisor, at=MORNING)
    tills.close_till(till=till, by=rep, denominations={"10.00": 1}, settlements={}, at=MORNING)
    tills.hand_in_till(till=till, by=rep, at=MORNING)
    login(auditor)
    page = client.get(f"/halls/{billing_hall.pk}/money/summary/").content.decode()
    assert 'data-testid="money-attention"' in page and f"/halls/{billing_hall.pk}/money/tills/" in page
    boss = login(supervisor, c=Client())
    with django_assert_max_num_queries(12):
        page = boss.get(f"/halls/{billing_hall.pk}/money/summary/").content.decode()
    assert f"/halls/{billing_hall.pk}/money/corrections/" in page
