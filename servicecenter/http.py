"""Small HTTP helpers shared by the apps' views."""

from django.conf import settings


def set_private_cookie(response, name: str, value: str, *, max_age: int) -> None:
    """A cookie only the server reads: HttpOnly, SameSite=Lax, Secure in production."""
    response.set_cookie(
        name, value, max_age=max_age, httponly=True, samesite="Lax", secure=settings.SESSION_COOKIE_SECURE
    )
