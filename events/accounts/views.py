"""Login (password, then a second factor when required), enrolment of an authenticator app,
and recovery codes."""

from base64 import b32encode
from datetime import timedelta

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.template.defaultfilters import pluralize
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme, urlencode
from django.views.decorators.cache import never_cache
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_http_methods
from django_otp import login as otp_login
from django_otp import match_token, user_has_device
from django_otp.plugins.otp_static.models import StaticDevice
from django_otp.plugins.otp_totp.models import TOTPDevice

from audit.models import AccessAction
from audit.services import access_log_record, actor_of
from events.accounts.forms import LoginForm, OneTimeCodeForm
from events.accounts.policy import is_verified, requires_second_factor
from events.accounts.qr import qr_svg
from events.accounts.second_factor import (
    recovery_codes_replace,
    second_factor_device_pending,
    second_factor_enrol,
)
from events.accounts.selectors import api_token_get, api_tokens_for_user, second_factor_state
from events.accounts.services import api_token_revoke
from events.notifications.forms import NotificationChoicesForm
from events.notifications.selectors import notification_choices

EXPIRY_NOTICES = {
    "idle": "You were logged out after 15 minutes without activity.",
    "absolute": "You were logged out: a login lasts at most 12 hours.",
}


class LoginView(auth_views.LoginView):
    """Password step. Axes refuses a locked-out username and address before this runs."""

    template_name = "accounts/login.html"
    authentication_form = LoginForm
    redirect_authenticated_user = True

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["expiry_notice"] = EXPIRY_NOTICES.get(self.request.GET.get("expired", ""))
        return context

    def form_valid(self, form):
        response = super().form_valid(form)
        user = form.get_user()
        if requires_second_factor(user):
            step = "second-factor-verify" if user_has_device(user) else "second-factor-setup"
            return _redirect_to(step, self.get_success_url())
        return response


def _redirect_to(url_name: str, next_url: str) -> HttpResponse:
    return redirect(f"{reverse(url_name)}?{urlencode({'next': next_url})}")


def _next_url(request: HttpRequest) -> str:
    candidate = request.POST.get("next") or request.GET.get("next") or ""
    if url_has_allowed_host_and_scheme(
        candidate, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return candidate
    return reverse(settings.LOGIN_REDIRECT_URL)


@never_cache
@sensitive_post_parameters("token")
@login_required
@require_http_methods(["GET", "POST"])
def second_factor_verify(request: HttpRequest) -> HttpResponse:
    """Second step of a login: a code from the authenticator app or a recovery code."""
    if not user_has_device(request.user):
        return _redirect_to("second-factor-setup", _next_url(request))
    form = OneTimeCodeForm(request.POST or None)
    if form.is_valid():
        device = match_token(request.user, form.cleaned_data["token"])
        if device is not None:
            otp_login(request, device)
            is_recovery_code = isinstance(device, StaticDevice)
            _record_second_factor(request, "recovery_code" if is_recovery_code else "totp")
            if is_recovery_code:
                messages.warning(request, _recovery_codes_left_message(device))
            return redirect(_next_url(request))
        _record_failed_code(request, step="verify")
        form.add_error("token", "That code is not valid (or was already used). Try again.")
    return render(
        request, "accounts/second_factor_verify.html", {"form": form, "next": _next_url(request)}
    )


@never_cache
@sensitive_post_parameters("token")
@login_required
@require_http_methods(["GET", "POST"])
def second_factor_setup(request: HttpRequest) -> HttpResponse:
    """Enrol an authenticator app: scan the code, confirm with one code, get recovery codes.

    A user who already has a device must verify with it first: a password alone must not be
    enough to replace the second factor.
    """
    user = actor_of(request.user)
    if user_has_device(user) and not is_verified(user):
        return _redirect_to("second-factor-verify", _next_url(request))
    device = second_factor_device_pending(actor=user)
    form = OneTimeCodeForm(request.POST or None)
    if form.is_valid():
        if device.verify_token(form.cleaned_data["token"]):
            codes = second_factor_enrol(actor=user, device=device, request=request)
            otp_login(request, device)
            _record_second_factor(request, "totp_enrolled")
            return render(
                request,
                "accounts/recovery_codes.html",
                {"codes": codes, "next": _next_url(request)},
            )
        _record_failed_code(request, step="setup")
        form.add_error("token", "That code does not match. Check the clock of your device.")
    context = {
        "form": form,
        "qr_svg": qr_svg(device.config_url),
        "secret": _base32_secret(device),
        "next": _next_url(request),
    }
    return render(request, "accounts/second_factor_setup.html", context)


@never_cache
@login_required
@require_http_methods(["GET"])
def account(request: HttpRequest) -> HttpResponse:
    """The signed-in person's second factor (enrolled or not, recovery codes left) and API
    tokens (every device's, with its state)."""
    user = request.user
    has_authenticator, recovery_codes_left = second_factor_state(user)
    now = timezone.now()
    context = {
        "has_authenticator": has_authenticator,
        "recovery_codes_left": recovery_codes_left,
        "token_rows": [
            {"token": token, "state": token.state(now)} for token in api_tokens_for_user(user)
        ],
        "idle_timeout": _duration(settings.API_TOKEN_IDLE_TIMEOUT),
        "max_age": _duration(settings.API_TOKEN_MAX_AGE),
        "notification_form": NotificationChoicesForm(
            initial=(choices := notification_choices(actor_of(user))), kinds=list(choices)
        ),
    }
    return render(request, "accounts/account.html", context)


@never_cache
@login_required
@require_http_methods(["POST"])
def api_token_revoke_view(request: HttpRequest, pk: int) -> HttpResponse:
    """Revoke one of the user's API tokens; it stops working at once."""
    token = api_token_get(request.user, pk)
    api_token_revoke(token=token, actor=actor_of(request.user), request=request)
    messages.success(request, f"The token for {token.name} was revoked.")
    return redirect(f"{reverse('account')}#api-tokens")


@never_cache
@login_required
@require_http_methods(["POST"])
def recovery_codes_regenerate(request: HttpRequest) -> HttpResponse:
    """Replace the recovery codes (the old ones stop working); needs a verified session."""
    if not is_verified(request.user):
        return _redirect_to("second-factor-verify", request.path)
    codes = recovery_codes_replace(actor=actor_of(request.user), request=request)
    return render(
        request, "accounts/recovery_codes.html", {"codes": codes, "next": _next_url(request)}
    )


def _duration(limit: timedelta) -> str:
    """'7 days' or '12 hours': the token limits as people configure them."""
    if limit % timedelta(days=1):
        hours = int(limit / timedelta(hours=1))
        return f"{hours} hour{pluralize(hours)}"
    return f"{limit.days} day{pluralize(limit.days)}"


def _recovery_codes_left_message(device: StaticDevice) -> str:
    left = device.token_set.count()
    return f"You used a recovery code; {left} left. Generate new ones from your account page."


def _base32_secret(device: TOTPDevice) -> str:
    return b32encode(device.bin_key).decode().rstrip("=")


def _record_second_factor(request: HttpRequest, method: str) -> None:
    """The password login was logged when it happened; this logs the second step, so the
    access log shows which factor completed the login (and when a recovery code was used)."""
    access_log_record(
        user=actor_of(request.user),
        action=AccessAction.LOGIN,
        request=request,
        detail={"second_factor": method},
    )


def _record_failed_code(request: HttpRequest, *, step: str) -> None:
    access_log_record(
        user=actor_of(request.user),
        action=AccessAction.LOGIN_FAILED,
        request=request,
        detail={"second_factor": step},
    )
