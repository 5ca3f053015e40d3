"""The counter's demo data for `make run`: business types, each hall's queues, checklists and incident steps,
a few hundred customers with accounts and bills, and some tickets waiting today. Idempotent."""

from collections.abc import Iterator

from django.db import transaction
from django.utils import timezone

from counter.defaults import install_business_types, install_hall_defaults
from counter.demo_accounts import seed_accounts
from counter.models import Ticket, TicketCategory
from counter.services import queue as queue_services
from servicecenter.clock import business_day
from servicecenter.models import Company, User


def seed(*, company: Company, by: User) -> Iterator[str]:
    with transaction.atomic():
        yield from _seed(company=company, by=by)


def _seed(*, company: Company, by: User) -> Iterator[str]:
    created = install_business_types()
    yield f"Counter: {created} business types added."
    now = timezone.now()
    for hall in company.halls.filter(is_active=True):
        install_hall_defaults(hall)
        if not Ticket.objects.filter(hall=hall, business_day=business_day(hall, now)).exists():
            for prefix, priority in [("A", False), ("A", False), ("B", False), ("A", True), ("C", False)]:
                category = TicketCategory.objects.get(hall=hall, prefix=prefix)
                queue_services.issue_ticket(hall=hall, category=category, priority=priority, by=by, at=now)
            yield f"Counter: 5 tickets waiting in {hall.name}."
    accounts = seed_accounts(company=company)
    yield f"Counter: {accounts} demo accounts added."
