"""Business types and their workflows: documents checked, fields validated, closed accounts take only
enquiries, closure refused while bills are unpaid, transfer keeps the old holder in history."""

from datetime import date, datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest

from counter.errors import CounterError
from counter.models import Business, BusinessEvent, GasAccount
from counter.selectors.businesses import overdue_businesses
from counter.services import businesses as b
from counter.services import queue as q
from counter.services import visits as v
from tests.counter.conftest import ID_NUMBERS

SH = ZoneInfo("Asia/Shanghai")
NOW = datetime(2026, 11, 23, 10, 0, tzinfo=SH)


@pytest.fixture
def serve(counter_hall, category, rep):
    """serve(account=None) -> an open visit at window 1 with the rep, the account attached."""
    q.open_post(hall=counter_hall, window=counter_hall.windows.get(number=1), user=rep, at=NOW)

    def make(account=None):
        q.issue_ticket(hall=counter_hall, category=category("B"), at=NOW)
        ticket = q.call_next(user=rep, hall=counter_hall, at=NOW)
        visit = v.start_visit(user=rep, hall=counter_hall, ticket_id=ticket.pk, at=NOW)
        if account is not None:
            visit = v.attach_account(user=rep, hall=counter_hall, visit_id=visit.pk, account=account)
        return visit

    return make


def docs(business_type):
    return [d.pk for d in business_type.documents.all()]


TRANSFER_DATA = {
    "new_holder_name": "赵六",
    "new_holder_id_number": ID_NUMBERS[3],
    "new_holder_phone": "13700001111",
    "meter_reading": "1234.5",
}


def test_transfer_with_all_documents_changes_the_holder_and_history_keeps_the_old(
    counter_hall, make_account, business_type, serve, rep
):
    account = make_account(counter_hall, "20000001", name="张三")
    transfer = business_type("transfer")
    business = b.record_business(
        visit=serve(account),
        business_type=transfer,
        by=rep,
        data=TRANSFER_DATA,
        documents_seen=docs(transfer),
        complete=True,
        at=NOW,
    )
    account.refresh_from_db()
    assert business.status == Business.Status.COMPLETED
    assert account.holder.name == "赵六" and account.holder.id_number == ID_NUMBERS[3]
    holders = [h.holder.name for h in account.history.order_by("history_date")]
    assert holders[0] == "张三" and holders[-1] == "赵六"


def test_missing_documents_make_it_incomplete_and_it_cannot_be_completed(
    counter_hall, make_account, business_type, serve, rep
):
    account = make_account(counter_hall, "20000001", name="张三")
    transfer = business_type("transfer")
    some = docs(transfer)[:2]
    business = b.record_business(
        visit=serve(account), business_type=transfer, by=rep, data=TRANSFER_DATA, documents_seen=some, at=NOW
    )
    assert business.status == Business.Status.INCOMPLETE
    assert "房产过户证明" in business.missing_documents and "欠费结清" in business.missing_documents
    with pytest.raises(CounterError) as exc:
        b.complete_business(business=business, by=rep)
    assert exc.value.code == "documents_missing"
    account.refresh_from_db()
    assert account.holder.name == "张三"
    # The customer comes back with the rest: accepted, then completed.
    b.supply_documents(business=business, documents_seen=docs(transfer), by=rep)
    business.refresh_from_db()
    assert business.status == Business.Status.ACCEPTED and business.missing_documents == ""
    b.complete_business(business=business, by=rep)
    account.refresh_from_db()
    assert account.holder.name == "赵六"


def test_asking_to_complete_with_missing_documents_records_nothing(
    counter_hall, make_account, business_type, serve, rep
):
    account = make_account(counter_hall, "20000001")
    with pytest.raises(CounterError):
        b.record_business(
            visit=serve(account),
            business_type=business_type("transfer"),
            by=rep,
            data=TRANSFER_DATA,
            complete=True,
            at=NOW,
        )
    assert not Business.objects.exists()


def test_invalid_field_values_are_refused_with_the_fields_label(
    counter_hall, make_account, business_type, serve, rep
):
    account = make_account(counter_hall, "20000001")
    visit = serve(account)
    bad_id = {**TRANSFER_DATA, "new_holder_id_number": "110105194912310021"}
    with pytest.raises(CounterError, match="新户主身份证号"):
        b.record_business(visit=visit, business_type=business_type("transfer"), by=rep, data=bad_id, at=NOW)
    bad_phone = {**TRANSFER_DATA, "new_holder_phone": "12345"}
    with pytest.raises(CounterError, match="新户主电话"):
        b.record_business(
            visit=visit, business_type=business_type("transfer"), by=rep, data=bad_phone, at=NOW
        )
    with pytest.raises(CounterError, match="新户主姓名"):
        b.record_business(
            visit=visit, business_type=business_type("transfer"), by=rep, data={"meter_reading": "1"}, at=NOW
        )
    assert not Business.objects.exists()


def test_closure_is_refused_while_bills_are_unpaid(counter_hall, make_account, business_type, serve, rep):
    account = make_account(counter_hall, "20000001", bills=[Decimal("88.50"), Decimal("12.00")])
    closure = business_type("closure")
    with pytest.raises(CounterError) as exc:
        b.record_business(
            visit=serve(account),
            business_type=closure,
            by=rep,
            data={"final_meter_reading": "3000"},
            documents_seen=docs(closure),
            complete=True,
            at=NOW,
        )
    assert exc.value.code == "unpaid_bills" and "100.50" in exc.value.message
    account.refresh_from_db()
    assert account.status == GasAccount.Status.ACTIVE
    assert not Business.objects.exists()


def test_closed_account_takes_only_enquiries(counter_hall, make_account, business_type, serve, rep):
    account = make_account(counter_hall, "20000001")
    closure = business_type("closure")
    visit = serve(account)
    b.record_business(
        visit=visit,
        business_type=closure,
        by=rep,
        data={"final_meter_reading": "3000"},
        documents_seen=docs(closure),
        complete=True,
        at=NOW,
    )
    account.refresh_from_db()
    assert account.status == GasAccount.Status.CLOSED and account.closed_on == date(2026, 11, 23)
    with pytest.raises(CounterError) as exc:
        b.record_business(
            visit=visit,
            business_type=business_type("repair"),
            by=rep,
            data={"fault": "漏气", "contact_phone": "13812345678"},
            at=NOW,
        )
    assert exc.value.code == "closed"
    consultation = b.record_business(
        visit=visit,
        business_type=business_type("consultation"),
        by=rep,
        data={"topic": "退押金", "question": "押金何时退？", "answer": "七个工作日内"},
        at=NOW,
    )
    assert consultation.status == Business.Status.COMPLETED


def test_consultation_without_an_answer_owes_a_reply_by_its_date(counter_hall, business_type, serve, rep):
    consultation = b.record_business(
        visit=serve(),
        business_type=business_type("consultation"),
        by=rep,
        data={"topic": "阶梯气价", "question": "明年价格？"},
        at=NOW,
    )
    assert consultation.status == Business.Status.ACCEPTED
    assert consultation.reply_due == date(2026, 11, 26)
    with pytest.raises(CounterError):
        b.complete_business(business=consultation, by=rep)
    b.complete_business(business=consultation, by=rep, outcome="按物价局公告执行")
    consultation.refresh_from_db()
    assert consultation.status == Business.Status.COMPLETED


def test_repair_is_passed_on_with_its_work_order_and_followed_up(
    counter_hall, make_account, business_type, serve, rep
):
    account = make_account(counter_hall, "20000001")
    repair = b.record_business(
        visit=serve(account),
        business_type=business_type("repair"),
        by=rep,
        data={"fault": "灶具打不着火", "contact_phone": "13812345678"},
        at=NOW,
    )
    with pytest.raises(CounterError):
        b.start_business(business=repair, by=rep, reference="")
    b.start_business(business=repair, by=rep, reference="WX-2026-0042", at=NOW + timedelta(hours=1))
    b.follow_up(business=repair, by=rep, note="师傅已联系客户，明早上门", at=NOW + timedelta(hours=2))
    b.complete_business(business=repair, by=rep, outcome="更换点火针", at=NOW + timedelta(days=1))
    repair.refresh_from_db()
    assert repair.status == Business.Status.COMPLETED and repair.reference == "WX-2026-0042"
    assert list(repair.events.values_list("kind", flat=True)) == [
        BusinessEvent.Kind.ACCEPTED,
        BusinessEvent.Kind.STARTED,
        BusinessEvent.Kind.FOLLOW_UP,
        BusinessEvent.Kind.COMPLETED,
    ]


def test_new_connection_opens_an_account_when_completed(counter_hall, business_type, serve, rep):
    new = business_type("new_connection")
    application = b.record_business(
        visit=serve(),
        business_type=new,
        by=rep,
        documents_seen=docs(new),
        data={
            "applicant_name": "钱七",
            "applicant_id_number": ID_NUMBERS[0],
            "applicant_phone": "13600001111",
            "address": "城东区新村路9号",
        },
        at=NOW,
    )
    assert application.status == Business.Status.ACCEPTED and application.account is None
    with pytest.raises(CounterError):
        b.complete_business(business=application, by=rep, account_number="", meter_type="ic_card")
    b.complete_business(business=application, by=rep, account_number="20009999", meter_type="ic_card")
    account = GasAccount.objects.get(number="20009999")
    assert account.holder.name == "钱七" and account.meter_type == "ic_card"
    application.refresh_from_db()
    assert application.account == account and application.status == Business.Status.COMPLETED


def test_details_change_updates_the_customer_and_keeps_the_old_phone_in_history(
    counter_hall, make_account, business_type, serve, rep
):
    account = make_account(counter_hall, "20000001", phone="13812345678")
    change = business_type("details_change")
    b.record_business(
        visit=serve(account),
        business_type=change,
        by=rep,
        documents_seen=docs(change),
        complete=True,
        data={"new_phone": "13987654321"},
        at=NOW,
    )
    holder = account.holder
    holder.refresh_from_db()
    assert holder.phone == "13987654321"
    assert holder.history.order_by("history_date").first().phone == "13812345678"
    with pytest.raises(CounterError):
        b.record_business(
            visit=serve(account), business_type=change, by=rep, documents_seen=docs(change), data={}
        )


def test_payments_and_complaints_are_not_recorded_as_counter_businesses(
    counter_hall, make_account, business_type, serve, rep
):
    visit = serve(make_account(counter_hall, "20000001"))
    for code in ("payment", "vas_sale", "complaint"):
        with pytest.raises(CounterError):
            b.record_business(visit=visit, business_type=business_type(code), by=rep, data={}, at=NOW)
    assert not Business.objects.exists()


def test_overdue_businesses_are_listed_oldest_due_first(
    counter_hall, make_account, business_type, serve, rep
):
    visit = serve(make_account(counter_hall, "20000001"))
    repair = b.record_business(
        visit=visit,
        business_type=business_type("repair"),
        by=rep,
        data={"fault": "漏气", "contact_phone": "13812345678"},
        at=NOW,
    )
    consult = b.record_business(
        visit=visit,
        business_type=business_type("consultation"),
        by=rep,
        data={"topic": "价格", "question": "?"},
        at=NOW,
    )
    assert repair.reply_due == date(2026, 11, 25) and consult.reply_due == date(2026, 11, 26)
    assert list(overdue_businesses(counter_hall, today=date(2026, 11, 25))) == []
    assert list(overdue_businesses(counter_hall, today=date(2026, 11, 27))) == [repair, consult]


def test_a_visit_ends_only_with_a_business_recorded(counter_hall, business_type, serve, rep):
    visit = serve()
    with pytest.raises(CounterError):
        v.end_visit(user=rep, hall=counter_hall, visit_id=visit.pk, at=NOW)
    b.record_business(
        visit=visit,
        business_type=business_type("consultation"),
        by=rep,
        data={"topic": "营业时间", "question": "周末营业吗", "answer": "周末正常营业"},
        at=NOW,
    )
    ended = v.end_visit(user=rep, hall=counter_hall, visit_id=visit.pk, at=NOW + timedelta(minutes=4))
    ended.ticket.refresh_from_db()
    assert ended.ticket.status == "done" and ended.ticket.served_seconds == 240
    assert ended.rating_requested_at is not None


def test_a_suggestion_owes_the_proposer_a_reply(counter_hall, business_type, serve, rep):
    suggestion = b.record_business(
        visit=serve(),
        business_type=business_type("suggestion"),
        by=rep,
        data={"content": "建议增加自助缴费机", "proposer_phone": "13812345678"},
        at=NOW,
    )
    assert suggestion.status == Business.Status.ACCEPTED and suggestion.reply_due == date(2026, 11, 30)
    b.follow_up(business=suggestion, by=rep, note="已请建议人参加服务改进座谈", at=NOW + timedelta(days=1))
    with pytest.raises(CounterError):
        b.complete_business(business=suggestion, by=rep, at=NOW + timedelta(days=2))
    b.complete_business(business=suggestion, by=rep, outcome="已采纳，下月安装", at=NOW + timedelta(days=3))
    suggestion.refresh_from_db()
    assert suggestion.status == Business.Status.COMPLETED and suggestion.outcome == "已采纳，下月安装"


def test_history_of_an_account_change_through_the_api_names_the_rep(
    counter_hall, category, make_account, business_type, rep, login
):
    account = make_account(counter_hall, "20000001", address="旧地址1号")
    client = login(rep)
    client.post(f"/api/v1/halls/{counter_hall.pk}/post/", {"window": counter_hall.windows.first().pk})
    q.issue_ticket(hall=counter_hall, category=category("B"))
    ticket = client.post(f"/api/v1/halls/{counter_hall.pk}/call-next/").json()
    visit = client.post(f"/api/v1/halls/{counter_hall.pk}/tickets/{ticket['id']}/visit/").json()
    client.post(f"/api/v1/halls/{counter_hall.pk}/visits/{visit['id']}/account/", {"account": account.pk})
    change = business_type("details_change")
    response = client.post(
        f"/api/v1/halls/{counter_hall.pk}/visits/{visit['id']}/businesses/",
        {
            "type": "details_change",
            "data": {"new_address": "新地址8号"},
            "documents": docs(change),
            "complete": True,
        },
        content_type="application/json",
    )
    assert response.status_code == 201
    latest = account.history.order_by("-history_date").first()
    assert latest.address == "新地址8号" and latest.history_user == rep


def test_a_mistyped_id_of_somebody_else_does_not_hand_them_the_account(
    counter_hall, make_account, business_type, serve, rep
):
    make_account(counter_hall, "20000009", name="孙八", id_number=ID_NUMBERS[3])
    account = make_account(counter_hall, "20000001", name="张三")
    transfer = business_type("transfer")
    with pytest.raises(CounterError, match="孙八"):
        b.record_business(
            visit=serve(account),
            business_type=transfer,
            by=rep,
            data=TRANSFER_DATA,
            documents_seen=docs(transfer),
            complete=True,
            at=NOW,
        )
    account.refresh_from_db()
    assert account.holder.name == "张三" and not Business.objects.exists()


def test_a_repair_is_completed_only_after_field_service_has_its_work_order(
    counter_hall, make_account, business_type, serve, rep
):
    visit = serve(make_account(counter_hall, "20000001"))
    data = {"fault": "漏气", "contact_phone": "13812345678"}
    with pytest.raises(CounterError):
        b.record_business(
            visit=visit, business_type=business_type("repair"), by=rep, data=data, complete=True
        )
    repair = b.record_business(visit=visit, business_type=business_type("repair"), by=rep, data=data, at=NOW)
    with pytest.raises(CounterError):
        b.complete_business(business=repair, by=rep, outcome="修好了")
    repair.refresh_from_db()
    assert repair.status == Business.Status.ACCEPTED


def test_work_accepted_before_an_account_closed_cannot_change_it_after(
    counter_hall, make_account, business_type, serve, rep
):
    account = make_account(counter_hall, "20000001", address="旧地址1号")
    visit = serve(account)
    change = business_type("details_change")
    pending = b.record_business(
        visit=visit,
        business_type=change,
        by=rep,
        documents_seen=docs(change),
        data={"new_address": "新地址"},
        at=NOW,
    )
    closure = business_type("closure")
    b.record_business(
        visit=visit,
        business_type=closure,
        by=rep,
        data={"final_meter_reading": "1"},
        documents_seen=docs(closure),
        complete=True,
        at=NOW,
    )
    with pytest.raises(CounterError) as exc:
        b.complete_business(business=pending, by=rep)
    assert exc.value.code == "closed"
    account.refresh_from_db()
    assert account.address == "旧地址1号"


def test_personal_details_of_a_business_are_masked_and_unmasking_is_audited(
    counter_hall, make_account, business_type, serve, rep, make_member, login
):
    from servicecenter.models import AuditEvent
    from servicecenter.roles import Role

    account = make_account(counter_hall, "20000001")
    transfer = business_type("transfer")
    business = b.record_business(
        visit=serve(account), business_type=transfer, by=rep, data=TRANSFER_DATA, at=NOW
    )
    greeter = login(make_member(Role.GREETER, counter_hall))
    page = greeter.get(f"/halls/{counter_hall.pk}/businesses/{business.pk}/").content.decode()
    api = greeter.get(f"/api/v1/halls/{counter_hall.pk}/businesses/{business.pk}/").json()
    for shown in (page, str(api["data"])):
        assert ID_NUMBERS[3] not in shown and "13700001111" not in shown
        assert "1101**********1237" in shown and "137****1111" in shown
    assert (
        greeter.post(
            f"/halls/{counter_hall.pk}/businesses/{business.pk}/unmask/new_holder_phone/"
        ).status_code
        == 403
    )
    from django.test import Client

    supervisor = login(make_member(Role.SUPERVISOR, counter_hall), Client())
    shown = supervisor.post(f"/halls/{counter_hall.pk}/businesses/{business.pk}/unmask/new_holder_phone/")
    assert "13700001111" in shown.content.decode()
    assert AuditEvent.objects.filter(kind=AuditEvent.Kind.UNMASK, subject=business.number).count() == 1


def test_a_visit_for_a_complaint_alone_can_end(counter_hall, serve, rep):
    from counter.services import complaints as complaint_services

    visit = serve()
    complaint_services.receive_complaint(
        hall=counter_hall,
        by=rep,
        channel="counter",
        category="service",
        cause="emotional",
        description="上次排队太久",
        visit=visit,
        at=NOW,
    )
    ended = v.end_visit(user=rep, hall=counter_hall, visit_id=visit.pk, at=NOW + timedelta(minutes=3))
    assert ended.ended_at is not None
