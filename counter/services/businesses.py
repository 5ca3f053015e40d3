"""Businesses accepted at the counter and their workflows (spec §3.2): documents checked, the type's fields
validated, the account's state respected; completion applies the outcome (holder changed, account closed,
account opened, details updated) in the same transaction."""

from datetime import date, datetime, timedelta
from decimal import Decimal, InvalidOperation

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.dateparse import parse_date
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from counter.errors import CounterError
from counter.models import (
    BILLING_WORKFLOWS,
    CLOSED_ACCOUNT_WORKFLOWS,
    Business,
    BusinessEvent,
    BusinessType,
    GasAccount,
    Sequence,
    Visit,
    Workflow,
)
from counter.selectors.businesses import PERSONAL_TYPES
from counter.services import customers
from counter.services.common import now
from counter.validators import normalize_id_number, normalize_phone, validate_id_number, validate_phone
from servicecenter.clock import business_day
from servicecenter.models import User

# Fields each workflow needs whatever the configuration says (the configuration labels them and may add more).
WORKFLOW_REQUIRED = {
    Workflow.TRANSFER: ["new_holder_name", "new_holder_id_number"],
    Workflow.NEW_CONNECTION: ["applicant_name", "address"],
    Workflow.REPAIR: ["fault"],
    Workflow.CONSULTATION: ["topic", "question"],
    Workflow.SUGGESTION: ["content"],
}
# A consultation answered on the spot is done; one without an answer owes a reply by its date. A suggestion
# always owes the proposer a reply (spec §3.4), given when it is completed.
DONE_ON_THE_SPOT = {Workflow.CONSULTATION}
REPAIR_NEEDS_WORK_ORDER = gettext_lazy("Pass the repair to field service with its work order number first.")
NEEDS_OUTCOME = {
    Workflow.SUGGESTION: gettext_lazy("Write the reply given to the proposer."),
    Workflow.CONSULTATION: gettext_lazy("Write the answer given to the customer."),
}


def _clean_value(spec: dict, raw) -> str:
    value = "" if raw is None else str(raw).strip()
    if not value:
        return ""
    kind = spec.get("type", "line")
    label = spec.get("label") or spec["name"]
    try:
        if kind == "phone":
            value = normalize_phone(value)
            validate_phone(value)
        elif kind == "id_number":
            value = normalize_id_number(value)
            validate_id_number(value)
        elif kind == "date":
            try:
                parsed = parse_date(value)
            except ValueError:  # well formed but no such day, e.g. 2026-02-30
                parsed = None
            if parsed is None:
                raise ValidationError(_("Enter a date as YYYY-MM-DD."))
            value = parsed.isoformat()
        elif kind == "reading":
            number = Decimal(value)
            if not number.is_finite() or number < 0 or number >= Decimal("1e9"):
                raise InvalidOperation
            value = str(number)
        else:
            value = value[:2000] if kind == "text" else value[:200]
    except (InvalidOperation, ValueError):
        raise CounterError(
            _("%(field)s: enter a meter reading (a number, 0 or more).") % {"field": label}
        ) from None
    except ValidationError as exc:
        raise CounterError(f"{label}: {' '.join(exc.messages)}") from None
    return value


def clean_business_data(business_type: BusinessType, data: dict) -> dict:
    """The type's fields from `data`, validated; unknown keys are dropped."""
    specs = {spec["name"]: spec for spec in business_type.fields}
    for name in WORKFLOW_REQUIRED.get(business_type.workflow, []):
        specs.setdefault(name, {"name": name, "label": name, "type": "line", "required": True})
        specs[name] = {**specs[name], "required": True}
    cleaned, missing = {}, []
    for name, spec in specs.items():
        value = _clean_value(spec, data.get(name))
        if value:
            cleaned[name] = value
        elif spec.get("required"):
            missing.append(str(spec.get("label", name)))
    if missing:
        raise CounterError(_("Fill in: %(fields)s.") % {"fields": "、".join(missing)}, code="invalid")
    if business_type.workflow == Workflow.DETAILS_CHANGE and not (
        {"new_name", "new_phone", "new_address"} & cleaned.keys()
    ):
        raise CounterError(_("Enter at least one new detail: name, phone or address."), code="invalid")
    return cleaned


def _business_number(hall, at: datetime) -> str:
    """The next number of the hall's business day: YW + hall + date + a gapless counter."""
    day = business_day(hall, at)
    return f"YW{hall.pk:03d}{day:%Y%m%d}{Sequence.next(hall=hall, day=day, name='business'):04d}"


def _event(business: Business, kind: str, by: User, at: datetime, note: str = "") -> None:
    BusinessEvent.objects.create(business=business, kind=kind, at=at, by=by, note=note)


def _due(business_type: BusinessType, day: date) -> date | None:
    return day + timedelta(days=business_type.reply_days) if business_type.reply_days else None


@transaction.atomic
def record_business(
    *,
    visit: Visit,
    business_type: BusinessType,
    by: User,
    data: dict | None = None,
    documents_seen=(),
    missing_note: str = "",
    complete: bool = False,
    outcome: str = "",
    at: datetime | None = None,
) -> Business:
    """Accept a business in an open visit. Missing documents make it "incomplete" (the customer is told
    what to bring); `complete` finishes it on the spot when the documents are all there."""
    at = now(at)
    visit = Visit.objects.select_for_update(of=("self",)).select_related("account", "hall").get(pk=visit.pk)
    hall = visit.hall
    if not visit.is_open:
        raise CounterError(_("This visit has ended."), code="invalid")
    if visit.rep_id != by.pk:
        raise CounterError(_("This customer is being served by a colleague."), code="forbidden")
    if not business_type.is_active:
        raise CounterError(_("This business type is no longer offered."), code="invalid")
    workflow = business_type.workflow
    if workflow in BILLING_WORKFLOWS:
        raise CounterError(_("Payments and sales are taken on the payment screen."), code="invalid")
    if workflow == Workflow.COMPLAINT:
        raise CounterError(_("Record a complaint on the complaint form."), code="invalid")
    account = visit.account
    if business_type.needs_account and account is None:
        raise CounterError(_("Look up the customer's account first."), code="invalid")
    if account is not None:
        _refuse_closed_account(account, workflow)
    cleaned = clean_business_data(business_type, data or {})
    wanted_docs = list(business_type.documents.all())
    seen_ids = _seen_document_ids(documents_seen, {d.pk for d in wanted_docs})
    missing = [d for d in wanted_docs if d.pk not in seen_ids]
    if workflow == Workflow.CLOSURE:
        customers.ensure_no_unpaid_bills(account)
    if missing:
        status = Business.Status.INCOMPLETE
        missing_note = f"{_told_to_bring(d.name for d in missing)} {missing_note.strip()}".strip()
    else:
        status = Business.Status.ACCEPTED
        missing_note = ""
    day = business_day(hall, at)
    business = Business(
        hall=hall,
        number=_business_number(hall, at),
        visit=visit,
        business_type=business_type,
        account=account,
        customer_id=visit.customer_id,
        status=status,
        data=cleaned,
        missing_documents=missing_note,
        reply_due=date.fromisoformat(cleaned["reply_by"])
        if cleaned.get("reply_by")
        else _due(business_type, day),
        accepted_at=at,
        accepted_by=by,
    )
    on_the_spot = workflow in DONE_ON_THE_SPOT and not (
        workflow == Workflow.CONSULTATION and not cleaned.get("answer")
    )
    if (complete or on_the_spot) and not missing:
        business.reply_due = None  # done on the spot: no reply is owed
    if complete and workflow == Workflow.REPAIR:
        raise CounterError(REPAIR_NEEDS_WORK_ORDER, code="invalid")
    if complete and workflow in NEEDS_OUTCOME and not (outcome.strip() or cleaned.get("answer")):
        raise CounterError(NEEDS_OUTCOME[workflow], code="invalid")
    if complete and missing:
        raise _documents_incomplete(missing_note)
    with transaction.atomic(savepoint=False):
        business.save()
        if seen_ids:
            business.documents_seen.set(seen_ids)
        _event(
            business,
            BusinessEvent.Kind.ACCEPTED,
            by,
            at,
            _documents_note(wanted_docs, seen_ids, missing_note),
        )
        if (complete or on_the_spot) and not missing:
            _complete(business, by=by, at=at, outcome=outcome or cleaned.get("answer", ""))
    return business


def _documents_note(documents, seen_ids, note: str = "") -> str:
    """Which documents were seen, for the business's timeline (its history keeps no many-to-many)."""
    if not documents:
        return note
    seen = "、".join(d.name for d in documents if d.pk in seen_ids) or "—"
    return f"{_('Documents seen')}: {seen}. {note}".strip()


def _refuse_closed_account(account: GasAccount, workflow: str) -> None:
    """A closed account takes no business but enquiries."""
    if account.is_closed and workflow not in CLOSED_ACCOUNT_WORKFLOWS:
        raise CounterError(
            _("Account %(number)s is closed: it takes only enquiries.") % {"number": account.number},
            code="closed",
        )


def _open_account_of(business: Business) -> None:
    """The same, for a business accepted before its account closed (the account row locked)."""
    if business.account_id is not None:
        account = GasAccount.objects.select_for_update().get(pk=business.account_id)
        _refuse_closed_account(account, business.business_type.workflow)


def _seen_document_ids(documents_seen, wanted_ids) -> set[int]:
    """The ids of the documents seen (objects or ids), all of them on the type's checklist."""
    seen = {int(d.pk if hasattr(d, "pk") else d) for d in documents_seen}
    if seen - set(wanted_ids):
        raise CounterError(_("These documents are not on this business's checklist."), code="invalid")
    return seen


def _told_to_bring(names) -> str:
    return _("Customer told to bring: %(documents)s.") % {"documents": "、".join(names)}


def _documents_incomplete(told: str) -> CounterError:
    return CounterError(
        _("The documents are incomplete: this business cannot be completed. %(told)s") % {"told": told},
        code="documents_missing",
    )


def _locked(business: Business, *, open_only: bool = False) -> Business:
    """The business, its row locked; with `open_only`, refused once it is completed or rejected."""
    business = (
        Business.objects.select_for_update(of=("self",))
        .select_related("business_type", "account", "hall")
        .get(pk=business.pk)
    )
    if open_only and not business.is_open:
        raise CounterError(_("This business is closed."), code="invalid")
    return business


@transaction.atomic
def supply_documents(*, business: Business, documents_seen, by: User, at=None) -> Business:
    """The customer came back with what was missing: an incomplete business becomes accepted."""
    at = now(at)
    business = _locked(business)
    if business.status != Business.Status.INCOMPLETE:
        raise CounterError(_("This business is not waiting for documents."), code="invalid")
    wanted = {d.pk: d for d in business.business_type.documents.all()}
    seen = _seen_document_ids(documents_seen, wanted.keys()) | set(
        business.documents_seen.values_list("pk", flat=True)
    )
    still = [wanted[pk].name for pk in wanted if pk not in seen]
    with transaction.atomic(savepoint=False):
        business.documents_seen.set(seen)
        if still:
            business.missing_documents = _told_to_bring(still)
            business.save(update_fields=["missing_documents"])
        else:
            business.status = Business.Status.ACCEPTED
            business.missing_documents = ""
            business.save(update_fields=["status", "missing_documents"])
        _event(business, BusinessEvent.Kind.DOCUMENTS, by, at, _documents_note(list(wanted.values()), seen))
    return business


@transaction.atomic
def start_business(*, business: Business, by: User, reference: str = "", note: str = "", at=None) -> Business:
    """Passed on for work (a repair to field service with its work order number)."""
    at = now(at)
    business = _locked(business)
    if business.status != Business.Status.ACCEPTED:
        raise CounterError(_("Only an accepted business can be passed on."), code="invalid")
    reference = reference.strip()
    if business.business_type.workflow == Workflow.REPAIR and not reference:
        raise CounterError(_("Enter the field-service work order number."), code="invalid")
    _open_account_of(business)
    with transaction.atomic(savepoint=False):
        business.status = Business.Status.IN_PROGRESS
        business.reference = reference[:50] or business.reference
        business.save(update_fields=["status", "reference"])
        _event(business, BusinessEvent.Kind.STARTED, by, at, note.strip() or reference)
    return business


@transaction.atomic
def follow_up(*, business: Business, by: User, note: str, at=None) -> Business:
    at = now(at)
    business = _locked(business, open_only=True)
    if not note.strip():
        raise CounterError(_("Write what was done or said."), code="invalid")
    _event(business, BusinessEvent.Kind.FOLLOW_UP, by, at, note.strip())
    return business


def _complete(
    business: Business,
    *,
    by: User,
    at: datetime,
    outcome: str = "",
    account_number: str = "",
    meter_type: str = "",
) -> None:
    """The workflow's effect, then the business completed (inside the caller's transaction)."""
    workflow = business.business_type.workflow
    data = business.data
    company = business.hall.company
    if workflow == Workflow.TRANSFER:
        new_holder = customers.find_or_register_customer(
            company=company,
            name=data["new_holder_name"],
            id_number=data.get("new_holder_id_number", ""),
            phone=data.get("new_holder_phone", ""),
        )
        customers.transfer_account(account=business.account, new_holder=new_holder)
        business.customer = new_holder
    elif workflow == Workflow.CLOSURE:
        customers.close_account(account=business.account, on=business_day(business.hall, at))
    elif workflow == Workflow.DETAILS_CHANGE:
        account = business.account
        if "new_name" in data or "new_phone" in data:
            customers.change_customer_details(
                customer=account.holder, name=data.get("new_name"), phone=data.get("new_phone")
            )
        if "new_address" in data:
            customers.change_account_address(account=account, address=data["new_address"])
    elif workflow == Workflow.NEW_CONNECTION:
        if not account_number.strip():
            raise CounterError(_("Enter the new account number given by the billing system."), code="invalid")
        if meter_type not in GasAccount.MeterType.values:
            raise CounterError(_("Choose the meter type."), code="invalid")
        holder = customers.find_or_register_customer(
            company=company,
            name=data["applicant_name"],
            id_number=data.get("applicant_id_number", ""),
            phone=data.get("applicant_phone", ""),
        )
        account = customers.open_account(
            company=company,
            number=account_number,
            holder=holder,
            address=data["address"],
            meter_type=meter_type,
            opened_on=business_day(business.hall, at),
        )
        business.account = account
        business.customer = holder
        business.reference = business.reference or account.number
    business.status = Business.Status.COMPLETED
    business.outcome = outcome.strip()
    business.closed_at = at
    business.closed_by = by
    business.save()
    _event(business, BusinessEvent.Kind.COMPLETED, by, at, business.outcome)


@transaction.atomic
def complete_business(
    *,
    business: Business,
    by: User,
    outcome: str = "",
    account_number: str = "",
    meter_type: str = "",
    at=None,
) -> Business:
    """Finish a business: refused while documents are missing; the workflow's effect happens now."""
    at = now(at)
    business = _locked(business)
    if business.status == Business.Status.INCOMPLETE:
        raise _documents_incomplete(business.missing_documents)
    if not business.is_open:
        raise CounterError(_("This business is closed."), code="invalid")
    workflow = business.business_type.workflow
    if workflow in NEEDS_OUTCOME and not (outcome.strip() or business.data.get("answer")):
        raise CounterError(NEEDS_OUTCOME[workflow], code="invalid")
    if workflow == Workflow.REPAIR and not business.reference:
        raise CounterError(REPAIR_NEEDS_WORK_ORDER, code="invalid")
    _open_account_of(business)
    _complete(business, by=by, at=at, outcome=outcome, account_number=account_number, meter_type=meter_type)
    return business


@transaction.atomic
def reject_business(*, business: Business, by: User, reason: str, at=None) -> Business:
    at = now(at)
    business = _locked(business, open_only=True)
    if not reason.strip():
        raise CounterError(_("Give the reason for the rejection."), code="invalid")
    with transaction.atomic(savepoint=False):
        business.status = Business.Status.REJECTED
        business.outcome = reason.strip()
        business.closed_at = at
        business.closed_by = by
        business.save(update_fields=["status", "outcome", "closed_at", "closed_by"])
        _event(business, BusinessEvent.Kind.REJECTED, by, at, business.outcome)
    return business


@transaction.atomic
def reveal_business_field(*, business: Business, field: str, hall, by: User) -> str:
    """A personal detail of a business (new holder's ID, contact phone …) in full; the showing is audited."""
    kinds = {spec["name"]: spec.get("type") for spec in business.business_type.fields}
    if kinds.get(field) not in PERSONAL_TYPES or field not in business.data:
        raise CounterError(_("This field cannot be shown."), code="invalid")
    customers.record_unmask(
        by=by, hall=hall, subject=business.number, detail={"business_id": business.pk, "field": field}
    )
    return business.data[field]


def record_settled_business(
    *, visit: Visit, workflow: str, reference: str, by: User, at: datetime
) -> Business | None:
    """A payment or a sale taken at the window (called by billing in its own transaction): recorded in the
    visit as a business completed on the spot, with the payment's number as its reference. Without a
    business type configured for the workflow there is nothing to record."""
    if workflow not in BILLING_WORKFLOWS:
        raise CounterError(_("Not a payment or sale."), code="invalid")
    business_type = (
        BusinessType.objects.filter(workflow=workflow, is_active=True).order_by("sort", "pk").first()
    )
    if business_type is None:
        return None
    hall = visit.hall
    business = Business(
        hall=hall,
        number=_business_number(hall, at),
        visit=visit,
        business_type=business_type,
        account=visit.account,
        customer_id=visit.customer_id,
        status=Business.Status.COMPLETED,
        reference=reference[:50],
        accepted_at=at,
        accepted_by=by,
        closed_at=at,
        closed_by=by,
    )
    business._history_user = by
    business.save()
    _event(business, BusinessEvent.Kind.COMPLETED, by, at, reference)
    return business
