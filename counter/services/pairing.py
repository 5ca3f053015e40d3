"""What the hall's unattended screens and the windows' rating devices share: a token that signs them in
instead of a staff login. Only the token's SHA-256 is stored; the token is shown once, when pairing."""

import hashlib
import secrets
from datetime import datetime, timedelta

from django.db.models import QuerySet

# The longest browsers keep a cookie; the screens renew it on every visit.
COOKIE_AGE = 400 * 24 * 3600
# last_seen_at is written at most this often (screens poll every few seconds).
SEEN_EVERY = timedelta(minutes=1)
MAX_TOKEN_LENGTH = 200


def hash_token(raw: str) -> str:
    return hashlib.sha256(raw.encode()).hexdigest()


def new_token() -> tuple[str, str]:
    """A fresh token and the hash to store."""
    raw = secrets.token_urlsafe(32)
    return raw, hash_token(raw)


def find_active(queryset: QuerySet, raw: str | None, *, at: datetime):
    """The active (not revoked, in an active hall) row of `queryset` holding this token, or None.
    Notes when it was last seen, without a history row for a heartbeat."""
    if not raw or not isinstance(raw, str) or len(raw) > MAX_TOKEN_LENGTH:
        return None
    found = queryset.filter(token_hash=hash_token(raw), revoked_at__isnull=True, hall__is_active=True).first()
    if found is not None and (found.last_seen_at is None or at - found.last_seen_at >= SEEN_EVERY):
        queryset.model.objects.filter(pk=found.pk).update(last_seen_at=at)
        found.last_seen_at = at
    return found
