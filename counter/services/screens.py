"""The hall's unattended screens (call display, ticket kiosk): paired with a token, revoked when lost."""

from django.db import transaction
from django.utils.translation import gettext as _

from counter.errors import CounterError
from counter.models import HallScreen
from counter.services import pairing
from counter.services.common import now
from servicecenter.models import Hall, User


@transaction.atomic
def pair_screen(*, hall: Hall, kind: str, name: str, by: User, at=None) -> tuple[HallScreen, str]:
    """A new screen and its token; the token is shown once and never stored."""
    if kind not in HallScreen.Kind.values:
        raise CounterError(_("Choose the kind of screen."), code="invalid")
    name = (name or "").strip()
    if not name:
        raise CounterError(_("Give the screen a name, e.g. “Lobby display”."), code="invalid")
    raw, token_hash = pairing.new_token()
    screen = HallScreen.objects.create(
        hall=hall,
        kind=kind,
        name=name[:50],
        token_hash=token_hash,
        created_at=now(at),
        created_by=by,
    )
    return screen, raw


@transaction.atomic
def revoke_screen(*, screen: HallScreen, at=None) -> HallScreen:
    screen = HallScreen.objects.select_for_update().get(pk=screen.pk)
    if screen.revoked_at is not None:
        raise CounterError(_("This screen is already revoked."), code="invalid")
    screen.revoked_at = now(at)
    screen.save(update_fields=["revoked_at"])
    return screen


def screen_for_token(raw: str | None, *, at=None) -> HallScreen | None:
    """The active screen with this token, or None."""
    return pairing.find_active(HallScreen.objects.select_related("hall__company"), raw, at=now(at))
