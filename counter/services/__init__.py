"""Every write of the counter, one module per subject: customers, queue, visits, businesses, complaints,
ratings, site. Views, the API, tasks and other apps call these functions; nothing else writes counter rows."""
