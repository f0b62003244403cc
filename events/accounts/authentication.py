"""API token authentication: knox's digest lookup, plus idle expiry, revocation, a clear
answer for the retired token format, and the access log for tokens that no longer work.

Knox's own check deletes an expired token when it is next presented; here tokens are kept
(revoked or expired, with their dates) so the account page and the access log can name them.
"""

import binascii
import re
from hmac import compare_digest

from django.utils import timezone
from knox.auth import TokenAuthentication
from knox.crypto import hash_token
from knox.settings import CONSTANTS
from rest_framework import exceptions

from events.accounts.models import ApiToken, TokenState
from events.accounts.policy import requires_second_factor
from events.accounts.services import api_token_refused, api_token_touch

ASK_AGAIN = "request a new token at /api/v1/auth/token/"
RETIRED_FORMAT = f"This token type is no longer accepted; {ASK_AGAIN}."
REFUSALS = {
    TokenState.REVOKED: f"This token was revoked; {ASK_AGAIN}.",
    TokenState.EXPIRED: f"This token has expired; {ASK_AGAIN}.",
    TokenState.IDLE_EXPIRED: f"This token expired after going unused; {ASK_AGAIN}.",
}
NEEDS_SECOND_FACTOR = (
    "This token was issued without a second factor, which this account now needs; "
    f"{ASK_AGAIN} with a code from your authenticator app."
)
INVALID = "Invalid token."
# Tokens of the retired table (Django REST framework's authtoken): 40 hexadecimal digits.
# Knox tokens have 64, so the two cannot be confused.
_RETIRED_TOKEN = re.compile(r"[0-9a-f]{40}")


class ApiTokenAuthentication(TokenAuthentication):
    """`Authorization: Token <token>`; a missing header falls through to the next class,
    and `authenticate_header` (knox's: `Token`) gives anonymous clients their 401."""

    def authenticate_credentials(self, token: bytes):
        try:
            text = token.decode("ascii")
        except UnicodeDecodeError:
            raise exceptions.AuthenticationFailed(INVALID) from None
        if _RETIRED_TOKEN.fullmatch(text):
            raise exceptions.AuthenticationFailed(RETIRED_FORMAT)
        try:
            digest = hash_token(text)
        except (TypeError, binascii.Error):
            raise exceptions.AuthenticationFailed(INVALID) from None
        candidates = ApiToken.objects.filter(
            token_key=text[: CONSTANTS.TOKEN_KEY_LENGTH]
        ).select_related("user")
        for candidate in candidates:
            if compare_digest(digest, candidate.digest):
                return self._accept(candidate)
        raise exceptions.AuthenticationFailed(INVALID)

    def _accept(self, token: ApiToken):
        state = token.state(timezone.now())
        if state != TokenState.ACTIVE:
            api_token_refused(token=token, reason=state.value, request=self._request)
            raise exceptions.AuthenticationFailed(REFUSALS[state], code=state.value)
        user, token = self.validate_user(token)
        if not token.second_factor and requires_second_factor(user):
            api_token_refused(token=token, reason="second_factor_required", request=self._request)
            raise exceptions.AuthenticationFailed(NEEDS_SECOND_FACTOR)
        api_token_touch(token=token)
        return user, token

    def authenticate(self, request):
        # Kept for the access-log entry of a refused token (its address and request id).
        self._request = request
        return super().authenticate(request)
