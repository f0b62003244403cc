"""The two ways anything is written to the ledger: an audited save, and an access-log entry."""

from django.db import models

from audit.models import AccessAction, AccessLog, MissingActorError


def audited_save(
    instance: models.Model,
    *,
    actor,
    reason: str = "",
    update_fields: list[str] | None = None,
) -> models.Model:
    """Save an audited record; its history row carries `actor` and `reason`.

    Every service writes through here. Call it inside `transaction.atomic()` so the record
    and its history row are stored together or not at all.
    """
    if actor is None or (not getattr(actor, "pk", None) and actor is not instance):
        raise MissingActorError(f"{type(instance).__name__}: an audited write needs an actor.")
    instance._history_user = actor
    instance._change_reason = reason
    instance.save(update_fields=update_fields)
    return instance


def _client_ip(request) -> str | None:
    if request is None:
        return None
    return request.META.get("REMOTE_ADDR") or None


def access_log_record(
    *,
    user,
    action: AccessAction | str,
    request=None,
    username: str | None = None,
    object_type: str = "",
    object_id: str | int = "",
    site_id: int | None = None,
    row_count: int | None = None,
    detail: dict | None = None,
) -> AccessLog:
    """Append one access-log entry (ids and filters only, never patient data)."""
    if username is None:
        username = user.get_username() if user is not None else ""
    entry = AccessLog(
        user=user if user is not None and user.pk else None,
        username=username,
        action=action,
        object_type=object_type,
        object_id=str(object_id),
        site_id=site_id,
        row_count=row_count,
        detail=detail or {},
        ip_address=_client_ip(request),
    )
    entry.save()
    return entry
