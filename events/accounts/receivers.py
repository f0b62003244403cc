"""Authentication events that the accounts package adds to the ledger and the session."""

from axes.signals import user_locked_out
from django.contrib.auth import get_user_model, user_logged_in
from django.dispatch import receiver

from audit.models import AccessAction
from audit.services import access_log_record
from config.middleware import session_start


@receiver(user_locked_out)
def record_lockout(sender, request, username, ip_address, **kwargs):
    user = get_user_model().objects.filter(username=username).first() if username else None
    access_log_record(
        user=user,
        username=str(username or "")[:150],
        action=AccessAction.LOCKOUT,
        request=request,
    )


@receiver(user_logged_in)
def start_session_clock(sender, request, user, **kwargs):
    if request is not None and hasattr(request, "session"):
        session_start(request)
