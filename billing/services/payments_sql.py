"""A payment in two round trips to PostgreSQL: what the ORM would do in about twenty statements.

`record_payment` (billing/services/payments.py) takes a payment in three steps: it locks and reads what the
payment needs, checks it in Python, and writes it. On PostgreSQL the first and last steps are set-based:

- `lock_and_read` sends its statements in one pipeline (one round trip): lock the till and hold
  its business day (shared lock), then — each statement with a fresh snapshot, so after the lock — the
  payment already made with this idempotency key, the till's payment count (for the payment's number), the
  rep's receipt book under its row lock, and the fee items, tenders and gas account asked for.
- `write` inserts the payment, its lines and tenders, the receipt, moves the book's counter, and writes each
  of those rows' history (django-simple-history's tables, with the acting user) — one statement of
  data-modifying CTEs. The rows are the very objects the ORM path would save (built by the same code), turned
  into column values by their fields as Django itself does, so the two paths cannot drift apart unnoticed:
  tests/billing/test_payment_writers.py compares what each writes, row by row.

The ORM path (payments.py) is the portable one (SQLite, for `make run` on a bare machine) and the reference.
"""
# The statements are put together from the models' own table and column names, never from input: every
# value goes in as a parameter.
# ruff: noqa: S608

from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from functools import cache

from django.db import DEFAULT_DB_ALIAS, connection, connections, models
from django.utils import timezone

from billing.models import (
    FeeItem,
    HallDay,
    Payment,
    PaymentLine,
    PaymentTender,
    Receipt,
    ReceiptBook,
    Tender,
    Till,
)
from counter.models import GasAccount
from servicecenter import prepared
from servicecenter.models import Hall, User, Window
from servicecenter.prepared import Parameters, Statement


@dataclass
class Held:
    """What a payment needs, read under the till's lock (the same shape from either path)."""

    till: Till  # with .hall (and .window when it has one); payments_taken counts this payment in
    day_state: str
    existing: tuple[int, int] | None  # (payment id, hall id) of the payment this key already made
    book: ReceiptBook | None
    fee_items: dict[int, FeeItem]
    tenders: dict[int, Tender]
    account: GasAccount | None


@cache
def _fields(model) -> list[models.Field]:
    # JSON columns are left out of reads: raw rows skip Django's converters (and no payment reads them).
    return [f for f in model._meta.concrete_fields if not isinstance(f, models.JSONField)]


def _q(name: str) -> str:
    return connection.ops.quote_name(name)


def _columns(model, alias: str = "") -> str:
    prefix = f"{alias}." if alias else ""
    return ", ".join(prefix + _q(f.column) for f in _fields(model))


@cache
def _names(model) -> list[str]:
    return [f.attname for f in _fields(model)]


def _rows(model, rows) -> list:
    names = _names(model)
    return [model.from_db(DEFAULT_DB_ALIAS, names, row) for row in rows]


def _type(model, attname: str) -> str:
    return model._meta.get_field(attname.removesuffix("_id")).cast_db_type(connection)


def _arrays(model, alias: str) -> str:
    """A table's rows as one array per column, in id order (many rows in one row, each value typed)."""
    return ", ".join(f"array_agg({alias}.{_q(f.column)} ORDER BY {alias}.id)" for f in _fields(model))


@cache
def _reads() -> dict[str, tuple[Statement, tuple[str, ...]]]:
    """The statements of the read, each with the keys of its values."""
    till, hall, window, day = (_q(m._meta.db_table) for m in (Till, Hall, Window, HallDay))
    payment, book = _q(Payment._meta.db_table), _q(ReceiptBook._meta.db_table)
    items, tenders, account = (_q(m._meta.db_table) for m in (FeeItem, Tender, GasAccount))
    # The till, locked by counting the payment in (its number: refused payments roll the count back); its
    # hall; its day's row, held (approving or locking the day waits for the payment). For a client's request,
    # whose access to the hall is checked in the same round trip, only the rep's own till in that hall:
    # nothing else is locked before the check.
    lock_sql = (
        f"WITH t AS (UPDATE {till} SET payments_taken = payments_taken + 1 "
        "WHERE id = {till} {own} RETURNING *) "
        f"SELECT {_columns(Till, 't')}, {_columns(Hall, 'h')}, w.number, d.state "
        f"FROM t JOIN {hall} h ON h.id = t.hall_id "
        f"JOIN {day} d ON d.hall_id = t.hall_id AND d.day = t.business_day "
        f"LEFT JOIN {window} w ON w.id = t.window_id FOR SHARE OF d"
    )
    p = Parameters()
    lock = p.statement(lock_sql.format(till=p("till", "bigint"), own=""))
    p = Parameters()
    lock_own = p.statement(
        lock_sql.format(
            till=p("till", "bigint"),
            own=f"AND rep_id = {p('rep', 'bigint')} AND hall_id = {p('hall', 'bigint')}",
        ),
    )
    # Then — a statement of its own, so that it sees what the till's previous payment committed — the payment
    # this key made, if any; the rep's book in use, locked; the account; the fee items and tenders asked for.
    p = Parameters()
    rest = p.statement(
        f"SELECT (SELECT array[id, hall_id] FROM {payment} WHERE rep_id = {p('rep', 'bigint')} "
        f"AND idempotency_key = {p('key', _type(Payment, 'idempotency_key'))}), "
        f"{_columns(ReceiptBook, 'b')}, {_columns(GasAccount, 'a')}, i.*, n.* "
        "FROM (SELECT 1) one "
        f"LEFT JOIN LATERAL (SELECT * FROM {book} WHERE hall_id = (SELECT hall_id FROM {till} "
        f"WHERE id = {p('till', 'bigint')}) AND holder_id = {p('rep', 'bigint')} "
        f"AND status = '{ReceiptBook.Status.ISSUED}' ORDER BY prefix, first_number LIMIT 1 FOR UPDATE) b "
        "ON true "
        f"LEFT JOIN {account} a ON a.id = {p('account', 'bigint')} "
        f"CROSS JOIN LATERAL (SELECT {_arrays(FeeItem, 'x')} FROM {items} x "
        f"WHERE x.id = ANY({p('items', 'bigint[]')})) i "
        f"CROSS JOIN LATERAL (SELECT {_arrays(Tender, 'x')} FROM {tenders} x "
        f"WHERE x.id = ANY({p('tenders', 'bigint[]')})) n",
    )
    return {"lock": lock, "lock_own": lock_own, "rest": rest}


def _columnar(model, arrays) -> dict:
    """Rows given as one array per column (see _arrays) → {id: instance}."""
    if arrays[0] is None:  # no row: array_agg of nothing
        return {}
    return {row.pk: row for row in _rows(model, zip(*arrays, strict=True))}


def lock_and_read(
    *,
    till_id: int,
    rep: User,
    key: str,
    fee_item_ids: list[int],
    tender_ids: list[int],
    account_id: int | None,
    hall_id: int | None = None,
    access: tuple[Statement, list] | None = None,
) -> tuple[Held | None, list[tuple] | None]:
    """One round trip: what the payment needs (None when there is no such till — or, given `hall_id`, no such
    till of the rep's in that hall — or its day has no row yet), and the rows of `access` when given (the
    user's halls and roles, read first: servicecenter.scoping.access_statement)."""
    values = {
        "till": till_id,
        "rep": rep.pk,
        "hall": hall_id,
        "key": key,
        "items": fee_item_ids,
        "tenders": tender_ids,
        "account": account_id,
    }
    reads = _reads()
    lock = reads["lock_own"] if hall_id is not None else reads["lock"]
    calls = [(statement, [values[k] for k in keys]) for statement, keys in (lock, reads["rest"])]
    results = prepared.run(*([access] if access else []), *calls)
    access_rows = results.pop(0) if access else None
    heads, [rest] = results
    if not heads:
        return None, access_rows
    head = heads[0]
    n_till, n_hall = len(_fields(Till)), len(_fields(Hall))
    till = _rows(Till, [head[:n_till]])[0]
    till.hall = _rows(Hall, [head[n_till : n_till + n_hall]])[0]
    window_number, day_state = head[n_till + n_hall :]
    if till.window_id is not None:  # its number (the rest of it is read if asked for)
        till.window = Window.from_db(
            DEFAULT_DB_ALIAS, ["id", "hall_id", "number"], [till.window_id, till.hall_id, window_number]
        )
    existing = rest[0]
    n_book, n_account, n_item = len(_fields(ReceiptBook)), len(_fields(GasAccount)), len(_fields(FeeItem))
    book = rest[1 : 1 + n_book]
    account = rest[1 + n_book : 1 + n_book + n_account]
    items = rest[1 + n_book + n_account : 1 + n_book + n_account + n_item]
    tenders = rest[1 + n_book + n_account + n_item :]
    held = Held(
        till=till,
        day_state=day_state,
        existing=tuple(existing) if existing else None,
        book=_rows(ReceiptBook, [book])[0] if book[0] is not None else None,
        fee_items=_columnar(FeeItem, items),
        tenders=_columnar(Tender, tenders),
        account=_rows(GasAccount, [account])[0] if account[0] is not None else None,
    )
    return held, access_rows


# --- The write ----------------------------------------------------------------------------------------


@cache
def _insert_fields(model, parent: str = "") -> list[models.Field]:
    fields = [f for f in model._meta.concrete_fields if not f.primary_key and f.attname != parent]
    # Values are taken as set on the object: no field may fill itself in on save (auto_now and the like).
    assert not any(getattr(f, "auto_now", False) or getattr(f, "auto_now_add", False) for f in fields)
    return fields


def _history(p: Parameters, model, alias: str, kind: str, where: str = "") -> str:
    """INSERT the history rows (simple-history's table: the row's columns and who, when, what) of `alias`."""
    columns = ", ".join(_q(f.column) for f in model._meta.concrete_fields)
    history = _q(model.history.model._meta.db_table)
    return (
        f"{alias}_h AS (INSERT INTO {history} ({columns}, history_date, history_change_reason, history_type, "
        f"history_user_id) SELECT {columns}, {p('now', 'timestamp with time zone')}, NULL, '{kind}', "
        f"{p('user', 'bigint')} FROM {alias}{' WHERE ' + where if where else ''})"
    )


def _insert(p: Parameters, model, alias: str, rows: int, parent: str = "") -> list[str]:
    """The CTEs inserting `rows` rows of `model` (the parent payment's id first, when `parent` names its
    column) and their history."""
    fields = _insert_fields(model, parent)
    names = ([_q(parent)] if parent else []) + [_q(f.column) for f in fields]
    values = []
    for i in range(rows):
        row = (["(SELECT id FROM pay)"] if parent else []) + [
            p(f"{alias}.{i}.{f.attname}", f.cast_db_type(connection)) for f in fields
        ]
        values.append(f"({', '.join(row)})")
    return [
        f"{alias} AS (INSERT INTO {_q(model._meta.db_table)} ({', '.join(names)}) "
        f"VALUES {', '.join(values)} RETURNING *)",
        _history(p, model, alias, "+"),
    ]


@cache
def _write(lines: int, tenders: int) -> tuple[Statement, tuple[str, ...]]:
    p = Parameters()
    book = _q(ReceiptBook._meta.db_table)
    parts = [
        *_insert(p, Payment, "pay", 1),
        *_insert(p, PaymentLine, "line", lines, parent="payment_id"),
        *_insert(p, PaymentTender, "tend", tenders, parent="payment_id"),
        f"book AS (UPDATE {book} SET next_number = {p('book.next', 'integer')}, "
        f"status = {p('book.status', _type(ReceiptBook, 'status'))} WHERE id = {p('book.id', 'bigint')} "
        "RETURNING *)",
        # The book's history records its changes of state; each number used is a receipt, with its own.
        _history(p, ReceiptBook, "book", "~", where=f"book.status <> '{ReceiptBook.Status.ISSUED}'"),
        *_insert(p, Receipt, "rec", 1, parent="payment_id"),
    ]
    sql = (
        "WITH " + ",\n".join(parts) + "\nSELECT (SELECT id FROM pay), (SELECT id FROM rec), "
        "ARRAY(SELECT id FROM line ORDER BY id), ARRAY(SELECT id FROM tend ORDER BY id)"
    )
    return p.statement(sql)


@cache
def _keys(alias: str, i: int, model, parent: str) -> tuple[str, ...]:
    return tuple(f"{alias}.{i}.{f.attname}" for f in _insert_fields(model, parent))


# Values the database driver takes as they are; anything else goes through its field, as Django saves it.
_AS_IS = frozenset({int, str, bool, Decimal, date, datetime, type(None)})


def _values(alias: str, objs: list, model, parent: str = "") -> dict:
    """The rows' column values as Django would save them (the field's database form)."""
    db = connections[DEFAULT_DB_ALIAS]  # the connection itself, not the proxy looked up per attribute
    fields = _insert_fields(model, parent)
    out = {}
    for i, obj in enumerate(objs):
        row = []
        for f in fields:
            value = getattr(obj, f.attname)
            row.append(value if type(value) in _AS_IS else f.get_db_prep_save(value, db))
        out.update(zip(_keys(alias, i, model, parent), row, strict=True))
    return out


def write(
    *,
    payment: Payment,
    lines: list[PaymentLine],
    tenders: list[PaymentTender],
    book: ReceiptBook,
    receipt: Receipt,
    by: User,
) -> None:
    """Insert it all in one statement; the objects get their ids. Raises IntegrityError as the ORM would
    (a channel reference another payment holds)."""
    values = {
        **_values("pay", [payment], Payment),
        **_values("line", lines, PaymentLine, parent="payment_id"),
        **_values("tend", tenders, PaymentTender, parent="payment_id"),
        **_values("rec", [receipt], Receipt, parent="payment_id"),
        "book.next": book.next_number,
        "book.status": book.status,
        "book.id": book.pk,
        "now": timezone.now(),
        "user": by.pk,
    }
    statement, keys = _write(len(lines), len(tenders))
    [[(payment_id, receipt_id, line_ids, tender_ids)]] = prepared.run((statement, [values[k] for k in keys]))
    payment.pk = payment_id
    payment._state.adding = False
    for obj, pk in [*zip(lines, line_ids, strict=True), *zip(tenders, tender_ids, strict=True)]:
        obj.pk, obj.payment_id, obj._state.adding = pk, payment_id, False
    receipt.pk, receipt.payment_id, receipt._state.adding = receipt_id, payment_id, False
