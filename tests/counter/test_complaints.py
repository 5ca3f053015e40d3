"""Complaints (spec §3.5) through their services and pages: first-contact ownership and explicit hand-over,
escalation, resolution and callback, major complaints, the list's order, drafts from 不满意 ratings."""

import re
from datetime import timedelta

import pytest
from django.utils import timezone

from counter.errors import CounterError
from counter.models import Complaint, ComplaintEvent, Rating, Sequence
from counter.selectors import complaints as selectors
from counter.selectors.queue import current_post
from counter.services import complaints as services
from counter.services import ratings as rating_services
from counter.services.businesses import record_business
from counter.services.queue import call_next, issue_ticket, open_post
from counter.services.visits import end_visit, request_rating, start_visit
from servicecenter.models import AuditEvent
from servicecenter.roles import Role

pytestmark = pytest.mark.django_db


# --- Helpers shared with the API and device tests ----------------------------------------------------


@pytest.fixture
def receive(counter_hall):
    """receive(by, **fields) -> a complaint received through the service (defaults for the rest)."""

    def do(by, hall=None, **fields):
        values = {
            "channel": Complaint.Channel.COUNTER,
            "category": Complaint.Category.BILLING,
            "cause": Complaint.Cause.BUSINESS,
            "description": "燃气费账单金额与表读数不符",
            **fields,
        }
        return services.receive_complaint(hall=hall or counter_hall, by=by, **values)

    return do


@pytest.fixture
def serve(counter_hall, category, business_type):
    """serve(rep, window=1, ask=True, end=False) -> a visit at that window made through the queue services;
    `ask` makes the rep ask for the rating (farewell), `end` ends the visit after a consultation."""

    def do(rep, window=1, *, ask=True, end=False, account=None):
        hall = counter_hall
        if current_post(user=rep, hall=hall) is None:
            open_post(hall=hall, window=hall.windows.get(number=window), user=rep)
        issue_ticket(hall=hall, category=category("A"))
        ticket = call_next(user=rep, hall=hall)
        visit = start_visit(user=rep, hall=hall, ticket_id=ticket.pk)
        if account is not None:
            from counter.services.visits import attach_account

            visit = attach_account(user=rep, hall=hall, visit_id=visit.pk, account=account)
        if ask:
            visit = request_rating(user=rep, hall=hall, visit_id=visit.pk)
        if end:
            record_business(
                visit=visit,
                business_type=business_type("consultation"),
                by=rep,
                data={"topic": "账单", "question": "本月为何多收", "answer": "已解释"},
            )
            visit = end_visit(user=rep, hall=hall, visit_id=visit.pk)
        return visit

    return do


@pytest.fixture
def paired_device(counter_hall, supervisor):
    """paired_device(window=1) -> (device, raw token), paired by the supervisor."""

    def do(window=1):
        return rating_services.pair_device(
            hall=counter_hall,
            window=counter_hall.windows.get(number=window),
            name=f"评价器{window}",
            by=supervisor,
        )

    return do


def page_text(response) -> str:
    return re.sub(r"\s+", " ", response.content.decode())


def url(hall, *parts) -> str:
    return f"/halls/{hall.pk}/" + "".join(f"{p}/" for p in parts)


# --- First-contact ownership and hand-over ------------------------------------------------------------


def test_the_receiver_owns_the_complaint_and_every_page_shows_it(counter_hall, rep, login, client):
    login(rep)
    response = client.post(
        url(counter_hall, "complaints", "new"),
        {
            "channel": "counter",
            "category": "billing",
            "cause": "emotional",
            "severity": "normal",
            "description": "排队太久，态度不好",
            "wants": "道歉",
            "contact_name": "王先生",
            "contact_phone": "13912345678",
        },
    )
    complaint = Complaint.objects.get()
    assert response.status_code == 302 and response["Location"] == url(
        counter_hall, "complaints", complaint.pk
    )
    assert complaint.owner == rep and complaint.received_by == rep and complaint.status == "open"
    assert re.fullmatch(rf"TS{counter_hall.pk:03d}\d{{8}}001", complaint.number)
    assert complaint.history.first().history_user == rep
    assert [e.kind for e in complaint.events.all()] == ["received"]
    detail = client.get(url(counter_hall, "complaints", complaint.pk))
    assert 'data-testid="owner">李娜<' in page_text(detail)
    assert "139****5678" in page_text(detail) and "13912345678" not in page_text(detail)
    listing = client.get(url(counter_hall, "complaints"))
    assert re.search(r'data-testid="owner"><strong>李娜</strong>', page_text(listing))


def test_hand_over_is_explicit_and_the_page_shows_the_new_owner(
    counter_hall, rep, make_member, login, client, receive
):
    colleague = make_member(Role.REP, counter_hall, last_name="赵", first_name="敏")
    complaint = receive(rep)
    login(rep)
    before = page_text(client.get(url(counter_hall, "complaints", complaint.pk)))
    assert 'data-testid="owner">李娜<' in before
    response = client.post(
        url(counter_hall, "complaints", complaint.pk),
        {"action": "hand_over", "hand_over-to_user": colleague.pk, "hand_over-note": "下午轮休，交赵敏跟进"},
    )
    assert response.status_code == 302
    complaint.refresh_from_db()
    assert complaint.owner == colleague
    assert complaint.history.first().history_user == rep
    after = page_text(client.get(url(counter_hall, "complaints", complaint.pk)))
    assert 'data-testid="owner">赵敏<' in after
    assert 'data-testid="handover">李娜 → <strong>赵敏</strong>' in after
    assert "下午轮休，交赵敏跟进" in after
    # The previous owner may no longer hand it over (nor resolve it): the forms are gone.
    assert 'name="action" value="hand_over"' not in after and 'value="resolve"' not in after


def test_hand_over_needs_a_note_and_a_colleague_who_handles_complaints_here(
    counter_hall, other_hall, rep, make_member, receive
):
    complaint = receive(rep)
    finance = make_member(Role.FINANCE_AUDITOR, counter_hall)
    elsewhere = make_member(Role.REP, other_hall)
    colleague = make_member(Role.REP, counter_hall)
    for to_user, note in [(colleague, "  "), (finance, "交接"), (elsewhere, "交接"), (rep, "交接")]:
        with pytest.raises(CounterError):
            services.hand_over(complaint=complaint, to_user=to_user, by=rep, note=note)
    complaint.refresh_from_db()
    assert complaint.owner == rep
    assert complaint.events.filter(kind=ComplaintEvent.Kind.HANDED_OVER).count() == 0


def test_only_the_owner_or_a_supervising_role_may_hand_over(
    counter_hall, rep, duty_manager, make_member, root_user, login, client, receive
):
    from servicecenter import services as kernel
    from tests.factories import UserFactory

    other_rep = make_member(Role.REP, counter_hall)
    complaint = receive(rep)
    login(other_rep)
    response = client.post(
        url(counter_hall, "complaints", complaint.pk),
        {"action": "hand_over", "hand_over-to_user": other_rep.pk, "hand_over-note": "我来"},
    )
    assert response.status_code == 403
    complaint.refresh_from_db()
    assert complaint.owner == rep
    # The duty manager may hand anyone's complaint over; so may a company manager (who cannot own one).
    services.hand_over(complaint=complaint, to_user=other_rep, by=duty_manager, note="李娜请假")
    manager = UserFactory()
    kernel.grant_role(user=manager, role=Role.MANAGER, company=counter_hall.company, by=root_user)
    services.hand_over(complaint=complaint, to_user=rep, by=manager, note="还给李娜")
    with pytest.raises(CounterError):
        services.hand_over(complaint=complaint, to_user=manager, by=manager, note="我自己来")
    entries = selectors.timeline(complaint)
    handovers = [(e.from_user, e.event.to_user, e.event.by) for e in entries if e.event.kind == "handed_over"]
    assert handovers == [(rep, other_rep, duty_manager), (other_rep, rep, manager)]


def test_reply_is_due_by_severity_unless_set(counter_hall, rep, receive):
    now = timezone.now()
    serious = receive(rep, severity="high", at=now)
    normal = receive(rep, at=now)
    minor = receive(rep, severity="low", at=now)
    chosen = receive(rep, reply_due=now + timedelta(hours=2), at=now)
    assert serious.reply_due == now + timedelta(hours=24)
    assert normal.reply_due == now + timedelta(days=3)
    assert minor.reply_due == now + timedelta(days=5)
    assert chosen.reply_due == now + timedelta(hours=2)
    with pytest.raises(CounterError):
        receive(rep, reply_due=now - timedelta(minutes=1), at=now)


def test_receiving_refuses_bad_input_and_records_nothing(
    counter_hall, other_hall, rep, make_account, receive, serve, make_member
):
    from tests.factories import CompanyFactory, HallFactory, WindowFactory

    foreign_hall = HallFactory(company=CompanyFactory())
    foreign_account = make_account(foreign_hall, "9000001")
    other_rep = make_member(Role.REP, other_hall)
    WindowFactory(hall=other_hall, number=1)
    bad = [
        {"contact_phone": "12345"},
        {"account": foreign_account},
        {"description": "   "},
        {"cause": "bored"},
        {"channel": "rating_device"},
    ]
    for fields in bad:
        with pytest.raises(CounterError):
            receive(rep, **fields)
    visit = serve(rep)
    with pytest.raises(CounterError):  # a visit of another hall
        receive(other_rep, hall=other_hall, visit=visit)
    finance = make_member(Role.FINANCE_AUDITOR, counter_hall)
    with pytest.raises(CounterError) as refused:
        receive(finance)
    assert refused.value.code == "forbidden"
    assert Complaint.objects.count() == 0
    assert not Sequence.objects.filter(name="complaint").exists()


def test_the_form_is_prefilled_from_the_reps_visit(
    counter_hall, other_hall, rep, make_account, serve, login, client
):
    account = make_account(counter_hall, "1000001", name="钱多多")
    visit = serve(rep, account=account)
    login(rep)
    response = client.get(url(counter_hall, "complaints", "new"), {"visit": visit.pk})
    text = page_text(response)
    assert response.status_code == 200
    assert "1000001" in text and 'value="钱多多"' in text
    assert f'name="visit" value="{visit.pk}"' in text
    response = client.post(
        url(counter_hall, "complaints", "new") + f"?visit={visit.pk}",
        {
            "channel": "counter",
            "category": "service",
            "cause": "emotional",
            "severity": "high",
            "is_vip": "on",
            "description": "不满意等候时间",
            "visit": visit.pk,
            "account": account.pk,
            "contact_name": "钱多多",
        },
    )
    assert response.status_code == 302
    complaint = Complaint.objects.get()
    assert (complaint.visit, complaint.account, complaint.customer) == (visit, account, account.holder)
    assert complaint.is_vip and complaint.severity == "high"
    # Another hall's visit, or an account of no company of ours: not found.
    assert client.get(url(counter_hall, "complaints", "new"), {"visit": 999999}).status_code == 404
    assert client.get(url(counter_hall, "complaints", "new"), {"account": "x"}).status_code == 404


def test_a_refused_form_says_why_and_records_nothing(counter_hall, rep, login, client):
    login(rep)
    response = client.post(
        url(counter_hall, "complaints", "new"),
        {
            "channel": "counter",
            "category": "billing",
            "cause": "business",
            "severity": "normal",
            "description": "x",
            "contact_phone": "1",
        },
    )
    assert response.status_code == 400
    assert 'class="alert alert-danger"' in page_text(response)
    assert Complaint.objects.count() == 0


# --- Escalation, resolution, callback, major -------------------------------------------------------------


def test_escalation_goes_up_only_and_keeps_the_owner(counter_hall, rep, receive, login, client):
    complaint = receive(rep)
    login(rep)
    due = (timezone.localtime() + timedelta(hours=4)).replace(second=0, microsecond=0)
    response = client.post(
        url(counter_hall, "complaints", complaint.pk),
        {
            "action": "escalate",
            "escalate-to": "duty_manager",
            "escalate-note": "客户要求赔偿，超出权限",
            "escalate-reply_due": due.strftime("%Y-%m-%dT%H:%M"),
        },
    )
    assert response.status_code == 302
    complaint.refresh_from_db()
    assert (complaint.status, complaint.escalated_to, complaint.owner) == ("escalated", "duty_manager", rep)
    assert complaint.reply_due == due
    assert complaint.history.first().history_user == rep
    with pytest.raises(CounterError):
        services.escalate(complaint=complaint, to="duty_manager", by=rep, note="再次")
    services.escalate(complaint=complaint, to="supervisor", by=rep, note="仍未解决")
    complaint.refresh_from_db()
    assert complaint.escalated_to == "supervisor"
    assert list(complaint.events.values_list("kind", flat=True)) == ["received", "escalated", "escalated"]


def test_resolve_then_callback_closes_it(counter_hall, rep, receive, login, client):
    complaint = receive(rep)
    login(rep)
    response = client.post(
        url(counter_hall, "complaints", complaint.pk),
        {
            "action": "resolve",
            "resolve-resolution": "重新核对读数，退还多收费用",
            "resolve-closing": "apology",
        },
    )
    assert response.status_code == 302
    complaint.refresh_from_db()
    assert complaint.status == "resolved" and complaint.closing == "apology" and complaint.resolved_at
    response = client.post(
        url(counter_hall, "complaints", complaint.pk),
        {"action": "callback", "callback-satisfaction": "satisfied", "callback-note": "客户表示满意"},
    )
    assert response.status_code == 302
    complaint.refresh_from_db()
    assert complaint.status == "closed" and complaint.callback_satisfaction == "satisfied"
    assert complaint.history.first().history_user == rep
    kinds = list(complaint.events.values_list("kind", flat=True))
    assert kinds == ["received", "resolved", "callback", "closed"]
    text = page_text(client.get(url(counter_hall, "complaints", complaint.pk)))
    assert 'data-status="closed"' in text
    assert 'data-testid="actions"> </div>' in text  # nothing left to do


def test_a_dissatisfied_callback_reopens_the_complaint(counter_hall, rep, receive):
    complaint = receive(rep)
    services.escalate(complaint=complaint, to="duty_manager", by=rep, note="需要协调")
    services.resolve(complaint=complaint, resolution="已解释", closing="thanks", by=rep)
    later = timezone.now() + timedelta(days=1)
    complaint = services.record_callback(
        complaint=complaint, satisfaction="dissatisfied", note="仍不接受", by=rep, at=later
    )
    assert complaint.status == "escalated" and complaint.resolved_at is None
    assert complaint.reply_due == later + timedelta(days=3)
    assert complaint.resolution == "已解释"  # kept, and in the timeline
    services.resolve(complaint=complaint, resolution="减免部分费用", closing="apology", by=rep)
    complaint = services.record_callback(complaint=complaint, satisfaction="basically", note="", by=rep)
    assert complaint.status == "closed"


def test_a_closed_complaint_takes_no_further_action(counter_hall, rep, duty_manager, make_member, receive):
    colleague = make_member(Role.REP, counter_hall)
    complaint = receive(rep)
    services.resolve(complaint=complaint, resolution="已处理", closing="thanks", by=rep)
    services.record_callback(complaint=complaint, satisfaction="unreachable", note="三次未接通", by=rep)
    attempts = [
        lambda: services.hand_over(complaint=complaint, to_user=colleague, by=duty_manager, note="x"),
        lambda: services.escalate(complaint=complaint, to="supervisor", by=rep, note="x"),
        lambda: services.add_note(complaint=complaint, note="x", by=rep),
        lambda: services.resolve(complaint=complaint, resolution="x", closing="thanks", by=rep),
        lambda: services.record_callback(complaint=complaint, satisfaction="satisfied", note="", by=rep),
    ]
    events = complaint.events.count()
    for attempt in attempts:
        with pytest.raises(CounterError) as refused:
            attempt()
        assert refused.value.code == "closed"
    complaint.refresh_from_db()
    assert complaint.status == "closed" and complaint.owner == rep
    assert complaint.events.count() == events


def test_only_a_supervisor_marks_a_complaint_major(
    counter_hall, rep, duty_manager, supervisor, receive, login, client
):
    complaint = receive(rep, channel="authority")
    login(duty_manager)
    response = client.post(
        url(counter_hall, "complaints", complaint.pk),
        {"action": "major", "major-level": "authority", "major-justified": "on"},
    )
    assert response.status_code == 403
    complaint.refresh_from_db()
    assert not complaint.is_major
    assert 'value="major"' not in page_text(client.get(url(counter_hall, "complaints", complaint.pk)))
    # Closed first: whether it was justified is often decided after the case was closed.
    services.resolve(complaint=complaint, resolution="已处理", closing="apology", by=rep)
    services.record_callback(complaint=complaint, satisfaction="satisfied", note="", by=rep)
    client.logout()
    login(supervisor)
    response = client.post(
        url(counter_hall, "complaints", complaint.pk),
        {"action": "major", "major-level": "authority", "major-justified": "on"},
    )
    assert response.status_code == 302
    complaint.refresh_from_db()
    assert complaint.major_level == "authority" and complaint.major_justified
    assert complaint.history.first().history_user == supervisor
    assert complaint.events.last().kind == "major"


# --- The list: VIP first, overdue in red, the owner always shown ------------------------------------------


def test_open_complaints_vip_first_then_overdue_then_by_due(
    counter_hall, rep, duty_manager, receive, login, client
):
    now = timezone.now()
    long_ago = now - timedelta(days=10)
    later = receive(rep, severity="low", at=now)  # due in 5 days
    soon = receive(rep, severity="high", at=now)  # due in 24 hours
    overdue = receive(rep, at=long_ago)  # due 7 days ago
    vip = receive(rep, is_vip=True, severity="low", at=now)
    done = receive(rep, at=long_ago)
    services.resolve(complaint=done, resolution="已处理", closing="thanks", by=rep)
    assert list(selectors.open_complaints(counter_hall, now=now)) == [vip, overdue, soon, later]
    assert list(selectors.overdue_complaints(counter_hall, now=now)) == [overdue]
    login(duty_manager)
    text = page_text(client.get(url(counter_hall, "complaints")))
    numbers = re.findall(r'data-number="([^"]+)"', text)
    assert numbers == [vip.number, overdue.number, soon.number, later.number]
    overdue_row = re.search(rf'<tr data-testid="complaint-row" data-number="{overdue.number}"([^>]*)>', text)
    assert "table-danger" in overdue_row.group(1)
    assert text.count('data-testid="overdue"') == 1
    assert text.count("<strong>李娜</strong>") == 4
    assert re.findall(
        r'data-number="([^"]+)"', page_text(client.get(url(counter_hall, "complaints") + "?show=callback"))
    ) == [done.number]


def test_mine_lists_only_my_unclosed_complaints(counter_hall, rep, make_member, receive, login, client):
    colleague = make_member(Role.REP, counter_hall)
    mine = receive(rep)
    receive(colleague)
    login(rep)
    text = page_text(client.get(url(counter_hall, "complaints") + "?show=mine"))
    assert re.findall(r'data-number="([^"]+)"', text) == [mine.number]


@pytest.mark.parametrize("count", [3, 30])
def test_complaint_list_query_budget(
    count,
    counter_hall,
    rep,
    duty_manager,
    receive,
    serve,
    paired_device,
    login,
    client,
    django_assert_max_num_queries,
):
    for i in range(count):
        complaint = receive(rep, is_vip=i % 3 == 0)
        if i % 2:
            services.escalate(complaint=complaint, to="duty_manager", by=rep, note="升级")
    device, _token = paired_device()
    for _ in range(count // 3):
        visit = serve(rep, end=True)
        rating_services.submit_rating(device=device, visit_id=visit.pk, score=1)
    login(duty_manager)
    client.get(url(counter_hall, "complaints"))
    with django_assert_max_num_queries(8):
        response = client.get(url(counter_hall, "complaints"))
    assert response.status_code == 200
    assert len(response.context["alerts"]) == count // 3
    with django_assert_max_num_queries(8):
        assert client.get(url(counter_hall, "complaints") + "?show=all").status_code == 200


@pytest.mark.parametrize("count", [1, 12])
def test_complaint_page_query_budget(
    count, counter_hall, rep, make_member, receive, login, client, django_assert_max_num_queries
):
    complaint = receive(rep)
    for i in range(count):
        services.add_note(complaint=complaint, note=f"第{i}次联系", by=rep)
        make_member(Role.REP, counter_hall)
    login(rep)
    client.get(url(counter_hall, "complaints", complaint.pk))
    with django_assert_max_num_queries(8):
        response = client.get(url(counter_hall, "complaints", complaint.pk))
    assert len(response.context["timeline"]) == count + 1
    assert len(response.context["forms"]["hand_over"].fields["to_user"].choices) == count


# --- Drafts from 不满意 ratings and their alert -----------------------------------------------------------


def test_a_dissatisfied_rating_opens_a_draft_with_an_alert_for_the_duty_manager(
    counter_hall, rep, duty_manager, make_account, serve, paired_device, login, client
):
    account = make_account(counter_hall, "1000001", name="孙丽")
    device, _token = paired_device()
    visit = serve(rep, account=account)
    rating = rating_services.submit_rating(device=device, visit_id=visit.pk, score=Rating.Score.DISSATISFIED)
    draft = rating.complaint
    assert draft.status == "draft" and draft.owner is None and draft.channel == "rating_device"
    assert (draft.visit, draft.account, draft.customer, draft.visit.rep) == (
        visit,
        account,
        account.holder,
        rep,
    )
    assert selectors.unacknowledged_alerts(counter_hall) == [rating]
    login(duty_manager)
    listing = page_text(client.get(url(counter_hall, "complaints")))
    assert 'data-testid="rating-alert"' in listing and draft.number in listing
    detail = page_text(client.get(url(counter_hall, "complaints", draft.pk)))
    assert 'data-testid="rating-origin"' in detail and "李娜" in detail
    assert 'name="action" value="take"' in detail
    response = client.post(
        f"/halls/{counter_hall.pk}/ratings/{rating.pk}/acknowledge/",
        {"next": url(counter_hall, "complaints")},
    )
    assert response.status_code == 302 and response["Location"] == url(counter_hall, "complaints")
    rating.refresh_from_db()
    assert rating.acknowledged_by == duty_manager and rating.history.first().history_user == duty_manager
    assert selectors.unacknowledged_alerts(counter_hall) == []
    assert 'data-testid="rating-alert"' not in page_text(client.get(url(counter_hall, "complaints")))
    # The draft stays until the duty manager takes it: then they own it.
    response = client.post(url(counter_hall, "complaints", draft.pk), {"action": "take"})
    assert response.status_code == 302
    draft.refresh_from_db()
    assert (draft.status, draft.owner) == ("open", duty_manager)
    assert draft.history.first().history_user == duty_manager


def test_reps_cannot_take_drafts_or_acknowledge_alerts(
    counter_hall, rep, make_member, serve, paired_device, login, client
):
    device, _token = paired_device()
    rating = rating_services.submit_rating(device=device, visit_id=serve(rep).pk, score=1)
    login(make_member(Role.REP, counter_hall))
    assert client.post(f"/halls/{counter_hall.pk}/ratings/{rating.pk}/acknowledge/").status_code == 403
    assert (
        client.post(url(counter_hall, "complaints", rating.complaint_id), {"action": "take"}).status_code
        == 403
    )
    rating.refresh_from_db()
    assert rating.acknowledged_at is None and rating.complaint.status == "draft"


def test_taking_the_draft_acknowledges_its_alert(counter_hall, rep, supervisor, serve, paired_device):
    device, _token = paired_device()
    rating = rating_services.submit_rating(device=device, visit_id=serve(rep).pk, score=1)
    services.take_complaint(complaint=rating.complaint, by=supervisor)
    rating.refresh_from_db()
    assert rating.acknowledged_by == supervisor
    with pytest.raises(CounterError):
        services.take_complaint(complaint=rating.complaint, by=supervisor)


# --- Personal data, roles, halls ---------------------------------------------------------------------------


def test_the_owner_may_show_the_contact_phone_which_is_audited(
    counter_hall, rep, make_member, receive, login, client
):
    complaint = receive(rep, contact_phone="13912345678")
    login(make_member(Role.GREETER, counter_hall))
    assert (
        client.post(url(counter_hall, "complaints", complaint.pk), {"action": "reveal_phone"}).status_code
        == 403
    )
    client.logout()
    login(rep)
    response = client.post(url(counter_hall, "complaints", complaint.pk), {"action": "reveal_phone"})
    assert "13912345678" in page_text(response)
    event = AuditEvent.objects.get(kind=AuditEvent.Kind.UNMASK)
    assert event.actor == rep and event.subject == complaint.number


ALL_ROLES = [Role.REP, Role.GREETER, Role.AUDITOR, Role.DUTY_MANAGER, Role.SUPERVISOR, Role.FINANCE_AUDITOR]


@pytest.mark.parametrize("role", ALL_ROLES)
def test_pages_by_role(role, counter_hall, rep, make_member, receive, login, client):
    complaint = receive(rep)
    user = make_member(role, counter_hall)
    login(user)
    handles = role not in (Role.FINANCE_AUDITOR,)
    assert client.get(url(counter_hall, "complaints")).status_code == 200
    assert client.get(url(counter_hall, "complaints", complaint.pk)).status_code == 200
    assert client.get(url(counter_hall, "complaints", "new")).status_code == (200 if handles else 403)
    manages_devices = role in (Role.DUTY_MANAGER, Role.SUPERVISOR)
    assert client.get(url(counter_hall, "devices")).status_code == (200 if manages_devices else 403)
    note = client.post(
        url(counter_hall, "complaints", complaint.pk), {"action": "note", "note-note": "已电话联系客户"}
    )
    assert note.status_code == (302 if handles else 403)
    assert complaint.events.filter(kind="note").count() == (1 if handles else 0)


def test_another_halls_complaints_are_not_found(
    counter_hall, other_hall, rep, make_member, receive, login, client
):
    complaint = receive(rep)
    outsider = make_member(Role.SUPERVISOR, other_hall)
    login(outsider)
    assert client.get(url(counter_hall, "complaints")).status_code == 404
    assert client.get(url(counter_hall, "complaints", complaint.pk)).status_code == 404
    # Through their own hall's address, the complaint of the other hall does not exist either.
    assert client.get(url(other_hall, "complaints", complaint.pk)).status_code == 404
    response = client.post(url(other_hall, "complaints", complaint.pk), {"action": "take"})
    assert response.status_code == 404


def test_pages_need_a_signed_in_user(counter_hall, client):
    response = client.get(url(counter_hall, "complaints"))
    assert response.status_code == 302 and response["Location"].startswith("/login/")
