"""What the hall display says for a call, and a server-side voice for displays whose browser has none.

Browsers speak the announcement with their own Mandarin voice (speechSynthesis). Where a browser has no
Chinese voice, the display plays a WAV made here by espeak-ng's Mandarin voice instead.
"""

import hashlib
import shutil
import subprocess

from django.core.cache import cache

_DIGITS = "零一二三四五六七八九"


def digits_zh(text: str) -> str:
    """A ticket number read digit by digit, as halls announce it: 001 → 零零一."""
    return "".join(_DIGITS[int(c)] if c.isdigit() else c for c in text)


def number_zh(n: int) -> str:
    """A small cardinal number in Chinese: 3 → 三, 12 → 十二, 20 → 二十, 105 → 一百零五."""
    if n < 10:
        return _DIGITS[n]
    if n < 20:
        return "十" + (_DIGITS[n % 10] if n % 10 else "")
    if n < 100:
        return _DIGITS[n // 10] + "十" + (_DIGITS[n % 10] if n % 10 else "")
    if n < 1000:
        rest = n % 100
        tail = (
            ""
            if rest == 0
            else (
                "零" + number_zh(rest)
                if rest < 10
                else number_zh(rest).replace("十", "一十", 1)
                if rest < 20
                else number_zh(rest)
            )
        )
        return _DIGITS[n // 100] + "百" + tail
    return str(n)


def announcement(ticket_code: str, window_number: int) -> str:
    """请A001号到3号窗口办理业务 — in the words a voice reads correctly."""
    return f"请{digits_zh(ticket_code)}号到{number_zh(window_number)}号窗口办理业务"


def announcement_display(ticket_code: str, window_number: int) -> str:
    """The same sentence as people read it on the screen."""
    return f"请{ticket_code}号到{window_number}号窗口办理业务"


def synthesize(text: str) -> bytes | None:
    """A WAV of the text in espeak-ng's Mandarin voice (cached), or None where espeak-ng is not installed."""
    key = "speech:" + hashlib.sha256(text.encode()).hexdigest()
    wav = cache.get(key)
    if wav is not None:
        return wav
    binary = shutil.which("espeak-ng")
    if binary is None:
        return None
    result = subprocess.run(  # noqa: S603 — fixed binary, text passed as one argument
        [binary, "-v", "cmn", "-s", "150", "--stdout", text], capture_output=True, timeout=15, check=False
    )
    if result.returncode != 0 or not result.stdout.startswith(b"RIFF"):
        return None
    cache.set(key, result.stdout, 24 * 3600)
    return result.stdout
