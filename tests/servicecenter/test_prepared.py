"""Prepared statements (servicecenter/prepared.py): values typed by the statement, several statements in one
round trip, and a failing statement raised as Django's error, with the session usable after the rollback."""

from decimal import Decimal

import pytest
from django.db import DataError, connection, transaction

from servicecenter import prepared

pytestmark = pytest.mark.django_db


def _statement(sql: str, *types: str) -> prepared.Statement:
    return prepared.Statement(sql, types)


def test_values_take_the_statements_types_and_statements_run_in_order():
    counter = _statement("SELECT $1 + 1, $2 || '!', $3 * 2", "integer", "varchar", "numeric(12, 2)")
    twice = _statement("SELECT array_length($1, 1)", "bigint[]")
    with transaction.atomic():
        [[row], [(length,)]] = prepared.run((counter, [41, "收讫", "1.25"]), (twice, [[1, 2, 3]]))
    assert row == (42, "收讫!", Decimal("2.50"))
    assert length == 3
    # Django's own statements are not prepared: preparing is on only while these run.
    assert connection.connection.prepare_threshold is None


def test_a_failing_statement_in_a_pipeline_raises_djangos_error_and_the_session_goes_on():
    fine = _statement("SELECT $1", "integer")
    failing = _statement("SELECT 1 / $1", "integer")
    with pytest.raises(DataError), transaction.atomic():
        prepared.run((fine, [1]), (failing, [0]))
    with transaction.atomic():
        assert prepared.run((fine, [7]), (failing, [1])) == [[(7,)], [(1,)]]
    assert connection.connection.prepare_threshold is None
