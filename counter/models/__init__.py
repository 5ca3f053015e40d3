"""The counter's tables, one module per subject; everything is importable from `counter.models`."""

from counter.models.business import (
    BILLING_WORKFLOWS,
    CLOSED_ACCOUNT_WORKFLOWS,
    Business,
    BusinessEvent,
    BusinessType,
    RequiredDocument,
    Visit,
    Workflow,
)
from counter.models.complaints import Complaint, ComplaintEvent
from counter.models.customers import Bill, BillImport, Customer, GasAccount
from counter.models.queue import Call, CounterSettings, HallScreen, Ticket, TicketCategory, WindowPost
from counter.models.ratings import Rating, RatingDevice
from counter.models.sequence import Sequence
from counter.models.site import (
    ChecklistAnswer,
    ChecklistItem,
    ChecklistRun,
    Incident,
    IncidentKind,
    IncidentStep,
    IncidentStepTemplate,
)

__all__ = [
    "BILLING_WORKFLOWS",
    "CLOSED_ACCOUNT_WORKFLOWS",
    "Bill",
    "BillImport",
    "Business",
    "BusinessEvent",
    "BusinessType",
    "Call",
    "ChecklistAnswer",
    "ChecklistItem",
    "ChecklistRun",
    "Complaint",
    "ComplaintEvent",
    "CounterSettings",
    "Customer",
    "GasAccount",
    "HallScreen",
    "Incident",
    "IncidentKind",
    "IncidentStep",
    "IncidentStepTemplate",
    "Rating",
    "RatingDevice",
    "RequiredDocument",
    "Sequence",
    "Ticket",
    "TicketCategory",
    "Visit",
    "WindowPost",
    "Workflow",
]
