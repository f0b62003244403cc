"""Building blocks shared by the services: optimistic locking and field assignment."""

from collections.abc import Mapping
from typing import Any

from django.core.exceptions import ValidationError
from django.db import models

from audit.services import Record
from events.validators import validate_plain_text


class StaleVersionError(Exception):
    """The record changed since the caller read it; nothing was written."""

    def __init__(self, instance: models.Model, expected_version: int | None):
        self.instance = instance
        self.expected_version = expected_version
        # Every versioned record has `version` and `history` (events.models.base).
        self.current_version: int = getattr(instance, "version")  # noqa: B009
        last = getattr(instance, "history").order_by("-history_id").first()  # noqa: B009
        self.changed_by = last.history_user_name if last else ""
        self.changed_at = last.history_date if last else None
        super().__init__(self.message)

    @property
    def message(self) -> str:
        when = f" at {self.changed_at:%Y-%m-%d %H:%M} UTC" if self.changed_at else ""
        who = f" by {self.changed_by}" if self.changed_by else ""
        return (
            f"This record was changed{who}{when} (now version {self.current_version}, "
            f"you edited version {self.expected_version}). Your changes were not saved; "
            "review the current record and apply them again."
        )


def lock_current(instance: Record, expected_version: int | None) -> Record:
    """Re-read the row under a lock and refuse if its version moved on."""
    current = type(instance)._default_manager.select_for_update().get(pk=instance.pk)
    if expected_version is None or int(expected_version) != getattr(current, "version"):  # noqa: B009
        raise StaleVersionError(current, expected_version)
    return current


def assign(
    instance: models.Model, data: Mapping[str, Any], allowed: tuple[str, ...] | list[str]
) -> list[str]:
    """Copy the allowed keys of `data` onto the instance; return the names that changed.

    Keys that are not allowed are refused with a message naming them, so a client never
    believes it changed a field that is read-only (status, site, version, reporter...).
    """
    unknown = sorted(set(data) - set(allowed))
    if unknown:
        raise ValidationError({name: "This field cannot be changed here." for name in unknown})
    changed = []
    for name, value in data.items():
        field = instance._meta.get_field(name)
        if field.is_relation:
            attname = getattr(field, "attname", name)
            current, new = getattr(instance, attname), getattr(value, "pk", value)
        else:
            current, new = getattr(instance, name), value
        if current != new or instance.pk is None:
            setattr(instance, name, value)
            changed.append(name)
    return changed


def validate(instance: models.Model, exclude: list[str] | None = None) -> None:
    """Field and cross-field validation with messages keyed by field.

    Database constraints stay on as the last line of defence; `clean()` states the same rules
    with field-specific messages, so constraint checks are not repeated here.
    """
    instance.full_clean(exclude=exclude, validate_constraints=False)


def require_reason(reason: str, what: str) -> str:
    """The reason for `what`, which needs one; refused by the rule of `optional_reason`."""
    if not (reason or "").strip():
        raise ValidationError({"reason": f"A reason is required to {what}."})
    return optional_reason(reason)


def optional_reason(reason: str) -> str:
    """A reason a person typed, stripped; plain text only, like every reason (void, finish,
    assess, amend, dismiss...): one rule, so no path stores what another refuses."""
    reason = (reason or "").strip()
    try:
        validate_plain_text(reason)
    except ValidationError as error:
        raise ValidationError({"reason": error.messages}) from None
    return reason
