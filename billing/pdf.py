"""PDF rendering for the monthly statement: HTML to PDF, and its transaction appendix rendered in chunks."""

import gc
import itertools
import tempfile
from collections.abc import Callable, Iterable, Iterator
from itertools import islice
from pathlib import Path
from typing import BinaryIO
from zoneinfo import ZoneInfo

from django.template.loader import render_to_string
from pypdf import PdfWriter
from weasyprint import HTML

APPENDIX_TEMPLATE = "billing/pdf/appendix.html"
# Rows per WeasyPrint document; see write_appendix_pdf and bench/statement_appendix.py for the figures.
CHUNK_ROWS = 1000


def html_to_pdf(html: str, *, base_url: str | None = None) -> bytes:
    """A PDF of one HTML document (the statement's own pages)."""
    return HTML(string=html, base_url=base_url).write_pdf()


def write_appendix_pdf(
    rows: Iterable[dict],
    out: BinaryIO,
    *,
    context: dict,
    chunk_rows: int = CHUNK_ROWS,
    first_page: int = 1,
    on_progress: Callable[[int], None] | None = None,
) -> int:
    """Write the transaction appendix of the payments `rows` as one PDF to `out`; return the number of rows.

    `context` gives the running header: `hall`, `period`, `title` (translated), and optionally `time_zone`
    (the hall's, for the payments' times; Asia/Shanghai when not given). Pages are numbered from
    `first_page`. `on_progress(rows_done)` is called after each chunk.

    WeasyPrint keeps a whole document's layout in memory and slows down on long tables, so the rows are laid
    out `chunk_rows` at a time, each chunk a document of its own written to a temporary file, page numbers
    going on from the chunk before; pypdf joins the files at the end (what it holds is the compressed PDF,
    a small part of what WeasyPrint needs). `rows` is consumed once, a chunk at a time.
    """
    if chunk_rows < 1:
        raise ValueError("chunk_rows must be at least 1")
    zone = ZoneInfo(context.get("time_zone") or "Asia/Shanghai")
    chunks = _chunks((_cells(row, zone) for row in rows), chunk_rows)
    done, next_page, carried, paths = 0, first_page, [], []
    with tempfile.TemporaryDirectory(prefix="appendix-") as tmp:
        chunk = next(chunks, [])
        for n in itertools.count():
            following = next(chunks, None)  # read ahead: is this chunk the last one?
            chunk = carried + chunk
            html = render_to_string(APPENDIX_TEMPLATE, {**context, "rows": chunk, "first_page": next_page})
            document = HTML(string=html).render()
            pages = document.pages
            carried = []
            if following is not None and len(pages) > 1:
                # A chunk's last page is seldom full: its rows go to the next chunk instead, so that the
                # appendix has no half-empty pages in the middle.
                first_on_last = _first_row_on(pages[-1])
                if first_on_last:  # None or 0: nothing to carry over
                    carried, chunk, pages = chunk[first_on_last:], chunk[:first_on_last], pages[:-1]
            path = Path(tmp) / f"{n:05d}.pdf"
            document.copy(pages).write_pdf(path)
            next_page += len(pages)
            # WeasyPrint's boxes form reference cycles: free this chunk's before laying out the next one.
            del document, pages, html
            gc.collect()
            paths.append(path)
            done += len(chunk)
            if on_progress is not None and chunk:
                on_progress(done)
            if following is None:
                break
            chunk = following
        # Joined only now: pypdf's objects, kept alive between chunks, would pin WeasyPrint's freed memory
        # in place (the process grew by ~3 MB a chunk and did not give it back).
        writer = PdfWriter()
        for path in paths:
            writer.append(path)
        if context.get("title"):
            writer.add_metadata(
                {"/Title": f"{context['title']} · {context.get('hall', '')} · {context.get('period', '')}"}
            )
        writer.write(out)
    return done


def _chunks(items: Iterator, size: int) -> Iterator[list]:
    while chunk := list(islice(items, size)):
        yield chunk


def _first_row_on(page) -> int | None:
    """The index in its chunk of the first row a laid-out page holds (the rows' ids are r0, r1…)."""
    rows = [int(name[1:]) for name in page.anchors if name[:1] == "r" and name[1:].isdigit()]
    return min(rows, default=None)


def _cells(row: dict, zone: ZoneInfo) -> dict:
    """One payment as the table's texts (formatted here: cheaper than template filters on 30,000 rows)."""
    window = row.get("window")
    return {
        "day": row["business_day"].isoformat(),
        "time": row["created_at"].astimezone(zone).strftime("%H:%M"),
        "number": row["number"],
        "receipt": row.get("receipt") or "",
        "rep": row.get("rep") or "",
        "window": "" if window is None else window,
        "account": row.get("account") or "",
        "items": row.get("items") or "",
        "tenders": row.get("tenders") or "",
        "total": f"{row['total']:,.2f}",
        "status": row.get("status") or "",
    }
