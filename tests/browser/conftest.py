"""Browser tests use the counter's and billing's fixtures too (a hall with its queues and price list,
accounts with bills, an auditor with receipt books)."""

from tests.billing.conftest import auditor, billing_hall, book_for, close_hall, issuer  # noqa: F401
from tests.counter.conftest import business_type, category, counter_hall, make_account  # noqa: F401
