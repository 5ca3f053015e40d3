"""Importing the billing system's bills export: encodings, line-numbered errors, all or nothing, once only;
the auditor's page and the import_bills command."""

import csv
import io
from datetime import datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError, call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import translation

from counter.errors import CounterError
from counter.models import Bill, BillImport, Customer, GasAccount
from counter.services import customers as customer_services
from counter.services.bill_import import MAX_REPORTED_ERRORS, ImportRejected, import_bills
from servicecenter.roles import Role
from tests.counter.conftest import ID_NUMBERS
from tests.factories import CompanyFactory

pytestmark = pytest.mark.django_db

AT = datetime(2026, 11, 2, 9, 30, tzinfo=ZoneInfo("Asia/Shanghai"))
HEADER = [
    "户号",
    "户名",
    "证件号码",
    "联系电话",
    "用气地址",
    "表类型",
    "账单号",
    "账期",
    "金额",
    "缴费截止日",
]


@pytest.fixture(autouse=True)
def _english():
    # Messages are asserted in their English source form, whatever the .po says.
    with translation.override("en"):
        yield


def line(**values) -> dict:
    row = {
        "户号": "20000001",
        "户名": "王小明",
        "证件号码": ID_NUMBERS[1],
        "联系电话": "13900001111",
        "用气地址": "城东区人民路8号2幢301室",
        "表类型": "普通表",
        "账单号": "B202610-0001",
        "账期": "2026-10",
        "金额": "128.50",
        "缴费截止日": "2026-11-15",
    }
    row.update(values)
    return row


def csv_text(rows, header=HEADER, newline="\n") -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator=newline)
    writer.writerow(header)
    for row in rows:
        writer.writerow([row.get(name, "") for name in header])
    return out.getvalue()


def run(company, text: str | bytes, *, by=None, encoding="utf-8", name="bills-2026-10.csv"):
    data = text if isinstance(text, bytes) else text.encode(encoding)
    return import_bills(company=company, data=data, file_name=name, by=by, at=AT)


def nothing_imported():
    assert BillImport.objects.count() == 0
    assert Bill.objects.count() == 0
    assert GasAccount.objects.count() == 0
    assert Customer.objects.count() == 0


@pytest.fixture
def company(hall):
    return hall.company


@pytest.fixture
def auditor(make_member, counter_hall):
    return make_member(Role.AUDITOR, counter_hall, last_name="赵", first_name="敏")


# --- reading what billing systems and Excel write ---------------------------------------------------------


def test_utf8_file_opens_the_unknown_account_and_records_its_bill(company, auditor):
    record = run(company, csv_text([line()]), by=auditor)

    assert (record.rows, record.bills_created, record.accounts_created) == (1, 1, 1)
    assert record.encoding == "utf-8" and record.imported_by == auditor and record.imported_at == AT
    account = GasAccount.objects.get(company=company, number="20000001")
    assert account.holder.name == "王小明" and account.holder.id_number == ID_NUMBERS[1]
    assert account.holder.phone == "13900001111"
    assert (
        account.address == "城东区人民路8号2幢301室" and account.meter_type == GasAccount.MeterType.POSTPAID
    )
    bill = account.bills.get()
    assert (bill.number, bill.period, bill.amount) == ("B202610-0001", "2026-10", Decimal("128.50"))
    assert bill.due_on.isoformat() == "2026-11-15" and bill.status == Bill.Status.UNPAID
    assert bill.source == record
    # Every created record has its history row, by the importing user.
    for obj in (bill, account, account.holder):
        assert obj.history.first().history_user == auditor
        assert obj.history.first().history_date == AT


def test_utf8_with_bom_is_read_and_the_first_column_still_found(company):
    record = run(company, b"\xef\xbb\xbf" + csv_text([line()]).encode())
    assert record.encoding == "utf-8-sig"
    assert GasAccount.objects.filter(number="20000001").exists()


def test_gb18030_file_is_read_with_its_chinese_text(company):
    text = csv_text([line(户名="欧阳玥", 用气地址="城西区解放路16号", 表类型="IC卡")])
    record = run(company, text, encoding="gb18030")
    assert record.encoding == "gb18030"
    account = GasAccount.objects.get(number="20000001")
    assert account.holder.name == "欧阳玥" and account.address == "城西区解放路16号"
    assert account.meter_type == GasAccount.MeterType.IC_CARD


def test_crlf_and_excel_quoting_are_understood(company):
    rows = [
        line(用气地址="城东区人民路8号, 2幢301室", 户名='王"小"明'),
        # Excel's ways of keeping a long number text: ="…" and a leading tab.
        line(
            户号='="20000002"',
            证件号码="\t" + ID_NUMBERS[2],
            账单号="B2",
            账期="202610",
            缴费截止日="2026/11/5",
        ),
    ]
    record = run(company, csv_text(rows, newline="\r\n"))
    assert record.rows == 2 and record.bills_created == 2
    first = GasAccount.objects.get(number="20000001")
    assert first.address == "城东区人民路8号, 2幢301室" and first.holder.name == '王"小"明'
    second = GasAccount.objects.get(number="20000002")
    assert second.holder.id_number == ID_NUMBERS[2]
    bill = second.bills.get()
    assert bill.period == "2026-10" and bill.due_on.isoformat() == "2026-11-05"


def test_tab_separated_text_is_read_too(company):
    row = line(用气地址="城东区人民路8号, 2幢")
    text = "\t".join(HEADER) + "\r\n" + "\t".join(row[name] for name in HEADER) + "\r\n"
    run(company, text)
    assert GasAccount.objects.get().address == "城东区人民路8号, 2幢"


def test_columns_in_another_order_and_extra_columns_are_fine(company):
    header = ["金额", "备注", "账单号", "账期", "户号", "表类型", "用气地址", "户名", "抄表员"]
    record = run(company, csv_text([line(备注="请按时缴费", 抄表员="李四")], header=header))
    bill = Bill.objects.get()
    assert (bill.account.number, bill.number, bill.amount) == ("20000001", "B202610-0001", Decimal("128.50"))
    assert bill.due_on is None and bill.account.holder.id_number == ""
    assert record.rows == 1


@pytest.mark.parametrize(
    "meter, expected", [("IC卡表", "ic_card"), ("ic_card", "ic_card"), ("普通", "postpaid")]
)
def test_meter_type_spellings_are_accepted(company, meter, expected):
    run(company, csv_text([line(表类型=meter)]))
    assert GasAccount.objects.get().meter_type == expected


def test_blank_lines_are_ignored_but_line_numbers_still_count_them(company):
    text = csv_text([line()]) + ",,,,,,,,,\n\n" + csv_text([line(账单号="B2", 金额="-1")]).split("\n", 1)[1]
    with pytest.raises(ImportRejected) as refused:
        run(company, text)
    assert [number for number, _message in refused.value.errors] == [5]


# --- refusing bad files, by line ------------------------------------------------------------------------

BAD_ROWS = [
    ("amount zero", {"金额": "0"}, "more than zero"),
    ("amount negative", {"金额": "-12.00"}, "more than zero"),
    ("amount with 3 decimals", {"金额": "12.345"}, "more than 2 decimal places"),
    ("amount not a number", {"金额": "十二元"}, "not an amount"),
    ("amount too large", {"金额": "10000000.00"}, "below ¥10,000,000"),
    ("amount empty", {"金额": ""}, "金额 is empty"),
    ("account empty", {"户号": ""}, "户号 is empty"),
    ("account too long", {"户号": "1" * 21}, "longer than 20 characters"),
    ("id number checksum", {"证件号码": "330102199003071231"}, "check digit"),
    ("id number shape", {"证件号码": "3.30102E+17"}, "18 characters"),
    ("phone", {"联系电话": "12345"}, "mobile number"),
    ("period month 13", {"账期": "2026-13"}, "not a month"),
    ("period text", {"账期": "十月"}, "not a month"),
    ("due date not a day", {"缴费截止日": "2026-02-30"}, "not a date"),
    ("meter type", {"表类型": "智能表"}, "not a meter type"),
    ("bill number empty", {"账单号": ""}, "账单号 is empty"),
    ("new account without address", {"用气地址": ""}, "to open it, the line needs: 用气地址"),
    ("new account without name", {"户名": ""}, "to open it, the line needs: 户名"),
]


@pytest.mark.parametrize("what, values, message", BAD_ROWS, ids=[b[0] for b in BAD_ROWS])
def test_a_bad_row_is_reported_by_line_and_nothing_is_imported(company, what, values, message):
    third = line(**{"户号": "20000003", "账单号": "B3", "证件号码": "", **values})
    rows = [line(), line(户号="20000002", 账单号="B2", 证件号码=ID_NUMBERS[2]), third]
    with pytest.raises(ImportRejected) as refused:
        run(company, csv_text(rows))
    errors = refused.value.errors
    assert [number for number, _message in errors] == [4], errors
    assert message in errors[0][1]
    nothing_imported()


def test_a_bill_twice_in_the_file_is_reported_with_both_lines(company):
    with pytest.raises(ImportRejected) as refused:
        run(company, csv_text([line(), line(账单号="B2"), line()]))
    assert refused.value.errors == [(4, "Bill B202610-0001 of account 20000001 is also on line 2.")]
    nothing_imported()


def test_a_line_with_an_unquoted_comma_is_reported(company):
    text = csv_text([line()]) + "20000002,王五,,,城东区人民路1号,3幢,普通表,B9,2026-10,10.00,\n"
    with pytest.raises(ImportRejected) as refused:
        run(company, text)
    assert refused.value.errors[0][0] == 3 and "11 cells" in refused.value.errors[0][1]
    nothing_imported()


def test_every_bad_line_is_reported_not_only_the_first(company):
    rows = [
        line(),
        line(账单号="B2", 金额="abc"),
        line(账单号="B3"),
        line(账单号="B4", 账期="2026-00", 金额="0"),
    ]
    with pytest.raises(ImportRejected) as refused:
        run(company, csv_text(rows))
    assert [number for number, _message in refused.value.errors] == [3, 5, 5]
    assert refused.value.total == 3


def test_errors_are_capped_but_all_counted(company):
    rows = [line(账单号=f"B{i}", 金额="0") for i in range(MAX_REPORTED_ERRORS + 50)]
    with pytest.raises(ImportRejected) as refused:
        run(company, csv_text(rows))
    assert len(refused.value.errors) == MAX_REPORTED_ERRORS
    assert refused.value.total == MAX_REPORTED_ERRORS + 50
    assert str(MAX_REPORTED_ERRORS + 50) in refused.value.message


def test_a_missing_required_column_is_named(company):
    header = [name for name in HEADER if name != "金额"]
    with pytest.raises(ImportRejected) as refused:
        run(company, csv_text([line()], header=header))
    assert refused.value.errors[0][0] == 1
    assert "Missing column(s): 金额" in refused.value.errors[0][1]
    nothing_imported()


def test_a_workbook_or_a_header_only_file_is_refused(company):
    with pytest.raises(CounterError, match="not a CSV text file"):
        run(company, b"PK\x03\x04\x14\x00\x06\x00\x08\x00\x00\x00!\x00")
    with pytest.raises(ImportRejected, match="1 problem"):
        run(company, csv_text([]))
    with pytest.raises(ImportRejected):
        run(company, b"")
    nothing_imported()


# --- once only, never changing what is there --------------------------------------------------------------


def test_the_same_file_again_is_refused_and_changes_nothing(company, auditor, rep):
    text = csv_text([line(), line(户号="20000002", 账单号="B2", 证件号码="")])
    run(company, text, by=auditor)
    before = (
        list(Bill.objects.values_list("pk", "amount")),
        GasAccount.objects.count(),
        Customer.objects.count(),
    )
    with pytest.raises(CounterError) as refused:
        run(company, text, by=rep, name="renamed.csv")
    message = refused.value.message
    assert refused.value.code == "already_imported"
    assert (
        "2026-11-02 09:30" in message and auditor.display_name in message and "bills-2026-10.csv" in message
    )
    after = (
        list(Bill.objects.values_list("pk", "amount")),
        GasAccount.objects.count(),
        Customer.objects.count(),
    )
    assert after == before and BillImport.objects.count() == 1


def test_the_same_file_in_another_company_is_imported_there(company):
    text = csv_text([line()])
    run(company, text)
    other = CompanyFactory()
    run(other, text)
    assert GasAccount.objects.filter(number="20000001").count() == 2


def test_a_bill_already_recorded_the_same_is_skipped_and_counted(company, make_account, hall):
    account = make_account(hall, "20000001", bills=["128.50"])  # bill B20000001-0, period 2026-01
    rows = [line(账单号="B20000001-0", 账期="2026-01"), line(账单号="B202610-0001")]
    record = run(company, csv_text(rows))
    assert (record.rows, record.bills_created, record.accounts_created) == (2, 1, 0)
    assert sorted(account.bills.values_list("number", flat=True)) == ["B20000001-0", "B202610-0001"]


def test_a_changed_amount_on_a_recorded_bill_is_an_error(company, make_account, hall):
    account = make_account(hall, "20000001", bills=["128.50"])
    rows = [line(账单号="B202610-0009"), line(账单号="B20000001-0", 账期="2026-01", 金额="130.00")]
    with pytest.raises(ImportRejected) as refused:
        run(company, csv_text(rows))
    assert refused.value.errors == [
        (
            3,
            "Bill B20000001-0 of account 20000001 is already recorded as 2026-01, ¥128.50; this line says "
            "2026-01, ¥130.00. An import never changes a bill.",
        )
    ]
    assert list(account.bills.values_list("number", "amount")) == [("B20000001-0", Decimal("128.50"))]
    assert BillImport.objects.count() == 0


def test_a_paid_bill_is_never_touched(company, make_account, hall):
    account = make_account(hall, "20000001", bills=["128.50"])
    bill = account.bills.get()
    customer_services.settle_bills(account=account, bill_ids=[bill.pk], reference="P-1", at=AT)
    with pytest.raises(ImportRejected, match="1 problem") as refused:
        run(company, csv_text([line(账单号=bill.number, 账期="2026-01", 金额="99.00")]))
    assert "already paid" in refused.value.errors[0][1]
    # The same data again is just "already recorded": the paid bill stays as it is.
    record = run(company, csv_text([line(账单号=bill.number, 账期="2026-01", 金额="128.50")]))
    assert record.bills_created == 0
    bill.refresh_from_db()
    assert (bill.status, bill.amount, bill.settled_reference) == (Bill.Status.PAID, Decimal("128.50"), "P-1")
    assert bill.history.count() == 2  # created, paid: the import added nothing


def test_a_known_account_and_its_holder_are_not_modified(company, make_account, hall):
    account = make_account(hall, "20000001", name="张三", phone="13812345678")
    run(company, csv_text([line(户名="李四", 联系电话="13700000000", 用气地址="别处", 表类型="IC卡")]))
    account.refresh_from_db()
    assert account.holder.name == "张三" and account.holder.phone == "13812345678"
    assert account.address == "城东区人民路1号" and account.meter_type == "postpaid"
    assert account.history.count() == 1 and account.holder.history.count() == 1
    assert account.bills.count() == 1


def test_a_closed_account_takes_no_new_bill(company, make_account, hall):
    account = make_account(hall, "20000001")
    customer_services.close_account(account=account, on=AT.date())
    with pytest.raises(ImportRejected, match="1 problem") as refused:
        run(company, csv_text([line()]))
    assert "closed" in refused.value.errors[0][1]


def test_a_new_account_gets_the_known_customer_with_the_same_id_number(company, make_account, hall):
    existing = make_account(hall, "20000001", id_number=ID_NUMBERS[1]).holder
    rows = [
        line(户号="20000002", 户名="王小明"),
        line(户号="20000003", 账单号="B2"),
        line(户号="20000004", 账单号="B3", 证件号码=ID_NUMBERS[2]),
        line(户号="20000005", 账单号="B4", 证件号码=ID_NUMBERS[2]),
        line(户号="20000006", 账单号="B5", 证件号码=""),
    ]
    record = run(company, csv_text(rows))
    assert record.accounts_created == 5
    holders = dict(GasAccount.objects.values_list("number", "holder_id"))
    assert holders["20000002"] == holders["20000003"] == existing.pk
    assert holders["20000004"] == holders["20000005"] != existing.pk
    assert Customer.objects.count() == 3  # the known one, one for ID_NUMBERS[2], one without an ID number


def test_an_account_of_another_company_is_not_matched(company, hall):
    other = CompanyFactory()
    run(other, csv_text([line()]))
    record = run(company, csv_text([line()]))
    assert record.accounts_created == 1
    assert GasAccount.objects.filter(company=company, number="20000001").exists()


def test_a_big_file_costs_no_more_queries_than_a_small_one(company):
    def queries(rows: int, start: int) -> int:
        text = csv_text(
            [
                line(户号=str(start + i), 账单号=f"B{start + i}", 证件号码="", 联系电话=f"139{start + i:08d}")
                for i in range(rows)
            ]
        )
        with CaptureQueriesContext(connection) as captured:
            run(company, text)
        return len(captured)

    small = queries(3, 30000000)
    # Rows go in by the batch (SQLite's smaller batches add a few queries); never a query per row.
    assert queries(300, 40000000) <= small + 20
    assert Bill.objects.count() == 303


# --- the auditor's page -----------------------------------------------------------------------------------

URL = "/halls/{}/bills/import/"


def upload(client, hall, text: str | bytes, name="bills.csv", encoding="utf-8"):
    data = text if isinstance(text, bytes) else text.encode(encoding)
    return client.post(URL.format(hall.pk), {"file": SimpleUploadedFile(name, data, content_type="text/csv")})


@pytest.mark.parametrize("role, status", [(Role.AUDITOR, 200), (Role.SUPERVISOR, 200)])
def test_auditor_and_supervisor_may_import(counter_hall, make_member, login, client, role, status):
    login(make_member(role, counter_hall))
    response = client.get(URL.format(counter_hall.pk))
    assert response.status_code == status
    assert 'data-testid="import-form"' in response.content.decode()


@pytest.mark.parametrize("role", [Role.REP, Role.GREETER, Role.DUTY_MANAGER, Role.FINANCE_AUDITOR])
def test_other_roles_may_not_import(counter_hall, make_member, login, client, role):
    login(make_member(role, counter_hall))
    assert client.get(URL.format(counter_hall.pk)).status_code == 403
    assert upload(client, counter_hall, csv_text([line()])).status_code == 403
    nothing_imported()


def test_another_halls_page_is_not_found(counter_hall, other_hall, make_member, login, client):
    login(make_member(Role.AUDITOR, other_hall))
    assert client.get(URL.format(counter_hall.pk)).status_code == 404
    assert upload(client, counter_hall, csv_text([line()])).status_code == 404
    nothing_imported()


def test_signed_out_visitor_is_sent_to_sign_in(counter_hall, client):
    response = client.get(URL.format(counter_hall.pk))
    assert response.status_code == 302 and response["Location"].startswith("/login/")


def test_upload_through_the_page_imports_with_the_auditors_name(counter_hall, auditor, login, client):
    login(auditor)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    response = upload(client, counter_hall, csv_text([line(), line(账单号="B2")]), encoding="gb18030")
    assert response.status_code == 302
    page = client.get(response["Location"]).content.decode()
    assert "Imported bills.csv — rows: 2, bills created: 2, already recorded: 0, accounts opened: 1." in page
    assert "gb18030" in page and auditor.display_name in page
    bill = Bill.objects.get(number="B2")
    assert bill.history.first().history_user == auditor
    assert bill.account.history.first().history_user == auditor
    assert BillImport.objects.get().imported_by == auditor


def test_a_bad_file_on_the_page_lists_its_lines_and_imports_nothing(counter_hall, auditor, login, client):
    login(auditor)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    response = upload(client, counter_hall, csv_text([line(), line(账单号="B2", 金额="-5"), line(账期="x")]))
    assert response.status_code == 400
    page = response.content.decode()
    assert 'data-testid="import-errors"' in page
    assert 'data-line="3"' in page and 'data-line="4"' in page and 'data-line="2"' not in page
    assert "more than zero" in page
    nothing_imported()


def test_the_same_file_twice_on_the_page_says_when_and_by_whom(counter_hall, auditor, login, client):
    login(auditor)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    text = csv_text([line()])
    assert upload(client, counter_hall, text).status_code == 302
    response = upload(client, counter_hall, text, name="again.csv")
    assert response.status_code == 400
    page = response.content.decode()
    assert 'data-testid="import-refused"' in page and "already imported on" in page
    assert BillImport.objects.count() == 1 and Bill.objects.count() == 1


def test_only_csv_files_up_to_the_size_limit_are_taken(counter_hall, auditor, login, client, monkeypatch):
    login(auditor)
    assert upload(client, counter_hall, csv_text([line()]), name="bills.xlsx").status_code == 400
    monkeypatch.setattr("counter.views.bills.MAX_UPLOAD_BYTES", 100)
    assert upload(client, counter_hall, csv_text([line()] * 3)).status_code == 400
    nothing_imported()


def test_the_history_shows_only_this_companys_imports(counter_hall, auditor, login, client):
    other = CompanyFactory()
    run(other, csv_text([line()]), name="other-company.csv")
    run(counter_hall.company, csv_text([line()]), name="ours.csv")
    login(auditor)
    page = client.get(URL.format(counter_hall.pk)).content.decode()
    assert "ours.csv" in page and "other-company.csv" not in page


def test_the_page_costs_the_same_queries_with_a_long_history(
    counter_hall, auditor, login, client, django_assert_max_num_queries
):
    login(auditor)
    url = URL.format(counter_hall.pk)

    def imports(n: int, start: int) -> None:
        for i in range(n):
            run(
                counter_hall.company,
                csv_text([line(户号=str(start + i), 证件号码="")]),
                by=auditor,
                name=f"f{i}.csv",
            )

    imports(1, 30000000)
    with django_assert_max_num_queries(12) as small:
        assert client.get(url).status_code == 200
    imports(30, 40000000)
    with django_assert_max_num_queries(len(small)):
        page = client.get(url).content.decode()
    assert page.count("<tr><td") == 20  # one page of the history
    assert client.get(url + "?page=2").content.decode().count("<tr><td") == 11


# --- the command ------------------------------------------------------------------------------------------


def test_command_imports_and_prints_the_counts(company, auditor, tmp_path):
    path = tmp_path / "bills.csv"
    path.write_bytes(csv_text([line(), line(账单号="B2")]).encode("gb18030"))
    out = io.StringIO()
    call_command("import_bills", str(path), company=company.code, user=auditor.username, stdout=out)
    assert "rows: 2, bills created: 2, already recorded: 0, accounts opened: 1" in out.getvalue()
    assert BillImport.objects.get().imported_by == auditor
    assert Bill.objects.get(number="B2").history.first().history_user == auditor


def test_command_lists_bad_lines_and_fails(company, auditor, tmp_path):
    path = tmp_path / "bills.csv"
    path.write_text(csv_text([line(), line(账单号="B2", 账期="2026-13")]), encoding="utf-8")
    err = io.StringIO()
    with pytest.raises(CommandError, match="1 problem"):
        call_command("import_bills", str(path), company=company.code, user=auditor.username, stderr=err)
    assert "Line 3: Column 账期" in err.getvalue()
    nothing_imported()


def test_command_refuses_an_unknown_company_or_user(company, auditor, tmp_path):
    path = tmp_path / "bills.csv"
    path.write_text(csv_text([line()]), encoding="utf-8")
    with pytest.raises(CommandError, match="No company"):
        call_command("import_bills", str(path), company="nope", user=auditor.username)
    with pytest.raises(CommandError, match="No active user"):
        call_command("import_bills", str(path), company=company.code, user="nobody")
    with pytest.raises(CommandError, match="Cannot read"):
        call_command(
            "import_bills", str(tmp_path / "missing.csv"), company=company.code, user=auditor.username
        )
    nothing_imported()
