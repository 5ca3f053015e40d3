"""Billing's tables, one module per subject; everything is importable from `billing.models`."""

from billing.models.catalog import FeeItem, Tender
from billing.models.company import CompanyReport
from billing.models.days import DailyReport, Deposit, HallDay, Reversal
from billing.models.ledger import Discrepancy, LedgerImport, LedgerLine
from billing.models.payments import Payment, PaymentLine, PaymentTender
from billing.models.receipts import Receipt, ReceiptBook, ReceiptReprint
from billing.models.statements import Statement
from billing.models.tills import Till, TillTender

__all__ = [
    "CompanyReport",
    "DailyReport",
    "Deposit",
    "Discrepancy",
    "FeeItem",
    "HallDay",
    "LedgerImport",
    "LedgerLine",
    "Payment",
    "PaymentLine",
    "PaymentTender",
    "Receipt",
    "ReceiptBook",
    "ReceiptReprint",
    "Reversal",
    "Statement",
    "Tender",
    "Till",
    "TillTender",
]
