"""Keeps a user who needs a second factor on the enrolment and verification pages until they
have presented one."""

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.http import urlencode
from django_otp import user_has_device

from events.accounts.policy import is_verified, requires_second_factor

# Pages a half-logged-in user may reach: the second-factor steps themselves and log out.
_OPEN_URL_NAMES = ("login", "logout", "second-factor-verify", "second-factor-setup")


class SecondFactorRequiredMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response
        self._open_paths: set[str] | None = None

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = request.user
        if (
            user.is_authenticated
            and not is_verified(user)
            and request.path not in self.open_paths()
            and requires_second_factor(user)
        ):
            return self._refuse(request, user)
        return self.get_response(request)

    def open_paths(self) -> set[str]:
        if self._open_paths is None:
            self._open_paths = {reverse(name) for name in _OPEN_URL_NAMES}
        return self._open_paths

    def _refuse(self, request: HttpRequest, user) -> HttpResponse:
        if request.path.startswith("/api/"):
            return JsonResponse(
                {
                    "detail": "A second factor is required: verify in the web application.",
                    "code": "second_factor_required",
                },
                status=401,
            )
        step = "second-factor-verify" if user_has_device(user) else "second-factor-setup"
        return redirect(f"{reverse(step)}?{urlencode({'next': request.get_full_path()})}")
