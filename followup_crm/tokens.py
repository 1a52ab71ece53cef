"""API tokens: how a key is made, hashed and checked (see `models.ApiToken`, README "Security").

A key is 40 random characters, shown once; the database keeps its SHA-256. A key is a random
secret, not a password, so one fast hash is enough: nothing short enough to guess goes in.
"""

import datetime as dt
import hashlib
import secrets

from django.contrib.auth.models import User
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from rest_framework import authentication, exceptions

from .models import ApiToken

# The last-used time is written at most this often, so that a busy integration costs one write a
# minute, not one a request.
LAST_USED_RESOLUTION = dt.timedelta(minutes=1)


def key_new() -> str:
    return secrets.token_urlsafe(30)


def key_digest(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


def password_digest(user: User) -> str:
    """Which password a token was made under: a hash of the (salted) password hash, so that a
    password set anywhere (the page, the admin, `changepassword`) ends the token."""
    return hashlib.sha256(user.password.encode()).hexdigest()


class ApiTokenAuthentication(authentication.TokenAuthentication):
    """`Authorization: Token <key>` against the hashed, expiring `ApiToken` rows."""

    model = ApiToken

    def authenticate_credentials(self, key: str) -> tuple[User, ApiToken]:
        token = ApiToken.objects.select_related("user").filter(digest=key_digest(key)).first()
        if token is None or token.password_digest != password_digest(token.user):
            raise exceptions.AuthenticationFailed(_("Invalid token."))
        now = timezone.now()
        if token.expires_at <= now:
            raise exceptions.AuthenticationFailed(
                _("The token has expired: get a new one (POST /api/v1/auth/token/).")
            )
        if not token.user.is_active:
            raise exceptions.AuthenticationFailed(_("User inactive or deleted."))
        if token.last_used_at is None or now - token.last_used_at >= LAST_USED_RESOLUTION:
            ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
            token.last_used_at = now
        return token.user, token
