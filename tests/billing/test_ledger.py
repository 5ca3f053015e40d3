"""The fourth leg: the billing system's ledger and the channels' settlement files, imported and matched
against the day's payments; exceptions by kind, resolved with a note; the reconciliation page."""

import csv
import io
from datetime import timedelta
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext

from billing.errors import BillingError
from billing.models import Discrepancy, HallDay, LedgerImport, LedgerLine
from billing.services import days, payments
from billing.services.ledger import LedgerRejected, import_ledger_file, resolve_discrepancy
from servicecenter.clock import business_day
from servicecenter.roles import Role
from tests.billing.conftest import MORNING

pytestmark = pytest.mark.django_db

DAY = MORNING.date()
EVENING = MORNING + timedelta(hours=8)  # the same business day, after the counters closed
LEDGER = LedgerImport.Source.LEDGER
SETTLEMENT = LedgerImport.Source.SETTLEMENT
LEDGER_HEADER = ["票据号", "户号", "金额", "交易时间"]
WECHAT_HEADER = ["交易时间", "商户订单号", "交易单号", "交易状态", "交易金额"]


def csv_text(rows, header, newline="\n") -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator=newline)
    writer.writerow(header)
    writer.writerows(rows)
    return out.getvalue()


def ledger_rows(*paid, amounts=None) -> list[list[str]]:
    """One ledger line per payment: receipt number, account, total, time."""
    amounts = amounts or {}
    return [
        [p.receipts.get().number, p.account.number if p.account else "", amounts.get(p.pk, f"{p.total}"), ""]
        for p in paid
    ]


def run(
    hall,
    by,
    text,
    *,
    source=LEDGER,
    tender=None,
    name="ledger-2026-11-23.csv",
    encoding="utf-8",
    at=EVENING,
    day=DAY,
):
    raw = text if isinstance(text, bytes) else text.encode(encoding)
    return import_ledger_file(
        hall=hall, day=day, source=source, raw=raw, file_name=name, by=by, tender=tender, at=at
    )


def exceptions(**filters) -> list[tuple]:
    return sorted(
        (d.kind, d.payment_id, d.system_amount, d.file_amount, d.line.reference if d.line else None)
        for d in Discrepancy.objects.filter(resolved_at__isnull=True, **filters).select_related("line")
    )


def nothing_imported():
    assert LedgerImport.objects.count() == 0
    assert LedgerLine.objects.count() == 0
    assert Discrepancy.objects.count() == 0


@pytest.fixture
def till(rep, open_till_for):
    return open_till_for(rep)


# --- reading what billing systems, channels and Excel write -------------------------------------------------


def test_a_utf8_bom_ledger_matching_every_payment_leaves_no_exception(billing_hall, auditor, till, rep, pay):
    paid = [
        pay(till, rep, "12.30"),
        pay(till, rep, "50"),
        pay(till, rep, "8.05", tender_code="wechat", reference="4200001"),
    ]
    record = run(billing_hall, auditor, csv_text(ledger_rows(*paid), LEDGER_HEADER), encoding="utf-8-sig")
    assert (record.encoding, record.line_count, record.total) == ("utf-8-sig", 3, Decimal("70.35"))
    assert (record.source, record.tender, record.imported_by) == (LEDGER, None, auditor)
    assert Discrepancy.objects.count() == 0
    lines = list(record.lines.order_by("line_number"))
    assert [(ln.line_number, ln.payment_id) for ln in lines] == [
        (2, paid[0].pk),
        (3, paid[1].pk),
        (4, paid[2].pk),
    ]
    assert lines[0].account_number == "1999999"


def test_a_gb18030_crlf_ledger_with_other_column_names_and_excel_quirks_matches(
    billing_hall, auditor, till, rep, pay
):
    small, big = pay(till, rep, "12.30"), pay(till, rep, "1234.50", cash="1300")
    header = ["收费时间", "用户号", "备注", "实收金额", "收据号"]  # synonyms, any order, a column not ours
    rows = [
        ["2026/11/23 9:31", "1999999", "燃气费", "￥12.30", f'="{small.receipts.get().number}"'],
        ["2026-11-23 10:05:09", "1999999", "安装费", "¥1,234.50", "'" + big.receipts.get().number],
        ["", "", "", "", ""],
        ["合计", "", "", "1246.80", ""],
    ]
    raw = csv_text(rows, header, newline="\r\n").encode("gb18030")
    record = run(billing_hall, auditor, raw)
    assert (record.encoding, record.line_count, record.total) == ("gb18030", 2, Decimal("1246.80"))
    assert Discrepancy.objects.count() == 0
    first = record.lines.get(line_number=2)
    assert first.reference == small.receipts.get().number and first.payment == small
    assert timezone.localtime(first.at).strftime("%Y-%m-%d %H:%M") == "2026-11-23 09:31"


# --- matching: each kind of exception -----------------------------------------------------------------------


def test_mismatch_missing_in_system_and_missing_in_file_each_make_their_exception(
    billing_hall, auditor, supervisor, till, rep, pay
):
    differs, fine, absent = pay(till, rep, "12.30"), pay(till, rep, "50"), pay(till, rep, "8")
    voided = pay(till, rep, "99")
    payments.request_void(payment=voided, reason="录错金额", by=rep, at=MORNING)
    payments.decide_void(payment=voided, approve=True, by=supervisor, at=MORNING)
    rows = [*ledger_rows(differs, fine, amounts={differs.pk: "12.00"}), ["A00009999", "", "20.00", ""]]
    run(billing_hall, auditor, csv_text(rows, LEDGER_HEADER))
    K = Discrepancy.Kind
    receipt = differs.receipts.get().number
    assert exceptions() == sorted(
        [
            (K.AMOUNT_MISMATCH, differs.pk, Decimal("12.30"), Decimal("12.00"), receipt),
            (K.MISSING_IN_SYSTEM, None, None, Decimal("20.00"), "A00009999"),
            (K.MISSING_IN_FILE, absent.pk, Decimal("8.00"), None, None),
        ]
    )
    # A voided payment is not takings: it is expected in no file.
    assert not Discrepancy.objects.filter(payment=voided).exists()
    assert all(d.hall == billing_hall and d.business_day == DAY for d in Discrepancy.objects.all())
    assert LedgerLine.objects.get(reference=receipt).payment == differs


def test_a_settlement_file_is_matched_by_transaction_reference(billing_hall, auditor, till, rep, pay, tender):
    ok = pay(till, rep, "30", tender_code="wechat", reference="4200000001")
    differs = pay(till, rep, "45.50", tender_code="wechat", reference="4200000002")
    absent = pay(till, rep, "10", tender_code="wechat", reference="4200000003")
    pay(till, rep, "20", tender_code="alipay", reference="2026112322001")  # another channel
    pay(till, rep, "20")  # cash
    # WeChat Pay writes a backquote before every value; a refund repeats its reference with a minus.
    rows = [
        ["`2026-11-23 09:40:00", "`SC0001", "`4200000001", "`SUCCESS", "`30.00"],
        ["`2026-11-23 09:50:00", "`SC0002", "`4200000002", "`SUCCESS", "`45.00"],
        ["`2026-11-23 10:00:00", "`SC0099", "`4200000099", "`SUCCESS", "`66.00"],
        ["`2026-11-23 10:10:00", "`SC0100", "`4200000100", "`SUCCESS", "`5.00"],
        ["`2026-11-23 10:20:00", "`SC0100", "`4200000100", "`REFUND", "`-5.00"],
    ]
    text = csv_text(rows, WECHAT_HEADER) + "总交易单数,应结订单总金额\n`5,`141.00\n"
    record = run(billing_hall, auditor, text, source=SETTLEMENT, tender=tender("wechat"), name="wx-1123.csv")
    assert (record.tender, record.line_count, record.total) == (tender("wechat"), 5, Decimal("141.00"))
    K = Discrepancy.Kind
    assert exceptions() == sorted(
        [
            (K.AMOUNT_MISMATCH, differs.pk, Decimal("45.50"), Decimal("45.00"), "4200000002"),
            (K.MISSING_IN_SYSTEM, None, None, Decimal("66.00"), "4200000099"),
            (K.MISSING_IN_FILE, absent.pk, Decimal("10.00"), None, None),
        ]
    )
    assert LedgerLine.objects.get(reference="4200000001").payment == ok


def test_card_payments_without_reference_match_the_acquirers_lines_by_amount(
    billing_hall, auditor, till, rep, pay, tender
):
    first, second = pay(till, rep, "100", tender_code="card"), pay(till, rep, "100", tender_code="card")
    rows = [["123401", "100.00"], ["123402", "100.00"], ["123403", "35.00"]]
    run(
        billing_hall,
        auditor,
        csv_text(rows, ["参考号", "金额（元）"]),
        source=SETTLEMENT,
        tender=tender("card"),
    )
    assert set(LedgerLine.objects.exclude(payment=None).values_list("payment_id", flat=True)) == {
        first.pk,
        second.pk,
    }
    assert exceptions() == [(Discrepancy.Kind.MISSING_IN_SYSTEM, None, None, Decimal("35.00"), "123403")]


def test_a_new_file_of_the_same_source_supersedes_the_earlier_open_exceptions(
    billing_hall, auditor, till, rep, pay, tender
):
    one, two = pay(till, rep, "10"), pay(till, rep, "20", tender_code="wechat", reference="4200000007")
    run(billing_hall, auditor, csv_text(ledger_rows(one), LEDGER_HEADER), name="ledger-v1.csv")
    run(
        billing_hall,
        auditor,
        csv_text([], WECHAT_HEADER) + ",,4200000008,,3.00\n",
        source=SETTLEMENT,
        tender=tender("wechat"),
        name="wx.csv",
    )
    assert [d.kind for d in Discrepancy.objects.filter(source_import__source=LEDGER)] == ["missing_in_file"]

    record = run(billing_hall, auditor, csv_text(ledger_rows(one, two), LEDGER_HEADER), name="ledger-v2.csv")
    superseded = Discrepancy.objects.get(source_import__file_name="ledger-v1.csv")
    assert not superseded.is_open and superseded.note == "Superseded by import ledger-v2.csv."
    assert superseded.resolved_by == auditor and superseded.history.first().history_user == auditor
    assert not record.discrepancies.exists()
    # The settlement file's exceptions are another leg: they stay open.
    K = Discrepancy.Kind
    assert exceptions() == sorted(
        [
            (K.MISSING_IN_SYSTEM, None, None, Decimal("3.00"), "4200000008"),
            (K.MISSING_IN_FILE, two.pk, Decimal("20.00"), None, None),
        ]
    )


# --- refusing bad files, all or nothing ---------------------------------------------------------------------


def test_bad_rows_are_reported_by_line_and_nothing_is_imported(billing_hall, auditor, till, rep, pay):
    good = pay(till, rep, "10").receipts.get().number
    rows = [
        [good, "", "10.00", ""],
        ["", "", "5.00", ""],
        ["A1", "", "abc", ""],
        ["A2", "", "-3.00", ""],
        ["A3", "", "1.005", "2026-13-01 10:00"],
        [good, "", "10.00", ""],
    ]
    with pytest.raises(LedgerRejected, match="6 problems") as refused:
        run(billing_hall, auditor, csv_text(rows, LEDGER_HEADER))
    assert refused.value.errors == [
        (3, "Column 票据号 is empty."),
        (4, "Column 金额: “abc” is not an amount."),
        (5, "Column 金额: the amount must be more than zero."),
        (6, "Column 金额: “1.005” has more than 2 decimal places."),
        (6, "Column 交易时间: “2026-13-01 10:00” is not a date and time (write 2026-11-23 09:30:00)."),
        (7, f"Receipt {good} is also on line 2."),
    ]
    nothing_imported()


def test_a_file_without_the_required_columns_or_lines_is_refused(billing_hall, auditor, tender):
    with pytest.raises(LedgerRejected) as refused:
        run(billing_hall, auditor, csv_text([["A1", "1.00"]], ["户号", "金额"]))
    assert refused.value.errors[0][0] == 1 and "Missing column(s): 票据号" in refused.value.errors[0][1]
    with pytest.raises(LedgerRejected, match="1 problem") as refused:
        run(billing_hall, auditor, csv_text([], LEDGER_HEADER))
    assert refused.value.errors == [(1, "The file has a header but no transactions.")]
    with pytest.raises(BillingError, match="not a CSV text file"):
        run(billing_hall, auditor, "票据号,金额\n".encode("utf-16"))
    with pytest.raises(BillingError, match="Choose the payment channel"):
        run(billing_hall, auditor, csv_text([["1", "1.00"]], ["交易单号", "金额"]), source=SETTLEMENT)
    with pytest.raises(BillingError, match="not a payment channel"):
        run(
            billing_hall,
            auditor,
            csv_text([["1", "1.00"]], ["交易单号", "金额"]),
            source=SETTLEMENT,
            tender=tender("cash"),
        )
    nothing_imported()


def test_the_same_file_twice_is_refused_saying_when_and_by_whom(billing_hall, auditor, till, rep, pay):
    text = csv_text(ledger_rows(pay(till, rep, "10")), LEDGER_HEADER)
    run(billing_hall, auditor, text, name="first.csv")
    # The first import was at EVENING (17:30 of the test's business day).
    said = rf"already imported on {DAY.isoformat()} 17:30 by 王芳 \(as first\.csv\)"
    with pytest.raises(BillingError, match=said):
        run(billing_hall, auditor, text, name="again.csv", at=EVENING + timedelta(minutes=5))
    assert LedgerImport.objects.count() == 1


# --- resolving, and the day's lock --------------------------------------------------------------------------


def test_resolving_needs_a_note_and_records_who(billing_hall, auditor, till, rep, pay):
    pay(till, rep, "10")
    run(billing_hall, auditor, csv_text([["A9", "", "3.00", ""]], LEDGER_HEADER))
    item = Discrepancy.objects.get(kind=Discrepancy.Kind.MISSING_IN_SYSTEM)
    for note in ("", "  ok ", None):
        with pytest.raises(BillingError, match="at least 4 characters"):
            resolve_discrepancy(discrepancy=item, note=note, by=auditor, at=EVENING)
    assert Discrepancy.objects.get(pk=item.pk).is_open
    done = resolve_discrepancy(discrepancy=item, note="收费系统重复记账，已冲正", by=auditor, at=EVENING)
    assert (done.note, done.resolved_by, done.resolved_at) == ("收费系统重复记账，已冲正", auditor, EVENING)
    assert done.history.first().history_user == auditor
    with pytest.raises(BillingError, match="already resolved"):
        resolve_discrepancy(discrepancy=item, note="again and again", by=auditor, at=EVENING)


def test_an_approved_day_takes_no_file_and_no_resolution(billing_hall, auditor, supervisor):
    run(billing_hall, auditor, csv_text([["A9", "", "3.00", ""]], LEDGER_HEADER))
    item = Discrepancy.objects.get()
    with pytest.raises(BillingError, match="neither resolved nor explained"):
        days.approve_day(hall=billing_hall, day=DAY, by=supervisor, at=EVENING + timedelta(days=1))
    resolve_discrepancy(discrepancy=item, note="测试票据，非真实收费", by=auditor, at=EVENING)
    days.approve_day(hall=billing_hall, day=DAY, by=supervisor, at=EVENING + timedelta(days=1))
    with pytest.raises(BillingError, match="has been approved"):
        run(billing_hall, auditor, csv_text([["A8", "", "3.00", ""]], LEDGER_HEADER), name="late.csv")
    with pytest.raises(BillingError, match="has been approved"):
        resolve_discrepancy(discrepancy=item, note="another explanation", by=auditor, at=EVENING)
    assert LedgerImport.objects.count() == 1
    assert HallDay.objects.get(hall=billing_hall, day=DAY).state == HallDay.State.APPROVED


def test_a_future_day_takes_no_file(billing_hall, auditor):
    with pytest.raises(BillingError, match="not started yet"):
        run(
            billing_hall,
            auditor,
            csv_text([["A9", "", "3.00", ""]], LEDGER_HEADER),
            at=MORNING - timedelta(days=1),
        )
    nothing_imported()


def test_a_rep_may_neither_import_nor_resolve(billing_hall, auditor, rep):
    text = csv_text([["A9", "", "3.00", ""]], LEDGER_HEADER)
    with pytest.raises(BillingError, match="does not allow") as refused:
        run(billing_hall, rep, text)
    assert refused.value.code == "forbidden"
    run(billing_hall, auditor, text)
    with pytest.raises(BillingError, match="does not allow"):
        resolve_discrepancy(discrepancy=Discrepancy.objects.get(), note="我来解决", by=rep, at=EVENING)
    assert Discrepancy.objects.get().is_open


# --- the page -----------------------------------------------------------------------------------------------


def page_url(hall, day=None) -> str:
    url = reverse("billing_reconciliation", kwargs={"hall_id": hall.pk})
    return f"{url}?day={day:%Y-%m-%d}" if day else url


def resolve_url(hall, item) -> str:
    return reverse("billing_resolve_discrepancy", kwargs={"hall_id": hall.pk, "discrepancy_id": item.pk})


@pytest.fixture
def today(billing_hall):
    return business_day(billing_hall, timezone.now())


@pytest.fixture
def todays_till(rep, open_till_for):
    return open_till_for(rep, at=timezone.now())


def upload(text: str, name="ledger.csv", encoding="utf-8-sig") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, text.encode(encoding), content_type="text/csv")


def test_the_auditor_imports_on_the_page_and_resolves_an_exception(
    billing_hall, auditor, rep, todays_till, pay, login, today
):
    now = timezone.now()
    matched, missing = pay(todays_till, rep, "10", at=now), pay(todays_till, rep, "25.50", at=now)
    client = login(auditor)
    text = csv_text([*ledger_rows(matched), ["Z00000042", "", "7.00", ""]], LEDGER_HEADER)
    response = client.post(
        page_url(billing_hall, today), {"source": LEDGER, "tender": "", "file": upload(text)}
    )
    assert response.status_code == 302 and response["Location"] == page_url(billing_hall, today)

    page = client.get(response["Location"]).content.decode()
    with translation.override("zh-hans"):
        kinds = [gettext("In the file, not in the system"), gettext("In the system, not in the file")]
        title = gettext("Reconciliation")
    assert title in page and all(kind in page for kind in kinds)
    assert "Z00000042" in page and missing.receipts.get().number in page
    assert page.count('data-testid="resolve-form"') == 2

    item = Discrepancy.objects.get(payment=missing)
    refused = client.post(resolve_url(billing_hall, item), {"note": "漏"})
    assert refused.status_code == 400 and 'data-testid="resolve-refused"' in refused.content.decode()
    assert 'value="漏"' in refused.content.decode() and Discrepancy.objects.get(pk=item.pk).is_open
    done = client.post(resolve_url(billing_hall, item), {"note": "收费系统漏传，已补录"})
    assert done.status_code == 302 and done["Location"] == page_url(billing_hall, today) + "#exceptions"
    item.refresh_from_db()
    assert (item.is_open, item.resolved_by, item.note) == (False, auditor, "收费系统漏传，已补录")
    assert "收费系统漏传，已补录" in client.get(page_url(billing_hall, today)).content.decode()


def test_a_refused_file_on_the_page_lists_its_lines(billing_hall, auditor, login, tender, today):
    client = login(auditor)
    text = csv_text([["4200000001", "abc"]], ["交易单号", "金额"])
    response = client.post(
        page_url(billing_hall, today),
        {"source": SETTLEMENT, "tender": tender("wechat").pk, "file": upload(text)},
    )
    assert response.status_code == 400
    assert (
        'data-testid="import-errors"' in response.content.decode()
        and 'data-line="2"' in response.content.decode()
    )
    missing_channel = client.post(page_url(billing_hall, today), {"source": SETTLEMENT, "file": upload(text)})
    assert missing_channel.status_code == 400
    nothing_imported()


def test_a_rep_gets_403_and_another_halls_auditor_404(
    billing_hall, other_hall, auditor, rep, make_member, login
):
    run(billing_hall, auditor, csv_text([["A9", "", "3.00", ""]], LEDGER_HEADER), at=timezone.now())
    item = Discrepancy.objects.get()
    assert login(rep).get(page_url(billing_hall)).status_code == 403
    assert login(rep, Client()).post(resolve_url(billing_hall, item), {"note": "我来解决"}).status_code == 403
    stranger = login(make_member(Role.AUDITOR, other_hall), Client())
    assert stranger.get(page_url(billing_hall)).status_code == 404
    assert stranger.post(resolve_url(billing_hall, item), {"note": "不是我的"}).status_code == 404
    # Through their own hall, the other hall's exception does not exist either.
    assert stranger.post(resolve_url(other_hall, item), {"note": "不是我的"}).status_code == 404
    assert Discrepancy.objects.get().is_open


def test_the_page_costs_the_same_queries_with_many_exceptions(
    billing_hall, auditor, rep, todays_till, pay, login, today, tender, django_assert_max_num_queries
):
    now = timezone.now()
    client = login(auditor)

    def queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            assert client.get(page_url(billing_hall, today)).status_code == 200
        return len(captured)

    def add(n: int, tag: str) -> None:
        paid = [
            pay(todays_till, rep, "10", tender_code="wechat", reference=f"42{tag}{i:04d}", at=now)
            for i in range(n)
        ]
        stray = [[f"Z{tag}{i:04d}", "", "1.00", ""] for i in range(n)]
        run(
            billing_hall,
            auditor,
            csv_text(ledger_rows(*paid, amounts={p.pk: "9.00" for p in paid}) + stray, LEDGER_HEADER),
            name=f"ledger-{tag}.csv",
            at=now,
            day=today,
        )
        run(
            billing_hall,
            auditor,
            csv_text([[f"W{tag}{i}", "2.00"] for i in range(n)], ["交易单号", "金额"]),
            source=SETTLEMENT,
            tender=tender("wechat"),
            name=f"wx-{tag}.csv",
            at=now,
            day=today,
        )

    add(2, "a")
    few = queries()
    add(10, "b")
    assert Discrepancy.objects.count() > 40
    assert queries() == few
    with django_assert_max_num_queries(few):
        client.get(page_url(billing_hall, today))


def test_an_absurdly_long_amount_is_a_bad_line_not_a_crash(billing_hall, auditor):
    from servicecenter.csvfiles import amount

    assert amount("1" * 40) is None
    assert amount("¥1,234.50") is not None
