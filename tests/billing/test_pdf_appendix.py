"""The statement's transaction appendix as a PDF: chunks joined into one document, read back with poppler."""

import re
import subprocess
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pytest
from django.utils import translation
from django.utils.translation import gettext
from pypdf import PdfReader

from billing.pdf import write_appendix_pdf

ROWS = 1200
CONTEXT = {"hall": "城东客服中心", "period": "2026年10月", "title": "交易明细附表"}
REPS = ["王秀英", "李强", "欧阳明"]


def payments(n: int):
    """n payments of October 2026, one every six minutes from 08:30 Shanghai time (00:30 UTC)."""
    start = datetime(2026, 10, 1, 0, 30, tzinfo=UTC)
    for k in range(n):
        at = start + timedelta(minutes=6 * k)
        yield {
            "business_day": date(2026, 10, 1) + timedelta(days=k * 31 // n),
            "created_at": at,
            "number": f"T3-{k + 1:05d}",
            "receipt": f"F{200001 + k:07d}",
            "rep": REPS[k % len(REPS)],
            "window": k % 8 + 1 if k % 10 else None,
            "account": f"{9_100_000 + k}" if k % 3 else "",
            "items": "燃气费 ×1；报警器 ×1" if k % 2 else "预付气费 ×1",
            "tenders": "现金 100.00；微信支付 23.45" if k % 5 == 0 else "微信支付 123.45",
            "total": Decimal("1123.45"),
            "status": "已作废" if k % 40 == 7 else "已收款",
        }


def squeezed(text: str) -> str:
    """Without white space: pdftotext does not keep the spaces between Chinese and digits ("第 5 页")."""
    return re.sub(r"\s+", "", text)


def pages_text(path) -> list[str]:
    out = subprocess.run(["pdftotext", "-layout", str(path), "-"], check=True, capture_output=True, text=True)
    return out.stdout.split("\f")[:-1]  # a form feed ends each page


@pytest.fixture(scope="module")
def appendix(tmp_path_factory):
    """ROWS payments rendered 400 at a time: several chunks joined, as the statement task does it."""
    path = tmp_path_factory.mktemp("appendix") / "appendix.pdf"
    seen = []
    with translation.override("zh-hans"), path.open("wb") as out:
        rows = write_appendix_pdf(
            payments(ROWS), out, context=CONTEXT, chunk_rows=400, on_progress=seen.append
        )
        labels = {"page": gettext("Page %(n)s"), "column": gettext("Receipt No.")}
    return {"path": path, "rows": rows, "progress": seen, "pages": pages_text(path), **labels}


def test_it_lists_every_payment_once_in_order(appendix):
    text = "".join(appendix["pages"])
    numbers = re.findall(r"T3-(\d{5})", text)
    assert appendix["rows"] == ROWS
    assert [int(n) for n in numbers] == list(range(1, ROWS + 1))
    assert "T3-00001" in appendix["pages"][0]
    assert "T3-01200" in appendix["pages"][-1]


def test_it_shows_chinese_text_and_shanghai_times(appendix):
    first = appendix["pages"][0]
    assert "王秀英" in first and "欧阳明" in first
    assert "燃气费 ×1；报警器 ×1" in first
    assert "城东客服中心" in first and "2026年10月" in first and "交易明细附表" in first
    line = next(line for line in first.splitlines() if "T3-00001" in line)
    assert "2026-10-01" in line and "08:30" in line  # 00:30 UTC
    assert "1,123.45" in line


def test_its_chunks_are_joined_into_one_document(appendix):
    reader = PdfReader(appendix["path"])
    assert len(reader.pages) == len(appendix["pages"]) > 3  # 1,200 rows: several pages per chunk
    assert reader.metadata.title == "交易明细附表 · 城东客服中心 · 2026年10月"


def test_every_page_has_the_header_and_its_number_across_chunks(appendix):
    pages = appendix["pages"]
    for n, text in enumerate(pages, start=1):
        footer = text.strip().splitlines()[-1]
        assert squeezed(footer) == squeezed(appendix["page"] % {"n": n}), f"page {n}"
        assert "交易明细附表" in text and squeezed(appendix["column"]) in squeezed(text), f"page {n}"
    # Each page is full of rows but the last: a chunk's half-filled last page goes on in the next chunk.
    per_page = [len(re.findall(r"T3-\d{5}", text)) for text in pages]
    assert min(per_page[:-1]) >= max(per_page) - 2, per_page


def test_it_embeds_a_cjk_font(appendix):
    fonts = subprocess.run(["pdffonts", str(appendix["path"])], check=True, capture_output=True, text=True)
    cjk = [line for line in fonts.stdout.splitlines() if re.search(r"Noto.*CJK", line)]
    assert cjk
    assert all(" yes " in line for line in cjk)  # embedded (a subset)


def test_it_reports_progress_after_each_chunk(appendix):
    seen = appendix["progress"]
    assert len(seen) >= 3
    assert seen == sorted(set(seen))
    assert seen[-1] == ROWS


def test_numbering_starts_at_the_given_page(tmp_path):
    path = tmp_path / "appendix.pdf"
    with translation.override("zh-hans"), path.open("wb") as out:
        write_appendix_pdf(payments(10), out, context=CONTEXT, first_page=5)
        label = gettext("Page %(n)s")
    (page,) = pages_text(path)
    assert squeezed(page.strip().splitlines()[-1]) == squeezed(label % {"n": 5})


def test_no_payments_make_a_page_with_the_header(tmp_path):
    path = tmp_path / "appendix.pdf"
    with path.open("wb") as out:
        assert write_appendix_pdf(iter([]), out, context=CONTEXT) == 0
    (page,) = pages_text(path)
    assert "交易明细附表" in page
