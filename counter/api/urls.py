"""The counter's API endpoints, mounted under /api/v1/ by the project's URL map."""

from counter.api import complaints, customers, queue, ratings, site, visits

urlpatterns = [
    *queue.urlpatterns,
    *visits.urlpatterns,
    *customers.urlpatterns,
    *complaints.urlpatterns,
    *ratings.urlpatterns,
    *site.urlpatterns,
]
