"""API tokens: knox's hashed token, named per device, with idle and absolute expiry.

Only the SHA-512 digest of a token is stored (knox); the token itself is shown once, when it is
issued. Tokens are credentials, not clinical records: they are not in the history ledger, and
their issue, use after expiry and revocation are in the access log instead. A revoked or
expired token is kept (with its dates) so the account page and the access log can name it.
"""

from datetime import datetime

from django.conf import settings
from django.db import models
from knox.models import AbstractAuthToken
from knox.settings import CONSTANTS


class TokenState(models.TextChoices):
    ACTIVE = "active", "Active"
    IDLE_EXPIRED = "expired_idle", "Expired (unused too long)"
    EXPIRED = "expired", "Expired"
    REVOKED = "revoked", "Revoked"


class ApiToken(AbstractAuthToken):
    # A plain id to name a token by (in URLs and the access log) instead of its digest.
    id = models.BigAutoField(primary_key=True)
    digest = models.CharField(max_length=CONSTANTS.DIGEST_LENGTH, unique=True)
    name = models.CharField(max_length=100, help_text="The device or integration it is for.")
    last_used_at = models.DateTimeField()
    revoked_at = models.DateTimeField(null=True, blank=True)
    # Issued with a TOTP or recovery code: a token issued without one stops working if the
    # account comes to need a second factor (a nurse made director, REQUIRE_2FA turned on).
    second_factor = models.BooleanField(default=False)

    class Meta:
        ordering = ["-created", "-id"]
        indexes = [models.Index(fields=["user", "revoked_at"])]

    def __str__(self) -> str:
        return f"{self.name} ({self.user})"

    @property
    def idle_expiry(self) -> datetime:
        return self.last_used_at + settings.API_TOKEN_IDLE_TIMEOUT

    @property
    def expires_at(self) -> datetime:
        """When the token stops working if it is not used again (the earlier limit)."""
        return min(self.expiry, self.idle_expiry)

    def state(self, now: datetime) -> TokenState:
        if self.revoked_at is not None:
            return TokenState.REVOKED
        if now >= self.expiry:
            return TokenState.EXPIRED
        if now >= self.idle_expiry:
            return TokenState.IDLE_EXPIRED
        return TokenState.ACTIVE
