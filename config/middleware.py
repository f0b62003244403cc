"""Site-wide HTTP hardening: the session's idle and absolute limits, and security headers.

Django's own `SecurityMiddleware` sets HSTS, the SSL redirect, `X-Content-Type-Options`,
`Referrer-Policy` and `Cross-Origin-Opener-Policy`; Django 5.2 has no content security
policy, so `SecurityHeadersMiddleware` adds it (and keeps pages with patient data out of
shared caches).
"""

import time
from datetime import UTC, datetime, timedelta

from django.conf import settings
from django.contrib.auth import BACKEND_SESSION_KEY, logout, user_logged_in
from django.contrib.auth.views import redirect_to_login
from django.http import HttpRequest, HttpResponse, JsonResponse

LOGIN_AT_KEY = "login_at"
LAST_SEEN_KEY = "last_seen_at"
# The idle clock is refreshed at most this often, so a busy user does not cost a session
# write on every request; the idle limit is therefore exact to within this many seconds.
IDLE_CLOCK_GRANULARITY = 60

DEFAULT_CONTENT_SECURITY_POLICY = (
    "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; "
    "frame-ancestors 'none'; form-action 'self'; base-uri 'none'"
)
DEFAULT_PERMISSIONS_POLICY = "camera=(), microphone=(), geolocation=(), payment=(), usb=()"


def session_start(request: HttpRequest, now: float | None = None) -> None:
    """Stamp a fresh login: the absolute limit runs from here and is never extended.

    The expiry is stored as a fixed date, so later writes to the session (the idle clock,
    messages) cannot push the cookie's expiry back the way a relative age would.
    """
    now = time.time() if now is None else now
    request.session[LOGIN_AT_KEY] = now
    request.session[LAST_SEEN_KEY] = now
    # The store keeps the session one idle period past the absolute limit, so a user still
    # active then is logged out by the middleware, which tells them why; the middleware
    # enforces the limit itself, to the second.
    lifetime = timedelta(seconds=settings.SESSION_COOKIE_AGE + settings.SESSION_IDLE_TIMEOUT)
    request.session.set_expiry(datetime.fromtimestamp(now, tz=UTC) + lifetime)


def _start_session_clock(sender, request, user, **kwargs) -> None:
    if request is not None and hasattr(request, "session"):
        session_start(request)


def session_limit_exceeded(session, now: float) -> str:
    """'absolute', 'idle' or '' for a logged-in session."""
    login_at = session.get(LOGIN_AT_KEY)
    last_seen = session.get(LAST_SEEN_KEY, login_at)
    if login_at is not None and now - login_at > settings.SESSION_COOKIE_AGE:
        return "absolute"
    if last_seen is not None and now - last_seen > settings.SESSION_IDLE_TIMEOUT:
        return "idle"
    return ""


class SessionLimitsMiddleware:
    """Log a session out after `SESSION_IDLE_TIMEOUT` seconds without a request, or
    `SESSION_COOKIE_AGE` seconds after login, whichever comes first.

    Browsers are sent to the login page; API clients on a session get a 401 in JSON. Token
    clients carry no session and are not affected.
    """

    def __init__(self, get_response):
        self.get_response = get_response
        # The absolute limit runs from the login itself, not from the next request.
        user_logged_in.connect(_start_session_clock, dispatch_uid="session-limits")

    def __call__(self, request: HttpRequest) -> HttpResponse:
        session = getattr(request, "session", None)
        # Only sessions that hold a login are checked: anonymous requests cost nothing.
        if session is not None and session.get(BACKEND_SESSION_KEY):
            now = time.time()
            if LOGIN_AT_KEY not in session:
                session_start(request, now)
            reason = session_limit_exceeded(session, now)
            if reason:
                logout(request)
                return self._expired_response(request, reason)
            if now - session.get(LAST_SEEN_KEY, 0) >= IDLE_CLOCK_GRANULARITY:
                session[LAST_SEEN_KEY] = now
        return self.get_response(request)

    def _expired_response(self, request: HttpRequest, reason: str) -> HttpResponse:
        message = (
            "Your session ended after 15 minutes without activity."
            if reason == "idle"
            else "Your session reached its 12-hour limit."
        )
        if request.path.startswith("/api/"):
            return JsonResponse(
                {"detail": message + " Log in again.", "code": f"session_{reason}"}, status=401
            )
        login_url = redirect_to_login(request.get_full_path())["Location"]
        login_url += f"&expired={reason}" if "?" in login_url else f"?expired={reason}"
        if request.headers.get("HX-Request"):
            # htmx would swap the login page into a fragment; ask it to navigate instead.
            response = HttpResponse(status=204)
            response["HX-Redirect"] = login_url
            return response
        return HttpResponse(status=302, headers={"Location": login_url})


class SecurityHeadersMiddleware:
    """Content-Security-Policy and Permissions-Policy on every response, and `no-store` on
    responses to logged-in users (they may carry patient data)."""

    def __init__(self, get_response):
        self.get_response = get_response
        self.policy = getattr(settings, "CONTENT_SECURITY_POLICY", DEFAULT_CONTENT_SECURITY_POLICY)
        self.overrides = getattr(settings, "CONTENT_SECURITY_POLICY_OVERRIDES", {})
        self.permissions = getattr(settings, "PERMISSIONS_POLICY", DEFAULT_PERMISSIONS_POLICY)

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if "Content-Security-Policy" not in response:
            response["Content-Security-Policy"] = self.overrides.get(request.path, self.policy)
        response.setdefault("Permissions-Policy", self.permissions)
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated and "Cache-Control" not in response:
            response["Cache-Control"] = "no-store"
        return response
