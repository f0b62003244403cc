"""Signal receivers that keep the ledger complete: every historical row is stamped and
chained before it is inserted, and authentication events reach the access log."""

from typing import Any

from django.apps import AppConfig
from django.contrib.auth import (
    get_user_model,
    user_logged_in,
    user_logged_out,
    user_login_failed,
)
from django.contrib.auth.models import update_last_login
from django.db import models, router
from django.db.backends.signals import connection_created
from django.db.models.signals import post_migrate
from django.dispatch import receiver
from django.http import HttpRequest
from simple_history.signals import pre_create_historical_record

from audit import chain, triggers
from audit.models import AccessAction, HistoryBase
from audit.services import access_log_record


@receiver(pre_create_historical_record)
def seal_history_row(
    sender: type[models.Model],
    instance: models.Model,
    history_instance: models.Model,
    using: str | None = None,
    **kwargs: Any,
) -> None:
    if not isinstance(history_instance, HistoryBase):
        return
    if (
        getattr(history_instance, "history_user_id", None) is None
        and getattr(history_instance, "history_type", None) == "+"
        and isinstance(instance, get_user_model())
    ):
        # An account with no creator (createsuperuser, the first account) registers itself.
        history_instance.history_user = instance
    history_instance.stamp()
    history_instance.chain_site_id = chain.site_of(instance)
    chain.seal([history_instance], using=using or router.db_for_write(sender))


@receiver(connection_created)
def register_sqlite_functions(sender: object, connection: Any, **kwargs: Any) -> None:
    triggers.register_sqlite_functions(connection)


@receiver(post_migrate)
def install_append_only_triggers(sender: AppConfig, using: str = "default", **kwargs: Any) -> None:
    # Runs after every migrate: SQLite drops a table's triggers when a migration rebuilds it.
    if sender.name == "audit":
        triggers.install_all(using)


# The login time is kept out of the user's history (see audit.models); the access log
# records each login instead.
user_logged_in.disconnect(update_last_login, dispatch_uid="update_last_login")


@receiver(user_logged_in)
def record_login(sender: object, request: HttpRequest | None, user: Any, **kwargs: Any) -> None:
    access_log_record(user=user, action=AccessAction.LOGIN, request=request)


@receiver(user_logged_out)
def record_logout(sender: object, request: HttpRequest | None, user: Any, **kwargs: Any) -> None:
    if user is not None:
        access_log_record(user=user, action=AccessAction.LOGOUT, request=request)


@receiver(user_login_failed)
def record_failed_login(
    sender: object,
    credentials: dict[str, Any],
    request: HttpRequest | None = None,
    **kwargs: Any,
) -> None:
    access_log_record(
        user=None,
        username=str(credentials.get("username", ""))[:150],
        action=AccessAction.LOGIN_FAILED,
        request=request,
    )
