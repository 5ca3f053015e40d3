"""`make run`'s demo data includes the counter: business types, each hall's queues, accounts with bills,
and a few tickets waiting — and seeding twice adds nothing."""

from django.core.management import call_command

from counter.models import Bill, BusinessType, ChecklistItem, GasAccount, Ticket, TicketCategory
from servicecenter.models import Hall


def test_demo_data_has_a_working_counter_and_is_idempotent(db):
    call_command("seed_demo", verbosity=0)
    counts = (
        BusinessType.objects.count(),
        TicketCategory.objects.count(),
        ChecklistItem.objects.count(),
        GasAccount.objects.count(),
        Bill.objects.count(),
        Ticket.objects.count(),
    )
    assert counts[0] == 10
    assert set(TicketCategory.objects.filter(hall__code="east").values_list("prefix", flat=True)) == {
        "A",
        "B",
        "C",
    }
    assert counts[3] >= 300 and Bill.objects.filter(status=Bill.Status.UNPAID).exists()
    assert (
        Ticket.objects.filter(hall=Hall.objects.get(code="east"), status=Ticket.Status.WAITING).count() == 5
    )
    call_command("seed_demo", verbosity=0)
    assert counts == (
        BusinessType.objects.count(),
        TicketCategory.objects.count(),
        ChecklistItem.objects.count(),
        GasAccount.objects.count(),
        Bill.objects.count(),
        Ticket.objects.count(),
    )
