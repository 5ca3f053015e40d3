"""Statements prepared once per database session and then executed by name (PostgreSQL).

For the few hot paths where planning a statement costs more than running it (taking a payment: a dozen
inserts into tables and their history, several times a second per hall). The statements go through Django's
cursor like any other — logged, counted by the tests, errors wrapped — as `PREPARE` (the first time in a
session) and `EXECUTE`, several in one message: one round trip, each statement run after the one before it
with its own snapshot (so a statement after a row lock sees what the lock waited for).

PREPARE is not transactional (a prepared statement outlives a rollback), so the names a session holds are
kept beside the connection, reset when Django opens a new one, and read back from pg_prepared_statements
after a database error (when it is not known whether the PREPARE ran).
"""

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass, field

from django.db import DatabaseError, connection
from psycopg import pq

_KNOWN = "servicecenter_prepared"


@dataclass(frozen=True)
class Statement:
    """A statement with $1…$n parameters of the given SQL types."""

    base: str
    sql: str
    types: tuple[str, ...]
    name: str = field(init=False)

    def __post_init__(self):
        digest = hashlib.sha1(f"{self.types}{self.sql}".encode(), usedforsecurity=False).hexdigest()[:10]
        object.__setattr__(self, "name", f"{self.base}_{digest}")

    def prepare_sql(self) -> str:
        return f"PREPARE {self.name} ({', '.join(self.types)}) AS {self.sql}"

    def execute_sql(self) -> str:
        return (
            f"EXECUTE {self.name}({', '.join(['%s'] * len(self.types))})"
            if self.types
            else f"EXECUTE {self.name}"
        )


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

    def statement(self, base: str, sql: str) -> tuple[Statement, tuple[str, ...]]:
        """The statement, and the keys its values are given in (in $ order)."""
        return Statement(base, sql, tuple(self.types)), tuple(self.keys)


def new_session(sender, connection, **kwargs) -> None:
    """connection_created: a new session holds no prepared statement (connected in signals.py)."""
    setattr(connection, _KNOWN, set())


def _known(cursor) -> set[str]:
    known = getattr(connection, _KNOWN, None)
    if known is None:
        cursor.execute("SELECT name FROM pg_prepared_statements")
        known = {row[0] for row in cursor.fetchall()}
        setattr(connection, _KNOWN, known)
    return known


def run(*calls: tuple[Statement, Sequence]) -> list[list[tuple]]:
    """Execute the statements, in this order, in one round trip; the rows of each, in order."""
    params = [value for _, values in calls for value in values]
    try:
        # The cursor first: opening it may reconnect (a failed health check), and a new session holds none.
        with connection.cursor() as cursor:
            known = _known(cursor)
            missing = list({st.name: st for st, _ in calls if st.name not in known}.values())
            sql = ";\n".join([st.prepare_sql() for st in missing] + [st.execute_sql() for st, _ in calls])
            cursor.execute(sql, params)
            known.update(st.name for st in missing)
            results = []
            while True:
                # An EXECUTE's rows (a PREPARE returns none); the status, not the description: that is
                # built anew, column by column, each time it is read.
                if cursor.pgresult.status == pq.ExecStatus.TUPLES_OK:
                    results.append(cursor.fetchall())
                if not cursor.nextset():
                    break
    except DatabaseError:
        setattr(connection, _KNOWN, None)  # whether the PREPAREs ran is unknown: read them back next time
        raise
    return results
