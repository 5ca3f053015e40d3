"""What the customer-facing device at a window shows of a payment (唱收唱付): the amount due, the cash handed
over and the change, in large figures, live while the rep types and for a while after the payment.

The rep's payment page writes here (billing) and the device's screen reads here (counter), so neither app
knows the other. The figures live in the cache: they are a display, not a record — the payment is the record.
"""

from decimal import Decimal

from django.core.cache import cache

# How long the figures stay on the device: while the rep is entering a payment, and after it is taken.
ENTERING_SECONDS = 10 * 60
PAID_SECONDS = 90


def _key(window_id: int) -> str:
    return f"window-amounts:{window_id}"


def show_amounts(
    window_id: int,
    *,
    due: Decimal,
    tendered: Decimal | None = None,
    change: Decimal | None = None,
    paid: bool = False,
) -> None:
    figures = {
        "due": f"{due:.2f}",
        "tendered": None if tendered is None else f"{tendered:.2f}",
        "change": None if change is None else f"{change:.2f}",
        "paid": paid,
    }
    cache.set(_key(window_id), figures, PAID_SECONDS if paid else ENTERING_SECONDS)


def shown_amounts(window_id: int) -> dict | None:
    """The figures for the window's device, as Decimals, or None when there is no payment to show."""
    figures = cache.get(_key(window_id))
    if not figures:
        return None
    return {
        "due": Decimal(figures["due"]),
        "tendered": None if figures["tendered"] is None else Decimal(figures["tendered"]),
        "change": None if figures["change"] is None else Decimal(figures["change"]),
        "paid": figures["paid"],
    }


def clear_amounts(window_id: int) -> None:
    cache.delete(_key(window_id))
