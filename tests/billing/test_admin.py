"""The price list and tenders are configuration, edited in the admin; fee items are withdrawn, not deleted."""

from billing.models import FeeItem


def test_superuser_edits_the_price_list(billing_hall, root_user, client):
    client.force_login(root_user)
    page = client.get("/admin/billing/feeitem/")
    assert page.status_code == 200
    assert "燃气泄漏报警器" in page.content.decode()
    alarm = FeeItem.objects.get(code="alarm", company=billing_hall.company)
    assert client.get(f"/admin/billing/feeitem/{alarm.pk}/change/").status_code == 200
    assert client.get(f"/admin/billing/feeitem/{alarm.pk}/delete/").status_code == 403
    assert client.get("/admin/billing/tender/").status_code == 200
