"""Browser tests use the counter's fixtures too (a hall with its queues, accounts with bills)."""

from tests.counter.conftest import business_type, category, counter_hall, make_account  # noqa: F401
