"""statement_appendix — the monthly statement's appendix of 30,000 payments as a PDF: time and peak memory.

Renders ROWS synthetic payments of a hall-month (a generator: Chinese rep names, fee items, split tenders, a
few voided) with `billing.pdf.write_appendix_pdf` — WeasyPrint in chunks of CHUNK_ROWS rows, joined by
pypdf — into a temporary file, in a child process of its own, so that the figures are the rendering's alone:
wall time of the child, and its peak resident memory (getrusage(RUSAGE_CHILDREN).ru_maxrss, KiB on Linux).
No database: rendering is pure. Fails when the peak is above BAR_MB. Writes
bench/results/statement_appendix.json.

    .venv/bin/python bench/statement_appendix.py          (or: bench/run.py statement_appendix)

BENCH_APPENDIX_ROWS and BENCH_APPENDIX_CHUNK change the row count and the chunk size (to compare sizes).
"""

import json
import os
import platform
import random
import resource
import subprocess
import sys
import tempfile
import time
from datetime import datetime, timedelta
from decimal import Decimal
from pathlib import Path
from zoneinfo import ZoneInfo

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

RESULTS = ROOT / "bench" / "results"
ROWS = int(os.environ.get("BENCH_APPENDIX_ROWS", "30000"))
CHUNK = os.environ.get("BENCH_APPENDIX_CHUNK", "")  # empty: the module's default
BAR_MB = 600
SHANGHAI = ZoneInfo("Asia/Shanghai")
ENV = {
    "SECRET_KEY": "bench-only-secret-key-" + "x" * 40,
    "DEBUG": "0",
    "DJANGO_SETTINGS_MODULE": "servicecenter.settings",
}

SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗"
GIVEN = [
    "伟",
    "芳",
    "娜",
    "秀英",
    "敏",
    "静",
    "丽",
    "强",
    "磊",
    "军",
    "洋",
    "勇",
    "艳",
    "杰",
    "娟",
    "涛",
    "明",
    "超",
]
ITEMS = [
    ("燃气费", None),
    ("预付气费", None),
    ("报警器", "168.00"),
    ("自闭阀", "85.00"),
    ("燃气软管", "35.00"),
]
ITEMS += [("燃气保险", "30.00"), ("IC卡补卡费", "20.00"), ("安装费", None)]
TENDERS = ["现金", "银行卡", "微信支付", "支付宝", "银行转账"]


def synthetic_rows(n: int, *, seed: int = 2026):
    """n payments of October 2026 in one hall, in order, as billing.pdf expects them (never all in memory)."""
    rng = random.Random(seed)  # benchmark data, not secrets
    reps = [rng.choice(SURNAMES) + rng.choice(GIVEN) for _ in range(14)]
    start = datetime(2026, 10, 1, 8, 30, tzinfo=SHANGHAI)
    per_day = max(1, n // 31 + 1)
    for k in range(n):
        day, rank = divmod(k, per_day)
        at = start + timedelta(days=day, seconds=rank * (9 * 3600 // per_day))
        lines = []
        for name, price in rng.sample(ITEMS, rng.choice((1, 1, 1, 2, 3))):
            qty = rng.choice((1, 1, 1, 2))
            amount = Decimal(price) * qty if price else Decimal(rng.randrange(3000, 90000)) / 100
            lines.append((f"{name} ×{qty}", amount))
        total = sum((a for _, a in lines), Decimal("0.00"))
        if rng.random() < 0.1 and total > 20:
            tenders = f"现金 20.00；{rng.choice(TENDERS[1:4])} {total - 20:.2f}"
        else:
            tenders = f"{rng.choice(TENDERS)} {total:.2f}"
        rep = rng.randrange(len(reps))
        has_account = rng.random() < 0.7
        yield {
            "business_day": at.date(),
            "created_at": at,
            "number": f"T{rep + 1}-{k + 1:05d}",
            "receipt": f"F{100001 + k:07d}" if rng.random() < 0.97 else "",
            "rep": reps[rep],
            "window": rep % 12 + 1 if rng.random() < 0.95 else None,
            "account": f"{9_000_000 + rng.randrange(200_000)}" if has_account else "",
            "items": "；".join(text for text, _ in lines),
            "tenders": tenders,
            "total": total,
            "status": "已作废" if rng.random() < 0.025 else "已收款",
        }


def child(path: str) -> None:
    """The measured work: Django set up, the rows rendered to `path`. Prints the figures as JSON."""
    os.environ.update(ENV)
    import django

    django.setup()
    from django.utils import translation

    from billing import pdf

    translation.activate("zh-hans")
    progress, rss_mb = [], []

    def on_progress(rows: int) -> None:  # memory held between chunks: does it stay level?
        progress.append(rows)
        rss_mb.append(
            round(int(Path("/proc/self/statm").read_text().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 2**20)
        )

    chunk_rows = int(CHUNK) if CHUNK else pdf.CHUNK_ROWS
    started = time.perf_counter()
    with open(path, "wb") as out:
        rows = pdf.write_appendix_pdf(
            synthetic_rows(ROWS),
            out,
            context={"hall": "城东客服中心", "period": "2026年10月", "title": "交易明细附表"},
            on_progress=on_progress,
            chunk_rows=chunk_rows,
        )
    seconds = time.perf_counter() - started
    print(
        json.dumps(
            {
                "rows": rows,
                "seconds": seconds,
                "chunks": len(progress),
                "chunk_rows": chunk_rows,
                "rss_mb": rss_mb,
            }
        )
    )


def main() -> None:
    from pypdf import PdfReader

    with tempfile.TemporaryDirectory(prefix="bench-appendix-") as tmp:
        path = os.path.join(tmp, "appendix.pdf")
        started = time.perf_counter()
        done = subprocess.run(
            [sys.executable, __file__, "--child", path], cwd=ROOT, capture_output=True, text=True, check=False
        )
        wall = time.perf_counter() - started
        if done.returncode:
            raise SystemExit(f"the rendering failed:\n{done.stderr[-3000:]}")
        usage = resource.getrusage(resource.RUSAGE_CHILDREN)
        peak_kib = usage.ru_maxrss
        figures = json.loads(done.stdout.strip().splitlines()[-1])
        pages = len(PdfReader(path).pages)
        size = os.path.getsize(path)
    peak_mb = peak_kib / 1024
    result = {
        "machine": (
            f"{platform.node()} {os.cpu_count()} cores, {platform.platform()}, "
            f"Python {platform.python_version()}"
        ),
        "at": time.strftime("%Y-%m-%d %H:%M:%S %z"),
        "what": (
            f"billing.pdf.write_appendix_pdf: {ROWS} synthetic payments (Chinese text), an A4 landscape PDF, "
            f"WeasyPrint in chunks of {figures['chunk_rows']} rows joined by pypdf, in a child process; "
            f"wall time and peak RSS of the child (ru_maxrss) including Python and Django start-up"
        ),
        "rows": figures["rows"],
        "chunk_rows": figures["chunk_rows"],
        "chunks": figures["chunks"],
        "pages": pages,
        "pdf_mb": round(size / 2**20, 1),
        "seconds_rendering": round(figures["seconds"], 1),
        "seconds_wall": round(wall, 1),
        # The machine may be busy with other work: CPU time of the child is the steadier figure.
        "seconds_cpu": round(usage.ru_utime + usage.ru_stime, 1),
        "rows_per_second": round(figures["rows"] / figures["seconds"]),
        "peak_rss_mb": round(peak_mb),
        "rss_mb_after_each_chunk": figures["rss_mb"],
        "bar_mb": BAR_MB,
        "passed": peak_mb <= BAR_MB,
    }
    RESULTS.mkdir(parents=True, exist_ok=True)
    (RESULTS / "statement_appendix.json").write_text(json.dumps(result, ensure_ascii=False, indent=2) + "\n")
    print(
        f"statement appendix: {result['rows']} rows, {pages} pages, {result['pdf_mb']} MB in "
        f"{result['seconds_wall']} s (CPU {result['seconds_cpu']} s, {result['rows_per_second']} rows/s), "
        f"peak RSS {result['peak_rss_mb']} MB (bar ≤ {BAR_MB} MB), chunks of {result['chunk_rows']} rows"
    )
    if peak_mb > BAR_MB:
        raise SystemExit(f"peak memory {peak_mb:.0f} MB is above the bar of {BAR_MB} MB")


if __name__ == "__main__":
    if sys.argv[1:2] == ["--child"]:
        child(sys.argv[2])
    else:
        main()
