"""Authentication events that the accounts package adds to the ledger."""

from axes.signals import user_locked_out
from django.dispatch import receiver

from audit.services import access_log_lockout


@receiver(user_locked_out)
def record_lockout(sender, request, username, ip_address, **kwargs):
    access_log_lockout(username=username, request=request, ip_address=ip_address)
