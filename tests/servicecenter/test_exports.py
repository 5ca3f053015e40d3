"""Report exports as Excel users see them: the CSV read back with the csv module (and our own importer), the
XLSX with openpyxl."""

import csv
import io
import re
from datetime import date
from decimal import Decimal
from urllib.parse import unquote

import pytest
from django.utils import translation
from django.utils.translation import gettext
from openpyxl import load_workbook

from servicecenter import csvfiles
from servicecenter.exports import Column, Table, csv_response, xlsx_response

COLUMNS = [
    Column("name", "客户名称"),
    Column("account", "户号", kind="id"),
    Column("amount", "金额", kind="money", total=True),
    Column("count", "笔数", kind="int", total=True),
    Column("day", "日期", kind="date"),
]
ATTACKS = ["=cmd|' /C calc'!A0", "+1+1", "-2+3", "@SUM(1+1)", "\t=1+1", "\r=1+1"]


def payment_rows():
    values = [
        ("城东客服中心", "000123", Decimal("1234.50"), 3, "2026-03-01"),
        ("张三", "110101199003078888", "0.10", None, date(2026, 3, 2)),
        ("李四", "11010119900307888X", "0.20", 1, None),
        ("王五", "12345678901234567890", None, 2, None),
        ("退款", "9", "-3.10", 1, None),
    ]
    return [dict(zip([column.key for column in COLUMNS], row, strict=True)) for row in values]


def read_csv(response) -> list[list[str]]:
    return list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"), newline="")))


def read_sheets(response):
    return load_workbook(io.BytesIO(response.content))


def cell_decimal(cell) -> Decimal:
    # openpyxl reads numbers back as floats; their shortest repr is what Excel shows.
    return Decimal(str(cell.value))


# CSV


def test_csv_starts_with_a_bom_and_keeps_chinese_intact():
    response = csv_response("日报", [Table("2026年3月1日 营业日报", COLUMNS, payment_rows())])

    assert response.content.startswith(b"\xef\xbb\xbf")
    rows = read_csv(response)
    assert rows[0] == ["2026年3月1日 营业日报"]
    assert rows[1] == ["客户名称", "户号", "金额", "笔数", "日期"]
    assert rows[2][0] == "城东客服中心"


def test_csv_ends_lines_with_crlf():
    content = csv_response("日报", [Table("日报", COLUMNS, payment_rows())]).content

    assert b"\r\n" in content
    assert b"\n" not in content.replace(b"\r\n", b"")


def test_csv_keeps_long_account_numbers_text():
    rows = read_csv(csv_response("日报", [Table("日报", COLUMNS, payment_rows())]))

    assert [row[1] for row in rows[2:7]] == [
        '="000123"',
        '="110101199003078888"',
        '="11010119900307888X"',
        '="12345678901234567890"',
        '="9"',
    ]


def test_csv_account_numbers_read_back_through_our_importer():
    content = csv_response("日报", [Table("日报", COLUMNS, payment_rows())]).content

    text, encoding = csvfiles.decode(content)
    records = [cells for _line, cells in csvfiles.records(text)]

    assert encoding == "utf-8-sig"
    assert [csvfiles.cell(cells[1]) for cells in records[2:7]] == [row["account"] for row in payment_rows()]
    assert [csvfiles.amount(cells[2]) for cells in records[2:4]] == [Decimal("1234.50"), Decimal("0.10")]


def test_csv_writes_money_as_plain_numbers_with_two_decimals():
    rows = read_csv(csv_response("日报", [Table("日报", COLUMNS, payment_rows())]))

    assert [row[2] for row in rows[2:7]] == ["1234.50", "0.10", "0.20", "", "-3.10"]


def test_csv_totals_row_closes_the_table_with_exact_sums():
    rows = read_csv(csv_response("日报", [Table("日报", COLUMNS, payment_rows())]))

    total = rows[7]
    assert total[0] == gettext("Total")
    # 1234.50 + 0.10 + 0.20 - 3.10 and 3 + 1 + 2 + 1, empty cells counting 0.
    assert total[2] == "1231.70"
    assert total[3] == "7"
    assert total[1] == total[4] == ""
    assert rows[8] == []
    assert len(rows) == 9


def test_totals_row_is_labelled_heji_in_chinese():
    with translation.override("zh-hans"):
        rows = read_csv(csv_response("日报", [Table("日报", COLUMNS, payment_rows())]))

    assert rows[7][0] == "合计"


def test_csv_table_without_totals_has_no_totals_row():
    rows = read_csv(csv_response("日报", [Table("日报", COLUMNS, payment_rows(), totals=False)]))

    assert len(rows) == 8
    assert rows[6][0] == "退款"


def test_csv_puts_tables_one_after_another_each_with_title_and_blank_line():
    receipts = [Column("number", "票据号", kind="id"), Column("amount", "金额", kind="money", total=True)]
    response = csv_response(
        "月报",
        [
            Table("缴费明细", COLUMNS, payment_rows()),
            Table("票据", receipts, [{"number": "0000000001", "amount": "5"}]),
        ],
    )

    rows = read_csv(response)
    assert rows[9:] == [
        ["票据"],
        ["票据号", "金额"],
        ['="0000000001"', "5.00"],
        [gettext("Total"), "5.00"],
        [],
    ]


def test_csv_neutralises_formula_injection_in_text_title_and_headings():
    columns = [Column("remark", "=HEADING()"), Column("amount", "金额", kind="money")]
    rows = [{"remark": attack, "amount": "1"} for attack in [*ATTACKS, "正常备注", "a=b"]]

    rows_read = read_csv(csv_response("x", [Table("@title", columns, rows, totals=False)]))

    assert rows_read[0] == ["'@title"]
    assert rows_read[1][0] == "'=HEADING()"
    assert [row[0] for row in rows_read[2:10]] == [*("'" + attack for attack in ATTACKS), "正常备注", "a=b"]


def test_csv_negative_money_is_a_number_not_defused_text():
    columns = [Column("note", "备注"), Column("amount", "金额", kind="money", total=True)]

    rows = read_csv(csv_response("x", [Table("x", columns, [{"note": "冲正", "amount": "-12.5"}])]))

    assert rows[2] == ["冲正", "-12.50"]
    assert rows[3][1] == "-12.50"


def test_csv_quote_in_an_id_cannot_break_out_of_the_text_formula():
    columns = [Column("number", "票据号", kind="id")]
    rows = [{"number": '1"&HYPERLINK("http://evil")&"'}]

    cell = read_csv(csv_response("x", [Table("x", columns, rows, totals=False)]))[2][0]

    # Inside ="…" a doubled quote is a quote character, so the whole value stays one string literal.
    assert cell == '="1""&HYPERLINK(""http://evil"")&"""'
    assert re.fullmatch(r'="(?:[^"]|"")*"', cell)


def test_csv_writes_dates_iso_and_percent_as_excel_reads_them():
    columns = [Column("day", "日期", kind="date"), Column("share", "占比", kind="percent")]
    rows = [{"day": date(2026, 3, 1), "share": Decimal("0.125")}, {"day": "2026-03-02", "share": "0.33333"}]

    rows_read = read_csv(csv_response("x", [Table("x", columns, rows, totals=False)]))

    assert rows_read[2:4] == [["2026-03-01", "12.50%"], ["2026-03-02", "33.33%"]]


# XLSX


def test_xlsx_keeps_long_account_numbers_text():
    sheet = read_sheets(xlsx_response("日报", [Table("日报", COLUMNS, payment_rows())])).active

    cells = [row[1] for row in sheet.iter_rows(min_row=2, max_row=6)]
    assert [cell.value for cell in cells] == [row["account"] for row in payment_rows()]
    assert {cell.data_type for cell in cells} == {"s"}
    assert {cell.number_format for cell in cells} == {"@"}


def test_xlsx_money_is_a_number_with_two_decimal_format():
    sheet = read_sheets(xlsx_response("日报", [Table("日报", COLUMNS, payment_rows())])).active

    cells = [row[2] for row in sheet.iter_rows(min_row=2, max_row=6)]
    assert [cell.data_type for cell in cells] == ["n"] * 5
    assert [cell.value is None for cell in cells] == [False, False, False, True, False]
    assert [cell_decimal(cell) for cell in cells if cell.value is not None] == [
        Decimal("1234.50"),
        Decimal("0.10"),
        Decimal("0.20"),
        Decimal("-3.10"),
    ]
    assert {cell.number_format for cell in cells if cell.value is not None} == {"#,##0.00"}


def test_xlsx_ints_and_dates_are_real_numbers_and_dates():
    sheet = read_sheets(xlsx_response("日报", [Table("日报", COLUMNS, payment_rows())])).active

    count, day = sheet["D2"], sheet["E2"]
    assert (count.value, count.data_type, count.number_format) == (3, "n", "0")
    assert day.is_date
    assert day.value.date() == date(2026, 3, 1)
    assert day.number_format == "yyyy-mm-dd"
    assert sheet["E3"].value.date() == date(2026, 3, 2)


def test_xlsx_percent_is_a_ratio_formatted_as_percent():
    columns = [Column("share", "占比", kind="percent")]

    sheet = read_sheets(
        xlsx_response("x", [Table("x", columns, [{"share": Decimal("0.125")}], totals=False)])
    ).active

    assert (cell_decimal(sheet["A2"]), sheet["A2"].number_format) == (Decimal("0.125"), "0.00%")


def test_xlsx_header_and_totals_are_bold_and_the_header_is_frozen():
    sheet = read_sheets(xlsx_response("日报", [Table("日报", COLUMNS, payment_rows())])).active

    assert [cell.value for cell in sheet[1]] == [column.title for column in COLUMNS]
    assert all(cell.font.b for cell in sheet[1])
    assert not sheet["A2"].font.b
    assert sheet.freeze_panes == "A2"
    assert sheet["A7"].font.b and sheet["C7"].font.b


def test_xlsx_totals_row_sums_exactly():
    sheet = read_sheets(xlsx_response("日报", [Table("日报", COLUMNS, payment_rows())])).active

    assert sheet.max_row == 7
    assert sheet["A7"].value == gettext("Total")
    assert cell_decimal(sheet["C7"]) == Decimal("1231.70")
    assert sheet["C7"].number_format == "#,##0.00"
    assert sheet["D7"].value == 7
    assert sheet["B7"].value is None and sheet["E7"].value is None


def test_xlsx_neutralises_formula_injection():
    columns = [Column("remark", "备注")]
    values = [*ATTACKS, "#N/A", "正常备注"]

    sheet = read_sheets(
        xlsx_response("x", [Table("x", columns, [{"remark": v} for v in values], totals=False)])
    ).active

    cells = [row[0] for row in sheet.iter_rows(min_row=2)]
    # XML reads a bare carriage return back as a line feed; the rest comes back exactly as given.
    assert [cell.value for cell in cells] == [value.replace("\r", "\n") for value in values]
    assert {cell.data_type for cell in cells} == {"s"}  # no formula, no error value
    # quotePrefix is what Excel stores for a typed-in '=…: shown as text, and still text after an edit.
    assert [cell.quotePrefix for cell in cells] == [True] * len(ATTACKS) + [False, False]


def test_xlsx_drops_control_characters_openpyxl_cannot_store():
    columns = [Column("remark", "备注")]

    sheet = read_sheets(
        xlsx_response("x", [Table("x", columns, [{"remark": "换表\x07完成"}], totals=False)])
    ).active

    assert sheet["A2"].value == "换表完成"


def test_xlsx_sheet_names_are_valid_and_unique():
    titles = [
        "2026/03/01 营业日报",
        "2026/03/01 营业日报",
        "[城东]: 缴费*明细? \\ 一二三四五六七八九十一二三四五六七八九十",
        "[城东]: 缴费*明细? \\ 一二三四五六七八九十一二三四五六七八九十",
        "Receipts",
        "RECEIPTS",
        "'引号'",
        "History",
    ]
    one_row = [{"name": "x", "account": "1", "amount": "1", "count": 1, "day": None}]

    workbook = read_sheets(xlsx_response("x", [Table(title, COLUMNS, one_row) for title in titles]))

    names = workbook.sheetnames
    assert len(names) == len(titles)
    assert len({name.lower() for name in names}) == len(names)
    for name in names:
        assert 0 < len(name) <= 31
        assert not set(name) & set("[]:*?/\\")
        assert not name.startswith("'") and not name.endswith("'")
        assert name.lower() != "history"
    assert names[0] == "2026-03-01 营业日报"
    assert names[1] != names[0] and names[1].startswith("2026-03-01 营业日报")


def test_xlsx_columns_are_wide_enough_for_chinese():
    columns = [Column("cn", "名称"), Column("en", "Name")]
    rows = [{"cn": "城东客服中心营业厅", "en": "Chengdong."}]  # the same number of characters

    sheet = read_sheets(xlsx_response("x", [Table("x", columns, rows, totals=False)])).active

    assert sheet.column_dimensions["A"].width > sheet.column_dimensions["B"].width >= len("Chengdong.")


# Both formats


@pytest.mark.parametrize("respond", [csv_response, xlsx_response])
def test_a_generator_of_20000_rows_is_exported_with_exact_totals(respond):
    columns = [
        Column("account", "户号", kind="id"),
        Column("amount", "金额", kind="money", total=True),
        Column("count", "笔数", kind="int", total=True),
    ]
    read = []

    def rows():
        for number in range(20_000):
            read.append(number)
            yield {"account": f"{number:020d}", "amount": "0.01", "count": 1}

    response = respond("big", [Table("缴费明细", columns, rows())])

    assert len(read) == 20_000
    if respond is csv_response:
        lines = read_csv(response)
        assert lines[2][0] == '="00000000000000000000"'
        assert lines[20_002] == [gettext("Total"), "200.00", "20000"]
    else:
        sheet = read_sheets(response).active
        assert sheet.max_row == 20_002
        assert sheet["A20001"].value == "00000000000000019999"
        # Adding 0.01 20,000 times in floats gives 199.9999999999631, which a sheet would show.
        assert cell_decimal(sheet["B20002"]) == Decimal("200.00")
        assert sheet["C20002"].value == 20_000


def test_responses_have_the_right_content_types():
    csv_resp = csv_response("x", [Table("x", COLUMNS, [])])
    xlsx_resp = xlsx_response("x", [Table("x", COLUMNS, [])])

    assert csv_resp["Content-Type"] == "text/csv; charset=utf-8"
    assert xlsx_resp["Content-Type"] == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def test_empty_table_still_has_header_and_zero_totals():
    rows = read_csv(csv_response("x", [Table("空表", COLUMNS, [])]))

    assert rows[1:] == [[c.title for c in COLUMNS], [gettext("Total"), "", "0.00", "0", ""], []]


def test_chinese_filename_has_an_ascii_fallback_and_an_rfc5987_name():
    response = xlsx_response("营业日报 2026-03-01", [Table("x", COLUMNS, [])])

    disposition = response["Content-Disposition"]
    assert disposition.startswith("attachment; ")
    assert 'filename="2026-03-01.xlsx"' in disposition
    encoded = re.search(r"filename\*=UTF-8''(\S+)", disposition).group(1)
    assert unquote(encoded) == "营业日报 2026-03-01.xlsx"
    assert disposition.isascii()


def test_ascii_filename_is_given_as_is_and_the_extension_not_doubled():
    response = csv_response("daily-2026-03-01.csv", [Table("x", COLUMNS, [])])

    assert response["Content-Disposition"] == 'attachment; filename="daily-2026-03-01.csv"'


def test_all_chinese_filename_falls_back_to_export():
    response = csv_response("营业日报", [Table("x", COLUMNS, [])])

    assert 'filename="export.csv"' in response["Content-Disposition"]


# Mistakes a report makes are refused, not exported wrong


def test_float_money_is_refused():
    row = {"name": "x", "account": "1", "amount": 0.1, "count": 1, "day": None}

    with pytest.raises(TypeError):
        csv_response("x", [Table("x", COLUMNS, [row])])


def test_only_money_and_int_columns_can_have_a_total():
    with pytest.raises(ValueError):
        Column("account", "户号", kind="id", total=True)
    with pytest.raises(ValueError):
        Column("x", "x", kind="number")


def test_the_first_column_holds_the_totals_label_so_cannot_be_summed():
    with pytest.raises(ValueError):
        Table("x", [Column("amount", "金额", kind="money", total=True)], [])
