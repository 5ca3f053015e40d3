"""Money in CNY: one rounding rule, formatting, the denomination table. Never floats."""

from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

from django.utils.translation import gettext_lazy as _

CENT = Decimal("0.01")
ZERO = Decimal("0.00")

# Notes and coins a till is counted in, largest first (spec §4.3).
DENOMINATIONS: tuple[tuple[Decimal, str], ...] = (
    (Decimal("100.00"), _("¥100 note")),
    (Decimal("50.00"), _("¥50 note")),
    (Decimal("20.00"), _("¥20 note")),
    (Decimal("10.00"), _("¥10 note")),
    (Decimal("5.00"), _("¥5 note")),
    (Decimal("1.00"), _("¥1")),
    (Decimal("0.50"), _("¥0.5")),
    (Decimal("0.10"), _("¥0.1")),
)


def quantize(amount: Decimal | int | str) -> Decimal:
    """Round to cents, half up (the rule Chinese finance uses)."""
    if isinstance(amount, float):
        raise TypeError("money is never a float")
    try:
        return Decimal(amount).quantize(CENT, rounding=ROUND_HALF_UP)
    except InvalidOperation as exc:
        raise ValueError(f"not an amount: {amount!r}") from exc


def format_cny(amount: Decimal) -> str:
    """¥1,234.50 — with a minus sign before the symbol for negative amounts."""
    value = quantize(amount)
    sign = "-" if value < 0 else ""
    return f"{sign}¥{abs(value):,.2f}"


_DIGITS = "零壹贰叁肆伍陆柒捌玖"
_SMALL_UNITS = ("", "拾", "佰", "仟")
_BIG_UNITS = ("", "万", "亿", "万亿")


def _four_digits(n: int) -> str:
    """Capital numerals for 0 < n < 10000, with inner zeros collapsed to one 零."""
    out = []
    digits = f"{n:04d}"
    zero = False
    for i, ch in enumerate(digits):
        d = int(ch)
        if d == 0:
            zero = bool(out)
            continue
        if zero:
            out.append("零")
            zero = False
        out.append(_DIGITS[d] + _SMALL_UNITS[3 - i])
    return "".join(out)


def to_chinese_capital(amount: Decimal) -> str:
    """Amount in Chinese capital numerals (大写金额): 123.45 -> 壹佰贰拾叁元肆角伍分."""
    value = quantize(amount)
    if value < 0:
        return "负" + to_chinese_capital(-value)
    cents = int(value * 100)
    yuan, jiao, fen = cents // 100, cents // 10 % 10, cents % 10
    if yuan >= 10**16:
        raise ValueError("amount too large")
    parts: list[str] = []
    if yuan:
        groups = []
        n = yuan
        while n:
            groups.append(n % 10000)
            n //= 10000
        need_zero = False
        for idx in range(len(groups) - 1, -1, -1):
            g = groups[idx]
            if g == 0:
                need_zero = bool(parts)
                continue
            if parts and (need_zero or g < 1000):
                parts.append("零")
            need_zero = False
            parts.append(_four_digits(g) + _BIG_UNITS[idx])
        parts.append("元")
    if not jiao and not fen:
        return ("".join(parts) or "零元") + "整"
    if jiao:
        parts.append(_DIGITS[jiao] + "角")
    elif yuan:
        parts.append("零")
    if fen:
        parts.append(_DIGITS[fen] + "分")
    else:
        parts.append("整")
    return "".join(parts)
