"""The counter's pages: each views module lists its own URL patterns (all under /halls/<hall_id>/ or
/device/ for the rating device)."""

from counter.views import (
    bills,
    businesses,
    complaints,
    customers,
    devices,
    display,
    floor,
    home,
    queue,
    site,
    workspace,
)

urlpatterns = [
    *queue.urlpatterns,
    *display.urlpatterns,
    *workspace.urlpatterns,
    *businesses.urlpatterns,
    *customers.urlpatterns,
    *bills.urlpatterns,
    *complaints.urlpatterns,
    *devices.urlpatterns,
    *floor.urlpatterns,
    *home.urlpatterns,
    *site.urlpatterns,
]
