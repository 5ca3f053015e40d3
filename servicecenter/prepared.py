"""Statements prepared once per database session and then executed with their parameters (PostgreSQL).

For the few hot paths where planning a statement and parsing its values cost more than running it (taking a
payment: a dozen inserts into tables and their history, several times a second per hall; the user's halls,
on every request). They use the extended protocol: each statement is parsed and planned once per session
(psycopg's own cache of prepared statements, which knows when the session lost them), and its values travel
apart from the SQL, binary where psycopg can, so neither side quotes or parses them as text. Several
statements go in one pipeline: one round trip, each statement run after the one before it with its own
snapshot (so a statement after a row lock sees what the lock waited for).

They go through Django's cursor wrapper like any other statement — logged, counted by the tests, errors
translated. Django's own statements are not prepared (its default: prepare_threshold unset); psycopg is told
to prepare only while these run.
"""

import re
from collections.abc import Sequence
from dataclasses import dataclass, field

import psycopg
from django.db import connection

_PLACEHOLDER = re.compile(r"\$(\d+)\b")


@dataclass(frozen=True)
class Statement:
    """A statement with $1…$n parameters of the given SQL types."""

    sql: str
    types: tuple[str, ...]
    typed_sql: str = field(init=False)

    def __post_init__(self):
        # Each value cast where it is used: its type is the statement's, not whatever Python type it came as.
        # The type without its length or precision (varchar, numeric): the column's own check applies, as it
        # does to the ORM's values, instead of a cast's silent truncation.
        bare = [re.sub(r"\(.*?\)", "", t) for t in self.types]
        typed = _PLACEHOLDER.sub(lambda m: f"{m.group(0)}::{bare[int(m.group(1)) - 1]}", self.sql)
        object.__setattr__(self, "typed_sql", typed)


class Parameters:
    """Hands out $k placeholders while a statement is put together; the same key gets the same $k."""

    def __init__(self):
        self.keys: list[str] = []
        self.types: list[str] = []

    def __call__(self, key: str, sql_type: str) -> str:
        if key not in self.keys:
            self.keys.append(key)
            self.types.append(sql_type)
        return f"${self.keys.index(key) + 1}"

    def statement(self, sql: str) -> tuple[Statement, tuple[str, ...]]:
        """The statement, and the keys its values are given in (in $ order)."""
        return Statement(sql, tuple(self.types)), tuple(self.keys)


class _Cursor(psycopg.RawCursor):
    """psycopg's cursor for $n placeholders, server-side binding; it keeps the statement as the last query
    whether or not it was prepared (psycopg keeps it only for a statement it did not prepare), where Django's
    wrapper reads it to log the statement (connection.queries, the tests' query counts)."""

    def _convert_query(self, query, params=None):
        self._query = super()._convert_query(query, params)
        return self._query


def run(*calls: tuple[Statement, Sequence]) -> list[list[tuple]]:
    """Execute the statements, in this order, in one round trip; the rows of each, in order."""
    connection.ensure_connection()
    conn = connection.connection
    cursors = [connection._prepare_cursor(_Cursor(conn)) for _ in calls]
    conn.prepare_threshold = 0  # prepare these statements on their first run in the session
    try:
        with connection.wrap_database_errors:  # a pipeline raises when it syncs, outside execute()
            if len(calls) == 1:
                cursors[0].execute(calls[0][0].typed_sql, calls[0][1])
            else:
                with conn.pipeline():  # a BEGIN the transaction still owes goes in the same round trip
                    for cursor, (statement, values) in zip(cursors, calls, strict=True):
                        cursor.execute(statement.typed_sql, values)
            return [cursor.fetchall() for cursor in cursors]
    finally:
        conn.prepare_threshold = None
        for cursor in cursors:
            cursor.close()
